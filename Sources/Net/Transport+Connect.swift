import Glibc
import Posix
import TLS

extension Transport {
    /// Opens a TCP connection to `host` (an IPv4 literal or a name, tried address by address) and,
    /// with a TLS context, runs the client handshake: SNI and certificate verification against
    /// `serverName` (default `host`; an IP literal is checked against the certificate's IP names).
    public static func connect(
        host: String, port: Int, tls: TLSContext?, serverName: String? = nil, deadline: Int64
    ) throws(NetError) -> Transport {
        guard (1...65535).contains(port) else { throw NetError(.connect, "connecting to \(host):\(port): port out of range") }
        let addresses: [in_addr]
        do {
            addresses = try Socket.resolveIPv4(host)
        } catch {
            throw NetError(.resolve, "connecting to \(host):\(port): \(error)")
        }
        let peer = "\(host):\(port)"
        let fd = try openFirst(addresses, host: host, port: UInt16(port), deadline: deadline)
        let transport = try Transport(fd: fd, peer: peer)
        if let tls {
            guard tls.role == .client else { preconditionFailure("Transport.connect with a server TLS context") }
            try transport.handshake(context: tls, serverName: serverName ?? host, deadline: deadline)
        }
        return transport
    }

    /// Takes ownership of an accepted socket and, with a (server) TLS context, runs the handshake.
    /// The descriptor is closed if anything fails.
    public static func accept(fd: Int32, tls: TLSContext?, deadline: Int64?) throws(NetError) -> Transport {
        let peer = Socket.peerName(fd)
        do {
            try FD.setNonBlocking(fd)
        } catch {
            FD.close(fd)
            throw NetError(.closed, "accepting \(peer): \(error)")
        }
        let transport = try Transport(fd: fd, peer: peer)
        if let tls {
            guard tls.role == .server else { preconditionFailure("Transport.accept with a client TLS context") }
            try transport.handshake(context: tls, serverName: nil, deadline: deadline)
        }
        return transport
    }

    /// Tries each address in turn until one connects; the last failure is reported.
    private static func openFirst(_ addresses: [in_addr], host: String, port: UInt16, deadline: Int64) throws(NetError) -> Int32 {
        var failure = NetError(.connect, "connecting to \(host):\(port): no address")
        for address in addresses {
            let label = addresses.count == 1 && Socket.format(address) == host
                ? "\(host):\(port)" : "\(host):\(port) (\(Socket.format(address)))"
            switch tryConnect(address, port: port, label: label, deadline: deadline) {
            case .success(let fd): return fd
            case .failure(let error):
                failure = error
                if error.kind == .timeout { throw error }
            }
        }
        throw failure
    }

    private static func tryConnect(_ address: in_addr, port: UInt16, label: String, deadline: Int64) -> Result<Int32, NetError> {
        let started: (fd: Int32, connected: Bool)
        do {
            started = try Socket.startConnect(address, port: port)
        } catch {
            return .failure(NetError(.connect, "connecting to \(label): \(error.reason)"))
        }
        if started.connected { return .success(started.fd) }
        while true {
            guard let timeout = Poll.millis(until: deadline, now: Clock.monotonicNanos()) else {
                FD.close(started.fd)
                return .failure(NetError(.timeout, "connecting to \(label): no answer before the deadline"))
            }
            let ready: Poll.Readiness
            do {
                ready = try Poll.wait(started.fd, events: Int16(POLLOUT), wakeFD: -1, timeoutMillis: timeout)
            } catch {
                FD.close(started.fd)
                return .failure(NetError(.connect, "connecting to \(label): \(error)"))
            }
            guard ready.socketEvents != 0 else { continue }
            let err = Socket.pendingError(started.fd)
            if err == 0 { return .success(started.fd) }
            FD.close(started.fd)
            return .failure(NetError(.connect, "connecting to \(label): \(SystemError("connect", errno: err).reason)"))
        }
    }
}

import Glibc

/// A client's address, IPv4 or IPv6, as a key (IPv4 in `low`, `high` zero).
struct PeerAddress: Hashable {
    var high: UInt64
    var low: UInt64

    /// The peer of a connected socket; nil when it has none (a test's fake descriptor).
    static func of(fd: Int32) -> PeerAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let r = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        guard r == 0 else { return nil }
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafeBytes(of: &storage) { raw in
                PeerAddress(high: 0, low: UInt64(raw.load(fromByteOffset: MemoryLayout<sockaddr_in>.offset(of: \.sin_addr)!, as: UInt32.self)))
            }
        case AF_INET6:
            return withUnsafeBytes(of: &storage) { raw in
                let at = MemoryLayout<sockaddr_in6>.offset(of: \.sin6_addr)!
                return PeerAddress(high: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self),
                                   low: raw.loadUnaligned(fromByteOffset: at + 8, as: UInt64.self))
            }
        default:
            return nil
        }
    }
}

/// Why a connection was admitted only to be refused.
enum ConnectionRefusal {
    /// The worker holds `WS_MAX_CONNECTIONS` already.
    case full
    /// Its address holds `MAX_CONNECTIONS_PER_ADDRESS` on this worker already.
    case perAddress
}

/// Connection limits: the worker's total and each client address's share. A connection over
/// a limit still gets a slot (a few are kept in reserve) so it can be told why: its first
/// request is answered 503 with the limit named, and it closes.
extension EventLoop {
    /// Slots beyond `maxConnections` for connections being refused.
    static var refusalReserve: Int { 64 }

    /// The limit `connection` is over, if any; counts its address otherwise.
    func checkLimits(_ connection: Connection, fd: Int32) -> ConnectionRefusal? {
        if table.inUse > options.maxConnections { return .full }
        guard let peer = backend.peerAddress(fd: fd) else { return nil }
        let count = connectionsPerAddress[peer, default: 0]
        if count >= options.maxConnectionsPerAddress { return .perAddress }
        connectionsPerAddress[peer] = count + 1
        connection.peer = peer
        return nil
    }

    /// The connection's address no longer counts against its limit.
    func forgetPeer(_ connection: Connection) {
        guard let peer = connection.peer else { return }
        connection.peer = nil
        let left = connectionsPerAddress[peer, default: 1] - 1
        connectionsPerAddress[peer] = left > 0 ? left : nil
    }

    /// 503 naming the limit, then close.
    func refuse(_ connection: Connection, _ refusal: ConnectionRefusal, headOnly: Bool) {
        connection.closeAfterSend = true
        var body: String
        switch refusal {
        case .full:
            body = #"{"message":"this server is at its connection limit (\#(options.maxConnections) per worker); try again later"}"#
        case .perAddress:
            body = #"{"message":"too many connections from your address (\#(options.maxConnectionsPerAddress) per worker)"}"#
        }
        body.withUTF8 { text in
            Self.retryAfter.withUTF8Buffer { extra in
                write(connection, .serviceUnavailable, UnsafeRawBufferPointer(text), extra: UnsafeRawBufferPointer(extra),
                      headOnly: headOnly, header: .close)
            }
        }
    }

    static var retryAfter: StaticString { "Retry-After: 5\r\n" }
}

import Glibc
import Market
import Net
import Posix
import Simulator
import Synchronization
import TLS

/// Why the simulator could not start.
public struct SimulatorError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}

/// `tterminal simulate`: a Binance-compatible exchange on loopback. Two listeners (spot and
/// USD-M futures streams; both also serve REST and the control API), one generator thread,
/// one thread per connection.
public final class SimulatedExchange: @unchecked Sendable {
    public let options: SimulatorOptions
    let stats = ServerStats()
    let hub = Hub()
    let core: SimulationCore
    let generator: Generator
    let tlsContext: TLSContext?
    /// The PEM certificate clients must trust (with `--tls`).
    public let certificatePath: String?
    let spotListener: Listener
    let futuresListener: Listener
    private let stopping = Atomic<Bool>(false)
    private let liveConnections = Atomic<Int>(0)
    private let threads = Locked<[pthread_t]>([])
    let startedMonotonic = Clock.monotonicNanos()
    let startedWallMs = Clock.realtimeMillis()

    public init(options: SimulatorOptions) throws(SimulatorError) {
        self.options = options
        var recording: ReplayRecording?
        if !options.replayFiles.isEmpty {
            do {
                recording = try ReplayRecording.load(paths: options.replayFiles)
            } catch {
                throw SimulatorError("replay: \(error)")
            }
            for g in recording!.groups {
                SimLog.info("replay group loaded", [
                    "venue": g.venue.name, "symbol": g.symbol, "items": "\(g.items.count)",
                    "snapshot": g.hasSnapshot ? "\(g.snapshotId)" : "none", "loopSeconds": "\(g.spanMs / 1_000)"])
            }
        }
        core = SimulationCore(options: options, recording: recording, stats: stats,
                              startMonotonic: Clock.monotonicNanos(), startWallMs: Clock.realtimeMillis())
        generator = Generator(core: core, hub: hub)
        if options.tls {
            let dir = options.certDirectory ?? "/tmp/tterminal-simulate-\(getpid())"
            do {
                let paths = try SelfSignedCertificate.write(
                    commonName: "tterminal simulate", subjectAltNames: ["DNS:localhost", "IP:127.0.0.1"],
                    validDays: 30, to: dir)
                tlsContext = try TLSContext.server(certificateChain: paths.certificatePath, privateKey: paths.keyPath)
                certificatePath = paths.certificatePath
            } catch {
                throw SimulatorError("TLS certificate in \(dir): \(error)")
            }
        } else {
            tlsContext = nil
            certificatePath = nil
        }
        do {
            spotListener = try Listener(host: options.host, port: options.spotPort)
            futuresListener = try Listener(host: options.host, port: options.futuresPort)
        } catch {
            throw SimulatorError("\(error)")
        }
    }

    public var spotPort: Int { spotListener.port }
    public var futuresPort: Int { futuresListener.port }
    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// The line printed on start: URLs with the actual ports, and the certificate to trust.
    public var readyLine: String {
        let ws = options.tls ? "wss" : "ws"
        let http = options.tls ? "https" : "http"
        var out = JSONBytes(capacity: 256)
        out.raw("{")
        out.key("spot", first: true)
        out.string("\(ws)://\(options.host):\(spotPort)")
        out.key("futures")
        out.string("\(ws)://\(options.host):\(futuresPort)")
        out.key("rest")
        out.string("\(http)://\(options.host):\(spotPort)")
        out.key("futuresRest")
        out.string("\(http)://\(options.host):\(futuresPort)")
        out.key("control")
        out.string("\(http)://\(options.host):\(spotPort)/sim")
        out.key("cert")
        if let certificatePath { out.string(certificatePath) } else { out.raw("null") }
        out.key("pid")
        out.integer(Int64(getpid()))
        out.raw("}")
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// Starts the generator and the two acceptors.
    public func start() throws(SimulatorError) {
        guard let g = Threads.start(name: "sim-generator", { [generator] in generator.run() }) else {
            throw SimulatorError("cannot start the generator thread")
        }
        threads.withLock { $0.append(g) }
        for (listener, venue) in [(spotListener, Venue.spot), (futuresListener, .futures)] {
            guard let t = Threads.start(name: "sim-accept", { [self] in acceptLoop(listener, venue: venue) }) else {
                throw SimulatorError("cannot start an accept thread")
            }
            threads.withLock { $0.append(t) }
        }
        SimLog.info("simulator started", [
            "spot": "\(options.host):\(spotPort)", "futures": "\(options.host):\(futuresPort)",
            "tls": options.tls ? "on" : "off", "mode": core.isReplay ? "replay" : "random",
            "symbols": core.specs.map(\.symbol).joined(separator: ","), "rate": "\(options.rate)"])
    }

    private func acceptLoop(_ listener: Listener, venue: Venue) {
        defer { listener.close() }
        while !isStopping {
            let accepted: Int32?
            do {
                accepted = try listener.accept(deadline: nil)
            } catch {
                if !isStopping { SimLog.error("accept failed", ["error": "\(error)"]) }
                return
            }
            guard let fd = accepted else { continue }
            ServerStats.bump(stats.connectionsAccepted)
            _ = liveConnections.wrappingAdd(1, ordering: .relaxed)
            let started = Threads.start(name: "sim-conn") { [self] in
                defer { _ = liveConnections.wrappingSubtract(1, ordering: .relaxed) }
                serve(fd: fd, venue: venue)
            }
            if let started { Threads.detach(started) } else {
                _ = liveConnections.wrappingSubtract(1, ordering: .relaxed)
                FD.close(fd)
            }
        }
    }

    private func serve(fd: Int32, venue: Venue) {
        do {
            try FD.setNonBlocking(fd)
            let outbox = try Outbox(maxBytes: options.outboxBytes)
            let io = try ConnectionIO(fd: fd, tls: tlsContext)
            Connection(server: self, venue: venue, io: io, outbox: outbox).run()
        } catch {
            SimLog.error("cannot serve a connection", ["error": "\(error)"])
            FD.close(fd)
        }
    }

    /// Stops everything within about `timeoutMs`: the generator, the listeners, then every
    /// connection (close frame 1001).
    public func stop(timeoutMs: Int64 = 5_000) {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        SimLog.info("simulator stopping", ["connections": "\(liveConnections.load(ordering: .relaxed))"])
        generator.stop()
        spotListener.interrupt()
        futuresListener.interrupt()
        for t in threads.withLock({ $0 }) { Threads.join(t) }
        for (_, e) in hub.entries() { e.outbox.send(.shutdown) }
        let deadline = Clock.monotonicNanos() + timeoutMs * 1_000_000
        while liveConnections.load(ordering: .acquiring) > 0 && Clock.monotonicNanos() < deadline {
            Threads.sleep(nanos: 10_000_000)
        }
        SimLog.info("simulator stopped", ["connectionsLeft": "\(liveConnections.load(ordering: .relaxed))"])
    }
}

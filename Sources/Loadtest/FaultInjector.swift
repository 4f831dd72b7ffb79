import Glibc
import Posix

/// A loopback HTTP URL (`http://127.0.0.1:PORT/path`): the simulator's control API.
public struct HTTPTarget: Sendable, Equatable {
    public var host: UInt32
    public var port: UInt16
    /// The path without a trailing slash (`/sim`), "" for the root.
    public var path: String

    public init(url: String) throws(LoadtestError) {
        guard url.hasPrefix("http://") else { throw LoadtestError("--sim-control must start with http://: \(url)") }
        let rest = url.dropFirst(7)
        let authority = rest.prefix { $0 != "/" }
        let halves = authority.split(separator: ":", maxSplits: 1)
        guard let hostText = halves.first, let address = SourceAddresses.parse(hostText == "localhost" ? "127.0.0.1" : hostText),
              SourceAddresses.isLoopback(address) else {
            throw LoadtestError("--sim-control host must be an address in 127.0.0.0/8: \(url)")
        }
        guard let port = halves.count == 2 ? UInt16(halves[1]) : 80, port > 0 else { throw LoadtestError("bad port in --sim-control \(url)") }
        host = address
        self.port = port
        var path = String(rest.dropFirst(authority.count))
        while path.hasSuffix("/") { path.removeLast() }
        self.path = path
    }

    /// `POST path` with an empty body, waiting at most `timeoutMillis` for the status line:
    /// the status code, or why there is none.
    public func post(_ pathAndQuery: String, timeoutMillis: Int = 2_000) -> Result<Int, LoadtestError> {
        let fd: Int32
        do throws(SystemError) {
            fd = try Socket.connect(host: SourceAddresses.format(host), port: port)
        } catch {
            return .failure(LoadtestError("connect: \(error)"))
        }
        defer { Glibc.close(fd) }
        Socket.setReceiveTimeout(fd, millis: timeoutMillis)
        let request = "POST \(path)\(pathAndQuery) HTTP/1.1\r\nHost: \(SourceAddresses.format(host)):\(port)\r\n"
            + "Content-Length: 0\r\nConnection: close\r\n\r\n"
        do throws(SystemError) {
            try FD.writeAll(fd, request)
        } catch {
            return .failure(LoadtestError("send: \(error)"))
        }
        var head: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while !head.contains(10) && head.count < 4096 {
            let n = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return .failure(LoadtestError(n == 0 ? "closed without an answer" : "no answer in \(timeoutMillis) ms")) }
            head += chunk[..<n]
        }
        let line = String(decoding: head.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let words = line.split(separator: " ")
        guard words.count >= 2, words[0].hasPrefix("HTTP/1."), let status = Int(words[1]) else {
            return .failure(LoadtestError("not an HTTP answer: \(line.prefix(80))"))
        }
        return .success(status)
    }
}

/// Applies a fault: KILL to a worker or the feeder, HUP to the supervisor (pids read afresh
/// each time, since restarts change them), or a request to the simulator's fault API.
public struct FaultInjector {
    /// The server's processes now.
    let servers: () -> [ServerProcess]
    let simulator: HTTPTarget?

    public init(servers: @escaping () -> [ServerProcess], simulator: HTTPTarget?) {
        self.servers = servers
        self.simulator = simulator
    }

    /// What was hit (`worker pid 1234 (slot 1)`), or why nothing was.
    public func apply(_ spec: FaultSpec) -> Result<String, LoadtestError> {
        switch spec.kind {
        case .killWorker(let slot):
            let workers = servers().filter { $0.role == .worker && (slot == nil || $0.slot == slot) }
            guard let target = workers.min(by: { ($0.slot ?? Int.max, $0.pid) < ($1.slot ?? Int.max, $1.pid) }) else {
                return .failure(LoadtestError("no running worker\(slot.map { " in slot \($0)" } ?? "") to kill"))
            }
            return signal(.kill, target)
        case .killFeeder:
            guard let target = servers().first(where: { $0.role == .feeder }) else { return .failure(LoadtestError("no running feeder to kill")) }
            return signal(.kill, target)
        case .hup:
            guard let target = servers().first(where: { $0.role == .supervisor }) else {
                return .failure(LoadtestError("no supervisor pid to send HUP to"))
            }
            return signal(.hup, target)
        case .simulator:
            guard let simulator, let query = spec.simulatorQuery else { return .failure(LoadtestError("no --sim-control")) }
            switch simulator.post("/fault?" + query) {
            case .success(200): return .success("simulator \(query)")
            case .success(let status): return .failure(LoadtestError("simulator answered \(status) to \(query)"))
            case .failure(let error): return .failure(LoadtestError("simulator \(query): \(error)"))
            }
        }
    }

    func signal(_ signal: Signal, _ target: ServerProcess) -> Result<String, LoadtestError> {
        // Never 0, 1 or a negative pid: kill(2) would reach a whole group, or every process.
        guard target.pid > 1 else { return .failure(LoadtestError("bad \(target.role.rawValue) pid \(target.pid)")) }
        let name = "\(target.role.rawValue) pid \(target.pid)" + (target.slot.map { " (slot \($0))" } ?? "")
        guard signal.send(to: target.pid) else { return .failure(LoadtestError("\(signal) to \(name): errno \(errno)")) }
        return .success("\(signal) to \(name)")
    }
}

import Glibc
import Posix
import Runtime

/// Requests workers send the feeder (`LocalRequests` on `Config.feederRequestsName`): one line
/// `command [argument]` in, one JSON object out: `{"ok":true,…}` or
/// `{"ok":false,"error":"code","message":"…"}`. Each request is answered on a thread of its own
/// (at most `maxConcurrent` at once), never on the ring writer's, so a slow one (a symbol being
/// subscribed, up to 9 s) holds up no other; a command registered `serial` runs one at a time
/// (two adds wait for each other), and the asking worker's deadline bounds every wait.
final class FeederRequests: @unchecked Sendable {
    /// A command's work: its argument (maybe empty) in, its JSON answer out.
    typealias Handler = @Sendable (_ argument: String) -> String

    private let lock = Mutex()
    private var handlers: [String: (handler: Handler, serial: Mutex?)] = [:]
    private let log: Logger
    /// Requests answered at once; more are told `busy`.
    static let maxConcurrent = 8

    init(log: Logger) {
        self.log = log
        on("ping") { _ in FeederAnswer.ok(["pid": "\(getpid())"]) }
    }

    /// Serves `command` with `handler` (replacing an earlier one); `serial`: one at a time.
    func on(_ command: String, serial: Bool = false, _ handler: @escaping Handler) {
        lock.withLock { handlers[command] = (handler, serial ? Mutex() : nil) }
    }

    /// Listens on `name` and serves on a thread of its own. A name another feeder still holds
    /// (a restarted feeder racing the old one's exit) is retried for a few seconds.
    func start(name: String) {
        DetachedThread.start { [self] in
            var fd: Int32 = -1
            for attempt in 0..<50 {
                do {
                    fd = try LocalRequests.listen(name: name)
                    break
                } catch {
                    if attempt == 49 { log.error("feeder requests cannot listen", ["name": name, "error": "\(error)"]); return }
                    usleep(100_000)
                }
            }
            LocalRequests.serve(listenFD: fd, maxConcurrent: Self.maxConcurrent) { line in self.answer(line) }
        }
    }

    /// The answer to one request line.
    func answer(_ line: String) -> String {
        let words = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard let command = words.first.map(String.init) else {
            return FeederAnswer.error("bad_request", "an empty request")
        }
        let argument = words.count > 1 ? String(words[1]) : ""
        guard let entry = lock.withLock({ handlers[command] }) else {
            return FeederAnswer.error("unknown_command", "the feeder does not know \"\(command.prefix(40))\"")
        }
        let startNs = Clock.monotonicNanos()
        let answer = entry.serial.map { serial in serial.withLock { entry.handler(argument) } } ?? entry.handler(argument)
        // One line per request once answered: what was asked, how long it took, and why not.
        let asked = String(argument.prefix(64)), ms = "\((Clock.monotonicNanos() - startNs) / 1_000_000)"
        if answer.hasPrefix(#"{"ok":false"#) {
            log.notice("worker request refused", ["command": command, "argument": asked, "ms": ms, "answer": String(answer.prefix(200))])
        } else {
            log.info("worker request answered", ["command": command, "argument": asked, "ms": ms])
        }
        return answer
    }
}

/// The JSON answers of `FeederRequests`.
enum FeederAnswer {
    /// `{"ok":true, fields…}`: values are JSON text already (`"\"x\""`, `"3"`, `"[…]"`).
    static func ok(_ fields: KeyValuePairs<String, String> = [:]) -> String {
        var text = #"{"ok":true"#
        for (key, value) in fields { text += ",\"\(key)\":\(value)" }
        return text + "}"
    }

    static func error(_ code: String, _ message: String) -> String {
        #"{"ok":false,"error":"\#(code)","message":\#(JSONWriter.quote(message))}"#
    }
}

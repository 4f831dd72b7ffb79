import Market
import Posix

/// The feeder's answer to a worker's request (`LocalRequests`; the feeder's `FeederRequests`).
struct FeederReply {
    /// The answer's members: `ok`, and `error`/`message` when it is false.
    let object: JSONValue
    /// The answer as the feeder wrote it.
    let text: String

    var ok: Bool { object["ok"] == .bool(true) }
    var error: String { object["error"]?.string ?? "feeder_error" }
    var message: String { object["message"]?.string ?? text }
}

/// Asks the feeder to do something. Blocks up to the deadline: call it from a `.feeder` outcome
/// (a thread of its own), never on the loop's.
struct FeederLink: Sendable {
    /// `Config.feederRequestsName`.
    let name: String

    /// The feeder's answer, or the REST answer saying why there is none: 503 when no feeder
    /// listens (it is restarting), 504 past the deadline, 502 for a broken or unreadable answer.
    func ask(_ line: String, timeoutMillis: Int) -> Result<FeederReply, RESTFailure> {
        let text: String
        do {
            text = try LocalRequests.ask(name: name, line: line, timeoutMillis: timeoutMillis)
        } catch .noServer {
            return .failure(Self.failure(503, "feeder_unavailable", "the feeder is not running (restarting?); try again shortly"))
        } catch .timedOut {
            return .failure(Self.failure(504, "feeder_timeout", "the feeder did not answer within \(timeoutMillis) ms"))
        } catch {
            return .failure(Self.failure(502, "feeder_error", "\(error)"))
        }
        guard case .success(let object) = JSONReader.parse(Array(text.utf8)), object["ok"] != nil else {
            return .failure(Self.failure(502, "feeder_error", "the feeder's answer is not JSON: \(text.prefix(80))"))
        }
        return .success(FeederReply(object: object, text: text))
    }

    /// `{"error":code,"message":…}` with `status`.
    static func failure(_ status: Int, _ code: String, _ message: String) -> RESTFailure {
        var out = JSONBytes(capacity: 64 + message.utf8.count)
        out.raw("{")
        out.key("error", first: true)
        out.string(code)
        out.key("message")
        out.string(message)
        out.raw("}")
        return RESTFailure(RESTResponse(status: status, body: out.bytes, taggable: false))
    }
}

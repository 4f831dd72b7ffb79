/// The replies of the terminal route's message budget (`MessageBudget`).
extension TerminalProtocol {
    /// The error a client over its budget receives (at most once a second):
    /// `{"type":"error","message":"rate limited: …","reason":"rate_limited","limit":20,"burst":50}`.
    /// `limit` is the weight per second (a ping weighs 1), `burst` what a quiet connection may spend at once.
    static func rateLimited(_ limits: MessageBudget.Limits) -> String {
        let rate = number(limits.perSecond)
        let message = "rate limited: at most \(rate) messages a second, bursts of \(limits.burst)"
            + " (subscribe and getStats count \(MessageWeight.heavy.rawValue), a resume \(MessageWeight.resume.rawValue));"
            + " messages over it are not processed"
        return #"{"type":"error","message":\#(quoted(message)),"reason":"rate_limited","limit":\#(rate),"burst":\#(limits.burst)}"#
    }

    /// The close reason (1008) for a client that stayed over its budget (under 123 bytes).
    static func rateLimitClose(_ limits: MessageBudget.Limits) -> String {
        "rate limited: over \(number(limits.perSecond)) messages a second for \(number(Double(limits.closeAfter.nanoseconds) / 1e9)) s"
    }

    /// A rate as JSON: whole numbers without a fraction.
    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? "\(Int64(value))" : "\(value)"
    }
}

import WebSocketCore

/// The terminal route's per-connection message budget (`MessageBudget`) in the loop.
extension EventLoop {
    /// Whether the connection may have a message of `weight` processed now. If not it is
    /// counted, the client may be told (at most once a second), or, over its budget for too
    /// long, closed with 1008.
    func admit(_ connection: Connection, weight: MessageWeight) -> Bool {
        let limits = options.wsMessageLimits
        guard limits.isOn else { return true }
        switch connection.webSocket!.budget.spend(weight, now: now, limits: limits) {
        case .process:
            return true
        case .refuse(let notify):
            counters.wsRateLimited += 1
            if notify { sendText(TerminalProtocol.rateLimited(limits), to: connection) }
        case .close:
            counters.wsRateLimited += 1
            counters.wsRateLimitClosed += 1
            closeWebSocket(connection, code: .policyViolation, reason: TerminalProtocol.rateLimitClose(limits))
        }
        return false
    }
}

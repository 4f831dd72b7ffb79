/// The wait before a client's next connection attempt: `base` doubling with each failed
/// attempt up to `cap`, drawn from the upper half of that ("equal jitter"), so a crowd dropped
/// at once comes back spread out but never sooner than half the step.
public struct Backoff: Sendable, Equatable {
    public var baseNanos: Int64
    public var capNanos: Int64

    /// 50 ms doubling to 1 s.
    public static let standard = Backoff(baseNanos: 50_000_000, capNanos: 1_000_000_000)

    public init(baseNanos: Int64, capNanos: Int64) {
        self.baseNanos = baseNanos
        self.capNanos = capNanos
    }

    /// The delay before attempt `attempt` (0: the first after a loss), `jitter` in 0..<1.
    public func delay(attempt: Int, jitter: Double) -> Int64 {
        let full = min(capNanos, baseNanos << min(max(attempt, 0), 30))
        let half = full / 2
        return half + Int64(Double(full - half) * min(max(jitter, 0), 1))
    }
}

/// The server's answer to a resume (`{"type":"recovery",…}`).
public struct RecoveryReply: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case recovered(messages: Int64)
        case impossible(Refusal)
    }

    /// Why the server could not replay (`reason`).
    public enum Refusal: String, Sendable, Equatable, CaseIterable {
        case epochChanged = "epoch_changed"
        case tooOld = "too_old"
        case other
    }

    public var outcome: Outcome
    /// The epoch the server is in, and the last sequence the client now holds (`to_seq` when
    /// recovered, the worker's `seq` when not); -1 when absent.
    public var epoch: Int64
    public var sequence: Int64

    public init(outcome: Outcome, epoch: Int64, sequence: Int64) {
        self.outcome = outcome
        self.epoch = epoch
        self.sequence = sequence
    }
}

/// One client across its connections, as a value: after a loss, when to connect again; after a
/// new `subscribed`, how long it was away; and the resume point (the ring epoch and the last
/// sequence processed) its next subscribe carries (README "Channels with recovery").
public struct Reconnection: Sendable {
    public enum Event: Equatable, Sendable {
        /// The connection, or an attempt at one, ended at `nowNanos`; `jitter` in 0..<1.
        case lost(nowNanos: Int64, jitter: Double)
        /// The server confirmed the subscription, with its `epoch` and `seq` (-1: not given).
        case subscribed(epoch: Int64, sequence: Int64, nowNanos: Int64)
        /// The server answered the resume.
        case recovery(RecoveryReply)
    }

    public enum Action: Equatable, Sendable {
        case none
        /// Connect again at `atNanos`. `outage`: this loss ended a subscribed connection (a
        /// disconnect), not another failed attempt of the same outage or a first connect.
        case reconnect(atNanos: Int64, outage: Bool)
        /// Subscribed again `afterNanos` after the loss; `resumed`: a recovery answer follows.
        case reconnected(afterNanos: Int64, resumed: Bool)
        case recovery(RecoveryReply.Outcome)
    }

    public var backoff: Backoff
    /// Failed attempts since the client was last subscribed.
    public private(set) var attempt = 0
    /// When the subscribed connection was lost (monotonic ns); -1 when not reconnecting.
    public private(set) var lostAtNanos: Int64 = -1
    public private(set) var everSubscribed = false
    /// The resume point: -1 until the server has told the epoch.
    public private(set) var epoch: Int64 = -1
    public private(set) var sequence: Int64 = -1
    /// A resume went out on this connection and its answer has not come: what arrives meanwhile
    /// is replayed, not live.
    public private(set) var awaitingRecovery = false
    /// Subscribed on this connection (and not replaying): what arrives now is live.
    public private(set) var live = false

    public init(backoff: Backoff = .standard) {
        self.backoff = backoff
    }

    /// A data message with this ring sequence was processed.
    @inline(__always)
    public mutating func processed(sequence value: Int64) {
        if value > sequence { sequence = value }
    }

    /// The subscribe is about to go out: the point to resume from, if the server has given an
    /// epoch and `resumable` (the subscription names channels); the answer is then awaited.
    public mutating func subscribing(resumable: Bool) -> (epoch: Int64, sequence: Int64)? {
        live = false
        guard resumable, epoch >= 0, sequence >= 0 else { return nil }
        awaitingRecovery = true
        return (epoch, sequence)
    }

    public mutating func handle(_ event: Event) -> Action {
        switch event {
        case .lost(let now, let jitter):
            let outage = lostAtNanos < 0 && everSubscribed
            if outage { lostAtNanos = now }
            let due = now + backoff.delay(attempt: attempt, jitter: jitter)
            attempt += 1
            awaitingRecovery = false
            live = false
            return .reconnect(atNanos: due, outage: outage)
        case .subscribed(let epoch, let sequence, let now):
            // While a resume is answered, the reply's seq is the worker's position, not what
            // this client holds: the replay and the recovery answer move the point.
            if !awaitingRecovery {
                if epoch >= 0 { self.epoch = epoch }
                processed(sequence: sequence)
            }
            live = !awaitingRecovery
            everSubscribed = true
            attempt = 0
            defer { lostAtNanos = -1 }
            return lostAtNanos >= 0 ? .reconnected(afterNanos: now - lostAtNanos, resumed: awaitingRecovery) : .none
        case .recovery(let reply):
            guard awaitingRecovery else { return .none }
            awaitingRecovery = false
            live = true
            if reply.epoch >= 0 { epoch = reply.epoch }
            processed(sequence: reply.sequence)
            return .recovery(reply.outcome)
        }
    }

    /// `subscribe` (a JSON object) with `"epoch":E,"seq":S` added before its closing brace.
    public static func resumeText(_ subscribe: String, epoch: Int64, sequence: Int64) -> String {
        var text = Substring(subscribe)
        while let last = text.last, last == " " || last == "\n" || last == "\r" || last == "\t" { text.removeLast() }
        guard text.last == "}" else { return subscribe }
        text.removeLast()
        let empty = text.reversed().first { $0 != " " && $0 != "\n" && $0 != "\r" && $0 != "\t" } == "{"
        return String(text) + (empty ? "" : ",") + #""epoch":\#(epoch),"seq":\#(sequence)}"#
    }
}

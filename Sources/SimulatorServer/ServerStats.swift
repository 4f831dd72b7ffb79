import Synchronization

/// Server-wide counters, bumped from any thread without a lock.
public final class ServerStats: Sendable {
    public let connectionsAccepted = Atomic<Int>(0)
    public let webSocketsOpened = Atomic<Int>(0)
    public let webSocketsOpen = Atomic<Int>(0)
    public let httpRequests = Atomic<Int>(0)
    /// Broken HTTP requests and WebSocket control messages answered with an error.
    public let malformedClientMessages = Atomic<Int>(0)
    public let framesQueued = Atomic<Int>(0)
    /// Frames dropped while a connection was stalled.
    public let framesDroppedStalled = Atomic<Int>(0)
    public let slowConsumersClosed = Atomic<Int>(0)
    public let rateLimitClosed = Atomic<Int>(0)
    public let pongTimeoutClosed = Atomic<Int>(0)
    public let maxAgeClosed = Atomic<Int>(0)
    public let tlsHandshakeFailures = Atomic<Int>(0)
    public let rest429 = Atomic<Int>(0)
    public let rest418 = Atomic<Int>(0)
    /// WebSocket upgrades answered 429 and 418 (the `ws429` fault).
    public let ws429 = Atomic<Int>(0)
    public let ws418 = Atomic<Int>(0)
    public let pingsSent = Atomic<Int>(0)
    public let pongsReceived = Atomic<Int>(0)

    public init() {}

    @inline(__always)
    static func bump(_ a: borrowing Atomic<Int>, by n: Int = 1) { _ = a.wrappingAdd(n, ordering: .relaxed) }

    /// (name, value) pairs for the state document.
    func snapshot() -> [(String, Int)] {
        [("connectionsAccepted", connectionsAccepted.load(ordering: .relaxed)),
         ("webSocketsOpened", webSocketsOpened.load(ordering: .relaxed)),
         ("webSocketsOpen", webSocketsOpen.load(ordering: .relaxed)),
         ("httpRequests", httpRequests.load(ordering: .relaxed)),
         ("malformedClientMessages", malformedClientMessages.load(ordering: .relaxed)),
         ("framesQueued", framesQueued.load(ordering: .relaxed)),
         ("framesDroppedStalled", framesDroppedStalled.load(ordering: .relaxed)),
         ("slowConsumersClosed", slowConsumersClosed.load(ordering: .relaxed)),
         ("rateLimitClosed", rateLimitClosed.load(ordering: .relaxed)),
         ("pongTimeoutClosed", pongTimeoutClosed.load(ordering: .relaxed)),
         ("maxAgeClosed", maxAgeClosed.load(ordering: .relaxed)),
         ("tlsHandshakeFailures", tlsHandshakeFailures.load(ordering: .relaxed)),
         ("rest429", rest429.load(ordering: .relaxed)),
         ("rest418", rest418.load(ordering: .relaxed)),
         ("ws429", ws429.load(ordering: .relaxed)),
         ("ws418", ws418.load(ordering: .relaxed)),
         ("pingsSent", pingsSent.load(ordering: .relaxed)),
         ("pongsReceived", pongsReceived.load(ordering: .relaxed))]
    }
}

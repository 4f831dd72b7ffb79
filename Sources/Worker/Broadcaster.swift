import WebSocketCore

/// Fan-out from a hook: the loop hands itself to `WorkerHooks.onWake(broadcaster:)` so the ring
/// reader can queue each encoded message to its subscribers without owning any connection.
public protocol Broadcaster: AnyObject {
    /// Frames `text` once as a WebSocket text message and queues it to every open
    /// terminal-protocol connection subscribed to `symbol` (upper case). A connection whose
    /// queue is over its bound is closed with 1008 and counted as a slow client.
    /// Returns how many connections it was queued to.
    @discardableResult
    func broadcast(text: UnsafeRawBufferPointer, toSubscribersOf symbol: String) -> Int
}

/// Counts of the fan-out, per worker.
public struct BroadcastCounters: Sendable, Equatable {
    public var messages = 0
    public var deliveries = 0
    public var slowClientsClosed = 0
    public init() {}
}

extension EventLoop: Broadcaster {
    @discardableResult
    func broadcast(text: UnsafeRawBufferPointer, toSubscribersOf symbol: String) -> Int {
        frameScratch.removeAll(keepingCapacity: true)
        var header: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &header) { h in
            let size = WebSocketFrameEncoder.writeHeader(into: h, opcode: .text, payloadLength: text.count)
            frameScratch.append(contentsOf: h[0..<size])
        }
        frameScratch.append(contentsOf: text)
        broadcasts.messages += 1
        var delivered = 0
        frameScratch.withUnsafeBytes { frame in
            forEachWebSocket(subscribedTo: symbol) { connection in
                if queueEncodedFrame(frame, to: connection) {
                    delivered += 1
                } else {
                    broadcasts.slowClientsClosed += 1
                    closeWebSocket(connection, code: .policyViolation, reason: "client too slow: messages dropped")
                }
            }
        }
        broadcasts.deliveries += delivered
        return delivered
    }
}

import WebSocketCore

/// Fan-out from a hook: the loop hands itself to `WorkerHooks.onWake(broadcaster:)` (and the
/// subscription hooks) so the ring reader can queue each encoded message to its subscribers
/// without owning any connection. A message queued here leaves with the connection's next
/// send, at the end of the loop turn, together with everything else queued for it.
public protocol Broadcaster: AnyObject {
    /// Whether any open connection subscribes to `key`: ask before encoding a record.
    func hasSubscribers(_ key: SubscriptionKey) -> Bool

    /// Frames `text` once as a WebSocket text message and queues it to every open
    /// terminal-protocol connection subscribed to `key`. A connection whose queue is over its
    /// bound is closed with 1008 and counted as a slow client. Returns how many connections
    /// it was queued to.
    @discardableResult
    func broadcast(text: UnsafeRawBufferPointer, to key: SubscriptionKey) -> Int

    /// Queues `text` to one connection (what a new subscriber must see first). False when the
    /// connection is gone, or was closed for being too slow.
    @discardableResult
    func send(text: UnsafeRawBufferPointer, to subscriber: SubscriberID) -> Bool

    /// Every key with at least one subscriber (rare events: a lap, a gap of every symbol).
    func subscribedKeys() -> [SubscriptionKey]
}

extension EventLoop: Broadcaster {
    func hasSubscribers(_ key: SubscriptionKey) -> Bool { subscriptionIndex.count(of: key) > 0 }

    @discardableResult
    func broadcast(text: UnsafeRawBufferPointer, to key: SubscriptionKey) -> Int {
        let slots = subscriptionIndex.subscribers(of: key)
        guard !slots.isEmpty else { return 0 }
        frame(text)
        var delivered = 0
        frameScratch.withUnsafeBytes { frame in
            for slot in slots {
                let connection = table.slots[Int(slot)]
                guard connection.phase == .open, connection.webSocket?.isOpen == true else { continue }
                if deliverFrame(frame, to: connection) { delivered += 1 }
            }
        }
        counters.wsDeliveries += delivered
        return delivered
    }

    @discardableResult
    func send(text: UnsafeRawBufferPointer, to subscriber: SubscriberID) -> Bool {
        guard let connection = table.lookup(slot: subscriber.slot, generation: subscriber.generation),
              connection.phase == .open, connection.webSocket?.isOpen == true else { return false }
        frame(text)
        let delivered = frameScratch.withUnsafeBytes { deliverFrame($0, to: connection) }
        if delivered { counters.wsDeliveries += 1 }
        return delivered
    }

    func subscribedKeys() -> [SubscriptionKey] { Array(subscriptionIndex.keys) }

    /// `text` as one final text frame in `frameScratch`.
    private func frame(_ text: UnsafeRawBufferPointer) {
        frameScratch.removeAll(keepingCapacity: true)
        var header: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &header) { h in
            let size = WebSocketFrameEncoder.writeHeader(into: h, opcode: .text, payloadLength: text.count)
            frameScratch.append(contentsOf: h[0..<size])
        }
        frameScratch.append(contentsOf: text)
        counters.wsMessages += 1
    }

    /// Queues a framed message; a connection too far behind is closed instead.
    private func deliverFrame(_ frame: UnsafeRawBufferPointer, to connection: Connection) -> Bool {
        if queueEncodedFrame(frame, to: connection) { return true }
        if !connection.closeAfterSend && connection.sends.queuedBytes > options.maxQueuedOutput {
            counters.slowClientsClosed += 1
            closeWebSocket(connection, code: .policyViolation, reason: "client too slow: messages dropped")
        }
        return false
    }
}

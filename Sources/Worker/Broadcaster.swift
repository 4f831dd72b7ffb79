import Market
import WebSocketCore

/// Fan-out from a hook: the loop hands itself to `WorkerHooks.onWake(broadcaster:)` (and the
/// subscription hooks) so the ring reader can queue each encoded message to its subscribers
/// without owning any connection. A message queued here leaves with the connection's next
/// send, at the end of the loop turn, together with everything else queued for it.
public protocol Broadcaster: AnyObject {
    /// Whether any open connection subscribes to a channel of `channels` of `key`: ask
    /// before encoding a record.
    func hasSubscribers(_ key: SubscriptionKey, _ channels: ChannelSet) -> Bool

    /// Frames `text` once as a WebSocket text message and queues it to every connection
    /// subscribed to a channel of `channel` of `key`, within each one's queue bound (see
    /// `EventLoop.deliver`). `sequence` is the record's, for gap notices. Returns how many
    /// connections it was queued to.
    @discardableResult
    func broadcast(text: UnsafeRawBufferPointer, to key: SubscriptionKey, channel: ChannelSet, sequence: UInt64) -> Int

    /// `broadcast` to every subscriber but `excluded` (connections that get their own copy of
    /// the message, e.g. with a later depth timestamp).
    @discardableResult
    func broadcast(text: UnsafeRawBufferPointer, to key: SubscriptionKey, channel: ChannelSet, sequence: UInt64,
                   excluding excluded: [SubscriberID]) -> Int

    /// Whether `subscriber` is an open connection subscribed to a channel of `channels` of `key`.
    func subscribes(_ subscriber: SubscriberID, to key: SubscriptionKey, _ channels: ChannelSet) -> Bool

    /// Queues `text` to one connection (what a new subscriber must see first, a replay), past
    /// the soft queue bound. False when the connection is gone, or was closed for being too slow.
    @discardableResult
    func send(text: UnsafeRawBufferPointer, to subscriber: SubscriberID) -> Bool

    /// Every key with at least one subscriber (rare events: a lap, a gap of every symbol).
    func subscribedKeys() -> [SubscriptionKey]

    /// The answer to a REST request `WorkerHooks.api` answered `.later`; dropped if the
    /// connection has gone.
    func answer(_ response: RESTResponse, to subscriber: SubscriberID)
}

extension EventLoop: Broadcaster {
    func hasSubscribers(_ key: SubscriptionKey, _ channels: ChannelSet) -> Bool {
        subscriptionIndex.wants(key, channels)
    }

    @discardableResult
    func broadcast(text: UnsafeRawBufferPointer, to key: SubscriptionKey, channel: ChannelSet, sequence: UInt64) -> Int {
        broadcast(text: text, to: key, channel: channel, sequence: sequence, excluding: [])
    }

    @discardableResult
    func broadcast(text: UnsafeRawBufferPointer, to key: SubscriptionKey, channel: ChannelSet, sequence: UInt64,
                   excluding excluded: [SubscriberID]) -> Int {
        guard let entry = subscriptionIndex.entry(of: key), !entry.union.isDisjoint(with: channel) else { return 0 }
        let frame = SharedFrame.text(text)
        counters.wsMessages += 1
        // Sends leave in queueing order and a fan-out to 1,000 takes milliseconds, so each
        // message starts at another subscriber (a scrambled count): no client is always last.
        let count = entry.slots.count
        guard count > 0 else { return 0 }
        var i = Int((UInt64(truncatingIfNeeded: counters.wsMessages) &* 0x9E37_79B9_7F4A_7C15) >> 33) % count
        var delivered = 0
        for _ in 0..<count {
            if !entry.channels[i].isDisjoint(with: channel) {
                let queued = table.handles[Int(entry.slots[i])]._withUnsafeGuaranteedRef {
                    !excluded.isEmpty && excluded.contains($0.subscriberID)
                        ? false : deliver(frame, to: $0, key: key, channel: channel, sequence: sequence)
                }
                if queued { delivered += 1 }
            }
            i = i + 1 == count ? 0 : i + 1
        }
        counters.wsDeliveries += delivered
        return delivered
    }

    @discardableResult
    func send(text: UnsafeRawBufferPointer, to subscriber: SubscriberID) -> Bool {
        guard let connection = table.lookup(slot: subscriber.slot, generation: subscriber.generation),
              connection.phase == .open, !connection.closeAfterSend, connection.webSocket?.isOpen == true else { return false }
        guard connection.sends.queuedBytes <= options.maxQueuedOutput else {
            // Over the hard bound even for replies and replays: it is not reading.
            counters.slowClientsClosed += 1
            closeWebSocket(connection, code: .policyViolation, reason: "client too slow: too much unread")
            return false
        }
        queueFrame(connection, .text, text)
        counters.wsDeliveries += 1
        return true
    }

    func subscribedKeys() -> [SubscriptionKey] { Array(subscriptionIndex.keys) }

    func subscribes(_ subscriber: SubscriberID, to key: SubscriptionKey, _ channels: ChannelSet) -> Bool {
        guard let connection = table.lookup(slot: subscriber.slot, generation: subscriber.generation),
              connection.phase == .open, let entry = subscriptionIndex.entry(of: key),
              let i = entry.slots.firstIndex(of: subscriber.slot) else { return false }
        return !entry.channels[i].isDisjoint(with: channels)
    }

    /// Queues a broadcast frame within the connection's bound (`wsQueueBytes`). Past it, a
    /// conflatable channel's frame is held (only the latest per key and channel); any other
    /// is dropped and remembered for a gap notice, or the client is closed (`slowClientPolicy`).
    /// While a gap is open every non-conflatable frame is dropped, so the range the notice
    /// names is whole.
    private func deliver(_ frame: SharedFrame, to connection: Connection, key: SubscriptionKey,
                         channel: ChannelSet, sequence: UInt64) -> Bool {
        guard connection.phase == .open, !connection.closeAfterSend, connection.webSocket?.isOpen == true else { return false }
        let fits = connection.sends.queuedBytes + frame.bytes.count <= options.wsQueueBytes
        if channel.isSubset(of: .conflatable) {
            if fits && connection.webSocket!.held.isEmpty { return append(frame, to: connection) }
            hold(frame, for: connection, key: key, channel: channel, sequence: sequence)
            return false
        }
        if connection.webSocket!.dropped != nil { caughtUp(connection) }
        if fits && connection.webSocket!.dropped == nil { return append(frame, to: connection) }
        switch options.slowClientPolicy {
        case .close:
            counters.slowClientsClosed += 1
            closeWebSocket(connection, code: .policyViolation, reason: "client too slow: messages would be lost")
        case .gapNotice:
            counters.wsDropped += 1
            let first = connection.webSocket!.dropped?.lowerBound ?? sequence
            connection.webSocket!.dropped = first...max(first, sequence)
        }
        return false
    }

    @inline(__always)
    private func append(_ frame: SharedFrame, to connection: Connection) -> Bool {
        connection.sends.append(frame)
        queueFlush(connection)
        return true
    }

    /// Keeps `frame` as the latest of its key and channel, replacing an older one unsent.
    private func hold(_ frame: SharedFrame, for connection: Connection, key: SubscriptionKey, channel: ChannelSet,
                      sequence: UInt64) {
        if let i = connection.webSocket!.held.firstIndex(where: { $0.key == key && $0.channel == channel }) {
            connection.webSocket!.held[i].frame = frame
            connection.webSocket!.held[i].sequence = sequence
            counters.wsConflated += 1
        } else {
            connection.webSocket!.held.append(.init(key: key, channel: channel, frame: frame, sequence: sequence))
        }
    }

    /// After a send completed: once the queue has drained to half its bound, the held latest
    /// values go out, and a client that lost messages is told which (a `gap` notice per
    /// subscription it can resume from) and gets its books again.
    func caughtUp(_ connection: Connection) {
        // Called at every send completion: the common case (nothing held, nothing dropped) is
        // two field reads, before anything is copied.
        guard connection.webSocket?.held.isEmpty == false || connection.webSocket?.dropped != nil,
              connection.phase == .open, connection.sends.queuedBytes <= options.wsQueueBytes / 2,
              let session = connection.webSocket, session.isOpen else { return }
        // In ring order among themselves (each went out late, so its seq is below what was sent
        // meanwhile on other channels).
        for held in session.held.sorted(by: { $0.sequence < $1.sequence }) { _ = append(held.frame, to: connection) }
        connection.webSocket!.held.removeAll()
        guard let dropped = session.dropped else { return }
        connection.webSocket!.dropped = nil
        let timestamp = clock.realtimeMillis()
        var out = JSONBytes(capacity: 512)
        for (symbol, subscription) in session.subscriptions.sorted(by: { $0.key < $1.key }) {
            let notice = TerminalMessages.GapNotice(
                market: TerminalFeed.marketName(subscription.key.market), channel: "all", reason: "slow_client", status: "lost",
                missedSequences: dropped,
                message: "this client fell behind and messages were dropped; resume from from_seq - 1 to get them")
            out.removeAll()
            TerminalMessages.gap(&out, symbol: symbol, notice: notice, timestampMs: timestamp, sequence: nil)
            out.bytes.withUnsafeBytes { queueFrame(connection, .text, $0) }
            counters.wsGapNotices += 1
            if subscription.channels.contains(.depth) {
                hooks.onResnapshot(subscription.key, subscriber: connection.subscriberID, broadcaster: self)
            }
        }
    }
}

extension SharedFrame {
    /// `text` as one final, unmasked text frame.
    static func text(_ text: UnsafeRawBufferPointer) -> SharedFrame {
        let header = WebSocketFrameEncoder.headerSize(payloadLength: text.count, masked: false)
        let frame = SharedFrame(count: header + text.count)
        _ = WebSocketFrameEncoder.writeHeader(into: UnsafeMutableRawBufferPointer(rebasing: frame.bytes[..<header]),
                                              opcode: .text, payloadLength: text.count)
        if let source = text.baseAddress { (frame.bytes.baseAddress! + header).copyMemory(from: source, byteCount: text.count) }
        return frame
    }
}

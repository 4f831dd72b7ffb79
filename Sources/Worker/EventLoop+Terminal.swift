import ShmRing

/// The terminal protocol's client messages on an open connection, and the subscription index
/// kept in step with them.
extension EventLoop {
    /// One client text message: a reply, and for (un)subscriptions the index and the hooks;
    /// nothing (or the rate-limit error) if the connection's budget cannot pay for it.
    func terminalMessage(_ connection: Connection, _ payload: [UInt8]) {
        let request = TerminalProtocol.parse(payload)
        guard admit(connection, weight: request.weight) else { return }
        let timestamp = clock.realtimeMillis()
        switch request {
        case .failure(let error):
            refuse(connection, error)
        case .success(.ping):
            sendText(TerminalProtocol.pong(timestamp: timestamp), to: connection)
        case .success(.getStats):
            let yours = connection.webSocket!.subscriptions.mapValues(\.key)
            var stats = terminalStats()
            if let others = hooks.terminalClientsElsewhere { stats.add(others, name: directory.name(of:)) }
            sendText(TerminalProtocol.statsReply(stats, yours: yours, timestamp: timestamp), to: connection)
        case .success(.subscribe(let symbol, let market)):
            subscribe(connection, .init(symbol: symbol, market: market), timestamp: timestamp)
        case .success(.subscribeChannels(let request)):
            subscribe(connection, request, timestamp: timestamp)
        case .success(.unsubscribe(let symbol)):
            let subscription = connection.webSocket!.subscriptions.removeValue(forKey: symbol)
            sendText(TerminalProtocol.unsubscribed(symbol, market: subscription?.key.market, timestamp: timestamp), to: connection)
            if let subscription { leave(connection.slot, subscription.key) }
        }
    }

    private func refuse(_ connection: Connection, _ error: TerminalProtocol.ProtocolError) {
        counters.wsProtocolErrors += 1
        sendText(error.reply, to: connection)
    }

    /// Subscribes to channels of one market of a served symbol; the other market of the same
    /// symbol, if the client had it, is left once the new one's first messages are queued (so
    /// a hook can compare the two books). The reply comes first, then what the hook queues:
    /// a replay and its `recovery` message when resuming, the book's snapshot. Repeating the
    /// subscription the connection has (same market and channels, no resume) only answers.
    private func subscribe(_ connection: Connection, _ request: TerminalProtocol.Subscribe, timestamp: Int64) {
        let symbol = request.symbol
        guard let index = directory.index(of: symbol) else {
            return refuse(connection, .unknownSymbol(symbol, served: directory.servedNames))
        }
        var channels = ChannelSet.legacy(request.market)
        if let names = request.channels {
            let available = ChannelSet.available(request.market, intervals: options.klineIntervals)
            channels = []
            for name in names {
                guard let channel = ChannelSet.named(name), channel.isSubset(of: available) else {
                    return refuse(connection, .unknownChannel(name, symbol: symbol, market: request.market,
                                                              available: available.wireNames))
                }
                channels.formUnion(channel)
            }
        }
        // A resume replays up to the newest record: read the ring first, so nothing read
        // later reaches this client before its replay.
        if request.resume != nil { hooks.onWake(broadcaster: self) }
        let key = SubscriptionKey(symbol: index, market: request.market)
        let previous = connection.webSocket!.subscriptions.updateValue(.init(key: key, channels: channels), forKey: symbol)
        subscriptionIndex.add(connection.slot, to: key, channels: channels)
        if request.channels != nil || request.resume != nil {
            let position = hooks.ringPosition
            sendText(TerminalProtocol.subscribed(symbol, market: request.market, channels: channels, epoch: position.epoch,
                                                 sequence: position.sequence, timestamp: timestamp), to: connection)
        } else {
            sendText(TerminalProtocol.subscribed(symbol, market: request.market, timestamp: timestamp), to: connection)
        }
        // The same subscription again, not resuming: the connection already has the book and
        // everything since, so it gets the reply and nothing more (a client looping subscribes
        // costs no snapshot each time).
        if previous == WebSocketSession.Subscription(key: key, channels: channels) && request.resume == nil { return }
        let replaced = previous?.key == key ? nil : previous?.key
        hooks.onSubscribed(key, subscriber: connection.subscriberID, channels: channels, replacing: replaced,
                           resume: request.resume, broadcaster: self)
        if let replaced { leave(connection.slot, replaced) }
    }

    private func leave(_ slot: UInt32, _ key: SubscriptionKey) {
        hooks.onUnsubscribed(key, remaining: subscriptionIndex.remove(slot, from: key))
    }

    /// Drops a connection from the index before its slot is reused.
    func unindexSubscriptions(of connection: Connection) {
        guard let subscriptions = connection.webSocket?.subscriptions else { return }
        for subscription in subscriptions.values { leave(connection.slot, subscription.key) }
        connection.webSocket?.subscriptions = [:]
    }

    /// This worker's terminal clients and how many subscribe to each symbol, both markets
    /// counted, as they are now (a walk of the table: `getStats` is rare; the ticks publish
    /// the same figures kept incrementally, `SubscriptionIndex.perSymbol`).
    func terminalStats() -> TerminalProtocol.Stats {
        var stats = TerminalProtocol.Stats()
        for connection in table.slots where connection.phase == .open {
            guard let session = connection.webSocket, session.kind == .terminal else { continue }
            stats.clientCount += 1
            for symbol in session.subscriptions.keys { stats.subscribers[symbol, default: 0] += 1 }
        }
        return stats
    }
}

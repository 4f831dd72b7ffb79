import ShmRing

/// The terminal protocol's client messages on an open connection, and the subscription index
/// kept in step with them.
extension EventLoop {
    /// One client text message: a reply, and for (un)subscriptions the index and the hooks.
    func terminalMessage(_ connection: Connection, _ payload: [UInt8]) {
        let timestamp = clock.realtimeMillis()
        switch TerminalProtocol.parse(payload) {
        case .failure(let error):
            sendText(error.reply, to: connection)
        case .success(.ping):
            sendText(TerminalProtocol.pong(timestamp: timestamp), to: connection)
        case .success(.getStats):
            sendText(TerminalProtocol.statsReply(terminalStats(), yours: connection.webSocket!.subscriptions, timestamp: timestamp),
                     to: connection)
        case .success(.subscribe(let symbol, let market)):
            subscribe(connection, symbol: symbol, market: market, timestamp: timestamp)
        case .success(.unsubscribe(let symbol)):
            let key = connection.webSocket!.subscriptions.removeValue(forKey: symbol)
            sendText(TerminalProtocol.unsubscribed(symbol, market: key?.market, timestamp: timestamp), to: connection)
            if let key { leave(connection.slot, key) }
        }
    }

    /// Subscribes to one market of a served symbol; the other market of the same symbol, if
    /// the client had it, is left once the new one's first messages are queued (so a hook can
    /// compare the two books).
    private func subscribe(_ connection: Connection, symbol: String, market: MarketKind, timestamp: Int64) {
        guard let index = directory.index(of: symbol) else {
            let error = TerminalProtocol.ProtocolError.unknownSymbol(symbol, served: directory.servedNames)
            return sendText(error.reply, to: connection)
        }
        let key = SubscriptionKey(symbol: index, market: market)
        let previous = connection.webSocket!.subscriptions.updateValue(key, forKey: symbol)
        subscriptionIndex.add(connection.slot, to: key)
        sendText(TerminalProtocol.subscribed(symbol, market: market, timestamp: timestamp), to: connection)
        let replaced = previous == key ? nil : previous
        hooks.onSubscribed(key, subscriber: connection.subscriberID, replacing: replaced, broadcaster: self)
        if let replaced { leave(connection.slot, replaced) }
    }

    private func leave(_ slot: UInt32, _ key: SubscriptionKey) {
        hooks.onUnsubscribed(key, remaining: subscriptionIndex.remove(slot, from: key))
    }

    /// Drops a connection from the index before its slot is reused.
    func unindexSubscriptions(of connection: Connection) {
        guard let subscriptions = connection.webSocket?.subscriptions else { return }
        for key in subscriptions.values { leave(connection.slot, key) }
        connection.webSocket?.subscriptions = [:]
    }

    /// This worker's terminal clients and how many subscribe to each symbol, both markets
    /// counted (a walk of the table: `getStats` is rare).
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

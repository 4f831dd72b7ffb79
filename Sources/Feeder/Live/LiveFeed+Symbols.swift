import Market
import Posix
import ShmRing

/// Symbols added at run time, on the main loop: the publisher gets the symbol's entries, the
/// directory its name (workers find it on their next miss), the plan its streams. Streams that
/// fit a running connection are subscribed there (current and replacement alike, so
/// make-before-break keeps them); the rest open new connections. Every later connection of a
/// plan subscribes from the plan, so reconnections and gap backfills include the symbol.
extension LiveFeed {
    func add(_ addition: SymbolAddition, nowNs: Int64) {
        let name = addition.name
        guard let id = publisher.add(symbol: name) else {
            addition.settle(symbols.contains(name) ? .present : .full, connections: 0)
            return
        }
        publisher.tables.registerSymbol(index: Int(id), name: name)
        var orders: [(StreamConnection, SubscribeOrder)] = []
        var opens: [FeedManagerCore.Action] = []
        for assignment in plan.add(symbol: name) {
            if assignment.isNew {
                let route = plan.connections[assignment.plan].route
                let count = route == .spot ? spotStreams.count : futuresStreams.count
                opens.append(core.addPlan(endpointCount: count, market: route.market, nowNs: nowNs))
                continue
            }
            let state = core.plans[assignment.plan]
            for case let conn? in [state.current, state.replacement].map({ $0.flatMap { connections[$0] } }) {
                orders.append((conn, SubscribeOrder(streams: assignment.streams, addition: addition)))
            }
        }
        addition.settle(.added(id), connections: orders.count + opens.count)
        for (conn, order) in orders where !conn.subscribe(order) { addition.subscribed() }
        execute(opens)
        for case .open(let connID, _, _, _, _) in opens {
            // A new connection subscribes its plan on its own; this only reports when it did.
            if connections[connID]?.subscribe(SubscribeOrder(streams: [], addition: addition)) != true { addition.subscribed() }
        }
        requestHistory(of: [id])
        symbolSync?.added(name, nowNs: nowNs)
        log.info("symbol added to the feed", [
            "symbol": name, "index": "\(id)", "subscribing_on": "\(orders.count)", "new_connections": "\(opens.count)",
            "symbols": "\(symbols.count)"])
    }
}

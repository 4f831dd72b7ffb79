import Market
import Posix
import Simulator

/// What plain HTTP requests get: REST under `/api/v3/` and `/fapi/v1/`, the control API under
/// `/sim/`, Binance's 404 for the rest (HEAD included).
extension SimulatedExchange {
    func respond(to request: HTTPRequest, venue: Venue) -> HTTPResponse {
        if request.path.hasPrefix("/sim/") { return control(request) }
        if request.method == "HEAD" { return SimulationCore.unknownPath() }
        return core.rest(request)
    }

    func control(_ request: HTTPRequest) -> HTTPResponse {
        switch (request.method, request.path) {
        case ("GET", "/sim/state"): return HTTPResponse(status: 200, body: stateDocument())
        case ("POST", "/sim/fault"): return fault(request)
        case ("GET", "/sim/trades"): return trades(request)
        case (_, "/sim/state"), (_, "/sim/fault"), (_, "/sim/trades"):
            return controlError(405, "method \(request.method) not allowed on \(request.path)")
        default: return controlError(404, "unknown control path \(request.path)")
        }
    }

    func controlError(_ status: Int, _ message: String) -> HTTPResponse {
        var out = JSONBytes(capacity: 64 + message.utf8.count)
        out.raw("{\"error\":")
        out.string(message)
        out.raw("}")
        return HTTPResponse(status: status, body: out.bytes)
    }

    func fault(_ request: HTTPRequest) -> HTTPResponse {
        let cmd: FaultCommand
        switch FaultCommand.parse(request.query) {
        case .failure(let e): return controlError(400, e.message)
        case .success(let c): cmd = c
        }
        let affected: Int
        switch cmd.kind {
        case .drop, .stall, .malformed, .serverShutdown, .unsubscribedStream:
            let now = Clock.monotonicNanos()
            let command: ConnectionCommand
            switch cmd.kind {
            case .drop: command = .drop
            case .stall: command = .stall(untilNanos: now + cmd.durationMs * 1_000_000)
            case .malformed: command = .malformed(count: cmd.count)
            case .unsubscribedStream: command = .unsubscribedStream(untilNanos: now + cmd.durationMs * 1_000_000)
            default: command = .serverShutdown(closeAtNanos: now + cmd.durationMs * 1_000_000)
            }
            let targets = hub.entries().filter { item in
                let e = item.entry
                guard e.subscriber != nil, e.venue == cmd.venue else { return false }
                guard let symbol = cmd.symbol?.lowercased() else { return true }
                return e.streams.contains { $0.hasPrefix(symbol + "@") }
            }
            for t in targets { t.entry.outbox.send(command) }
            affected = targets.count
        case .http429:
            core.arm429(venue: cmd.venue, count: cmd.count, durationMs: cmd.durationMs)
            affected = cmd.count
        case .ws429:
            core.armUpgrade429(venue: cmd.venue, count: cmd.count, durationMs: cmd.durationMs)
            affected = cmd.count
        case .skipDepth, .skipTrade:
            guard core.injectDataFault(cmd) else { return controlError(400, "unknown symbol \(cmd.symbol ?? "")") }
            affected = 1
        }
        core.logFault(cmd, affected: affected)
        SimLog.info("fault injected", ["kind": cmd.kind.rawValue, "venue": cmd.venue.name,
                                       "symbol": cmd.symbol ?? "*", "affected": "\(affected)",
                                       "durationMs": "\(cmd.durationMs)", "count": "\(cmd.count)"])
        var out = JSONBytes(capacity: 128)
        out.raw("{\"ok\":true")
        out.member("kind", ascii: cmd.kind.rawValue)
        out.member("venue", ascii: cmd.venue.name)
        if let s = cmd.symbol { out.member("symbol", ascii: s) }
        out.member("affected", Int64(affected))
        out.member("durationMs", cmd.durationMs)
        out.member("count", Int64(cmd.count))
        out.raw("}")
        return HTTPResponse(status: 200, body: out.bytes)
    }

    func trades(_ request: HTTPRequest) -> HTTPResponse {
        let venueName = request.parameter("venue") ?? "spot"
        guard let venue: Venue = venueName == "spot" ? .spot : venueName == "futures" ? .futures : nil else {
            return controlError(400, "venue must be spot or futures")
        }
        guard let symbol = request.parameter("symbol")?.uppercased() else { return controlError(400, "missing symbol") }
        let limit = min(max(request.parameter("limit").flatMap { Int($0) } ?? 100_000, 1), 1_000_000)
        let body = core.ledgerDocument(InstrumentKey(venue: venue, symbol: symbol),
                                       fromId: request.parameter("fromId").flatMap { Int64($0) },
                                       fromAggId: request.parameter("fromAggId").flatMap { Int64($0) }, limit: limit)
        guard let body else { return controlError(400, "unknown symbol \(symbol)") }
        return HTTPResponse(status: 200, body: body)
    }

    /// `GET /sim/state`.
    func stateDocument() -> [UInt8] {
        let entries = hub.entries()
        var perInstrument: [InstrumentKey: Int] = [:]
        var out = JSONBytes(capacity: 4096)
        out.raw("{")
        out.member("mode", ascii: core.isReplay ? "replay" : "random", first: true)
        out.member("startedAtMs", startedWallMs)
        out.member("uptimeMs", (Clock.monotonicNanos() - startedMonotonic) / 1_000_000)
        out.member("rate", Int64(options.rate))
        out.member("symbols", Int64(core.specs.count))
        out.member("historyMinutes", Int64(core.historyMinutes))
        out.member("historyEndMs", core.historyEndMs)
        out.member("steps", Int64(generator.steps.load(ordering: .relaxed)))
        out.member("eventsProduced", Int64(generator.eventsProduced.load(ordering: .relaxed)))
        out.key("totals")
        out.raw("{")
        for (i, (name, v)) in stats.snapshot().enumerated() {
            if i > 0 { out.raw(",") }
            out.string(name)
            out.raw(":")
            out.integer(Int64(v))
        }
        out.raw("}")
        out.key("connections")
        out.raw("[")
        var first = true
        for (id, e) in entries {
            guard let sub = e.subscriber else { continue }
            for key in Set(e.topics.map { InstrumentKey(venue: $0.topic.venue, symbol: $0.topic.symbol) }) {
                perInstrument[key, default: 0] += 1
            }
            if !first { out.raw(",") }
            first = false
            out.raw("{")
            out.member("id", Int64(id), first: true)
            out.member("venue", ascii: e.venue.name)
            out.member("route", ascii: sub.route.rawValue)
            out.key("peer")
            out.string(e.peer)
            out.member("combined", e.combined)
            out.member("framesQueued", Int64(sub.framesQueued.load(ordering: .relaxed)))
            out.key("streams")
            out.raw("[")
            for (k, s) in e.streams.enumerated() {
                if k > 0 { out.raw(",") }
                out.string(s)
            }
            out.raw("]}")
        }
        out.raw("]")
        out.member("httpConnections", Int64(entries.filter { $0.entry.subscriber == nil }.count))
        out.key("instruments")
        core.instrumentState(into: &out, connections: perInstrument)
        out.raw("}")
        return out.bytes
    }
}

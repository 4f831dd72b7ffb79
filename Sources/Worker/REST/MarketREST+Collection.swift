import Market
import Runtime
import ShmRing

/// `/data-collection/*` (API.md §1.5): data collection is the feeder storing what it streams
/// (candles, trades, liquidations, book snapshots) in PostgreSQL, plus its candle history
/// fetch runs from Binance REST. The stats come from the control block (`Layout.Collection`,
/// the storage counters); the actions ask the feeder (`FeederLink`, on threads of their own), which
/// answers at once while a run goes on in the background. Shapes and statuses are the
/// original's; the state is checked here first so a refusal costs no round trip, and the
/// feeder checks again (it decides).
extension MarketREST {
    func collection(_ route: APIRoute, _ request: HTTPRequest) -> Outcome {
        switch route {
        case .dataCollectionStats:
            return .now(collectionStats())
        case .dataCollectionAction(let action):
            return collectionAction(action)
        case .dataCollectionSymbols:
            return collectSymbol(request)
        case .dataCollectionSymbol(let raw):
            guard let symbol = Config.normalizedSymbol(raw) else { return .now(Self.badSymbol) }
            return askFeeder("uncollect-symbol \(symbol)") { reply in
                reply.ok ? Self.answer(#"{"message":"Symbol removed successfully","symbol":"\#(symbol)"}"#)
                    : Self.feederError(502, reply)
            }
        default:
            return .now(FeederLink.failure(500, "internal", "not a data-collection route").response)
        }
    }

    /// Storing to a database and not paused.
    var collectionRunning: Bool { storesData && !tables.segment.control.collectionPaused }

    /// A database is configured and the feeder's persistence started.
    var storesData: Bool {
        tables.segment.control.storageCounter(.state).loadRelaxed() != StorageStateCode.notConfigured.rawValue
    }

    /// GET `/data-collection/stats`. A run is a candle history fetch run (at the feeder's start
    /// and each one triggered); `candles_collected` counts candle rows written since the feeder
    /// started. There is no periodic run here, the streams keep the candles current:
    /// `collection_period_seconds` is 0, and the minute and other intervals' periods say how
    /// stale a stored candle can be (the open candle is written at most once a second,
    /// `PersistPipeline.openCandleEveryMs`; a closed one at once).
    func collectionStats() -> RESTResponse {
        let c = tables.segment.control
        func counter(_ k: StorageCounter) -> Int64 { Int64(bitPattern: c.storageCounter(k).loadRelaxed()) }
        let mask = c.uncollectedMask
        let collected = directory.servedNames.filter { name in
            guard let i = directory.index(of: name), i < UInt32(Layout.Collection.maskSymbols) else { return true }
            return mask & (1 << UInt64(i)) == 0
        }
        var out = JSONBytes(capacity: 600)
        out.raw(#"{"service":"data_collection","stats":{"#)
        out.key("total_runs", first: true)
        out.integer(counter(.runsTotal))
        out.key("successful_runs")
        out.integer(counter(.runsSucceeded))
        out.key("failed_runs")
        out.integer(counter(.runsFailed))
        for (key, k) in [("last_run_time", StorageCounter.lastRunRealtimeNs), ("last_success_time", .lastRunSuccessRealtimeNs),
                         ("last_error_time", .lastRunErrorRealtimeNs)] {
            out.raw(",")
            out.asciiString(key)
            out.raw(":")
            out.asciiString(counter(k) > 0 ? RFC3339.format(ms: counter(k) / 1_000_000) : "0001-01-01T00:00:00Z")
        }
        out.key("last_error")
        if counter(.runsFailed) > 0 {
            out.asciiString("\(counter(.lastRunErrors)) errors out of \(counter(.lastRunOperations)) total operations")
        } else {
            out.raw("null")
        }
        out.key("candles_collected")
        out.integer(counter(.candlesWritten))
        out.key("active_symbols")
        out.raw(bytes: Array(("[" + collected.map { "\"\($0)\"" }.joined(separator: ",") + "]").utf8))
        out.key("active_intervals")
        out.raw(bytes: Array(("[" + served.map { "\"\($0.name)\"" }.joined(separator: ",") + "]").utf8))
        out.raw(#","collection_period_seconds":0,"is_running":"#)
        out.bool(collectionRunning)
        out.raw(#","minute_collection_period_seconds":1,"interval_collection_period_seconds":1}}"#)
        return .ok(out.bytes)
    }

    /// POST `collect`, `historical`, `start`, `stop`.
    func collectionAction(_ action: String) -> Outcome {
        let notRunning = "Data collection service is not running"
        switch action {
        case "collect", "historical":
            let historical = action == "historical"
            let refused = historical ? RESTResponse.error(400, notRunning)
                : FeederLink.failure(503, "service_not_running", notRunning).response
            guard collectionRunning else { return .now(refused) }
            return askFeeder("collect") { reply in
                if reply.ok {
                    return Self.answer(historical ? #"{"message":"Historical data fetch triggered successfully","status":"running"}"#
                        : #"{"message":"Data collection triggered successfully"}"#)
                }
                return reply.error == "service_not_running" ? refused : Self.feederError(503, reply)
            }
        case "start":
            if collectionRunning { return .now(FeederLink.failure(409, "already_running", "Data collection service is already running").response) }
            guard storesData else {
                return .now(FeederLink.failure(500, "start_failed", "no database: set DATABASE_URL to store data").response)
            }
            return askFeeder("collection-start") { reply in
                if reply.ok { return Self.answer(#"{"message":"Data collection service started successfully"}"#) }
                return Self.feederError(reply.error == "already_running" ? 409 : 500, reply)
            }
        default:  // "stop", the only other action the router takes
            guard collectionRunning else { return .now(FeederLink.failure(409, "not_running", notRunning).response) }
            return askFeeder("collection-stop") { reply in
                if reply.ok { return Self.answer(#"{"message":"Data collection service stopped successfully"}"#) }
                return Self.feederError(reply.error == "not_running" ? 409 : 500, reply)
            }
        }
    }

    /// POST `/data-collection/symbols` `{symbol}`: collect it again; a symbol not streamed is
    /// first added to the feed (`add-symbol`, refused the way POST `/websocket/symbols` is).
    func collectSymbol(_ request: HTTPRequest) -> Outcome {
        let raw: String?
        switch JSONBody.bind(request.body, { (body) throws(JSONBody.Mismatch) in try body.string("symbol") }) {
        case .success(let symbol): raw = symbol
        case .failure(let f): return .now(FeederLink.failure(400, "invalid_request", "Invalid request body: \(f.reason)").response)
        }
        guard let raw, !raw.isEmpty else {
            return .now(FeederLink.failure(400, "missing_symbol", "Symbol is required").response)
        }
        guard let symbol = Config.normalizedSymbol(raw) else { return .now(Self.badSymbol) }
        guard let feeder else { return .now(Self.noFeeder) }
        let streamed = directory.index(of: symbol) != nil
        return .feeder {
            if !streamed, case .failure(let refusal) = Self.addToFeed(symbol, feeder) { return refusal.response }
            switch feeder.ask("collect-symbol \(symbol)", timeoutMillis: Self.askMillis) {
            case .failure(let failure): return failure.response
            case .success(let reply) where !reply.ok: return Self.feederError(502, reply)
            default: return Self.answer(#"{"message":"Symbol added successfully","symbol":"\#(symbol)"}"#)
            }
        }
    }

    // MARK: - Helpers

    static let askMillis = 3_000

    static let noFeeder = FeederLink.failure(503, "feeder_unavailable", "this worker has no feeder to ask").response

    static let badSymbol = FeederLink.failure(400, "invalid_request", "symbol must be 2 to 16 letters A–Z and digits").response

    /// Asks the feeder `line` on a thread of its own; `answer` turns its reply into the response.
    func askFeeder(_ line: String, _ answer: @escaping @Sendable (FeederReply) -> RESTResponse) -> Outcome {
        guard let feeder else { return .now(Self.noFeeder) }
        return .feeder {
            switch feeder.ask(line, timeoutMillis: Self.askMillis) {
            case .failure(let failure): return failure.response
            case .success(let reply): return answer(reply)
            }
        }
    }

    /// 200 with `json`, never cached.
    static func answer(_ json: String) -> RESTResponse { RESTResponse(status: 200, body: Array(json.utf8), taggable: false) }

    /// The feeder's refusal, as `{"error":code,"message":…}` with `status` (503 when the feeder
    /// was answering too many requests at once to take this one).
    static func feederError(_ status: Int, _ reply: FeederReply) -> RESTResponse {
        FeederLink.failure(reply.error == "busy" ? 503 : status, reply.error, reply.message).response
    }
}

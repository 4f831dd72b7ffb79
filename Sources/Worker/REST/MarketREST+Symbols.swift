import Market
import Runtime

/// POST `/websocket/symbols/:symbol` (API.md §1, §3 "Add symbol to stream"): the feeder
/// subscribes the symbol's streams on its running Binance connections (no restart, no redial)
/// and answers once the SUBSCRIBE messages are out; workers find the new name in the
/// directory on their next miss. The question goes to the feeder from a thread of its own.
extension MarketREST {
    /// How long the feeder may take: an exchangeInfo look-up, then the subscriptions.
    static let addSymbolTimeoutMillis = 10_000

    func addSymbol(_ symbol: String) -> Outcome {
        guard let name = Config.normalizedSymbol(symbol) else {
            return .now(FeederLink.failure(400, "invalid_symbol", "\"\(symbol.prefix(40))\" is not a symbol: 2–16 letters A–Z and digits").response)
        }
        guard let feeder else {
            return .now(FeederLink.failure(503, "feeder_unavailable", "this server has no feeder to stream symbols").response)
        }
        return .feeder {
            switch Self.addToFeed(name, feeder) {
            case .failure(let failure): return failure.response
            case .success(let reply): return Self.symbolAdded(name, reply)
            }
        }
    }

    /// Asks the feeder to stream `name` (blocks: never on the loop's thread): its answer, or the REST answer of
    /// its refusal.
    static func addToFeed(_ name: String, _ feeder: FeederLink) -> Result<FeederReply, RESTFailure> {
        feeder.ask("add-symbol \(name)", timeoutMillis: addSymbolTimeoutMillis).flatMap { reply in
            reply.ok ? .success(reply) : .failure(FeederLink.failure(addSymbolStatus(reply.error), reply.error, reply.message))
        }
    }

    /// The REST status of a feeder's `add-symbol` refusal.
    static func addSymbolStatus(_ error: String) -> Int {
        switch error {
        case "invalid_symbol": 400
        case "unknown_symbol": 404
        case "replay_source": 409
        case "symbol_capacity": 507
        case "exchange_unavailable", "feeder_busy", "busy", "unknown_command", "lookup_limit": 503
        default: 502
        }
    }

    /// `{"message":"Symbol added to stream","symbol":S,"added":bool,"symbols":[…]}`.
    static func symbolAdded(_ name: String, _ reply: FeederReply) -> RESTResponse {
        let list = reply.object["symbols"]?.array?.compactMap(\.string) ?? []
        var out = JSONBytes(capacity: 96 + 20 * list.count)
        out.raw("{")
        out.key("message", first: true)
        out.string(reply.object["added"]?.bool == false ? "Symbol already streamed" : "Symbol added to stream")
        out.key("symbol")
        out.string(name)
        out.key("added")
        out.bool(reply.object["added"]?.bool ?? true)
        out.key("symbols")
        out.raw("[")
        for (k, s) in list.enumerated() {
            if k > 0 { out.raw(",") }
            out.string(s)
        }
        out.raw("]}")
        return RESTResponse(status: 200, body: out.bytes, taggable: false)
    }
}

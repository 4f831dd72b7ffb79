import Analytics
import Market
import ShmRing
import Store

/// POST `/aggregation/multi`: the frontend's initial load in one request (API.md §1.4).
extension MarketREST {
    /// The body, with the original's defaults and clamps, except that `limit` is honoured up to
    /// 1500 (the original cut the frontend's 1m request of 1500 to 500).
    struct MultiRequest: Equatable {
        var symbol: String
        var intervals: [String] = ["1m", "5m", "15m", "1h"]
        var limit = 500
        var volumeProfile = false
        var vpHours = 24
        var liquidations = false
        var liqHours = 1

        /// A body that is not an object, or a member of the wrong type (`"intervals":"1m"`,
        /// `"limit":10.5` or `"10"`), is the original's bind failure: 400 `invalid request format`.
        static func parse(_ bytes: [UInt8]) -> Result<MultiRequest, RESTFailure> {
            let invalid = RESTFailure(.error(400, "invalid request format"))
            guard let body = JSONBody(bytes) else { return .failure(invalid) }
            do throws(JSONBody.Mismatch) {
                let symbol = try body.string("symbol") ?? ""
                let intervals = try body.strings("intervals")
                let limit = try body.integer("limit")
                let volumeProfile = try body.bool("include_volume_profile")
                let vpHours = try body.integer("vp_hours")
                let liquidations = try body.bool("include_liquidations")
                let liqHours = try body.integer("liq_hours")
                guard !symbol.isEmpty else { return .failure(RESTFailure(.error(400, "symbol is required"))) }
                var r = MultiRequest(symbol: symbol.uppercased())
                if let intervals, !intervals.isEmpty { r.intervals = Array(intervals.prefix(16)) }
                if let limit { r.limit = limit <= 0 ? 500 : Int(min(limit, Int64(maxCandles))) }
                r.volumeProfile = volumeProfile ?? false
                if let vpHours { r.vpHours = (1...168).contains(vpHours) ? Int(vpHours) : 24 }
                r.liquidations = liquidations ?? false
                if let liqHours { r.liqHours = Int(max(1, min(168, liqHours))) }
                return .success(r)
            } catch {
                return .failure(invalid)
            }
        }
    }

    func multi(_ request: HTTPRequest) throws(RESTFailure) -> Outcome {
        let body: MultiRequest
        switch MultiRequest.parse(request.body) {
        case .success(let b): body = b
        case .failure(let f): throw f
        }
        let index = try symbolIndex(body.symbol)
        let query = QueryParameters(request.query)
        _ = try market(query) { _ in true }  // a market that does not exist is the request's 400, not every interval's
        // Each interval: its source and market now (the directory is this thread's), or why not.
        var series: [(name: String, window: CandleWindow, source: CandleSource)] = []
        var refused: [(String, String)] = []
        for name in body.intervals {
            do {
                let source = try interval(name)
                let market = try candleMarket(query, index, source)
                series.append((name, CandleWindow(tables: tables, index: index, symbol: body.symbol, market: market,
                                                  interval: source.base), source))
            } catch {
                refused.append((name, "interval \(name) is not served"))
            }
        }
        let (allSeries, allRefused) = (series, refused)
        let profileWindow = CandleWindow(tables: tables, index: index, symbol: body.symbol, market: .futures, interval: .m1)
        let tables = self.tables
        let now = nowMs()
        return .background { context in
            var out = JSONBytes(capacity: 64 << 10)
            out.raw("{")
            out.key("symbol", first: true)
            out.asciiString(body.symbol)
            out.key("candles")
            out.raw("{")
            for (i, s) in allSeries.enumerated() {
                let base = s.window.newest(s.source.baseCount(for: body.limit), context)
                if i > 0 { out.raw(",") }
                out.asciiString(s.name)
                out.raw(":")
                CandleJSON.optimized(&out, symbol: body.symbol, interval: s.name, s.source.newest(body.limit, from: base))
            }
            out.raw("}")
            if !allRefused.isEmpty {
                out.key("errors")
                out.raw("{")
                for (i, (name, why)) in allRefused.enumerated() {
                    if i > 0 { out.raw(",") }
                    out.string(name)
                    out.raw(":")
                    out.string(why)
                }
                out.raw("}")
            }
            if body.volumeProfile {
                out.key("volume_profile")
                var vp: [UInt8] = []
                Self.profile(profileWindow, hours: body.vpHours, now: now, options: VolumeProfileOptions(), context).appendJSON(to: &vp)
                out.raw(bytes: vp)
            }
            if body.liquidations {
                out.key("liquidations")
                let since = now - Int64(body.liqHours) * 3_600_000
                let memory = LiquidationHistory.inMemory(tables, index, since: since)
                Self.liquidationEvents(&out, LiquidationHistory.since(since, symbol: body.symbol, memory: memory, context))
            }
            out.raw("}")
            return RESTResponse(status: 200, body: out.bytes, headers: "Cache-Control: no-cache\r\nX-Multi-Response: true\r\n")
        }
    }

    /// `[{t,p,v,side,type,conf}, ...]`, the aggregation's liquidation shape.
    static func liquidationEvents(_ out: inout JSONBytes, _ list: [Liquidation]) {
        var bytes: [UInt8] = []
        report(list, symbol: "", hours: 0).appendEventsJSON(to: &bytes)
        out.raw(bytes: bytes)
    }

    static func report(_ list: [Liquidation], symbol: String, hours: Int) -> LiquidationReport {
        let events = list.map {
            LiquidationEvent(timeMs: $0.tradeTimeMs, side: $0.sell ? .sell : .buy,
                             price: Fixed.double($0.averagePrice != 0 ? $0.averagePrice : $0.price),
                             quantity: Fixed.double($0.filled != 0 ? $0.filled : $0.quantity))
        }
        return LiquidationReport(events: events, symbol: symbol, hours: hours)
    }
}

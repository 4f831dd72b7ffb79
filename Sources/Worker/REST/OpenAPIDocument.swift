/// The OpenAPI 3.0.3 document of the REST API as built (API.md §1, under `/api/v1`, plus
/// `/metrics`), served at `/api/v1/openapi.json`. It is JSON text written in parts, one file per
/// route group (`OpenAPIDocument+*.swift`), and served without its indentation.
/// `OpenAPITests` check it against the route table and validate real answers against it.
enum OpenAPIDocument {
    static let bytes: [UInt8] = compact(text)

    static let text = [
        #"{"openapi":"3.0.3","info":"#, info, #","tags":"#, tags, #","paths":{"#,
        [servicePaths, candlePaths, aggregationPaths, analyticsPaths, livePaths, adminPaths].joined(separator: ","),
        #"},"components":{"parameters":"#, parameters, #","responses":"#, responses, #","schemas":{"#,
        [commonSchemas, candleSchemas, aggregationSchemas, analyticsSchemas, liveSchemas, adminSchemas, serviceSchemas].joined(separator: ","),
        "}}}",
    ].joined()

    /// `text` without the whitespace between tokens (strings are kept as written).
    static func compact(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var inString = false
        var escaped = false
        for b in text.utf8 {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
            } else if b == UInt8(ascii: "\"") {
                inString = true
            } else if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 {
                continue
            }
            out.append(b)
        }
        return out
    }

    static let info = #"""
        {
          "title": "tterminal market-data API",
          "version": "1.0.0",
          "description": "A drop-in for the original tterminal Go backend's REST API (API.md §1), served by every worker from shared memory (fresh data) and PostgreSQL (history).\n\n* Base path `/api/v1`; `/metrics` (Prometheus) sits outside it. JSON everywhere, except `/metrics`.\n* HEAD is answered wherever GET is. A CORS preflight (OPTIONS with `Origin`) gets 204 before the rate limit.\n* Every request, 404s and WebSocket upgrades included, counts against a per-address token bucket; past it: 429.\n* Symbols in paths are upper-cased. Only the served symbols (`SYMBOLS`) answer; any other gives 404 `SYMBOL_NOT_FOUND` with the served list.\n* Intervals: the served ones (`INTERVALS`, default 1m,5m,15m,1h,4h,1d) and any interval a served one divides (3m from 1m, 30m from 15m, 1w from 1d, ...). `1s` and `1M` only when served. Others: 400 `INVALID_INTERVAL`.\n* `market=futures|spot` (aliases `usdm`, `perp` for futures): without it futures, or spot for a symbol with spot data only.\n* `t`, `f`, `l`, `st`, `et`, `E`, `T` and `timestamp` fields are Unix milliseconds.\n* A cacheable 200 carries an `ETag`; a request whose `If-None-Match` names it gets 304 with no body.\n* Unknown path: 404 `{\"message\":\"Not Found\"}`; known path, other method: 405 `{\"message\":\"Method Not Allowed\"}` with `Allow`.\n* A request the HTTP parser refuses (bad syntax, too slow, target, headers or body too large) gets 400/408/413/414/431 `{\"message\"}` and the connection is closed.\n* Answers that need the database run on a query thread; when too many wait, 503 with `Retry-After: 1`. Without `DATABASE_URL` the history and symbol routes answer 503 and the others answer from memory."
        }
        """#

    static let tags = #"""
        [
          {"name": "candles", "description": "Candles from the candle rings in shared memory, older ones from PostgreSQL."},
          {"name": "aggregation", "description": "The original's `/aggregation` group: the frontend's main data source."},
          {"name": "analytics", "description": "Volume profile, footprint, CVD, heatmap and liquidation history, computed for real."},
          {"name": "live", "description": "`/websocket/*` REST reads of the live state the feeder keeps in shared memory."},
          {"name": "symbols", "description": "CRUD on the `symbols` table (not used by the frontend); needs the database."},
          {"name": "collection", "description": "`/data-collection/*` and friends: the feeder collects continuously, so these say so."},
          {"name": "service", "description": "Health, status, metrics, this document and the WebSocket endpoints."}
        ]
        """#
}

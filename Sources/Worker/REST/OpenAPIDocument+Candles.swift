/// The legacy candle service (`/candles/*`, API.md §1.3) and its schemas.
extension OpenAPIDocument {
    static let candlePaths = #"""
        "/api/v1/candles/{symbol}": {
          "get": {
            "tags": ["candles"], "operationId": "getCandles",
            "summary": "The newest candles (the legacy service's `optimized` format)",
            "description": "The newest `limit` candles, oldest first, the open one last. The frontend does not call it.",
            "parameters": [
              {"$ref": "#/components/parameters/Symbol"},
              {"$ref": "#/components/parameters/IntervalQuery"},
              {"name": "limit", "in": "query", "description": "1..1500; anything else (0, negative, too large, not a number) silently becomes 100, as in the original.", "schema": {"type": "integer", "default": 100, "minimum": 1, "maximum": 1500}},
              {"$ref": "#/components/parameters/Market"}
            ],
            "responses": {
              "200": {"description": "Candles.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CandleResponse"}}}},
              "304": {"$ref": "#/components/responses/NotModified"},
              "400": {"$ref": "#/components/responses/BadParameter"},
              "404": {"$ref": "#/components/responses/SymbolNotServed"},
              "429": {"$ref": "#/components/responses/RateLimited"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/api/v1/candles/{symbol}/raw": {
          "get": {
            "tags": ["candles"], "operationId": "getCandlesRaw",
            "summary": "The same as `/candles/{symbol}`",
            "description": "The original wrote the same body pre-serialised; here it is the same answer.",
            "parameters": [
              {"$ref": "#/components/parameters/Symbol"},
              {"$ref": "#/components/parameters/IntervalQuery"},
              {"name": "limit", "in": "query", "description": "1..1500; anything else silently becomes 100.", "schema": {"type": "integer", "default": 100, "minimum": 1, "maximum": 1500}},
              {"$ref": "#/components/parameters/Market"}
            ],
            "responses": {
              "200": {"description": "Candles.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CandleResponse"}}}},
              "304": {"$ref": "#/components/responses/NotModified"},
              "400": {"$ref": "#/components/responses/BadParameter"},
              "404": {"$ref": "#/components/responses/SymbolNotServed"},
              "429": {"$ref": "#/components/responses/RateLimited"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/api/v1/candles/{symbol}/metrics": {
          "get": {
            "tags": ["candles"], "operationId": "getCandleMetrics",
            "summary": "What a 100-candle answer would hold",
            "description": "Counts and first/last open times of the newest 100 candles in memory (0 when there are none).",
            "parameters": [
              {"$ref": "#/components/parameters/Symbol"},
              {"$ref": "#/components/parameters/IntervalQuery"},
              {"$ref": "#/components/parameters/Market"}
            ],
            "responses": {
              "200": {"description": "Figures.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CandleMetrics"}}}},
              "400": {"$ref": "#/components/responses/BadParameter"},
              "404": {"$ref": "#/components/responses/SymbolNotServed"},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        },
        "/api/v1/candles/{symbol}/latest": {
          "get": {
            "tags": ["candles"], "operationId": "getLatestCandle",
            "summary": "The newest candle (used by the frontend, with `interval=1m`)",
            "description": "The newest candle of the interval, the open one while it is open, straight from the stream; `candle` is null when there is none yet. Other parameters (the frontend's `_t` cache buster) are ignored.",
            "parameters": [
              {"$ref": "#/components/parameters/Symbol"},
              {"$ref": "#/components/parameters/IntervalQuery"},
              {"$ref": "#/components/parameters/Market"},
              {"name": "_t", "in": "query", "description": "Ignored (the frontend's cache buster).", "schema": {"type": "string"}}
            ],
            "responses": {
              "200": {"description": "The candle or null.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LatestCandle"}}}},
              "304": {"$ref": "#/components/responses/NotModified"},
              "400": {"$ref": "#/components/responses/BadParameter"},
              "404": {"$ref": "#/components/responses/SymbolNotServed"},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        },
        "/api/v1/candles/{symbol}/range": {
          "get": {
            "tags": ["candles"], "operationId": "getCandleRange",
            "summary": "Stored candles between two RFC 3339 times (database only)",
            "description": "Full candles (decimal strings) with `start_time <= open_time <= end_time`, from PostgreSQL; `candles` is `[]` when there are none. Without a database: 503.",
            "parameters": [
              {"$ref": "#/components/parameters/Symbol"},
              {"$ref": "#/components/parameters/IntervalQuery"},
              {"name": "start_time", "in": "query", "description": "RFC 3339; absent: the beginning of time. Malformed: 400 `Invalid start_time format, use RFC3339`.", "schema": {"type": "string", "format": "date-time"}},
              {"name": "end_time", "in": "query", "description": "RFC 3339; absent: the end of time. Malformed: 400 `Invalid end_time format, use RFC3339`.", "schema": {"type": "string", "format": "date-time"}},
              {"name": "market", "in": "query", "description": "`spot`, else futures.", "schema": {"type": "string", "enum": ["futures", "spot"]}}
            ],
            "responses": {
              "200": {"description": "The range.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CandleRange"}}}},
              "304": {"$ref": "#/components/responses/NotModified"},
              "400": {
                "description": "A malformed time or start after end (`{\"error\"}`), or an unknown interval (`INVALID_INTERVAL`).",
                "content": {"application/json": {"schema": {"anyOf": [{"$ref": "#/components/schemas/SimpleError"}, {"$ref": "#/components/schemas/ErrorResponse"}]}}}
              },
              "404": {"$ref": "#/components/responses/SymbolNotServed"},
              "429": {"$ref": "#/components/responses/RateLimited"},
              "500": {"description": "The query failed.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SimpleError"}}}},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/api/v1/ws/candles/{symbol}": {
          "get": {
            "tags": ["candles"], "operationId": "getCandleStreamPlaceholder",
            "summary": "Not a WebSocket: points to `/api/v1/websocket/connect`",
            "description": "The original's placeholder answered 501; so does this, naming the real WebSocket.",
            "parameters": [{"name": "symbol", "in": "path", "required": true, "description": "Any symbol (echoed upper-cased).", "schema": {"type": "string"}}],
            "responses": {
              "429": {"$ref": "#/components/responses/RateLimited"},
              "501": {"description": "Use the WebSocket.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SymbolMessage"}}}}
            }
          }
        }
        """#

    static let candleSchemas = #"""
        "Candle": {
          "type": "object",
          "description": "One candle (`optimized` format). `t` is the open time; prices and volumes are JSON numbers.",
          "required": ["t", "o", "h", "l", "c", "v", "bv", "sv"],
          "properties": {
            "t": {"type": "integer", "format": "int64", "description": "Open time, ms."},
            "o": {"type": "number"}, "h": {"type": "number"}, "l": {"type": "number"}, "c": {"type": "number"},
            "v": {"type": "number", "description": "Base-asset volume."},
            "bv": {"type": "number", "description": "Taker-buy base volume."},
            "sv": {"type": "number", "description": "`v - bv`."}
          }
        },
        "CandleResponse": {
          "type": "object",
          "description": "Candles of one symbol and interval, oldest first. `f` and `l` (first and last open time) are left out when `d` is empty.",
          "required": ["s", "i", "d", "n"],
          "properties": {
            "s": {"type": "string", "description": "Symbol."},
            "i": {"type": "string", "description": "Interval."},
            "d": {"type": "array", "items": {"$ref": "#/components/schemas/Candle"}},
            "n": {"type": "integer", "description": "Candles in `d`."},
            "f": {"type": "integer", "format": "int64"},
            "l": {"type": "integer", "format": "int64"}
          }
        },
        "LatestCandle": {
          "type": "object",
          "required": ["symbol", "interval", "candle"],
          "properties": {
            "symbol": {"type": "string"},
            "interval": {"type": "string"},
            "candle": {"nullable": true, "allOf": [{"$ref": "#/components/schemas/Candle"}]}
          }
        },
        "CandleMetrics": {
          "type": "object",
          "required": ["symbol", "interval", "response_time_ms", "candle_count", "estimated_size", "cache_key", "first_timestamp", "last_timestamp"],
          "properties": {
            "symbol": {"type": "string"},
            "interval": {"type": "string"},
            "response_time_ms": {"type": "integer"},
            "candle_count": {"type": "integer"},
            "estimated_size": {"type": "integer", "description": "`candle_count * 60 + 100`."},
            "cache_key": {"type": "string", "description": "`SYMBOL:INTERVAL:FIRST:LAST`."},
            "first_timestamp": {"type": "integer", "format": "int64"},
            "last_timestamp": {"type": "integer", "format": "int64"}
          }
        },
        "FullCandle": {
          "type": "object",
          "description": "A stored candle: decimals as strings with 8 decimals, times RFC 3339.",
          "required": ["id", "symbol", "open_time", "close_time", "open", "high", "low", "close", "volume", "quote_asset_volume", "taker_buy_base_asset_volume", "taker_buy_quote_asset_volume", "trade_count", "interval", "created_at", "updated_at"],
          "properties": {
            "id": {"type": "integer", "format": "int64", "description": "The open time in ms (the store has no row id)."},
            "symbol": {"type": "string"},
            "open_time": {"type": "string", "format": "date-time"},
            "close_time": {"type": "string", "format": "date-time"},
            "open": {"type": "string", "example": "108903.80000000"},
            "high": {"type": "string"}, "low": {"type": "string"}, "close": {"type": "string"}, "volume": {"type": "string"},
            "quote_asset_volume": {"type": "string"},
            "taker_buy_base_asset_volume": {"type": "string"},
            "taker_buy_quote_asset_volume": {"type": "string"},
            "trade_count": {"type": "integer"},
            "interval": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"}
          }
        },
        "CandleRange": {
          "type": "object",
          "required": ["symbol", "interval", "start_time", "end_time", "candles"],
          "properties": {
            "symbol": {"type": "string"},
            "interval": {"type": "string"},
            "start_time": {"type": "string", "format": "date-time"},
            "end_time": {"type": "string", "format": "date-time"},
            "candles": {"type": "array", "items": {"$ref": "#/components/schemas/FullCandle"}}
          }
        },
        "SymbolMessage": {
          "type": "object",
          "required": ["message", "symbol"],
          "properties": {"message": {"type": "string"}, "symbol": {"type": "string"}}
        }
        """#
}

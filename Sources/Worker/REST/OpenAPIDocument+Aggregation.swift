/// The frontend's main data routes (`/aggregation/candles`, `/aggregation/multi`) and the
/// aggregation stats (API.md §1.4), with their schemas.
extension OpenAPIDocument {
    static let aggregationPaths = #"""
        "/api/v1/aggregation/candles/{symbol}/{interval}": {
          "get": {
            "tags": ["aggregation"], "operationId": "getAggregatedCandles",
            "summary": "Candles: the frontend's main data source",
            "description": "The newest `limit` candles, oldest first, the open one last: from the candle ring in shared memory (as fresh as the stream), older ones from PostgreSQL (and Redis for closed history). Unlike the original there is no 5-minute staleness and no frozen Binance copy. Without a database, what memory holds.",
            "parameters": [
              {"$ref": "#/components/parameters/Symbol"},
              {"$ref": "#/components/parameters/Interval"},
              {"name": "limit", "in": "query", "description": "1..5000: the newest candles memory and PostgreSQL hold (the original failed past 1500, Binance's page). Not an integer: 400 `INVALID_LIMIT_FORMAT`; out of range: 400 `INVALID_LIMIT_RANGE`.", "schema": {"type": "integer", "default": 500, "minimum": 1, "maximum": 5000}},
              {"$ref": "#/components/parameters/Market"}
            ],
            "responses": {
              "200": {
                "description": "Candles.",
                "headers": {
                  "X-Data-Count": {"description": "Candles in `d`.", "schema": {"type": "integer"}},
                  "X-Cache-Key": {"description": "`agg:candles:SYMBOL:INTERVAL:LIMIT`.", "schema": {"type": "string"}},
                  "X-Data-Source": {"description": "Present when the database should have filled in older candles and could not: why.", "schema": {"type": "string"}},
                  "ETag": {"schema": {"type": "string"}}
                },
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CandleResponse"}}}
              },
              "304": {"$ref": "#/components/responses/NotModified"},
              "400": {"$ref": "#/components/responses/BadParameter"},
              "404": {"$ref": "#/components/responses/SymbolNotServed"},
              "429": {"$ref": "#/components/responses/RateLimited"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/api/v1/aggregation/multi": {
          "post": {
            "tags": ["aggregation"], "operationId": "postMulti",
            "summary": "Several intervals, the volume profile and liquidations in one request (the frontend's initial load)",
            "description": "Each interval as `/aggregation/candles` would answer it. An interval that cannot be served is left out of `candles` and named in `errors`. `volume_profile` only when asked for (1m candles over `vp_hours`, futures); `liquidations` only when asked for (real events over `liq_hours`).",
            "parameters": [{"$ref": "#/components/parameters/Market"}],
            "requestBody": {
              "required": true,
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MultiRequest"}}}
            },
            "responses": {
              "200": {"description": "The load.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MultiResponse"}}}},
              "304": {"$ref": "#/components/responses/NotModified"},
              "400": {
                "description": "`{\"error\":\"invalid request format\"}` (not a JSON object, or a member of the wrong JSON type: `intervals` not a list of strings, `limit`/`vp_hours`/`liq_hours` not an integer, a flag not `true`/`false`, `symbol` not a string; `null` counts as absent) or `{\"error\":\"symbol is required\"}`.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SimpleError"}}}
              },
              "404": {"$ref": "#/components/responses/SymbolNotServed"},
              "429": {"$ref": "#/components/responses/RateLimited"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/api/v1/aggregation/stats": {
          "get": {
            "tags": ["aggregation"], "operationId": "getAggregationStats",
            "summary": "This worker's REST figures",
            "responses": {
              "200": {"description": "Figures.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AggregationStats"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        }
        """#

    static let aggregationSchemas = #"""
        "MultiRequest": {
          "type": "object",
          "required": ["symbol"],
          "properties": {
            "symbol": {"type": "string", "description": "Any case; a served symbol."},
            "intervals": {"type": "array", "items": {"type": "string"}, "default": ["1m", "5m", "15m", "1h"], "description": "At most 16 are used; empty: the default."},
            "limit": {"type": "integer", "default": 500, "description": "Candles per interval; <= 0: 500; above 1500: 1500 (the original cut anything above 1000 to 500, so the frontend's 1m request of 1500 got 500)."},
            "include_volume_profile": {"type": "boolean", "default": false},
            "vp_hours": {"type": "integer", "default": 24, "description": "1..168; outside: 24."},
            "include_liquidations": {"type": "boolean", "default": false},
            "liq_hours": {"type": "integer", "default": 1, "description": "Clamped to 1..168 (the original cut anything outside 1..24 to 1)."}
          }
        },
        "MultiResponse": {
          "type": "object",
          "required": ["symbol", "candles"],
          "properties": {
            "symbol": {"type": "string"},
            "candles": {"type": "object", "description": "By interval name, as asked.", "additionalProperties": {"$ref": "#/components/schemas/CandleResponse"}},
            "errors": {"type": "object", "description": "Intervals left out, and why (only when there are some).", "additionalProperties": {"type": "string"}},
            "volume_profile": {"$ref": "#/components/schemas/VolumeProfile"},
            "liquidations": {"type": "array", "items": {"$ref": "#/components/schemas/LiquidationEvent"}}
          }
        },
        "AggregationStats": {
          "type": "object",
          "required": ["service", "stats", "timestamp"],
          "properties": {
            "service": {"type": "string", "enum": ["aggregation"]},
            "stats": {
              "type": "object",
              "required": ["memory_cache_size", "answered_from_memory", "aggregations", "refused_queue_full", "error_count", "last_error", "last_error_time", "workers"],
              "properties": {
                "memory_cache_size": {"type": "integer", "description": "Rendered candle answers kept."},
                "answered_from_memory": {"type": "integer"},
                "aggregations": {"type": "integer", "description": "Requests handed to the query thread."},
                "refused_queue_full": {"type": "integer"},
                "error_count": {"type": "integer"},
                "last_error": {"type": "string", "nullable": true},
                "last_error_time": {"type": "string", "description": "RFC 3339; the zero time when there was none."},
                "workers": {"type": "integer", "description": "Worker processes the server runs."}
              }
            },
            "timestamp": {"type": "string", "format": "date-time", "description": "Server time, RFC 3339 with milliseconds (UTC)."}
          }
        }
        """#
}

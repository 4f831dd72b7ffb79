/// The routes the frontend does not use: symbols CRUD (API.md §1.2), data collection (§1.5:
/// the feeder's storing and candle history runs), POST `/candles/fetch`, POST `/websocket/symbols`.
extension OpenAPIDocument {
    static let adminPaths = #"""
        "/api/v1/symbols": {
          "get": {
            "tags": ["symbols"], "operationId": "listSymbols",
            "summary": "All rows of `symbols`, ordered by symbol",
            "parameters": [{"name": "active", "in": "query", "description": "Exactly `true`: only active symbols.", "schema": {"type": "string"}}],
            "responses": {
              "200": {"description": "The rows; `symbols` is null when there are none, `symbol` always `\"\"` (as the original).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SymbolList"}}}},
              "304": {"$ref": "#/components/responses/NotModified"},
              "429": {"$ref": "#/components/responses/RateLimited"},
              "500": {"description": "`Failed to retrieve symbols: ...`", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SimpleError"}}}},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          },
          "post": {
            "tags": ["symbols"], "operationId": "createSymbol",
            "summary": "Adds a row (upper-cased), active, with the original's fixed filters",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SymbolCreate"}}}},
            "responses": {
              "201": {"description": "The row.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Symbol"}}}},
              "400": {"description": "`Invalid request body: ...` (not a JSON object, or a member that is not a string) or `Failed to create symbol: ...` (a missing field, a bad status, a duplicate).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SimpleError"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"},
              "500": {"description": "The statement failed.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SimpleError"}}}},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/api/v1/symbols/{symbol}": {
          "parameters": [{"name": "symbol", "in": "path", "required": true, "description": "Upper-cased; need not be served.", "schema": {"type": "string"}}],
          "get": {
            "tags": ["symbols"], "operationId": "getSymbol",
            "summary": "One row",
            "responses": {
              "200": {"description": "The row.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Symbol"}}}},
              "304": {"$ref": "#/components/responses/NotModified"},
              "404": {"description": "`{\"error\":\"Symbol not found\"}`", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SimpleError"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"},
              "500": {"description": "`Failed to retrieve symbol: ...`", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SimpleError"}}}},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          },
          "put": {
            "tags": ["symbols"], "operationId": "updateSymbol",
            "summary": "Sets `status` and/or `is_active` (works, unlike the original's)",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SymbolUpdate"}}}},
            "responses": {
              "200": {"description": "`{\"message\":\"Symbol updated successfully\"}`", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}}},
              "400": {"description": "`Invalid request body: ...` (not a JSON object, `status` not a string, `is_active` not `true`/`false`), `Failed to update symbol: no fields to update` or a bad status.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SimpleError"}}}},
              "404": {"description": "`{\"error\":\"Symbol not found\"}`", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SimpleError"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"},
              "500": {"description": "The statement failed.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SimpleError"}}}},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          },
          "delete": {
            "tags": ["symbols"], "operationId": "deleteSymbol",
            "summary": "Removes a row (a missing one is 404, not the original's 500)",
            "responses": {
              "200": {"description": "`{\"message\":\"Symbol deleted successfully\"}`", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}}},
              "404": {"description": "`{\"error\":\"Symbol not found\"}`", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SimpleError"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"},
              "500": {"description": "The statement failed.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SimpleError"}}}},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/api/v1/data-collection/stats": {
          "get": {
            "tags": ["collection"], "operationId": "getCollectionStats",
            "summary": "What the feeder stores and its candle history fetch runs",
            "responses": {
              "200": {"description": "The figures (shared memory: the same from every worker).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CollectionStats"}}}},
              "304": {"$ref": "#/components/responses/NotModified"},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        },
        "/api/v1/data-collection/collect": {
          "post": {
            "tags": ["collection"], "operationId": "collectNow",
            "summary": "Starts a candle history run in the feeder: every collected symbol × market × interval, the newest candles (1m 120, 5m 500, 15m 200, 30m 100, 1h 72, 4h 42, 1d 30; other intervals about two days), upserted; answered at once",
            "responses": {
              "200": {"description": "`{\"message\":\"Data collection triggered successfully\"}`", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}}},
              "503": {"description": "Storing is paused (`stop`) or no database is configured: `service_not_running`; also `no_history_source` (a replayed feed), and the feeder failures: `feeder_unavailable` (no feeder to ask). `busy`: the feeder was answering its most requests at once.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "502": {"description": "`feeder_error`: the feeder's answer was unreadable, or it refused for another reason.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "504": {"description": "`feeder_timeout`: the feeder did not answer in time.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        },
        "/api/v1/data-collection/historical": {
          "post": {
            "tags": ["collection"], "operationId": "collectHistory",
            "summary": "As `collect` (the original's did the same)",
            "responses": {
              "200": {"description": "`status: running`.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CollectionAnswer"}}}},
              "400": {"description": "Storing is paused (`stop`) or no database is configured: `{\"error\":\"Data collection service is not running\"}`.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SimpleError"}}}},
              "502": {"description": "`feeder_error`: the feeder's answer was unreadable, or it refused for another reason.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "503": {"description": "`no_history_source` (a replayed feed) or `feeder_unavailable`. `busy`: the feeder was answering its most requests at once.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "504": {"description": "`feeder_timeout`: the feeder did not answer in time.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        },
        "/api/v1/data-collection/start": {
          "post": {
            "tags": ["collection"], "operationId": "startCollection",
            "summary": "Resumes storing (kept in shared memory: a restarted feeder keeps it) and starts a history run reaching back over the pause, so the candles of the pause are stored",
            "responses": {
              "200": {"description": "`{\"message\":\"Data collection service started successfully\"}`", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}}},
              "409": {"description": "`already_running`.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "500": {"description": "`start_failed`: no database is configured.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "502": {"description": "`feeder_error`: the feeder's answer was unreadable, or it refused for another reason.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "503": {"description": "`feeder_unavailable`: no feeder to ask (it is restarting); `exchange_unavailable`, `feeder_busy`: a symbol not streamed could not be added now. `busy`: the feeder was answering its most requests at once.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "504": {"description": "`feeder_timeout`: the feeder did not answer in time.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        },
        "/api/v1/data-collection/stop": {
          "post": {
            "tags": ["collection"], "operationId": "stopCollection",
            "summary": "Pauses storing: records keep streaming but are not written (counted as `not_collected` in the storage figures)",
            "responses": {
              "200": {"description": "`{\"message\":\"Data collection service stopped successfully\"}`", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}}},
              "409": {"description": "`not_running`: already paused, or no database.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "500": {"description": "The feeder refused.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "502": {"description": "`feeder_error`: the feeder's answer was unreadable, or it refused for another reason.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "503": {"description": "`feeder_unavailable`: no feeder to ask (it is restarting). `busy`: the feeder was answering its most requests at once.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "504": {"description": "`feeder_timeout`: the feeder did not answer in time.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        },
        "/api/v1/data-collection/symbols": {
          "post": {
            "tags": ["collection"], "operationId": "addCollectedSymbol",
            "summary": "Stores a symbol again (upper-cased), with a history run for it; one not streamed is first added to the feed",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["symbol"], "properties": {"symbol": {"type": "string"}}}}}},
            "responses": {
              "200": {"description": "`{\"message\":\"Symbol added successfully\",\"symbol\":S}`", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CollectionSymbolAnswer"}}}},
              "400": {"description": "`invalid_request` (not a JSON object, `symbol` not a string, not 2 to 16 letters A–Z and digits), `missing_symbol`.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "404": {"description": "`unknown_symbol`: not streamed, and neither spot nor futures exchangeInfo lists it.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "409": {"description": "`replay_source`: not streamed, and the feeder replays a recording.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "507": {"description": "`symbol_capacity`: not streamed, and 64 symbols are already.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "502": {"description": "`feeder_error`: the feeder's answer was unreadable, or it refused for another reason.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "503": {"description": "`feeder_unavailable`: no feeder to ask (it is restarting). `busy`: the feeder was answering its most requests at once.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "504": {"description": "`feeder_timeout`: the feeder did not answer in time.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        },
        "/api/v1/data-collection/symbols/{symbol}": {
          "delete": {
            "tags": ["collection"], "operationId": "removeCollectedSymbol",
            "summary": "Stops storing a symbol; it keeps streaming (idempotent, also for a symbol not streamed)",
            "parameters": [{"name": "symbol", "in": "path", "required": true, "description": "Upper-cased.", "schema": {"type": "string"}}],
            "responses": {
              "200": {"description": "`{\"message\":\"Symbol removed successfully\",\"symbol\":S}`", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CollectionSymbolAnswer"}}}},
              "400": {"description": "`invalid_request`: not 1 to 20 letters and digits.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "502": {"description": "`feeder_error`: the feeder's answer was unreadable, or it refused for another reason.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "503": {"description": "`feeder_unavailable`: no feeder to ask (it is restarting). `busy`: the feeder was answering its most requests at once.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "504": {"description": "`feeder_timeout`: the feeder did not answer in time.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        },
        "/api/v1/candles/fetch": {
          "post": {
            "tags": ["collection"], "operationId": "fetchCandles",
            "summary": "Nothing to fetch: the feeder keeps candles current; says what the server holds",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["symbol", "interval"], "properties": {"symbol": {"type": "string"}, "interval": {"type": "string"}, "limit": {"type": "integer", "description": "0: 100; at most 1500."}}}}}},
            "responses": {
              "200": {"description": "The newest `limit` candles the server holds in memory: how many and their first and last open time.", "content": {"application/json": {"schema": {"type": "object", "required": ["message", "symbol", "interval", "limit", "count", "first_time", "last_time"], "properties": {"message": {"type": "string"}, "symbol": {"type": "string"}, "interval": {"type": "string"}, "limit": {"type": "integer"}, "count": {"type": "integer"}, "first_time": {"type": "integer", "format": "int64"}, "last_time": {"type": "integer", "format": "int64"}}}}}},
              "400": {"description": "`{\"error\":\"Invalid request body\"}` (not a JSON object, `symbol` or `interval` missing or not a string, `limit` not an integer) or an interval not served.", "content": {"application/json": {"schema": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}}}},
              "404": {"$ref": "#/components/responses/SymbolNotServed"},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        },
        "/api/v1/websocket/symbols/{symbol}": {
          "post": {
            "tags": ["collection"], "operationId": "addStreamedSymbol",
            "summary": "Stream one more symbol without a restart: the feeder checks exchangeInfo lists it and subscribes its streams on the running Binance connections (SUBSCRIBE; new connections past 1024 streams); answers once they are subscribed. Kept until the server restarts, also by a restarted feeder.",
            "parameters": [{"name": "symbol", "in": "path", "required": true, "description": "Any case; upper-cased. 2–16 letters A–Z and digits.", "schema": {"type": "string"}}],
            "responses": {
              "200": {"description": "Streamed now (`added` false: it already was). `symbols`: every symbol streamed, in index order.", "content": {"application/json": {"schema": {"type": "object", "required": ["message", "symbol", "added", "symbols"], "properties": {"message": {"type": "string", "enum": ["Symbol added to stream", "Symbol already streamed"]}, "symbol": {"type": "string"}, "added": {"type": "boolean"}, "symbols": {"type": "array", "items": {"type": "string"}}}}}}},
              "400": {"description": "`invalid_symbol`: not 2–16 letters and digits.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "404": {"description": "`unknown_symbol`: listed by neither spot nor futures exchangeInfo.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "409": {"description": "`replay_source`: the feeder replays a recording (`FEED_SOURCE=replay`).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"},
              "502": {"description": "`feeder_error`: a broken answer from the feeder.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "503": {"description": "`feeder_unavailable` (no feeder, or it is restarting), `exchange_unavailable` (exchangeInfo could not be asked: the symbol is not taken on trust), `feeder_busy`, `lookup_limit` (more than 10 new names a minute were to be looked up on the exchange). `busy`: the feeder was answering its most requests at once.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "504": {"description": "`feeder_timeout`: no answer within 10 s.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}},
              "507": {"description": "`symbol_capacity`: the server streams its maximum of 64 symbols.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}}
            }
          }
        }
        """#

    static let adminSchemas = #"""
        "NullString": {
          "type": "object", "description": "A nullable decimal as Go's `sql.NullString` serialised it: `Valid` false and `String` empty for NULL.",
          "required": ["String", "Valid"],
          "properties": {"String": {"type": "string", "example": "0.00000001"}, "Valid": {"type": "boolean"}}
        },
        "Symbol": {
          "type": "object",
          "required": ["id", "symbol", "base_asset", "quote_asset", "status", "is_active", "price_precision", "quantity_precision", "min_price", "max_price", "min_qty", "max_qty", "step_size", "tick_size", "created_at", "updated_at"],
          "properties": {
            "id": {"type": "integer", "format": "int64"},
            "symbol": {"type": "string"},
            "base_asset": {"type": "string"},
            "quote_asset": {"type": "string"},
            "status": {"type": "string", "enum": ["TRADING", "HALT", "BREAK"]},
            "is_active": {"type": "boolean"},
            "price_precision": {"type": "integer"},
            "quantity_precision": {"type": "integer"},
            "min_price": {"$ref": "#/components/schemas/NullString"},
            "max_price": {"$ref": "#/components/schemas/NullString"},
            "min_qty": {"$ref": "#/components/schemas/NullString"},
            "max_qty": {"$ref": "#/components/schemas/NullString"},
            "step_size": {"$ref": "#/components/schemas/NullString"},
            "tick_size": {"$ref": "#/components/schemas/NullString"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"}
          }
        },
        "SymbolList": {
          "type": "object",
          "required": ["symbol", "count", "symbols"],
          "properties": {
            "symbol": {"type": "string", "enum": [""]},
            "count": {"type": "integer"},
            "symbols": {"type": "array", "nullable": true, "items": {"$ref": "#/components/schemas/Symbol"}}
          }
        },
        "SymbolCreate": {
          "type": "object",
          "required": ["symbol", "base_asset", "quote_asset", "status"],
          "properties": {
            "symbol": {"type": "string"},
            "base_asset": {"type": "string"},
            "quote_asset": {"type": "string"},
            "status": {"type": "string", "enum": ["TRADING", "HALT", "BREAK"]}
          }
        },
        "SymbolUpdate": {
          "type": "object", "description": "At least one of the two.",
          "properties": {"status": {"type": "string", "enum": ["TRADING", "HALT", "BREAK"]}, "is_active": {"type": "boolean"}}
        },
        "CollectionStats": {
          "type": "object",
          "required": ["service", "stats"],
          "properties": {
            "service": {"type": "string", "enum": ["data_collection"]},
            "stats": {
              "type": "object",
              "required": ["total_runs", "successful_runs", "failed_runs", "last_run_time", "last_success_time", "last_error_time", "last_error", "candles_collected", "active_symbols", "active_intervals", "collection_period_seconds", "is_running", "minute_collection_period_seconds", "interval_collection_period_seconds"],
              "properties": {
                "total_runs": {"type": "integer", "description": "Candle history fetch runs begun since the feeder started: its start-up history, and each `collect`, `historical`, `start` and symbol collected again."},
                "successful_runs": {"type": "integer", "description": "Runs finished with every request answered."},
                "failed_runs": {"type": "integer", "description": "Runs finished with some request failed."},
                "last_run_time": {"type": "string", "format": "date-time", "description": "When the last run began; `0001-01-01T00:00:00Z` for never."},
                "last_success_time": {"type": "string", "format": "date-time", "description": "When the last successful run ended."},
                "last_error_time": {"type": "string", "format": "date-time", "description": "When the last failed run ended."},
                "last_error": {"type": "string", "nullable": true, "description": "`k errors out of n total operations` of the last failed run; null for none."},
                "candles_collected": {"type": "integer", "description": "Candle rows written to PostgreSQL since the feeder started (streamed and fetched)."},
                "active_symbols": {"type": "array", "items": {"type": "string"}, "description": "Streamed symbols being stored."},
                "active_intervals": {"type": "array", "items": {"type": "string"}},
                "collection_period_seconds": {"type": "integer", "description": "0: no periodic run; the streams keep candles current between runs."},
                "is_running": {"type": "boolean", "description": "A database is configured and storing is not paused."},
                "minute_collection_period_seconds": {"type": "integer", "description": "1: the open 1m candle is written at most once a second, a closed one at once."},
                "interval_collection_period_seconds": {"type": "integer", "description": "1: the same for the other intervals."}
              }
            }
          }
        },
        "CollectionAnswer": {
          "type": "object",
          "required": ["message", "status"],
          "properties": {"message": {"type": "string"}, "status": {"type": "string", "enum": ["running"]}}
        },
        "CollectionSymbolAnswer": {
          "type": "object",
          "required": ["message", "symbol"],
          "properties": {"message": {"type": "string"}, "symbol": {"type": "string"}}
        }
        """#
}

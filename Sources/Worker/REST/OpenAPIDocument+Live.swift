/// The `/websocket/*` REST reads of the live state (API.md §1.6).
extension OpenAPIDocument {
    static let livePaths = #"""
        "/api/v1/websocket/stats": {
          "get": {
            "tags": ["live"], "operationId": "getStreamStats",
            "summary": "Clients and subscriptions over every worker, the feed and what it holds",
            "responses": {
              "200": {"description": "Figures.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/StreamStats"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        },
        "/api/v1/websocket/price/{symbol}": {
          "get": {
            "tags": ["live"], "operationId": "getLivePrice",
            "summary": "The last trade's price",
            "description": "One market per answer (never the original's alternation of spot and futures).",
            "parameters": [{"$ref": "#/components/parameters/Symbol"}, {"$ref": "#/components/parameters/Market"}],
            "responses": {
              "200": {"description": "The price.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LivePrice"}}}},
              "400": {"$ref": "#/components/responses/BadParameter"},
              "404": {"description": "`{\"error\":\"Price data not found for symbol\"}` (no trade yet), or the symbol is not served.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotFoundEither"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        },
        "/api/v1/websocket/depth/{symbol}": {
          "get": {
            "tags": ["live"], "operationId": "getLiveDepth",
            "summary": "The local order book's top levels",
            "description": "The synced local book (snapshot plus diffs), best first; not the original's last diff event. `first_update_id` and `final_update_id` are both the book's update id.",
            "parameters": [
              {"$ref": "#/components/parameters/Symbol"},
              {"name": "limit", "in": "query", "description": "Levels a side, 1..5000 (at most what the book keeps); anything else silently becomes 100.", "schema": {"type": "integer", "default": 100, "minimum": 1, "maximum": 5000}},
              {"$ref": "#/components/parameters/Market"}
            ],
            "responses": {
              "200": {"description": "The book.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LiveDepth"}}}},
              "400": {"$ref": "#/components/responses/BadParameter"},
              "404": {"description": "`{\"error\":\"Depth data not found for symbol\"}` (no synced book), or the symbol is not served.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotFoundEither"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        },
        "/api/v1/websocket/trades/{symbol}": {
          "get": {
            "tags": ["live"], "operationId": "getLiveTrades",
            "summary": "Recent trades as Binance's own objects, oldest first",
            "description": "Spot `trade` objects (`t` the trade id) or futures `aggTrade` objects (`a` the aggregate id, `f`/`l` its first and last trade ids) of one market, never mixed. Prices and quantities are strings, as Binance sends them. From memory (the newest 256 per symbol and market), and from PostgreSQL's stored trades past that (their `E` is the trade time: the table keeps no event time).",
            "parameters": [
              {"$ref": "#/components/parameters/Symbol"},
              {"name": "limit", "in": "query", "description": "Above 10000 it is clamped to 10000, and the answer's `limit` is the value used; 0, a negative or a non-integer becomes 100, as in the original.", "schema": {"type": "integer", "default": 100, "minimum": 1}},
              {"$ref": "#/components/parameters/Market"}
            ],
            "responses": {
              "200": {
                "description": "The trades.",
                "headers": {"X-Data-Source": {"description": "Present when PostgreSQL should have filled in older trades and could not: `memory (database unavailable)` or `memory (database query failed)`.", "schema": {"type": "string"}}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LiveTrades"}}}
              },
              "400": {"$ref": "#/components/responses/BadParameter"},
              "404": {"description": "`{\"error\":\"Trade data not found for symbol\"}`, or the symbol is not served.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotFoundEither"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        },
        "/api/v1/websocket/kline/{symbol}/{interval}": {
          "get": {
            "tags": ["live"], "operationId": "getLiveKline",
            "summary": "The newest candle as Binance's `k` object",
            "description": "Any servable interval (not only 1m/5m/15m); numbers as strings, as Binance sends them.",
            "parameters": [{"$ref": "#/components/parameters/Symbol"}, {"$ref": "#/components/parameters/Interval"}, {"$ref": "#/components/parameters/Market"}],
            "responses": {
              "200": {"description": "The kline.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LiveKline"}}}},
              "400": {"$ref": "#/components/responses/BadParameter"},
              "404": {"description": "`{\"error\":\"Kline data not found for symbol and interval\"}`, or the symbol is not served.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotFoundEither"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        },
        "/api/v1/websocket/volume/{symbol}": {
          "get": {
            "tags": ["live"], "operationId": "getLiveVolume",
            "summary": "The current candle's taker buy/sell split and the last 10 trades (polled by the frontend)",
            "description": "`buy_volume` is the candle's taker-buy base volume, `sell_volume` the rest, `delta` their difference. `is_buy` is true for a taker buy.",
            "parameters": [
              {"$ref": "#/components/parameters/Symbol"},
              {"name": "interval", "in": "query", "description": "A servable interval; another: 404 (as the original).", "schema": {"$ref": "#/components/schemas/IntervalName"}},
              {"$ref": "#/components/parameters/Market"}
            ],
            "responses": {
              "200": {"description": "The split.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LiveVolume"}}}},
              "400": {"$ref": "#/components/responses/BadParameter"},
              "404": {"description": "`{\"error\":\"Volume data not found for symbol and interval\"}`, or the symbol is not served.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotFoundEither"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        },
        "/api/v1/websocket/markprice/{symbol}": {
          "get": {
            "tags": ["live"], "operationId": "getLiveMarkPrice",
            "summary": "Futures mark price, index price and funding (decimal strings)",
            "parameters": [{"$ref": "#/components/parameters/Symbol"}],
            "responses": {
              "200": {"description": "The mark price.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LiveMarkPrice"}}}},
              "404": {"description": "`{\"error\":\"Mark price data not found for symbol\"}`, or the symbol is not served.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotFoundEither"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        },
        "/api/v1/websocket/liquidations/{symbol}": {
          "get": {
            "tags": ["live"], "operationId": "getLiveLiquidations",
            "summary": "Recent liquidations as Binance's `forceOrder` events, oldest first (polled by the frontend)",
            "description": "From memory, and from PostgreSQL past what memory keeps; `[]` when there are none; never 404: a symbol this server does not stream answers an empty list (with `X-Symbol-Served: false`), because the frontend polls it for every symbol it offers. Binance's liquidation stream sends at most one event per symbol a second (the latest in that second), so this is a sample of the liquidations.",
            "parameters": [
              {"$ref": "#/components/parameters/Symbol"},
              {"name": "limit", "in": "query", "description": "The frontend asks 2000; above 10000 it is clamped to 10000, and the answer's `limit` is the value used; 0, a negative or a non-integer becomes 100, as in the original.", "schema": {"type": "integer", "default": 100, "minimum": 1}}
            ],
            "responses": {
              "200": {
                "description": "The events.",
                "headers": {"X-Data-Source": {"description": "Present when PostgreSQL should have filled in older events and could not: `memory (database unavailable)` or `memory (database query failed)`.", "schema": {"type": "string"}}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LiveLiquidations"}}}
              },
              "400": {"$ref": "#/components/responses/BadParameter"},
              "429": {"$ref": "#/components/responses/RateLimited"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        }
        """#

    static let liveSchemas = #"""
        "NotFoundEither": {
          "description": "`{\"error\"}` when there is no data yet; the `ErrorResponse` `SYMBOL_NOT_FOUND` when the symbol is not served.",
          "anyOf": [{"$ref": "#/components/schemas/SimpleError"}, {"$ref": "#/components/schemas/ErrorResponse"}]
        },
        "StreamStats": {
          "type": "object",
          "description": "The original's shape with true figures: clients and subscriptions over every running worker, the feed's connections as they are now, and what the state tables hold.",
          "required": ["connected_clients", "subscriptions", "binance_stream", "service", "status", "data_types", "endpoints", "timestamp"],
          "properties": {
            "connected_clients": {"type": "integer", "description": "Terminal WebSocket clients over all running workers."},
            "subscriptions": {"type": "object", "description": "Clients subscribed to each symbol (either market), over all running workers; symbols with none are left out.", "additionalProperties": {"type": "integer"}},
            "binance_stream": {
              "type": "object",
              "required": ["connected_symbols", "symbols", "price_data_count", "depth_data_count", "kline_data_count",
                           "futures_ticker_count", "mark_price_count", "funding_rate_count", "is_running", "spot_connected",
                           "futures_connected", "stream_types", "trade_counts", "liquidation_counts", "source"],
              "properties": {
                "connected_symbols": {"type": "integer", "description": "Symbols served."},
                "symbols": {"type": "array", "items": {"type": "string"}},
                "price_data_count": {"type": "integer", "description": "Symbols with a last trade price (either market)."},
                "depth_data_count": {"type": "integer", "description": "Symbols with a synced order book (either market)."},
                "kline_data_count": {"type": "integer", "description": "Symbols with a candle of a served interval (either market)."},
                "futures_ticker_count": {"type": "integer", "description": "Symbols with a futures 24 h ticker."},
                "mark_price_count": {"type": "integer", "description": "Symbols with a mark price."},
                "funding_rate_count": {"type": "integer", "description": "Symbols whose mark price carries a funding rate and time."},
                "is_running": {"type": "boolean", "description": "A feeder process runs."},
                "spot_connected": {"type": "boolean", "description": "A spot stream connection is live now."},
                "futures_connected": {"type": "boolean", "description": "A futures stream connection is live now."},
                "stream_types": {"type": "array", "items": {"type": "string"}, "description": "Streams subscribed per symbol; empty while a recording is replayed."},
                "trade_counts": {"type": "object", "description": "Recent trades held per symbol (both markets).", "additionalProperties": {"type": "integer"}},
                "liquidation_counts": {"type": "object", "description": "Recent liquidations held per symbol.", "additionalProperties": {"type": "integer"}},
                "source": {"type": "string", "enum": ["replay", "binance", "simulated"]}
              }
            },
            "service": {"type": "string", "enum": ["websocket"]},
            "status": {"type": "string", "enum": ["active", "connecting", "stalled", "down"], "description": "active while the feed is live, else its state."},
            "data_types": {"type": "array", "items": {"type": "string"}, "description": "The data messages the WebSocket sends."},
            "endpoints": {"type": "object", "description": "Paths of the WebSocket and the live-state reads, by name.", "additionalProperties": {"type": "string"}},
            "timestamp": {"type": "integer", "format": "int64"}
          }
        },
        "LivePrice": {
          "type": "object",
          "required": ["symbol", "price", "market", "timestamp", "source"],
          "properties": {
            "symbol": {"type": "string"},
            "price": {"type": "number"},
            "market": {"$ref": "#/components/schemas/MarketName"},
            "timestamp": {"type": "integer", "format": "int64", "description": "Server time, ms."},
            "source": {"$ref": "#/components/schemas/Source"}
          }
        },
        "PriceLevel": {
          "type": "array", "description": "`[price, quantity]` as strings.",
          "items": {"type": "string"}, "minItems": 2, "maxItems": 2
        },
        "LiveDepth": {
          "type": "object",
          "required": ["symbol", "bids", "asks", "first_update_id", "final_update_id", "event_time", "timestamp", "source"],
          "properties": {
            "symbol": {"type": "string"},
            "bids": {"type": "array", "description": "Best (highest) first.", "items": {"$ref": "#/components/schemas/PriceLevel"}},
            "asks": {"type": "array", "description": "Best (lowest) first.", "items": {"$ref": "#/components/schemas/PriceLevel"}},
            "first_update_id": {"type": "integer", "format": "int64"},
            "final_update_id": {"type": "integer", "format": "int64"},
            "event_time": {"type": "integer", "format": "int64"},
            "timestamp": {"type": "integer", "format": "int64"},
            "source": {"$ref": "#/components/schemas/Source"}
          }
        },
        "BinanceTrade": {
          "description": "A spot `trade` or a futures `aggTrade`.",
          "oneOf": [
            {"allOf": [{"$ref": "#/components/schemas/BinanceTradeCommon"}, {
              "type": "object", "required": ["t"],
              "properties": {"e": {"enum": ["trade"]}, "t": {"type": "integer", "format": "int64", "description": "Trade id."}}
            }]},
            {"allOf": [{"$ref": "#/components/schemas/BinanceTradeCommon"}, {
              "type": "object", "required": ["a", "f", "l"],
              "properties": {
                "e": {"enum": ["aggTrade"]},
                "a": {"type": "integer", "format": "int64", "description": "Aggregate trade id."},
                "f": {"type": "integer", "format": "int64", "description": "First trade id."},
                "l": {"type": "integer", "format": "int64", "description": "Last trade id."}
              }
            }]}
          ]
        },
        "BinanceTradeCommon": {
          "type": "object",
          "required": ["e", "E", "s", "p", "q", "T", "m", "M"],
          "properties": {
            "e": {"type": "string", "enum": ["trade", "aggTrade"]},
            "E": {"type": "integer", "format": "int64", "description": "Event time, ms (a spot trade's trade time: its event time is not kept)."},
            "s": {"type": "string"},
            "p": {"type": "string"},
            "q": {"type": "string"},
            "T": {"type": "integer", "format": "int64", "description": "Trade time, ms."},
            "m": {"type": "boolean", "description": "The buyer is the maker (a taker sell)."},
            "M": {"type": "boolean"}
          }
        },
        "LiveTrades": {
          "type": "object",
          "required": ["symbol", "trades", "count", "limit", "timestamp", "source"],
          "properties": {
            "symbol": {"type": "string"},
            "trades": {"type": "array", "items": {"$ref": "#/components/schemas/BinanceTrade"}},
            "count": {"type": "integer"},
            "limit": {"type": "integer"},
            "timestamp": {"type": "integer", "format": "int64"},
            "source": {"$ref": "#/components/schemas/Source"}
          }
        },
        "LiveKline": {
          "type": "object",
          "required": ["symbol", "interval", "kline", "event_time", "timestamp", "source"],
          "properties": {
            "symbol": {"type": "string"},
            "interval": {"type": "string"},
            "kline": {
              "type": "object",
              "required": ["t", "T", "s", "i", "f", "L", "o", "c", "h", "l", "v", "n", "x", "q", "V", "Q", "B"],
              "properties": {
                "t": {"type": "integer", "format": "int64"}, "T": {"type": "integer", "format": "int64"},
                "s": {"type": "string"}, "i": {"type": "string"},
                "f": {"type": "integer", "format": "int64", "description": "First trade id; -1 when not known (candles from REST backfill or storage) or no trade yet."},
                "L": {"type": "integer", "format": "int64", "description": "Last trade id; -1 as for `f`."},
                "o": {"type": "string"}, "c": {"type": "string"}, "h": {"type": "string"}, "l": {"type": "string"},
                "v": {"type": "string"}, "n": {"type": "integer"}, "x": {"type": "boolean"},
                "q": {"type": "string"}, "V": {"type": "string"}, "Q": {"type": "string"},
                "B": {"type": "string", "description": "Ignored by Binance; always \"0\"."}
              }
            },
            "event_time": {"type": "integer", "format": "int64"},
            "timestamp": {"type": "integer", "format": "int64"},
            "source": {"$ref": "#/components/schemas/Source"}
          }
        },
        "LiveVolume": {
          "type": "object",
          "required": ["symbol", "current_candle", "recent_trades", "timestamp", "source"],
          "properties": {
            "symbol": {"type": "string"},
            "current_candle": {
              "type": "object",
              "required": ["interval", "total_volume", "buy_volume", "sell_volume", "delta", "buy_percentage", "sell_percentage", "start_time", "is_closed"],
              "properties": {
                "interval": {"type": "string"},
                "total_volume": {"type": "number"}, "buy_volume": {"type": "number"}, "sell_volume": {"type": "number"},
                "delta": {"type": "number"}, "buy_percentage": {"type": "number"}, "sell_percentage": {"type": "number"},
                "start_time": {"type": "integer", "format": "int64"},
                "is_closed": {"type": "boolean"}
              }
            },
            "recent_trades": {
              "type": "array", "maxItems": 10,
              "items": {
                "type": "object",
                "required": ["price", "quantity", "is_buy", "timestamp"],
                "properties": {"price": {"type": "number"}, "quantity": {"type": "number"}, "is_buy": {"type": "boolean"}, "timestamp": {"type": "integer", "format": "int64"}}
              }
            },
            "timestamp": {"type": "integer", "format": "int64"},
            "source": {"$ref": "#/components/schemas/Source"}
          }
        },
        "LiveMarkPrice": {
          "type": "object",
          "required": ["symbol", "mark_price", "index_price", "estimated_price", "funding_rate", "next_funding_time", "event_time", "timestamp", "source"],
          "properties": {
            "symbol": {"type": "string"},
            "mark_price": {"type": "string"}, "index_price": {"type": "string"},
            "estimated_price": {"type": "string"}, "funding_rate": {"type": "string"},
            "next_funding_time": {"type": "integer", "format": "int64"},
            "event_time": {"type": "integer", "format": "int64"},
            "timestamp": {"type": "integer", "format": "int64"},
            "source": {"$ref": "#/components/schemas/Source"}
          }
        },
        "ForceOrder": {
          "type": "object",
          "description": "Binance's `forceOrder` event as the frontend parses it (`o.ap` or `o.p` as price, `o.q`, `o.T` or `E`, `o.S`).",
          "required": ["e", "E", "o"],
          "properties": {
            "e": {"type": "string", "enum": ["forceOrder"]},
            "E": {"type": "integer", "format": "int64"},
            "o": {
              "type": "object",
              "required": ["s", "S", "o", "f", "q", "p", "ap", "X", "l", "z", "T"],
              "properties": {
                "s": {"type": "string"}, "S": {"type": "string", "enum": ["BUY", "SELL"]},
                "o": {"type": "string", "description": "Order type."}, "f": {"type": "string", "description": "Time in force."},
                "q": {"type": "string"}, "p": {"type": "string"}, "ap": {"type": "string"},
                "X": {"type": "string", "description": "Order status."},
                "l": {"type": "string"}, "z": {"type": "string"},
                "T": {"type": "integer", "format": "int64", "description": "Trade time, ms."}
              }
            }
          }
        },
        "LiveLiquidations": {
          "type": "object",
          "required": ["symbol", "liquidations", "count", "limit", "timestamp", "source"],
          "properties": {
            "symbol": {"type": "string"},
            "liquidations": {"type": "array", "items": {"$ref": "#/components/schemas/ForceOrder"}},
            "count": {"type": "integer"},
            "limit": {"type": "integer"},
            "timestamp": {"type": "integer", "format": "int64"},
            "source": {"$ref": "#/components/schemas/Source"}
          }
        }
        """#
}

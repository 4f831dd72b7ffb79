/// Volume profile, footprint, CVD, heatmap and liquidation history (API.md §1.4, §4), with
/// their schemas.
extension OpenAPIDocument {
    static let analyticsPaths = #"""
        "/api/v1/aggregation/volume-profile/{symbol}": {
          "get": {
            "tags": ["analytics"], "operationId": "getVolumeProfile",
            "summary": "Binned volume profile over the last `hours` of 1m candles",
            "description": "Each 1m candle's volume (and its taker-buy part) spread over the rows its range covers; rows are aligned multiples of `tick`. `l` is sorted by volume descending (ties: lower price first). `poc` is the fullest row; `val`..`vah` the contiguous value area holding `vav` % of the volume. No candles: `l` is `[]` and the prices 0.",
            "parameters": [
              {"$ref": "#/components/parameters/Symbol"},
              {"name": "hours", "in": "query", "description": "1..168. Not an integer: 400 `INVALID_HOURS_FORMAT`; out of range: 400 `INVALID_HOURS_RANGE`.", "schema": {"type": "integer", "default": 24, "minimum": 1, "maximum": 168}},
              {"name": "rows", "in": "query", "description": "Target row count when `tick` is not given, 2..1000 (else 400 `INVALID_ROWS_*`).", "schema": {"type": "integer", "default": 100, "minimum": 2, "maximum": 1000}},
              {"name": "tick", "in": "query", "description": "Row height, a positive number (else 400 `INVALID_TICK`); coarsened past 1000 rows. Absent: a round step giving about `rows` rows.", "schema": {"type": "number", "exclusiveMinimum": true, "minimum": 0}},
              {"$ref": "#/components/parameters/Market"}
            ],
            "responses": {
              "200": {"description": "The profile.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/VolumeProfile"}}}},
              "304": {"$ref": "#/components/responses/NotModified"},
              "400": {"$ref": "#/components/responses/BadParameter"},
              "404": {"$ref": "#/components/responses/SymbolNotServed"},
              "429": {"$ref": "#/components/responses/RateLimited"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/api/v1/aggregation/footprint/{symbol}/{interval}": {
          "get": {
            "tags": ["analytics"], "operationId": "getFootprint",
            "summary": "Footprint from real trades",
            "description": "Per candle of the newest `limit` and per price row: taker buy and sell volume and delta, from the stored trades and those in memory (not the original's fabricated 60/40 split). Candles without trades are absent.",
            "parameters": [
              {"$ref": "#/components/parameters/Symbol"},
              {"$ref": "#/components/parameters/Interval"},
              {"name": "limit", "in": "query", "description": "1..1000; anything else silently becomes 100.", "schema": {"type": "integer", "default": 100, "minimum": 1, "maximum": 1000}},
              {"name": "tick", "in": "query", "description": "Row height, a positive number (else 400 `INVALID_TICK`). Absent: a round step.", "schema": {"type": "number", "exclusiveMinimum": true, "minimum": 0}},
              {"name": "rows", "in": "query", "description": "Checked as volume-profile's (2..1000, else 400) but not used.", "schema": {"type": "integer", "minimum": 2, "maximum": 1000}},
              {"$ref": "#/components/parameters/Market"}
            ],
            "responses": {
              "200": {"description": "The footprint.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Footprint"}}}},
              "304": {"$ref": "#/components/responses/NotModified"},
              "400": {
                "description": "A bad parameter, an empty symbol or interval segment (`MISSING_SYMBOL`, `MISSING_INTERVAL`), or `{\"error\":\"footprint needs a fixed interval\"}` for `1M`.",
                "content": {"application/json": {"schema": {"anyOf": [{"$ref": "#/components/schemas/ErrorResponse"}, {"$ref": "#/components/schemas/SimpleError"}]}}}
              },
              "404": {"$ref": "#/components/responses/SymbolNotServed"},
              "429": {"$ref": "#/components/responses/RateLimited"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/api/v1/aggregation/cvd/{symbol}/{interval}": {
          "get": {
            "tags": ["analytics"], "operationId": "getCVD",
            "summary": "Cumulative volume delta per candle (new; the original had none)",
            "description": "Per candle of the newest `limit`: taker buy minus taker sell volume, and its running sum from the first candle.",
            "parameters": [
              {"$ref": "#/components/parameters/Symbol"},
              {"$ref": "#/components/parameters/Interval"},
              {"name": "limit", "in": "query", "description": "1..1500 (else 400 `INVALID_LIMIT_*`).", "schema": {"type": "integer", "default": 500, "minimum": 1, "maximum": 1500}},
              {"$ref": "#/components/parameters/Market"}
            ],
            "responses": {
              "200": {"description": "The series.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CVD"}}}},
              "304": {"$ref": "#/components/responses/NotModified"},
              "400": {"$ref": "#/components/responses/BadParameter"},
              "404": {"$ref": "#/components/responses/SymbolNotServed"},
              "429": {"$ref": "#/components/responses/RateLimited"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/api/v1/aggregation/heatmap/{symbol}": {
          "get": {
            "tags": ["analytics"], "operationId": "getHeatmap",
            "summary": "Resting order-book liquidity per price row and minute (used by the frontend)",
            "description": "From the stored order-book snapshots over the last `hours` plus the current book: per minute and price row, bid plus ask quantity averaged over the minute's snapshots; `i` is `v / max`. Empty cells are left out. Kept a minute per (symbol, market, hours, resolution).",
            "parameters": [
              {"$ref": "#/components/parameters/Symbol"},
              {"name": "hours", "in": "query", "description": "1..48; anything else silently becomes 6.", "schema": {"type": "integer", "default": 6, "minimum": 1, "maximum": 48}},
              {"name": "resolution", "in": "query", "description": "Target price rows, 10..500; anything else silently becomes 100.", "schema": {"type": "integer", "default": 100, "minimum": 10, "maximum": 500}},
              {"$ref": "#/components/parameters/Market"}
            ],
            "responses": {
              "200": {"description": "The heatmap.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Heatmap"}}}},
              "304": {"$ref": "#/components/responses/NotModified"},
              "400": {"$ref": "#/components/responses/BadParameter"},
              "404": {"$ref": "#/components/responses/SymbolNotServed"},
              "429": {"$ref": "#/components/responses/RateLimited"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        },
        "/api/v1/aggregation/liquidations/{symbol}": {
          "get": {
            "tags": ["analytics"], "operationId": "getLiquidationHistory",
            "summary": "Real liquidations over the last `hours` (the original always answered `[]`)",
            "description": "Binance's `forceOrder` events for the symbol, oldest first, from memory and PostgreSQL. Binance's liquidation stream sends at most one event per symbol a second (the latest liquidation in that second), so this is a sample, not every liquidation. Never 404: a symbol this server does not stream answers an empty list.",
            "parameters": [
              {"$ref": "#/components/parameters/Symbol"},
              {"name": "hours", "in": "query", "description": "Clamped to 1..168 (the frontend's 48 is honoured; the original cut it to 1); not an integer: 1.", "schema": {"type": "integer", "default": 1, "minimum": 1, "maximum": 168}}
            ],
            "responses": {
              "200": {"description": "The events.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LiquidationReport"}}}},
              "304": {"$ref": "#/components/responses/NotModified"},
              "400": {"description": "An empty symbol segment: `MISSING_SYMBOL`.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"},
              "503": {"$ref": "#/components/responses/Unavailable"}
            }
          }
        }
        """#

    static let analyticsSchemas = #"""
        "VolumeProfile": {
          "type": "object",
          "required": ["s", "st", "et", "l", "poc", "vah", "val", "vav", "tick"],
          "properties": {
            "s": {"type": "string"},
            "st": {"type": "integer", "format": "int64", "description": "Window start, ms."},
            "et": {"type": "integer", "format": "int64", "description": "Window end (now), ms."},
            "l": {"type": "array", "items": {"$ref": "#/components/schemas/VolumeLevel"}},
            "poc": {"type": "number", "description": "Point of control: the fullest row's price."},
            "vah": {"type": "number", "description": "Highest row of the value area."},
            "val": {"type": "number", "description": "Lowest row of the value area."},
            "vav": {"type": "number", "description": "The value area's share, % (70)."},
            "tick": {"type": "number", "description": "Row height used (0 without rows)."}
          }
        },
        "VolumeLevel": {
          "type": "object",
          "required": ["p", "v", "pct", "bv", "sv"],
          "properties": {
            "p": {"type": "number", "description": "Row's lower bound."},
            "v": {"type": "number"},
            "pct": {"type": "number", "description": "`v / total * 100`."},
            "bv": {"type": "number", "description": "Taker-buy part."},
            "sv": {"type": "number", "description": "Taker-sell part."}
          }
        },
        "Footprint": {
          "type": "object",
          "required": ["symbol", "interval", "data", "count"],
          "properties": {
            "symbol": {"type": "string"},
            "interval": {"type": "string"},
            "data": {"type": "array", "items": {"$ref": "#/components/schemas/FootprintCandle"}},
            "count": {"type": "integer", "description": "Candles in `data`."}
          }
        },
        "FootprintCandle": {
          "type": "object",
          "required": ["t", "l", "tbv", "tsv", "td", "poc"],
          "properties": {
            "t": {"type": "integer", "format": "int64", "description": "Candle open time, ms."},
            "l": {"type": "array", "description": "Rows with volume, highest price first.", "items": {"$ref": "#/components/schemas/FootprintLevel"}},
            "tbv": {"type": "number", "description": "Taker-buy volume."},
            "tsv": {"type": "number", "description": "Taker-sell volume."},
            "td": {"type": "number", "description": "`tbv - tsv`."},
            "poc": {"type": "number", "description": "The fullest row's price."}
          }
        },
        "FootprintLevel": {
          "type": "object",
          "required": ["p", "bv", "sv", "d"],
          "properties": {"p": {"type": "number"}, "bv": {"type": "number"}, "sv": {"type": "number"}, "d": {"type": "number"}}
        },
        "CVD": {
          "type": "object",
          "required": ["symbol", "interval", "d", "n"],
          "properties": {
            "symbol": {"type": "string"},
            "interval": {"type": "string"},
            "d": {
              "type": "array",
              "items": {
                "type": "object",
                "required": ["t", "delta", "cvd"],
                "properties": {
                  "t": {"type": "integer", "format": "int64"},
                  "delta": {"type": "number", "description": "Taker buy minus taker sell volume."},
                  "cvd": {"type": "number", "description": "Running sum of `delta`."}
                }
              }
            },
            "n": {"type": "integer"}
          }
        },
        "Heatmap": {
          "type": "object",
          "required": ["s", "st", "et", "l", "max", "step", "dt"],
          "properties": {
            "s": {"type": "string"},
            "st": {"type": "integer", "format": "int64"},
            "et": {"type": "integer", "format": "int64"},
            "l": {
              "type": "array", "description": "Oldest minute first, then price ascending.",
              "items": {
                "type": "object",
                "required": ["p", "t", "v", "i"],
                "properties": {
                  "p": {"type": "number", "description": "Row's lower bound."},
                  "t": {"type": "integer", "format": "int64", "description": "Minute start, ms."},
                  "v": {"type": "number", "description": "Resting quantity."},
                  "i": {"type": "number", "description": "`v / max`, 0..1."}
                }
              }
            },
            "max": {"type": "number"},
            "step": {"type": "number", "description": "Row height."},
            "dt": {"type": "integer", "description": "Bucket width, ms."}
          }
        },
        "LiquidationEvent": {
          "type": "object",
          "required": ["t", "p", "v", "side", "type", "conf"],
          "properties": {
            "t": {"type": "integer", "format": "int64", "description": "Trade time, ms."},
            "p": {"type": "number", "description": "Average fill price (the order price when none)."},
            "v": {"type": "number", "description": "Filled quantity (the order quantity when none)."},
            "side": {"type": "string", "enum": ["BUY", "SELL"], "description": "The forced order's side."},
            "type": {"type": "string", "enum": ["long", "short"], "description": "The position closed: a SELL closes a long."},
            "conf": {"type": "number", "description": "1: a real event."}
          }
        },
        "LiquidationReport": {
          "type": "object",
          "required": ["symbol", "timeRange", "liquidations", "count"],
          "properties": {
            "symbol": {"type": "string"},
            "timeRange": {"type": "integer", "description": "The hours used."},
            "liquidations": {"type": "array", "items": {"$ref": "#/components/schemas/LiquidationEvent"}},
            "count": {"type": "integer"}
          }
        }
        """#
}

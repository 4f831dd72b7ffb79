/// The document's shared parameters and responses, and the error shapes every group uses.
extension OpenAPIDocument {
    static let parameters = #"""
        {
          "Symbol": {
            "name": "symbol", "in": "path", "required": true,
            "description": "A served symbol, any case (upper-cased). Another symbol: 404 `SYMBOL_NOT_FOUND`.",
            "schema": {"type": "string", "example": "BTCUSDT"}
          },
          "Interval": {
            "name": "interval", "in": "path", "required": true,
            "description": "A Binance interval: served, or built from a served interval that divides it. Else 400 `INVALID_INTERVAL`.",
            "schema": {"$ref": "#/components/schemas/IntervalName"}
          },
          "IntervalQuery": {
            "name": "interval", "in": "query", "required": false,
            "description": "As the path's `interval`; default `1h` (the legacy candle service's).",
            "schema": {"$ref": "#/components/schemas/IntervalName"}
          },
          "Market": {
            "name": "market", "in": "query", "required": false,
            "description": "Which market's data: futures (also `usdm`, `perp`) or spot. Absent: futures, or spot when only spot has data. Another value: 400 `INVALID_MARKET`.",
            "schema": {"type": "string", "enum": ["futures", "spot"]}
          }
        }
        """#

    static let responses = #"""
        {
          "NotFound": {
            "description": "No such path (also a path with an empty segment or a trailing slash).",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}}
          },
          "MethodNotAllowed": {
            "description": "The path exists, not for this method; `Allow` lists the methods it takes.",
            "headers": {"Allow": {"schema": {"type": "string"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}}
          },
          "NotModified": {
            "description": "`If-None-Match` named the answer's current `ETag`: no body."
          },
          "RateLimited": {
            "description": "The client's address spent its request allowance: `{\"error\":\"Rate limit exceeded\",\"message\":...}`.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActionError"}}}
          },
          "BadParameter": {
            "description": "A parameter out of range or malformed: `INVALID_INTERVAL`, `INVALID_MARKET`, `INVALID_LIMIT_FORMAT`, `INVALID_LIMIT_RANGE`, `INVALID_HOURS_*`, `INVALID_ROWS_*`, `INVALID_TICK`; `details` names the parameter, its value and the bounds. On the aggregation routes, an empty path segment for the symbol or interval (`/aggregation/candles//1m`) is `MISSING_SYMBOL` / `MISSING_INTERVAL` (`error` `Missing required parameter`).",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
          },
          "SymbolNotServed": {
            "description": "The symbol is not served: code `SYMBOL_NOT_FOUND`, the message lists the served symbols.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
          },
          "Unavailable": {
            "description": "Too many requests wait for the database (`Retry-After: 1`); or, on the symbol and range routes, no database (no `DATABASE_URL`) or the database is away.",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SimpleError"}}}
          }
        }
        """#

    static let commonSchemas = #"""
        "SimpleError": {
          "type": "object", "description": "The original's plain error.",
          "required": ["error"],
          "properties": {"error": {"type": "string"}}
        },
        "Message": {
          "type": "object", "description": "The framework's shape (404, 405) and plain confirmations.",
          "required": ["message"],
          "properties": {"message": {"type": "string"}}
        },
        "ActionError": {
          "type": "object", "description": "An error word and a sentence: 409/501 of the collection routes, 429.",
          "required": ["error", "message"],
          "properties": {"error": {"type": "string"}, "message": {"type": "string"}}
        },
        "ErrorResponse": {
          "type": "object", "description": "The aggregation group's error.",
          "required": ["error", "message", "code"],
          "properties": {
            "error": {"type": "string", "example": "Invalid parameter value"},
            "message": {"type": "string", "example": "Limit must be between 1 and 5000, got: 9999"},
            "code": {"type": "string", "example": "INVALID_LIMIT_RANGE"},
            "details": {
              "type": "object", "description": "`parameter`, `value`, and `min`/`max` for a range; `symbol` for `SYMBOL_NOT_FOUND`.",
              "additionalProperties": {"type": "string"}
            }
          }
        },
        "IntervalName": {
          "type": "string",
          "enum": ["1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"]
        },
        "MarketName": {"type": "string", "enum": ["futures", "spot"]},
        "Source": {"type": "string", "enum": ["websocket_cache"]}
        """#
}

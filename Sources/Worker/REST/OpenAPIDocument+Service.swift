/// The routes the event loop answers itself (health, status, metrics, the WebSocket
/// endpoints) and this document's own route, with their schemas.
extension OpenAPIDocument {
    static let servicePaths = #"""
        "/api/v1/health": {
          "get": {
            "tags": ["service"], "operationId": "getHealth",
            "summary": "The server's real state, from shared memory",
            "description": "`status` is `unhealthy` (503) when the supervisor is gone or a configured database is down, `degraded` (200) when the market feed is not live, else `healthy`. `database` keeps the original's meaning.",
            "responses": {
              "200": {"description": "Healthy or degraded.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"},
              "503": {"description": "Unhealthy.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}
            }
          }
        },
        "/api/v1/system/status": {
          "get": {
            "tags": ["service"], "operationId": "getSystemStatus",
            "summary": "What `tterminal status --json` prints: supervisor, feed, ring, database and every child process",
            "responses": {
              "200": {"description": "The status.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SystemStatus"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        },
        "/metrics": {
          "get": {
            "tags": ["service"], "operationId": "getMetrics",
            "summary": "Prometheus text exposition (format 0.0.4) of the whole server's figures",
            "description": "Supervisor, processes, ring, every worker's counters and the feed's; rendered at most every 100 ms.",
            "responses": {
              "200": {"description": "Metric families (`tterminal_*`).", "content": {"text/plain; version=0.0.4": {"schema": {"type": "string"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        },
        "/api/v1/openapi.json": {
          "get": {
            "tags": ["service"], "operationId": "getOpenAPI",
            "summary": "This document",
            "responses": {
              "200": {"description": "OpenAPI 3.0.3.", "content": {"application/json": {"schema": {"type": "object", "required": ["openapi", "info", "paths"]}}}},
              "304": {"$ref": "#/components/responses/NotModified"},
              "429": {"$ref": "#/components/responses/RateLimited"}
            }
          }
        },
        "/api/v1/websocket/connect": {
          "get": {
            "tags": ["service"], "operationId": "connectWebSocket",
            "summary": "The terminal's WebSocket (API.md §2): subscribe to prices, books, trades, klines, mark prices and liquidations",
            "description": "Upgrade with `Connection: Upgrade`, `Upgrade: websocket`, `Sec-WebSocket-Version: 13` and a key. Messages are JSON text frames; see API.md §2 for the protocol.",
            "responses": {
              "101": {"description": "Switched to the WebSocket protocol; the server sends `connected` first."},
              "400": {"description": "A malformed upgrade (the reason as plain text).", "content": {"text/plain": {"schema": {"type": "string"}}}},
              "426": {"description": "A plain GET, or another WebSocket version: `{\"message\":\"Upgrade Required\"}` with `Upgrade: websocket`, or an empty body.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"},
              "503": {"description": "The worker is stopping.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}}}
            }
          }
        },
        "/api/v1/websocket/echo": {
          "get": {
            "tags": ["service"], "operationId": "echoWebSocket",
            "summary": "Diagnostics: a WebSocket that echoes every message (the Autobahn suite's target)",
            "responses": {
              "101": {"description": "Switched to the WebSocket protocol."},
              "400": {"description": "A malformed upgrade (the reason as plain text).", "content": {"text/plain": {"schema": {"type": "string"}}}},
              "426": {"description": "A plain GET, or another WebSocket version.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}}},
              "429": {"$ref": "#/components/responses/RateLimited"},
              "503": {"description": "The worker is stopping.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}}}
            }
          }
        }
        """#

    static let serviceSchemas = #"""
        "Health": {
          "type": "object",
          "required": ["status", "database", "storage", "cache", "supervisor", "feed", "ring", "worker", "timestamp"],
          "properties": {
            "status": {"type": "string", "enum": ["healthy", "degraded", "unhealthy"]},
            "database": {"type": "string", "enum": ["not_configured", "healthy", "unhealthy", "unknown"]},
            "storage": {"type": "string", "description": "`postgresql`, or shared memory only."},
            "cache": {"type": "string", "enum": ["up", "down", "disabled"]},
            "supervisor": {
              "type": "object",
              "required": ["pid", "alive", "uptime_s", "workers"],
              "properties": {"pid": {"type": "integer"}, "alive": {"type": "boolean"}, "uptime_s": {"type": "number"}, "workers": {"type": "integer"}}
            },
            "feed": {
              "type": "object",
              "required": ["state", "epoch", "records", "last_record_age_ms", "source", "gaps", "live_connections", "silent_connections"],
              "properties": {
                "state": {"type": "string", "enum": ["down", "connecting", "live", "stalled"]},
                "epoch": {"type": "integer"},
                "records": {"type": "integer"},
                "last_record_age_ms": {"type": "integer", "nullable": true},
                "source": {"type": "string"},
                "gaps": {"$ref": "#/components/schemas/GapCounts"},
                "live_connections": {"type": "integer"},
                "silent_connections": {"type": "integer"}
              }
            },
            "ring": {
              "type": "object",
              "required": ["sequence", "worker_sequence", "lag", "laps"],
              "properties": {"sequence": {"type": "integer"}, "worker_sequence": {"type": "integer"}, "lag": {"type": "integer"}, "laps": {"type": "integer"}}
            },
            "worker": {
              "type": "object",
              "required": ["slot", "pid"],
              "properties": {"slot": {"type": "integer"}, "pid": {"type": "integer"}}
            },
            "timestamp": {"type": "integer", "format": "int64"}
          }
        },
        "GapCounts": {
          "type": "object",
          "required": ["found", "filled", "lost"],
          "properties": {"found": {"type": "integer"}, "filled": {"type": "integer"}, "lost": {"type": "integer"}}
        },
        "SystemStatus": {
          "type": "object",
          "required": ["supervisor", "feed", "ring", "database", "children"],
          "properties": {
            "supervisor": {
              "type": "object",
              "required": ["pid", "alive", "uptime_s", "workers_wanted", "generation"],
              "properties": {"pid": {"type": "integer"}, "alive": {"type": "boolean"}, "uptime_s": {"type": "number"}, "workers_wanted": {"type": "integer"}, "generation": {"type": "integer"}}
            },
            "feed": {
              "type": "object",
              "required": ["state", "epoch", "records", "last_record_age_ms", "source", "counters", "gaps", "connections", "symbols"],
              "properties": {
                "state": {"type": "string", "enum": ["down", "connecting", "live", "stalled"]},
                "epoch": {"type": "integer"},
                "records": {"type": "integer"},
                "last_record_age_ms": {"type": "integer", "nullable": true},
                "replay_loops": {"type": "integer"},
                "source": {"type": "string"},
                "counters": {"type": "object", "additionalProperties": {"type": "integer"}},
                "gaps": {"$ref": "#/components/schemas/GapCounts"},
                "connections": {"type": "array", "items": {"type": "object", "required": ["id", "route", "state"], "properties": {"id": {"type": "integer"}, "route": {"type": "string"}, "state": {"type": "string"}}}},
                "symbols": {"type": "array", "items": {"type": "object", "required": ["symbol", "market", "trades"], "properties": {"symbol": {"type": "string"}, "market": {"$ref": "#/components/schemas/MarketName"}, "trades": {"type": "integer"}}}}
              }
            },
            "ring": {
              "type": "object",
              "required": ["sequence", "capacity_bytes", "records_written"],
              "properties": {"sequence": {"type": "integer"}, "capacity_bytes": {"type": "integer"}, "records_written": {"type": "integer"}}
            },
            "database": {"type": "string", "enum": ["not_configured", "healthy", "unhealthy", "unknown"]},
            "children": {
              "type": "array",
              "items": {
                "type": "object",
                "required": ["slot", "kind", "state", "pid", "uptime_s", "restarts", "generation", "heartbeat", "ring_sequence", "lag", "laps", "connections", "requests"],
                "properties": {
                  "slot": {"type": "integer"}, "kind": {"type": "string"}, "state": {"type": "string"}, "pid": {"type": "integer"},
                  "uptime_s": {"type": "number"}, "restarts": {"type": "integer"}, "generation": {"type": "integer"},
                  "heartbeat": {"type": "integer"}, "ring_sequence": {"type": "integer"}, "lag": {"type": "integer"}, "laps": {"type": "integer"},
                  "connections": {"type": "integer"}, "requests": {"type": "integer"},
                  "bad_requests": {"type": "integer", "description": "Workers only."},
                  "counters": {"type": "object", "description": "Workers only.", "additionalProperties": {"type": "integer"}}
                }
              }
            }
          }
        }
        """#
}

/// The worker's routes: a path names a handler and the methods it answers; HEAD is answered
/// wherever GET is.
struct Router: Sendable {
    /// The handlers the event loop knows how to run.
    enum Route: Sendable, Equatable {
        case health
        case systemStatus
        /// Prometheus text exposition of the whole server's figures.
        case metrics
        /// WebSocket echo of every message (diagnostics, the Autobahn suite's target).
        case webSocketEcho
        /// The terminal's WebSocket protocol (API.md §2).
        case webSocketConnect
        /// Any other path under `/api/v1/`: the REST API, answered by `WorkerHooks.api`.
        case api

        /// Health, status and metrics: read from shared memory, answered even over a limit.
        var isMonitoring: Bool { self == .health || self == .systemStatus || self == .metrics }

        /// The WebSocket protocol this route speaks, if any.
        var webSocketKind: WebSocketRouteKind? {
            switch self {
            case .webSocketEcho: .echo
            case .webSocketConnect: .terminal
            case .health, .systemStatus, .metrics, .api: nil
            }
        }
    }

    /// What a method and path resolve to.
    enum Match: Equatable {
        case route(Route)
        case notFound
        /// The path exists; `allowHeader` is its rendered `Allow: ...\r\n` line.
        case methodNotAllowed(allowHeader: [UInt8])
    }

    /// One path and what it accepts.
    struct Entry: Sendable {
        let path: String
        let methods: [HTTPMethod]
        let route: Route
        let allowHeader: [UInt8]

        init(path: String, methods: [HTTPMethod], route: Route) {
            self.path = path
            self.methods = methods.contains(.get) && !methods.contains(.head) ? methods + [.head] : methods
            self.route = route
            allowHeader = Array("Allow: \(self.methods.map(\.description).joined(separator: ", "))\r\n".utf8)
        }
    }

    let entries: [Entry]
    static let apiPrefix = "/api/v1/"

    static let standard = Router(entries: [
        Entry(path: "/api/v1/health", methods: [.get], route: .health),
        Entry(path: "/api/v1/system/status", methods: [.get], route: .systemStatus),
        Entry(path: "/metrics", methods: [.get], route: .metrics),
        Entry(path: "/api/v1/websocket/echo", methods: [.get], route: .webSocketEcho),
        Entry(path: "/api/v1/websocket/connect", methods: [.get], route: .webSocketConnect),
    ])

    func match(method: HTTPMethod, path: String) -> Match {
        for entry in entries where entry.path == path {
            return entry.methods.contains(method) ? .route(entry.route) : .methodNotAllowed(allowHeader: entry.allowHeader)
        }
        return path.hasPrefix(Self.apiPrefix) ? .route(.api) : .notFound
    }
}

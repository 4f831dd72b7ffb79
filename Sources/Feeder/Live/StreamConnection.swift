import Glibc
import Market
import Net
import Posix
import Runtime
import TLS

/// One Binance WebSocket connection on its own thread: connect, subscribe, then receive,
/// parse (outside any lock) and hand each event to the publisher. It watches its own health
/// (`LivenessWatch`): no data of a stream it subscribed to for the stall time is a stall (or,
/// before any data, a silent connection, the failure mode of unrouted futures URLs); pings,
/// replies, junk and other streams' frames do not count. A `serverShutdown` event is reported
/// at once.
/// The main loop decides what to do about it; the thread only stops when told to or when the
/// connection fails.
final class StreamConnection: @unchecked Sendable {
    let id: Int
    let plan: ConnectionPlan
    let base: Endpoint
    let tls: TLSContext?
    let startAtNs: Int64
    let stallNs: Int64
    let routed: Bool
    let inbox: FeedInbox
    let publisher: Publisher
    let pauses: ConnectPauses
    let log: Logger

    private let lock = Mutex()
    private var client: WebSocketClient?
    private var stopRequested = false
    /// Streams to subscribe on the live connection (symbols added at run time), and whether
    /// the thread ended (later orders are refused: the plan's next connection has them).
    private var orders: [SubscribeOrder] = []
    private var ended = false
    /// SUBSCRIBE messages share Binance's control-message rate with pongs: one token is kept back.
    private var bucket: TokenBucket
    private var requestID = 1
    /// Whether a quiet spell means trouble: false while the connection carries only
    /// liquidation streams, which are quiet for minutes in a calm market (the connection thread's).
    private var watchesSilence: Bool
    /// Hashes (`CombinedStream`) of the streams subscribed here: only their frames keep the
    /// connection live (the connection thread's).
    private var subscribed: Set<UInt64>

    /// Connect and handshake must finish within this.
    static let connectTimeoutNs: Int64 = 10_000_000_000

    init(id: Int, plan: ConnectionPlan, base: Endpoint, tls: TLSContext?, startAtNs: Int64, stallNs: Int64, routed: Bool,
         inbox: FeedInbox, publisher: Publisher, pauses: ConnectPauses, log: Logger) {
        self.id = id
        self.plan = plan
        self.base = base
        self.tls = tls
        self.startAtNs = startAtNs
        self.stallNs = stallNs
        self.routed = routed
        self.inbox = inbox
        self.publisher = publisher
        self.pauses = pauses
        self.log = log
        let rate = plan.route.market.controlMessagesPerSecond - 1
        bucket = TokenBucket(capacity: rate, perSecond: Double(rate), nowNs: Clock.monotonicNanos())
        watchesSilence = plan.streams.contains(where: Self.isSteady)
        subscribed = Set(plan.streams.map(CombinedStream.hash))
    }

    /// Whether `stream` delivers steadily: everything but liquidations (`@forceOrder`,
    /// `!forceOrder@arr`), which come only when someone is liquidated.
    static func isSteady(_ stream: String) -> Bool {
        !stream.hasSuffix("@forceOrder") && stream != "!forceOrder@arr"
    }

    func start() {
        let connection = self
        DetachedThread.start { connection.run() }
    }

    /// Asks the thread to close the connection and end; safe from any thread.
    func stop() {
        lock.withLock {
            stopRequested = true
            client?.interrupt()
        }
    }

    private var stopping: Bool { lock.withLock { stopRequested } }

    /// Queues `order` for the connection thread, which sends it within ~100 ms of connecting or
    /// of now; false when the thread has ended.
    func subscribe(_ order: SubscribeOrder) -> Bool {
        lock.withLock {
            if ended { return false }
            orders.append(order)
            return true
        }
    }

    private func run() {
        defer {
            let left = lock.withLock {
                ended = true
                defer { orders = [] }
                return orders
            }
            for order in left { order.addition.subscribed() }
            inbox.post(.closed(id: id))
        }
        guard waitForAttempt() else { return }
        let endpoint = base.appending(path: plan.path(initialStreams: FeedPlan.streamsInURL, routed: routed))
        let ws: WebSocketClient
        do {
            ws = try WebSocketClient.connect(endpoint, tls: tls, deadline: Clock.monotonicNanos() + Self.connectTimeoutNs)
        } catch {
            if stopping { return }
            // Paused here, before the main loop hears of it: no thread of the market connects meanwhile.
            let pause = error.rateLimit.map { answer in
                pauses.pause(plan.route.market, status: answer.status, seconds: answer.retryAfterSeconds,
                             nowNs: Clock.monotonicNanos())
            }
            inbox.post(.handshakeFailed(id: id, reason: "connecting to \(base): \(error)", pause: pause))
            return
        }
        let abandoned: Bool = lock.withLock {
            client = ws
            return stopRequested
        }
        defer {
            lock.withLock { client = nil }
            ws.close(code: 1000, reason: "")
        }
        if abandoned { return }
        inbox.post(.connected(id: id, endpoint: base.description))
        do {
            try subscribeRemaining(ws)
            try receiveLoop(ws)
        } catch {
            if !stopping { inbox.post(.failed(id: id, reason: "\(base) \(plan.route): \(error)")) }
        }
    }

    /// Waits until the attempt is due and its market is not paused (a 429 or 418 answer to any
    /// of its connections); false when told to stop meanwhile.
    private func waitForAttempt() -> Bool {
        let market = plan.route.market
        while true {
            if stopping { return false }
            let left = max(startAtNs, pauses.until(market)) - Clock.monotonicNanos()
            if left <= 0 { return true }
            usleep(UInt32(min(50_000, max(1_000, left / 1_000))))
        }
    }

    /// Streams beyond the URL's share go in SUBSCRIBE messages.
    private func subscribeRemaining(_ ws: WebSocketClient) throws(NetError) {
        try send(plan.streams.dropFirst(FeedPlan.streamsInURL), on: ws)
    }

    /// Sends the queued orders' streams, then tells each order's addition.
    private func sendOrders(_ ws: WebSocketClient) throws(NetError) {
        let taken: [SubscribeOrder] = lock.withLock {
            defer { orders = [] }
            return orders
        }
        for (k, order) in taken.enumerated() {
            for stream in order.streams { subscribed.insert(CombinedStream.hash(stream)) }
            do throws(NetError) {
                try send(order.streams[...], on: ws)
            } catch {
                for later in taken[k...] { later.addition.subscribed() }
                throw error
            }
            if order.streams.contains(where: Self.isSteady) { watchesSilence = true }
            if !order.streams.isEmpty {
                log.info("subscribed streams on a running connection", ["connection": "\(id)", "symbol": order.addition.name,
                                                                        "streams": "\(order.streams.count)"])
            }
            order.addition.subscribed()
        }
    }

    /// SUBSCRIBE messages of up to 200 streams, within Binance's control-message rate.
    private func send(_ streams: ArraySlice<String>, on ws: WebSocketClient) throws(NetError) {
        var rest = streams
        while !rest.isEmpty {
            let wait = bucket.waitNs(nowNs: Clock.monotonicNanos())
            if wait > 0 { usleep(UInt32(wait / 1_000 + 1)) }
            guard bucket.take(nowNs: Clock.monotonicNanos()) else { continue }
            let batch = rest.prefix(200)
            rest = rest.dropFirst(batch.count)
            let message = subscribeMessage(streams: batch, id: requestID)
            requestID += 1
            try ws.sendText(message, deadline: Clock.monotonicNanos() + Self.connectTimeoutNs)
        }
    }

    private func receiveLoop(_ ws: WebSocketClient) throws(NetError) {
        var (table, version) = publisher.symbols.snapshot
        var parser = BinanceParser(symbols: table)
        var watch = LivenessWatch(stallNs: stallNs, nowNs: Clock.monotonicNanos())
        var reportedShutdown = false
        let route = plan.route
        if let report = watch.check(nowNs: Clock.monotonicNanos(), watchesSilence: watchesSilence) { tell(report) }
        while !stopping {
            if publisher.symbols.version != version {
                // A symbol was added: its frames (and `!forceOrder@arr`'s) must parse before its SUBSCRIBE goes.
                (table, version) = publisher.symbols.snapshot
                parser = BinanceParser(symbols: table)
            }
            try sendOrders(ws)
            var verdict = Publisher.Verdict.ignored
            var accepted = false
            // Back at least every 100 ms for orders; only `stallNs` without accepted data is a stall.
            _ = try ws.receive(deadline: min(watch.deadlineNs, Clock.monotonicNanos() + 100_000_000)) { event, payload in
                switch event {
                case .text:
                    let receivedNs = Clock.realtimeNanos()
                    let parsed = parser.parse(payload)
                    verdict = publisher.publish(parsed, bids: parser.bids, asks: parser.asks, route: route,
                                                receivedNs: receivedNs, payload: payload)
                    // Wrapped frames must name a stream this connection subscribed to (raw ones cannot say).
                    accepted = verdict == .data && (CombinedStream.nameHash(of: payload).map(subscribed.contains) ?? true)
                case .binary:
                    verdict = .malformed
                    publisher.countMalformed(route: route)
                case .ping, .pong, .close:
                    break
                }
            }
            let now = Clock.monotonicNanos()
            if accepted, let report = watch.accepted(nowNs: now) { tell(report) }
            if verdict == .serverShutdown && !reportedShutdown {
                reportedShutdown = true
                log.info("serverShutdown announced", ["connection": "\(id)", "route": "\(route)", "endpoint": base.description])
                inbox.post(.serverShutdown(id: id))
            }
            if let report = watch.check(nowNs: now, watchesSilence: watchesSilence) {
                tell(report)
                if report == .silent { return }
            }
        }
    }

    private func tell(_ report: LivenessWatch.Report) {
        switch report {
        case .firstData: inbox.post(.firstData(id: id))
        case .stalled: inbox.post(.stalled(id: id))
        case .silent: inbox.post(.silent(id: id))
        }
    }
}

import ShmRing

/// The feeder's connection policy as a pure state machine (times in monotonic ns, no I/O):
/// which connection to open where and when, when to replace one before it breaks, and when an
/// old one may close. The shell (`LiveFeed`) runs the threads and reports events here.
///
/// - Every plan (route + streams) has one *current* connection and at most one *replacement*.
/// - Planned replacement (age, `serverShutdown`, stall): the replacement opens first; the old
///   connection closes only when the replacement delivers data (make-before-break).
/// - Unplanned loss: the next endpoint in the list after jittered exponential backoff; when
///   the new connection delivers data the plan is marked for backfill (REST gap fill, books
///   resynchronised).
/// - Connection attempts share one bucket: Binance allows 300 per 5 minutes per IP.
/// - An upgrade answered 429 or 418 pauses every connection attempt of its market (new plans,
///   replacements, failovers) until its `Retry-After` has passed; Binance bans an address that
///   goes on after a 429. The other market is unaffected.
struct FeedManagerCore {
    enum Reason: String, Sendable {
        case start, added, age, serverShutdown = "server_shutdown", stalled, silent, failed, replacementTimeout = "replacement_timeout"
    }

    enum Action: Equatable {
        /// Open connection `id` for plan `plan` on endpoint `endpoint`, not before `atNs`.
        case open(id: Int, plan: Int, endpoint: Int, atNs: Int64, reason: Reason)
        case close(id: Int, reason: Reason)
        /// The plan's stream went through an unplanned gap: fill it from REST.
        case backfill(plan: Int)
    }

    struct Connection {
        let id: Int
        let plan: Int
        let endpoint: Int
        /// When its attempt is due; moved to the end of a pause that began before it.
        var openedNs: Int64
        let reason: Reason
        var live = false
        var replacing: Int? = nil
    }

    struct PlanState {
        var current: Int? = nil
        var replacement: Int? = nil
        var endpoint = 0
        var backoff: Backoff
        var needsBackfill = false
    }

    private(set) var endpointCounts: [Int]  // per plan: how many endpoints its market has
    private(set) var markets: [MarketKind]  // per plan
    /// Per market: no connection attempt before this (monotonic ns; a 429 or 418 answer).
    private(set) var pausedUntilNs: [MarketKind: Int64] = [:]
    let maxAgeNs: Int64
    let replacementTimeoutNs: Int64
    private(set) var plans: [PlanState]
    private(set) var connections: [Int: Connection] = [:]
    private var nextID = 1
    private var attempts: TokenBucket
    private(set) var counters = Counters()

    struct Counters: Equatable {
        var opened = 0, plannedSwitches = 0, unplannedDrops = 0, failovers = 0, stalls = 0, silent = 0
        var serverShutdowns = 0, attemptsDelayed = 0
        var handshakeFailures = 0, rateLimited = 0, banned = 0
    }

    init(endpointCounts: [Int], markets: [MarketKind], maxAgeNs: Int64, replacementTimeoutNs: Int64 = 15_000_000_000,
         seed: UInt64, nowNs: Int64) {
        precondition(markets.count == endpointCounts.count, "one market per plan")
        self.endpointCounts = endpointCounts
        self.markets = markets
        self.maxAgeNs = maxAgeNs
        self.replacementTimeoutNs = replacementTimeoutNs
        plans = endpointCounts.indices.map { i in PlanState(backoff: Backoff(seed: seed &+ UInt64(i) &* 0x9E37_79B9)) }
        attempts = TokenBucket(capacity: 300, perSecond: 300.0 / 300.0, nowNs: nowNs)
    }

    /// Opens every plan's first connection.
    mutating func start(nowNs: Int64) -> [Action] {
        plans.indices.map { openConnection(plan: $0, atNs: nowNs, nowNs: nowNs, reason: .start, asReplacement: false) }
    }

    /// A plan added at run time (a new symbol's streams that fit no running connection):
    /// its first connection opens now, within the shared attempt budget.
    mutating func addPlan(endpointCount: Int, market: MarketKind, nowNs: Int64) -> Action {
        endpointCounts.append(endpointCount)
        markets.append(market)
        plans.append(PlanState(backoff: Backoff(seed: UInt64(bitPattern: nowNs) &+ UInt64(plans.count) &* 0x9E37_79B9)))
        return openConnection(plan: plans.count - 1, atNs: nowNs, nowNs: nowNs, reason: .added, asReplacement: false)
    }

    /// A connection delivered its first data frame.
    mutating func firstData(id: Int, nowNs: Int64) -> [Action] {
        guard var c = connections[id], !c.live else { return [] }
        c.live = true
        connections[id] = c
        var p = plans[c.plan]
        p.backoff.reset()
        var actions: [Action] = []
        if p.replacement == id {
            p.replacement = nil
            if let old = p.current, old != id {
                actions.append(.close(id: old, reason: c.reason))
                connections[old] = nil
                counters.plannedSwitches += 1
            }
        }
        p.current = id
        if p.needsBackfill {
            p.needsBackfill = false
            actions.append(.backfill(plan: c.plan))
        }
        plans[c.plan] = p
        return actions
    }

    /// The server announced a shutdown, the connection stalled, or it reached its age.
    mutating func replace(id: Int, reason: Reason, nowNs: Int64) -> [Action] {
        guard let c = connections[id], plans[c.plan].current == id, plans[c.plan].replacement == nil else { return [] }
        switch reason {
        case .serverShutdown: counters.serverShutdowns += 1
        case .stalled: counters.stalls += 1
        default: break
        }
        if reason == .stalled { rotateEndpoint(c.plan) }
        return [openConnection(plan: c.plan, atNs: nowNs, nowNs: nowNs, reason: reason, asReplacement: true)]
    }

    /// A connection failed (error, close, refused) or connected but carried nothing (`silent`).
    mutating func failed(id: Int, silent: Bool, nowNs: Int64) -> [Action] {
        guard let c = connections.removeValue(forKey: id) else { return [] }
        var actions: [Action] = []
        if silent { counters.silent += 1 }
        let wasCurrent = plans[c.plan].current == id
        if plans[c.plan].replacement == id {
            // The replacement died; the old one (if any) still carries the streams.
            plans[c.plan].replacement = nil
            rotateEndpoint(c.plan)
            if plans[c.plan].current == nil {
                plans[c.plan].needsBackfill = true
                actions.append(openAfterBackoff(plan: c.plan, nowNs: nowNs, reason: silent ? .silent : .failed))
            }
            return actions
        }
        guard wasCurrent else { return [] }
        plans[c.plan].current = nil
        if c.live { counters.unplannedDrops += 1 }
        plans[c.plan].needsBackfill = true
        if plans[c.plan].replacement != nil {
            // A replacement is on its way; it takes over (with a gap fill) when it delivers.
            return []
        }
        rotateEndpoint(c.plan)
        actions.append(openAfterBackoff(plan: c.plan, nowNs: nowNs, reason: silent ? .silent : .failed))
        return actions
    }

    /// A connection's TCP connect, TLS handshake or WebSocket upgrade failed: counted, then
    /// handled like any failed connection (after `rateLimited` when the answer was 429 or 418).
    mutating func handshakeFailed(id: Int, nowNs: Int64) -> [Action] {
        guard connections[id] != nil else { return [] }
        counters.handshakeFailures += 1
        return failed(id: id, silent: false, nowNs: nowNs)
    }

    /// An upgrade to `market` was answered `status` (429 or 418): no connection of that market
    /// is attempted before `untilNs`. Connections waiting for their attempt wait longer, and their
    /// replacement timeout counts from the pause's end. Returns whether this began the pause or
    /// lengthened it by more than a second (worth telling).
    mutating func rateLimited(market: MarketKind, status: Int, untilNs: Int64, nowNs: Int64) -> Bool {
        if status == 418 { counters.banned += 1 } else { counters.rateLimited += 1 }
        let before = pausedUntilNs[market] ?? 0
        guard untilNs > before else { return false }
        pausedUntilNs[market] = untilNs
        for (id, c) in connections where markets[c.plan] == market && !c.live {
            connections[id]?.openedNs = max(c.openedNs, untilNs)
        }
        return before <= nowNs || untilNs - before > 1_000_000_000
    }

    /// Age and replacement-timeout checks; call every few hundred ms.
    mutating func tick(nowNs: Int64) -> [Action] {
        var actions: [Action] = []
        for (id, c) in connections.sorted(by: { $0.key < $1.key }) {
            let p = plans[c.plan]
            if p.current == id, c.live, p.replacement == nil, nowNs - c.openedNs >= maxAgeNs {
                actions += replace(id: id, reason: .age, nowNs: nowNs)
            } else if p.replacement == id, !c.live, nowNs - c.openedNs >= replacementTimeoutNs {
                actions.append(.close(id: id, reason: .replacementTimeout))
                actions += failed(id: id, silent: false, nowNs: nowNs)
            }
        }
        return actions
    }

    func plan(of id: Int) -> Int? { connections[id]?.plan }
    func isCurrent(_ id: Int) -> Bool { connections[id].map { plans[$0.plan].current == id } ?? false }

    private mutating func rotateEndpoint(_ plan: Int) {
        let count = max(1, endpointCounts[plan])
        if count > 1 { counters.failovers += 1 }
        plans[plan].endpoint = (plans[plan].endpoint + 1) % count
    }

    private mutating func openAfterBackoff(plan: Int, nowNs: Int64, reason: Reason) -> Action {
        let wait = plans[plan].backoff.next()
        return openConnection(plan: plan, atNs: nowNs + wait, nowNs: nowNs, reason: reason, asReplacement: false)
    }

    private mutating func openConnection(plan: Int, atNs: Int64, nowNs: Int64, reason: Reason, asReplacement: Bool) -> Action {
        let id = nextID
        nextID += 1
        var at = max(atNs, pausedUntilNs[markets[plan]] ?? 0)
        if !attempts.take(nowNs: nowNs) {
            counters.attemptsDelayed += 1
            at = max(at, nowNs + attempts.waitNs(nowNs: nowNs))
            _ = attempts.take(nowNs: at)
        }
        counters.opened += 1
        connections[id] = Connection(id: id, plan: plan, endpoint: plans[plan].endpoint, openedNs: at, reason: reason,
                                     replacing: asReplacement ? plans[plan].current : nil)
        if asReplacement { plans[plan].replacement = id } else { plans[plan].current = id }
        return .open(id: id, plan: plan, endpoint: plans[plan].endpoint, atNs: at, reason: reason)
    }
}

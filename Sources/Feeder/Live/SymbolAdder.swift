import Glibc
import Market
import Net
import Posix
import Runtime
import ShmRing

/// The feeder's `add-symbol NAME` request (POST `/websocket/symbols/:symbol`), on the requests
/// thread: checks the name, that the feed has room, and that Binance lists the symbol, then
/// hands it to the feed's main loop (`LiveFeed.add`) and waits until its SUBSCRIBE messages
/// are sent. An exchange that cannot be asked refuses the symbol (`exchange_unavailable`): a
/// name nobody lists would hold one of the 64 directory entries until the server restarts.
final class SymbolAdder: @unchecked Sendable {
    let symbols: FeedSymbols
    let rest: RESTWorker
    let inbox: FeedInbox
    let capacity: Int
    let log: Logger
    private let lock = Mutex()
    private var listings: [(request: RESTRequest, result: Result<[UInt8], NetError>)] = []
    /// Names neither venue listed, until when (monotonic ns): asking again costs the exchange
    /// weight of two exchangeInfo requests, which the feed's own requests need.
    private var unlisted: [String: Int64] = [:]
    static let unlistedTtlNs: Int64 = 600_000_000_000
    static let unlistedKept = 1024
    /// When the exchange was last asked about a name (monotonic ns): at most `lookupsPerMinute`
    /// a minute, so names made up by the thousand cannot spend the feed's request weight
    /// (about 21 a name) that its snapshots and gap fills need.
    private var lookups: [Int64] = []
    static let lookupsPerMinute = 10

    /// How long the exchange may take to say whether it lists a symbol, and the whole request
    /// (the asking worker waits 10 s).
    static let listingTimeoutNs: Int64 = 4_000_000_000
    static let requestTimeoutNs: Int64 = 9_000_000_000

    init(symbols: FeedSymbols, rest: RESTWorker, inbox: FeedInbox, capacity: Int, log: Logger) {
        self.symbols = symbols
        self.rest = rest
        self.inbox = inbox
        self.capacity = min(capacity, BinanceSymbolTable.capacity)
        self.log = log
    }

    /// The REST worker's answer to a `.listing` request.
    func answered(_ request: RESTRequest, _ result: Result<[UInt8], NetError>) {
        lock.withLock { listings.append((request, result)) }
    }

    /// The answer to `add-symbol argument`.
    func handle(_ argument: String) -> String {
        let started = Clock.monotonicNanos()
        guard let name = Config.normalizedSymbol(argument) else {
            return FeederAnswer.error("invalid_symbol", "\"\(argument.prefix(40))\" is not a symbol: 2–16 letters A–Z and digits")
        }
        if symbols.contains(name) { return answer(name, added: false) }
        guard symbols.count < capacity else { return full(name) }
        if let until = lock.withLock({ unlisted[name] }), until > started {
            return FeederAnswer.error("unknown_symbol", "\(name) is listed by neither spot nor futures exchangeInfo (asked within 10 min)")
        }
        if let wait = takeLookup(now: started) {
            return FeederAnswer.error("lookup_limit", "at most \(Self.lookupsPerMinute) new names a minute are looked up on the exchange; try \(name) again in \(wait) s")
        }
        switch listed(name, deadlineNs: started + Self.listingTimeoutNs) {
        case .undecided(let why):
            return FeederAnswer.error("exchange_unavailable", "cannot tell whether the exchange lists \(name): \(why)")
        case .unlisted:
            remember(unlisted: name, now: started)
            return FeederAnswer.error("unknown_symbol", "\(name) is listed by neither spot nor futures exchangeInfo")
        case .listed:
            break
        }
        let addition = SymbolAddition(name: name)
        inbox.post(.addSymbol(addition))
        let (outcome, pending) = addition.wait(deadlineNs: started + Self.requestTimeoutNs)
        switch outcome {
        case .added?: return answer(name, added: true, pending: pending)
        case .present?: return answer(name, added: false)
        case .full?: return full(name)
        case nil: return FeederAnswer.error("feeder_busy", "the feed did not take \(name) in time; try again")
        }
    }

    private func answer(_ name: String, added: Bool, pending: Int = 0) -> String {
        let list = "[" + symbols.names.map { JSONWriter.quote($0) }.joined(separator: ",") + "]"
        if pending > 0 {
            log.warning("symbol added; some connections have not subscribed it yet", ["symbol": name, "connections": "\(pending)"])
        }
        return FeederAnswer.ok(["symbol": JSONWriter.quote(name), "added": "\(added)", "symbols": list,
                                "pending_connections": "\(pending)"])
    }

    /// Counts a lookup at `now`; nil when it may go ahead, else the seconds until one may.
    private func takeLookup(now: Int64) -> Int64? {
        lock.withLock {
            lookups.removeAll { now - $0 >= 60_000_000_000 }
            guard lookups.count < Self.lookupsPerMinute else { return max(1, (lookups[0] + 60_000_000_000 - now) / 1_000_000_000 + 1) }
            lookups.append(now)
            return nil
        }
    }

    /// Keeps `name` as unlisted for `unlistedTtlNs`; at most `unlistedKept` names (the expired
    /// go first; if none has, all).
    private func remember(unlisted name: String, now: Int64) {
        lock.withLock {
            if unlisted.count >= Self.unlistedKept { unlisted = unlisted.filter { $0.value > now } }
            if unlisted.count >= Self.unlistedKept { unlisted.removeAll() }
            unlisted[name] = now + Self.unlistedTtlNs
        }
    }

    private func full(_ name: String) -> String {
        FeederAnswer.error("symbol_capacity", "\(name) not added: the server streams its maximum of \(capacity) symbols")
    }

    /// Whether spot or futures lists `name`: spot is asked for it alone (an unknown symbol is
    /// refused with HTTP 400), then futures for all of its symbols. A failure (network, 5xx,
    /// rate limit) with no listing found says why the question stays open.
    func listed(_ name: String, deadlineNs: Int64) -> Listing {
        var failure: String?
        for market in [MarketKind.spot, .futures] {
            switch ask(.listing(market: market, name: name), deadlineNs: deadlineNs) {
            case .success(let body):
                switch ExchangeInfo.parse(body, only: [name]) {
                case .success(let info) where info.symbols.contains(where: { $0.symbol == name }):
                    return .listed
                case .success:
                    continue
                case .failure(let e):
                    // A 200 that is not exchangeInfo (a proxy's HTML page, junk) says nothing
                    // about the symbol: the question stays open, and is not remembered.
                    failure = "\(market): unreadable exchangeInfo (\(e))"
                }
            case .failure(let e) where SymbolSync.isRefusal(e):
                continue
            case .failure(let e):
                failure = "\(market): \(e)"
            }
        }
        return failure.map { .undecided($0) } ?? .unlisted
    }

    enum Listing: Equatable {
        case listed, unlisted
        /// Neither venue said it lists the symbol, and one could not be asked.
        case undecided(String)
    }

    /// Asks the REST worker (ahead of its queue) and waits for the answer until `deadlineNs`.
    private func ask(_ request: RESTRequest, deadlineNs: Int64) -> Result<[UInt8], NetError> {
        lock.withLock { listings.removeAll { $0.request == request } }
        rest.enqueue(request, first: true)
        while Clock.monotonicNanos() < deadlineNs {
            let found: Result<[UInt8], NetError>? = lock.withLock {
                guard let i = listings.firstIndex(where: { $0.request == request }) else { return nil }
                return listings.remove(at: i).result
            }
            if let found { return found }
            usleep(5_000)
        }
        return .failure(NetError(.timeout, "no answer within \(Self.listingTimeoutNs / 1_000_000) ms"))
    }
}

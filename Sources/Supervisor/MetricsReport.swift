import ShmRing

/// `GET /metrics`: the whole server's figures in Prometheus's text exposition format 0.0.4,
/// read from shared memory (through `StatusReport`), so any worker answers for all of them.
///
/// Families: `tterminal_worker_*{worker="<slot>"}` (every `Layout.WorkerCounter`, connections,
/// requests, ring lag and laps), `tterminal_process_*{role,slot}`, `tterminal_ring_*`, and
/// `tterminal_feed_*` (the `FeedCounter`s, publish latency by `quantile`, and gap counters by
/// `symbol` and `market`). Counters end in `_total`; everything else is a gauge.
public struct MetricsReport: Sendable {
    public let status: StatusReport

    public init(status: StatusReport) { self.status = status }

    public init(segment: Segment) { self.init(status: StatusReport(segment: segment)) }

    public func render() -> String {
        var out = PrometheusText()
        writeServer(into: &out)
        writeWorkers(into: &out)
        writeFeed(into: &out)
        writeStorage(into: &out)
        return out.text
    }

    /// The feeder's PostgreSQL writes (absent without DATABASE_URL).
    private func writeStorage(into out: inout PrometheusText) {
        let s = status.storage
        guard s.state != .notConfigured else { return }
        out.family("tterminal_storage_up", help: "Whether the feeder's database connection is up.", [([], Self.flag(s.state == .up))])
        out.family("tterminal_storage_rows_written_total", help: "Rows written to PostgreSQL, by table.",
                   ([(.candlesWritten, "candles"), (.tradesWritten, "trades"), (.liquidationsWritten, "liquidations"),
                     (.bookSnapshotsWritten, "book_snapshots")] as [(StorageCounter, String)]).map { ([("table", $0.1)], s[$0.0]) })
        out.family("tterminal_storage_rows_pending", help: "Rows waiting in the feeder's buffer.", [([], s[.pending])])
        out.family("tterminal_storage_rows_dropped_total", help: "Rows dropped because the buffer was full.", [([], s[.dropped])])
        out.family("tterminal_storage_rows_rejected_total", help: "Rows the database refused.", [([], s[.rejected])])
        out.family("tterminal_storage_outages_total", help: "Times the database went away.", [([], s[.outages])])
        out.family("tterminal_storage_rows_not_collected_total",
                   help: "Rows not stored: data collection paused or their symbol not collected.", [([], s[.notCollected])])
        out.family("tterminal_collection_paused", help: "Whether data collection (storing) is paused.", [([], Self.flag(s.paused))])
        out.family("tterminal_collection_history_runs_total", help: "Candle history fetch runs finished, by result.",
                   [([("result", "succeeded")], s[.runsSucceeded]), ([("result", "failed")], s[.runsFailed])])
    }

    private func writeServer(into out: inout PrometheusText) {
        let s = status
        out.family("tterminal_supervisor_up", help: "Whether the supervisor that wrote the segment runs.",
                   [([], Self.flag(s.supervisorAlive))])
        out.family("tterminal_workers_wanted", help: "Workers the supervisor keeps running.", [([], UInt64(s.workersWanted))])
        func process(_ c: StatusReport.Child) -> PrometheusText.Labels { [("role", c.kind.description), ("slot", "\(c.slot)")] }
        out.family("tterminal_process_up", help: "Whether the child in this slot is running.",
                   s.children.map { (process($0), Self.flag($0.state == .running)) })
        out.family("tterminal_process_restarts_total", help: "Times the supervisor restarted the child in this slot.",
                   s.children.map { (process($0), $0.restarts) })
        out.family("tterminal_process_uptime_seconds", help: "Seconds since the child in this slot started.",
                   s.children.map { (process($0), $0.uptimeSeconds) })
        out.family("tterminal_ring_epoch", help: "The ring's epoch: it changes when a new feeder starts.", [([], s.epoch)])
        out.family("tterminal_ring_latest_sequence", help: "Sequence of the last record in the ring.", [([], s.ringSequence)])
        out.family("tterminal_ring_records_written_total", help: "Records written to the ring since the segment was made.",
                   [([], s.ringRecordsWritten)])
        out.family("tterminal_ring_capacity_bytes", help: "Size of the ring's data.", [([], UInt64(s.ringCapacity))])
    }

    private func writeWorkers(into out: inout PrometheusText) {
        let workers = status.children.filter { $0.kind == .worker }
        func family(_ name: String, _ help: String, _ value: (StatusReport.Child) -> UInt64) {
            out.family("tterminal_worker_" + name, help: help, workers.map { ([("worker", "\($0.slot)")], value($0)) })
        }
        for counter in Layout.WorkerCounter.allCases {
            family(counter.name, Self.help(counter)) { $0.counter(counter) }
        }
        family("connections", "Connections open now.") { $0.connections }
        family("requests_total", "HTTP requests answered.") { $0.requests }
        family("bad_requests_total", "Malformed or timed-out HTTP requests.") { $0.badRequests }
        family("rate_limited_total", "Requests answered 429 by the per-address rate limit.") { $0.rateLimited }
        family("ring_laps_total", "Times the worker fell a whole ring behind and resynchronised.") { $0.laps }
        family("ring_lag", "Records the worker is behind the ring's latest.") { $0.lag }
    }

    private func writeFeed(into out: inout PrometheusText) {
        let feed = status.feed
        out.family("tterminal_feed_live", help: "Whether every feed connection is live.", [([], Self.flag(status.feedState == .live))])
        out.family("tterminal_feed_records_published_total", help: "Records the feeder published to the ring.",
                   [([], status.recordsPublished)])
        for counter in FeedCounter.allCases {
            guard let help = Self.help(counter) else { continue }
            let name = "tterminal_feed_" + counter.name + (Self.isGauge(counter) ? "" : "_total")
            out.family(name, help: help, [([], feedValue(counter))])
        }
        writeLatency(into: &out)
        let lines = feed.symbols
        func family(_ name: String, _ help: String, _ value: KeyPath<FeedReport.SymbolLine, UInt64>) {
            out.family("tterminal_feed_" + name, help: help,
                       lines.map { ([("symbol", $0.symbol), ("market", "\($0.market)")], $0[keyPath: value]) })
        }
        family("trades_total", "Trades published.", \.published)
        family("gaps_found_total", "Gaps found in the exchange's streams.", \.gapsFound)
        family("gaps_filled_total", "Gaps filled from REST.", \.gapsFilled)
        family("gaps_lost_total", "Gaps that could not be filled.", \.gapsLost)
        family("ids_recovered_total", "Trade ids recovered by gap fills.", \.idsRecovered)
        family("ids_missing_total", "Trade ids still missing after gap fills.", \.idsMissing)
        family("book_resyncs_total", "Order book resynchronisations.", \.bookResyncs)
        family("duplicates_dropped_total", "Duplicate events dropped (make-before-break overlaps).", \.duplicatesDropped)
    }

    /// Receive→publish latency, once the feeder has measured any.
    private func writeLatency(into out: inout PrometheusText) {
        let count = feedValue(.publishLatencyCount)
        let quantiles: [(String, FeedCounter)] = [("0.5", .publishLatencyP50Ns), ("0.99", .publishLatencyP99Ns),
                                                  ("0.999", .publishLatencyP999Ns), ("1", .publishLatencyMaxNs)]
        out.family("tterminal_feed_publish_latency_seconds", help: "Receive to ring-publish latency of stream events, by quantile.",
                   count == 0 ? [] : quantiles.map { ([("quantile", $0.0)], Double(feedValue($0.1)) / 1e9) })
        out.family("tterminal_feed_publish_latency_samples_total", help: "Stream events whose publish latency was measured.",
                   [([], count)])
    }

    /// `FeedReport.counters` lists every `FeedCounter` in `allCases` order, so by raw value.
    private func feedValue(_ c: FeedCounter) -> UInt64 { status.feed.counters[c.rawValue].value }

    static func flag(_ b: Bool) -> UInt64 { b ? 1 : 0 }

    static func help(_ c: Layout.WorkerCounter) -> String {
        switch c {
        case .webSocketsOpen: "WebSocket connections open now."
        case .wsMessages: "Messages framed for fan-out, once each whatever the number of subscribers."
        case .wsDeliveries: "Messages queued to connections."
        case .wsDropped: "Messages not delivered to clients that fell behind."
        case .wsConflated: "Ticker, book ticker and mark price values replaced by a newer one unsent."
        case .wsSlowClosed: "Connections closed for falling behind."
        case .wsGapNotices: "Gap notices sent to clients that fell behind."
        case .wsRecovered: "Resumes answered by replaying from the ring."
        case .wsRecoveryRefused: "Resumes refused (epoch changed, too old)."
        case .wsReplayed: "Messages replayed to resuming clients."
        case .wsProtocolErrors: "Client protocol errors: messages answered with an error, connections closed for a broken frame (1002, 1007, 1009)."
        case .refusedPerAddress: "Connections refused over the per-address limit."
        case .refusedFull: "Connections refused because the worker was full."
        case .connectionsDropped: "Connections dropped (send stalled, reset, shutdown timeout)."
        case .idleTimeouts: "Connections closed for silence."
        case .acceptErrors: "Accept failures."
        case .wsRateLimited: "Terminal client messages not processed: over the connection's message budget."
        case .wsRateLimitClosed: "Terminal connections closed (1008) for staying over their message budget."
        }
    }

    /// A feed counter's help; nil for the latency figures, which form one family by quantile.
    static func help(_ c: FeedCounter) -> String? {
        switch c {
        case .connectionsOpened: "Exchange WebSocket connections opened."
        case .plannedSwitches: "Planned connection switches (make-before-break)."
        case .unplannedDrops: "Exchange connections lost unplanned."
        case .failovers: "Failovers to another endpoint."
        case .stalls: "Exchange connections found stalled."
        case .silentConnections: "Exchange connections that connected and stayed silent."
        case .serverShutdowns: "serverShutdown notices from the exchange."
        case .attemptsDelayed: "Connection attempts delayed by the attempt limit."
        case .malformedFrames: "Frames from the exchange that did not parse."
        case .restRequests: "REST requests to the exchange."
        case .restFailures: "REST requests that failed."
        case .restRateLimited: "REST requests answered 429."
        case .restBanned: "REST requests answered 418."
        case .restUsedWeight: "The exchange's used request weight in the current minute."
        case .liveConnections: "Exchange connections live now."
        case .handshakeFailures: "Exchange connections whose TCP connect, TLS handshake or WebSocket upgrade failed."
        case .wsRateLimited: "WebSocket upgrades answered 429 (the market's connection attempts pause for Retry-After)."
        case .wsBanned: "WebSocket upgrades answered 418 (the market's connection attempts pause for Retry-After)."
        case .publishLatencyP50Ns, .publishLatencyP99Ns, .publishLatencyP999Ns, .publishLatencyMaxNs, .publishLatencyCount: nil
        }
    }

    static func isGauge(_ c: FeedCounter) -> Bool { c == .restUsedWeight || c == .liveConnections }
}

/// Prometheus's text exposition format, family by family: `# HELP` and `# TYPE` once, then
/// the samples. A family whose name ends in `_total` is a counter, any other a gauge.
struct PrometheusText {
    typealias Labels = [(String, String)]
    private(set) var text = ""

    /// Appends a family; one without samples is left out.
    mutating func family(_ name: String, help: String, _ samples: [(Labels, UInt64)]) {
        family(name, help: help, samples.map { ($0.0, String($0.1)) })
    }

    mutating func family(_ name: String, help: String, _ samples: [(Labels, Double)]) {
        family(name, help: help, samples.map { ($0.0, Self.number($0.1)) })
    }

    private mutating func family(_ name: String, help: String, _ samples: [(Labels, String)]) {
        guard !samples.isEmpty else { return }
        text += "# HELP \(name) \(Self.escape(help, quotes: false))\n"
        text += "# TYPE \(name) \(name.hasSuffix("_total") ? "counter" : "gauge")\n"
        for (labels, value) in samples {
            text += name
            if !labels.isEmpty {
                text += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1, quotes: true))\"" }.joined(separator: ",") + "}"
            }
            text += " \(value)\n"
        }
    }

    /// Backslash and newline escaped (help text); in label values, double quotes too.
    static func escape(_ s: String, quotes: Bool) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\"" where quotes: out += "\\\""
            default: out.append(ch)
            }
        }
        return out
    }

    /// A float as Prometheus spells it (`NaN`, `+Inf`, `-Inf` for the non-finite).
    static func number(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        return String(v)
    }
}

import Market

/// The report for people (a table) and for scripts (one JSON document).
extension RunReport {
    public var table: String {
        var rows: [(String, String)] = []
        let c = counters
        rows.append(("connections", "\(Format.grouped(c[.opened])) opened of \(Format.grouped(Int64(config.connections)))"
            + " over \(config.processes) processes from \(min(config.sources.addresses.count, config.connections)) source addresses"
            + (connectsPerSecond.map { ", \(Format.grouped(Int64($0.rounded()))) upgrades/s" } ?? "")))
        rows.append(("failed to open", failureSummary(afterOpen: false)))
        rows.append(("dropped after open", failureSummary(afterOpen: true)))
        if config.reconnect {
            rows.append(("reconnect attempts failed", Format.grouped(c[.reconnectAttemptsFailed])
                + " (attempts after a client's first; not in the two rows above)"))
        }
        rows.append(("window", c[.opened] == 0 ? "none: no connection opened"
            : windowSeconds == 0 ? "none: no connection was open when it was due"
            : "\(Format.fixed(windowSeconds, 2)) s after \(Format.fixed(config.warmupSeconds, 1)) s warm-up;"
            + " \(Format.grouped(c[.openAtWindowStart])) open at its start, \(Format.grouped(c[.openAtEnd])) at the end"))
        if config.subscribe != nil {
            rows.append(("subscribed", "\(Format.grouped(c[.subscribeSent])) sent, \(Format.grouped(c[.subscribedAcks])) confirmed,"
                + " \(Format.grouped(c[.errorReplies])) errors"))
            rows.append(("deliveries", deliverySummary))
            rows.append(("latency (µs)", latency.totalCount == 0 ? "none" :
                "p50 \(percentile(50)) p90 \(percentile(90)) p99 \(percentile(99)) p99.9 \(percentile(99.9))"
                + " max \(maxLatencyMicros) over \(Format.grouped(Int64(latency.totalCount))) trades,"
                + " \(config.receiveTime == .arrival ? "to arrival at the client's socket" : "to the client's read")"))
            if readDelay.totalCount > 0 {
                rows.append(("read delay (µs)", "p50 \(Self.percentile(readDelay, 50)) p99 \(Self.percentile(readDelay, 99))"
                    + " max \(Int64(readDelay.maxRecorded)) over \(Format.grouped(Int64(readDelay.totalCount))) reads"
                    + " (arrival → the harness's read; not in the latency)"))
            }
            if let behind = harnessBehind { rows.append(("harness behind", behind)) }
            rows.append(("trade ids", "whole run (ramp and warm-up included): \(Format.grouped(c[.missingIds])) missing in \(Format.grouped(c[.clientsWithGap])) clients,"
                + " \(Format.grouped(c[.duplicateIds])) duplicates, \(Format.grouped(c[.gapNotices])) gap notices,"
                + " \(Format.grouped(c[.clientsWithTrade])) clients received ≥ 1 trade"
                + (idCompleteness.map { ", completeness \(Format.percent($0))" } ?? "")))
        }
        if config.reconnect && faultEvents.isEmpty { rows.append(("reconnects", reconnectSummary)) }
        rows.append(("cpu", cpuSummary))
        if let memory = bytesPerConnection, let before = workerMemoryBefore, let after = workerMemoryAfter {
            rows.append(("worker memory", "private dirty \(before.privateDirty >> 10) → \(after.privateDirty >> 10) KiB,"
                + " RSS \(before.rss >> 10) → \(after.rss >> 10) KiB: \(Format.grouped(Int64(memory.privateDirty.rounded()))) B"
                + " private dirty (\(Format.grouped(Int64(memory.rss.rounded()))) B RSS) per open connection"))
        } else if workerMemoryBefore != nil && workerMemoryAfter == nil {
            rows.append(("worker memory", "not measured: a worker measured at the start was gone at the end (killed or replaced)"))
        }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0 + String(repeating: " ", count: width - $0.0.count) + "  " + $0.1 }.joined(separator: "\n") + "\n"
            + faultTable
    }

    func failureSummary(afterOpen: Bool) -> String {
        let reasons = FailureReason.allCases.filter { $0.afterOpen == afterOpen && counters[$0] > 0 }
        guard !reasons.isEmpty else { return "0" }
        return reasons.map { "\($0.name) \(Format.grouped(counters[$0]))" + (samples[$0].map { " (\($0))" } ?? "") }
            .joined(separator: "; ")
    }

    var deliverySummary: String {
        var text = "\(Format.grouped(counters[.dataInWindow])) data messages (all channels) in the window"
        if let rate = dataMessagesPerSecond { text += ", \(Format.grouped(Int64(rate.rounded())))/s" }
        guard subscribesToTrades else { return text + "; no trades subscribed" }
        text += "; of them \(Format.grouped(counters[.tradesInWindow])) trades"
        if let rate = deliveriesPerSecond { text += ", \(Format.grouped(Int64(rate.rounded())))/s" }
        if let read = readInWindow, counters[.tradesReadLate] > 0 {
            text += "; \(Format.grouped(counters[.tradesReadLate])) more published in it read after it"
                + " (read in the window \(Format.percent(read)))"
        }
        if let offered = offeredPerSecond, let ratio = deliveredOverOffered {
            text += "; offered \(Format.grouped(Int64(offered.rounded())))/s, delivered/offered \(Format.percent(ratio))"
        }
        return text
    }

    var cpuSummary: String {
        var parts: [String] = []
        if let workers = cpuSeconds(.worker) { parts.append("workers \(Format.fixed(workers, 2)) s") }
        if let feeder = cpuSeconds(.feeder) { parts.append("feeder \(Format.fixed(feeder, 2)) s") }
        parts.append("harness \(Format.fixed(harnessCPUSeconds, 2)) s")
        if let ratio = harnessOverServer { parts.append("harness/server \(Format.fixed(ratio, 3))") }
        if config.subscribe != nil, let rate = deliveriesPerWorkerCPUSecond { parts.append("\(Format.grouped(Int64(rate.rounded()))) deliveries per worker CPU-second") }
        return parts.joined(separator: ", ")
    }

    public var json: String {
        var out = JSONBytes(capacity: 4096)
        out.raw("{"); out.key("mode", first: true); out.asciiString("ws")
        out.key("url"); out.string(config.url)
        out.key("processes"); out.integer(Int64(config.processes))
        out.key("source_addresses"); out.string(config.sources.description)
        out.key("read_interval_ms"); number(&out, config.readIntervalSeconds * 1000)
        out.key("busy_poll"); out.raw(config.busyPoll ? "true" : "false")
        writeConnections(&out)
        out.key("window_s"); number(&out, windowSeconds)
        out.key("warmup_s"); number(&out, config.warmupSeconds)
        writeDeliveries(&out)
        writeLatency(&out)
        writeSequence(&out)
        writeResources(&out)
        writeFaults(&out)
        out.key("problems"); out.stringArray(problems)
        out.raw("}")
        return String(decoding: out.bytes, as: UTF8.self) + "\n"
    }

    private func writeConnections(_ out: inout JSONBytes) {
        let c = counters
        out.key("connections"); out.raw("{")
        out.key("target", first: true); out.integer(Int64(config.connections))
        out.key("opened"); out.integer(c[.opened])
        out.key("failed"); out.integer(c.failedToOpen)
        out.key("dropped_after_open"); out.integer(c.droppedAfterOpen)
        out.key("reconnect_attempts_failed"); out.integer(c[.reconnectAttemptsFailed])
        out.key("open_at_window_start"); out.integer(c[.openAtWindowStart])
        out.key("open_at_end"); out.integer(c[.openAtEnd])
        out.key("upgrades_per_s"); number(&out, connectsPerSecond)
        out.key("reasons"); out.raw("{")
        for (i, reason) in FailureReason.allCases.filter({ c[$0] > 0 }).enumerated() {
            if i > 0 { out.raw(",") }
            out.string(reason.name); out.raw(":{")
            out.key("count", first: true); out.integer(c[reason])
            out.key("sample"); out.string(samples[reason] ?? "")
            out.raw("}")
        }
        out.raw("}}")
    }

    private func writeDeliveries(_ out: inout JSONBytes) {
        let c = counters
        out.key("deliveries"); out.raw("{")
        out.key("trades_in_window", first: true); out.integer(c[.tradesInWindow])
        out.key("per_s"); number(&out, deliveriesPerSecond)
        out.key("data_messages_in_window"); out.integer(c[.dataInWindow])
        out.key("data_messages_per_s"); number(&out, dataMessagesPerSecond)
        out.key("offered_per_s"); number(&out, offeredPerSecond)
        out.key("delivered_over_offered"); number(&out, deliveredOverOffered)
        out.key("trades_read_late"); out.integer(c[.tradesReadLate])
        out.key("clients_behind"); out.integer(c[.clientsBehind])
        out.key("read_in_window"); number(&out, readInWindow)
        out.key("trades_total"); out.integer(c[.trades])
        out.key("messages_total"); out.integer(c[.messages])
        out.key("bytes_received"); out.integer(c[.bytesReceived])
        out.key("subscribe_sent"); out.integer(c[.subscribeSent])
        out.key("subscribed_acks"); out.integer(c[.subscribedAcks])
        out.key("error_replies"); out.integer(c[.errorReplies])
        out.raw("}")
    }

    private func writeLatency(_ out: inout JSONBytes) {
        out.key("latency_us"); out.raw("{")
        out.key("count", first: true); out.integer(Int64(latency.totalCount))
        // No sample: null, not a perfect 0.
        let none = latency.totalCount == 0
        out.key("p50"); none ? out.raw("null") : out.integer(percentile(50))
        out.key("p90"); none ? out.raw("null") : out.integer(percentile(90))
        out.key("p99"); none ? out.raw("null") : out.integer(percentile(99))
        out.key("p99_9"); none ? out.raw("null") : out.integer(percentile(99.9))
        out.key("max"); none ? out.raw("null") : out.integer(maxLatencyMicros)
        out.key("overflows"); out.integer(latencyOverflows)
        out.key("receive_time"); out.string(config.receiveTime.rawValue)
        out.raw("}")
        out.key("read_delay_us"); out.raw("{")
        out.key("count", first: true); out.integer(Int64(readDelay.totalCount))
        out.key("p50"); out.integer(Self.percentile(readDelay, 50))
        out.key("p99"); out.integer(Self.percentile(readDelay, 99))
        out.key("max"); out.integer(Int64(readDelay.maxRecorded))
        out.raw("}")
    }

    private func writeSequence(_ out: inout JSONBytes) {
        let c = counters
        out.key("sequence"); out.raw("{")
        out.key("missing_ids", first: true); out.integer(c[.missingIds])
        out.key("duplicate_ids"); out.integer(c[.duplicateIds])
        out.key("clients_with_gaps"); out.integer(c[.clientsWithGap])
        out.key("gap_notices"); out.integer(c[.gapNotices])
        out.key("seq_regressions"); out.integer(c[.sequenceRegressions])
        out.key("clients_with_trade"); out.integer(c[.clientsWithTrade])
        out.key("id_span"); out.integer(c[.idSpan])
        out.key("id_completeness"); number(&out, idCompleteness)
        out.raw("}")
    }

    private func writeResources(_ out: inout JSONBytes) {
        out.key("cpu"); out.raw("{")
        out.key("workers_s", first: true); number(&out, cpuSeconds(.worker))
        out.key("feeder_s"); number(&out, cpuSeconds(.feeder))
        out.key("server_s"); number(&out, cpuSeconds())
        out.key("harness_s"); number(&out, harnessCPUSeconds)
        out.key("harness_over_server"); number(&out, harnessOverServer)
        out.key("deliveries_per_worker_cpu_s"); number(&out, deliveriesPerWorkerCPUSecond)
        out.key("processes"); out.raw("[")
        for (i, entry) in serverCPU.enumerated() {
            if i > 0 { out.raw(",") }
            out.raw("{"); out.key("pid", first: true); out.integer(Int64(entry.process.pid))
            out.key("role"); out.asciiString(entry.process.role.rawValue)
            out.key("cpu_s"); number(&out, entry.seconds)
            out.raw("}")
        }
        out.raw("]}")
        out.key("worker_memory"); out.raw("{")
        out.key("private_dirty_before", first: true); number(&out, workerMemoryBefore.map { Double($0.privateDirty) })
        out.key("private_dirty_after"); number(&out, workerMemoryAfter.map { Double($0.privateDirty) })
        out.key("rss_before"); number(&out, workerMemoryBefore.map { Double($0.rss) })
        out.key("rss_after"); number(&out, workerMemoryAfter.map { Double($0.rss) })
        out.key("private_dirty_per_connection"); number(&out, bytesPerConnection?.privateDirty)
        out.key("rss_per_connection"); number(&out, bytesPerConnection?.rss)
        out.raw("}")
    }

    /// A number with up to eight decimals, or null.
    private func number(_ out: inout JSONBytes, _ value: Double?) { out.optionalNumber(value) }
}

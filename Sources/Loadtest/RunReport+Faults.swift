import Histogram
import Market

/// The report's faults section: per fault, when it struck and what the clients saw.
/// Reconnect time runs from a client's lost connection to its next `subscribed`; recovery
/// time from the fault to an affected client's first live trade (one the feeder received after
/// the fault, on a caught-up connection), and the fault's recovery time is the largest of them.
extension RunReport {
    /// The tally of fault `index` (empty when no client process reported one).
    /// A fault that failed to apply has none: what the clients saw then is not its doing.
    public func tally(_ index: Int) -> FaultTally {
        guard index < faultTallies.count, index >= faultEvents.count || faultEvents[index].error == nil else { return FaultTally() }
        return faultTallies[index]
    }

    /// One row per fault, for the table and the HTML page.
    public var faultRows: [[String]] {
        faultEvents.enumerated().map { index, event in
            let t = tally(index)
            let reconnect = Self.spread(t.reconnect, max: t.maxReconnectMicros)
            let recovery = event.error != nil ? "fault not applied" : t[.affected] == 0 ? "no client affected"
                : Self.spread(t.recovery, max: t.maxRecoveryMicros)
            return [event.spec.text, event.appliedSeconds.map { Format.fixed($0, 2) } ?? "-", event.target ?? "not applied: \(event.error ?? "")",
                    Format.grouped(t[.clientsDisconnected]), reconnect,
                    "\(Format.grouped(t[.recovered]))/\(Format.grouped(t.impossible))" + Self.refusals(t),
                    Format.grouped(t[.replayed]), "\(Format.grouped(t[.missingIds]))/\(Format.grouped(t[.clientsWithGap]))",
                    Format.grouped(t[.duplicateIds]), Format.grouped(t[.gapNotices]),
                    "\(Format.grouped(t[.liveAgain]))/\(Format.grouped(t[.affected]))", recovery]
        }
    }

    public static let faultHeader = ["fault", "at s", "target", "disconnected", "reconnect ms p50/p99/max",
                                     "recovered/impossible", "replayed", "unrecovered ids/clients", "dups", "gap notices",
                                     "live again/affected", "recovery ms p50/p99/max"]

    static func refusals(_ t: FaultTally) -> String {
        let parts = [(FaultTally.Count.epochChanged, "epoch_changed"), (.tooOld, "too_old"), (.otherRefusal, "other")]
            .filter { t[$0.0] > 0 }.map { "\($0.1) \(Format.grouped(t[$0.0]))" }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")"
    }

    /// p50/p99/max of a histogram in ms, "-" when empty.
    static func spread(_ h: Histogram<UInt64>, max top: Int64) -> String {
        let ms = { (v: Int64) in Format.fixed(Double(v) / 1000, 1) }
        return h.totalCount == 0 ? "-"
            : "\(ms(FaultTally.percentile(h, 50, max: top)))/\(ms(FaultTally.percentile(h, 99, max: top)))/\(ms(top))"
    }

    /// Disconnects, reconnects and resumes of the whole run, faults or not.
    public var reconnectSummary: String {
        let c = counters
        return "\(Format.grouped(c[.disconnects])) disconnects, \(Format.grouped(c[.reconnects])) reconnects"
            + " (ms p50/p99/max \(Self.spread(reconnects.reconnect, max: reconnects.maxReconnectMicros))),"
            + " \(Format.grouped(c[.resumesSent])) resumes: \(Format.grouped(c[.recovered])) recovered"
            + " (\(Format.grouped(c[.replayedMessages])) messages replayed), \(Format.grouped(c[.recoveryImpossible])) impossible"
    }

    /// The faults as an aligned table after a title line; "" without faults.
    public var faultTable: String {
        guard !faultEvents.isEmpty else { return "" }
        let rows = [Self.faultHeader] + faultRows
        let widths = Self.faultHeader.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var text = "faults (at: s into the window; reconnect: loss → subscribed again; recovery: fault → first live trade"
            + " of each affected client, max = every one live again)\n"
        for row in rows {
            let cells = row.enumerated().map { $0.element + String(repeating: " ", count: widths[$0.offset] - $0.element.count) }
            text += "  " + cells.joined(separator: "  ").reversed().drop { $0 == " " }.reversed() + "\n"
        }
        return text + "  whole run: " + reconnectSummary + "\n"
    }

    func writeFaults(_ out: inout JSONBytes) {
        out.key("reconnect"); out.raw(config.reconnect ? "true" : "false")
        out.key("reconnects"); out.raw("{")
        out.key("disconnects", first: true); out.integer(counters[.disconnects])
        out.key("reconnects"); out.integer(counters[.reconnects])
        out.key("resumes_sent"); out.integer(counters[.resumesSent])
        out.key("recovered"); out.integer(counters[.recovered])
        out.key("impossible"); out.integer(counters[.recoveryImpossible])
        out.key("replayed_messages"); out.integer(counters[.replayedMessages])
        Self.writeMillis(&out, "reconnect_ms", reconnects.reconnect, max: reconnects.maxReconnectMicros)
        out.raw("}")
        out.key("faults"); out.raw("[")
        for (index, event) in faultEvents.enumerated() {
            if index > 0 { out.raw(",") }
            writeFault(&out, event, tally(index))
        }
        out.raw("]")
    }

    private func writeFault(_ out: inout JSONBytes, _ event: FaultEvent, _ t: FaultTally) {
        out.raw("{"); out.key("spec", first: true); out.string(event.spec.text)
        out.key("at_s"); out.optionalNumber(event.spec.atSeconds)
        out.key("applied_s"); out.optionalNumber(event.appliedSeconds)
        out.key("target"); Self.optionalString(&out, event.target)
        out.key("error"); Self.optionalString(&out, event.error)
        out.key("applied"); out.raw(event.error == nil ? "true" : "false")
        let names: [(FaultTally.Count, StaticString)] = [
            (.clientsDisconnected, "clients_disconnected"), (.disconnects, "disconnects"), (.reconnects, "reconnects"),
            (.resumes, "resumes"), (.recovered, "recovered"), (.replayed, "replayed_messages"),
            (.missingIds, "unrecovered_missing_ids"), (.clientsWithGap, "clients_with_unrecovered_gap"),
            (.duplicateIds, "duplicate_ids"), (.gapNotices, "gap_notices"), (.affected, "affected_clients"),
            (.liveAgain, "live_again_clients"), (.neverLive, "never_live_clients"),
        ]
        for (count, name) in names { out.key(name); out.integer(t[count]) }
        out.key("impossible"); out.raw("{")
        out.key("total", first: true); out.integer(t.impossible)
        out.key("epoch_changed"); out.integer(t[.epochChanged])
        out.key("too_old"); out.integer(t[.tooOld])
        out.key("other"); out.integer(t[.otherRefusal])
        out.raw("}")
        Self.writeMillis(&out, "reconnect_ms", t.reconnect, max: t.maxReconnectMicros)
        Self.writeMillis(&out, "recovery_ms", t.recovery, max: t.maxRecoveryMicros)
        out.raw("}")
    }

    /// `"name":{"count":n,"p50":ms,"p99":ms,"max":ms}` (nulls when empty).
    static func optionalString(_ out: inout JSONBytes, _ text: String?) {
        if let text { out.string(text) } else { out.raw("null") }
    }

    static func writeMillis(_ out: inout JSONBytes, _ name: StaticString, _ h: Histogram<UInt64>, max: Int64) {
        let empty = h.totalCount == 0
        out.key(name); out.raw("{")
        out.key("count", first: true); out.integer(Int64(h.totalCount))
        out.key("p50"); out.optionalNumber(empty ? nil : Double(FaultTally.percentile(h, 50, max: max)) / 1000)
        out.key("p99"); out.optionalNumber(empty ? nil : Double(FaultTally.percentile(h, 99, max: max)) / 1000)
        out.key("max"); out.optionalNumber(empty ? nil : Double(max) / 1000)
        out.raw("}")
    }
}

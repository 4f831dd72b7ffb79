import ShmRing
import Testing
@testable import Supervisor

/// One parsed line of the text exposition format.
enum ExpositionLine: Equatable {
    case help(name: String)
    case type(name: String, kind: String)
    case sample(name: String, labels: [String: String], value: Double)

    /// Parses a line by the format's grammar; nil for anything else (a blank line or a free
    /// comment parse as nil too, and the tests count them apart).
    static func parse(_ line: Substring) -> ExpositionLine? {
        if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ", maxSplits: 3)
            guard parts.count >= 3, isMetricName(parts[2]) else { return nil }
            if parts[1] == "HELP" { return .help(name: String(parts[2])) }
            return parts.count == 4 ? .type(name: String(parts[2]), kind: String(parts[3])) : nil
        }
        var rest = line[...]
        let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }
        guard isMetricName(name) else { return nil }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                guard let (label, value, after) = labelPair(rest) else { return nil }
                labels[label] = value
                rest = after.first == "," ? after.dropFirst() : after
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " ", let value = number(rest.dropFirst()) else { return nil }
        return .sample(name: String(name), labels: labels, value: value)
    }

    static func isMetricName(_ s: Substring) -> Bool {
        guard let first = s.first, first.isASCII, first.isLetter || first == "_" || first == ":" else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }
    }

    /// `name="value"` with the value unescaped (`\\`, `\"`, `\n`), and what follows it.
    static func labelPair(_ s: Substring) -> (String, String, Substring)? {
        let name = s.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        guard !name.isEmpty, !name.first!.isNumber, s.dropFirst(name.count).hasPrefix("=\"") else { return nil }
        var rest = s.dropFirst(name.count + 2)
        var value = ""
        while let ch = rest.first, ch != "\"" {
            guard ch != "\n" else { return nil }
            rest = rest.dropFirst()
            if ch == "\\" {
                guard let escaped = rest.first, let meaning = ["\\": "\\", "\"": "\"", "n": "\n"][escaped] else { return nil }
                value += meaning
                rest = rest.dropFirst()
            } else {
                value.append(ch)
            }
        }
        guard rest.first == "\"" else { return nil }
        return (String(name), value, rest.dropFirst())
    }

    static func number(_ s: Substring) -> Double? {
        switch s {
        case "NaN": .nan
        case "+Inf": .infinity
        case "-Inf": -.infinity
        default: Double(s)
        }
    }
}

@Suite("/metrics rendering")
struct MetricsReportTests {
    let text: String
    let lines: [Substring]

    init() throws {
        text = MetricsReport(segment: try SegmentFixture.make()).render()
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    }

    var parsed: [ExpositionLine] { lines.compactMap(ExpositionLine.parse) }

    func samples(_ name: String) -> [(labels: [String: String], value: Double)] {
        parsed.compactMap { if case .sample(name, let l, let v) = $0 { (l, v) } else { nil } }
    }

    @Test("every line is a comment, blank, or a sample with a valid metric name")
    func grammar() {
        #expect(text.hasSuffix("\n"))
        for line in lines where !line.isEmpty && !line.hasPrefix("#") {
            #expect(ExpositionLine.parse(line) != nil, "not a sample: \(line)")
        }
        for line in lines where line.hasPrefix("# HELP") || line.hasPrefix("# TYPE") {
            #expect(ExpositionLine.parse(line) != nil, "malformed comment: \(line)")
        }
    }

    @Test("each family has HELP and TYPE once, before its samples, and stays together")
    func families() {
        var helped: Set<String> = [], typed: Set<String> = []
        var current = ""
        for line in parsed {
            switch line {
            case .help(let name):
                #expect(helped.insert(name).inserted, "HELP twice for \(name)")
                current = name
            case .type(let name, _):
                #expect(typed.insert(name).inserted, "TYPE twice for \(name)")
                #expect(name == current, "TYPE of \(name) apart from its HELP")
            case .sample(let name, _, _):
                #expect(name == current && typed.contains(name), "\(name) sample outside its family")
            }
        }
        #expect(helped == typed)
        #expect(helped.count > 40, "families: \(helped.sorted())")
    }

    @Test("counters end in _total and are typed counter; everything else is a gauge")
    func kinds() {
        for case .type(let name, let kind) in parsed {
            #expect(kind == (name.hasSuffix("_total") ? "counter" : "gauge"), "\(name) is \(kind)")
        }
    }

    @Test("every worker counter has a family with one sample per worker slot")
    func workerCounters() {
        for counter in Layout.WorkerCounter.allCases {
            let found = samples("tterminal_worker_" + counter.name)
            #expect(found.map { $0.labels["worker"] ?? "" }.sorted() == ["1", "2", "3"])
            for slot in [1, 2] {
                #expect(found.first { $0.labels["worker"] == "\(slot)" }?.value == Double(SegmentFixture.value(counter, slot: slot)))
            }
        }
        #expect(samples("tterminal_worker_connections").first?.value == 5)
        #expect(samples("tterminal_worker_bad_requests_total").first?.value == 2)
        #expect(samples("tterminal_worker_rate_limited_total").first?.value == 6)
        #expect(samples("tterminal_worker_ring_lag").first { $0.labels["worker"] == "1" }?.value == 10)
        #expect(samples("tterminal_worker_ring_laps_total").first?.value == 1)
    }

    @Test("processes, ring and feed figures come from the control block")
    func serverFigures() {
        let restarts = samples("tterminal_process_restarts_total")
        #expect(restarts.first { $0.labels == ["role": "feeder", "slot": "0"] }?.value == 1)
        #expect(restarts.first { $0.labels == ["role": "worker", "slot": "3"] }?.value == 4)
        #expect(samples("tterminal_process_up").map(\.value) == [1, 1, 1, 0])
        #expect(samples("tterminal_ring_epoch").first?.value == 3)
        #expect(samples("tterminal_ring_latest_sequence").first?.value == 100)
        #expect(samples("tterminal_ring_records_written_total").first?.value == 99)
        #expect(samples("tterminal_feed_stalls_total").first?.value == 2)
        #expect(samples("tterminal_feed_live_connections").first?.value == 4)
        let latency = samples("tterminal_feed_publish_latency_seconds")
        #expect(latency.map { $0.labels["quantile"] ?? "" } == ["0.5", "0.99", "0.999", "1"])
        #expect(latency.first?.value == 1.5e-6)
        #expect(latency.last?.value == 0.002)
        #expect(samples("tterminal_feed_publish_latency_samples_total").first?.value == 10)
    }

    @Test("gap counters are labelled by symbol and market, label values escaped")
    func symbolLabels() {
        let gaps = samples("tterminal_feed_gaps_found_total")
        #expect(gaps.count == 4)
        #expect(gaps.first { $0.labels == ["symbol": SegmentFixture.awkwardSymbol, "market": "futures"] }?.value == 7)
        #expect(text.contains(#"tterminal_feed_gaps_found_total{symbol="A\"B\\C\nD",market="futures"} 7"#))
    }

    @Test("help text and label values escape backslash and newline; only labels escape quotes")
    func escaping() {
        #expect(PrometheusText.escape("a\\b\n\"c\"", quotes: true) == #"a\\b\n\"c\""#)
        #expect(PrometheusText.escape("a\\b\n\"c\"", quotes: false) == #"a\\b\n"c""#)
        #expect(PrometheusText.number(.nan) == "NaN" && PrometheusText.number(-.infinity) == "-Inf")
    }
}

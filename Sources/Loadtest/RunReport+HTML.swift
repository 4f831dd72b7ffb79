import Glibc

/// One second of a run, as the progress line showed it.
public struct TimelinePoint: Sendable {
    public var seconds: Double
    public var deliveriesPerSecond: Double
    public var p99Micros: Int64
    public var open: Int64
    public var phase: String
}

/// `--html`: one self-contained page (inline SVG, no scripts) with the run's figures, the latency
/// distribution (value by percentile, the percentile axis stretched towards the tail as
/// HdrHistogram's plots do) and deliveries and p99 over time.
extension RunReport {
    public var html: String {
        var page = "<!doctype html><meta charset=utf-8><title>tterminal loadtest</title>"
        page += "<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:960px}pre{background:#f4f4f4;padding:1em}"
        page += "svg{background:#fff;border:1px solid #ddd}text{font:11px system-ui,sans-serif}</style>"
        page += "<h1>tterminal loadtest ws</h1><p>\(Self.escape(config.url)) · \(config.connections) connections</p>"
        page += "<h2>Latency distribution (µs, feeder receive → client receive)</h2>" + latencyChart()
        page += "<h2>Deliveries per second and p99 over time</h2>" + timelineChart()
        if !faultEvents.isEmpty { page += "<h2>Faults</h2>" + faultHTML() }
        page += "<h2>Figures</h2><pre>\(Self.escape(table))</pre>"
        return page + "\n"
    }

    /// Latency at percentiles 0 … 99.999 and the max (at the right edge), x = −log10(1 − p):
    /// each step right is ten times rarer.
    func latencyChart() -> String {
        guard latency.totalCount > 0 else { return "<p>no latency recorded</p>" }
        let nines = [0.0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999]
        let ticks = nines.map { (Self.tail($0), $0 == 0 ? "0" : Self.trim($0)) } + [(Self.tail(100), "max")]
        return Self.chart(series: [("latency", "#1f77b4", latencyPoints)], xTicks: ticks, xLabel: "percentile", yLabel: "µs")
    }

    /// The curve's points: every 5 % to 90, every 1 to 99, every 0.1 to 99.9, then 99.95,
    /// 99.99, 99.995, 99.999 and the largest latency recorded (steps counted in integers, so
    /// rounding cannot end the curve early).
    var latencyPoints: [(x: Double, y: Double)] {
        let percentiles = stride(from: 0, through: 90, by: 5).map(Double.init) + (91...99).map(Double.init)
            + (991...999).map { Double($0) / 10 } + [99.95, 99.99, 99.995, 99.999]
        return percentiles.map { (Self.tail($0), Double(percentile($0))) } + [(Self.tail(100), Double(maxLatencyMicros))]
    }

    /// Deliveries/s (left axis) and the recent p99 in ms (scaled onto the same plot) per second.
    func timelineChart() -> String {
        guard timeline.count > 1 else { return "<p>too short for a timeline</p>" }
        let rate = timeline.map { (x: $0.seconds, y: $0.deliveriesPerSecond) }
        let peakRate = max(rate.map(\.y).max() ?? 1, 1)
        let peakP99 = max(Double(timeline.map(\.p99Micros).max() ?? 1), 1)
        let p99 = timeline.map { (x: $0.seconds, y: Double($0.p99Micros) / peakP99 * peakRate) }
        let step = max(1, timeline.count / 10)
        let ticks = stride(from: 0, to: timeline.count, by: step).map { (timeline[$0].seconds, "\(Int(timeline[$0].seconds)) s") }
        let markers = faultEvents.compactMap { event in event.runSeconds.map { ($0, event.spec.text) } }
        return Self.chart(series: [("deliveries/s", "#2ca02c", rate),
                                   ("p99 (peak \(Self.trim(peakP99 / 1000)) ms)", "#d62728", p99)],
                          xTicks: ticks, xLabel: "time", yLabel: "deliveries/s", markers: markers)
    }

    /// The faults table as HTML.
    func faultHTML() -> String {
        let head = Self.faultHeader.map { "<th>\(Self.escape($0))</th>" }.joined()
        let rows = faultRows.map { "<tr>" + $0.map { "<td>\(Self.escape($0))</td>" }.joined() + "</tr>" }.joined()
        return "<table border=1 cellspacing=0 cellpadding=4><tr>\(head)</tr>\(rows)</table>"
            + "<p>reconnect: a client's lost connection → subscribed again; recovery: the fault → the first live trade of"
            + " each affected client (the largest: every one live again).</p>"
    }

    static func tail(_ percentile: Double) -> Double { -log10(max(1 - percentile / 100, 1e-6)) }

    /// `v` to three decimals, without trailing zeros.
    static func trim(_ v: Double) -> String {
        var text = "\((v * 1000).rounded() / 1000)"
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    /// A line chart of `series` in a 900 × 320 SVG with labelled axes.
    static func chart(series: [(name: String, color: String, points: [(x: Double, y: Double)])],
                      xTicks: [(Double, String)], xLabel: String, yLabel: String, markers: [(Double, String)] = []) -> String {
        let (w, h, left, bottom) = (900.0, 320.0, 70.0, 40.0)
        let all = series.flatMap(\.points)
        let xMax = max(all.map(\.x).max() ?? 1, xTicks.map(\.0).max() ?? 1, 1e-9)
        let xMin = min(all.map(\.x).min() ?? 0, 0)
        let yMax = max(all.map(\.y).max() ?? 1, 1)
        func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * (w - left - 20) }
        func py(_ y: Double) -> Double { h - bottom - y / yMax * (h - bottom - 20) }
        var svg = "<svg width=\(Int(w)) height=\(Int(h)) viewBox=\"0 0 \(Int(w)) \(Int(h))\">"
        svg += "<line x1=\(left) y1=\(h - bottom) x2=\(w - 20) y2=\(h - bottom) stroke=#888 />"
        svg += "<line x1=\(left) y1=20 x2=\(left) y2=\(h - bottom) stroke=#888 />"
        for (x, label) in xTicks {
            svg += "<text x=\(px(x)) y=\(h - bottom + 15) text-anchor=middle>\(escape(label))</text>"
        }
        for i in 0...4 {
            let y = yMax * Double(i) / 4
            svg += "<text x=\(left - 5) y=\(py(y) + 4) text-anchor=end>\(Int(y.rounded()))</text>"
            svg += "<line x1=\(left) y1=\(py(y)) x2=\(w - 20) y2=\(py(y)) stroke=#eee />"
        }
        svg += "<text x=\(w / 2) y=\(h - 5) text-anchor=middle>\(escape(xLabel))</text>"
        svg += "<text x=12 y=14>\(escape(yLabel))</text>"
        for (x, label) in markers where x >= xMin && x <= xMax {
            svg += "<line x1=\(px(x)) y1=20 x2=\(px(x)) y2=\(h - bottom) stroke=#9467bd stroke-dasharray=\"4 3\" />"
            svg += "<text x=\(px(x) + 3) y=32 fill=#9467bd>\(escape(label))</text>"
        }
        for (index, s) in series.enumerated() {
            let path = s.points.map { "\(px($0.x)),\(py($0.y))" }.joined(separator: " ")
            svg += "<polyline fill=none stroke=\"\(s.color)\" stroke-width=2 points=\"\(path)\" />"
            svg += "<text x=\(left + 10 + Double(index) * 220) y=14 fill=\"\(s.color)\">\(escape(s.name))</text>"
        }
        return svg + "</svg>"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}

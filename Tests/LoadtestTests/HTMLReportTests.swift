import Foundation
import Testing
@testable import Loadtest

/// `--html`: the self-contained report page.
@Suite("HTML report")
struct HTMLReportTests {
    @Test("the page draws the latency distribution and the timeline as SVG lines, and escapes what it quotes")
    func page() throws {
        let config = try WSLoadConfig(url: "ws://127.0.0.1:9/ws?a=1&b=<2>", connections: 4, arrivalRate: 100, processes: 1,
                                      subscribe: "{}", warmupSeconds: 0, durationSeconds: 10)
        var run = RunReport(config: config)
        for v: UInt64 in [100, 200, 300, 400, 5_000] { run.latency.record(v) }
        run.timeline = (0..<5).map { TimelinePoint(seconds: Double($0), deliveriesPerSecond: Double($0) * 1000, p99Micros: 800,
                                                   open: 4, phase: "measuring") }
        let page = run.html
        #expect(page.hasPrefix("<!doctype html>") && !page.contains("<script"))
        #expect(page.components(separatedBy: "<svg").count == 3)
        #expect(page.components(separatedBy: "<polyline").count == 4, "one latency line, two timeline lines")
        #expect(page.contains("ws://127.0.0.1:9/ws?a=1&amp;b=&lt;2&gt;") && !page.contains("b=<2>"))
        #expect(page.contains(">99.9<") && page.contains(">4 s<"))
    }

    @Test("the latency curve runs to 99.999 and ends at the max, at the axis's right edge")
    func curveReachesTheMax() throws {
        let config = try WSLoadConfig(url: "ws://127.0.0.1:9/ws", connections: 4, arrivalRate: 100, processes: 1,
                                      subscribe: "{}", warmupSeconds: 0, durationSeconds: 10)
        var run = RunReport(config: config)
        run.latency.record(100, count: 99_990)
        run.latency.record(5_000, count: 9)
        run.latency.record(90_000)
        run.maxLatencyMicros = 90_000
        let points = run.latencyPoints
        #expect(points.contains { abs($0.x - RunReport.tail(99.999)) < 1e-9 })
        let last = try #require(points.last)
        #expect(last.y == 90_000 && abs(last.x - RunReport.tail(100)) < 1e-9, "\(last)")
        #expect(points.map(\.x) == points.map(\.x).sorted())
        #expect(run.html.contains(">max<"))
    }

    @Test("the percentile axis stretches towards the tail: each nine is one step")
    func tailAxis() {
        #expect(RunReport.tail(0) == 0)
        #expect(abs(RunReport.tail(90) - 1) < 1e-9 && abs(RunReport.tail(99) - 2) < 1e-9 && abs(RunReport.tail(99.9) - 3) < 1e-9)
        #expect(RunReport.trim(99.9) == "99.9" && RunReport.trim(50) == "50" && RunReport.trim(0.0001) == "0")
    }

    @Test("a run without latency or with one second of timeline says so instead of drawing")
    func empty() throws {
        let config = try WSLoadConfig(url: "ws://127.0.0.1:9/ws", connections: 1, arrivalRate: 1, processes: 1, subscribe: nil,
                                      warmupSeconds: 0, durationSeconds: 1)
        let page = RunReport(config: config).html
        #expect(page.contains("no latency recorded") && page.contains("too short for a timeline"))
    }
}

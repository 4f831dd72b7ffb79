import SimulatorServer
import Testing
@testable import Loadtest

/// `--fault KIND[:ARG…]@TIME`: what is accepted, what each means, and what is refused in words.
@Suite("Fault specs")
struct FaultSpecTests {
    @Test("the four faults of the issue parse with their times, in seconds or milliseconds")
    func theFour() throws {
        #expect(try FaultSpec(parsing: "kill-worker@10s").kind == .killWorker(slot: nil))
        #expect(try FaultSpec(parsing: "kill-worker@10s").atSeconds == 10)
        #expect(try FaultSpec(parsing: "kill-feeder@20").kind == .killFeeder)
        #expect(try FaultSpec(parsing: "hup@2.5s").atSeconds == 2.5)
        #expect(try FaultSpec(parsing: "hup@1500ms").atSeconds == 1.5)
        let drop = try FaultSpec(parsing: "sim-drop@40s")
        #expect(drop.kind == .simulator(kind: "drop", venue: "futures", symbol: nil))
        #expect(drop.simulatorQuery == "kind=drop&venue=futures")
        #expect(drop.text == "sim-drop@40s" && drop.description == "sim-drop@40s")
    }

    @Test("arguments: a worker slot, a simulator venue and symbol")
    func arguments() throws {
        #expect(try FaultSpec(parsing: "kill-worker:2@1s").kind == .killWorker(slot: 2))
        let skip = try FaultSpec(parsing: "sim-skipTrade:spot:btcusdt@3s")
        #expect(skip.kind == .simulator(kind: "skipTrade", venue: "spot", symbol: "BTCUSDT"))
        #expect(skip.simulatorQuery == "kind=skipTrade&venue=spot&symbol=BTCUSDT")
        #expect(try FaultSpec(parsing: "sim-stall:spot@0").simulatorQuery == "kind=stall&venue=spot")
    }

    @Test("feed faults affect every open client; connection faults only those they disconnect")
    func whoIsHit() throws {
        #expect(try !FaultSpec(parsing: "kill-worker@1").hitsFeed)
        #expect(try !FaultSpec(parsing: "hup@1").hitsFeed)
        #expect(try FaultSpec(parsing: "kill-feeder@1").hitsFeed)
        #expect(try FaultSpec(parsing: "sim-drop@1").hitsFeed)
        #expect(try FaultSpec(parsing: "hup@1").needsServerProcesses)
        #expect(try !FaultSpec(parsing: "sim-drop@1").needsServerProcesses)
    }

    @Test("a feed fault on a venue or symbol the clients do not subscribe to does not reach them")
    func reaches() throws {
        let futures = #"{"type":"subscribe","symbol":"BTCUSDT","market":"futures","channels":["aggTrades"]}"#
        #expect(try FaultSpec(parsing: "sim-drop@1").reaches(subscription: futures))
        #expect(try FaultSpec(parsing: "sim-drop:futures:btcusdt@1").reaches(subscription: futures))
        #expect(try !FaultSpec(parsing: "sim-drop:spot@1").reaches(subscription: futures))
        #expect(try !FaultSpec(parsing: "sim-drop:futures:ETHUSDT@1").reaches(subscription: futures))
        #expect(try FaultSpec(parsing: "sim-drop:spot@1").reaches(subscription: #"{"type":"subscribe","symbol":"BTCUSDT"}"#))
        #expect(try FaultSpec(parsing: "kill-feeder@1").reaches(subscription: futures))
        #expect(try !FaultSpec(parsing: "kill-worker@1").reaches(subscription: futures))
    }

    @Test("every fault kind the simulator has is accepted as sim-<kind>")
    func everySimulatorKind() throws {
        #expect(Set(FaultSpec.simulatorKinds) == Set(FaultKind.allCases.map(\.rawValue)))
        for kind in FaultKind.allCases where !kind.needsSymbol {
            #expect(throws: Never.self) { try FaultSpec(parsing: "sim-\(kind.rawValue)@1s") }
        }
    }

    @Test("malformed specs are refused with a message naming the spec",
          arguments: ["kill-worker", "@10s", "kill-worker@", "kill-worker@-1s", "kill-worker@tens", "kill-worker:x@1s",
                      "kill-worker:1:2@1s", "kill-feeder:1@1s", "hup:now@1s", "reboot@1s", "sim-explode@1s",
                      "sim-drop:moon@1s", "sim-skipTrade@1s", "sim-drop:spot:BTC-USDT@1s", "kill-worker@1s@2s"])
    func refused(text: String) {
        let error = #expect(throws: LoadtestError.self) { try FaultSpec(parsing: text) }
        #expect(error?.description.contains(text) == true)
    }

    func config(faults: [String], control: String? = nil) throws -> WSLoadConfig {
        var config = try WSLoadConfig(url: "ws://127.0.0.1:8080/ws", connections: 10, arrivalRate: 100, processes: 1,
                                      subscribe: #"{"type":"subscribe","symbol":"BTCUSDT","channels":["aggTrades"]}"#,
                                      warmupSeconds: 0, durationSeconds: 20)
        config.faults = try faults.map { text throws(LoadtestError) in try FaultSpec(parsing: text) }
        config.simulatorControl = control
        return config
    }

    @Test("faults are kept in time order and must fall inside the window")
    func inTheWindow() throws {
        let config = try config(faults: ["hup@15s", "kill-worker@5s"])
        #expect(config.faults.map(\.text) == ["kill-worker@5s", "hup@15s"])
        try config.validate()
        #expect(throws: LoadtestError.self) { try self.config(faults: ["hup@20s"]).validate() }
    }

    @Test("sim faults need a loopback control URL")
    func simulatorControl() throws {
        #expect(throws: LoadtestError.self) { try self.config(faults: ["sim-drop@1s"]).validate() }
        #expect(throws: LoadtestError.self) { try self.config(faults: ["sim-drop@1s"], control: "http://10.0.0.1:80/sim").validate() }
        try config(faults: ["sim-drop@1s"], control: "http://127.0.0.1:9000/sim/").validate()
        let target = try HTTPTarget(url: "http://127.0.0.1:9000/sim/")
        #expect(target.port == 9000 && target.path == "/sim" && SourceAddresses.format(target.host) == "127.0.0.1")
    }

    @Test("a subscription with channels can resume; the child arguments carry reconnect")
    func resumable() throws {
        var config = try config(faults: [])
        #expect(config.resumable)
        config.reconnect = true
        #expect(try WSLoadConfig(arguments: config.arguments).reconnect)
        config.subscribe = #"{"type":"subscribe","symbol":"BTCUSDT"}"#
        #expect(!config.resumable)
    }
}

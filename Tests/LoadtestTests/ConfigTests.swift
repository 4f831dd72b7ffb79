import Testing
@testable import Loadtest

/// Options, source address spreading and the split over processes.
@Suite("Run configuration")
struct ConfigTests {
    func config(connections: Int = 10_000, processes: Int? = nil, sources: SourceAddresses? = nil) throws -> WSLoadConfig {
        try WSLoadConfig(url: "ws://127.0.0.1:8080/api/v1/websocket/connect", connections: connections, arrivalRate: 5_000,
                         processes: processes, sources: sources, subscribe: #"{"type":"subscribe","symbol":"BTCUSDT"}"#,
                         warmupSeconds: 2, durationSeconds: 10)
    }

    @Test("ranges and lists of source addresses expand in order and print back the same")
    func sourceRanges() throws {
        let sources = try SourceAddresses(parsing: "127.0.0.1-127.0.0.3,127.0.1.9,127.0.2.1-127.0.2.2")
        #expect(sources.addresses.map(SourceAddresses.format) == ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.1.9", "127.0.2.1", "127.0.2.2"])
        #expect(sources.description == "127.0.0.1-127.0.0.3,127.0.1.9,127.0.2.1-127.0.2.2")
        #expect(try SourceAddresses(parsing: sources.description) == sources)
    }

    @Test("more connections than the given source addresses have local ports is refused before anything starts, naming how many are needed")
    func portsPerAddress() throws {
        let ports = WSLoadConfig.localPorts()
        let one = try SourceAddresses(parsing: "127.0.0.1")
        let fits = try WSLoadConfig(url: "ws://127.0.0.1:1/x", connections: ports, arrivalRate: 1000, processes: 4, sources: one,
                                    subscribe: nil, warmupSeconds: 0, durationSeconds: 1)
        try fits.validate()
        do throws(LoadtestError) {
            let over = try WSLoadConfig(url: "ws://127.0.0.1:1/x", connections: ports + 1, arrivalRate: 1000, processes: 4, sources: one,
                                        subscribe: nil, warmupSeconds: 0, durationSeconds: 1)
            try over.validate()
            Issue.record("\(ports + 1) connections from one address accepted")
        } catch {
            #expect(error.description.contains("give at least 2 addresses"), "\(error)")
        }
    }

    @Test("a read interval over 100 ms is refused: the sockets would back up and the run measure the harness")
    func readIntervalBound() throws {
        var config = try WSLoadConfig(url: "ws://127.0.0.1:1/x", connections: 1, arrivalRate: 1000, processes: 1,
                                      subscribe: nil, warmupSeconds: 0, durationSeconds: 1)
        config.readIntervalSeconds = 0.1
        try config.validate()
        config.readIntervalSeconds = 1
        #expect(throws: LoadtestError.self) { try config.validate() }
    }

    @Test("connections take source addresses round-robin")
    func roundRobin() throws {
        let sources = try SourceAddresses(parsing: "127.0.0.1-127.0.0.4")
        let picked = (0..<8).map { SourceAddresses.format(sources.address(forConnection: $0)) }
        #expect(picked == ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"])
    }

    @Test("addresses outside 127/8, reversed ranges and bad octets are refused")
    func badSources() {
        #expect(throws: LoadtestError.self) { try SourceAddresses(parsing: "10.0.0.1") }
        #expect(throws: LoadtestError.self) { try SourceAddresses(parsing: "127.0.0.1-") }
        #expect(throws: LoadtestError.self) { try SourceAddresses(parsing: "127.0.0.1,,127.0.0.2") }
        #expect(throws: LoadtestError.self) { try SourceAddresses(parsing: "127.0.0.9-127.0.0.1") }
        #expect(throws: LoadtestError.self) { try SourceAddresses(parsing: "127.0.0.256") }
        #expect(throws: LoadtestError.self) { try SourceAddresses(parsing: "") }
    }

    @Test("without a list, one source address per 4,000 connections")
    func automaticSources() {
        #expect(SourceAddresses.automatic(connections: 1_000).description == "127.0.0.1")
        #expect(SourceAddresses.automatic(connections: 50_000).description == "127.0.0.1-127.0.0.13")
    }

    @Test("the URL gives host, port and path, and must be loopback")
    func url() throws {
        let c = try config()
        #expect(c.host == 0x7F00_0001 && c.port == 8080 && c.path == "/api/v1/websocket/connect")
        #expect(throws: LoadtestError.self) {
            try WSLoadConfig(url: "ws://10.1.1.1:80/", connections: 1, arrivalRate: 1, subscribe: nil, warmupSeconds: 0, durationSeconds: 1)
        }
        #expect(throws: LoadtestError.self) {
            try WSLoadConfig(url: "wss://127.0.0.1/", connections: 1, arrivalRate: 1, subscribe: nil, warmupSeconds: 0, durationSeconds: 1)
        }
    }

    @Test("processes default to at most 15,000 sockets each, and too few are refused")
    func processCount() throws {
        #expect(try config(connections: 1_000).processes == 1)
        #expect(try config(connections: 50_000).processes == 4)
        #expect(throws: LoadtestError.self) { try config(connections: 50_000, processes: 2) }
    }

    @Test("the processes' shares add up to the run, and every connection index is used once")
    func shares() throws {
        let c = try config(connections: 10_007, processes: 3)
        let shares = (0..<3).map { c.share(ofProcess: $0) }
        #expect(shares.map(\.connections).reduce(0, +) == 10_007)
        let indices = (0..<3).flatMap { p in (0..<shares[p].connections).map { c.globalIndex(process: p, local: $0) } }
        #expect(Set(indices) == Set(0..<10_007))
    }

    @Test("the configuration survives the trip to a child process")
    func childArguments() throws {
        var c = try config(sources: try SourceAddresses(parsing: "127.0.0.1-127.0.0.40"))
        c.expectRate = 20
        c.connectTimeoutSeconds = 7
        c.receiveTime = .read
        c.busyPoll = true
        let back = try WSLoadConfig(arguments: c.arguments)
        #expect(back == c)
        var idle = try config()
        idle.subscribe = nil
        #expect(try WSLoadConfig(arguments: idle.arguments).subscribe == nil)
    }
}

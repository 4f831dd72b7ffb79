import Testing
@testable import Worker

/// The fields the parser keeps for a WebSocket upgrade.
@Suite("HTTP parser: upgrade fields")
struct HTTPParserUpgradeTests {
    static let upgrade = "GET /ws HTTP/1.1\r\nsec-websocket-key: abc\r\nHost: t\r\nConnection: keep-alive, Upgrade\r\n"
        + "UPGRADE: websocket\r\nSec-WebSocket-Version: 13\r\nUser-Agent: x\r\n\r\n"

    @Test("an upgrade request keeps Upgrade, Connection, key and version, in any order and however it is cut",
          arguments: ParserHarness.Feeding.allCases)
    func keepsFields(_ feeding: ParserHarness.Feeding) throws {
        let results = ParserHarness.results(Self.upgrade, feeding)
        guard case .request(let request) = try #require(results.first) else { return #expect(Bool(false)) }
        #expect(request.wantsUpgrade)
        #expect(request.upgradeFields == [
            HTTPHeaderField(name: "Sec-WebSocket-Key", value: "abc"),
            HTTPHeaderField(name: "Connection", value: "Upgrade"),
            HTTPHeaderField(name: "Upgrade", value: "websocket"),
            HTTPHeaderField(name: "Sec-WebSocket-Version", value: "13"),
        ])
    }

    @Test("a request without Upgrade carries no upgrade fields, even with a WebSocket key")
    func plainRequest() throws {
        let results = ParserHarness.results("GET / HTTP/1.1\r\nHost: t\r\nSec-WebSocket-Key: abc\r\n\r\n", .allAtOnce)
        guard case .request(let request) = try #require(results.first) else { return #expect(Bool(false)) }
        #expect(!request.wantsUpgrade && request.upgradeFields.isEmpty)
    }
}

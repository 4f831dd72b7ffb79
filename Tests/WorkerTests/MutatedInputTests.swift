import Glibc
import Simulator
import Testing
import WebSocketCore
@testable import Worker

/// Thousands of damaged inputs through the whole connection path of a loop (HTTP parser,
/// upgrade, frame decoder, message assembly and UTF-8 checks, the terminal protocol's JSON):
/// valid byte streams and messages, cut, flipped, spliced and truncated by a seeded generator.
/// Whatever arrives, the loop must not trap (a trap would end this test process), must let go
/// of every connection once its peer hangs up, and must serve the next client as before.
/// `MUTATION_SEED` and `MUTATION_CASES` run other or longer series.
@Suite("Mutated input through the loop")
struct MutatedInputTests {
    static let seed = getenv("MUTATION_SEED").flatMap { UInt64(String(cString: $0)) } ?? 0x7474_6572_6D69_6E6C
    static let cases = getenv("MUTATION_CASES").flatMap { Int(String(cString: $0)) } ?? 4_000

    /// Valid HTTP exchanges, one connection each.
    static let requests: [String] = [
        "GET /api/v1/health HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET /api/v1/health HTTP/1.1\r\nHost: t\r\n\r\nGET /api/v1/websocket/price/BTCUSDT HTTP/1.1\r\nHost: t\r\n\r\n"
            + "HEAD /api/v1/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        "POST /api/v1/data-collection/symbols HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n"
            + #"{"symbol":"ETHUSDT"}"#,
        "GET /api/v1/candles/BTCUSDT/1m?limit=5&market=spot HTTP/1.1\r\nHost: t\r\nIf-None-Match: \"abc\"\r\n"
            + "Origin: http://x\r\nAccept-Encoding: gzip\r\n\r\n",
        "OPTIONS /api/v1/health HTTP/1.1\r\nHost: t\r\nAccess-Control-Request-Method: GET\r\n\r\n",
        "GET /api/v1/health HTTP/1.0\r\n\r\n",
    ]

    /// Messages of the terminal protocol and its extended subscribe (API.md §2).
    static let messages: [String] = [
        #"{"type":"subscribe","symbol":"btcusdt"}"#,
        #"{"type":"subscribe","symbol":"ETHUSDT","market":"spot"}"#,
        #"{"type":"subscribe","symbol":"BTCUSDT","channels":["trades","depth","klines:1m","bookTicker"],"epoch":1,"seq":12345}"#,
        #"{"type":"unsubscribe","symbol":"BTCUSDT"}"#,
        #"{"type":"ping"}"#,
        #"{"type":"getStats"}"#,
        #"{"type":"subscribe","symbol":"ETHUSDT","market":"futures","channels":["aggTrades","markPrice","liquidations"]}"#,
    ]

    static let upgrade = WebSocketClientHandshake(key: "dGhlIHNhbXBsZSBub25jZQ==").request(host: "t", path: "/api/v1/websocket/connect")

    /// A masked frame.
    static func frame(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true) -> [UInt8] {
        WebSocketFrameEncoder.frame(opcode: opcode, fin: fin, payload: payload, maskingKey: WebSocketMaskingKey(0x3712_5A0C))
    }

    /// An upgrade, then `texts` as text frames with control frames and a fragmented message
    /// among them, and a close (a binary frame before it, which the protocol refuses, if `binary`).
    static func webSocketSession(_ texts: [[UInt8]], binary: Bool = false) -> [UInt8] {
        var out = upgrade
        for (i, text) in texts.enumerated() {
            if i == 1 { out += frame(.ping, Array("hb".utf8)) }
            if i == 2 && text.count > 4 {
                out += frame(.text, Array(text[..<4]), fin: false) + frame(.pong, []) + frame(.continuation, Array(text[4...]))
            } else {
                out += frame(.text, text)
            }
        }
        return out + (binary ? frame(.binary, [1, 2, 3]) : []) + frame(.close, [0x03, 0xE8] + Array("bye".utf8))
    }

    /// The loop, a damaged input per connection, and the checks between them.
    final class Run {
        let s = ScriptedLoop(options: .testing, hooks: RecordingHooks(symbols: ["BTCUSDT", "ETHUSDT"], markers: true))
        var rng: SimRandom

        init(seed: UInt64) { rng = SimRandom(seed: seed) }

        /// Completes every send the loop started until it starts no more.
        func settle() {
            for _ in 0..<64 {
                let sends = s.backend.sentBytes
                s.backend.clearOperations()
                guard !sends.isEmpty else { return }
                for send in sends { s.backend.complete(send.tag, result: Int32(send.bytes.count)) }
                s.turn()
            }
        }

        /// One connection: `bytes` in random pieces, now and then the clock moved past a
        /// timeout, then the peer hangs up. Every connection must be gone afterwards.
        func play(_ bytes: [UInt8], case number: Int) {
            guard let tag = s.accept(fd: Int32(100 + number % 1_000)) else {
                Issue.record("case \(number): no receive armed for a new connection")
                return
            }
            var offset = 0
            while offset < bytes.count {
                let size = min(Int.random(in: 1...ScriptedBackend.bufferSize, using: &rng), bytes.count - offset)
                s.backend.receive(bytes: Array(bytes[offset..<offset + size]), for: tag)
                s.turn()
                settle()
                offset += size
                if Int.random(in: 0..<40, using: &rng) == 0 { tick(milliseconds: Int64.random(in: 1...6_000, using: &rng)) }
            }
            s.backend.complete(tag, result: 0)
            s.turn()
            settle()
            tick(milliseconds: 10)
            let open = s.loop.counters.connectionsOpen
            #expect(open == 0, "case \(number): \(open) connection(s) left after the peer hung up; input \(bytes.prefix(200))")
        }

        func tick(milliseconds: Int64) {
            s.clock.advance(milliseconds: milliseconds)
            s.backend.complete(CompletionTag(op: .tick), result: -ETIME)
            s.turn()
            settle()
        }

        /// `bytes` damaged by one to six edits of any bytes, or (`json`) by one or two edits drawn
        /// from JSON's own characters, which leave more messages parseable but odd.
        func mutate(_ bytes: [UInt8], json: Bool = false) -> [UInt8] {
            var b = bytes
            let alphabet = Array((json ? #"{}[]:,"\-.0123456789eE tfnrsuyBT"# : "\0\u{7F}\r\n :\"{}[],9").utf8) + (json ? [] : [0x80, 0xFF, 0xC3, 0xED])
            func some(_ range: ClosedRange<Int>) -> [UInt8] {
                (0..<Int.random(in: range, using: &rng)).map { _ in
                    json || Bool.random(using: &rng) ? alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
                }
            }
            for _ in 0..<Int.random(in: json ? 1...2 : 1...6, using: &rng) {
                guard !b.isEmpty else { break }
                let at = Int.random(in: 0..<b.count, using: &rng)
                switch Int.random(in: json ? 1..<6 : 0..<7, using: &rng) {
                case 0: b[at] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                case 1: b[at] = alphabet.randomElement(using: &rng)!
                case 2: b.insert(contentsOf: some(json ? 1...3 : 1...16), at: at)
                case 3: b.removeSubrange(at..<min(b.count, at + Int.random(in: json ? 1...3 : 1...16, using: &rng)))
                case 4, 5:
                    let piece = Array(b[at..<min(b.count, at + Int.random(in: 1...24, using: &rng))])
                    b.insert(contentsOf: piece, at: Int.random(in: 0...b.count, using: &rng))
                default: b.removeSubrange(at...)
                }
            }
            return b
        }

        /// Afterwards the loop still answers a plain request and holds nothing of the damaged ones.
        func expectServing() {
            guard let tag = s.accept(fd: 9) else {
                Issue.record("no receive armed for the last connection")
                return
            }
            s.backend.receive("GET /api/v1/health HTTP/1.1\r\nHost: t\r\n\r\n", for: tag)
            s.turn()
            let reply = s.backend.sends.last?.text ?? ""
            #expect(reply.hasPrefix("HTTP/1.1 200 OK"), "\(reply.prefix(120))")
            settle()
            s.backend.complete(tag, result: 0)
            s.turn()
            settle()
            #expect(s.loop.counters.connectionsOpen == 0 && s.loop.counters.webSocketsOpen == 0 && s.loop.counters.terminalClients == 0)
            #expect(s.loop.subscriptionIndex.isEmpty)
        }
    }

    @Test("damaged HTTP requests and WebSocket byte streams: no trap, every connection let go, the loop still serves")
    func damagedStreams() {
        let run = Run(seed: Self.seed)
        let texts = Self.messages.map { Array($0.utf8) }
        let streams = Self.requests.map { Array($0.utf8) } + [Self.webSocketSession(texts), Self.webSocketSession(texts, binary: true)]
        for number in 0..<Self.cases {
            let stream = streams[number % streams.count]
            run.play(number % 10 == 0 ? stream : run.mutate(stream), case: number)
        }
        #expect(run.s.loop.counters.badRequests > 0 && run.s.loop.counters.requestsServed > Self.cases / 10,
                "the series reached both the parser's refusals and answered requests")
        run.expectServing()
    }

    @Test("damaged messages in well-formed frames: every one answered or refused, the connection kept or closed, never a trap")
    func damagedMessages() {
        let run = Run(seed: Self.seed ^ 0x5555)
        for number in 0..<Self.cases {
            let texts = (0..<Int.random(in: 1...4, using: &run.rng)).map { _ in
                run.mutate(Array(Self.messages.randomElement(using: &run.rng)!.utf8), json: true)
            }
            run.play(Self.webSocketSession(texts, binary: number % 8 == 0), case: number)
        }
        // An upgrade is left whole, but the clock may pass the header timeout between its pieces (408).
        let c = run.s.loop.counters
        #expect(c.webSocketsOpened + c.requestTimeouts == Self.cases && c.webSocketsOpened > Self.cases * 9 / 10, "\(c)")
        let subscribed = run.s.hooks.subscriptionEvents.withLock { $0.filter { $0.hasPrefix("+") }.count }
        #expect(subscribed > Self.cases / 50, "damaged series still reach subscriptions (\(subscribed))")
        run.expectServing()
    }
}

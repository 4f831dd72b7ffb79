import Testing
@testable import Loadtest

/// The byte scan that finds a server message's type and a trade's id, `recv_us` and `seq`.
@Suite("Server messages")
struct ServerMessageTests {
    static let trade = #"{"type":"trade_update","symbol":"BTCUSDT","price":61837.6,"quantity":0.012,"is_buyer_maker":true,"trade_time":1732712345120,"id":12345,"recv_us":1732712345123456,"timestamp":1732712345123,"seq":987}"#

    func scan(_ text: String) -> ServerMessage {
        Array(text.utf8).withUnsafeBytes { ServerMessage.scan($0) }
    }

    @Test("a trade_update gives its aggregate id, the feeder's receive time and the ring sequence")
    func trade() {
        #expect(scan(Self.trade) == .trade(id: 12345, receivedMicros: 1_732_712_345_123_456, sequence: 987))
    }

    @Test("a trade without the extra fields reads them as -1")
    func tradeWithoutExtras() {
        let text = #"{"type":"trade_update","symbol":"BTCUSDT","price":1,"quantity":2,"is_buyer_maker":false,"trade_time":5,"timestamp":6}"#
        #expect(scan(text) == .trade(id: -1, receivedMicros: -1, sequence: -1))
    }

    @Test("the other types the harness counts are told apart")
    func otherTypes() {
        #expect(scan(#"{"type":"gap","symbol":"BTCUSDT","channel":"trade_update","from_id":1,"to_id":5}"#) == .gap)
        #expect(scan(#"{"type":"connected","clientId":"0000abcd","message":"hi","timestamp":1}"#) == .connected)
        #expect(scan(#"{"type":"subscribed","symbol":"BTCUSDT","market":"futures"}"#) == .subscribed(epoch: -1, sequence: -1))
        #expect(scan(#"{"type":"error","message":"unknown symbol"}"#) == .error)
        #expect(scan(#"{"type":"depth_update","symbol":"BTCUSDT","bids":[],"asks":[],"seq":4}"#) == .other)
        #expect(scan("not json at all") == .other)
        #expect(scan("") == .other)
    }

    @Test("type is found even when it is not the first field")
    func typeLater() {
        #expect(scan(#"{"seq":3,"type":"trade_update","id":7,"recv_us":9,"seq":3}"#) == .trade(id: 7, receivedMicros: 9, sequence: 3))
    }

    @Test("a key is found at the very end of the text and not beyond it")
    func keyAtEdges() {
        let bytes = Array(#"xx"seq":"#.utf8)
        bytes.withUnsafeBytes { buffer in
            #expect(Key.sequence.find(in: buffer, from: 0) == 2)
            #expect(Key.sequence.find(in: buffer, from: 3) == nil)
            #expect(Key.sequence.find(in: UnsafeRawBufferPointer(rebasing: buffer[..<7]), from: 0) == nil)
        }
    }

    @Test("integers parse with a sign and stop at the first non-digit")
    func integers() {
        Array(#"-42,17}  x"#.utf8).withUnsafeBytes { buffer in
            #expect(ServerMessage.integer(in: buffer, at: 0) == -42)
            #expect(ServerMessage.integer(in: buffer, at: 4) == 17)
            #expect(ServerMessage.integer(in: buffer, at: 7) == -1)
        }
    }
}

extension ServerMessageTests {
    @Test("integers of every length up to 18 digits parse the same eight at a time as one by one")
    func longIntegers() {
        for digits in 1...18 {
            let text = String(String(1_732_712_345_123_456_789 as Int64).prefix(digits))
            Array((text + ",").utf8).withUnsafeBytes { buffer in
                #expect(ServerMessage.integer(in: buffer, at: 0) == Int64(text))
            }
        }
        #expect(ServerMessage.eightDigits(0x3837_3635_3433_3231) == 12_345_678)
        #expect(ServerMessage.eightDigits(0x3837_3635_2C33_3231) == nil)
    }
}

extension ServerMessageTests {
    @Test("the last byte is found at every alignment, within its bounds")
    func lastByte() {
        for padding in 0..<20 {
            let text = String(repeating: "x", count: padding) + ":abc:defghijklmnop"
            Array(text.utf8).withUnsafeBytes { buffer in
                #expect(Key.lastByte(UInt8(ascii: ":"), in: buffer, from: 0, before: buffer.count) == padding + 4)
                #expect(Key.lastByte(UInt8(ascii: ":"), in: buffer, from: 0, before: padding + 4) == padding)
                #expect(Key.lastByte(UInt8(ascii: ":"), in: buffer, from: padding + 1, before: padding + 4) == nil)
            }
        }
        #expect(Key.equalLanes(0x7600_7676_0076_0000, 0x7676_7676_7676_7676) == 0x8000_8080_0080_0000)
    }

    @Test("the fast path from the end and the forward search agree; an unusual ending falls back")
    func tailAndForward() {
        Array(Self.trade.utf8).withUnsafeBytes { buffer in
            #expect(ServerMessage.tradeFromTail(buffer) == ServerMessage.trade(buffer, after: 22))
        }
        let extra = Self.trade.dropLast() + #","extra":1}"#
        #expect(Array(extra.utf8).withUnsafeBytes { ServerMessage.tradeFromTail($0) } == nil)
        #expect(scan(String(extra)) == .trade(id: 12345, receivedMicros: 1_732_712_345_123_456, sequence: 987))
    }
}

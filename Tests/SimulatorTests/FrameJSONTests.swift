import Foundation
@testable import Market
@testable import Simulator
import Testing

@Suite("Frames are valid JSON with Binance's types")
struct FrameJSONTests {
    @Test("every frame is valid JSON: decimals are strings, ids and times are integers, the wrapper names the stream")
    func validJSON() throws {
        var market = makeMarket(seed: 31)
        let events = run(&market, steps: 700)
        let decimalKeys: Set<String> = ["p", "q", "b", "B", "a", "A", "o", "c", "h", "l", "v", "V", "Q", "i", "P", "r",
                                        "w", "x", "ap", "z"]
        let integerKeys: Set<String> = ["E", "T", "t", "U", "u", "pu", "f", "L", "n", "O", "C", "F"]
        for e in events {
            if case .malformed = e { continue }
            let stream = BinanceFrames.stream(for: e)
            let frame = BinanceFrames.frame(e, stream: stream, specs: specs)
            let top = try #require(try JSONSerialization.jsonObject(with: Data(frame)) as? [String: Any])
            #expect(top["stream"] as? String == stream)
            var payload = try #require(top["data"] as? [String: Any])
            if let inner = payload["k"] as? [String: Any] ?? payload["o"] as? [String: Any] {
                #expect(inner["s"] as? String != nil)
                payload = inner
            }
            for (k, v) in payload {
                // aggTrade's `a` and `l` are ids; depth's `b`/`a` are level arrays; kline's `x` a bool.
                let ids = payload["e"] as? String == "aggTrade" && (k == "a" || k == "l")
                if decimalKeys.contains(k), !ids, !(v is [Any]), !(v is Bool) {
                    #expect(v is String, "\(k) in \(String(decoding: frame, as: UTF8.self))")
                }
                // forceOrder's `f` is the time in force ("IOC"), not an id.
                if integerKeys.contains(k), !(k == "f" && payload["S"] != nil) {
                    #expect((v as? Int64) != nil && !(v is String), "\(k)")
                }
            }
        }
    }
}

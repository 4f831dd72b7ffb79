import Foundation
import Testing
@testable import Analytics

/// Test helpers: samples with defaults and JSON decoding of encoder output.
enum Fixture {
    static func candle(_ t: Int64 = 0, low: Double, high: Double, volume: Double, takerBuy: Double) -> CandleSample {
        CandleSample(openTimeMs: t, closeTimeMs: t + 59_999, open: low, high: high, low: low, close: high,
                     volume: volume, takerBuyVolume: takerBuy)
    }

    static func flat(_ price: Double, volume: Double, takerBuy: Double = 0) -> CandleSample {
        candle(low: price, high: price, volume: volume, takerBuy: takerBuy)
    }

    static func buy(_ t: Int64, _ price: Double, _ quantity: Double) -> TradeSample {
        TradeSample(timeMs: t, price: price, quantity: quantity, buyerIsMaker: false)
    }

    static func sell(_ t: Int64, _ price: Double, _ quantity: Double) -> TradeSample {
        TradeSample(timeMs: t, price: price, quantity: quantity, buyerIsMaker: true)
    }
}

/// The encoder's bytes as a String, for exact comparison.
func encoded(_ append: (inout [UInt8]) -> Void) -> String {
    var out: [UInt8] = []
    append(&out)
    return String(decoding: out, as: UTF8.self)
}

/// The encoder's bytes parsed by Foundation: proves they are valid JSON.
func parsed(_ append: (inout [UInt8]) -> Void) throws -> [String: Any] {
    var out: [UInt8] = []
    append(&out)
    let object = try JSONSerialization.jsonObject(with: Data(out))
    return try #require(object as? [String: Any])
}

import Market

/// Runs the parser over the frame set: once to classify, then timed passes over everything
/// and over each event type's frames alone.
struct ParseBenchmark {
    let frames: FrameSet
    let repeats: Int
    static let kinds = ["trade", "aggTrade", "kline", "depthUpdate", "depthSnapshot", "bookTicker", "ticker",
                        "markPrice", "forceOrder", "unknown", "unknownSymbol", "malformed"]

    struct Figures {
        var frames = 0
        var nanos: Int64 = 0
        var framesPerSecond: Double { nanos > 0 ? Double(frames) * 1e9 / Double(nanos) : 0 }
        var nanosPerFrame: Double { frames > 0 ? Double(nanos) / Double(frames) : 0 }
    }

    struct Result {
        var totalFrames = 0
        var bytes = 0
        var repeats = 0
        var overall = Figures()
        var perKind: [(String, Int, Figures)] = []
        var malformed = 0
        var checksum: Int64 = 0

        var humanLines: String {
            var s = "parse: \(totalFrames) frames (\(bytes) bytes) x \(repeats): "
            s += "\(Int(overall.framesPerSecond)) frames/s, \(fmt(overall.nanosPerFrame)) ns/frame, "
            s += "\(fmt(Double(bytes) * Double(repeats) / Double(overall.nanos))) GB/s, malformed \(malformed)"
            for (name, count, f) in perKind {
                s += "\n  \(name): \(count) frames, \(Int(f.framesPerSecond)) frames/s, \(fmt(f.nanosPerFrame)) ns/frame"
            }
            return s
        }

        var jsonLine: String {
            var s = "{\"frames\":\(totalFrames),\"bytes\":\(bytes),\"repeats\":\(repeats),"
            s += "\"frames_per_s\":\(Int(overall.framesPerSecond)),\"ns_per_frame\":\(fmt(overall.nanosPerFrame)),"
            s += "\"malformed\":\(malformed),\"per_type\":{"
            s += perKind.map { name, count, f in
                "\"\(name)\":{\"frames\":\(count),\"frames_per_s\":\(Int(f.framesPerSecond)),\"ns_per_frame\":\(fmt(f.nanosPerFrame))}"
            }.joined(separator: ",")
            return s + "}}"
        }

        func fmt(_ v: Double) -> String {
            let r = (v * 10).rounded() / 10
            return "\(r)"
        }
    }

    func run() -> Result {
        var symbols = BinanceSymbolTable()
        _ = symbols.add("BTCUSDT")
        _ = symbols.add("ETHUSDT")
        var parser = BinanceParser(symbols: symbols)
        var byKind = Array(repeating: [Int](), count: Self.kinds.count)
        var result = Result(totalFrames: frames.count, bytes: frames.lengths.reduce(0, +), repeats: repeats)
        frames.bytes.withUnsafeBytes { raw in
            for i in 0..<frames.count {
                let event = parser.parse(UnsafeRawBufferPointer(rebasing: raw[frames.starts[i]..<frames.starts[i] + frames.lengths[i]]))
                byKind[Self.kind(event)].append(i)
            }
            let all = Array(0..<frames.count)
            result.overall = time(&parser, raw, all, &result.checksum)
            for (k, indices) in byKind.enumerated() where !indices.isEmpty {
                result.perKind.append((Self.kinds[k], indices.count, time(&parser, raw, indices, &result.checksum)))
            }
        }
        result.malformed = byKind[Self.kinds.count - 1].count
        return result
    }

    /// `repeats` passes over `indices`; the checksum keeps the work observable.
    func time(_ parser: inout BinanceParser, _ raw: UnsafeRawBufferPointer, _ indices: [Int],
              _ checksum: inout Int64) -> Figures {
        let starts = frames.starts
        let lengths = frames.lengths
        var sum: Int64 = 0
        let t0 = monotonicNanos()
        for _ in 0..<repeats {
            for i in indices {
                let frame = UnsafeRawBufferPointer(start: raw.baseAddress! + starts[i], count: lengths[i])
                sum &+= Self.digest(parser.parse(frame))
            }
        }
        let t1 = monotonicNanos()
        checksum &+= sum
        return Figures(frames: indices.count * repeats, nanos: t1 - t0)
    }

    static func kind(_ e: MarketEvent) -> Int {
        switch e {
        case .trade: 0
        case .aggTrade: 1
        case .kline: 2
        case .depthUpdate: 3
        case .depthSnapshot: 4
        case .bookTicker: 5
        case .ticker: 6
        case .markPrice: 7
        case .forceOrder: 8
        case .unknown: 9
        case .unknownSymbol: 10
        case .malformed: 11
        }
    }

    @inline(__always)
    static func digest(_ e: MarketEvent) -> Int64 {
        switch e {
        case .trade(let t): t.price &+ t.tradeId
        case .bookTicker(let b): b.bidPrice &+ b.updateId
        case .depthUpdate(let d): d.finalUpdateId &+ Int64(d.bidCount)
        case .depthSnapshot(let d): d.lastUpdateId
        default: Int64(kind(e))
        }
    }
}

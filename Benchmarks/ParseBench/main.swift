import Glibc
import Market

// `tterminal-parse-bench [--repeat N] [--json] [file…]`: parses every frame of the
// hftbacktest recordings (or the given files) N times on one core and reports frames/s and
// ns/frame overall and per event type, plus the malformed count.
var repeats = 10
var json = false
var paths: [String] = []
var words = Array(CommandLine.arguments.dropFirst())[...]
while let word = words.popFirst() {
    switch word {
    case "--json": json = true
    case "--repeat":
        guard let n = words.popFirst().flatMap({ Int($0) }), n > 0 else { fail("--repeat needs a count") }
        repeats = n
    case let w where w.hasPrefix("--"):
        fail("usage: tterminal-parse-bench [--repeat N] [--json] [file…]")
    default: paths.append(word)
    }
}
if paths.isEmpty {
    let dir = "fixtures/binance/hftbacktest/"
    paths = ["spot_btcusdt_20240808", "spot_btcusdt_20240809", "spot_ethusdt_20240808", "spot_ethusdt_20240809",
             "usdm_btcusdt_20240808", "usdm_ethusdt_20240808", "spot_btcusdt_20230405_legacy"].map { dir + $0 + ".gz" }
}

var frames = FrameSet()
for path in paths { frames.load(path) }
guard frames.count > 0 else { fail("no frames") }

let result = ParseBenchmark(frames: frames, repeats: repeats).run()
print(json ? result.jsonLine : result.humanLines)

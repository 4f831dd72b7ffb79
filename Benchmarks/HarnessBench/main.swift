import Glibc
import Loadtest
import Market
import Posix
import WebSocketCore

// `tterminal-harness-bench [--repeat N] [--json]`: the load-test client's user-space cost per
// delivery. A buffer of 4,096 `trade_update` frames, encoded by the server's own encoder, goes
// through `ClientSession.receive` (frame scan, message scan, latency histogram, id accounting)
// N times on one core, the way the client treats each read. Prints ns per message; under
// `valgrind --tool=callgrind` the instruction count per message is the repeatable figure.
let arguments = Array(CommandLine.arguments.dropFirst())
let json = arguments.contains("--json")
let repeats = arguments.firstIndex(of: "--repeat").map { arguments.indices.contains($0 + 1) ? Int(arguments[$0 + 1]) ?? 0 : 0 } ?? 200
if repeats <= 0 || arguments.contains(where: { $0.hasPrefix("--") && $0 != "--json" && $0 != "--repeat" }) {
    fail("usage: tterminal-harness-bench [--repeat N] [--json]")
}

func fail(_ message: String) -> Never {
    _ = try? FD.writeAll(2, "tterminal-harness-bench: \(message)\n")
    exit(2)
}

let messagesPerBuffer = 4096
let firstMicros = Clock.realtimeNanos() / 1000
var stream: [UInt8] = []
for i in 0..<messagesPerBuffer {
    var out = JSONBytes(capacity: 256)
    TerminalMessages.tradeUpdate(&out, symbol: "BTCUSDT", tradeId: 3_100_000_000 + Int64(i), price: 6_183_760_000_000,
                                 quantity: 1_200_000, buyerIsMaker: i & 1 == 0, tradeTimeMs: firstMicros / 1000,
                                 timestampMs: firstMicros / 1000, receivedUs: firstMicros + Int64(i),
                                 sequence: 812_345_678 + UInt64(i) * 3)
    stream += WebSocketFrameEncoder.frame(opcode: .text, payload: out.bytes)
}

var session = ClientSession()
session.phase = .open
var stats = ProcessStats()
let clock = ReceiveClock(nowMicros: firstMicros + 5_000, inWindow: true)
let start = Clock.monotonicNanos()
stream.withUnsafeBytes { bytes in
    for round in 0..<repeats {
        // Each round a new client: ids and sequences start over without counting as duplicates.
        if round > 0 { session = ClientSession(); session.phase = .open }
        let (consumed, action) = session.receive(bytes, clock: clock, stats: &stats)
        if consumed != bytes.count || action != .none { fail("the session stopped at \(consumed): \(action)") }
    }
}
let elapsed = Clock.monotonicNanos() - start
let messages = repeats * messagesPerBuffer
guard stats.trades == Int64(messages), session.missing == 0 else { fail("\(stats.trades) trades read of \(messages)") }
let perMessage = Double(elapsed) / Double(messages)
let bytesPerMessage = Double(stream.count) / Double(messagesPerBuffer)
if json {
    print(#"{"messages":\#(messages),"bytes_per_message":\#(bytesPerMessage),"ns_per_message":\#(perMessage)}"#)
} else {
    print("harness user space: \(messages) trade_update messages of \(Int(bytesPerMessage)) B: "
          + "\(Double(Int(perMessage * 10)) / 10) ns per message")
}

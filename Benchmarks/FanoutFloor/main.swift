import CLibURing
import Glibc
import Histogram
import Loadtest
import Posix

// `tterminal-fanout-floor`: what fanning one tick out to N loopback TCP connections costs on
// this machine with nothing of tterminal in the way: no simulator, feeder or ring, no JSON or
// WebSocket frames. Sender threads write a 160-byte message (its first 8 bytes the tick's start,
// CLOCK_REALTIME ns) to each of their connections, one send each (plain send(), or with
// --uring 256 at a time through io_uring, as a worker sends), ticks evenly spaced at --rate;
// reader threads take them with epoll and recvmsg and the kernel's arrival stamp
// (SO_TIMESTAMPNS), as `tterminal loadtest` does. Latency is tick start → arrival at the
// reader's socket, the span the harness measures from the feeder's receive time.
//
// Two processes, as server and harness are: this one sends (its threads standing for workers),
// a child it starts reads (its threads standing for harness processes). Nothing runs between
// the tick and the sends, so a figure this tool cannot reach on this machine, the server cannot
// reach either with its client on the same cores. `make bench` runs it in the shapes of
// scenarios a, a2 and b (scripts/bench.sh).
//
//   tterminal-fanout-floor --connections 1000 --rate 100 --senders 1 --readers 1 --seconds 10 --uring

struct Options {
    var connections = 1000
    var rate = 100.0
    /// Messages per send: a saturated worker's send carries several ticks.
    var batch = 1
    var senders = 1
    var readers = 1
    var seconds = 10.0
    var warmup = 2.0
    var busyPoll = false
    /// Senders submit each tick's sends in batches through io_uring, as the worker does.
    var uring = false
    var json = false
    var sources = "127.0.10.1-127.0.10.4"
    /// Set in the reader process the tool starts: the sender's port.
    var readerOf: UInt16?
}

func fail(_ message: String) -> Never {
    _ = try? FD.writeAll(2, "tterminal-fanout-floor: \(message)\n")
    exit(2)
}

func parseOptions() -> Options {
    var o = Options()
    var args = Array(CommandLine.arguments.dropFirst())[...]
    func value(_ name: String) -> String {
        guard let v = args.popFirst() else { fail("\(name) needs a value") }
        return v
    }
    func number(_ name: String) -> Double {
        guard let v = Double(value(name)), v.isFinite, v > 0 else { fail("\(name) must be a positive number") }
        return v
    }
    while let arg = args.popFirst() {
        switch arg {
        case "--connections": o.connections = Int(number(arg))
        case "--rate": o.rate = number(arg)
        case "--batch": o.batch = Int(number(arg))
        case "--senders": o.senders = Int(number(arg))
        case "--readers": o.readers = Int(number(arg))
        case "--seconds": o.seconds = number(arg)
        case "--warmup": o.warmup = number(arg)
        case "--sources": o.sources = value(arg)
        case "--busy-poll": o.busyPoll = true
        case "--uring": o.uring = true
        case "--json": o.json = true
        case "--reader-of": o.readerOf = UInt16(value(arg))
        default:
            fail("unknown option \(arg); usage: tterminal-fanout-floor [--connections N] [--rate TICKS_PER_S] "
                 + "[--batch MESSAGES_PER_SEND] [--senders N] [--readers N] [--seconds S] [--warmup S] [--sources A-B] [--busy-poll] [--uring] [--json]")
        }
    }
    guard o.connections <= 18_000 else { fail("--connections at most 18,000 (one process's descriptors per side)") }
    guard o.batch <= 400 else { fail("--batch at most 400 (64 KB per send)") }
    guard o.senders <= o.connections, o.readers <= o.connections else { fail("more threads than connections") }
    return o
}

let options = parseOptions()
nonisolated let messageSize = 160

// MARK: schedule

/// When ticks start, the measured window (CLOCK_REALTIME ns) and the tick spacing; the sender
/// fixes it once every connection is up and hands it to the reader.
struct Schedule: Sendable {
    var startNs: Int64
    var windowStart: Int64
    var windowEnd: Int64
    var tickNs: Int64
    var busyPoll: Bool
    var uring: Bool
    var batch: Int

    init(_ options: Options) {
        startNs = Clock.realtimeNanos() + 300_000_000
        windowStart = startNs + Int64(options.warmup * 1e9)
        windowEnd = windowStart + Int64(options.seconds * 1e9)
        tickNs = Int64(1e9 / options.rate)
        busyPoll = options.busyPoll
        uring = options.uring
        batch = options.batch
    }

    /// The ticks sent in the window, by number.
    var windowTicks: Range<Int64> {
        ((windowStart - startNs + tickNs - 1) / tickNs)..<((windowEnd - startNs + tickNs - 1) / tickNs)
    }

    var line: String { "\(startNs) \(windowStart) \(windowEnd)\n" }

    mutating func take(_ line: Substring) -> Bool {
        let f = line.split(separator: " ").compactMap { Int64($0) }
        guard f.count == 3 else { return false }
        (startNs, windowStart, windowEnd) = (f[0], f[1], f[2])
        return true
    }
}

/// What one thread measured; the main thread reads it after joining the thread.
final class ThreadResult: @unchecked Sendable {
    var cpuNanos: Int64 = 0
    /// Sends made (senders) or reads made (readers).
    var operations = 0
    /// Messages received in the window (readers).
    var messages = 0
    /// Sends that did not take the whole message (senders).
    var shortSends = 0
    var histogram = LatencyHistogram.make()
}

/// Sleeps until CLOCK_REALTIME `ns`.
func sleep(untilRealtime ns: Int64) {
    var t = timespec(tv_sec: Int(ns / 1_000_000_000), tv_nsec: Int(ns % 1_000_000_000))
    while clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &t, nil) == EINTR {}
}

/// Reads `fd` to its end.
func readAll(_ fd: Int32) -> String {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = Glibc.read(fd, &chunk, chunk.count)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        bytes += chunk[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Reads one line from `fd` (byte by byte: it is short and comes once).
func readLine(_ fd: Int32) -> Substring? {
    var bytes: [UInt8] = []
    var byte: UInt8 = 0
    while true {
        let n = Glibc.read(fd, &byte, 1)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return nil }
        if byte == 10 { return String(decoding: bytes, as: UTF8.self)[...] }
        bytes.append(byte)
    }
}

// MARK: senders

/// Writes each tick to `fds`, ticks at `startNs + k × tickNs` until the window's end.
func send(to fds: [Int32], _ t: Schedule, result: ThreadResult) {
    let sendSize = messageSize * t.batch
    var message = [UInt8](repeating: 0x20, count: sendSize)
    var tick: Int64 = 0
    var ring: UnsafeMutablePointer<io_uring>?
    if t.uring {
        ring = .allocate(capacity: 1)
        let rc = io_uring_queue_init(4096, ring, 0)
        guard rc == 0 else { fail("io_uring_queue_init: \(String(cString: strerror(-rc)))") }
    }
    defer { if let ring { io_uring_queue_exit(ring); ring.deallocate() } }
    let cpu0 = Clock.threadCPUNanos()
    while true {
        let due = t.startNs + tick * t.tickNs
        if due >= t.windowEnd + 100_000_000 { break }
        sleep(untilRealtime: due)
        let stamp = Clock.realtimeNanos()
        message.withUnsafeMutableBytes { bytes in
            for m in 0..<t.batch {
                bytes.storeBytes(of: stamp, toByteOffset: m * messageSize, as: Int64.self)
                bytes.storeBytes(of: tick, toByteOffset: m * messageSize + 8, as: Int64.self)
            }
        }
        message.withUnsafeBytes { bytes in
            if let ring {
                result.shortSends += sendBatched(fds, bytes, ring)
                return
            }
            for fd in fds {
                let n = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL))
                if n != bytes.count { result.shortSends += 1 }
            }
        }
        result.operations += fds.count
        tick += 1
    }
    result.cpuNanos = Clock.threadCPUNanos() - cpu0
}

/// One send per descriptor through `ring`, submitted 256 at a time (the worker's part size is
/// 128–256), completions reaped after each batch; the number of sends that fell short.
func sendBatched(_ fds: [Int32], _ bytes: UnsafeRawBufferPointer, _ ring: UnsafeMutablePointer<io_uring>) -> Int {
    var short = 0
    var index = 0
    var cqe: UnsafeMutablePointer<io_uring_cqe>?
    while index < fds.count {
        let end = min(fds.count, index + 256)
        for fd in fds[index..<end] {
            let sqe = io_uring_get_sqe(ring)!
            io_uring_prep_send(sqe, fd, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL))
        }
        _ = io_uring_submit_and_wait(ring, UInt32(end - index))
        for _ in index..<end {
            guard io_uring_wait_cqe(ring, &cqe) == 0, let c = cqe else { break }
            if c.pointee.res != Int32(bytes.count) { short += 1 }
            io_uring_cqe_seen(ring, c)
        }
        index = end
    }
    return short
}

// MARK: readers

/// Reads `fds` until the window has ended and the last ticks arrived; records each message's
/// tick start → arrival.
func read(_ fds: [Int32], _ t: Schedule, result: ThreadResult) {
    let epoll: Epoll
    do {
        epoll = try Epoll()
        for (i, fd) in fds.enumerated() {
            try epoll.add(fd, events: Epoll.readable | Epoll.edgeTriggered, token: UInt64(i))
        }
    } catch { fail("epoll: \(error)") }
    let events = EpollEvents(capacity: 1024)
    // Per connection: bytes of the current message taken so far, and its head (stamp and tick
    // number, little-endian) as far as it came.
    var offset = [Int](repeating: 0, count: fds.count)
    var stamp = [Int64](repeating: 0, count: fds.count)
    var tick = [Int64](repeating: 0, count: fds.count)
    // A tick is measured by its number, not its stamp: a sender waking late must not move one in
    // or out of the window.
    let ticks = t.windowTicks
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
    defer { buffer.deallocate() }
    let cpu0 = Clock.threadCPUNanos()
    let stopAt = t.windowEnd + 300_000_000
    while Clock.realtimeNanos() < stopAt {
        let ready = epoll.wait(into: events, timeoutMillis: t.busyPoll ? 0 : 50)
        for e in 0..<ready {
            let c = Int(events.token(at: e))
            while true {
                var arrival: Int64 = 0
                let n = ClientSocket.receive(fds[c], into: buffer, arrivalNanos: &arrival)
                if n <= 0 { break }
                result.operations += 1
                var i = 0
                while i < n {
                    if offset[c] < 16 {
                        // The head's bytes, perhaps split over reads.
                        let take = min(16 - offset[c], n - i)
                        for k in 0..<take {
                            let at = offset[c] + k, byte = Int64(buffer[i + k])
                            if at < 8 { stamp[c] |= byte << (8 * Int64(at)) } else { tick[c] |= byte << (8 * Int64(at - 8)) }
                        }
                        offset[c] += take
                        i += take
                        if offset[c] == 16 && ticks.contains(tick[c]) {
                            result.messages += 1
                            result.histogram.record(UInt64(max(1, (arrival - stamp[c]) / 1000)))
                        }
                    } else {
                        let take = min(messageSize - offset[c], n - i)
                        offset[c] += take
                        i += take
                        if offset[c] == messageSize { (offset[c], stamp[c], tick[c]) = (0, 0, 0) }
                    }
                }
                if n < buffer.count { break }
            }
        }
    }
    result.cpuNanos = Clock.threadCPUNanos() - cpu0
}

/// The reader process: connects, says so, takes the schedule, reads, reports on stdout
/// (`messages reads cpuNanos` then `value:count,…`).
func runReader(port: UInt16) -> Never {
    let sources: SourceAddresses
    do { sources = try SourceAddresses(parsing: options.sources) } catch { fail("\(error)") }
    var fds: [Int32] = []
    for i in 0..<options.connections {
        do {
            let (fd, _) = try ClientSocket.connect(from: sources.address(forConnection: i), to: 0x7F00_0001,
                                                   port: port, stamped: true)
            fds.append(fd)
        } catch { fail("connection \(i): \(error)") }
    }
    var schedule = Schedule(options)
    guard let line = readLine(0), schedule.take(line) else { fail("reader: no schedule from the sender") }
    let results = (0..<options.readers).map { _ in ThreadResult() }
    let threads = (0..<options.readers).map { r in
        let mine = Array(stride(from: r, to: fds.count, by: options.readers).map { fds[$0] })
        let result = results[r]
        let schedule = schedule
        return JoinableThread { read(mine, schedule, result: result) }
    }
    for t in threads { t.join() }
    var total = LatencyHistogram.make()
    for r in results { total.add(r.histogram) }
    let messages = results.reduce(0) { $0 + $1.messages }
    let reads = results.reduce(0) { $0 + $1.operations }
    let cpu = results.reduce(Int64(0)) { $0 + $1.cpuNanos }
    _ = try? FD.writeAll(1, "\(messages) \(reads) \(cpu)\n\(LatencyHistogram.encode(LatencyHistogram.buckets(of: total)))\n")
    exit(0)
}

// MARK: sender (the tool's own process)

if let port = options.readerOf { runReader(port: port) }

let listenFD: Int32
do { listenFD = try Socket.listen(host: "127.0.0.1", port: 0) } catch { fail("\(error)") }
let control = try! ClientSocket.pipe()
let report = try! ClientSocket.pipe()
var arguments = Array(CommandLine.arguments.dropFirst())
arguments += ["--reader-of", "\(Socket.localPort(listenFD))"]
let child: pid_t
do {
    child = try Spawn.start(SpawnRequest(path: Spawn.selfExecutable, arguments: arguments,
                                         descriptors: [(control.read, 0), (report.write, 1)]))
} catch { fail("\(error)") }
FD.close(control.read)
FD.close(report.write)
var serverFDs: [Int32] = []
while serverFDs.count < options.connections {
    let s = Socket.acceptPending(listenFD)
    guard s >= 0 else { fail("accept: \(String(cString: strerror(-s)))") }
    Socket.setNoDelay(s)
    serverFDs.append(s)
}
let schedule = Schedule(options)
_ = try? FD.writeAll(control.write, schedule.line)
let senderResults = (0..<options.senders).map { _ in ThreadResult() }
let senders = (0..<options.senders).map { s in
    let mine = Array(stride(from: s, to: serverFDs.count, by: options.senders).map { serverFDs[$0] })
    let result = senderResults[s]
    return JoinableThread { send(to: mine, schedule, result: result) }
}
for t in senders { t.join() }
let answer = readAll(report.read).split(separator: "\n", omittingEmptySubsequences: false)
var status: Int32 = 0
waitpid(child, &status, 0)
guard answer.count >= 2 else { fail("the reader process reported nothing") }
let head = answer[0].split(separator: " ").compactMap { Int64($0) }
guard head.count == 3 else { fail("the reader process's report is malformed") }
let latency = LatencyHistogram.make(buckets: LatencyHistogram.decode(answer[1]))
let (received, reads, readerCPU) = (Int(head[0]), Int(head[1]), Double(head[2]))
let ticks = schedule.windowTicks.count
let expected = ticks * options.connections * options.batch
let sends = senderResults.reduce(0) { $0 + $1.operations }
let shortSends = senderResults.reduce(0) { $0 + $1.shortSends }
let senderCPU = Double(senderResults.reduce(Int64(0)) { $0 + $1.cpuNanos })
let perSend = senderCPU / Double(max(1, sends)) / 1000
let perReceived = readerCPU / Double(max(1, sends)) / 1000
let ratio = readerCPU / max(1, senderCPU)
func fixed(_ v: Double) -> String { Format.fixed(v, 2) }
let (p50, p90, p99, p999) = (latency.valueAtPercentile(50), latency.valueAtPercentile(90),
                             latency.valueAtPercentile(99), latency.valueAtPercentile(99.9))
var line = "fanout floor: \(options.connections) conns x \(options.rate) ticks/s"
line += "\(options.batch > 1 ? " of \(options.batch) messages a send" : ""), \(options.senders) sender(s), "
line += "\(options.readers) reader(s)\(options.busyPoll ? " busy-polling" : "")\(options.uring ? ", io_uring sends" : ""): latency us p50 \(p50) p90 \(p90) "
line += "p99 \(p99) p99.9 \(p999) max \(latency.max); received \(received)/\(expected) in the window; "
line += "sender CPU \(fixed(perSend)) us/send (\(sends) sends, \(shortSends) short), "
line += "reader CPU \(fixed(perReceived)) us per send received (\(reads) reads), reader/sender CPU \(fixed(ratio))\n"
_ = try? FD.writeAll(1, line)
if options.json {
    var doc = "{\"connections\":\(options.connections),\"rate\":\(options.rate),\"senders\":\(options.senders),"
    doc += "\"readers\":\(options.readers),\"busy_poll\":\(options.busyPoll),\"uring\":\(options.uring),\"p50_us\":\(p50),\"p90_us\":\(p90),"
    doc += "\"p99_us\":\(p99),\"p999_us\":\(p999),\"max_us\":\(latency.max),\"received\":\(received),"
    doc += "\"expected\":\(expected),\"sender_cpu_us_per_send\":\(perSend),\"reader_cpu_us_per_send\":\(perReceived),\"reader_over_sender_cpu\":\(ratio),\"batch\":\(options.batch)}\n"
    _ = try? FD.writeAll(1, doc)
}

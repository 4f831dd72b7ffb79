import Market
import Posix

/// How a worker runs: limits, timeouts, ring sizes and the signals it reads.
public struct WorkerOptions: Sendable {
    /// Connections beyond this many are accepted and closed at once (and counted).
    public var maxConnections = 10_000
    /// A request whose head (and body) has not fully arrived this long after its first byte
    /// gets 408 and the connection closes; also how long a new connection may stay silent.
    public var headerTimeout: Duration = .seconds(10)
    /// A keep-alive connection with nothing to do closes after this long.
    public var idleTimeout: Duration = .seconds(60)
    /// A connection whose queued output makes no progress for this long is dropped.
    public var sendTimeout: Duration = .seconds(30)
    /// On stop, connections still busy after this long are dropped.
    public var shutdownTimeout: Duration = .seconds(10)
    /// The periodic timer: timeouts are checked and `onTick` runs at this pace.
    public var tickInterval: Duration = .milliseconds(100)
    public var limits = HTTPLimits()
    /// More queued output than this for one connection (a client that sends and never reads)
    /// drops it.
    public var maxQueuedOutput = 4 << 20
    /// Other workers accept on the same listening socket (the supervisor's). io_uring's accept
    /// waits exclusively: a multishot accept at the head of the wait queue takes every
    /// connection, and a worker that cancels its accept while stopping can swallow the only
    /// wake-up of a connection, leaving it in the backlog until the next one arrives. So with
    /// a shared socket each worker polls it (a plain wait: every worker hears of every
    /// connection) and takes what waits with accept(2) on the non-blocking socket. With a
    /// socket of its own (SO_REUSEPORT) a worker accepts multishot.
    public var sharedListener = true
    /// On the shared socket a worker takes a waiting connection only while it holds fewer than
    /// this many more than the least loaded other worker (`WorkerHooks.fewestConnectionsElsewhere`);
    /// the others, told of every connection too (and woken when it stops with some waiting),
    /// take the rest, so a fan-out is shared evenly instead of by which worker woke first
    /// (4,500 / 5,500 of 10,000 was usual, 4,100 / 5,900 seen). What nobody took by the next
    /// tick it takes anyway (a peer may be stuck).
    public var acceptLead = 4
    /// Signals read through a signalfd; the worker blocks them in its thread. Empty: none.
    public var signals: [Signal] = [.term, .int, .quit, .usr1, .hup]
    /// Submission queue entries (completion queue: four times as many).
    public var ringEntries: UInt32 = 2048
    /// Sends started in one loop turn at most (the others start at the next turn): a turn's
    /// completions then fit the completion queue, which the kernel would otherwise spill, and
    /// between two parts of a large fan-out the loop reads the ring again (`EventLoop.turn`).
    /// On loopback a send takes 5–7 µs of the worker's core (the client socket's receive path
    /// included), so 128 is well under a millisecond.
    public var maxSendsPerTurn = 128
    /// How long a worker holding at least `coalesceMinClients` terminal clients waits after a
    /// wake-up before reading the ring (0: never waits). Ticks often come in bursts (two
    /// aggregate trades tens of µs apart): read at once, the first starts a fan-out and the
    /// second needs a send of its own to every connection already served; read together, they
    /// leave in one send per connection. In six alternating pairs of scenario a2 (BENCHMARKS.md,
    /// "2026-11-29 late") 150 µs lowered p99 in all six (by 0.1–1.7 ms) and the workers' CPU in
    /// five; with one worker it was neutral. A small fan-out costs microseconds: it never waits.
    public var coalesceWindow: Duration = .microseconds(150)
    public var coalesceMinClients = 256
    /// Provided receive buffers: a power of two, at most 32768.
    public var receiveBufferCount = 512
    public var receiveBufferSize = 4096
    /// A WebSocket connection is sent a ping this often.
    public var wsPingInterval: Duration = .seconds(30)
    /// A WebSocket connection that sent nothing (data or pong) for this long is closed.
    public var wsIdleTimeout: Duration = .seconds(75)
    /// After our close frame, the peer's close is awaited this long before TCP is closed.
    public var wsCloseTimeout: Duration = .seconds(5)
    /// Largest message (and frame) on the echo route (`WS_ECHO_MAX_BYTES`); Autobahn's 9.*
    /// cases send 16 MiB.
    public var wsEchoMaxMessage = 16 << 20
    /// Largest client message on the terminal route.
    public var wsTerminalMaxMessage = 64 << 10
    /// A WebSocket connection's soft queue bound for broadcast messages: past it a conflatable
    /// channel keeps its latest value and other messages are dropped (gap notice) or the
    /// client is closed, per `slowClientPolicy`.
    public var wsQueueBytes = 256 << 10
    public var slowClientPolicy = SlowClientPolicy.gapNotice
    /// Connections from one client address beyond this many are answered 503 and closed.
    public var maxConnectionsPerAddress = 5_000
    /// The kline intervals the server serves (the channels `klines:<interval>`).
    public var klineIntervals: [KlineInterval] = [.m1, .m5, .m15, .h1, .h4, .d1]

    /// Origins answered with CORS headers (`CORS_ORIGINS`); `*` allows any.
    public var corsOrigins: [String] = ["*"]
    /// Requests per second each client address may make (token bucket, every route,
    /// `RATE_LIMIT_RPS`); 0 turns the limit off.
    public var rateLimitPerSecond: Double = 0
    /// The bucket's size: requests a client may make at once after being quiet.
    public var rateLimitBurst = 40
    /// Each terminal WebSocket connection's budget for client messages (`WS_RATE_LIMIT_*`,
    /// `MessageBudget`); the rate 0 (the default here) turns it off.
    public var wsMessageLimits = MessageBudget.Limits(perSecond: 0, burst: 50, closeAfter: .seconds(5))

    public init() {}
}

/// What happens to a WebSocket client that falls behind by more than its queue bound.
public enum SlowClientPolicy: String, Sendable {
    /// Drop its messages and, once it has caught up, tell it which (it can resume).
    case gapNotice = "gap"
    /// Close it with 1008.
    case close
}

extension Duration {
    /// Whole nanoseconds (saturating).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product &+ attoseconds / 1_000_000_000
    }
}

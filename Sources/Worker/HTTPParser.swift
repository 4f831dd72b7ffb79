import Glibc

/// An incremental HTTP/1.1 request parser: a value fed bytes as they arrive, that hands back one
/// request at a time and leaves the rest of the input for the next call, so pipelined requests
/// come out in order. Chunked request bodies are not supported: any Transfer-Encoding is
/// answered with 501 (no route takes a body yet). Every error is final: the caller answers it
/// and closes.
public struct HTTPParser: Sendable {
    /// Where the parser is inside the current request.
    enum State: Sendable, Equatable {
        case requestLine
        case headers
        case body(remaining: Int)
        case failed(HTTPStatus)
    }

    private(set) var state: State = .requestLine
    let limits: HTTPLimits
    /// The start of a line that the input split; its capacity is kept between requests.
    private var carry: [UInt8] = []
    /// What the current request has said so far.
    var head = RequestHead()

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    /// No byte of an unfinished request is held.
    public var isIdle: Bool { state == .requestLine && carry.isEmpty }
    /// A request with `Expect: 100-continue` waits for its body: the caller sends
    /// `100 Continue` once (`takeContinue`), or the client stalls before sending it.
    private(set) var continueDue = false

    /// Whether a `100 Continue` is due now; true once per request.
    public mutating func takeContinue() -> Bool {
        defer { continueDue = false }
        return continueDue
    }

    /// Consumes bytes from the front of `input` until a request is complete, the input is used
    /// up, or the input is found wrong. On `.request`, `input` holds what follows the request.
    public mutating func parse(_ input: inout UnsafeRawBufferPointer) -> HTTPParseResult {
        while true {
            switch state {
            case .failed(let status):
                return .error(status)
            case .body(let remaining):
                return consumeBody(&input, remaining: remaining)
            case .requestLine, .headers:
                if let result = step(&input) { return result }
            }
        }
    }

    /// Takes one line (or stashes a partial one); nil means "go on".
    private mutating func step(_ input: inout UnsafeRawBufferPointer) -> HTTPParseResult? {
        guard let base = input.baseAddress, !input.isEmpty else { return .needMoreData }
        guard let lf = memchr(base, 0x0A, input.count) else {
            carry.append(contentsOf: input)
            input = UnsafeRawBufferPointer(rebasing: input[input.endIndex...])
            if let status = overflow(pendingLine: carry.count) { return fail(status) }
            return .needMoreData
        }
        let length = base.distance(to: UnsafeRawPointer(lf))
        let chunk = UnsafeRawBufferPointer(start: base, count: length)
        input = UnsafeRawBufferPointer(rebasing: input[(length + 1)...])
        if carry.isEmpty { return handle(line: Self.trimCR(chunk)) }
        carry.append(contentsOf: chunk)
        var line: [UInt8] = []
        swap(&line, &carry)
        defer {
            line.removeAll(keepingCapacity: true)
            swap(&line, &carry)
        }
        return line.withUnsafeBytes { handle(line: Self.trimCR($0)) }
    }

    /// The status for a line that has grown past its limit before its end arrived.
    private func overflow(pendingLine count: Int) -> HTTPStatus? {
        switch state {
        case .requestLine: count > limits.maxRequestLine ? .uriTooLong : nil
        case .headers: head.headerBytes + count > limits.maxHeaderBytes ? .headerFieldsTooLarge : nil
        default: nil
        }
    }

    private mutating func handle(line: UnsafeRawBufferPointer) -> HTTPParseResult? {
        if state == .requestLine {
            if line.isEmpty { return nil }  // RFC 9112 §2.2: ignore blank lines before a request
            if line.count > limits.maxRequestLine { return fail(.uriTooLong) }
            if let status = parseRequestLine(line) { return fail(status) }
            state = .headers
            return nil
        }
        head.headerBytes += line.count + 2
        if head.headerBytes > limits.maxHeaderBytes { return fail(.headerFieldsTooLarge) }
        if line.isEmpty { return finishHead() }
        if let status = parseHeader(line) { return fail(status) }
        return nil
    }

    /// The blank line after the headers: frame the body or finish the request.
    private mutating func finishHead() -> HTTPParseResult? {
        if head.hostCount > 1 || (head.version == .http11 && head.hostCount == 0) { return fail(.badRequest) }
        if head.transferEncoding { return fail(.notImplemented) }
        let length = head.contentLength ?? 0
        if length > 0 {
            head.body.reserveCapacity(length)
            state = .body(remaining: length)
            continueDue = head.expectContinue && head.version == .http11
            return nil
        }
        return complete()
    }

    private mutating func consumeBody(_ input: inout UnsafeRawBufferPointer, remaining: Int) -> HTTPParseResult {
        let take = min(remaining, input.count)
        head.body.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[..<take]))
        input = UnsafeRawBufferPointer(rebasing: input[take...])
        if take == remaining { return complete() }
        state = .body(remaining: remaining - take)
        return .needMoreData
    }

    private mutating func complete() -> HTTPParseResult {
        continueDue = false
        let keepAlive = head.version == .http11 ? !head.connectionClose : head.connectionKeepAlive && !head.connectionClose
        let request = HTTPRequest(method: head.method, path: head.path, query: head.query, version: head.version,
                                  keepAlive: keepAlive, body: head.body,
                                  upgradeFields: head.upgradeSeen ? head.upgradeFields : [],
                                  origin: head.origin, ifNoneMatch: head.ifNoneMatch)
        head = RequestHead()
        state = .requestLine
        return .request(request)
    }

    mutating func fail(_ status: HTTPStatus) -> HTTPParseResult {
        state = .failed(status)
        carry = []
        return .error(status)
    }

    private static func trimCR(_ line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        line.last == 0x0D ? UnsafeRawBufferPointer(rebasing: line.dropLast()) : line
    }
}

/// The parts of a request gathered while its head is read.
struct RequestHead: Sendable {
    var method = HTTPMethod.get
    var path = ""
    var query: String?
    var version = HTTPVersion.http11
    var headerBytes = 0
    var headerCount = 0
    var hostCount = 0
    var contentLength: Int?
    var transferEncoding = false
    var connectionClose = false
    var connectionKeepAlive = false
    var body: [UInt8] = []
    /// An `Upgrade` field arrived: `upgradeFields` goes into the request.
    var upgradeSeen = false
    /// Fields a WebSocket handshake needs, gathered whatever their order.
    var upgradeFields: [HTTPHeaderField] = []
    var origin: String?
    var ifNoneMatch: String?
    /// `Expect: 100-continue`.
    var expectContinue = false

    mutating func keep(_ name: StaticString, _ value: UnsafeRawBufferPointer) {
        upgradeFields.append(HTTPHeaderField(name: name.description, value: String(decoding: value, as: UTF8.self)))
    }

    /// Splits an origin-form target at its `?`; an empty path is `/`.
    mutating func setTarget(_ target: UnsafeRawBufferPointer) {
        guard !target.isEmpty else { return path = "/" }
        let mark = HTTPBytes.index(of: UInt8(ascii: "?"), in: target, from: 0) ?? target.count
        path = String(decoding: UnsafeRawBufferPointer(rebasing: target[..<mark]), as: UTF8.self)
        query = mark < target.count ? String(decoding: UnsafeRawBufferPointer(rebasing: target[(mark + 1)...]), as: UTF8.self) : nil
    }
}

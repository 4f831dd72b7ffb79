import Glibc

/// A frame encoded once and queued, by reference, to every connection it is for: a broadcast
/// costs one copy of the bytes whatever the number of subscribers (and a slow client's queue
/// holds references, not copies). Freed when the last queue and the last other owner let go.
///
/// Send queues hold a frame without reference counting per queue: the first queue to take it
/// retains it once, each queue adds one to `queueHolds`, and the last to let go releases it.
/// A broadcast to 1,000 connections then costs one atomic retain and release instead of 1,000
/// each (reference counting was 23 % of a worker's time at saturation). `queueHolds` is the
/// loop thread's alone, like the queues.
final class SharedFrame {
    let bytes: UnsafeMutableRawBufferPointer
    /// Send-queue pieces holding this frame (they share one strong reference).
    fileprivate var queueHolds = 0

    /// `count` bytes for the caller to fill.
    init(count: Int) { bytes = .allocate(byteCount: max(count, 1), alignment: 8) }

    deinit { bytes.deallocate() }

    /// A queue's hold: the frame stays alive until `letGo`.
    @inline(__always)
    fileprivate func hold() -> Unmanaged<SharedFrame> {
        if queueHolds == 0 { _ = Unmanaged.passRetained(self) }
        queueHolds += 1
        return Unmanaged.passUnretained(self)
    }
}

extension Unmanaged where Instance == SharedFrame {
    @inline(__always)
    fileprivate var bytes: UnsafeMutableRawBufferPointer { _withUnsafeGuaranteedRef { $0.bytes } }

    /// Ends a queue's hold; the last one releases the frame (it may be freed here).
    @inline(__always)
    fileprivate func letGo() {
        let last = _withUnsafeGuaranteedRef { frame -> Bool in
            frame.queueHolds -= 1
            return frame.queueHolds == 0
        }
        if last { release() }
    }
}

/// What the next send takes: one run of bytes, or (with shared frames queued) a message of
/// several (`msghdr` with its `iovec`s, valid until the send completes).
enum OutgoingBytes {
    case contiguous(UnsafeRawBufferPointer)
    case vector(UnsafeMutablePointer<msghdr>)

    /// Every byte, copied in order (tests, diagnostics).
    var gathered: [UInt8] {
        switch self {
        case .contiguous(let bytes):
            return Array(bytes)
        case .vector(let message):
            var out: [UInt8] = []
            for i in 0..<Int(message.pointee.msg_iovlen) {
                let run = message.pointee.msg_iov[i]
                out += UnsafeRawBufferPointer(start: run.iov_base, count: run.iov_len)
            }
            return out
        }
    }
}

/// A connection's outgoing bytes: its own (responses, replies) in a buffer, and broadcast
/// frames by reference, in the order they were queued. Two sides: the kernel reads `sending`
/// while the loop appends to `pending`; they trade places when a send completes. At most one
/// send is in flight, and it takes everything queued (up to `maxPieces` runs) at once.
struct SendQueue: ~Copyable {
    /// One run of a side's bytes: a range of its own buffer, or a shared frame (held, see
    /// `SharedFrame`) from `start`. No strong reference: copying pieces costs no retains.
    enum Piece {
        case own(start: Int, end: Int)
        case shared(Unmanaged<SharedFrame>, start: Int)
    }

    /// Most runs one send takes (IOV_MAX is 1024).
    static let maxPieces = 256

    private(set) var pending = RawBytes()
    /// Empty while `pending` holds only own bytes (the common, contiguous case).
    private var pendingPieces: [Piece] = []
    /// Own bytes of `pending` already described by a piece.
    private var pendingMark = 0
    private var pendingShared = 0
    private var sending = RawBytes()
    private var sendingPieces: [Piece] = []
    private var sendingHead = 0
    /// Bytes of `sending` (contiguous case) already sent.
    private var offset = 0
    private var sendingLeft = 0
    private(set) var inFlight = false
    /// The message header and vector of a vectored send, allocated on first use.
    private var message: UnsafeMutablePointer<msghdr>?
    private var vector: UnsafeMutablePointer<iovec>?
    private var vectorCapacity = 0

    init() {}

    /// Nothing waits and nothing is in flight.
    var isEmpty: Bool { !inFlight && pending.count == 0 && pendingPieces.isEmpty && sendingLeft == 0 }

    /// Bytes queued and not yet acknowledged by a send completion.
    var queuedBytes: Int { pending.count + pendingShared + sendingLeft }

    /// Where responses are written.
    @inline(__always)
    mutating func withPending<R>(_ body: (inout RawBytes) -> R) -> R { body(&pending) }

    /// Queues a shared frame after everything queued so far.
    mutating func append(_ frame: SharedFrame, from start: Int = 0) {
        closeOwnPiece()
        pendingPieces.append(.shared(frame.hold(), start: start))
        pendingShared += frame.bytes.count - start
    }

    private mutating func closeOwnPiece() {
        if pending.count > pendingMark { pendingPieces.append(.own(start: pendingMark, end: pending.count)) }
        pendingMark = pending.count
    }

    /// The bytes for the next send, when none is in flight and something waits; marks it in flight.
    mutating func beginSend() -> OutgoingBytes? {
        guard !inFlight else { return nil }
        if sendingLeft == 0 {
            guard pending.count > 0 || !pendingPieces.isEmpty else { return nil }
            if !pendingPieces.isEmpty { closeOwnPiece() }
            swap(&sending, &pending)
            swap(&sendingPieces, &pendingPieces)
            sendingLeft = sending.count + pendingShared  // own bytes (all in pieces, if any) and frames
            pending.removeAll()
            pendingPieces.removeAll(keepingCapacity: true)
            pendingMark = 0
            pendingShared = 0
            sendingHead = 0
            offset = 0
        }
        inFlight = true
        if sendingPieces.isEmpty {
            return .contiguous(UnsafeRawBufferPointer(start: sending.base! + offset, count: sending.count - offset))
        }
        if sendingHead == sendingPieces.count - 1, case .shared(let frame, let start) = sendingPieces[sendingHead] {
            // One frame (the usual broadcast): a plain send, no message header.
            return .contiguous(UnsafeRawBufferPointer(rebasing: frame.bytes[start...]))
        }
        return .vector(describe())
    }

    /// The `msghdr` over the sending pieces from the head, at most `maxPieces` of them.
    private mutating func describe() -> UnsafeMutablePointer<msghdr> {
        if message == nil { message = .allocate(capacity: 1) }
        let needed = min(sendingPieces.count - sendingHead, Self.maxPieces)
        if needed > vectorCapacity {
            // Sized to what is sent (8 runs at least), not to the most: idle memory stays small.
            vector?.deallocate()
            vectorCapacity = min(max(needed, vectorCapacity * 2, 8), Self.maxPieces)
            vector = .allocate(capacity: vectorCapacity)
        }
        var count = 0
        for piece in sendingPieces[sendingHead...].prefix(Self.maxPieces) {
            switch piece {
            case .own(let start, let end):
                vector![count] = iovec(iov_base: sending.base! + start, iov_len: end - start)
            case .shared(let frame, let start):
                vector![count] = iovec(iov_base: frame.bytes.baseAddress! + start, iov_len: frame.bytes.count - start)
            }
            count += 1
        }
        message!.initialize(to: msghdr())
        message!.pointee.msg_iov = vector
        message!.pointee.msg_iovlen = count
        return message!
    }

    private static func length(_ piece: Piece) -> Int {
        switch piece {
        case .own(let start, let end): end - start
        case .shared(let frame, let start): frame.bytes.count - start
        }
    }

    /// The kernel took `sent` bytes (0 after an error).
    mutating func sendCompleted(_ sent: Int) {
        inFlight = false
        sendingLeft -= min(sent, sendingLeft)
        if sendingPieces.isEmpty {
            offset += sent
        } else {
            var left = sent
            while left > 0 && sendingHead < sendingPieces.count {
                let length = Self.length(sendingPieces[sendingHead])
                if left >= length {
                    if case .shared(let frame, _) = sendingPieces[sendingHead] { frame.letGo() }
                    sendingPieces[sendingHead] = .own(start: 0, end: 0)
                    sendingHead += 1
                    left -= length
                } else {
                    switch sendingPieces[sendingHead] {
                    case .own(let start, let end): sendingPieces[sendingHead] = .own(start: start + left, end: end)
                    case .shared(let frame, let start): sendingPieces[sendingHead] = .shared(frame, start: start + left)
                    }
                    left = 0
                }
            }
        }
        if sendingLeft == 0 {
            sending.removeAll()
            sendingPieces.removeAll(keepingCapacity: true)
            sendingHead = 0
            offset = 0
        }
    }

    /// Gives the buffers back when nothing is queued or in flight (an idle connection then
    /// holds no send memory); true if there was any to give.
    @discardableResult
    mutating func releaseIdleMemory() -> Bool {
        guard isEmpty, pending.capacity + sending.capacity > 0 || message != nil
                || pendingPieces.capacity + sendingPieces.capacity > 0 else { return false }
        pending.free()
        sending.free()
        pendingPieces = []
        sendingPieces = []
        freeVector()
        return true
    }

    private mutating func freeVector() {
        message?.deallocate()
        vector?.deallocate()
        message = nil
        vector = nil
        vectorCapacity = 0
    }

    /// Empties the queue for the slot's next connection; very large buffers are given back.
    mutating func reset() {
        precondition(!inFlight, "reset of a send queue with a send in flight")
        letGoOfFrames()
        pending.removeAll()
        sending.removeAll()
        pendingPieces.removeAll(keepingCapacity: true)
        sendingPieces.removeAll(keepingCapacity: true)
        pendingMark = 0
        pendingShared = 0
        sendingHead = 0
        sendingLeft = 0
        offset = 0
        if pending.capacity > 1 << 16 { pending.free() }
        if sending.capacity > 1 << 16 { sending.free() }
    }

    /// Ends the hold of every frame still queued (sent pieces hold none).
    private func letGoOfFrames() {
        for piece in pendingPieces { if case .shared(let frame, _) = piece { frame.letGo() } }
        for piece in sendingPieces[sendingHead...] { if case .shared(let frame, _) = piece { frame.letGo() } }
    }

    deinit {
        letGoOfFrames()
        Glibc.free(pending.base)
        Glibc.free(sending.base)
        message?.deallocate()
        vector?.deallocate()
    }
}

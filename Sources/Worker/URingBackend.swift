import CLibURing
import Glibc
import Posix

/// The io_uring backend: one ring, one provided-buffer group for every receive, and a small
/// pool of timespecs for timers.
final class URingBackend: EventBackend {
    var directSends: Bool { true }

    private let uring: URing
    @exclusivity(unchecked) private var buffers: BufferRing
    /// Timeout submissions read their timespec at submit time; keep one per armed timer.
    private let timespec: UnsafeMutablePointer<__kernel_timespec>

    init(entries: UInt32, bufferCount: Int, bufferSize: Int) throws(SystemError) {
        uring = try URing(entries: entries)
        buffers = try BufferRing(count: bufferCount, size: bufferSize, group: 0)
        try buffers.register(on: uring.ring)
        timespec = .allocate(capacity: 1)
        timespec.initialize(to: __kernel_timespec())
    }

    deinit { timespec.deallocate() }

    /// Makes the calling thread the ring's single issuer; call on the loop's thread.
    func enable() throws(SystemError) { try uring.enable() }

    func armAccept(listenFD fd: Int32, multishot: Bool, tag: CompletionTag) {
        if multishot {
            tt_prep_multishot_accept(uring.nextSQE(), fd, tag.raw)
        } else {
            tt_prep_accept(uring.nextSQE(), fd, tag.raw)
        }
    }

    func armListenPoll(listenFD fd: Int32, tag: CompletionTag) {
        tt_prep_poll_readable_multishot(uring.nextSQE(), fd, tag.raw)
    }

    func acceptPending(listenFD fd: Int32) -> Int32 { Socket.acceptPending(fd) }

    func armReceive(fd: Int32, tag: CompletionTag) {
        tt_prep_recv_multishot(uring.nextSQE(), fd, buffers.group, tag.raw)
    }

    func send(fd: Int32, bytes: UnsafeRawBufferPointer, tag: CompletionTag) {
        tt_prep_send(uring.nextSQE(), fd, bytes.baseAddress, bytes.count, tag.raw)
    }

    func sendMessage(fd: Int32, message: UnsafeMutablePointer<msghdr>, tag: CompletionTag) {
        tt_prep_sendmsg(uring.nextSQE(), fd, message, tag.raw)
    }

    func read(fd: Int32, into buffer: UnsafeMutableRawBufferPointer, tag: CompletionTag) {
        tt_prep_read(uring.nextSQE(), fd, buffer.baseAddress, UInt32(buffer.count), tag.raw)
    }

    func armTimer(nanoseconds: Int64, tag: CompletionTag) {
        // Only the tick uses a timer; the kernel copies the timespec when the SQE is submitted.
        timespec.pointee.tv_sec = nanoseconds / 1_000_000_000
        timespec.pointee.tv_nsec = nanoseconds % 1_000_000_000
        tt_prep_timeout(uring.nextSQE(), timespec, tag.raw)
    }

    func cancel(_ target: CompletionTag, tag: CompletionTag) {
        tt_prep_cancel(uring.nextSQE(), target.raw, tag.raw)
    }

    func configureAccepted(fd: Int32) { Socket.setNoDelay(fd) }

    func peerAddress(fd: Int32) -> PeerAddress? { PeerAddress.of(fd: fd) }

    func closeSocket(fd: Int32) {
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
    }

    func submit(waiting: Bool) throws(SystemError) {
        buffers.publish()
        try uring.submit(waiting: waiting)
    }

    func drain(_ body: (Completion) -> Void) {
        let moreFlag = tt_cqe_f_more()
        let bufferFlag = tt_cqe_f_buffer()
        let shift = tt_cqe_buffer_shift()
        uring.drain { cqe in
            let flags = cqe.pointee.flags
            let id: UInt16? = flags & bufferFlag != 0 ? UInt16(truncatingIfNeeded: flags >> shift) : nil
            body(Completion(tag: CompletionTag(raw: cqe.pointee.user_data), result: cqe.pointee.res,
                            more: flags & moreFlag != 0, bufferID: id))
        }
    }

    @inline(__always)
    func receivedBytes(bufferID: UInt16, count: Int) -> UnsafeRawBufferPointer {
        buffers.bytes(bufferID: bufferID, count: count)
    }

    @inline(__always)
    func recycle(bufferID: UInt16) { buffers.recycle(bufferID: bufferID) }
}

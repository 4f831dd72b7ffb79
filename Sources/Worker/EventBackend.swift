import Glibc
import Posix

/// One finished operation, as the loop sees it whatever the backend.
struct Completion: Sendable {
    let tag: CompletionTag
    /// Bytes moved, a new descriptor, or `-errno`.
    let result: Int32
    /// The operation stays armed and will complete again (multishot).
    let more: Bool
    /// The provided buffer holding received bytes; give it back with `recycle`.
    let bufferID: UInt16?
}

/// What the event loop asks of the kernel. Operations are queued and leave in one batch at
/// `submit`; their completions come back through `drain`, tagged. io_uring is the one
/// implementation; an epoll backend can take its place where io_uring is forbidden, and tests
/// drive the loop with a scripted one.
protocol EventBackend: AnyObject {
    /// Accepts connections on `fd`: until cancelled when `multishot`, else one. Each completion
    /// carries a new descriptor.
    func armAccept(listenFD fd: Int32, multishot: Bool, tag: CompletionTag)
    /// Waits, until cancelled, for a shared listening socket to become readable; each
    /// completion says connections may be waiting (take them with `acceptPending`).
    func armListenPoll(listenFD fd: Int32, tag: CompletionTag)
    /// Takes one waiting connection now: a descriptor, or `-errno` (`-EAGAIN`: none left).
    func acceptPending(listenFD fd: Int32) -> Int32
    /// Receives into provided buffers until the peer closes, an error, or buffers run out.
    func armReceive(fd: Int32, tag: CompletionTag)
    /// Sends `bytes`, which stay valid and untouched until the completion arrives.
    func send(fd: Int32, bytes: UnsafeRawBufferPointer, tag: CompletionTag)
    /// Sends the runs `message` describes (sendmsg); it and they stay valid until the completion.
    func sendMessage(fd: Int32, message: UnsafeMutablePointer<msghdr>, tag: CompletionTag)
    /// One read into `buffer` (eventfd, signalfd), which stays valid until the completion.
    func read(fd: Int32, into buffer: UnsafeMutableRawBufferPointer, tag: CompletionTag)
    /// Completes once after `nanoseconds` (with `-ETIME`).
    func armTimer(nanoseconds: Int64, tag: CompletionTag)
    /// Cancels the operation tagged `target`; the cancel itself completes as `tag`.
    func cancel(_ target: CompletionTag, tag: CompletionTag)

    /// Sets up a freshly accepted socket (TCP_NODELAY).
    func configureAccepted(fd: Int32)
    /// Shuts the socket down both ways and closes it; armed operations end on their own.
    func closeSocket(fd: Int32)

    /// Publishes queued operations; with `waiting`, blocks until at least one completion is ready.
    func submit(waiting: Bool) throws(SystemError)
    /// Hands every available completion to `body`, in order.
    func drain(_ body: (Completion) -> Void)
    /// The bytes of a provided buffer, valid until `recycle`.
    func receivedBytes(bufferID: UInt16, count: Int) -> UnsafeRawBufferPointer
    /// Gives a provided buffer back to the kernel.
    func recycle(bufferID: UInt16)
    /// The client address of an accepted socket, for the per-address limit; nil if unknown.
    func peerAddress(fd: Int32) -> PeerAddress?
    /// Whether the loop may write to its sockets itself, outside the backend (a kept REST body
    /// by `sendfile`); false for a backend whose descriptors are not real sockets.
    var directSends: Bool { get }
}

extension EventBackend {
    func peerAddress(fd: Int32) -> PeerAddress? { nil }
    var directSends: Bool { false }
}

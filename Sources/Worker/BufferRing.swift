import CLibURing
import Glibc
import Posix

/// The provided-buffer ring: `count` buffers of `size` bytes that the kernel picks from for
/// multishot receives. liburing 2.3 has no `io_uring_setup_buf_ring`, so the ring entries are
/// mapped here, filled, and registered with `io_uring_register_buf_ring`.
struct BufferRing: ~Copyable {
    let group: UInt16
    let count: Int
    let size: Int
    private let entries: UnsafeMutableRawPointer
    private let entriesBytes: Int
    private let buffers: UnsafeMutableRawPointer
    private let buffersBytes: Int
    /// Buffers given back but not yet made visible to the kernel.
    private var unpublished: Int32 = 0

    /// `count` must be a power of two no larger than 32768.
    init(count: Int, size: Int, group: UInt16) throws(SystemError) {
        precondition(count > 0 && count <= 32768 && count & (count - 1) == 0, "buffer count must be a power of two")
        let entriesBytes = Self.pageRounded(count * 16)  // sizeof(struct io_uring_buf)
        let buffersBytes = Self.pageRounded(count * size)
        let entries = try Self.map(entriesBytes)
        let buffers: UnsafeMutableRawPointer
        do throws(SystemError) {
            buffers = try Self.map(buffersBytes)
        } catch {
            munmap(entries, entriesBytes)
            throw error
        }
        self.group = group
        self.count = count
        self.size = size
        self.entries = entries
        self.entriesBytes = entriesBytes
        self.buffers = buffers
        self.buffersBytes = buffersBytes
        tt_buf_ring_init(entries)
        for id in 0..<count { recycle(bufferID: UInt16(id)) }
        publish()
    }

    /// Registers the ring with `ring` under `group`.
    func register(on ring: UnsafeMutablePointer<io_uring>) throws(SystemError) {
        _ = try checkNegated("io_uring_register_buf_ring", tt_register_buf_ring(ring, entries, UInt32(count), group))
    }

    @inline(__always)
    func bytes(bufferID: UInt16, count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: buffers + Int(bufferID) * size, count: min(count, size))
    }

    /// Queues a buffer to go back to the kernel at the next `publish`.
    @inline(__always)
    mutating func recycle(bufferID: UInt16) {
        tt_buf_ring_add(entries, buffers + Int(bufferID) * size, UInt32(size), bufferID, Int32(count - 1), unpublished)
        unpublished += 1
    }

    /// Makes every recycled buffer visible to the kernel (one release store).
    mutating func publish() {
        guard unpublished > 0 else { return }
        tt_buf_ring_advance(entries, unpublished)
        unpublished = 0
    }

    deinit {
        munmap(buffers, buffersBytes)
        munmap(entries, entriesBytes)
    }

    private static func pageRounded(_ bytes: Int) -> Int {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        return (bytes + page - 1) / page * page
    }

    private static func map(_ bytes: Int) throws(SystemError) -> UnsafeMutableRawPointer {
        guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
            throw SystemError("mmap(buffer ring)", errno: errno)
        }
        return p
    }
}

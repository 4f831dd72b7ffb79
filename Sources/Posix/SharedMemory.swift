import CPosix
import Glibc

/// A mapping of a shared-memory object, unmapped when its owner goes away.
public struct Mapping: ~Copyable, @unchecked Sendable {
    public let base: UnsafeMutableRawPointer
    public let size: Int

    public init(base: UnsafeMutableRawPointer, size: Int) {
        self.base = base
        self.size = size
    }

    /// Gives up ownership: the caller unmaps.
    public consuming func release() -> (base: UnsafeMutableRawPointer, size: Int) {
        let result = (base, size)
        discard self
        return result
    }

    deinit { munmap(base, size) }
}

/// POSIX shared memory: named segments under /dev/shm, created by the supervisor,
/// inherited by descriptor in children, opened by name by `tterminal status`.
public enum SharedMemory {
    /// Creates a new segment of `size` bytes (zero-filled by the kernel). Fails with EEXIST
    /// if the name is taken. The returned descriptor is close-on-exec.
    public static func create(name: String, size: Int) throws(SystemError) -> Int32 {
        let fd = try sys("shm_open(\(name))") { shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) }
        do throws(SystemError) {
            try sys("ftruncate") { ftruncate(fd, off_t(size)) }
        } catch {
            Glibc.close(fd)
            shm_unlink(name)
            throw error
        }
        return fd
    }

    /// Opens an existing segment by name (read-write, or read-only for observers).
    public static func open(name: String, writable: Bool) throws(SystemError) -> Int32 {
        try sys("shm_open(\(name))") { shm_open(name, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0) }
    }

    public static func unlink(name: String) { shm_unlink(name) }

    /// The size of the object behind `fd`.
    public static func size(of fd: Int32) throws(SystemError) -> Int {
        var st = stat()
        try sys("fstat") { fstat(fd, &st) }
        return Int(st.st_size)
    }

    /// Maps the whole object behind `fd`, shared.
    public static func map(fd: Int32, size: Int, writable: Bool) throws(SystemError) -> Mapping {
        let prot = writable ? PROT_READ | PROT_WRITE : PROT_READ
        guard let p = mmap(nil, size, prot, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw SystemError("mmap", errno: tt_errno())
        }
        return Mapping(base: p, size: size)
    }

    /// Anonymous memory: a memfd, for tests and benchmarks that want a segment without a name.
    public static func anonymous(size: Int) throws(SystemError) -> Int32 {
        let fd = try sys("memfd_create") { tt_memfd_create("tterminal", 1 /* MFD_CLOEXEC */) }
        try sys("ftruncate") { ftruncate(fd, off_t(size)) }
        return fd
    }
}

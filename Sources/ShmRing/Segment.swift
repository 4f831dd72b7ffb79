import Glibc
import Posix

/// Errors attaching to a segment.
public enum SegmentError: Error, CustomStringConvertible, Equatable {
    case system(SystemError)
    case notReady(String)
    case badVersion(UInt64)
    case badGeometry(String)

    public var description: String {
        switch self {
        case .system(let e): return e.description
        case .notReady(let why): return "segment not ready: \(why)"
        case .badVersion(let v): return "segment version \(v), this binary speaks \(Layout.version)"
        case .badGeometry(let why): return "segment geometry: \(why)"
        }
    }
}

/// A mapped segment: header, control block, ring and state tables.
/// The supervisor creates it; children attach to the inherited descriptor; `status` opens it by name.
public final class Segment: @unchecked Sendable {
    public let base: UnsafeMutableRawPointer
    public let size: Int
    public let ringCapacity: Int
    public let symbolCapacity: Int
    public let writable: Bool

    private init(base: UnsafeMutableRawPointer, size: Int, ringCapacity: Int, symbolCapacity: Int, writable: Bool) {
        self.base = base
        self.size = size
        self.ringCapacity = ringCapacity
        self.symbolCapacity = symbolCapacity
        self.writable = writable
    }

    deinit { munmap(base, size) }

    /// Lays out a fresh segment in the object behind `fd` (already sized by the caller, zeroed).
    /// Magic and version are stored last, so nobody attaches to a half-made segment.
    public static func format(fd: Int32, ringCapacity: Int, symbolCapacity: Int) throws(SegmentError) -> Segment {
        guard ringCapacity >= 4096, ringCapacity & (ringCapacity - 1) == 0 else {
            throw .badGeometry("ring capacity \(ringCapacity) is not a power of two ≥ 4096")
        }
        let size = Layout.segmentSize(ringCapacity: ringCapacity, symbolCapacity: symbolCapacity)
        let mapping: Mapping
        do throws(SystemError) {
            let actual = try SharedMemory.size(of: fd)
            if actual < size { try sys("ftruncate") { ftruncate(fd, off_t(size)) } }
            mapping = try SharedMemory.map(fd: fd, size: size, writable: true)
        } catch { throw .system(error) }
        let seg = Segment(adopting: mapping, ringCapacity: ringCapacity, symbolCapacity: symbolCapacity, writable: true)
        seg.headerWord(Layout.Header.segmentSize).storeRelaxed(UInt64(size))
        seg.headerWord(Layout.Header.ringCapacity).storeRelaxed(UInt64(ringCapacity))
        seg.headerWord(Layout.Header.ringDataOffset).storeRelaxed(UInt64(Layout.ringDataOffset))
        seg.headerWord(Layout.Header.stateOffset).storeRelaxed(UInt64(Layout.stateOffset(ringCapacity: ringCapacity)))
        seg.headerWord(Layout.Header.symbolCapacity).storeRelaxed(UInt64(symbolCapacity))
        seg.headerWord(Layout.Header.createdRealtimeNs).storeRelaxed(UInt64(Clock.realtimeNanos()))
        seg.headerWord(Layout.Header.supervisorPid).storeRelaxed(UInt64(getpid()))
        seg.headerWord(Layout.Header.version).storeRelaxed(Layout.version)
        // Pairs with the loadAcquiring of the magic in `attach`.
        seg.headerWord(Layout.Header.magic).storeReleasing(Layout.magic)
        return seg
    }

    /// Maps an existing, formatted segment (inherited descriptor or opened by name).
    public static func attach(fd: Int32, writable: Bool) throws(SegmentError) -> Segment {
        let mapping: Mapping
        do {
            let size = try SharedMemory.size(of: fd)
            guard size >= Layout.ringDataOffset else { throw SegmentError.notReady("only \(size) bytes") }
            mapping = try SharedMemory.map(fd: fd, size: size, writable: writable)
        } catch let e as SystemError { throw .system(e) } catch let e as SegmentError { throw e } catch { throw .notReady("\(error)") }
        let header = mapping.base
        // Pairs with the storeReleasing of the magic in `format`.
        let magic = SharedWord(at: header + Layout.Header.magic).loadAcquiring()
        guard magic == Layout.magic else { throw .notReady("no magic (\(String(magic, radix: 16)))") }
        let version = SharedWord(at: header + Layout.Header.version).loadRelaxed()
        guard version == Layout.version else { throw .badVersion(version) }
        let ringCapacity = Int(SharedWord(at: header + Layout.Header.ringCapacity).loadRelaxed())
        let symbols = Int(SharedWord(at: header + Layout.Header.symbolCapacity).loadRelaxed())
        guard Layout.segmentSize(ringCapacity: ringCapacity, symbolCapacity: symbols) <= mapping.size else {
            throw .badGeometry("header says ring \(ringCapacity) and \(symbols) symbols, mapping is \(mapping.size) bytes")
        }
        return Segment(adopting: mapping, ringCapacity: ringCapacity, symbolCapacity: symbols, writable: writable)
    }

    /// Opens a segment by its /dev/shm name (for `tterminal status` and tests).
    public static func open(name: String, writable: Bool = false) throws(SegmentError) -> Segment {
        let fd: Int32
        do { fd = try SharedMemory.open(name: name, writable: writable) } catch { throw .system(error) }
        defer { Glibc.close(fd) }
        return try attach(fd: fd, writable: writable)
    }

    private convenience init(adopting mapping: consuming Mapping, ringCapacity: Int, symbolCapacity: Int, writable: Bool) {
        // The segment owns the mapping from here on and unmaps it in deinit.
        let (base, size) = mapping.release()
        self.init(base: base, size: size, ringCapacity: ringCapacity, symbolCapacity: symbolCapacity, writable: writable)
    }

    @inline(__always)
    func headerWord(_ offset: Int) -> SharedWord { SharedWord(at: base + Layout.headerOffset + offset) }

    /// The control block view.
    public var control: ControlBlock { ControlBlock(base: base + Layout.controlOffset) }

    /// The ring's header and data.
    public var ringHeader: UnsafeMutableRawPointer { base + Layout.ringHeaderOffset }
    public var ringData: UnsafeMutableRawPointer { base + Layout.ringDataOffset }
    public var stateBase: UnsafeMutableRawPointer { base + Layout.stateOffset(ringCapacity: ringCapacity) }

    public var createdRealtimeNs: Int64 { Int64(bitPattern: headerWord(Layout.Header.createdRealtimeNs).loadRelaxed()) }
}

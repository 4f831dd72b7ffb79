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
    /// The state tables' geometry and offsets, from the header.
    public let stateLayout: StateLayout
    public var geometry: StateGeometry { stateLayout.geometry }

    private init(base: UnsafeMutableRawPointer, size: Int, ringCapacity: Int, geometry: StateGeometry, writable: Bool) {
        self.base = base
        self.size = size
        self.ringCapacity = ringCapacity
        symbolCapacity = geometry.symbolCapacity
        stateLayout = StateLayout(geometry)
        self.writable = writable
    }

    deinit { munmap(base, size) }

    /// Lays out a fresh segment with the default state geometry for `symbolCapacity` symbols.
    public static func format(fd: Int32, ringCapacity: Int, symbolCapacity: Int) throws(SegmentError) -> Segment {
        try format(fd: fd, ringCapacity: ringCapacity, geometry: StateGeometry(symbolCapacity: symbolCapacity))
    }

    /// Lays out a fresh segment in the object behind `fd` (sized by the caller or grown here,
    /// zeroed). Magic and version are stored last, so nobody attaches to a half-made segment.
    public static func format(fd: Int32, ringCapacity: Int, geometry: StateGeometry) throws(SegmentError) -> Segment {
        guard ringCapacity >= 4096, ringCapacity & (ringCapacity - 1) == 0 else {
            throw .badGeometry("ring capacity \(ringCapacity) is not a power of two ≥ 4096")
        }
        if let problem = geometry.problem { throw .badGeometry(problem) }
        let size = Layout.segmentSize(ringCapacity: ringCapacity, geometry: geometry)
        let mapping: Mapping
        do throws(SystemError) {
            let actual = try SharedMemory.size(of: fd)
            if actual < size { try sys("ftruncate") { ftruncate(fd, off_t(size)) } }
            mapping = try SharedMemory.map(fd: fd, size: size, writable: true)
        } catch { throw .system(error) }
        let seg = Segment(adopting: mapping, ringCapacity: ringCapacity, geometry: geometry, writable: true)
        seg.headerWord(Layout.Header.segmentSize).storeRelaxed(UInt64(size))
        seg.headerWord(Layout.Header.ringCapacity).storeRelaxed(UInt64(ringCapacity))
        seg.headerWord(Layout.Header.ringDataOffset).storeRelaxed(UInt64(Layout.ringDataOffset))
        seg.headerWord(Layout.Header.stateOffset).storeRelaxed(UInt64(Layout.stateOffset(ringCapacity: ringCapacity)))
        seg.headerWord(Layout.Header.symbolCapacity).storeRelaxed(UInt64(geometry.symbolCapacity))
        seg.writeGeometry(geometry)
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
        let geometry = readGeometry(header)
        if let problem = geometry.problem { throw .badGeometry("header: \(problem)") }
        let stateSize = Int(SharedWord(at: header + Layout.Header.stateSize).loadRelaxed())
        guard stateSize == StateLayout(geometry).size else {
            throw .badGeometry("header says the state tables take \(stateSize) bytes, this binary lays them out in \(StateLayout(geometry).size)")
        }
        guard Layout.segmentSize(ringCapacity: ringCapacity, geometry: geometry) <= mapping.size else {
            throw .badGeometry("header says ring \(ringCapacity) and \(geometry.symbolCapacity) symbols, mapping is \(mapping.size) bytes")
        }
        return Segment(adopting: mapping, ringCapacity: ringCapacity, geometry: geometry, writable: writable)
    }

    /// Opens a segment by its /dev/shm name (for `tterminal status` and tests).
    public static func open(name: String, writable: Bool = false) throws(SegmentError) -> Segment {
        let fd: Int32
        do { fd = try SharedMemory.open(name: name, writable: writable) } catch { throw .system(error) }
        defer { Glibc.close(fd) }
        return try attach(fd: fd, writable: writable)
    }

    private convenience init(adopting mapping: consuming Mapping, ringCapacity: Int, geometry: StateGeometry, writable: Bool) {
        // The segment owns the mapping from here on and unmaps it in deinit.
        let (base, size) = mapping.release()
        self.init(base: base, size: size, ringCapacity: ringCapacity, geometry: geometry, writable: writable)
    }

    /// Stores the state geometry in the header (before the magic).
    private func writeGeometry(_ g: StateGeometry) {
        headerWord(Layout.Header.intervalCount).storeRelaxed(UInt64(g.intervals.count))
        headerWord(Layout.Header.candlesPerInterval).storeRelaxed(UInt64(g.candlesPerInterval))
        headerWord(Layout.Header.bookLevels).storeRelaxed(UInt64(g.bookLevels))
        headerWord(Layout.Header.recentTrades).storeRelaxed(UInt64(g.recentTrades))
        headerWord(Layout.Header.liquidations).storeRelaxed(UInt64(g.liquidations))
        headerWord(Layout.Header.stateSize).storeRelaxed(UInt64(StateLayout(g).size))
        let codes = base + Layout.headerOffset + Layout.Header.intervalCodes
        codes.initializeMemory(as: UInt8.self, repeating: 0, count: Layout.Header.intervalCodesCapacity)
        for (i, code) in g.intervals.enumerated() { codes.storeBytes(of: code, toByteOffset: i, as: UInt8.self) }
    }

    /// The state geometry a formatted header describes (the magic was already seen).
    private static func readGeometry(_ header: UnsafeMutableRawPointer) -> StateGeometry {
        func word(_ offset: Int) -> Int { Int(truncatingIfNeeded: SharedWord(at: header + offset).loadRelaxed()) }
        let count = min(max(word(Layout.Header.intervalCount), 0), Layout.Header.intervalCodesCapacity)
        let codes = (0..<count).map { header.load(fromByteOffset: Layout.Header.intervalCodes + $0, as: UInt8.self) }
        return StateGeometry(symbolCapacity: word(Layout.Header.symbolCapacity), intervals: codes,
                             candlesPerInterval: word(Layout.Header.candlesPerInterval),
                             bookLevels: word(Layout.Header.bookLevels), recentTrades: word(Layout.Header.recentTrades),
                             liquidations: word(Layout.Header.liquidations))
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

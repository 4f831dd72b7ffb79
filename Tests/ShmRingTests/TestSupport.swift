import Glibc
import Posix
@testable import ShmRing

/// Segments, buffers and threads for the ring tests.
enum TestSupport {
    /// A freshly formatted segment in anonymous memory; the descriptor is closed.
    static func segment(ringCapacity: Int = 4096, symbols: Int = 8) throws -> Segment {
        let (segment, fd) = try segmentAndDescriptor(ringCapacity: ringCapacity, symbols: symbols)
        close(fd)
        return segment
    }

    /// A formatted segment and the memfd behind it (the caller closes it).
    static func segmentAndDescriptor(ringCapacity: Int, symbols: Int) throws -> (Segment, Int32) {
        let size = Layout.segmentSize(ringCapacity: ringCapacity, symbolCapacity: symbols)
        let fd = try SharedMemory.anonymous(size: size)
        return (try Segment.format(fd: fd, ringCapacity: ringCapacity, symbolCapacity: symbols), fd)
    }

    /// A freshly formatted segment with the given state geometry; the descriptor is closed.
    static func segment(ringCapacity: Int = 4096, geometry: StateGeometry) throws -> Segment {
        let fd = try SharedMemory.anonymous(size: Layout.segmentSize(ringCapacity: ringCapacity, geometry: geometry))
        defer { close(fd) }
        return try Segment.format(fd: fd, ringCapacity: ringCapacity, geometry: geometry)
    }

    /// Publishes `count` checked payloads of `length` bytes; returns the last sequence.
    @discardableResult
    static func publishChecked(_ writer: RingWriter, count: Int, length: Int) -> UInt64 {
        withScratch(length) { buffer in
            var last: UInt64 = 0
            for _ in 0..<count {
                CheckedPayload.fill(buffer, sequence: writer.lastSequence + 1)
                last = writer.publish(type: .opaque, payload: UnsafeRawBufferPointer(buffer))
            }
            return last
        }
    }

    /// Reads until empty, returning every result; records' payloads are checked.
    static func readAll(_ reader: inout RingReader, bufferSize: Int = 4096) -> [ReadResult] {
        withScratch(bufferSize) { buffer in
            var results: [ReadResult] = []
            reader.drain(into: buffer) { result, payload in
                if case .record(RecordType.opaque.rawValue, let sequence, _) = result {
                    precondition(CheckedPayload.isIntact(payload, sequence: sequence), "torn record \(sequence)")
                }
                results.append(result)
            }
            return results
        }
    }

    /// The sequences of the records among `results`.
    static func sequences(_ results: [ReadResult]) -> [UInt64] {
        results.compactMap { if case .record(_, let sequence, _) = $0 { return sequence } else { return nil } }
    }

    static func withScratch<T>(_ size: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> T) rethrows -> T {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 16)
        defer { buffer.deallocate() }
        return try body(buffer)
    }
}


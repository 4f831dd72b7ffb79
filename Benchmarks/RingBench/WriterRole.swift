import Glibc
import ShmRing

/// A writer child (ShmRingTests' cross-process test): attaches to the segment at fd 3,
/// starts the next epoch and publishes `--records` checked payloads of random lengths
/// (16…`--max-length` bytes), then exits 0.
struct WriterRole {
    let records: Int
    let maxLength: Int

    init(_ arguments: Arguments) {
        records = arguments.int("records", default: 100_000)
        maxLength = max(CheckedPayload.minimumLength, arguments.int("max-length", default: 120))
    }

    func run() -> Never {
        let segment: Segment
        do { segment = try Segment.attach(fd: Children.segmentFD, writable: true) } catch {
            Arguments.fail("writer: \(error)")
        }
        let writer = RingWriter(segment: segment)
        guard maxLength <= writer.maxPayloadLength else { Arguments.fail("--max-length is over \(writer.maxPayloadLength)") }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: maxLength, alignment: 16)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<records {
            let length = Int.random(in: CheckedPayload.minimumLength...maxLength, using: &generator)
            let payload = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length])
            CheckedPayload.fill(payload, sequence: writer.lastSequence + 1)
            writer.publish(type: .opaque, payload: UnsafeRawBufferPointer(payload))
        }
        exit(0)
    }
}

/// Self-checking `.opaque` payloads for stress tests, the cross-process test and the
/// benchmark's writer role, so a torn or misplaced record shows:
///
/// ```
///  0          8          16
///  | sequence | checksum | filler (derived from the sequence) ...
/// ```
/// The checksum is FNV-1a over the length, the sequence and the filler.
public enum CheckedPayload {
    public static let minimumLength = 16

    /// Fills `buffer` (at least `minimumLength` bytes) for the record with `sequence`.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer, sequence: UInt64) {
        precondition(buffer.count >= minimumLength, "a checked payload needs \(minimumLength) bytes")
        for i in minimumLength..<buffer.count {
            buffer[i] = filler(sequence, i)
        }
        buffer.storeBytes(of: sequence, toByteOffset: 0, as: UInt64.self)
        buffer.storeBytes(of: checksum(UnsafeRawBufferPointer(buffer), sequence: sequence), toByteOffset: 8, as: UInt64.self)
    }

    /// Whether `payload` is exactly what `fill` wrote for `sequence`.
    public static func isIntact(_ payload: UnsafeRawBufferPointer, sequence: UInt64) -> Bool {
        guard payload.count >= minimumLength,
              payload.loadUnaligned(fromByteOffset: 0, as: UInt64.self) == sequence else { return false }
        for i in minimumLength..<payload.count where payload[i] != filler(sequence, i) {
            return false
        }
        return payload.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == checksum(payload, sequence: sequence)
    }

    @inline(__always)
    static func filler(_ sequence: UInt64, _ i: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: sequence &* 31 &+ UInt64(i))
    }

    static func checksum(_ payload: UnsafeRawBufferPointer, sequence: UInt64) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        let prime: UInt64 = 0x0000_0100_0000_01B3
        hash = (hash ^ UInt64(payload.count)) &* prime
        hash = (hash ^ sequence) &* prime
        for i in minimumLength..<payload.count {
            hash = (hash ^ UInt64(payload[i])) &* prime
        }
        return hash
    }
}

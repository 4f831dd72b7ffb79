/// Typed reads of the recorded slots, throwing the reason a frame is malformed.
extension FrameScanner {
    @inline(__always)
    func kind(_ bank: Int, _ slot: Int) -> FieldKind? {
        let present = bank == 0 ? present0 : present1
        guard present & (1 << UInt64(slot)) != 0 else { return nil }
        return kinds[bank &* Slot.perBank &+ slot]
    }

    @inline(__always)
    func raw(_ bank: Int, _ slot: Int) -> Int64 { values[bank &* Slot.perBank &+ slot] }

    /// A required integer (ids, times, counts).
    @inline(__always)
    func int(_ slot: Int, bank: Int = 0) throws(MalformedReason) -> Int64 {
        switch kind(bank, slot) {
        case .integer: return raw(bank, slot)
        case .otherNumber: throw .badNumber
        default: throw .missingField
        }
    }

    /// An integer that may be absent (futures-only `T`, `pu`, `E`).
    @inline(__always)
    func optionalInt(_ slot: Int, bank: Int = 0) throws(MalformedReason) -> Int64? {
        switch kind(bank, slot) {
        case nil: return nil
        case .integer: return raw(bank, slot)
        case .otherNumber: throw .badNumber
        default: throw .missingField
        }
    }

    @inline(__always)
    func bool(_ slot: Int, bank: Int = 0) throws(MalformedReason) -> Bool {
        guard kind(bank, slot) == .bool else { throw .missingField }
        return raw(bank, slot) != 0
    }

    /// The raw bytes of a string slot, or nil when absent or not a string.
    @inline(__always)
    func bytes(_ slot: Int, bank: Int = 0) -> UnsafeRawBufferPointer? {
        guard kind(bank, slot) == .string else { return nil }
        let v = raw(bank, slot)
        return UnsafeRawBufferPointer(start: base + Int(v >> 32), count: Int(v & 0xFFFF_FFFF))
    }

    /// A required price/quantity string as `Fixed`.
    @inline(__always)
    func decimal(_ slot: Int, bank: Int = 0) throws(MalformedReason) -> Int64 {
        guard let b = bytes(slot, bank: bank) else { throw .missingField }
        guard let v = Fixed.parse(b) else { throw .badDecimal }
        return v
    }

    /// The symbol in a string slot, looked up in the caller's table.
    @inline(__always)
    func symbol(_ slot: Int, bank: Int = 0, in table: BinanceSymbolTable) throws(MalformedReason) -> SymbolID? {
        guard let b = bytes(slot, bank: bank) else { throw .missingField }
        return table.lookup(b.baseAddress!.assumingMemoryBound(to: UInt8.self), count: b.count)
    }
}

/// Byte comparison of a string slot with a literal.
@inline(__always)
func bytesEqual(_ b: UnsafeRawBufferPointer, _ word: StaticString) -> Bool {
    guard b.count == word.utf8CodeUnitCount else { return false }
    let w = word.utf8Start
    for i in 0..<b.count where b[i] != w[i] { return false }
    return true
}

/// Slot numbers of single-letter keys, as literals so they fold (`Slot.letter` computes the same).
enum Key {
    static let A = 0
    static let B = 1
    static let C = 2
    static let D = 3
    static let E = 4
    static let F = 5
    static let G = 6
    static let H = 7
    static let I = 8
    static let J = 9
    static let K = 10
    static let L = 11
    static let M = 12
    static let N = 13
    static let O = 14
    static let P = 15
    static let Q = 16
    static let R = 17
    static let S = 18
    static let T = 19
    static let U = 20
    static let V = 21
    static let W = 22
    static let X = 23
    static let Y = 24
    static let Z = 25
    static let a = 26
    static let b = 27
    static let c = 28
    static let d = 29
    static let e = 30
    static let f = 31
    static let g = 32
    static let h = 33
    static let i = 34
    static let j = 35
    static let k = 36
    static let l = 37
    static let m = 38
    static let n = 39
    static let o = 40
    static let p = 41
    static let q = 42
    static let r = 43
    static let s = 44
    static let t = 45
    static let u = 46
    static let v = 47
    static let w = 48
    static let x = 49
    static let y = 50
    static let z = 51
}

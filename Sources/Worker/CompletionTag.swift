/// The `user_data` of every submission: which operation, for which connection slot, for which
/// use of that slot.
///
/// ```
///  63      56 55                  32 31                                 0
/// +----------+----------------------+------------------------------------+
/// |    op    |  generation (24 bit) |            slot (32 bit)           |
/// +----------+----------------------+------------------------------------+
/// ```
///
/// A slot's generation changes each time the slot is released, so a completion that arrives
/// for an earlier user of the slot no longer matches and is dropped (nginx's "instance" bit).
struct CompletionTag: Hashable, Sendable, CustomStringConvertible {
    /// What a completion is for; raw values are never 0 so a zero `user_data` never decodes.
    enum Op: UInt8, Sendable {
        case accept = 1
        case receive
        case send
        case tick
        case wake
        case signal
        case stop
        case cancel
        /// The coalescing window after a wake-up has passed: read the ring.
        case gather
    }

    static let generationBits = 24
    static let generationMask: UInt32 = (1 << 24) - 1

    let raw: UInt64

    init(raw: UInt64) { self.raw = raw }

    init(op: Op, slot: UInt32 = 0, generation: UInt32 = 0) {
        let gen = UInt64(generation & Self.generationMask)
        raw = UInt64(op.rawValue) << 56 | gen << 32 | UInt64(slot)
    }

    /// nil for a `user_data` this process never wrote.
    var op: Op? { Op(rawValue: UInt8(truncatingIfNeeded: raw >> 56)) }
    var slot: UInt32 { UInt32(truncatingIfNeeded: raw) }
    var generation: UInt32 { UInt32(truncatingIfNeeded: raw >> 32) & Self.generationMask }

    /// The generation after `generation`, wrapping inside 24 bits.
    static func next(after generation: UInt32) -> UInt32 { (generation &+ 1) & generationMask }

    var description: String { "\(op.map { "\($0)" } ?? "?")#\(slot).\(generation)" }
}

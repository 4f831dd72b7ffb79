/// SplitMix64 (Steele, Lea and Flood 2014): a small deterministic generator, so one seed always
/// gives the same market (and the tests their same "random" inputs).
/// Not for cryptography.
public struct SimRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `range`.
    mutating func int(_ range: ClosedRange<Int64>) -> Int64 { Int64.random(in: range, using: &self) }

    /// True with probability `percent` / 100.
    mutating func percent(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &self) < percent }

    mutating func bool() -> Bool { next() & 1 == 1 }
}

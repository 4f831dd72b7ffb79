import Glibc

/// A seqlock word in shared memory guarding the bytes after it: odd while its single
/// writer (the feeder) writes them. Readers copy, then check the word did not move, and
/// retry (a bounded number of times) if it did.
struct Seqlock {
    let word: SharedWord

    @inline(__always)
    init(at address: UnsafeMutableRawPointer) { word = SharedWord(at: address) }

    /// The write side: odd, fence, write, even.
    @inline(__always)
    func write(_ body: () -> Void) {
        let sequence = word.loadRelaxed()
        precondition(sequence & 1 == 0, "a state-table entry is being written twice (or needs repairAfterCrash)")
        word.storeRelaxed(sequence &+ 1)
        // The odd value must be visible before any guarded byte changes.
        storeFence()
        body()
        // Pairs with the loadAcquiring in `read`: the guarded bytes are whole again.
        word.storeReleasing(sequence &+ 2)
    }

    /// The read side: copy with `body`, then check nothing moved; nil after `attempts` torn copies.
    @inline(__always)
    func read<T>(attempts: Int, _ body: () -> T) -> T? {
        for attempt in 0..<attempts {
            // Pairs with the storeReleasing at the end of `write`.
            let before = word.loadAcquiring()
            if before & 1 == 0 {
                let value = body()
                // The copy's loads happen before the second look at the seqlock.
                loadFence()
                if word.loadRelaxed() == before { return value }
            }
            if attempt & 63 == 63 { sched_yield() }
        }
        return nil
    }

    /// A writer attaching after a dead one: an odd word marks bytes it was writing.
    /// Calls `clear` (to drop what may be torn) and makes the word even; returns whether it was odd.
    func repair(_ clear: () -> Void) -> Bool {
        let sequence = word.loadRelaxed()
        guard sequence & 1 == 1 else { return false }
        clear()
        // Pairs with the loadAcquiring in `read`.
        word.storeReleasing(sequence &+ 1)
        return true
    }
}

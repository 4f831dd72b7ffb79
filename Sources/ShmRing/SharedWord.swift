import Atomics

/// The only place that touches atomics. A 64-bit word in shared memory, with the memory
/// orderings named at each call site (`UnsafeAtomic(at:)` works on mapped memory;
/// `ManagedAtomic` does not).
public struct SharedWord: @unchecked Sendable {
    @usableFromInline let atomic: UnsafeAtomic<UInt64>

    @inlinable
    public init(at address: UnsafeMutableRawPointer) {
        precondition(UInt(bitPattern: address) % 8 == 0, "SharedWord must be 8-byte aligned")
        atomic = UnsafeAtomic(at: address.assumingMemoryBound(to: UInt64.AtomicRepresentation.self))
    }

    /// Pairs with a `storeReleasing` by the writer of this word.
    @inlinable @inline(__always)
    public func loadAcquiring() -> UInt64 { atomic.load(ordering: .acquiring) }

    /// For a word only this process writes, or a figure where staleness does not matter.
    @inlinable @inline(__always)
    public func loadRelaxed() -> UInt64 { atomic.load(ordering: .relaxed) }

    /// Publishes everything written before it to readers that `loadAcquiring` this word.
    @inlinable @inline(__always)
    public func storeReleasing(_ value: UInt64) { atomic.store(value, ordering: .releasing) }

    @inlinable @inline(__always)
    public func storeRelaxed(_ value: UInt64) { atomic.store(value, ordering: .relaxed) }

    /// A counter bump; relaxed, because only its eventual value matters.
    @inlinable @inline(__always)
    @discardableResult
    public func increment(by delta: UInt64 = 1) -> UInt64 {
        atomic.wrappingIncrementThenLoad(by: delta, ordering: .relaxed)
    }

    @inlinable @inline(__always)
    public func compareExchange(expected: UInt64, desired: UInt64) -> Bool {
        atomic.compareExchange(expected: expected, desired: desired, ordering: .acquiringAndReleasing).exchanged
    }

    /// Signed view for fields that hold Int64 values.
    @inlinable @inline(__always)
    public func loadSignedAcquiring() -> Int64 { Int64(bitPattern: loadAcquiring()) }
    @inlinable @inline(__always)
    public func storeSignedReleasing(_ v: Int64) { storeReleasing(UInt64(bitPattern: v)) }
}

/// Orders earlier loads before later loads (the "validate after copy" step of a reader):
/// an acquiring fence.
@inlinable @inline(__always)
public func loadFence() { atomicMemoryFence(ordering: .acquiring) }

/// Orders earlier stores before later stores: a releasing fence.
@inlinable @inline(__always)
public func storeFence() { atomicMemoryFence(ordering: .releasing) }

/// Keeps one id stream in order without loss: trade ids (spot `trade`) or aggregate ids
/// (futures `aggTrade`) of one symbol in one market.
///
/// - An id at or below the last one published is a duplicate (an overlapping connection
///   during make-before-break, or a REST fill racing the stream) and is dropped.
/// - An id past `last + 1` opens a gap: the missing range is asked for from REST, and newer
///   items are held back until the fill arrives or gives up, so the ring stays in id order.
/// - Holding is bounded by count and time; past either, what is held is released and the gap is
///   reported as unfilled.
struct IdSequencer<Item> {
    enum Verdict: Equatable {
        case publish
        case duplicate
        /// Held back behind a gap being filled.
        case held
        /// Held back, and this item opened the gap `range`: fill it.
        case gap(ClosedRange<Int64>)
    }

    private(set) var last: Int64?
    private(set) var filling: ClosedRange<Int64>?
    private(set) var fillStartedNs: Int64 = 0
    private(set) var held: [(id: Int64, item: Item)] = []
    let holdLimit: Int

    init(holdLimit: Int = 200_000) { self.holdLimit = holdLimit }

    /// Where the stream must continue after a restart (the last id a previous feeder published).
    mutating func resume(after id: Int64) { last = id }

    mutating func offer(id: Int64, item: Item, nowNs: Int64) -> Verdict {
        guard let previous = last else {
            last = id
            return .publish
        }
        if filling != nil {
            if id <= previous { return .duplicate }
            if let top = held.last?.id, id <= top {
                return .duplicate
            }
            held.append((id, item))
            return .held
        }
        if id <= previous { return .duplicate }
        if id == previous + 1 {
            last = id
            return .publish
        }
        let range = (previous + 1)...(id - 1)
        filling = range
        fillStartedNs = nowNs
        held.append((id, item))
        return .gap(range)
    }

    /// True when holding has gone on too long or holds too much: give up on the fill.
    func overdue(nowNs: Int64, timeoutNs: Int64) -> Bool {
        filling != nil && (nowNs - fillStartedNs > timeoutNs || held.count >= holdLimit)
    }

    /// Ends the fill with what REST returned (any order, any overlap): returns the items to
    /// publish in id order, how many ids of the gap stayed missing, and the next gap if the
    /// held items themselves skip ids (then the rest stays held and that gap must be filled).
    mutating func complete(with fill: [(id: Int64, item: Item)], nowNs: Int64)
        -> (publish: [Item], missing: Int64, nextGap: ClosedRange<Int64>?) {
        guard let range = filling, let previous = last else { return ([], 0, nil) }
        var fetched = fill.filter { range.contains($0.id) && $0.id > previous }
        fetched.sort { $0.id < $1.id }
        var out: [Item] = []
        var cursor = previous
        var found: Int64 = 0
        for entry in fetched where entry.id > cursor {
            out.append(entry.item)
            cursor = entry.id
            found += 1
        }
        let missing = range.idCount - found
        // What REST could not return is given up: continue after the gap.
        cursor = max(cursor, range.upperBound)
        filling = nil
        var index = 0
        while index < held.count {
            let entry = held[index]
            if entry.id <= cursor {
                index += 1
                continue
            }
            if entry.id > cursor + 1 {
                let next = (cursor + 1)...(entry.id - 1)
                filling = next
                fillStartedNs = nowNs
                held.removeFirst(index)
                last = cursor
                return (out, missing, next)
            }
            out.append(entry.item)
            cursor = entry.id
            index += 1
        }
        held.removeAll(keepingCapacity: true)
        last = cursor
        return (out, missing, nil)
    }
}

extension ClosedRange<Int64> {
    /// How many ids the range holds, saturating at Int64.max (`count` traps past Int.max).
    var idCount: Int64 {
        let span = upperBound.subtractingReportingOverflow(lowerBound)
        return span.overflow || span.partialValue == .max ? .max : span.partialValue + 1
    }
}

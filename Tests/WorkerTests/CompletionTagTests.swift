import Testing
@testable import Worker

/// Tags round-trip and stale completions never reach a reused slot.
@Suite("Completion tags")
struct CompletionTagTests {
    @Test("a tag round-trips op, slot and generation through user_data")
    func roundTrip() {
        let ops: [CompletionTag.Op] = [.accept, .receive, .send, .tick, .wake, .signal, .stop, .cancel]
        for op in ops {
            for slot: UInt32 in [0, 1, 4242, .max] {
                for generation: UInt32 in [0, 1, 77, CompletionTag.generationMask] {
                    let tag = CompletionTag(op: op, slot: slot, generation: generation)
                    let decoded = CompletionTag(raw: tag.raw)
                    #expect(decoded.op == op)
                    #expect(decoded.slot == slot)
                    #expect(decoded.generation == generation)
                }
            }
        }
    }

    @Test("the generation wraps inside 24 bits and never spills into the op")
    func generationWraps() {
        #expect(CompletionTag.next(after: CompletionTag.generationMask) == 0)
        let tag = CompletionTag(op: .send, slot: 9, generation: CompletionTag.generationMask + 5)
        #expect(tag.op == .send)
        #expect(tag.generation == 4)
    }

    @Test("a user_data of zero or of an unknown op decodes to no op")
    func unknownOp() {
        #expect(CompletionTag(raw: 0).op == nil)
        #expect(CompletionTag(raw: UInt64(0xEE) << 56).op == nil)
    }

    @Test("a stale completion never reaches the connection that reused its slot")
    func staleCompletionRejected() throws {
        let table = ConnectionTable(capacity: 4, limits: HTTPLimits())
        let first = try #require(table.open(fd: 10, now: 0))
        let staleReceive = first.tag(.receive)
        #expect(table.lookup(staleReceive) === first)
        table.release(first)
        #expect(table.lookup(staleReceive) == nil)
        let second = try #require(table.open(fd: 11, now: 0))
        #expect(second.slot == first.slot)
        #expect(table.lookup(staleReceive) == nil)
        #expect(table.lookup(second.tag(.receive)) === second)
    }

    @Test("the table refuses connections beyond its capacity and reuses released slots")
    func capacity() throws {
        let table = ConnectionTable(capacity: 2, limits: HTTPLimits())
        let a = try #require(table.open(fd: 1, now: 0))
        _ = try #require(table.open(fd: 2, now: 0))
        #expect(table.open(fd: 3, now: 0) == nil)
        table.release(a)
        #expect(table.open(fd: 3, now: 0)?.slot == a.slot)
        #expect(table.inUse == 2)
    }
}

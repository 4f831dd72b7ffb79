import Testing
@testable import Net

@Suite("ByteBuffer")
struct ByteBufferTests {
    func append(_ buffer: ByteBuffer, _ bytes: [UInt8]) {
        #expect(bytes.withUnsafeBytes { buffer.append($0) })
    }

    @Test("unread bytes survive compaction and growth, and the limit is kept")
    func compactAndGrow() {
        let buffer = ByteBuffer(capacity: 8, limit: 32)
        append(buffer, [1, 2, 3, 4, 5, 6])
        buffer.consume(4)
        #expect(buffer.reserve(total: 7))  // 5 and 6 move to the front
        #expect(buffer.capacity == 8)
        #expect(Array(buffer.readable) == [5, 6])
        #expect(buffer.reserve(total: 20))
        #expect(buffer.capacity >= 20 && buffer.capacity <= 32)
        #expect(Array(buffer.readable) == [5, 6])
        #expect(!buffer.reserve(total: 33))
        buffer.consume(2)
        #expect(buffer.isEmpty)
    }

    @Test("free space asked for is granted only as far as the limit")
    func minimumFreeIsClamped() {
        let buffer = ByteBuffer(capacity: 64, limit: 16)
        #expect(buffer.capacity == 16)
        append(buffer, [UInt8](repeating: 9, count: 10))
        #expect(buffer.reserve(total: 12, minimumFree: 4096))
        #expect(buffer.writable.count == 6)
    }
}

import Testing
@testable import WebSocketCore

@Suite("SHA-1 and Base64")
struct SHA1AndBase64Tests {
    @Test("SHA-1 matches the RFC 3174 test vectors", arguments: [
        ("abc", 1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1, "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        ("a", 1_000_000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"),
        ("0123456701234567012345670123456701234567012345670123456701234567", 10,
         "dea356a2cddd90c7a7ecedc5ebb563934f460452"),
    ])
    func sha1Vectors(input: String, repeats: Int, expected: String) {
        var sha = SHA1()
        for _ in 0..<repeats { sha.update(input.utf8) }
        #expect(hex(sha.finalize()) == expected)
    }

    @Test("SHA-1 of the empty string is da39a3ee…")
    func sha1Empty() {
        #expect(hex(SHA1.hash([])) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
    }

    @Test("SHA-1 gives the same digest however the input is split")
    func sha1Streaming() {
        let input = Array((0..<300).map { UInt8(truncatingIfNeeded: $0 * 7) })
        var sha = SHA1()
        for chunk in Chunking.random.split(input) { sha.update(chunk) }
        #expect(sha.finalize() == SHA1.hash(input))
    }

    @Test("Base64 matches the RFC 4648 test vectors both ways", arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ])
    func base64Vectors(plain: String, encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
    }

    @Test("Base64 decoding refuses malformed input", arguments: [
        "Zg", "Zg=", "Z===", "Zm9v!A==", "Zg==Zg==", "Zh==", "Zm9=", " Zg==",
    ])
    func base64Malformed(input: String) {
        #expect(Base64.decode(input) == nil)
    }

    @Test("Base64 round-trips every byte value")
    func base64AllBytes() {
        let bytes = (0...255).map { UInt8($0) }
        for length in [0, 1, 2, 3, 254, 255, 256] {
            #expect(Base64.decode(Base64.encode(bytes.prefix(length))) == Array(bytes.prefix(length)))
        }
    }
}

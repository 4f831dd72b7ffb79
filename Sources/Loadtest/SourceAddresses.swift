import Posix

/// The loopback addresses client sockets are bound to, handed out round-robin: one address
/// pair gives only ~28k ports, and the server limits connections per address.
public struct SourceAddresses: Sendable, Equatable, CustomStringConvertible {
    /// IPv4 addresses in host byte order, all in 127.0.0.0/8.
    public let addresses: [UInt32]

    public init(_ addresses: [UInt32]) throws(LoadtestError) {
        guard !addresses.isEmpty else { throw LoadtestError("no source address") }
        guard addresses.allSatisfy(Self.isLoopback) else { throw LoadtestError("source addresses must be in 127.0.0.0/8") }
        self.addresses = addresses
    }

    private init(unchecked addresses: [UInt32]) {
        self.addresses = addresses
    }

    /// Parses a comma-separated list of addresses and inclusive ranges:
    /// `127.0.0.1-127.0.0.40`, `127.0.1.1,127.0.1.2`, `127.0.2.1-127.0.2.9,127.0.3.1`.
    public init(parsing text: String) throws(LoadtestError) {
        var list: [UInt32] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            // "127.0.0.1-" is a range without an end, not one address.
            let ends = item.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            guard !item.isEmpty, ends.allSatisfy({ !$0.isEmpty }) else { throw LoadtestError("bad source range '\(item)'") }
            guard let first = Self.parse(ends[0]) else { throw LoadtestError("bad source address '\(ends[0])'") }
            var last = first
            if ends.count == 2 {
                guard let end = Self.parse(ends[1]), end >= first else { throw LoadtestError("bad source range '\(item)'") }
                last = end
            }
            guard last - first < 1 << 16 else { throw LoadtestError("source range '\(item)' is too large") }
            list.append(contentsOf: first...last)
        }
        try self.init(list)
    }

    /// Enough addresses from `first` on that none carries more than `perAddress` connections.
    public static func automatic(connections: Int, perAddress: Int = 4_000, first: UInt32 = 0x7F00_0001) -> SourceAddresses {
        let count = min(max(1, (connections + perAddress - 1) / perAddress), 1 << 16)
        return SourceAddresses(unchecked: Array(first..<(first + UInt32(count))))
    }

    /// The address of the `index`-th connection of the whole run.
    @inline(__always)
    public func address(forConnection index: Int) -> UInt32 { addresses[index % addresses.count] }

    /// Compact text: runs of consecutive addresses as ranges; parses back to the same list.
    public var description: String {
        var parts: [String] = []
        var start = 0
        while start < addresses.count {
            var end = start
            while end + 1 < addresses.count && addresses[end + 1] == addresses[end] + 1 { end += 1 }
            let first = Self.format(addresses[start])
            parts.append(end == start ? first : "\(first)-\(Self.format(addresses[end]))")
            start = end + 1
        }
        return parts.joined(separator: ",")
    }

    static func isLoopback(_ address: UInt32) -> Bool { address >> 24 == 127 }

    /// A dotted IPv4 address in host byte order.
    public static func parse(_ text: Substring) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, let byte = UInt8(octet) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }

    public static func format(_ address: UInt32) -> String {
        "\(address >> 24).\(address >> 16 & 0xFF).\(address >> 8 & 0xFF).\(address & 0xFF)"
    }
}

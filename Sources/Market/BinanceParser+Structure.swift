/// Objects, members and depth-level arrays: the structural half of the scanner.
extension FrameScanner {
    /// A whole frame: one object (or a top-level array, skipped) and only whitespace after it.
    mutating func frame() throws(MalformedReason) {
        let c = try peek()
        if c == 0x7B {
            try object(bank: 0, depth: 0)
        } else if c == 0x5B {
            try skipValue()
        } else {
            throw .unexpectedByte
        }
        skipWhitespace()
        guard pos == end else { throw .trailingBytes }
    }

    /// An object at `pos` (`{`). Depth 0 is the frame; its `data` member is the payload.
    mutating func object(bank: Int, depth: Int) throws(MalformedReason) {
        pos &+= 1
        var c = try peek()
        if c == 0x7D { pos &+= 1; return }
        while true {
            guard c == 0x22 else { throw .unexpectedByte }
            pos &+= 1
            let keyStart = pos
            var escaped = false
            let keyLength = try string(escaped: &escaped)
            try expect(0x3A)
            let slot = escaped ? -1 : keySlot(keyStart, keyLength, bank: bank, depth: depth)
            try member(slot: slot, bank: bank, depth: depth)
            c = try peek()
            pos &+= 1
            if c == 0x2C {
                c = try peek()
                continue
            }
            guard c == 0x7D else { throw .unexpectedByte }
            return
        }
    }

    /// The slot for a key: letters map to 0..<52, the few long keys to named slots, else -1.
    @inline(__always)
    func keySlot(_ start: Int, _ length: Int, bank: Int, depth: Int) -> Int {
        let p = base + start
        switch length {
        case 1:
            return Slot.letter(p[0])
        case 2:
            if p[0] == 0x70, p[1] == 0x75 { return Slot.pu }  // pu
            if p[0] == 0x61, p[1] == 0x70 { return Slot.ap }  // ap
            return -1
        case 4:
            if bank == 0, depth == 0, equals(p, 4, "data") { return Slot.data }
            if equals(p, 4, "bids") { return Slot.bids }
            if equals(p, 4, "asks") { return Slot.asks }
            return -1
        case 12:
            return equals(p, 12, "lastUpdateId") ? Slot.lastUpdateId : -1
        default:
            return -1
        }
    }

    /// One member's value; records it in `slot` when the slot is known.
    mutating func member(slot: Int, bank: Int, depth: Int) throws(MalformedReason) {
        let c = try peek()
        switch c {
        case 0x22:
            pos &+= 1
            let start = pos
            var escaped = false
            let length = try string(escaped: &escaped)
            if slot >= 0 { record(bank: bank, slot: slot, kind: .string, value: Int64(start) << 32 | Int64(length)) }
        case 0x2D, 0x30...0x39:
            let (v, isInteger) = try number()
            if slot >= 0 { record(bank: bank, slot: slot, kind: isInteger ? .integer : .otherNumber, value: v) }
        case 0x74, 0x66, 0x6E:
            let first = try literal()
            if slot >= 0 {
                record(bank: bank, slot: slot, kind: first == 0x6E ? .null : .bool, value: first == 0x74 ? 1 : 0)
            }
        case 0x7B:
            if slot == Slot.data {
                try object(bank: 0, depth: 1)
            } else if bank == 0, slot == Key.k || slot == Key.o {
                try object(bank: 1, depth: depth &+ 1)
                record(bank: bank, slot: slot, kind: .object, value: 0)
            } else {
                try skipValue()
            }
        case 0x5B:
            if bank == 0, slot == Key.b || slot == Slot.bids {
                bidCount = try levels(into: bidStorage)
                sawBids = true
                if slot >= 0 { record(bank: 0, slot: slot, kind: .levels, value: 0) }
            } else if bank == 0, slot == Key.a || slot == Slot.asks {
                askCount = try levels(into: askStorage)
                sawAsks = true
                if slot >= 0 { record(bank: 0, slot: slot, kind: .levels, value: 0) }
            } else {
                try skipValue()
            }
        default:
            throw .unexpectedByte
        }
    }

    /// `[["price","qty"],…]` at `pos`, parsed into `storage`; extra elements in a level are skipped.
    mutating func levels(into storage: UnsafeMutablePointer<PriceLevel>) throws(MalformedReason) -> Int {
        pos &+= 1
        if try peek() == 0x5D { pos &+= 1; return 0 }
        var n = 0
        while true {
            try expect(0x5B)
            let price = try decimalString()
            try expect(0x2C)
            let quantity = try decimalString()
            var c = try peek()
            while c == 0x2C {
                pos &+= 1
                try skipValue()
                c = try peek()
            }
            guard c == 0x5D else { throw .unexpectedByte }
            pos &+= 1
            guard n < levelCapacity else { throw .tooManyLevels }
            storage[n] = PriceLevel(price: price, quantity: quantity)
            n &+= 1
            c = try peek()
            pos &+= 1
            if c == 0x2C { continue }
            guard c == 0x5D else { throw .unexpectedByte }
            return n
        }
    }

    /// A quoted decimal parsed to `Fixed`.
    mutating func decimalString() throws(MalformedReason) -> Int64 {
        try expect(0x22)
        let start = pos
        var escaped = false
        let length = try string(escaped: &escaped)
        guard !escaped, let v = Fixed.parse(UnsafeRawBufferPointer(start: base + start, count: length)) else {
            throw .badDecimal
        }
        return v
    }

    @inline(__always)
    func equals(_ p: UnsafePointer<UInt8>, _ n: Int, _ word: StaticString) -> Bool {
        guard word.utf8CodeUnitCount == n else { return false }
        let w = word.utf8Start
        for i in 0..<n where p[i] != w[i] { return false }
        return true
    }
}

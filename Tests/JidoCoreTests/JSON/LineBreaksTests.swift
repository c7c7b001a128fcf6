import Testing
@testable import JidoCore

/// `LineBreaks` finds exactly the newlines a byte-by-byte search finds, in order, across region and
/// block boundaries, and hands its caller every region once, in order, before reading it.
@Suite struct LineBreaksTests {
    /// Every newline of `bytes` by `next`, and the regions `reading` received.
    static func scan(_ bytes: [UInt8]) -> (newlines: [Int], regions: [Range<Int>]) {
        bytes.withUnsafeBytes { buffer in
            var lineBreaks = LineBreaks(buffer)
            defer { lineBreaks.deallocate() }
            var regions: [Range<Int>] = []
            var newlines: [Int] = []
            while true {
                let offset = lineBreaks.next { regions.append($0) }
                if offset == bytes.count { break }
                newlines.append(offset)
            }
            // Once at the end, it stays there.
            #expect(lineBreaks.next { regions.append($0) } == bytes.count)
            return (newlines, regions)
        }
    }

    /// A seeded xorshift64 (deterministic cases).
    struct Random {
        var state: UInt64
        init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }

    static func expected(_ bytes: [UInt8]) -> [Int] {
        bytes.indices.filter { bytes[$0] == UInt8(ascii: "\n") }
    }

    @Test(arguments: [0, 1, 63, 64, 65, 127, 128, 1000, LineBreaks.regionBytes - 1, LineBreaks.regionBytes,
                      LineBreaks.regionBytes + 1, 3 * LineBreaks.regionBytes + 77])
    func findsEveryNewlineAndHandsOverEveryRegion(_ count: Int) {
        var random = Random(seed: UInt64(count))
        let shapes: [[UInt8]] = [
            [UInt8](repeating: UInt8(ascii: "\n"), count: count),                // a newline at every byte
            [UInt8](repeating: UInt8(ascii: " "), count: count),                 // none
            (0..<count).map { _ in random.next() % 5 == 0 ? UInt8(ascii: "\n") : UInt8(truncatingIfNeeded: random.next()) },
            (0..<count).map { $0 % 64 == 63 || $0 % 64 == 0 ? UInt8(ascii: "\n") : UInt8(ascii: "x") },  // at block edges
            (0..<count).map { _ in random.next() % 97 == 0 ? UInt8(ascii: "\n") : 0xF5 ^ UInt8(ascii: "\n") },  // bytes that differ from \n by bits
        ]
        for bytes in shapes {
            let (newlines, regions) = Self.scan(bytes)
            #expect(newlines == Self.expected(bytes))
            // The regions: consecutive, from 0, covering the bytes (none for an empty buffer).
            #expect(regions.first?.lowerBound ?? 0 == 0)
            #expect(regions.last?.upperBound ?? 0 == bytes.count)
            #expect(zip(regions, regions.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            #expect(regions.allSatisfy { !$0.isEmpty && $0.count <= LineBreaks.regionBytes })
        }
    }

    @Test func theLastNewlineBeforeAnOffset() {
        var random = Random(seed: 7)
        let bytes = (0..<300).map { _ in random.next() % 11 == 0 ? UInt8(ascii: "\n") : UInt8(ascii: "a") }
        bytes.withUnsafeBytes { buffer in
            for end in 0...bytes.count {
                #expect(LineBreaks.last(in: buffer, before: end) == bytes[..<end].lastIndex(of: UInt8(ascii: "\n")), "\(end)")
            }
        }
    }
}

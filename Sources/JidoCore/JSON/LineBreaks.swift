internal import CByteSearch

/// The newlines of a buffer in increasing order. A region of `regionBytes` at a time is turned into
/// a list of offsets by SIMD compares (`jido_byte_offsets`); a line then costs reading the next
/// offset, with no search call and no branch that depends on the line's length. `next` hands each
/// region to its caller before reading it (the MAC-first path feeds it to the HMAC there, which
/// brings it into the cache).
struct LineBreaks {
    static let regionBytes = 16 * 1024

    private let bytes: UnsafeRawBufferPointer
    /// The newlines of the current region, relative to its start.
    private let offsets: UnsafeMutablePointer<UInt32>
    private var nextOffset: UnsafeMutablePointer<UInt32>
    private var endOfOffsets: UnsafeMutablePointer<UInt32>
    private var regionStart = 0
    private var regionEnd = 0

    /// The newlines from `offset` on (a line start: what a scan from 0 would find after it). Call
    /// `deallocate` when done.
    init(_ bytes: UnsafeRawBufferPointer, from offset: Int = 0) {
        self.bytes = bytes
        offsets = .allocate(capacity: Self.regionBytes + 8)
        nextOffset = offsets
        endOfOffsets = offsets
        regionStart = offset
        regionEnd = offset
    }

    func deallocate() { offsets.deallocate() }

    /// The offset of the next newline (the first call: the first from the starting offset), or the
    /// buffer's end when none is left. `reading` gets each region before its bytes are searched:
    /// consecutive ranges from the starting offset covering the rest of the buffer.
    @inline(__always)
    mutating func next<E: Error>(reading: (Range<Int>) throws(E) -> Void) throws(E) -> Int {
        while nextOffset == endOfOffsets {
            guard regionEnd < bytes.count, let base = bytes.baseAddress else { return bytes.count }
            let region = regionEnd..<min(regionEnd + Self.regionBytes, bytes.count)
            try reading(region)
            nextOffset = offsets
            endOfOffsets = offsets + jido_byte_offsets(base + region.lowerBound, region.count, ASCII.newline, offsets)
            regionStart = region.lowerBound
            regionEnd = region.upperBound
        }
        defer { nextOffset += 1 }
        return regionStart &+ Int(nextOffset.pointee)
    }

    /// The offset of the last newline of `bytes[..<end]`, searched backwards eight bytes at a time.
    static func last(in bytes: UnsafeRawBufferPointer, before end: Int) -> Int? {
        var i = end
        while i >= 8 {
            let x = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i - 8, as: UInt64.self)) ^ (SWAR.ones &* UInt64(ASCII.newline))
            // The high bit of each zero byte of x, exactly (no carry crosses a byte).
            let zeros = ~(((x & ~SWAR.highs) &+ ~SWAR.highs) | x) & SWAR.highs
            if zeros != 0 { return i - 8 + (63 - zeros.leadingZeroBitCount) >> 3 }
            i -= 8
        }
        while i > 0 {
            i -= 1
            if bytes[i] == ASCII.newline { return i }
        }
        return nil
    }
}

import Glibc

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast, fully deterministic generator. Not for secrets;
/// it only makes generated stores reproducible from `--seed`.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<bound` (Lemire's multiply-high; the bias is below 2^-40 for our bounds).
    mutating func below(_ bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        return Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// Uniform in `range`.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    /// A uniformly chosen element; `elements` must not be empty (only called on constant tables).
    mutating func pick<T>(_ elements: [T]) -> T { elements[below(elements.count)] }

    /// Log-uniform in [low, high] (both > 0).
    mutating func logUniform(_ low: Double, _ high: Double) -> Double {
        guard high > low else { return low }
        return exp(log(low) + unit() * (log(high) - log(low)))
    }

    /// A random (version 4, RFC 9562) UUID in lower-case hex.
    mutating func uuidV4() -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        let a = next(), b = next()
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: a >> (8 * UInt64(i)))
            bytes[8 + i] = UInt8(truncatingIfNeeded: b >> (8 * UInt64(i)))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return Hex.encode(bytes, hyphensBefore: [4, 6, 8, 10])
    }
}

enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Lower-case hexadecimal, with a `-` in front of the bytes at the offsets in `hyphensBefore`.
    static func encode(_ bytes: [UInt8], hyphensBefore: Set<Int> = []) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2 + hyphensBefore.count)
        for (i, b) in bytes.enumerated() {
            if hyphensBefore.contains(i) { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

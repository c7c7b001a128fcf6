internal import Glibc

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast, fully deterministic generator, so that what the
/// tools generate or choose (a benchmark's store, a stress run's targets and kill instants) is
/// reproducible from `--seed`. Not for secrets: the store uses `SecureRandom`.
public struct SplitMix64 {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for one stream of a seed (a writer, the killer, a reader), independent of the others.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        state = mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<bound` (Lemire's multiply-high; the bias is below 2^-40 for the bounds used).
    public mutating func below(_ bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        return Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// Uniform in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double { low + unit() * (high - low) }

    public mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    /// A uniformly chosen element; `elements` must not be empty (only called on constant tables).
    public mutating func pick<T>(_ elements: [T]) -> T { elements[below(elements.count)] }

    /// Log-uniform in [low, high] (both > 0).
    public mutating func logUniform(_ low: Double, _ high: Double) -> Double {
        guard high > low else { return low }
        return exp(log(low) + unit() * (log(high) - log(low)))
    }
}

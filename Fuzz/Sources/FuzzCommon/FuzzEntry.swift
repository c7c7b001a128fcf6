import JidoFuzzChecks

/// The glue between libFuzzer and `FuzzChecks` (the main package's `JidoFuzzChecks`): copies the
/// input and turns a violated invariant into a crash (the signal libFuzzer records as a finding).
/// Only the fuzzers use this file; the replay tests call `FuzzChecks` directly and report violations
/// with #expect.
public enum FuzzEntry {
    public static func run(_ data: UnsafePointer<UInt8>?, _ size: Int,
                           _ check: ([UInt8]) throws(InvariantViolation) -> Void) -> CInt {
        let input = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
        do {
            try check(input)
        } catch {
            let message = error.description
            fatalError(message.count > 4000 ? String(message.prefix(4000)) + "…" : message)
        }
        return 0
    }
}

import FuzzCommon
import JidoFuzzChecks

/// libFuzzer entry point: see `FuzzChecks.differential` for the invariants.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz_differential(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(data, size, FuzzChecks.differential)
}

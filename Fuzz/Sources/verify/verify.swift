import FuzzCommon
import JidoFuzzChecks

/// libFuzzer entry point: see `FuzzChecks.verify` for the invariants.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz_verify(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(data, size, FuzzChecks.verify)
}

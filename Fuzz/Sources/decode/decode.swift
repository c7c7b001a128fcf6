import FuzzCommon
import JidoFuzzChecks

/// libFuzzer entry point: see `FuzzChecks.decode` for the invariants.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz_decode(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(data, size, FuzzChecks.decode)
}

import FuzzCommon
import JidoFuzzChecks

/// libFuzzer entry point: see `FuzzChecks.fastPath` for the invariants.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz_fastpath(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(data, size, FuzzChecks.fastPath)
}

import FuzzCommon
import JidoFuzzChecks

/// libFuzzer entry point: see `FuzzChecks.session` for the invariants.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz_session(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntry.run(data, size, FuzzChecks.session)
}

import JidoCore
import Testing

// TEMPORARY, branch `interop` only: DELETE THIS FILE when `StoreOptions.beamOrder` / `BeamOrder` land in JidoCore.
// It lets the interop suite compile before then; the option it stands for does nothing here (the store writes its
// one order whatever is asked), so the OTP 25 half of "JidoGuard's store → JidoCode" fails on large maps until the
// real option replaces it. Once JidoCore has the real option this file would silently shadow it, so the setter
// checks for the real stored property and fails the test loudly when it finds it.

enum BeamOrder: Sendable {
    case otp25
    case otp27
}

extension StoreOptions {
    var beamOrder: BeamOrder {
        get { .otp27 }
        set {
            _ = newValue
            if Mirror(reflecting: self).children.contains(where: { $0.label == "beamOrder" }) {
                Issue.record("JidoCore now has StoreOptions.beamOrder: delete Tests/JidoInteropTests/InteropBeamOrderShim.swift (it shadows it)")
            }
        }
    }
}

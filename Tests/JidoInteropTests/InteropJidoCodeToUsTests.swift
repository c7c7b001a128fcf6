import Foundation
import Testing

/// JidoCode → JidoGuard: stores written by JidoCode's real writer (on both OTP families), a few files tampered with
/// the oracle's `tamper.py`; our `jido-audit verify` must agree with JidoCode's verdict and byte check on every file.
extension InteropChecks {
    /// Which sessions (by manifest index) get which tampering; indices 3, 7, 11, 15, 19 hold a large (33-60 key) map.
    static let tamperPlan: [(kind: String, indices: [Int])] = [
        ("content", [0, 3, 11]), ("nullsig", [1, 7]), ("numsig", [2]), ("objsig", [15]), ("dropsig", [4, 19]),
    ]

    static func jidocodeStoreVerdictsAgree(family: InteropOracle.Family) throws {
        try withInteropScratch { scratch in
            let home = scratch + "/home"
            let sessions = try InteropOracle.writeStore(home: home, hostname: "devbox.example.com", sessions: 100, seed: 40 + family.rawValue,
                                                        bigMapEvery: 4, family: family, scratch: scratch)
            try #require(sessions.count == 100, "write-store wrote \(sessions.count) sessions, not 100")
            var tampered: [String: String] = [:]
            for (kind, indices) in Self.tamperPlan {
                let files = indices.map { sessions[$0].path }
                try InteropOracle.tamper(kind, files, scratch: scratch)
                for file in files { tampered[file] = kind }
            }
            let files = sessions.map(\.path)
            let oracle = try InteropOracle.verify(home: home, hostname: "devbox.example.com", family: family, files: files, scratch: scratch)
            let ours = try InteropAudit.verify(home: home, hostname: "devbox", files: files, scratch: scratch)

            var verdicts = InteropDisagreements(), bytes = InteropDisagreements(), orders = InteropDisagreements()
            var oracleAnomalies = InteropDisagreements(), noBytes = InteropDisagreements()
            let hasBeamOrder = ours.files.values.contains { $0.beamOrder != nil }
            if !hasBeamOrder { orders.add("jido-audit verify --format json reports no `beam_order` field (none|otp25|otp27)") }
            for session in sessions {
                guard let theirs = oracle[session.path], let mine = ours.files[session.path] else { continue }
                let what = "\(session.id).json [\(tampered[session.path].map { "tampered: \($0)" } ?? "untampered")\(session.bigMap ? ", large map" : "")]"
                if tampered[session.path] == nil, theirs.verdict != "valid" || theirs.load != "ok" || theirs.jidocodeBytes != "true" {
                    oracleAnomalies.add("\(what): the oracle says \(theirs.verdict), load \(theirs.load), bytes \(theirs.jidocodeBytes)")
                }
                if !mine.jidocodeEquivalents.contains(theirs.verdict) {
                    verdicts.add("\(what): ours \(mine.summary), JidoCode \(theirs.verdict) (load: \(theirs.load))")
                }
                // `-` (JidoCode has no bytes for it: not an object, a non-string signature) counts as not JidoCode's bytes.
                // Compared where both mean "the file is what JidoCode writes for its content": not where
                // JidoCode has no bytes (`-`: not an object, a non-string signature), nor for a null
                // signature (the oracle compares such a file with its encoding WITHOUT the member).
                if theirs.jidocodeBytes != "-", mine.verdict != "null-signature", mine.canonical != (theirs.jidocodeBytes == "true") {
                    let line = "\(what): ours canonical=\(mine.canonical.map(String.init) ?? "absent"), JidoCode's bytes: \(theirs.jidocodeBytes)"
                        + " (JidoCode \(theirs.verdict))" + (theirs.firstDiff.isEmpty ? "" : " (\(theirs.firstDiff.prefix(200)))")
                    if theirs.jidocodeBytes == "-" { noBytes.add(line) } else { bytes.add(line) }
                }
                if hasBeamOrder, tampered[session.path] == nil {
                    let expected = session.bigMap ? family.beamOrderName : "none"
                    if mine.beamOrder != expected {
                        orders.add("\(what): ours beam_order=\(mine.beamOrder ?? "absent"), expected \(expected)")
                    }
                }
            }
            #expect(oracleAnomalies.isEmpty, Comment(rawValue: oracleAnomalies.report("\(family): the oracle rejects its own untampered files")))
            #expect(verdicts.isEmpty, Comment(rawValue: verdicts.report("\(family): verify verdicts, ours vs JidoCode's")))
            for line in noBytes.lines { bytes.add(line) }
            #expect(bytes.isEmpty, Comment(rawValue: bytes.report(
                "\(family): `canonical` vs the oracle's file_is_jidocode_bytes (\(noBytes.count) where JidoCode has no bytes: `-`, listed last)")))
            #expect(orders.isEmpty, Comment(rawValue: orders.report("\(family): beam_order")))

            // The default hostname: inside a UTS namespace named devbox.example.com, JidoCode keys with `devbox`.
            let untampered = files.filter { tampered[$0] == nil }
            let defaulted = try InteropAudit.verify(home: home, hostname: nil, files: untampered, utsHostname: "devbox.example.com", scratch: scratch)
            var hostname = InteropDisagreements()
            for file in untampered {
                guard let mine = defaulted.files[file], mine.verdict != "valid" else { continue }
                hostname.add("\((file as NSString).lastPathComponent): ours \(mine.summary), expected valid")
            }
            let report = defaulted.topLevel.isEmpty ? "no top-level hostname report" : "top level: \(defaulted.topLevel)"
            #expect(hostname.isEmpty, Comment(rawValue: hostname.report(
                "\(family): default hostname in a UTS namespace named devbox.example.com (JidoCode keys with `devbox`; \(report))")))
        }
    }
}

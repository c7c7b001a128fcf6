import Foundation
import JidoCore
import Testing

/// A store written by JidoCode's real writer (large maps in the family's order, one file tampered), rotated by
/// `jido-audit rotate-secret`: JidoCode's real `verify` and `load/1` accept every re-signed session under the new
/// secret, and each is byte for byte what JidoCode writes; the tampered file is left byte for byte as it was.
extension InteropChecks {
    static func rotatedStoreIsJidoCodes(family: InteropOracle.Family) throws {
        try withInteropScratch { scratch in
            let home = scratch + "/home"
            let sessions = try InteropOracle.writeStore(home: home, hostname: "devbox", sessions: 12, seed: 16, bigMapEvery: 4, scale: 0.2,
                                                        family: family, scratch: scratch)
            #expect(sessions.count == 12 && sessions.contains { $0.bigMap })
            let tampered = sessions[0].path
            try InteropOracle.tamper("content", [tampered], scratch: scratch)
            let tamperedBytes = try Data(contentsOf: URL(fileURLWithPath: tampered))
            let secretBefore = try Data(contentsOf: URL(fileURLWithPath: home + "/.jido_code/machine_secret"))

            let rotation = try InteropAudit.run(["rotate-secret", "--home", home, "--hostname", "devbox", "--yes", "--force"], scratch: scratch)
            // Status 1: the tampered file was left alone (and listed).
            #expect(rotation.status == 1 && rotation.stdoutText.contains("11 sessions re-signed"),
                    "\(rotation.stdoutText)\(rotation.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: home + "/.jido_code/machine_secret")) != secretBefore)
            #expect(try Data(contentsOf: URL(fileURLWithPath: tampered)) == tamperedBytes, "the tampered file is untouched")

            let verdicts = try InteropOracle.verify(home: home, hostname: "devbox", family: family, files: sessions.map(\.path), scratch: scratch)
            var disagreements = InteropDisagreements()
            for session in sessions.dropFirst() {
                guard let theirs = verdicts[session.path] else { continue }
                if theirs.verdict != "valid" || theirs.load != "ok" || theirs.jidocodeBytes != "true" {
                    disagreements.add("\(session.id) (big map \(session.bigMap)): JidoCode verdict \(theirs.verdict), load \(theirs.load), "
                        + "JidoCode's bytes \(theirs.jidocodeBytes) \(theirs.firstDiff.prefix(300))")
                }
            }
            #expect(verdicts[tampered]?.verdict == "invalid")
            #expect(disagreements.isEmpty, Comment(rawValue: disagreements.report("\(family): JidoCode's verify of the rotated store")))
        }
    }
}

import Foundation
import Glibc
import JidoCore
import JidoSessionCLI
import JidoTestSupport
import JidoToolSupport
import Testing

/// Moving sessions between machines: JidoCode writes a store on machine A (hostname A, secret A), `jido-session
/// export` there, `jido-session import` on machine B (hostname B, secret B). Every imported session must be valid
/// under B's key in JidoCode's real `verify` and `load/1` and byte for byte what JidoCode writes, valid and canonical
/// for `jido-audit verify`, and hold exactly the content exported from A.
extension InteropChecks {
    static func movedSessionsVerifyOnB(family: InteropOracle.Family) throws {
        try withInteropScratch { scratch in
            let homeA = scratch + "/a", homeB = scratch + "/b"
            let sessions = try InteropOracle.writeStore(home: homeA, hostname: "machine-a", sessions: 6, seed: 16, bigMapEvery: 2,
                                                        family: family, scratch: scratch)
            let dataB = homeB + "/.jido_code"
            try FileManager.default.createDirectory(atPath: dataB, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            var rng = SplitMix64(seed: 0xB0B, stream: UInt64(family.rawValue))
            try interopWrite(dataB + "/machine_secret", Array((0..<32).map { _ in String(format: "%02x", rng.below(256)) }.joined().utf8))
            chmod(dataB + "/machine_secret", 0o600)
            let otp = ["--otp", family.flag]

            var problems = InteropDisagreements()
            var exported: [String: [UInt8]] = [:]
            for entry in sessions {
                let export = runInProcess(JidoSessionCommand.self, bytes: (["export", entry.id, "--home", homeA, "--hostname", "machine-a"] + otp)
                    .map { Array($0.utf8) })
                guard export.status == 0 else { problems.add("export \(entry.id) on A: status \(export.status): \(export.stderr)"); continue }
                let file = scratch + "/\(entry.id).export.json"
                try interopWrite(file, Array(export.stdout.utf8))
                exported[entry.id] = Array(export.stdout.utf8)
                let imported = runInProcess(JidoSessionCommand.self, bytes: (["import", file, "--home", homeB, "--hostname", "machine-b"] + otp)
                    .map { Array($0.utf8) })
                if imported.status != 0 { problems.add("import \(entry.id) on B: status \(imported.status): \(imported.stderr)") }
            }
            let files = sessions.map { dataB + "/sessions/" + $0.id + ".json" }.filter { FileManager.default.fileExists(atPath: $0) }
            #expect(files.count == sessions.count, "every session imported")
            let oracle = try InteropOracle.verify(home: homeB, hostname: "machine-b", family: family, files: files, scratch: scratch)
            let ours = try InteropAudit.verify(home: homeB, hostname: "machine-b", files: files, scratch: scratch)
            let decoder = StrictJSONDecoder()
            for (entry, file) in zip(sessions, files) {
                if let theirs = oracle[file], theirs.verdict != "valid" || theirs.load != "ok" || theirs.jidocodeBytes != "true" {
                    problems.add("\(entry.id) on B: JidoCode verdict \(theirs.verdict), load \(theirs.load), JidoCode's bytes \(theirs.jidocodeBytes)")
                }
                if let mine = ours.files[file], mine.verdict != "valid" || mine.canonical != true {
                    problems.add("\(entry.id) on B: jido-audit verify says \(mine.summary)")
                }
                // Identical content: A's export and B's file decode to the same session once the signatures are dropped.
                let onB = try decoder.decode(Array(Data(contentsOf: URL(fileURLWithPath: file)))).value.objectValue
                let fromA = try decoder.decode(exported[entry.id] ?? []).value.objectValue
                guard let onB, let fromA, let sessionB = try? Session(document: onB), let sessionA = try? Session(document: fromA) else {
                    problems.add("\(entry.id): not a session after the move")
                    continue
                }
                if sessionA.document != sessionB.document { problems.add("\(entry.id): content changed by the move") }
                if fromA[SessionSignature.memberName] == onB[SessionSignature.memberName] { problems.add("\(entry.id): B kept A's signature") }
            }
            #expect(problems.isEmpty, Comment(rawValue: problems.report("\(family): sessions moved from machine A to machine B")))
        }
    }
}

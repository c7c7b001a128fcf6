import Foundation
import JidoCore
import JidoTestSupport
import Testing
@testable import JidoSessionCLI

@Suite struct ImportCommandTests {
    /// Home B: a secret beside it (--secret-file), no data directory yet.
    func machineB(_ root: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: root + "/b", withIntermediateDirectories: false)
        try SessionFixture.writeSecret(root + "/secret-b", seed: 9)
        return ["--home", root + "/b", "--secret-file", root + "/secret-b", "--hostname", "host-b"]
    }

    func export(_ id: String, from home: String, to path: String) throws {
        let run = session(["export", id, "--home", home, "--hostname", SessionFixture.hostname])
        #expect(run.status == 0, "\(run.stderr)")
        try writeFile(path, Array(run.stdout.utf8))
    }

    @Test func importedSessionVerifiesWithIdenticalContent() throws {
        try withTemporaryDirectory { root in
            let home = try SessionFixture.basicHome(in: root)
            let b = try machineB(root)
            try export(SessionFixture.longSession, from: home, to: root + "/x.json")
            let run = session(["import", root + "/x.json"] + b)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.hasPrefix("imported session \(SessionFixture.longSession)"))
            let list = session(["list", "--format", "json"] + b)
            #expect(list.status == 0, "valid under B's key")
            let back = session(["export", SessionFixture.longSession] + b)
            #expect(back.status == 0)
            let original = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/x.json"))) as? NSDictionary
            let imported = try JSONSerialization.jsonObject(with: Data(back.stdout.utf8)) as? NSDictionary
            let strip = { (d: NSDictionary?) in (d?.mutableCopy() as? NSMutableDictionary).map { $0.removeObject(forKey: "signature"); return $0 } }
            #expect(strip(original) == strip(imported), "same content, updated_at included")
            #expect(original?["signature"] as? String != imported?["signature"] as? String)
        }
    }

    @Test func refusesSchemaInvalidFilesAndWritesNothing() throws {
        try withTemporaryDirectory { root in
            let b = try machineB(root)
            let bad = [
                "not json": "{",
                "wrong role": SessionFixture.hostileJSON.replacingOccurrences(of: #""role":"user""#, with: #""role":"root""#),
                "duplicate key": SessionFixture.hostileJSON.replacingOccurrences(of: #""version":1,"#, with: #""version":1,"version":1,"#),
                "no id": SessionFixture.hostileJSON.replacingOccurrences(of: #""id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","#, with: ""),
                "array": "[]",
            ]
            try writeFile(root + "/bad.json", [])
            let before = SessionFixture.tree(root)
            for (label, text) in bad {
                try writeFile(root + "/bad.json", Array(text.utf8))
                let run = session(["import", root + "/bad.json"] + b)
                #expect(run.status == 1, "\(label): \(run.stderr)")
                #expect(SessionFixture.tree(root) == before, "\(label) wrote something")
            }
            let missing = session(["import", root + "/none.json"] + b)
            #expect(missing.status == 3)
            #expect(SessionFixture.tree(root) == before)
            #expect(!FileManager.default.fileExists(atPath: root + "/b/.jido_code"))
        }
    }

    @Test func noSecretRefusesBeforeWriting() throws {
        try withTemporaryDirectory { root in
            try writeFile(root + "/s.json", Array(SessionFixture.hostileJSON.utf8))
            try FileManager.default.createDirectory(atPath: root + "/home", withIntermediateDirectories: false)
            let run = session(["import", root + "/s.json", "--home", root + "/home"])
            #expect(run.status == 3)
            #expect(SessionFixture.tree(root + "/home").isEmpty, "no secret, data or locks directory created")
        }
    }

    /// An existing id is refused without --replace: the stored file unchanged, and no locks/ created
    /// in a store that had none (the vector store has none).
    @Test func existingIDNeedsReplace() throws {
        try withTemporaryDirectory { root in
            let home = try SessionFixture.basicHome(in: root)
            let flags = ["--home", home, "--hostname", SessionFixture.hostname]
            let stored = home + "/.jido_code/sessions/\(SessionFixture.unicodeSession).json"
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: stored)))
            var edited = try #require(try JSONSerialization.jsonObject(with: Data(original)) as? [String: Any])
            edited["name"] = "renamed"
            try writeFile(root + "/edited.json", [UInt8](try JSONSerialization.data(withJSONObject: edited)))
            let before = SessionFixture.tree(root)
            let refused = session(["import", root + "/edited.json"] + flags)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("is already stored: pass --replace"))
            #expect(SessionFixture.tree(root) == before)
            #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: stored))) == original)
            let replaced = session(["import", "--replace", root + "/edited.json"] + flags)
            #expect(replaced.status == 0, "\(replaced.stderr)")
            #expect(replaced.stdout.hasPrefix("replaced session"))
            let list = session(["list", "--format", "json"] + flags)
            #expect(list.status == 0)
            #expect(list.stdout.contains("\"name\": \"renamed\""))
        }
    }

    /// The store keeps the file's updated_at (`StoreOptions.stampsUpdatedAt` off).
    @Test func updatedAtIsKept() throws {
        try withTemporaryDirectory { root in
            let b = try machineB(root)
            try writeFile(root + "/s.json", Array(SessionFixture.hostileJSON.utf8))
            #expect(session(["import", root + "/s.json"] + b).status == 0)
            let back = session(["export", SessionFixture.hostileID] + b)
            #expect(back.stdout.contains("\"updated_at\": \"2025-01-02T03:04:05.123456Z\""))
            #expect(back.stdout.contains("\"closed_at\": \"2025-01-02T03:04:06Z\""))
        }
    }

    /// Keys JidoCode reads as distinct (NFC and NFD spellings) are kept, with a note: JidoCode writes such files.
    @Test func ambiguousKeysAreKeptWithANote() throws {
        try withTemporaryDirectory { root in
            let b = try machineB(root)
            let text = SessionFixture.hostileJSON.replacingOccurrences(of: #""config":{}"#, with: #""config":{"é":1,"é":2}"#)
            try writeFile(root + "/s.json", Array(text.utf8))
            let run = session(["import", root + "/s.json"] + b)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("note: 1 ambiguous key (first at /config/"))
            let back = session(["export", SessionFixture.hostileID] + b)
            // Byte comparison: Swift strings (and Foundation's parser) would merge the two spellings.
            let bytes = Array(back.stdout.utf8)
            let nfc: [UInt8] = [0x22, 0xC3, 0xA9, 0x22], nfd: [UInt8] = [0x22, 0x65, 0xCC, 0x81, 0x22]
            let contains = { (needle: [UInt8]) in bytes.indices.contains { bytes[$0...].starts(with: needle) } }
            #expect(back.status == 0 && contains(nfc) && contains(nfd), "both keys kept")
        }
    }
}

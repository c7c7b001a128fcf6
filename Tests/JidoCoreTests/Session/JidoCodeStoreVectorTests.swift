import Foundation
import JidoTestSupport
import Testing
@testable import JidoCore

/// The stores JidoCode's real writer made (`rich/`, `fqdn/`, `bigmap-otp27/`, `bigmap-otp25/`, some
/// files then altered on disk): for every file, our verdict is JidoCode's (`jidocode_verdict`), our
/// canonical flag is its `jidocode_bytes`, and signing an untampered file's content reproduces it.
@Suite struct JidoCodeStoreVectorTests {
    struct StoreFile: Sendable, CustomTestStringConvertible {
        let store: String
        let name: String
        let verdict: String
        let jidoCodeBytes: Bool?
        let tampered: String?
        var testDescription: String { "\(store)/\(name)" }
    }

    /// Which Erlang/OTP family wrote each store (its manifest's `made_by`).
    static let family: [String: BeamOrder] = ["rich": .otp25, "fqdn": .otp25, "bigmap-otp25": .otp25, "bigmap-otp27": .otp27]

    struct Manifest {
        let systemHostname: String
        let jidoCodeHostname: String
        let files: [StoreFile]
    }

    static func manifest(_ store: String) throws -> Manifest {
        let url = try TestVectors.directory().appendingPathComponent("\(store)/manifest.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
        let entries = object["files"] as? [String: [String: Any]] ?? [:]
        let files = entries.keys.sorted().map { name in
            let entry = entries[name] ?? [:]
            return StoreFile(store: store, name: name, verdict: entry["jidocode_verdict"] as? String ?? "",
                             jidoCodeBytes: entry["jidocode_bytes"] as? Bool, tampered: entry["tampered"] as? String)
        }
        return Manifest(systemHostname: object["system_hostname"] as? String ?? "",
                        jidoCodeHostname: object["jidocode_hostname"] as? String ?? "", files: files)
    }

    static let stores = ["rich", "fqdn", "bigmap-otp27", "bigmap-otp25"]
    static let allFiles: [StoreFile] = stores.flatMap { (try? manifest($0).files) ?? [] }

    static func key(_ store: String) throws -> SessionKey {
        let secret = try TestVectors.readBytes(TestVectors.directory().appendingPathComponent("\(store)/home/.jido_code/machine_secret"))
        // The key is derived from the system hostname the way JidoCode reads it.
        let hostname = Hostname.jidoCodeName(systemName: Array(try manifest(store).systemHostname.utf8))
        return try SessionKey.derive(machineSecret: secret, hostname: hostname)
    }

    static func bytes(_ file: StoreFile) throws -> [UInt8] {
        try TestVectors.readBytes(TestVectors.directory().appendingPathComponent("\(file.store)/home/.jido_code/sessions/\(file.name)"))
    }

    /// What JidoCode's verification concludes for a file we gave `result`.
    static func jidoCodeVerdict(_ result: SignatureVerification, bytes: [UInt8]) -> String {
        switch result.verdict {
        case .valid: return "valid"
        case .invalid: return "invalid"
        case .unsigned, .nullSignature: return "unsigned"
        case .undecodable: return "undecodable"
        case .malformed:
            // A string that is not base64 of 32 bytes is simply a mismatch for JidoCode; any other
            // non-null value makes its verification raise.
            guard case let .object(object)? = try? StrictJSONDecoder().decode(bytes).value,
                  case .string? = object[SessionSignature.memberName] else { return "crash_nonbinary_signature" }
            return "invalid"
        }
    }

    @Test func manifestsListEveryFileAndTheHostnameRule() throws {
        #expect(try Self.manifest("rich").files.count == 40)
        #expect(try Self.manifest("fqdn").files.count == 6)
        #expect(try Self.manifest("bigmap-otp27").files.count == 16)
        #expect(try Self.manifest("bigmap-otp25").files.count == 8)
        for store in Self.stores {
            let manifest = try Self.manifest(store)
            #expect(Hostname.jidoCodeName(systemName: Array(manifest.systemHostname.utf8)) == manifest.jidoCodeHostname)
        }
    }

    @Test(arguments: allFiles)
    func verdictAndBytesAreJidoCodes(_ file: StoreFile) throws {
        let bytes = try Self.bytes(file)
        let key = try Self.key(file.store)
        let family = try #require(Self.family[file.store])
        // As the JidoCode that wrote the store verifies it, and with either family accepted.
        for orders in [[family], SessionSignature.allOrders] {
            let result = SessionSignature.verify(fileBytes: bytes, key: key, orders: orders)
            #expect(Self.jidoCodeVerdict(result, bytes: bytes) == file.verdict, "orders \(orders)")
            // JidoCode's `jidocode_bytes` compares a null-signature file with its encoding WITHOUT the
            // member, and is false where JidoCode's load raises; ours says whether the file is the
            // canonical encoding of its content.
            if let expected = file.jidoCodeBytes, result.verdict != .nullSignature, file.verdict != "crash_nonbinary_signature" {
                #expect(result.isCanonical == expected, "orders \(orders)")
            }
            if result.verdict == .valid, result.hasLargeObjects { #expect(result.beamOrder == family) }
            // The slow path (decode, re-encode) agrees with the fast one.
            if let document = try? StrictJSONDecoder().decode(bytes) {
                #expect(SessionSignature.verify(document: document, key: key, orders: orders).verdict == result.verdict)
            } else {
                #expect(result.verdict == .undecodable)
            }
        }
        if file.tampered == "nullsig" { #expect(SessionSignature.verify(fileBytes: bytes, key: key).verdict == .nullSignature) }
    }

    @Test(arguments: allFiles.filter { $0.tampered == nil })
    func signingReproducesJidoCodesBytes(_ file: StoreFile) throws {
        let bytes = try Self.bytes(file)
        guard case let .object(object) = try StrictJSONDecoder().decode(bytes).value else {
            Issue.record("not an object")
            return
        }
        let family = try #require(Self.family[file.store])
        #expect(try SessionSignature.signedFileBytes(for: object, key: Self.key(file.store), order: family) == bytes)
    }

    /// Measured with JidoCode: a session with a 33+-member object written on OTP 25 is invalid under
    /// OTP 27, and the reverse.
    @Test(arguments: ["bigmap-otp27", "bigmap-otp25"])
    func aLargeObjectBindsTheSignatureToItsFamily(_ store: String) throws {
        let family = try #require(Self.family[store])
        let other: BeamOrder = family == .otp27 ? .otp25 : .otp27
        let key = try Self.key(store)
        var large = 0
        for file in try Self.manifest(store).files where file.verdict == "valid" {
            let bytes = try Self.bytes(file)
            let own = SessionSignature.verify(fileBytes: bytes, key: key, orders: [family])
            guard own.hasLargeObjects else { continue }
            large += 1
            #expect(own.verdict == .valid && own.isCanonical && own.beamOrder == family)
            let foreign = SessionSignature.verify(fileBytes: bytes, key: key, orders: [other])
            #expect(foreign.verdict == .invalid)
            #expect(!foreign.isCanonical)
        }
        #expect(large >= 2, "the store has sessions with large objects")
    }
}

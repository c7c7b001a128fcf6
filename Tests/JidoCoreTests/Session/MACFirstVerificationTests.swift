import JidoFuzzChecks
import JidoTestSupport
import Testing
@testable import JidoCore

/// The MAC-first path decides only what it can prove, and always as the scanning path does.
@Suite struct MACFirstVerificationTests {
    static func macFirst(_ bytes: [UInt8], key: SessionKey, limits: JSONLimits = .default) -> SignatureVerification? {
        bytes.withUnsafeBytes { MACFirstVerification.verify($0, key: key, limits: limits) }
    }

    static func scanning(_ bytes: [UInt8], key: SessionKey, orders: [BeamOrder] = SessionSignature.allOrders) -> SignatureVerification {
        bytes.withUnsafeBytes { SessionSignature.verifyScanning(fileBytes: $0, key: key, orders: orders) }
    }

    static func macFirst(_ bytes: [UInt8], key: SessionKey, orders: [BeamOrder]) -> SignatureVerification? {
        bytes.withUnsafeBytes { MACFirstVerification.verify($0, key: key, limits: .default, orders: orders) }
    }

    /// The order options `verify` is asked about: both families (the default), each alone, none
    /// (JidoCode's default family).
    static let orderOptions: [[BeamOrder]] = [SessionSignature.allOrders, [.otp25, .otp27], [.otp27], [.otp25], []]

    /// The families an order option accepts.
    static func accepted(_ orders: [BeamOrder]) -> [BeamOrder] { orders.isEmpty ? [.jidoCodeDefault] : orders }

    /// Every file of the stores JidoCode's real writer made (OTP 25 and 27, objects of more than 32
    /// members, some altered on disk), under every order option: `verify` gives the scanning path's
    /// result; the MAC-first path, when it decides, decides the same, and it decides every file
    /// JidoCode wrote whose family is accepted.
    @Test(arguments: JidoCodeStoreVectorTests.allFiles)
    func writerStoresUnderEveryOrderOption(_ file: JidoCodeStoreVectorTests.StoreFile) throws {
        let key = try JidoCodeStoreVectorTests.key(file.store)
        let bytes = try JidoCodeStoreVectorTests.bytes(file)
        let family = try #require(JidoCodeStoreVectorTests.family[file.store])
        for orders in Self.orderOptions {
            let scanning = Self.scanning(bytes, key: key, orders: orders)
            #expect(SessionSignature.verify(fileBytes: bytes, key: key, orders: orders) == scanning, "\(orders)")
            let decided = Self.macFirst(bytes, key: key, orders: orders)
            if let decided { #expect(decided == scanning, "\(orders)") }
            if file.jidoCodeBytes == true, file.tampered == nil, file.verdict == "valid", Self.accepted(orders).contains(family) {
                #expect(decided != nil, "\(orders): JidoCode's own file left to the scanning path")
                if scanning.hasLargeObjects { #expect(decided?.beamOrder == family) }
            }
        }
    }

    /// The large-object stores have files the MAC-first path decides with a family named.
    @Test func writerLargeObjectFilesTakeTheMACFirstPath() throws {
        for store in ["bigmap-otp25", "bigmap-otp27"] {
            let key = try JidoCodeStoreVectorTests.key(store)
            let decided = try JidoCodeStoreVectorTests.manifest(store).files.filter { file in
                Self.macFirst(try JidoCodeStoreVectorTests.bytes(file), key: key, orders: SessionSignature.allOrders)?.hasLargeObjects == true
            }
            #expect(decided.count >= 2, "\(store)")
        }
    }

    /// Objects of more than 32 members, signed on each family: decided with the family under every
    /// option that accepts it, left to the scanning path otherwise; key order swapped, the signature
    /// line moved into the large objects or elsewhere: always the scanning path's verdict, never
    /// decided here.
    @Test(arguments: [BeamOrder.otp27, .otp25])
    func largeObjects(_ family: BeamOrder) throws {
        let key = try SessionKey.ephemeral()
        let wide = (0..<40).map { ("k\($0)", JSONValue.integer(JSONInteger($0))) }
        let objects: [(JSONObject, decidable: Bool)] = [
            (JSONObject(wide), true),  // a large top level, 41 members with the signature
            (JSONObject([("env", .object(JSONObject(wide))), ("id", .string("x"))]), true),
            (JSONObject([("a", .object(JSONObject(wide + [("signature", .string("inner"))])))] + (0..<35).map { ("t\($0)", JSONValue.null) }), true),
            (JSONObject([("z", .array([.object(JSONObject(wide)), .object(JSONObject(Array(wide.reversed())))]))]), true),
            (JSONObject((0..<32).map { ("k\($0)", JSONValue.null) }), false),  // 33 with the signature, 32 (byte order) without
        ]
        for (object, decidable) in objects {
            let bytes = try SessionSignature.signedFileBytes(for: object, key: key, order: family)
            for orders in Self.orderOptions {
                let scanning = Self.scanning(bytes, key: key, orders: orders)
                let decided = Self.macFirst(bytes, key: key, orders: orders)
                #expect(SessionSignature.verify(fileBytes: bytes, key: key, orders: orders) == scanning)
                #expect((decided != nil) == (decidable && Self.accepted(orders).contains(family)), "\(orders)")
                if let decided { #expect(decided == scanning && decided.beamOrder == family && decided.isCanonical) }
            }
            #expect(Self.macFirst(bytes, key: key, limits: .default) == nil, "without orders, large objects go to the scanning path")
            var variants = SignatureLineMutations.variants(of: bytes, seed: 11) + SignatureLineMutations.memberSwaps(of: bytes, seed: 11)
            // The signature line at every line boundary, at the depth of the nested members.
            var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
            if let p = lines.firstIndex(where: { $0.starts(with: Array("  \"signature\": \"".utf8)) }) {
                let line = Array("  ".utf8) + lines.remove(at: p).filter { $0 != UInt8(ascii: ",") } + Array(",".utf8)
                for q in 1..<lines.count {
                    var copy = lines
                    copy.insert(line, at: q)
                    variants.append(("nested at line \(q)", Array(copy.joined(separator: [UInt8(ascii: "\n")]))))
                }
            }
            #expect(variants.count > 40)
            for (name, variant) in variants where variant != bytes {
                for orders in [SessionSignature.allOrders, [family]] {
                    #expect(SessionSignature.verify(fileBytes: variant, key: key, orders: orders) == Self.scanning(variant, key: key, orders: orders), "\(name)")
                }
                #expect(Self.macFirst(variant, key: key, orders: SessionSignature.allOrders) == nil, "\(name) was decided by the MAC-first path")
            }
        }
    }

    /// Every stored JidoCode file: both paths agree, and the MAC-first path decides every signed,
    /// canonical one (so JidoCode's real files take it).
    @Test(arguments: SessionSignatureTests.allFiles)
    func jidoCodeFilesTakeTheMACFirstPath(_ file: SessionSignatureTests.StoreFile) throws {
        let key = try SessionSignatureTests.key(file.store)
        let bytes = try SessionSignatureTests.bytes(file)
        #expect(SessionSignature.verify(fileBytes: bytes, key: key) == Self.scanning(bytes, key: key))
        let decided = Self.macFirst(bytes, key: key)
        #expect((decided != nil) == (file.kind == "signed"), "\(file.kind)")
        if let decided { #expect(decided.verdict == .valid && decided.isCanonical) }
    }

    static func object(_ keys: [String]) -> JSONObject {
        JSONObject(keys.map { ($0, JSONValue.array([.string("x\n  \"signature\": \"y\""), .object(JSONObject([("k", .integer(JSONInteger(12)))]))])) })
    }

    /// Signature first, in the middle, last; moved, duplicated, nested, re-indented, comma games: the
    /// MAC-first path takes only the file as written, and every variant gets the scanning verdict.
    @Test(arguments: [["a"], ["z"], ["a", "b", "version", "zz"], ["s", "signaturd"], ["signature0", "signaturf", "t"],
                      ["signatur", "signature\u{0}", "sig", "signature "], ["id", "conversation", "name", "project_path", "closed_at"]])
    func adversarialSignatureLines(_ keys: [String]) throws {
        let key = try SessionKey.ephemeral()
        let bytes = try SessionSignature.signedFileBytes(for: Self.object(keys), key: key)
        let decided = try #require(Self.macFirst(bytes, key: key))
        #expect(decided == Self.scanning(bytes, key: key))
        let variants = SignatureLineMutations.variants(of: bytes, seed: 7)
        #expect(variants.count > 20)
        for (name, variant) in variants {
            let verdict = SessionSignature.verify(fileBytes: variant, key: key)
            #expect(verdict == Self.scanning(variant, key: key), "\(name)")
            if variant != bytes { #expect(Self.macFirst(variant, key: key) == nil, "\(name) was decided by the MAC-first path") }
        }
    }

    /// What it leaves to the scanning path although the file is valid: no other member, an object of
    /// more than 32 members (hash order), a long number, a depth over the limit.
    @Test func leavesWhatItCannotProve() throws {
        let key = try SessionKey.ephemeral()
        let empty = try SessionSignature.signedFileBytes(for: JSONObject(), key: key)
        let large = try SessionSignature.signedFileBytes(for: JSONObject((0..<40).map { ("k\($0)", JSONValue.null) }), key: key)
        let nestedLarge = try SessionSignature.signedFileBytes(
            for: JSONObject([("a", .object(JSONObject((0..<33).map { ("k\($0)", JSONValue.null) })))]), key: key)
        let longNumber = try SessionSignature.signedFileBytes(
            for: JSONObject([("n", .integer(try #require(JSONInteger(isNegative: false, digits: String(repeating: "9", count: 30)))))]), key: key)
        let deep = try SessionSignature.signedFileBytes(for: JSONObject([("a", .array([.array([.array([.null])])]))]), key: key)
        for bytes in [empty, large, nestedLarge] {
            #expect(Self.macFirst(bytes, key: key) == nil)
            #expect(SessionSignature.verify(fileBytes: bytes, key: key).verdict == .valid)
        }
        let short = JSONLimits(maxNumberLength: 29)
        #expect(Self.macFirst(longNumber, key: key) != nil)
        #expect(Self.macFirst(longNumber, key: key, limits: short) == nil)
        #expect(SessionSignature.verify(fileBytes: longNumber, key: key, limits: short).verdict == .undecodable)
        #expect(Self.macFirst(deep, key: key) != nil)
        #expect(Self.macFirst(deep, key: key, limits: JSONLimits(maxDepth: 3)) == nil)
        #expect(SessionSignature.verify(fileBytes: deep, key: key, limits: JSONLimits(maxDepth: 3)).verdict == .undecodable)
        // Another key: not decided here, `invalid` from the scanning path.
        let other = try SessionKey.ephemeral()
        #expect(Self.macFirst(deep, key: other) == nil)
        #expect(SessionSignature.verify(fileBytes: deep, key: other).verdict == .invalid)
    }

    /// `jido-audit verify`'s reading: what `inspect` says of the verdict and the ambiguous keys, with
    /// the ambiguity walk skipped only for ASCII keys (a non-ASCII byte in a value does not count).
    @Test func verifyWithAmbiguityAnswersAsInspect() throws {
        let key = try SessionKey.ephemeral()
        let ambiguous = JSONObject([("caf\u{E9}", .null), ("cafe\u{301}", .null), ("n", .string("\u{E9}\\\""))])
        let ascii = JSONObject([("a\"\\b", .string("\u{E9}t\u{E9}")), ("z", .null)])
        for object in [ambiguous, ascii] {
            let bytes = try SessionSignature.signedFileBytes(for: object, key: key)
            let inspection = SessionFile.inspect(bytes: bytes, key: key)
            let (verification, keys) = bytes.withUnsafeBytes { SessionFile.verifyWithAmbiguity(bytes: $0, key: key) }
            #expect(verification == inspection.verification)
            #expect(keys == inspection.content.ambiguous)
            #expect(verification.verdict == .valid)
        }
        let bytes = try SessionSignature.signedFileBytes(for: ambiguous, key: key)
        #expect(bytes.withUnsafeBytes { SessionFile.verifyWithAmbiguity(bytes: $0, key: key) }.1.count == 1)
    }

    /// Keys as Jason escapes them compare with `signature` as their unescaped bytes do.
    @Test(arguments: [("signature", 0), ("signatur", -1), ("signaturf", 1), ("signaturd", -1), ("signature ", 1), ("signature0", 1),
                      ("sig\\\"", -1), ("signature\\u0000", 1), ("s", -1), ("t", 1), ("Z", -1), ("é", 1)])
    func keyOrderAgainstSignature(_ key: String, _ expected: Int) {
        let line = Array(("  \"" + key + "\": 1").utf8)
        #expect(line.withUnsafeBytes { MACFirstVerification.compareToSignature($0, keyAt: 3) } == expected)
    }

    // MARK: - Resuming from a checkpoint

    /// A checkpoint of `bytes` at the line of `offset` (nil when they do not verify or it cannot be made there).
    static func checkpoint(_ bytes: [UInt8], key: SessionKey, at offset: Int,
                           orders: [BeamOrder]? = SessionSignature.allOrders) -> MACFirstVerification.Checkpoint? {
        bytes.withUnsafeBytes { MACFirstVerification.verify($0, key: key, limits: .default, orders: orders, resuming: nil, checkpointAt: offset) }?
            .checkpoint
    }

    /// The MAC-first verdict on `bytes` resumed from `checkpoint` (made from `previous`), and whether it resumed.
    static func resumed(_ bytes: [UInt8], from previous: [UInt8], _ checkpoint: MACFirstVerification.Checkpoint, key: SessionKey,
                        orders: [BeamOrder]? = SessionSignature.allOrders) -> (verdict: SignatureVerification?, resumed: Bool) {
        let result = bytes.withUnsafeBytes { b in
            previous.withUnsafeBytes { p in
                MACFirstVerification.verify(b, key: key, limits: .default, orders: orders, resuming: (checkpoint, p), checkpointAt: nil)
            }
        }
        // A refused file comes back as nil: it reports no resumption.
        return (result?.verification, result?.resumed ?? false)
    }

    /// Every file JidoCode's writer made, as the checkpoint's file and as the file verified (itself,
    /// a byte changed after the checkpoint, before it, the signature line moved before it): the
    /// resumed scan decides as the full one, and resumes exactly when the bytes before the
    /// checkpoint are the same and nothing before it is removed.
    @Test(arguments: JidoCodeStoreVectorTests.allFiles)
    func aResumedScanDecidesAsTheFullOne(_ file: JidoCodeStoreVectorTests.StoreFile) throws {
        let key = try JidoCodeStoreVectorTests.key(file.store)
        let bytes = try JidoCodeStoreVectorTests.bytes(file)
        let lastElementEnd = bytes.withUnsafeBytes { CanonicalElementCache.elementRanges(in: $0, memberKey: SessionFile.conversationKey) }?.last?.upperBound
        for offset in [lastElementEnd.map { $0 - 1 }, bytes.count / 3, bytes.count / 2].compactMap({ $0 }) {
            guard let checkpoint = Self.checkpoint(bytes, key: key, at: offset) else {
                #expect(Self.macFirst(bytes, key: key, orders: SessionSignature.allOrders) == nil || offset >= bytes.count / 2,
                        "a file the path decides gets a checkpoint before its signature line")
                continue
            }
            #expect(checkpoint.offset <= offset && bytes[checkpoint.offset - 1] == UInt8(ascii: "\n"), "the start of the offset's line")
            let same = Self.resumed(bytes, from: bytes, checkpoint, key: key)
            #expect(same.resumed && same.verdict == Self.macFirst(bytes, key: key, orders: SessionSignature.allOrders))
            var after = bytes
            after[checkpoint.offset + (bytes.count - checkpoint.offset) / 2] ^= 0x01
            let changedAfter = Self.resumed(after, from: bytes, checkpoint, key: key)
            #expect(changedAfter.verdict == Self.macFirst(after, key: key, orders: SessionSignature.allOrders))
            var before = bytes
            before[checkpoint.offset / 2] ^= 0x01
            #expect(Self.resumed(before, from: bytes, checkpoint, key: key).verdict == nil)
            if let (name, moved) = SignatureLineMutations.variants(of: bytes, seed: 1).first(where: { $0.0 == "moved to line 0" }) {
                #expect(Self.resumed(moved, from: bytes, checkpoint, key: key).verdict == nil, "\(name)")
            }
        }
    }

    /// The store's case: a session and the same session one message longer (an append). A checkpoint
    /// at the first file's last message resumes the second one's verification, which accepts it;
    /// the appended message tampered with, it refuses it as the full scan does; under another key, or
    /// other limits, the checkpoint does not apply.
    @Test func anAppendedFileResumesFromTheCheckpointOfTheFileItExtends() throws {
        let key = try SessionKey.derive(machineSecret: Array("resume-secret".utf8), hostname: "h")
        var session = Session(id: try SessionID.random(), name: "n", projectPath: "/p", createdAt: TestVectors.january1)
        session.closedAt = TestVectors.january1
        for i in 0..<20 { session.append(Session.Message(id: "m\(i)", role: .user, content: "turn \(i) \u{1F642}", timestamp: TestVectors.january1)) }
        let first = try SessionSignature.signedFileBytes(for: session.document, key: key)
        session.append(Session.Message(id: "m20", role: .assistant, content: "appended", timestamp: TestVectors.january1))
        let second = try SessionSignature.signedFileBytes(for: session.document, key: key)
        let end = try #require(first.withUnsafeBytes { CanonicalElementCache.elementRanges(in: $0, memberKey: SessionFile.conversationKey) }?
            .last?.upperBound)
        let checkpoint = try #require(Self.checkpoint(first, key: key, at: end - 1))
        #expect(checkpoint.offset > first.count / 2, "near the end of the conversation")
        let resumed = Self.resumed(second, from: first, checkpoint, key: key)
        #expect(resumed.resumed && resumed.verdict?.verdict == .valid && resumed.verdict?.isCanonical == true)
        var tampered = second
        let at = try #require(second.indices.last { second[$0] == UInt8(ascii: "d") && second[$0 - 1] == UInt8(ascii: "e") })
        tampered[at] = UInt8(ascii: "D") // "appended" -> "appendeD"
        #expect(Self.resumed(tampered, from: first, checkpoint, key: key).verdict == nil)
        #expect(Self.macFirst(tampered, key: key, orders: SessionSignature.allOrders) == nil)
        let otherKey = try SessionKey.derive(machineSecret: Array("other-secret".utf8), hostname: "h")
        let resigned = try SessionSignature.signedFileBytes(for: session.document, key: otherKey)
        let underOtherKey = resigned.withUnsafeBytes { b in
            first.withUnsafeBytes { p in
                MACFirstVerification.verify(b, key: otherKey, limits: .default, orders: SessionSignature.allOrders, resuming: (checkpoint, p),
                                            checkpointAt: nil)
            }
        }
        #expect(underOtherKey?.resumed == false && underOtherKey?.verification.verdict == .valid)
        var tighter = JSONLimits.default
        tighter.maxDepth -= 1
        let underOtherLimits = second.withUnsafeBytes { b in
            first.withUnsafeBytes { p in
                MACFirstVerification.verify(b, key: key, limits: tighter, orders: SessionSignature.allOrders, resuming: (checkpoint, p), checkpointAt: nil)
            }
        }
        #expect(underOtherLimits?.resumed == false)
        // A valid file whose bytes before the checkpoint differ (its first message changed) is
        // verified from the start.
        var edited = Session(id: session.id, name: "n", projectPath: "/p", createdAt: TestVectors.january1)
        edited.closedAt = TestVectors.january1
        for message in session.conversation {
            edited.append(message.id == "m0" ? Session.Message(id: "m0", role: .user, content: "changed", timestamp: TestVectors.january1) : message)
        }
        let other = try SessionSignature.signedFileBytes(for: edited.document, key: key)
        let differentPrefix = other.withUnsafeBytes { b in
            first.withUnsafeBytes { p in
                MACFirstVerification.verify(b, key: key, limits: .default, orders: SessionSignature.allOrders, resuming: (checkpoint, p), checkpointAt: nil)
            }
        }
        #expect(differentPrefix?.resumed == false && differentPrefix?.verification.verdict == .valid)
    }
}

/// What verifying a session file concluded.
public enum SignatureVerdict: String, Sendable, CaseIterable, Codable {
    /// The `signature` member is the HMAC of the document's canonical bytes under the key.
    case valid
    /// A well-formed signature that does not match: the content or the key differs.
    case invalid
    /// No top-level `signature` member (JidoCode's legacy files); nothing vouches for the content.
    case unsigned
    /// `"signature": null`. JidoCode's `load/1` takes it for a legacy unsigned file and loads it
    /// WITHOUT verifying anything, whatever the content; JidoCode never writes it, so nulling the
    /// signature is the simplest way to get a tampered file past JidoCode.
    case nullSignature = "null-signature"
    /// A `signature` member that cannot be a JidoCode signature: a string that is not the canonical
    /// padded base64 of 32 bytes (JidoCode calls the file invalid), or a number, boolean, array or
    /// object (JidoCode's `load/1` raises `FunctionClauseError` on the file).
    case malformed
    /// Not a JSON object JidoCode can read (see `detail`).
    case undecodable
}

/// A verdict with its evidence.
public struct SignatureVerification: Sendable, Equatable {
    public let verdict: SignatureVerdict
    /// JSON Pointers of keys that occur more than once (the first occurrence is what was verified;
    /// other parsers may read a later one). Reported whatever the verdict; the first
    /// `JSONPointer.maxReportedKeys` only (see `duplicateKeyCount`).
    public let duplicateKeys: [String]
    /// How many repeated keys there are, listed in `duplicateKeys` or not.
    public let duplicateKeyCount: Int
    /// Why the verdict is `undecodable`, `malformed` or `nullSignature`; nil otherwise.
    public let detail: String?
    /// True when the file is byte for byte the canonical encoding JidoCode writes (on an accepted
    /// Erlang/OTP family: see `beamOrder`). A file that verifies but is not canonical was rewritten
    /// after signing (spacing, escapes, number spelling, duplicated keys, member order): the signed
    /// content is intact, the bytes are not what the signer wrote.
    public let isCanonical: Bool
    /// True when an object of the document has more than 32 members: JidoCode writes such an object
    /// in the BEAM's hash order, which depends on the Erlang/OTP release it runs on.
    public let hasLargeObjects: Bool
    /// With large objects: the OTP family whose order the signature covers (a `valid` file), else the
    /// one the file's bytes are laid out in; nil when there is no large object or neither family fits.
    public let beamOrder: BeamOrder?

    public init(verdict: SignatureVerdict, duplicateKeys: [String] = [], duplicateKeyCount: Int? = nil, detail: String? = nil,
                isCanonical: Bool = false, hasLargeObjects: Bool = false, beamOrder: BeamOrder? = nil) {
        self.verdict = verdict
        self.duplicateKeys = duplicateKeys
        self.duplicateKeyCount = max(duplicateKeyCount ?? duplicateKeys.count, duplicateKeys.count)
        self.detail = detail
        self.isCanonical = isCanonical
        self.hasLargeObjects = hasLargeObjects
        self.beamOrder = beamOrder
    }
}

/// JidoCode v1 session signatures: HMAC-SHA256 over the canonical bytes of the document without its
/// top-level `signature` member, stored as padded standard base64 in that member.
public enum SessionSignature {
    public static let memberName = "signature"
    /// Length of a well-formed signature: base64 of 32 bytes.
    static let encodedLength = 44
    /// Both order families, JidoCode's pinned one first: what `verify` accepts by default.
    public static let allOrders: [BeamOrder] = [.otp27, .otp25]

    /// Verifies a session file's bytes.
    ///
    /// A file JidoCode wrote is authenticated first, in one HMAC pass over the file minus its signature
    /// line, then the line's place is checked (`MACFirstVerification`); any other canonical file is
    /// verified in one scan plus one HMAC pass over slices of the file; any other file is decoded and
    /// re-encoded.
    /// Every path gives the same verdict. The signature text is decoded strictly (one text per tag, so
    /// this decides exactly what JidoCode's comparison of the base64 texts decides) and compared with
    /// the computed tag in constant time (`MessageAuthenticationCode`). `orders`: the Erlang/OTP families whose JidoCode may have signed the
    /// file (they differ only for objects of more than 32 members); the file is `valid` when it
    /// verifies under one of them, and `beamOrder` says which.
    public static func verify(fileBytes: UnsafeRawBufferPointer, key: SessionKey, limits: JSONLimits = .default,
                              orders: [BeamOrder] = allOrders) -> SignatureVerification {
        var none = NoObserver()
        var document: JSONDocument?
        return verify(fileBytes: fileBytes, key: key, limits: limits, orders: orders, observer: &none, document: &document)
    }

    /// `verify(fileBytes:key:limits:orders:)` without the MAC-first path (`MACFirstVerification`): the
    /// scanning path alone, which the fuzz checks compare it with.
    package static func verifyScanning(fileBytes: UnsafeRawBufferPointer, key: SessionKey, limits: JSONLimits = .default,
                                       orders: [BeamOrder] = allOrders) -> SignatureVerification {
        var none = NoObserver()
        var document: JSONDocument?
        return verify(fileBytes: fileBytes, key: key, limits: limits, orders: orders, observer: &none, document: &document, macFirst: false)
    }

    /// True when `verify` decides `fileBytes` on its MAC-first path (one HMAC pass and a line scan),
    /// not on the scanning path; for benchmarks and tests.
    package static func isDecidedMACFirst(fileBytes: UnsafeRawBufferPointer, key: SessionKey, limits: JSONLimits = .default,
                                          orders: [BeamOrder] = allOrders) -> Bool {
        MACFirstVerification.verify(fileBytes, key: key, limits: limits, orders: orders) != nil
    }

    /// Verifies and, in the same pass over a canonical file, checks JidoCode's session schema: the
    /// facts are non-nil only when the file is canonical and the schema holds (see
    /// `SessionSchemaScanner`); otherwise callers decode for the exact answer.
    package static func verifyWithSchema(fileBytes: UnsafeRawBufferPointer, key: SessionKey, limits: JSONLimits = .default,
                                        orders: [BeamOrder] = allOrders) -> (SignatureVerification, SessionSchemaScanner.Facts?) {
        var observer = SessionSchemaObserver()
        var document: JSONDocument?
        let result = verify(fileBytes: fileBytes, key: key, limits: limits, orders: orders, observer: &observer, document: &document)
        return (result, result.isCanonical ? observer.facts : nil)
    }

    /// `document`: the decoded `fileBytes` when the caller already has them (the slow path then
    /// does not decode); on return, also the document the slow path decoded, if it did (so that a
    /// caller needing it, `SessionFile.inspect`, never decodes twice).
    static func verify<Observer: CanonicalScanObserver>(fileBytes: UnsafeRawBufferPointer, key: SessionKey, limits: JSONLimits,
                                                        orders: [BeamOrder] = allOrders, observer: inout Observer,
                                                        document: inout JSONDocument?, macFirst: Bool = true) -> SignatureVerification {
        // Authenticate first (see `MACFirstVerification`): a file JidoCode wrote costs one HMAC pass
        // and a line scan. Only when nothing needs the scan's facts (the schema observer does).
        if macFirst, Observer.self == NoObserver.self,
           let verdict = MACFirstVerification.verify(fileBytes, key: key, limits: limits, orders: orders) {
            return verdict
        }
        let orders = orders.isEmpty ? [BeamOrder.jidoCodeDefault] : orders
        var slowOrders = orders
        var fastInvalid: SignatureVerification?
        if fileBytes.count <= limits.maxInputBytes, let layout = CanonicalLayout.scan(fileBytes, limits: limits, observer: &observer),
           let verdict = verifyCanonical(fileBytes, layout: layout, key: key, orders: orders) {
            // A file with large objects that fails under its own layout's family may still verify
            // under another accepted family (signed there, then re-laid out): only those are left
            // to the slow path, and if none verifies the fast answer stands.
            guard verdict.verdict == .invalid, let order = layout.beamOrder, orders.count > 1 else { return verdict }
            slowOrders = orders.filter { $0 != order }
            fastInvalid = verdict
        }
        let decoded: JSONDocument
        if let document {
            decoded = document
        } else {
            do throws(JSONDecodingError) {
                decoded = try StrictJSONDecoder(limits: limits).decode(fileBytes)
            } catch {
                return SignatureVerification(verdict: .undecodable, detail: error.description)
            }
            document = decoded
        }
        let slow = verify(document: decoded, key: key, orders: slowOrders, fileBytes: fileBytes)
        if let fastInvalid, slow.verdict != .valid { return fastInvalid }
        return slow
    }

    /// The fast path, for a file `CanonicalLayout` proved canonical in the order `layout.beamOrder`:
    /// the signed bytes are slices of the file. nil sends the file to the exact slow path: its layout
    /// follows a family that is not accepted.
    private static func verifyCanonical(_ fileBytes: UnsafeRawBufferPointer, layout: CanonicalLayout, key: SessionKey,
                                        orders: [BeamOrder]) -> SignatureVerification? {
        let large = layout.beamOrder != nil
        guard layout.topLevelIsObject else {
            return SignatureVerification(verdict: .undecodable, detail: "the top-level value is not an object", isCanonical: true,
                                         hasLargeObjects: large, beamOrder: layout.beamOrder)
        }
        if let order = layout.beamOrder, !orders.contains(order) { return nil }
        guard let member = layout.signature else {
            return SignatureVerification(verdict: .unsigned, isCanonical: true, hasLargeObjects: large, beamOrder: layout.beamOrder)
        }
        let value = UnsafeRawBufferPointer(rebasing: fileBytes[member.value])
        let text = UnsafeRawBufferPointer(rebasing: value.dropFirst().dropLast())
        if let problem = signatureProblem(value.first == ASCII.quote ? .string(text) : value.elementsEqual("null".utf8) ? .null : .other) {
            return problem.verification(isCanonical: true, hasLargeObjects: large, beamOrder: layout.beamOrder)
        }
        do {
            var mac = try HMACSHA256(key: key)
            if member.signedSlices.isEmpty {
                try mac.update(Array("{}".utf8))
            } else {
                for slice in member.signedSlices { try mac.update(UnsafeRawBufferPointer(rebasing: fileBytes[slice])) }
            }
            return compare(try mac.finalize(), with: text, duplicateKeys: [], isCanonical: true,
                           hasLargeObjects: large, beamOrder: layout.beamOrder)
        } catch {
            return SignatureVerification(verdict: .undecodable, detail: "HMAC computation failed: \(error)")
        }
    }

    public static func verify(fileBytes: [UInt8], key: SessionKey, limits: JSONLimits = .default,
                              orders: [BeamOrder] = allOrders) -> SignatureVerification {
        fileBytes.withUnsafeBytes { verify(fileBytes: $0, key: key, limits: limits, orders: orders) }
    }

    /// Verifies an already decoded document (re-encodes it canonically).
    package static func verify(document: JSONDocument, key: SessionKey, orders: [BeamOrder] = allOrders) -> SignatureVerification {
        verify(document: document, key: key, orders: orders.isEmpty ? [BeamOrder.jidoCodeDefault] : orders, fileBytes: nil)
    }

    /// The slow path: re-encodes `document` in each accepted family that can matter (all of them
    /// when it has large objects, the first otherwise) and authenticates the encoding; `isCanonical`
    /// compares `fileBytes` with the encoding of the family the verdict names.
    static func verify(document: JSONDocument, key: SessionKey, orders: [BeamOrder], fileBytes: UnsafeRawBufferPointer?) -> SignatureVerification {
        let duplicates = document.duplicateKeys
        let duplicateCount = document.duplicates.count
        let large = containsLargeObject(document.value)
        let tries = large ? orders : Array(orders.prefix(1))
        /// The family whose encoding of the whole document is the file, if any.
        func layoutOrder() -> BeamOrder? {
            guard let fileBytes else { return nil }
            return tries.first { isEncoding(of: document.value, order: $0, equalTo: fileBytes) }
        }
        func result(_ verdict: SignatureVerdict, detail: String? = nil) -> SignatureVerification {
            let order = layoutOrder()
            return SignatureVerification(verdict: verdict, duplicateKeys: duplicates, duplicateKeyCount: duplicateCount, detail: detail, isCanonical: order != nil,
                                         hasLargeObjects: large, beamOrder: large ? order : nil)
        }
        guard case let .object(object) = document.value else { return result(.undecodable, detail: "the top-level value is not an object") }
        guard let signature = object[memberName] else { return result(.unsigned) }
        var text = ""
        switch signature {
        case .null:
            if let problem = signatureProblem(.null) { return result(problem.verdict, detail: problem.detail) }
        case let .string(string):
            text = string
            let problem = text.withUTF8 { signatureProblem(.string(UnsafeRawBufferPointer($0))) }
            if let problem { return result(problem.verdict, detail: problem.detail) }
        default:
            if let problem = signatureProblem(.other) { return result(problem.verdict, detail: problem.detail) }
        }
        do {
            var verified: BeamOrder?
            for order in tries {
                // Streamed into the MAC: memory stays bounded even when pretty printing a deeply
                // nested document multiplies its size.
                var hmac = try HMACSHA256(key: key)
                var failure: (any Error)?
                try CanonicalJSON.stream(document.value, omittingTopLevelKey: memberName, order: order) { chunk in
                    do { try hmac.update(chunk) } catch { failure = error }
                    return failure == nil
                }
                if let failure { throw failure }
                let mac = try hmac.finalize()
                let matches = text.withUTF8 { compare(mac, with: UnsafeRawBufferPointer($0), duplicateKeys: [], isCanonical: false).verdict == .valid }
                guard matches else { continue }
                verified = verified ?? order
                // Of the families the signature verifies under (both, when the signed content has
                // no large object but the file does, e.g. a 33-member top level with the
                // signature), the one whose bytes the file is.
                if let fileBytes, isEncoding(of: document.value, order: order, equalTo: fileBytes) {
                    return SignatureVerification(verdict: .valid, duplicateKeys: duplicates, duplicateKeyCount: duplicateCount, isCanonical: true,
                                                 hasLargeObjects: large, beamOrder: large ? order : nil)
                }
            }
            if let order = verified {
                return SignatureVerification(verdict: .valid, duplicateKeys: duplicates, duplicateKeyCount: duplicateCount, isCanonical: false,
                                             hasLargeObjects: large, beamOrder: large ? order : nil)
            }
            return result(.invalid)
        } catch {
            return SignatureVerification(verdict: .undecodable, duplicateKeys: duplicates, duplicateKeyCount: duplicateCount, detail: "\(error)", hasLargeObjects: large)
        }
    }

    /// Whether `fileBytes` is exactly the canonical encoding of `value` in `order`; the comparison
    /// streams and stops at the first differing byte.
    private static func isEncoding(of value: JSONValue, order: BeamOrder, equalTo fileBytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        let completed = (try? CanonicalJSON.stream(value, order: order) { chunk in
            defer { offset += chunk.count }
            return offset + chunk.count <= fileBytes.count
                && chunk.elementsEqual(UnsafeRawBufferPointer(rebasing: fileBytes[offset..<(offset + chunk.count)]))
        }) != nil
        return completed && offset == fileBytes.count
    }

    /// True when some object in `value` has more than `BeamMapOrder.smallMapLimit` members
    /// (iterative: any depth is safe).
    package static func containsLargeObject(_ value: JSONValue) -> Bool {
        var pending = [value]
        while let next = pending.popLast() {
            switch next {
            case let .array(elements): pending.append(contentsOf: elements)
            case let .object(object):
                if object.count > BeamMapOrder.smallMapLimit { return true }
                pending.append(contentsOf: object.members.lazy.map(\.value))
            default: continue
            }
        }
        return false
    }

    /// The shape of a `signature` member's value, as far as the verdict cares.
    private enum SignatureValue {
        case string(UnsafeRawBufferPointer)
        case null
        case other
    }

    /// A verdict reached from the signature member alone.
    private struct SignatureProblem {
        let verdict: SignatureVerdict
        let detail: String

        func verification(isCanonical: Bool, hasLargeObjects: Bool, beamOrder: BeamOrder?) -> SignatureVerification {
            SignatureVerification(verdict: verdict, detail: detail, isCanonical: isCanonical, hasLargeObjects: hasLargeObjects,
                                  beamOrder: beamOrder)
        }
    }

    /// Why the signature member cannot be checked against the content, if it cannot: null (JidoCode
    /// loads the file as legacy unsigned), another non-string (JidoCode's `load/1` raises), a string
    /// that is not the base64 of 32 bytes (JidoCode: invalid).
    private static func signatureProblem(_ value: SignatureValue) -> SignatureProblem? {
        switch value {
        case .null:
            return SignatureProblem(verdict: .nullSignature,
                                    detail: "\"signature\": null: JidoCode loads this file as legacy unsigned and verifies nothing")
        case .other:
            return SignatureProblem(verdict: .malformed,
                                    detail: "the signature member is not a string: JidoCode's load/1 raises (FunctionClauseError) on this file")
        case let .string(text):
            return isWellFormed(text) ? nil
                : SignatureProblem(verdict: .malformed, detail: "the signature is not the base64 of 32 bytes (JidoCode: invalid)")
        }
    }

    /// The file bytes JidoCode on the Erlang/OTP family `order` writes for `object`: its canonical
    /// encoding with a fresh `signature` member (any existing one is replaced).
    package static func signedFileBytes(for object: JSONObject, key: SessionKey, order: BeamOrder = .jidoCodeDefault) throws -> [UInt8] {
        var noCache: SigningCache?
        return try signedFile(for: object, key: key, order: order, cache: &noCache).bytes
    }

    /// A signed file as the canonical encoding of the unsigned document (`body`, the bytes the MAC
    /// covers) and the signature member to insert into it at `insertionOffset`, so that a writer can
    /// write the parts without joining them. (When the signature makes the top level 33 members, the
    /// file's member order is not the body's: `body` is then the whole file and `insertion` empty.)
    package struct SignedFile {
        let body: [UInt8]
        let insertionOffset: Int
        let insertion: [UInt8]

        var count: Int { body.count + insertion.count }
        /// The parts in file order.
        var parts: [ArraySlice<UInt8>] { [body[..<insertionOffset], insertion[...], body[insertionOffset...]] }
        /// The file bytes.
        package var bytes: [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(count)
            for part in parts { out += part }
            return out
        }
    }

    /// The signed file for `object`, as JidoCode writes it: `Jason.encode!(Map.put(unsigned,
    /// "signature", mac))`, so the signature member sits where the top level's order puts it (byte
    /// order up to 32 members, `order`'s hash order above). The document is encoded once; the
    /// member is inserted at its place among the top-level members, whose line offsets the encoder
    /// records. With a `cache` (see `SigningCache`; ignored unless made for `key` and `order`) the
    /// conversation messages that did not change are copied, not encoded, and the MAC resumes after
    /// the bytes that did not change; the result is the same.
    package static func signedFile(for object: JSONObject, key: SessionKey, order: BeamOrder = .jidoCodeDefault,
                           cache: inout SigningCache?) throws -> SignedFile {
        var unsigned = object
        unsigned[memberName] = nil
        if cache?.isBound(to: key, order: order) == false { cache = nil }
        var elements = cache?.elements.take() ?? nil
        var body = cache?.takeBuffer() ?? []
        let offsets = try CanonicalJSON.encodeRecordingMembers(unsigned, order: order, cache: &elements, into: &body)
        cache?.elements = elements
        let mac: MessageAuthenticationCode
        if var current = cache.take() {
            mac = try current.authenticationCode(for: body, snapshotAt: elements?.lastElementEnd, key: key)
            cache = current
        } else {
            mac = try body.withUnsafeBytes { try HMACSHA256.authenticationCode(for: $0, key: key) }
        }
        let signature = mac.base64
        let member = Array(("\"" + memberName + "\": \"" + signature + "\"").utf8)
        guard !unsigned.isEmpty else {
            // `{}` becomes `{\n  "signature": ...\n}`.
            return SignedFile(body: body, insertionOffset: 1, insertion: Array("\n  ".utf8) + member + Array("\n".utf8))
        }
        let limit = BeamMapOrder.smallMapLimit
        if unsigned.count == limit {
            // 32 members in byte order become 33 in hash order: the file is encoded whole.
            var signed = unsigned
            signed[memberName] = .string(signature)
            return SignedFile(body: try CanonicalJSON.encode(.object(signed), order: order), insertionOffset: 0, insertion: [])
        }
        // How many members the signature follows, in the order of the signed file's top level.
        let preceding: Int
        if unsigned.count < limit {
            preceding = unsigned.keys.filter { $0.utf8.lexicographicallyPrecedes(memberName.utf8) }.count
        } else {
            var signatureKey = memberName
            preceding = signatureKey.withUTF8 { signatureBytes in
                unsigned.keys.filter { key in
                    var key = key
                    return key.withUTF8 { BeamMapOrder.precedes(UnsafeRawBufferPointer($0), UnsafeRawBufferPointer(signatureBytes), in: order) }
                }.count
            }
        }
        if preceding == unsigned.count {
            // The signature comes last: `..., last\n}` becomes `..., last,\n  "signature": ...\n}`.
            return SignedFile(body: body, insertionOffset: body.count - 2, insertion: Array(",\n  ".utf8) + member)
        }
        // Before the member it precedes.
        return SignedFile(body: body, insertionOffset: offsets[preceding], insertion: Array("  ".utf8) + member + Array(",\n".utf8))
    }

    /// True when `text` is the canonical padded base64 of exactly 32 bytes.
    static func isWellFormed(_ text: UnsafeRawBufferPointer) -> Bool {
        text.count == encodedLength && Base64.decodeStrict(text)?.count == 32
    }

    /// `text` is a well-formed signature (`isWellFormed`): its strict decoding is the one tag it encodes.
    private static func compare(_ mac: MessageAuthenticationCode, with text: UnsafeRawBufferPointer, duplicateKeys: [String], isCanonical: Bool,
                                hasLargeObjects: Bool = false, beamOrder: BeamOrder? = nil) -> SignatureVerification {
        let received = Base64.decodeStrict(text).flatMap { MessageAuthenticationCode(bytes: $0) }
        let matches = received.map { $0 == mac } ?? false
        return SignatureVerification(verdict: matches ? .valid : .invalid, duplicateKeys: duplicateKeys, isCanonical: isCanonical,
                                     hasLargeObjects: hasLargeObjects, beamOrder: beamOrder)
    }
}

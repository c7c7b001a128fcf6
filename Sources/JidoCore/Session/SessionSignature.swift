/// What verifying a session file concluded.
public enum SignatureVerdict: String, Sendable, CaseIterable, Codable {
    /// The `signature` member is the HMAC of the document's canonical bytes under the key.
    case valid
    /// A well-formed signature that does not match: the content or the key differs.
    case invalid
    /// No top-level `signature` member (JidoCode's legacy files); nothing vouches for the content.
    case unsigned
    /// A `signature` member that cannot be a JidoCode signature: not a string, or not the canonical
    /// padded base64 of 32 bytes. JidoCode itself would call it invalid.
    case malformed
    /// Not a JSON object JidoCode can read (see `detail`).
    case undecodable
}

/// A verdict with its evidence.
public struct SignatureVerification: Sendable, Equatable {
    public let verdict: SignatureVerdict
    /// JSON Pointers of keys that occur more than once (the first occurrence is what was verified;
    /// other parsers may read a later one). Reported whatever the verdict.
    public let duplicateKeys: [String]
    /// Why the verdict is `undecodable` or `malformed`; nil otherwise.
    public let detail: String?
    /// True when the file is byte for byte the canonical encoding JidoCode writes. A file that
    /// verifies but is not canonical was rewritten after signing (spacing, escapes, number spelling,
    /// duplicated keys): the signed content is intact, the bytes are not what the signer wrote.
    public let isCanonical: Bool

    public init(verdict: SignatureVerdict, duplicateKeys: [String] = [], detail: String? = nil, isCanonical: Bool = false) {
        self.verdict = verdict
        self.duplicateKeys = duplicateKeys
        self.detail = detail
        self.isCanonical = isCanonical
    }
}

/// JidoCode v1 session signatures: HMAC-SHA256 over the canonical bytes of the document without its
/// top-level `signature` member, stored as padded standard base64 in that member.
public enum SessionSignature {
    public static let memberName = "signature"
    /// Length of a well-formed signature: base64 of 32 bytes.
    static let encodedLength = 44

    /// Verifies a session file's bytes.
    ///
    /// A file that is already canonical (every file JidoCode or this library writes) is verified in
    /// one scan plus one HMAC pass over slices of the file; any other file is decoded and re-encoded.
    /// Both paths give the same verdict. The comparison is constant-time on the base64 text, exactly
    /// what JidoCode compares.
    public static func verify(fileBytes: UnsafeRawBufferPointer, key: SessionKey, limits: JSONLimits = .default) -> SignatureVerification {
        var none = NoObserver()
        return verify(fileBytes: fileBytes, key: key, limits: limits, observer: &none)
    }

    /// Verifies and, in the same pass over a canonical file, checks JidoCode's session schema: the
    /// facts are non-nil only when the file is canonical and the schema holds (see
    /// `SessionSchemaScanner`); otherwise callers decode for the exact answer.
    public static func verifyWithSchema(fileBytes: UnsafeRawBufferPointer, key: SessionKey,
                                        limits: JSONLimits = .default) -> (SignatureVerification, SessionSchemaScanner.Facts?) {
        var observer = SessionSchemaObserver()
        let result = verify(fileBytes: fileBytes, key: key, limits: limits, observer: &observer)
        return (result, result.isCanonical ? observer.facts : nil)
    }

    /// `decoded`, when the caller already decoded `fileBytes`, spares the slow path a second decode.
    static func verify<Observer: CanonicalScanObserver>(fileBytes: UnsafeRawBufferPointer, key: SessionKey, limits: JSONLimits,
                                                        observer: inout Observer, decoded: JSONDocument? = nil) -> SignatureVerification {
        if fileBytes.count <= limits.maxInputBytes, let layout = CanonicalLayout.scan(fileBytes, limits: limits, observer: &observer) {
            guard layout.topLevelIsObject else {
                return SignatureVerification(verdict: .undecodable, detail: "the top-level value is not an object", isCanonical: true)
            }
            guard let member = layout.signature else { return SignatureVerification(verdict: .unsigned, isCanonical: true) }
            let value = UnsafeRawBufferPointer(rebasing: fileBytes[member.value])
            guard value.count == encodedLength + 2, value.first == ASCII.quote else {
                return malformed(isString: value.first == ASCII.quote, isCanonical: true)
            }
            let text = UnsafeRawBufferPointer(rebasing: value.dropFirst().dropLast())
            guard isWellFormed(text) else { return malformed(isString: true, isCanonical: true) }
            do {
                var mac = try HMACSHA256(key: key)
                if member.signedSlices.isEmpty {
                    try mac.update(Array("{}".utf8))
                } else {
                    for slice in member.signedSlices { try mac.update(UnsafeRawBufferPointer(rebasing: fileBytes[slice])) }
                }
                return compare(try mac.finalize(), with: text, duplicateKeys: [], isCanonical: true)
            } catch {
                return SignatureVerification(verdict: .undecodable, detail: "HMAC computation failed: \(error)")
            }
        }
        let document: JSONDocument
        if let decoded {
            document = decoded
        } else {
            do throws(JSONDecodingError) {
                document = try StrictJSONDecoder(limits: limits).decode(fileBytes)
            } catch {
                return SignatureVerification(verdict: .undecodable, detail: error.description)
            }
        }
        // Not canonical unless the scanner stopped at a limit the full decoder still accepts; the
        // comparison streams and stops at the first differing byte.
        var offset = 0
        let canonical = (try? CanonicalJSON.stream(document.value) { chunk in
            defer { offset += chunk.count }
            return offset + chunk.count <= fileBytes.count
                && chunk.elementsEqual(UnsafeRawBufferPointer(rebasing: fileBytes[offset..<(offset + chunk.count)]))
        }) != nil && offset == fileBytes.count
        return verify(document: document, key: key, isCanonical: canonical)
    }

    public static func verify(fileBytes: [UInt8], key: SessionKey, limits: JSONLimits = .default) -> SignatureVerification {
        fileBytes.withUnsafeBytes { verify(fileBytes: $0, key: key, limits: limits) }
    }

    /// Verifies an already decoded document (re-encodes it canonically).
    public static func verify(document: JSONDocument, key: SessionKey) -> SignatureVerification {
        verify(document: document, key: key, isCanonical: false)
    }

    static func verify(document: JSONDocument, key: SessionKey, isCanonical: Bool) -> SignatureVerification {
        let duplicates = document.duplicateKeys
        guard case let .object(object) = document.value else {
            return SignatureVerification(verdict: .undecodable, duplicateKeys: duplicates,
                                         detail: "the top-level value is not an object", isCanonical: isCanonical)
        }
        guard let signature = object[memberName] else {
            return SignatureVerification(verdict: .unsigned, duplicateKeys: duplicates, isCanonical: isCanonical)
        }
        guard case let .string(text) = signature else {
            return malformed(isString: false, duplicateKeys: duplicates, isCanonical: isCanonical)
        }
        var utf8 = text
        let wellFormed = utf8.withUTF8 { isWellFormed(UnsafeRawBufferPointer($0)) }
        guard wellFormed else { return malformed(isString: true, duplicateKeys: duplicates, isCanonical: isCanonical) }
        do {
            // Streamed into the MAC: memory stays bounded even when pretty printing a deeply nested
            // document multiplies its size.
            var hmac = try HMACSHA256(key: key)
            var failure: (any Error)?
            try CanonicalJSON.stream(document.value, omittingTopLevelKey: memberName) { chunk in
                do { try hmac.update(chunk) } catch { failure = error }
                return failure == nil
            }
            if let failure { throw failure }
            let mac = try hmac.finalize()
            return utf8.withUTF8 { compare(mac, with: UnsafeRawBufferPointer($0), duplicateKeys: duplicates, isCanonical: isCanonical) }
        } catch {
            return SignatureVerification(verdict: .undecodable, duplicateKeys: duplicates, detail: "\(error)", isCanonical: isCanonical)
        }
    }

    /// The file bytes JidoCode would write for `object`: its canonical encoding with a fresh
    /// `signature` member (any existing one is replaced).
    public static func signedFileBytes(for object: JSONObject, key: SessionKey) throws -> [UInt8] {
        var noCache: SigningCache?
        return try signedFile(for: object, key: key, cache: &noCache).bytes
    }

    /// A signed file as the canonical encoding of the unsigned document (`body`, the bytes the MAC
    /// covers) and the signature member to insert into it at `insertionOffset`, so that a writer can
    /// write the parts without joining them.
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

    /// The signed file for `object`. The document is encoded once; the signature member goes at its
    /// sorted place among the top-level members, whose line offsets the encoder records. With a
    /// `cache` (see `SigningCache`; ignored unless made for `key`) the conversation messages that did
    /// not change are copied, not encoded, and the MAC resumes after the bytes that did not change;
    /// the result is the same.
    package static func signedFile(for object: JSONObject, key: SessionKey, cache: inout SigningCache?) throws -> SignedFile {
        var unsigned = object
        unsigned[memberName] = nil
        if cache?.isBound(to: key) == false { cache = nil }
        var elements = cache?.elements.take() ?? nil
        var body = cache?.takeBuffer() ?? []
        let offsets = try CanonicalJSON.encodeRecordingMembers(unsigned, cache: &elements, into: &body)
        cache?.elements = elements
        let mac: [UInt8]
        if var current = cache.take() {
            mac = try current.authenticationCode(for: body, snapshotAt: elements?.lastElementEnd, key: key)
            cache = current
        } else {
            mac = try body.withUnsafeBytes { try HMACSHA256.authenticationCode(for: $0, key: key) }
        }
        let member = Array(("\"" + memberName + "\": \"" + Base64.encode(mac) + "\"").utf8)
        guard !unsigned.isEmpty else {
            // `{}` becomes `{\n  "signature": ...\n}`.
            return SignedFile(body: body, insertionOffset: 1, insertion: Array("\n  ".utf8) + member + Array("\n".utf8))
        }
        let following = unsigned.keys.filter { memberName.utf8.lexicographicallyPrecedes($0.utf8) }.count
        if following == 0 {
            // The signature sorts last: `..., last\n}` becomes `..., last,\n  "signature": ...\n}`.
            return SignedFile(body: body, insertionOffset: body.count - 2, insertion: Array(",\n  ".utf8) + member)
        }
        // Before the first member that sorts after "signature".
        return SignedFile(body: body, insertionOffset: offsets[offsets.count - following], insertion: Array("  ".utf8) + member + Array(",\n".utf8))
    }

    /// True when `text` is the canonical padded base64 of exactly 32 bytes.
    static func isWellFormed(_ text: UnsafeRawBufferPointer) -> Bool {
        text.count == encodedLength && Base64.decodeStrict(text)?.count == 32
    }

    private static func compare(_ mac: [UInt8], with text: UnsafeRawBufferPointer, duplicateKeys: [String],
                                isCanonical: Bool) -> SignatureVerification {
        let expected = Array(Base64.encode(mac).utf8)
        let matches = expected.withUnsafeBytes { ConstantTime.equals($0, text) }
        return SignatureVerification(verdict: matches ? .valid : .invalid, duplicateKeys: duplicateKeys, isCanonical: isCanonical)
    }

    private static func malformed(isString: Bool, duplicateKeys: [String] = [], isCanonical: Bool = false) -> SignatureVerification {
        SignatureVerification(verdict: .malformed, duplicateKeys: duplicateKeys,
                              detail: isString ? "the signature is not the base64 of 32 bytes"
                                               : "the signature member is not a string",
                              isCanonical: isCanonical)
    }
}

// The `session` fuzz target's invariants: session-shaped use of a decoded object, signing and the
// signing cache.

internal import JidoCore

extension FuzzChecks {
    /// Session-shaped use of a decoded object: member lookups (`id`, `conversation` and its
    /// messages), uniqueness of keys, re-building the object, then signing: the signed file verifies
    /// `.valid` (and `.invalid` under another key), decodes without duplicates to the same content
    /// plus the new signature, and signing it again is idempotent. The store's signing cache gives the
    /// same bytes as a fresh signing, for the object and after a message is appended and one edited,
    /// and a cache primed from the signed file (as `SessionStore.load` does) re-signs it unchanged.
    /// The raw passes agree with the exact path (`SessionScanChecks.swift`): `SessionMetadataScanner`
    /// on the input (any bytes) and on the signed file, and the schema facts of
    /// `SessionSignature.verifyWithSchema` on the input and on the signed file, the latter also under
    /// small limits drawn from the input's hash.
    public static func session(_ input: [UInt8]) throws(InvariantViolation) {
        let check = "session"
        let (key, otherKey) = try keys(check)
        let decoded = try? StrictJSONDecoder().decode(input)
        try metadataAgrees(input, decoded: decoded, check)
        try schemaFactsAgree(input, decoded: decoded, check, "input")
        guard let document = decoded, case let .object(object) = document.value else { return }

        // Linear, as the checks must be on the 1 MiB adversarial seeds (Fuzz/common.sh FUZZ_LIMIT_FLAGS):
        // uniqueness through a set of the keys' bytes; the lookup (a linear search per key) on at most
        // `sampledLookups` members spread evenly, first and last included.
        var seen = Set<[UInt8]>(minimumCapacity: object.count)
        for member in object.members {
            try require(seen.insert(Array(member.key.utf8)).inserted, check, "key \(member.key.debugDescription) is not unique")
        }
        for index in sampledIndices(object.count) {
            let member = object.members[index]
            try require(object[member.key] == member.value, check, "lookup of \(member.key.debugDescription) disagrees with members")
        }
        try require(JSONObject(object.members.map { ($0.key, $0.value) }) == object, check, "rebuilding the object changes it")
        _ = object["id"]?.stringValue
        for message in object["conversation"]?.arrayValue ?? [] {
            guard let message = message.objectValue else { continue }
            _ = (message["id"]?.stringValue, message["role"]?.stringValue, message["content"]?.stringValue)
        }

        guard let signed = try signedFile(object, check) else { return }
        let result = SessionSignature.verify(fileBytes: signed, key: key)
        try require(result.verdict == .valid && result.isCanonical && result.duplicateKeys.isEmpty, check,
                    "the signed file verifies \(result.verdict), canonical \(result.isCanonical), duplicates \(result.duplicateKeys)")
        let other = SessionSignature.verify(fileBytes: signed, key: otherKey).verdict
        try require(other == .invalid, check, "the signed file verifies \(other) under another key")

        let reread: JSONDocument
        do {
            reread = try StrictJSONDecoder().decode(signed)
        } catch {
            throw InvariantViolation(check: check, message: "the signed file does not decode: \(error)")
        }
        try require(reread.duplicateKeys.isEmpty, check, "the signed file has duplicates \(reread.duplicateKeys)")
        try metadataAgrees(signed, decoded: reread, check)
        try schemaFactsAgree(signed, decoded: reread, check, "signed")
        // Small limits (drawn from the input's hash) can stop the canonical scan part way through;
        // the schema facts must still be the exact path's, or nil.
        let small = smallLimits(fnv1a(input), inputCount: signed.count)
        try schemaFactsAgree(signed, limits: small, decoded: try? StrictJSONDecoder(limits: small).decode(signed), check,
                             "signed, under \(small)")
        guard case var .object(signedObject) = reread.value, signedObject[SessionSignature.memberName]?.stringValue != nil else {
            throw InvariantViolation(check: check, message: "the signed file has no string signature")
        }
        var unsigned = object
        unsigned[SessionSignature.memberName] = nil
        let resigned = try signedFile(signedObject, check)
        signedObject[SessionSignature.memberName] = nil
        try require(signedObject == unsigned, check, "the signed file's content differs from the object signed")
        try require(resigned == signed, check, "signing the signed file again changes it")
        try signingCacheAgrees(object, check)

        // A cache primed from the signed file (as a load does) re-signs the same content to the file.
        let conversation = unsigned["conversation"]?.arrayValue ?? []
        var primed: SigningCache?
        do {
            primed = try SigningCache.primed(fromCanonicalFile: signed, conversation: conversation, key: key, order: .otp27, memberKey: "conversation")
        } catch {
            throw InvariantViolation(check: check, message: "priming a signing cache failed: \(error)")
        }
        try require(primed != nil || conversation.isEmpty, check, "a non-empty conversation of a signed file could not be split")
        if primed != nil {
            let again: [UInt8]
            do { again = try SessionSignature.signedFile(for: unsigned, key: key, cache: &primed).bytes } catch {
                throw InvariantViolation(check: check, message: "signing with a primed cache failed: \(error)")
            }
            try require(again == signed, check, "a cache primed from the signed file changes its bytes")
        }
    }

    /// The members whose lookup the session check tries: all of a small object, else `sampledLookups`
    /// spread evenly over it (the first and the last included), so the check stays linear.
    static let sampledLookups = 32

    static func sampledIndices(_ count: Int) -> [Int] {
        guard count > sampledLookups else { return Array(0..<count) }
        return (0..<sampledLookups).map { $0 * (count - 1) / (sampledLookups - 1) }
    }

    /// Signs `object`, then the object with one message appended, then with its first message
    /// changed, through one `SigningCache`; each must equal a fresh signing.
    static func signingCacheAgrees(_ object: JSONObject, _ check: String) throws(InvariantViolation) {
        let key = try keys(check).key
        var cache: SigningCache? = SigningCache(key: key, order: .otp27, memberKey: "conversation")
        var current = object
        for step in 0..<3 {
            if step > 0 {
                var messages = current["conversation"]?.arrayValue ?? []
                if step == 1 {
                    messages.append(.object(JSONObject([("id", .string("fuzz")), ("content", .string("\u{E9}\"\n"))])))
                } else if !messages.isEmpty {
                    messages[0] = .object(JSONObject([("id", .string("fuzz-edit")), ("content", .float(-0.0))]))
                }
                current["conversation"] = .array(messages)
            }
            guard let fresh = try signedFile(current, check) else { return }
            let cached: [UInt8]
            do {
                cached = try SessionSignature.signedFile(for: current, key: key, cache: &cache).bytes
            } catch {
                throw InvariantViolation(check: check, message: "cached signing failed where a fresh one did not: \(error)")
            }
            try require(cached == fresh, check, "step \(step): the signing cache changed the signed bytes")
        }
    }
}

// The `verify` fuzz target's invariants: the fast and slow verification paths against each other and
// against an independent recomputation.

internal import Foundation
internal import JidoCore

extension FuzzChecks {
    /// Bytes as a session file, verified with `key`. The fast path's verdict, duplicates and canonical
    /// flag equal the slow path's (decode, then `verify(document:key:)`; `.undecodable` when it does not
    /// decode), and the verdict equals an independent recomputation (Foundation base64, HMAC over the
    /// canonical bytes without the signature). Then, with choices drawn from a hash of the input, the
    /// decoded object is re-signed (must verify `.valid`, canonical) and one byte of the signed file is
    /// flipped, replaced or a whitespace inserted: the result may verify `.valid` only if its signed
    /// content is unchanged, and then it is not canonical.
    public static func verify(_ input: [UInt8]) throws(InvariantViolation) {
        let check = "verify"
        let hash = fnv1a(input)
        _ = try verifyBothPaths(input, check, "input")
        let small = smallLimits(hash, inputCount: input.count)
        _ = try verifyBothPaths(input, limits: small, check, "input under \(small)")
        guard let document = try? StrictJSONDecoder().decode(input), case let .object(object) = document.value else { return }
        guard let signed = try signedFile(object, check) else { return }
        let result = try verifyBothPaths(signed, check, "re-signed")
        try require(result.verdict == .valid && result.isCanonical && result.duplicateKeys.isEmpty, check,
                    "a freshly signed file verifies \(result.verdict), canonical \(result.isCanonical)")

        var mutated = signed
        let position = Int(hash % UInt64(signed.count))
        let mutation = (hash >> 32) % 3
        switch mutation {
        case 0:
            mutated[position] ^= 1 << ((hash >> 40) & 7)
        case 1:
            let replacement = input[Int((hash >> 20) % UInt64(input.count))]
            mutated[position] = replacement == signed[position] ? replacement ^ 0x20 : replacement
        default:
            mutated.insert([0x20, 0x0A, 0x09, 0x0D][Int((hash >> 50) & 3)], at: position)
        }
        // Messages are built only on failure: interpolating a struct goes through reflection, whose
        // type-name cache LeakSanitizer reports as an 11-byte leak at exit
        // (Corpus/regressions/verify-lsan-swift-type-name-cache-from-eager-message.json).
        func what() -> String { ["bit flip", "byte \(mutated[position])", "whitespace inserted"][Int(mutation)] + " at \(position)" }
        let after = try verifyBothPaths(mutated, check, "mutated (\(what()))")
        guard after.verdict == .valid else { return }
        // Valid after a change: the signed content must be exactly what was signed.
        guard let changed = try? StrictJSONDecoder().decode(mutated) else {
            throw InvariantViolation(check: check, message: "\(what()): valid but undecodable")
        }
        let before = try canonicalBytes(document.value, check, omittingSignature: true)
        try require(try canonicalBytes(changed.value, check, omittingSignature: true) == before, check,
                    "\(what()): verifies valid although the signed content changed")
        try require(!after.isCanonical, check, "\(what()): a changed file cannot be the canonical bytes of the signed value")
    }

    /// `SessionSignature.verify(fileBytes:)` against the slow path and an independent verdict.
    @discardableResult
    static func verifyBothPaths(_ bytes: [UInt8], limits: JSONLimits = .default, _ check: String,
                                _ what: @autoclosure () -> String) throws(InvariantViolation) -> SignatureVerification {
        let key = try keys(check).key
        let fast = SessionSignature.verify(fileBytes: bytes, key: key, limits: limits)
        let document = try? StrictJSONDecoder(limits: limits).decode(bytes)
        let slow = document.map { SessionSignature.verify(document: $0, key: key) } ?? SignatureVerification(verdict: .undecodable)
        try require(fast.verdict == slow.verdict, check, "\(what()): fast path says \(fast.verdict), slow path \(slow.verdict)")
        try require(sameStrings(fast.duplicateKeys, slow.duplicateKeys), check,
                    "\(what()): duplicates \(fast.duplicateKeys) vs slow path \(slow.duplicateKeys)")
        var isCanonical = false
        if let document { isCanonical = (try canonicalBytes(document.value, check)) == bytes }
        try require(fast.isCanonical == isCanonical, check, "\(what()): isCanonical \(fast.isCanonical), expected \(isCanonical)")

        // The verdict recomputed from scratch.
        let expected: SignatureVerdict
        if let document, case let .object(object) = document.value {
            if let signature = object[SessionSignature.memberName] {
                if let text = signature.stringValue, text.utf8.count == 44,
                   let raw = Data(base64Encoded: text), raw.count == 32, raw.base64EncodedString().utf8.elementsEqual(text.utf8) {
                    guard let content = try canonicalBytes(document.value, check, omittingSignature: true) else { return fast }
                    let mac: MessageAuthenticationCode
                    do {
                        mac = try HMACSHA256.authenticationCode(for: content, key: key)
                    } catch {
                        throw InvariantViolation(check: check, message: "HMAC failed: \(error)")
                    }
                    expected = MessageAuthenticationCode(base64: text) == mac ? .valid : .invalid
                } else {
                    expected = .malformed
                }
            } else {
                expected = .unsigned
            }
        } else {
            expected = .undecodable
        }
        try require(fast.verdict == expected, check, "\(what()): verdict \(fast.verdict), independent recomputation \(expected)")
        return fast
    }
}

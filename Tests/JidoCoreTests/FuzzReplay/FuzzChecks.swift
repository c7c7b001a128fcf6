// The invariants the fuzzers check, written once for two packages:
//   Fuzz/Sources/FuzzCommon/FuzzChecks.swift            (the fuzzers: a violation aborts)
//   Tests/JidoCoreTests/FuzzReplay/FuzzChecks.swift     (`swift test` replays Corpus/: a violation fails)
// The two files must stay byte-identical; `FuzzReplayTests/checksAreTheFuzzersChecks` fails otherwise.
// Edit Fuzz/Sources/FuzzCommon/FuzzChecks.swift, then `cp` it over the test copy.
//
// Every check takes the raw input and throws an `InvariantViolation` naming the broken invariant; it
// never crashes on its own, so the replay test can report it with #expect.

import Foundation
@testable import JidoCore

/// A broken invariant: which check, and what was seen.
public struct InvariantViolation: Error, CustomStringConvertible {
    public let check: String
    public let message: String
    public var description: String { "[\(check)] \(message)" }
}

public enum FuzzChecks {
    /// The fuzz targets by name, as `Corpus/<name>/` and the executables are called.
    public static let targets: [(name: String, check: @Sendable ([UInt8]) throws(InvariantViolation) -> Void)] = [
        ("decode", decode), ("verify", verify), ("session", session), ("differential", differential),
    ]

    // MARK: - Keys

    /// The fixed key the fuzzers verify with: JidoCode's `mixed` vector store (secret and hostname from
    /// shared/vectors/jidocode-v1/mixed/manifest.json), so the corpus's signed seeds reach `.valid`.
    public static let key: SessionKey = derive(secret: "e81805a7aeeddd132281a02e8295a108bfeb4ae4c11237192af9cd2b5f587042",
                                               hostname: "jido-fixture-host")
    /// A second fixed key (the `basic` store's): nothing signed under `key` may verify under it.
    public static let otherKey: SessionKey = derive(secret: "24159df5d43308cb82c7165876d853c8c8f4e1e4574d6a401b27598c3d9f6ed2",
                                                    hostname: "devbox")

    private static func derive(secret: String, hostname: String) -> SessionKey {
        do {
            return try SessionKey.derive(machineSecret: Array(secret.utf8), hostname: hostname)
        } catch {
            fatalError("FuzzChecks: key derivation failed: \(error)")
        }
    }

    // MARK: - decode

    /// Arbitrary bytes into `StrictJSONDecoder()` (default limits). When they decode:
    /// - the canonical encoding decodes, to an equal value, with no duplicates, and re-encodes to the
    ///   same bytes (also when streamed in small chunks);
    /// - the reported duplicate pointers are exactly those an independent re-scan of the raw text finds
    ///   (a key seen a second time in the same object, in document order);
    /// - `CanonicalLayout.scan` accepts the canonical bytes (and its signature slices are the signed
    ///   bytes), and accepts the input only if it IS the canonical bytes.
    /// When they do not decode, the scanner must not accept them either. Under small limits drawn from
    /// a hash of the input, decoding may only fail more often (never differently when it succeeds),
    /// and the scanner may only accept input the decoder accepts under the same limits.
    public static func decode(_ input: [UInt8]) throws(InvariantViolation) {
        let check = "decode"
        let inputLayout = scan(input)
        let small = smallLimits(fnv1a(input), inputCount: input.count)
        let underSmall = try? StrictJSONDecoder(limits: small).decode(input)
        // CanonicalLayout.scan does not check maxInputBytes itself (its only caller,
        // SessionSignature.verify, checks the size first), so it is held to the other limits only.
        if input.count <= small.maxInputBytes, input.withUnsafeBytes({ CanonicalLayout.scan($0, limits: small) }) != nil {
            try require(underSmall != nil, check, "under \(small) the scanner accepts input the decoder rejects")
        }
        let document: JSONDocument
        do {
            document = try StrictJSONDecoder().decode(input)
        } catch {
            try require(inputLayout == nil, check, "the canonical scanner accepts input the decoder rejects (\(error))")
            try require(underSmall == nil, check, "accepted under \(small) but not under the default limits (\(error))")
            return
        }
        if let underSmall {
            try require(underSmall.value == document.value && sameStrings(underSmall.duplicateKeys, document.duplicateKeys), check,
                        "decoding under \(small) gives another value or other duplicates")
        }
        guard let canonical = try canonicalBytes(document.value, check) else { return }

        let again: JSONDocument
        do {
            again = try StrictJSONDecoder().decode(canonical)
        } catch {
            throw InvariantViolation(check: check, message: "the canonical encoding does not decode: \(error)")
        }
        try require(again.duplicateKeys.isEmpty, check, "the canonical encoding reports duplicates \(again.duplicateKeys)")
        try require(again.value == document.value, check, "decoding the canonical encoding gives another value")
        try require(try canonicalBytes(again.value, check) == canonical, check, "encoding is not idempotent")

        let chunkSize = 1 + input.count % 61
        var streamed: [UInt8] = []
        do {
            try CanonicalJSON.stream(document.value, chunkSize: chunkSize) { chunk in
                streamed += chunk
                return true
            }
        } catch {
            throw InvariantViolation(check: check, message: "stream failed where encode succeeded: \(error)")
        }
        try require(streamed == canonical, check, "stream(chunkSize: \(chunkSize)) differs from encode")

        let census = DuplicateCensus.pointers(in: input)
        try require(sameStrings(census, document.duplicateKeys), check,
                    "duplicate pointers \(document.duplicateKeys) but the raw text has \(census)")

        guard let layout = scan(canonical) else {
            throw InvariantViolation(check: check, message: "the canonical scanner rejects a canonical encoding")
        }
        try require((inputLayout != nil) == (input == canonical), check,
                    inputLayout != nil ? "the canonical scanner accepts non-canonical input" : "the canonical scanner rejects canonical input")
        try checkLayout(layout, of: canonical, value: document.value, check)
    }

    /// The layout's facts about `bytes` (canonical, decoding to `value`) against the value itself.
    static func checkLayout(_ layout: CanonicalLayout, of bytes: [UInt8], value: JSONValue, _ check: String) throws(InvariantViolation) {
        let object = value.objectValue
        try require(layout.topLevelIsObject == (object != nil), check, "topLevelIsObject is \(layout.topLevelIsObject)")
        let signature = object?[SessionSignature.memberName]
        try require((layout.signature != nil) == (signature != nil), check, "the scanner's signature member disagrees with the value")
        guard let member = layout.signature, let signature else { return }
        // The range holds the member's value as laid out in the file (a container keeps the file's
        // indentation), so compare what it decodes to, not its bytes.
        let ranged = try? StrictJSONDecoder().decode(Array(bytes[member.value])).value
        try require(ranged == signature, check, "the signature value range is wrong")
        let signed = member.signedSlices.isEmpty ? Array("{}".utf8) : member.signedSlices.flatMap { bytes[$0] }
        let expected: [UInt8]
        do {
            expected = try CanonicalJSON.encode(value, omittingTopLevelKey: SessionSignature.memberName)
        } catch {
            throw InvariantViolation(check: check, message: "encode omitting the signature failed: \(error)")
        }
        try require(signed == expected, check, "the signed slices are not the canonical bytes without the signature")
    }

    // MARK: - verify

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
                    let mac: [UInt8]
                    do {
                        mac = try HMACSHA256.authenticationCode(for: content, key: key)
                    } catch {
                        throw InvariantViolation(check: check, message: "HMAC failed: \(error)")
                    }
                    expected = Data(mac).base64EncodedString().utf8.elementsEqual(text.utf8) ? .valid : .invalid
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

    // MARK: - session

    /// Session-shaped use of a decoded object: member lookups (`id`, `conversation` and its
    /// messages), uniqueness of keys, re-building the object, then signing: the signed file verifies
    /// `.valid` (and `.invalid` under another key), decodes without duplicates to the same content
    /// plus the new signature, and signing it again is idempotent. The store's signing cache gives the
    /// same bytes as a fresh signing, for the object and after a message is appended and one edited,
    /// and a cache primed from the signed file (as `SessionStore.load` does) re-signs it unchanged.
    public static func session(_ input: [UInt8]) throws(InvariantViolation) {
        let check = "session"
        guard let document = try? StrictJSONDecoder().decode(input), case let .object(object) = document.value else { return }

        var seen = Set<[UInt8]>()
        for member in object.members {
            try require(seen.insert(Array(member.key.utf8)).inserted, check, "key \(member.key.debugDescription) is not unique")
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

    /// Signs `object`, then the object with one message appended, then with its first message
    /// changed, through one `SigningCache`; each must equal a fresh signing.
    static func signingCacheAgrees(_ object: JSONObject, _ check: String) throws(InvariantViolation) {
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

    // MARK: - differential

    /// `StrictJSONDecoder` against Foundation's `JSONSerialization` (`.fragmentsAllowed`) on
    /// acceptance and values. Every disagreement must fall in one of the classes below, each measured
    /// on this toolchain (Swift 6.3.1, swift-corelibs-foundation); anything else is a violation.
    /// Classes a normalization can remove (a BOM, a trailing comma, an over-long number) are removed
    /// and the comparison runs again on the normalized input, so one excused difference never hides
    /// another one later in the document.
    ///
    /// Both accept, values differ:
    /// - D1 duplicate keys: `{"a":1,"a":2}` is `a: 1` here (JidoCode keeps the first), `a: 2` in
    ///   Foundation (last wins). Excused only at the pointers the decoder reported as duplicates.
    /// - D2 canonically equivalent keys: `{"é":1,"e\u0301":2}` is two members here (keys compare by
    ///   bytes, as in Erlang); Foundation's `[String: Any]` compares keys by Unicode canonical
    ///   equivalence and keeps one (`"é": 2`). Excused only for keys that are `==` as Swift Strings
    ///   with different bytes.
    /// - D3 integers beyond 64 bits: we keep every digit; Foundation makes an `NSDecimalNumber` with
    ///   at most 38 significant digits (`1222…2` with 40 digits becomes `1222…20`). Excused only for
    ///   integers with more than 38 significant digits whose values agree to ~15 digits.
    /// - D4 integers beyond `Decimal`'s range (about 10^165 to 10^308) become an `NSNumber` double in
    ///   Foundation, and not always the nearest one: `10000000000000002` followed by 277 zeros gives
    ///   1.0000000000000003e293 (the nearest double is 1.0000000000000002e293; found by this fuzzer,
    ///   Corpus/regressions/differential-foundation-integer-beyond-decimal-as-inexact-double.json).
    ///   Excused for integers beyond 64 bits whose double is within 1e-14 relative of ours.
    /// - D5 floats with long mantissas: Foundation parses them through `Decimal`, whose conversion
    ///   to double is not correctly rounded (`0.12345678901234567` → 0.12345678901234565; the decoder
    ///   and strtod give 0.12345678901234566). Excused only when Foundation returned an
    ///   `NSDecimalNumber` within 1e-14 relative of our (correctly rounded) double.
    ///
    /// - D7 the sign of a zero written `-0e…` without a fraction: Jason 1.4.4 rebuilds such a token
    ///   from a literal "0" and reads +0.0 (so does the decoder, for JidoCode's bytes); Foundation
    ///   reads -0.0. Excused when ours is +0.0 and both are zero.
    ///
    /// - D6 a raw U+FEFF (`EF BB BF`) that starts a string or directly follows an escape is dropped
    ///   by Foundation (it decodes the raw runs between escapes separately and strips a leading BOM
    ///   from each): `"\u00e1<EF BB BF>89"` is "á\u{FEFF}89" here and "á89" in Foundation (found by
    ///   this fuzzer, Corpus/regressions/differential-foundation-drops-raw-bom-after-escape.json). For
    ///   keys this means `{"<EF BB BF>signature": …}` reads as "signature" in Foundation-based tools.
    ///   Normalized: those three bytes are removed.
    ///
    /// We accept, Foundation rejects:
    /// - A1 integers beyond the double range (`1` + 400 zeros): Foundation says "Number … is not
    ///   representable in Swift"; we keep the digits (Jason reads them as bignums). Normalized: the
    ///   token becomes `0`.
    /// - A2 depth: an empty container 513 levels deep (`[` × 512 `[]` `]` × 512). Our limit counts
    ///   open non-empty containers (StrictJSONDecoderTests/depthLimitIsEnforcedExactly pins `{}` at
    ///   depth 5 under limit 4); Foundation's limit of 512 counts every container.
    ///
    /// Foundation accepts, we reject:
    /// - R1 trailing commas: `[1,]`, `{"a":1,}` (Foundation accepts them; RFC 8259 and Jason do not).
    ///   Normalized: the comma is removed.
    /// - R2 a UTF-8 byte order mark: Foundation skips `EF BB BF`; JidoCode rejects it. Normalized:
    ///   the BOM is removed.
    /// - R3 UTF-16/UTF-32: a NUL among the first four bytes, or a UTF-16/32 BOM, makes Foundation
    ///   transcode (`{\0}\0` is UTF-16LE `{}`); JSON in a session file is UTF-8, and NUL is never valid
    ///   UTF-8 JSON outside an escape.
    /// - R4 our limits: a number token over 1024 characters (`0.000…1`), or a string over 10 MiB
    ///   or an input over 10 MiB (the last two unreachable at the fuzzers' -max_len). Normalized:
    ///   an over-long number becomes `0`.
    /// - R5 a number outside the double range (`1e309`), which JidoCode rejects: Foundation parses
    ///   numbers lazily and accepts one whose key a later duplicate overwrites (found by this fuzzer in
    ///   CI: Corpus/regressions/differential-foundation-accepts-overwritten-1e309.json). Normalized:
    ///   the token becomes `0`.
    /// Both reject: agreement (error positions and messages are not compared).
    public static func differential(_ input: [UInt8]) throws(InvariantViolation) {
        var bytes = input
        // Each round removes one excused difference; 64 rounds is far more than -max_len allows
        // to matter, and stopping early only forgoes checking the rest.
        for _ in 0..<64 {
            guard let normalized = try differentialRound(bytes) else { return }
            bytes = normalized
        }
    }

    /// One comparison; returns a normalized input to compare again, or nil when done.
    static func differentialRound(_ bytes: [UInt8]) throws(InvariantViolation) -> [UInt8]? {
        let check = "differential"
        let ours: Result<JSONDocument, JSONDecodingError>
        do { ours = .success(try StrictJSONDecoder().decode(bytes)) } catch { ours = .failure(error) }
        let theirs: Result<Any, NSError>
        do {
            theirs = .success(try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]))
        } catch {
            theirs = .failure(error as NSError)
        }
        switch (ours, theirs) {
        case (.failure, .failure):
            return nil
        case let (.success(document), .success(value)):
            // D6: drop what Foundation drops, then compare again.
            let dropped = foundationDroppedByteOrderMarks(bytes)
            if !dropped.isEmpty {
                var normalized = bytes
                for offset in dropped.reversed() { normalized.removeSubrange(offset..<(offset + 3)) }
                return normalized
            }
            try compare(document.value, value, pointer: "", duplicates: Set(document.duplicateKeys))
            return nil
        case let (.success(document), .failure(error)):
            let message = (error.userInfo["NSDebugDescription"] as? String) ?? "\(error)"
            // A1: "Number <token> is not representable in Swift."
            if message.hasPrefix("Number "), message.hasSuffix(" is not representable in Swift.") {
                let token = Array(message.utf8.dropFirst(7).dropLast(31))
                if let range = numberToken(token, in: bytes), case let .integer(integer)? = try? StrictJSONDecoder().decode(token).value,
                   Double(integer.description).map({ !$0.isFinite }) ?? true {
                    return Array(bytes[..<range.lowerBound]) + Array("0".utf8) + Array(bytes[range.upperBound...])
                }
            }
            // A2: 513 levels only because the innermost container is empty.
            if message.hasPrefix("Too many nested arrays or dictionaries"), nestingDepth(document.value) == 513 {
                return nil
            }
            throw InvariantViolation(check: check, message: "we accept, Foundation rejects (\(message))")
        case let (.failure(error), .success):
            // R3: Foundation detects UTF-16/UTF-32.
            if bytes.prefix(4).contains(0) || bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) {
                return nil
            }
            switch error.kind {
            case .byteOrderMark:  // R2
                return Array(bytes.dropFirst(3))
            case .numberTooLong:  // R4
                var end = error.offset
                while end < bytes.count, isNumberByte(bytes[end]) { end += 1 }
                return Array(bytes[..<error.offset]) + Array("0".utf8) + Array(bytes[end...])
            case .stringTooLong, .inputTooLarge:  // R4
                return nil
            case .numberOutOfRange:  // R5
                var end = error.offset
                while end < bytes.count, isNumberByte(bytes[end]) { end += 1 }
                return Array(bytes[..<error.offset]) + Array("0".utf8) + Array(bytes[end...])
            case let .unexpectedByte(byte) where byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}"):  // R1
                var comma = error.offset - 1
                while comma >= 0, [0x20, 0x0A, 0x09, 0x0D].contains(bytes[comma]) { comma -= 1 }
                if comma >= 0, bytes[comma] == UInt8(ascii: ",") {
                    return Array(bytes[..<comma]) + Array(bytes[(comma + 1)...])
                }
            default:
                break
            }
            throw InvariantViolation(check: check, message: "Foundation accepts, we reject: \(error)")
        }
    }

    /// Compares our value with Foundation's, excusing only the classes D1–D5 and D7.
    static func compare(_ ours: JSONValue, _ theirs: Any, pointer: String, duplicates: Set<String>) throws(InvariantViolation) {
        let check = "differential"
        func at() -> String { pointer.isEmpty ? "at the top level" : "at \(pointer)" }
        switch ours {
        case .null:
            try require(theirs is NSNull, check, "\(at()): null vs \(theirs)")
        case let .bool(b):
            guard let number = theirs as? NSNumber, isBoolean(number) else {
                throw InvariantViolation(check: check, message: "\(at()): \(b) vs \(theirs)")
            }
            try require(number.boolValue == b, check, "\(at()): \(b) vs \(number)")
        case let .integer(integer):
            guard let number = theirs as? NSNumber, !isBoolean(number) else {
                throw InvariantViolation(check: check, message: "\(at()): integer \(integer) vs \(theirs)")
            }
            if let decimal = number as? NSDecimalNumber {
                if decimal.description == integer.description { return }
                // D3
                let ratio = (Double(integer.description) ?? .nan) / decimal.doubleValue
                try require(significantDigits(integer.magnitude) > 38 && abs(ratio - 1) < 1e-14, check,
                            "\(at()): integer \(integer) vs NSDecimalNumber \(decimal)")
            } else if String(cString: number.objCType) == "d" {
                // D4
                let ratio = (Double(integer.description) ?? .nan) / number.doubleValue
                try require(!fitsIn64Bits(integer) && abs(ratio - 1) < 1e-14, check,
                            "\(at()): integer \(integer) vs double \(number.doubleValue)")
            } else {
                try require(number.stringValue == integer.description, check, "\(at()): integer \(integer) vs \(number.stringValue)")
            }
        case let .float(double):
            guard let number = theirs as? NSNumber, !isBoolean(number) else {
                throw InvariantViolation(check: check, message: "\(at()): float \(double) vs \(theirs)")
            }
            let other = number.doubleValue
            if other.bitPattern == double.bitPattern { return }
            // D7: Jason reads `-0e5` (a minus, a bare zero, an exponent) as +0.0; Foundation as -0.0.
            if double == 0, other == 0, double.sign == .plus { return }
            // D5
            let close = double == other || abs(double - other) <= 1e-14 * max(abs(double), abs(other))
            try require(number is NSDecimalNumber && close, check, "\(at()): float \(double) vs \(type(of: number)) \(other)")
        case let .string(string):
            guard let other = theirs as? String else {
                throw InvariantViolation(check: check, message: "\(at()): string vs \(theirs)")
            }
            try require(other.utf8.elementsEqual(string.utf8), check, "\(at()): string \(string.debugDescription) vs \(other.debugDescription)")
        case let .array(elements):
            guard let other = theirs as? [Any], other.count == elements.count else {
                throw InvariantViolation(check: check, message: "\(at()): array of \(elements.count) vs \(theirs)")
            }
            for (index, element) in elements.enumerated() {
                try compare(element, other[index], pointer: pointer + "/\(index)", duplicates: duplicates)
            }
        case let .object(object):
            guard let other = theirs as? [String: Any] else {
                throw InvariantViolation(check: check, message: "\(at()): object vs \(theirs)")
            }
            // Foundation's keys are Strings: canonically equivalent keys are one key there (D2).
            let distinct = Set(object.keys)
            try require(other.count == distinct.count, check, "\(at()): \(distinct.count) distinct keys vs Foundation's \(other.count)")
            for member in object.members {
                let child = pointer + "/" + escapePointerToken(member.key)
                guard let value = other[member.key] else {
                    throw InvariantViolation(check: check, message: "\(at()): Foundation has no key \(member.key.debugDescription)")
                }
                if duplicates.contains(child) { continue }  // D1: Foundation kept a later value.
                let merged = object.keys.contains { $0 == member.key && !$0.utf8.elementsEqual(member.key.utf8) }
                if merged { continue }  // D2: Foundation kept the last of the equivalent keys.
                try compare(member.value, value, pointer: child, duplicates: duplicates)
            }
        }
    }

    /// Offsets of the raw `EF BB BF` sequences Foundation drops (D6) in a document we accepted: at the
    /// start of a string, or right after an escape sequence.
    static func foundationDroppedByteOrderMarks(_ bytes: [UInt8]) -> [Int] {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        var offsets: [Int] = []
        var i = 0
        var inString = false
        func bomAt(_ at: Int) -> Bool { at + 3 <= bytes.count && bytes[at..<(at + 3)].elementsEqual(bom) }
        while i < bytes.count {
            switch (inString, bytes[i]) {
            case (false, UInt8(ascii: "\"")):
                inString = true
                i += 1
                if bomAt(i) { offsets.append(i) }
            case (true, UInt8(ascii: "\"")):
                inString = false
                i += 1
            case (true, UInt8(ascii: "\\")):
                i += bytes[i + 1] == UInt8(ascii: "u") ? 6 : 2
                if bomAt(i) { offsets.append(i) }
            default:
                i += 1
            }
        }
        return offsets
    }

    /// Foundation's booleans are the `__NSCFBoolean` singletons, not numbers that happen to be 0 or 1.
    static func isBoolean(_ number: NSNumber) -> Bool {
        type(of: number) == type(of: NSNumber(value: true))
    }

    static func fitsIn64Bits(_ integer: JSONInteger) -> Bool {
        integer.isNegative ? Int64(integer.description) != nil : UInt64(integer.magnitude) != nil
    }

    static func significantDigits(_ magnitude: String) -> Int {
        magnitude.utf8.reversed().drop { $0 == UInt8(ascii: "0") }.count
    }

    /// Nesting depth counting every container, empty ones included (a top-level `[]` is 1).
    static func nestingDepth(_ value: JSONValue) -> Int {
        var deepest = 0
        var pending: [(JSONValue, Int)] = [(value, 1)]
        while let (value, depth) = pending.popLast() {
            switch value {
            case let .array(elements):
                deepest = max(deepest, depth)
                pending += elements.map { ($0, depth + 1) }
            case let .object(object):
                deepest = max(deepest, depth)
                pending += object.members.map { ($0.value, depth + 1) }
            default:
                break
            }
        }
        return deepest
    }

    static func isNumberByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || [UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                                                              UInt8(ascii: "e"), UInt8(ascii: "E")].contains(b)
    }

    /// The first occurrence of `token` in `bytes` that is a whole number token.
    static func numberToken(_ token: [UInt8], in bytes: [UInt8]) -> Range<Int>? {
        guard !token.isEmpty, token.count <= bytes.count else { return nil }
        for start in 0...(bytes.count - token.count) where bytes[start..<(start + token.count)].elementsEqual(token) {
            let end = start + token.count
            if (start == 0 || !isNumberByte(bytes[start - 1])) && (end == bytes.count || !isNumberByte(bytes[end])) {
                return start..<end
            }
        }
        return nil
    }

    // MARK: - Shared helpers

    static func require(_ condition: Bool, _ check: String, _ message: @autoclosure () -> String) throws(InvariantViolation) {
        if !condition { throw InvariantViolation(check: check, message: message()) }
    }

    static func scan(_ bytes: [UInt8]) -> CanonicalLayout? {
        bytes.withUnsafeBytes { CanonicalLayout.scan($0, limits: .default) }
    }

    /// The canonical bytes of `value`; nil when they would exceed the encoder's output limit (a
    /// legitimate refusal for deep, wide documents), a violation for any other failure.
    static func canonicalBytes(_ value: JSONValue, _ check: String, omittingSignature: Bool = false) throws(InvariantViolation) -> [UInt8]? {
        do {
            return omittingSignature ? try CanonicalJSON.encode(value, omittingTopLevelKey: SessionSignature.memberName)
                                     : try CanonicalJSON.encode(value)
        } catch .outputTooLarge {
            return nil
        } catch {
            throw InvariantViolation(check: check, message: "canonical encoding failed: \(error)")
        }
    }

    /// `SessionSignature.signedFileBytes`; nil only when the encoding is too large.
    static func signedFile(_ object: JSONObject, _ check: String) throws(InvariantViolation) -> [UInt8]? {
        do {
            return try SessionSignature.signedFileBytes(for: object, key: key)
        } catch CanonicalEncodingError.outputTooLarge {
            return nil
        } catch {
            throw InvariantViolation(check: check, message: "signedFileBytes failed: \(error)")
        }
    }

    /// Byte-exact comparison of string lists (Swift's `==` on String is canonical equivalence).
    static func sameStrings(_ a: [String], _ b: [String]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.utf8.elementsEqual($1.utf8) }
    }

    static func escapePointerToken(_ key: String) -> String {
        var out: [UInt8] = []
        for b in key.utf8 {
            switch b {
            case UInt8(ascii: "~"): out += Array("~0".utf8)
            case UInt8(ascii: "/"): out += Array("~1".utf8)
            default: out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Limits small enough for fuzz inputs to cross each of them: depth 1-8, strings 0-47 bytes,
    /// numbers 1-24 characters, and the input's own size (one byte short for one input in eight).
    static func smallLimits(_ hash: UInt64, inputCount: Int) -> JSONLimits {
        JSONLimits(maxDepth: 1 + Int((hash >> 3) & 7), maxInputBytes: inputCount - ((hash >> 6) & 7 == 0 ? 1 : 0),
                   maxStringBytes: Int((hash >> 9) % 48), maxNumberLength: 1 + Int((hash >> 17) % 24))
    }

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01B3 }
        return hash
    }
}

/// An independent re-scan of a document the decoder accepted: the JSON Pointer of every key that
/// occurs a second (third, …) time in the same object, in document order. Shares no code with the
/// decoder: its own tokenizer, its own unescaping, one explicit stack (no recursion).
enum DuplicateCensus {
    private struct Container {
        let isObject: Bool
        let pointer: String
        var keys = Set<[UInt8]>()
        var expectingKey: Bool
        var currentKey: [UInt8] = []
        var index = 0
    }

    static func pointers(in bytes: [UInt8]) -> [String] {
        var found: [String] = []
        var stack: [Container] = []
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var pointer = ""
                if let parent = stack.last {
                    pointer = parent.pointer + "/" + (parent.isObject ? FuzzChecks.escapePointerToken(String(decoding: parent.currentKey, as: UTF8.self))
                                                                      : String(parent.index))
                }
                let isObject = b == UInt8(ascii: "{")
                stack.append(Container(isObject: isObject, pointer: pointer, expectingKey: isObject))
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                stack.removeLast()
                i += 1
            case UInt8(ascii: ","):
                stack[stack.count - 1].index += 1
                stack[stack.count - 1].expectingKey = stack[stack.count - 1].isObject
                i += 1
            case UInt8(ascii: "\""):
                var end = i + 1
                while bytes[end] != UInt8(ascii: "\"") { end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1 }
                if let top = stack.last, top.isObject, top.expectingKey {
                    let key = unescape(bytes[(i + 1)..<end])
                    if !stack[stack.count - 1].keys.insert(key).inserted {
                        found.append(top.pointer + "/" + FuzzChecks.escapePointerToken(String(decoding: key, as: UTF8.self)))
                    }
                    stack[stack.count - 1].currentKey = key
                    stack[stack.count - 1].expectingKey = false
                }
                i = end + 1
            default:
                i += 1  // whitespace, ':', numbers and literals: nothing structural
            }
        }
        return found
    }

    /// The UTF-8 bytes of a string body that is known to be valid JSON.
    static func unescape(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        var i = body.startIndex
        func hex4(_ at: Int) -> UInt32 { UInt32(String(decoding: body[at..<(at + 4)], as: UTF8.self), radix: 16) ?? 0 }
        while i < body.endIndex {
            guard body[i] == UInt8(ascii: "\\") else {
                out.append(body[i])
                i += 1
                continue
            }
            let e = body[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(i)
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (hex4(i + 2) - 0xDC00)
                    i += 6
                }
                out += Array(String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
            default: out.append(e)  // \" \\ \/
            }
        }
        return out
    }
}

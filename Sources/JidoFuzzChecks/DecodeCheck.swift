// The `decode` fuzz target's invariants: the strict decoder, the canonical encoder and the canonical
// scanner against each other.

internal import JidoCore

extension FuzzChecks {
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
        // Every limit, maxInputBytes included: `CanonicalLayout.scan` answers nil above it (and
        // `smallLimits` puts one input in eight one byte over it).
        if input.withUnsafeBytes({ CanonicalLayout.scan($0, limits: small) }) != nil {
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

        // The report counts every duplicate and names the first ones, each pointer cut to its bound.
        let census = DuplicateCensus.pointers(in: input)
        let listed = census.prefix(JSONPointer.maxReportedKeys).map { JSONPointer.reported(pointer: $0) }
        try require(document.duplicates.count == census.count && sameStrings(listed, document.duplicateKeys), check,
                    "duplicate pointers \(document.duplicateKeys) (\(document.duplicates.count) in all) but the raw text has \(census)")

        guard let layout = scan(canonical) else {
            throw InvariantViolation(check: check, message: "the canonical scanner rejects a canonical encoding")
        }
        // With an object of more than 32 members, the OTP 25 family's order is canonical too.
        let large = SessionSignature.containsLargeObject(document.value)
        let canonical25 = large ? try? CanonicalJSON.encode(document.value, order: .otp25) : nil
        let inputOrder: BeamOrder? = input == canonical ? (large ? .otp27 : nil) : input == canonical25 ? .otp25 : nil
        // The scanner declines a 33-member top level holding `signature` (its signed bytes are in
        // another order than the file): the slow path answers for it.
        let declined = document.value.objectValue.map { $0.count == 33 && $0[SessionSignature.memberName] != nil } ?? false
        let isCanonicalInput = (input == canonical || input == canonical25) && !declined
        try require((inputLayout != nil) == isCanonicalInput, check,
                    inputLayout != nil ? "the canonical scanner accepts non-canonical input" : "the canonical scanner rejects canonical input")
        if let inputLayout {
            try require(inputLayout.beamOrder == inputOrder, check,
                        "the scanner names order \(String(describing: inputLayout.beamOrder)), the input is \(String(describing: inputOrder))'s")
        }
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
}

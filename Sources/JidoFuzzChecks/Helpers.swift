// Helpers shared by the checks.

internal import JidoCore

extension FuzzChecks {
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
    static func signedFile(_ object: JSONObject, _ check: String, order: BeamOrder = .jidoCodeDefault) throws(InvariantViolation) -> [UInt8]? {
        let key = try keys(check).key
        do {
            return try SessionSignature.signedFileBytes(for: object, key: key, order: order)
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

/// Where the top-level `signature` member sits in a file that is already in canonical form.
///
/// `CanonicalLayout.scan` proves, in one pass and without building a value tree, that a byte
/// sequence is exactly `CanonicalJSON.encode(decode(bytes))`. For such a file the bytes JidoCode signs
/// are the file minus the signature member, so they can be hashed as slices of the file instead of
/// being re-encoded. Any deviation from canonical form (or anything at a limit) makes it answer
/// nil, and the caller takes the full decode-and-encode path.
///
/// Canonical member order (`BeamMapOrder`): an object of at most 32 members has its keys strictly
/// ascending by their unescaped bytes; a larger one is in the hash order of one BEAM release family,
/// the same family for every large object of the document (`beamOrder`).
package struct CanonicalLayout {
    /// The `signature` member of a top-level object.
    package struct SignatureMember {
        /// The byte range of the member's value (for a string, including its quotes).
        package let value: Range<Int>
        /// The slices of the file that, concatenated, are the signed bytes; empty when the signature
        /// was the only member (the signed bytes are then `{}`).
        package let signedSlices: [Range<Int>]
    }

    /// True when the top-level value is an object.
    package let topLevelIsObject: Bool
    /// The top-level `signature` member, if the top level is an object that has one.
    package let signature: SignatureMember?
    /// The release family whose hash order every object of more than 32 members follows; nil when
    /// no object has more than 32 members (the file is then the same on every family). Should all
    /// large objects follow both orders (never seen: it takes 32 coinciding adjacent pairs per
    /// object), `.otp27`.
    package let beamOrder: BeamOrder?

    private static let signatureKey = Array("signature".utf8)

    /// Scans `bytes`; nil unless they are exactly canonical and within `limits` (a string's raw
    /// length is held to `maxStringBytes`, so a borderline string goes to the exact slow path).
    ///
    /// Also nil for a top-level object of exactly 33 members one of which is `signature`: the signed
    /// bytes (32 members, byte order) are then not the file minus that member (33, hash order).
    package static func scan(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits) -> CanonicalLayout? {
        var none = NoObserver()
        return scan(bytes, limits: limits, observer: &none)
    }

    /// The same scan, reporting the document's structure to `observer` as it goes (one pass for
    /// canonicity, the signature member, and whatever the observer checks).
    static func scan<Observer: CanonicalScanObserver>(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits,
                                                      observer: inout Observer) -> CanonicalLayout? {
        guard bytes.count <= limits.maxInputBytes else { return nil }
        var scanner = Scanner(bytes: bytes, limits: limits, observer: observer)
        let layout = scanner.run()
        observer = scanner.observer
        return layout
    }

    private struct Level {
        var start: Int
        var lastKey: Range<Int>? = nil
        /// Objects: the members so far.
        var count: Int32 = 0
        var isObject: Bool
        var lastKeyHadEscape = false
        /// Objects: whether every adjacent pair of keys so far is strictly ascending by bytes.
        var byteOrdered = true

        init(isObject: Bool, start: Int) {
            self.isObject = isObject
            self.start = start
        }
    }

    /// The offsets of the opening quotes of the keys of the open objects that have at most 32
    /// members so far, kept in case the object grows past 32 (its pairs are then checked again, by
    /// hash). The object at stack index `s` owns slots `32·s ..< 32·s + 32`: no appends and no
    /// truncation on the hot path, and at most 32 slots per open container.
    private final class KeySlots {
        static let perLevel = BeamMapOrder.smallMapLimit
        private(set) var base: UnsafeMutablePointer<Int>
        private var capacity: Int

        init() {
            capacity = 16 * Self.perLevel
            base = .allocate(capacity: capacity)
        }

        deinit { base.deallocate() }

        /// Makes room for the slots of stack indices `0 ..< levels`.
        @inline(__always)
        func reserve(levels: Int) {
            if levels * Self.perLevel > capacity { grow(to: levels * Self.perLevel) }
        }

        private func grow(to needed: Int) {
            let newCapacity = max(needed, 2 * capacity)
            let bigger = UnsafeMutablePointer<Int>.allocate(capacity: newCapacity)
            bigger.moveInitialize(from: base, count: capacity)
            base.deallocate()
            base = bigger
            capacity = newCapacity
        }
    }

    /// An open object of more than 32 members: the families whose order every adjacent pair of its
    /// keys follows so far, and the last key's rank in each (meaningful while the family is live).
    private struct LargeObject {
        var otp27: Bool
        var otp25: Bool
        var last27 = BeamMapOrder.Rank.zero
        var last25 = BeamMapOrder.Rank.zero
    }

    private enum Step { case scalar, opened, invalid }

    private struct Scanner<Observer: CanonicalScanObserver> {
        let bytes: UnsafeRawBufferPointer
        let limits: JSONLimits
        var observer: Observer
        var pos = 0
        var stack: [Level] = []
        let keySlots = KeySlots()
        /// The open objects of more than 32 members, innermost last.
        var large: [LargeObject] = []
        /// The families every closed object of more than 32 members follows, and whether there was one.
        var documentAllows27 = true
        var documentAllows25 = true
        var sawLargeObject = false
        var topLevelMemberCount = 0
        // Top-level object bookkeeping for the signature member.
        var memberStart = 0
        var previousValueEnd = -1
        var currentKeyIsSignature = false
        var signatureMemberStart = -1
        var signatureValue = 0..<0
        var signaturePreviousValueEnd = -1
        var signatureIsLast = false

        init(bytes: UnsafeRawBufferPointer, limits: JSONLimits, observer: Observer) {
            self.bytes = bytes
            self.limits = limits
            self.observer = observer
        }

        mutating func run() -> CanonicalLayout? {
            guard !bytes.isEmpty else { return nil }
            let topIsObject = bytes[0] == ASCII.openBrace
            repeat {
                let valueStart = pos
                switch scanValueStart() {
                case .invalid: return nil
                case .opened: continue
                case .scalar: guard finishValues(valueStart: valueStart) else { return nil }
                }
            } while !stack.isEmpty
            guard pos == bytes.count else { return nil }
            let beamOrder: BeamOrder? = sawLargeObject ? (documentAllows27 ? .otp27 : .otp25) : nil
            guard signatureMemberStart >= 0 else {
                return CanonicalLayout(topLevelIsObject: topIsObject, signature: nil, beamOrder: beamOrder)
            }
            // Without its signature a 33-member top level is a flat 32-member map, written in byte
            // order: not the file's (hash) order of the 32 other members. The exact path handles it.
            guard topLevelMemberCount != BeamMapOrder.smallMapLimit + 1 else { return nil }
            let slices: [Range<Int>]
            if signatureIsLast && signaturePreviousValueEnd < 0 {
                slices = []
            } else if signatureIsLast {
                slices = [0..<signaturePreviousValueEnd, signatureValue.upperBound..<bytes.count]
            } else {
                slices = [0..<signatureMemberStart, (signatureValue.upperBound + 2)..<bytes.count]
            }
            return CanonicalLayout(topLevelIsObject: true,
                                   signature: SignatureMember(value: signatureValue, signedSlices: slices), beamOrder: beamOrder)
        }

        /// Scans one scalar or empty container (`.scalar`), or opens a non-empty container and
        /// positions `pos` at its first element, after the key for objects (`.opened`).
        mutating func scanValueStart() -> Step {
            guard pos < bytes.count else { return .invalid }
            let b = bytes[pos]
            let start = pos
            let scanned: Bool
            switch b {
            case ASCII.openBrace, ASCII.openBracket:
                let isObject = b == ASCII.openBrace
                guard pos + 1 < bytes.count else { return .invalid }
                if Observer.isActive { observer.open(isObject: isObject, depth: stack.count) }
                if bytes[pos + 1] == (isObject ? ASCII.closeBrace : ASCII.closeBracket) {
                    pos += 2
                    if Observer.isActive { observer.close(depth: stack.count + 1) }
                    return .scalar
                }
                guard bytes[pos + 1] == ASCII.newline, stack.count < limits.maxDepth else { return .invalid }
                stack.append(Level(isObject: isObject, start: pos))
                if isObject { keySlots.reserve(levels: stack.count) }
                pos += 2
                return beginElement(isObject: isObject) ? .opened : .invalid
            case ASCII.quote: scanned = scanString() != nil
            case ASCII.minus, ASCII.zero...ASCII.nine: scanned = scanNumber()
            case UInt8(ascii: "t"): scanned = expect("true")
            case UInt8(ascii: "f"): scanned = expect("false")
            case UInt8(ascii: "n"): scanned = expect("null")
            default: return .invalid
            }
            guard scanned else { return .invalid }
            if Observer.isActive { observer.scalar(UnsafeRawBufferPointer(rebasing: bytes[start..<pos]), depth: stack.count) }
            return .scalar
        }

        /// The indentation (and for objects the key) in front of the next element.
        mutating func beginElement(isObject: Bool) -> Bool {
            if stack.count == 1 && isObject { memberStart = pos }
            guard expectIndent(stack.count) else { return false }
            return isObject ? scanKey() : true
        }

        /// After the value that began at `valueStart`: consumes separators and closers until the
        /// next element starts (returns with `pos` at it) or the top-level value ends.
        mutating func finishValues(valueStart: Int) -> Bool {
            var valueStart = valueStart
            while let level = stack.last {
                if stack.count == 1, level.isObject { noteTopLevelValue(start: valueStart, end: pos) }
                guard pos + 1 < bytes.count else { return false }
                if bytes[pos] == ASCII.comma {
                    guard bytes[pos + 1] == ASCII.newline else { return false }
                    pos += 2
                    return beginElement(isObject: level.isObject)
                }
                guard bytes[pos] == ASCII.newline else { return false }
                pos += 1
                guard expectIndent(stack.count - 1), pos < bytes.count,
                      bytes[pos] == (level.isObject ? ASCII.closeBrace : ASCII.closeBracket) else { return false }
                if stack.count == 1, level.isObject, currentKeyIsSignature { signatureIsLast = true }
                if level.isObject {
                    guard closeObject(level) else { return false }
                    if stack.count == 1 { topLevelMemberCount = Int(level.count) }
                }
                pos += 1
                if Observer.isActive { observer.close(depth: stack.count) }
                stack.removeLast()
                valueStart = level.start
            }
            return true
        }

        /// Called after each top-level member's value.
        mutating func noteTopLevelValue(start: Int, end: Int) {
            if currentKeyIsSignature {
                signatureMemberStart = memberStart
                signatureValue = start..<end
                signaturePreviousValueEnd = previousValueEnd
            }
            previousValueEnd = end
        }

        /// At the close of an object: at most 32 members in byte order, or more in the hash order of
        /// a family that every other large object of the document follows too.
        @inline(__always)
        mutating func closeObject(_ level: Level) -> Bool {
            if Int(level.count) <= BeamMapOrder.smallMapLimit { return level.byteOrdered }
            return closeLargeObject()
        }

        mutating func closeLargeObject() -> Bool {
            guard let object = large.popLast() else { return false }
            documentAllows27 = documentAllows27 && object.otp27
            documentAllows25 = documentAllows25 && object.otp25
            sawLargeObject = true
            return documentAllows27 || documentAllows25
        }

        /// A key, then `": "`. Up to the 32nd key of an object the scan notes whether each key is
        /// strictly greater (by its unescaped UTF-8 bytes) than the previous one, and where it starts;
        /// from the 33rd on it checks the keys' hash order instead (`orderLargeObjectKey`).
        mutating func scanKey() -> Bool {
            let keyStart = pos
            guard pos < bytes.count, bytes[pos] == ASCII.quote, let hadEscape = scanString() else { return false }
            let key = (keyStart + 1)..<(pos - 1)
            let top = stack.count - 1
            var level = stack[top]
            level.count += 1
            if Int(level.count) <= BeamMapOrder.smallMapLimit {
                if level.byteOrdered, let last = level.lastKey {
                    let ordered: Bool
                    if hadEscape || level.lastKeyHadEscape {
                        ordered = unescaped(last).lexicographicallyPrecedes(unescaped(key))
                    } else {
                        ordered = UnsafeRawBufferPointer(rebasing: bytes[last])
                            .lexicographicallyPrecedes(UnsafeRawBufferPointer(rebasing: bytes[key]))
                    }
                    // Not yet a rejection: the object may grow past 32 members.
                    if !ordered { level.byteOrdered = false }
                }
                keySlots.base[top * KeySlots.perLevel + Int(level.count) - 1] = keyStart
            } else {
                guard orderLargeObjectKey(key, escaped: hadEscape, level: level, at: top) else { return false }
            }
            level.lastKey = key
            level.lastKeyHadEscape = hadEscape
            stack[top] = level
            if Observer.isActive { observer.key(UnsafeRawBufferPointer(rebasing: bytes[key]), escaped: hadEscape, depth: stack.count) }
            if top == 0 {
                currentKeyIsSignature = !hadEscape && key.count == signatureKey.count
                    && UnsafeRawBufferPointer(rebasing: bytes[key]).elementsEqual(signatureKey)
            }
            guard pos + 1 < bytes.count, bytes[pos] == ASCII.colon, bytes[pos + 1] == ASCII.space else { return false }
            pos += 2
            return true
        }

        /// The 33rd and later keys of an object: checks the pairs of adjacent keys in the hash order of
        /// each family still possible (at the 33rd key, all 32 pairs so far); false when none is left.
        /// `level`: the object (at stack index `top`), its count including this key.
        mutating func orderLargeObjectKey(_ key: Range<Int>, escaped: Bool, level: Level, at top: Int) -> Bool {
            if Int(level.count) == BeamMapOrder.smallMapLimit + 1 {
                var object = LargeObject(otp27: documentAllows27, otp25: documentAllows25)
                var previous: (key: Range<Int>, escaped: Bool)?
                let slots = top * KeySlots.perLevel
                for slot in slots..<(slots + BeamMapOrder.smallMapLimit) {
                    let (body, hadEscape) = keyBody(startingAt: keySlots.base[slot])
                    follow(&object, previous: previous, key: body, escaped: hadEscape)
                    previous = (body, hadEscape)
                }
                follow(&object, previous: previous, key: key, escaped: escaped)
                large.append(object)
            } else if var object = large.popLast() {
                let previous = level.lastKey.map { ($0, level.lastKeyHadEscape) }
                follow(&object, previous: previous, key: key, escaped: escaped)
                large.append(object)
            } else {
                return false
            }
            guard let object = large.last else { return false }
            return object.otp27 || object.otp25
        }

        /// Adds `key` after `previous` (nil for the first key) to a large object's order check.
        func follow(_ object: inout LargeObject, previous: (key: Range<Int>, escaped: Bool)?, key: Range<Int>, escaped: Bool) {
            if object.otp27 {
                let rank = self.rank(key, escaped: escaped, order: .otp27)
                if let previous, !precedes(previous, object.last27, (key, escaped), rank, order: .otp27) { object.otp27 = false }
                object.last27 = rank
            }
            if object.otp25 {
                let rank = self.rank(key, escaped: escaped, order: .otp25)
                if let previous, !precedes(previous, object.last25, (key, escaped), rank, order: .otp25) { object.otp25 = false }
                object.last25 = rank
            }
        }

        /// The rank of a key (the range of its body) by its unescaped bytes.
        func rank(_ key: Range<Int>, escaped: Bool, order: BeamOrder) -> BeamMapOrder.Rank {
            CanonicalKey.rank(bytes, key, escaped: escaped, order: order)
        }

        /// Whether key `a` comes before key `b` in the `order` family, given their ranks.
        func precedes(_ a: (key: Range<Int>, escaped: Bool), _ rankA: BeamMapOrder.Rank,
                      _ b: (key: Range<Int>, escaped: Bool), _ rankB: BeamMapOrder.Rank, order: BeamOrder) -> Bool {
            CanonicalKey.precedes(bytes, (a.key, a.escaped), rankA, (b.key, b.escaped), rankB, order: order)
        }

        /// The body range of the (already checked) string whose opening quote is at `start`, and
        /// whether it holds an escape.
        func keyBody(startingAt start: Int) -> (Range<Int>, Bool) {
            let key = CanonicalKey.body(in: bytes, openingQuote: start)
            return (key.range, key.escaped)
        }

        /// The bytes of a string body already checked by `scanString`, with its canonical escapes undone.
        func unescaped(_ range: Range<Int>) -> [UInt8] { CanonicalKey.unescaped(bytes, range) }

        /// Exactly `2 * depth` spaces.
        @inline(__always)
        mutating func expectIndent(_ depth: Int) -> Bool {
            let n = 2 * depth
            guard pos + n <= bytes.count else { return false }
            for i in pos..<(pos + n) where bytes[i] != ASCII.space { return false }
            pos += n
            return pos < bytes.count && bytes[pos] != ASCII.space
        }

        mutating func expect(_ literal: StaticString) -> Bool {
            let n = literal.utf8CodeUnitCount
            guard pos + n <= bytes.count else { return false }
            let lit = UnsafeRawBufferPointer(start: literal.utf8Start, count: n)
            guard UnsafeRawBufferPointer(rebasing: bytes[pos..<(pos + n)]).elementsEqual(lit) else { return false }
            pos += n
            return true
        }

        /// A canonical string at `pos`; returns whether it held an escape, nil if not canonical.
        mutating func scanString() -> Bool? {
            pos += 1
            let start = pos
            var hadEscape = false
            let count = bytes.count
            while pos < count {
                // Eight plain ASCII bytes at a time (no quote, backslash, control or non-ASCII
                // byte), then straight to the first byte that needs attention.
                while pos + 8 <= count {
                    let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: pos, as: UInt64.self))
                    let mask = Self.attentionMask(word)
                    if mask != 0 {
                        // The lowest flagged byte is exact (borrows only create false flags above it).
                        pos += mask.trailingZeroBitCount >> 3
                        break
                    }
                    pos += 8
                }
                guard pos < count else { return nil }
                let b = bytes[pos]
                if b == ASCII.backslash {
                    hadEscape = true
                    // `\n`, `\"`, `\\` and `\t` inline; the rest through the full check.
                    if pos + 1 < count {
                        let e = bytes[pos + 1]
                        if e == UInt8(ascii: "n") || e == ASCII.quote || e == ASCII.backslash || e == UInt8(ascii: "t") {
                            pos += 2
                            continue
                        }
                    }
                    guard scanCanonicalEscape() else { return nil }
                } else if b == ASCII.quote {
                    guard pos - start <= limits.maxStringBytes else { return nil }
                    pos += 1
                    return hadEscape
                } else if b < 0x20 {
                    return nil
                } else if b < 0x80 {
                    pos += 1
                } else {
                    guard let n = UTF8Validation.multiByteSequenceLength(bytes, at: pos) else { return nil }
                    pos += n
                }
            }
            return nil
        }

        @inline(__always)
        static func attentionMask(_ x: UInt64) -> UInt64 { SWAR.escapeMask(x) | (x & SWAR.highs) }

        /// Exactly the escapes `CanonicalJSON` writes: `\" \\ \b \f \n \r \t`, and `\u00XX` (upper
        /// case) for the other bytes below 0x20.
        mutating func scanCanonicalEscape() -> Bool {
            guard pos + 1 < bytes.count else { return false }
            switch bytes[pos + 1] {
            case ASCII.quote, ASCII.backslash, UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                pos += 2
                return true
            case UInt8(ascii: "u"):
                guard pos + 6 <= bytes.count, bytes[pos + 2] == ASCII.zero, bytes[pos + 3] == ASCII.zero else { return false }
                let high = bytes[pos + 4], low = bytes[pos + 5]
                guard high == ASCII.zero || high == UInt8(ascii: "1") else { return false }
                let isUpperHex = ASCII.isDigit(low) || (low >= UInt8(ascii: "A") && low <= UInt8(ascii: "F"))
                guard isUpperHex, let l = ASCII.hexValue(low) else { return false }
                let value = (high == ASCII.zero ? 0 : 16) + l
                guard ![0x08, 0x09, 0x0A, 0x0C, 0x0D].contains(value) else { return false }
                pos += 6
                return true
            default:
                return false
            }
        }

        enum PlainFloatShape { case canonical, canonicalIfShortest, other }

        /// Classifies a float token without parsing it. Plain notation `-?I.F` (no exponent, no
        /// trailing zero, no leading zero in `I` other than `0.`) with magnitude in [0.001, 10^17)
        /// is the layout Erlang picks for its digits (for `0.000d` only with a single digit).
        /// With at most 15 significant digits (DBL_DIG) the digits are also the shortest round-trip
        /// ones of the double they parse to: `.canonical`. With 16 or 17 that must be checked:
        /// `.canonicalIfShortest`. Anything else (`.other`) goes to the exact check.
        @inline(__always)
        static func plainFloatShape(_ token: UnsafeRawBufferPointer) -> PlainFloatShape {
            let n = token.count
            var i = token[0] == ASCII.minus ? 1 : 0
            let intStart = i
            while i < n, ASCII.isDigit(token[i]) { i += 1 }
            let intLength = i - intStart
            guard intLength > 0, i < n, token[i] == ASCII.dot else { return .other }
            let fracStart = i + 1
            i = fracStart
            while i < n, ASCII.isDigit(token[i]) { i += 1 }
            guard i == n, n > fracStart, token[n - 1] != ASCII.zero else { return .other }
            let fracLength = n - fracStart
            let significant: Int
            if token[intStart] != ASCII.zero {
                significant = intLength + fracLength
            } else {
                guard intLength == 1 else { return .other }
                var zeros = 0
                while token[fracStart + zeros] == ASCII.zero { zeros += 1 }
                significant = fracLength - zeros
                guard zeros <= 2 || (zeros == 3 && significant == 1) else { return .other }
            }
            return significant <= 15 ? .canonical : significant <= 17 ? .canonicalIfShortest : .other
        }

        /// A number exactly as the canonical encoder writes it.
        mutating func scanNumber() -> Bool {
            let start = pos
            if bytes[pos] == ASCII.minus { pos += 1 }
            guard pos < bytes.count, ASCII.isDigit(bytes[pos]) else { return false }
            let leadingZero = bytes[pos] == ASCII.zero
            while pos < bytes.count, ASCII.isDigit(bytes[pos]) { pos += 1 }
            var isFloat = false
            if pos < bytes.count, bytes[pos] == ASCII.dot {
                isFloat = true
                pos += 1
                guard pos < bytes.count, ASCII.isDigit(bytes[pos]) else { return false }
                while pos < bytes.count, ASCII.isDigit(bytes[pos]) { pos += 1 }
            }
            if pos < bytes.count, bytes[pos] == ASCII.lowerE {
                isFloat = true
                pos += 1
                if pos < bytes.count, bytes[pos] == ASCII.minus { pos += 1 }
                guard pos < bytes.count, ASCII.isDigit(bytes[pos]) else { return false }
                while pos < bytes.count, ASCII.isDigit(bytes[pos]) { pos += 1 }
            }
            let token = UnsafeRawBufferPointer(rebasing: bytes[start..<pos])
            guard token.count <= limits.maxNumberLength else { return false }
            if !isFloat {
                // `0`, or no leading zero; never `-0`.
                return !leadingZero || token.count == 1
            }
            switch Self.plainFloatShape(token) {
            case .canonical: return true
            case .canonicalIfShortest:
                // Same layout; the digits must be the shortest round-trip ones. For this plain range
                // Swift's `description` is plain decimal with exactly those digits.
                if let value = Double(String(decoding: token, as: UTF8.self)),
                   value.description.utf8.elementsEqual(token) { return true }
            case .other: break
            }
            guard token.count <= 32, let value = Double(String(decoding: token, as: UTF8.self)),
                  let text = ErlangFloat.format(value) else { return false }
            return text.utf8.elementsEqual(token)
        }
    }
}

/// Receives the structure of a canonical document as `CanonicalLayout.scan` walks it. Depths count
/// open containers: the top-level value is opened at depth 0, its members' keys and scalar values
/// are at depth 1. Callbacks only observe; they cannot change what the scan accepts.
protocol CanonicalScanObserver {
    /// False only for `NoObserver`: the scan then skips building the callbacks' arguments.
    static var isActive: Bool { get }
    /// A container starts inside the container at `depth`.
    mutating func open(isObject: Bool, depth: Int)
    /// The container that was at `depth` (its own depth) closes.
    mutating func close(depth: Int)
    /// An object key (raw bytes between the quotes; `escaped` if they hold an escape).
    mutating func key(_ raw: UnsafeRawBufferPointer, escaped: Bool, depth: Int)
    /// A scalar token (strings with their quotes) inside the container at `depth`.
    mutating func scalar(_ token: UnsafeRawBufferPointer, depth: Int)
}

/// The observer of a plain scan: every callback is empty and specializes away.
struct NoObserver: CanonicalScanObserver {
    static var isActive: Bool { false }
    /// One byte of storage: ThreadSanitizer crashes (SEGV in `__tsan::ExternalAccess`) on an `inout`
    /// access to a value of an empty struct, which has no address of its own.
    private var storage: UInt8 = 0
    @inline(__always) mutating func open(isObject: Bool, depth: Int) {}
    @inline(__always) mutating func close(depth: Int) {}
    @inline(__always) mutating func key(_ raw: UnsafeRawBufferPointer, escaped: Bool, depth: Int) {}
    @inline(__always) mutating func scalar(_ token: UnsafeRawBufferPointer, depth: Int) {}
}

// The `fastpath` fuzz target's invariant: `SessionSignature.verify` (MAC-first path, then scanning)
// gives exactly the scanning path's result, on the input and on signature lines moved, duplicated,
// nested, re-indented and with their commas changed in a freshly signed file; and the MAC-first path
// resumed from a checkpoint of that file decides each of them as it does from the start.

internal import JidoCore

extension FuzzChecks {
    /// Bytes as a session file: `verify` equals `verifyScanning` (verdict, duplicates, canonical flag,
    /// large objects, order, detail). If the input decodes to an object, it is signed with the fixed
    /// key and every `SignatureLineMutations` variant (a hash of the input picks the moves) must also
    /// give both paths' same result, and the same MAC-first result when resumed from checkpoints of
    /// the signed file (`MACFirstVerification.Checkpoint`, at hash-chosen offsets).
    public static func fastPath(_ input: [UInt8]) throws(InvariantViolation) {
        let check = "fastpath"
        try sameVerdicts(input, check, "input", everyOrderOption: true)
        guard let document = try? StrictJSONDecoder().decode(input), case let .object(object) = document.value else { return }
        let seed = fnv1a(input)
        // Signed as JidoCode on each family writes it: the same file unless an object has more than
        // 32 members (then each family's hash order, and each must be decided as the scanning path does).
        let families: [BeamOrder] = SessionSignature.containsLargeObject(document.value) ? [.otp27, .otp25] : [.otp27]
        for family in families {
            guard let signed = try signedFile(object, check, order: family) else { return }
            try sameVerdicts(signed, check, "re-signed on \(family)", everyOrderOption: true)
            let variants = SignatureLineMutations.variants(of: signed, seed: seed) + SignatureLineMutations.memberSwaps(of: signed, seed: seed)
            for (name, variant) in variants {
                try sameVerdicts(variant, check, "\(family), \(name)")
            }
            // Resumed from checkpoints of the signed file: the input, the file and every variant.
            let offsets = [signed.count / 2] + (0..<2).map { i in Int((seed >> UInt64(8 * i)) % UInt64(max(signed.count, 1))) }
            for (name, bytes) in [("input", input), ("signed", signed)] + variants {
                try sameWhenResumed(bytes, from: signed, at: offsets, check, "\(family), \(name)")
            }
        }
    }

    /// Fails unless the MAC-first path resumed from a checkpoint of `previous` (made at the line of
    /// each offset, when `previous` verifies) decides `bytes` exactly as it does from the start.
    static func sameWhenResumed(_ bytes: [UInt8], from previous: [UInt8], at offsets: [Int], _ check: String,
                                _ what: @autoclosure () -> String) throws(InvariantViolation) {
        let key = try keys(check).key
        for orders in [SessionSignature.allOrders, []] {
            let full = bytes.withUnsafeBytes { MACFirstVerification.verify($0, key: key, limits: .default, orders: orders) }
            for offset in offsets {
                let made = previous.withUnsafeBytes {
                    MACFirstVerification.verify($0, key: key, limits: .default, orders: orders, resuming: nil, checkpointAt: offset)
                }
                guard let checkpoint = made?.checkpoint else { continue }
                let resumed = bytes.withUnsafeBytes { b in
                    previous.withUnsafeBytes { p in
                        MACFirstVerification.verify(b, key: key, limits: .default, orders: orders, resuming: (checkpoint, p), checkpointAt: nil)
                    }
                }
                try require(resumed?.verification == full, check,
                            "\(what()) (orders \(orders), resumed at \(checkpoint.offset)): \(String(describing: resumed?.verification)) vs \(String(describing: full))")
            }
        }
    }

    /// The order options `verify` is asked about: both families (the default), each alone, none.
    static let orderOptions: [[BeamOrder]] = [SessionSignature.allOrders, [.otp25, .otp27], [.otp27], [.otp25], []]

    /// Fails unless both paths agree on `bytes` (under every order option when asked).
    static func sameVerdicts(_ bytes: [UInt8], _ check: String, _ what: @autoclosure () -> String,
                             everyOrderOption: Bool = false) throws(InvariantViolation) {
        let key = try keys(check).key
        for orders in everyOrderOption ? orderOptions : [SessionSignature.allOrders] {
            let (fast, scanning) = bytes.withUnsafeBytes {
                (SessionSignature.verify(fileBytes: $0, key: key, orders: orders),
                 SessionSignature.verifyScanning(fileBytes: $0, key: key, orders: orders))
            }
            try require(fast == scanning, check, "\(what()) (orders \(orders)): MAC-first \(fast) vs scanning \(scanning)")
        }
    }
}

/// Variants of a signed file around its top-level signature line, the moves an attacker holding a
/// valid file can make without the key: moved to other line boundaries, duplicated, nested deeper or
/// shallower, re-indented, its comma removed or added, the previous member's comma removed, swapped
/// with a neighbour. Deterministic for a `seed`; at most about 60 variants.
package enum SignatureLineMutations {
    package static func variants(of file: [UInt8], seed: UInt64) -> [(String, [UInt8])] {
        let lines = file.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        let marker = Array("  \"signature\": \"".utf8)
        guard let p = lines.firstIndex(where: { $0.starts(with: marker) }) else { return [] }
        func join(_ lines: [[UInt8]]) -> [UInt8] { Array(lines.joined(separator: [UInt8(ascii: "\n")])) }
        let line = lines[p]
        let bare = line.last == UInt8(ascii: ",") ? Array(line.dropLast()) : line
        let withComma = bare + [UInt8(ascii: ",")]
        let indentStripped = Array(bare.drop(while: { $0 == UInt8(ascii: " ") }))
        var out: [(String, [UInt8])] = []
        var without = lines
        without.remove(at: p)
        // Positions: a hash-chosen sample of line boundaries (all of them for short files).
        var rng = seed | 1
        func next() -> Int { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return Int(truncatingIfNeeded: rng >> 1) }
        let positions = without.count <= 12 ? Array(0...without.count) : (0..<12).map { _ in next() % (without.count + 1) }
        for q in positions {
            for (label, moved) in [("moved", line), ("moved, comma", withComma), ("moved, no comma", bare)] {
                var copy = without
                copy.insert(moved, at: q)
                out.append(("\(label) to line \(q)", join(copy)))
            }
            var duplicated = lines
            duplicated.insert(withComma, at: min(q, duplicated.count))
            out.append(("duplicated at line \(q)", join(duplicated)))
            for indent in [0, 1, 3, 4, 6] {
                var nested = without
                nested.insert(Array(repeating: UInt8(ascii: " "), count: indent) + indentStripped + [UInt8(ascii: ",")], at: q)
                out.append(("indented \(indent) at line \(q)", join(nested)))
            }
        }
        // Comma games in place.
        var copy = lines
        copy[p] = line.last == UInt8(ascii: ",") ? bare : withComma
        out.append(("comma toggled", join(copy)))
        if p > 0, lines[p - 1].last == UInt8(ascii: ",") {
            copy = lines
            copy[p - 1].removeLast()
            out.append(("previous comma removed", join(copy)))
            copy[p] = withComma
            out.append(("comma moved onto the signature", join(copy)))
        }
        if p + 1 < lines.count - 1 {
            copy = lines
            copy.swapAt(p, p + 1)
            out.append(("swapped with the next line", join(copy)))
        }
        if p > 1 {
            copy = lines
            copy.swapAt(p, p - 1)
            out.append(("swapped with the previous line", join(copy)))
        }
        copy = lines
        copy[p] = [UInt8(ascii: " ")] + line
        out.append(("indented one more", join(copy)))
        copy = lines
        copy[p] = line + [UInt8(ascii: " ")]
        out.append(("trailing space", join(copy)))
        copy = lines
        copy[p] = Array("\t".utf8) + indentStripped + (line.last == UInt8(ascii: ",") ? [UInt8(ascii: ",")] : [])
        out.append(("tab indentation", join(copy)))
        return out
    }

    /// Variants that swap two adjacent lines of the same indentation (members of one object, in a
    /// large object a change of key order the MAC does not see once re-encoded), the last of an
    /// object's members with the one before it fixing up the commas; a hash-chosen sample of at most
    /// 8 swaps.
    package static func memberSwaps(of file: [UInt8], seed: UInt64) -> [(String, [UInt8])] {
        let lines = file.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        func indent(_ line: [UInt8]) -> Int { line.prefix(while: { $0 == UInt8(ascii: " ") }).count }
        /// A member whose value ends on its line.
        func isMember(_ line: [UInt8]) -> Bool {
            let n = indent(line)
            return n >= 2 && n < line.count && line[n] == UInt8(ascii: "\"") && line.last != UInt8(ascii: "{") && line.last != UInt8(ascii: "[")
        }
        let candidates = lines.indices.dropLast().filter { i in
            isMember(lines[i]) && isMember(lines[i + 1]) && indent(lines[i]) == indent(lines[i + 1]) && lines[i].last == UInt8(ascii: ",")
        }
        guard !candidates.isEmpty else { return [] }
        var rng = seed | 1
        func next() -> Int { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return Int(truncatingIfNeeded: rng >> 1) }
        var out: [(String, [UInt8])] = []
        for _ in 0..<min(8, candidates.count) {
            let i = candidates[next() % candidates.count]
            var copy = lines
            var a = copy[i], b = copy[i + 1]
            if b.last != UInt8(ascii: ",") {
                // `b` was the last member: it takes the comma, `a` gives it up.
                a.removeLast()
                b.append(UInt8(ascii: ","))
            }
            copy[i] = b
            copy[i + 1] = a
            out.append(("lines \(i) and \(i + 1) swapped", Array(copy.joined(separator: [UInt8(ascii: "\n")]))))
        }
        return out
    }
}

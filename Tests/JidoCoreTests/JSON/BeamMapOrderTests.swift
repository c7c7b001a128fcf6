import Foundation
import JidoTestSupport
import Testing
@testable import JidoCore

/// The member order of objects of more than 32 members (the BEAM's hash order, per OTP family):
/// the hash functions against values read from the real VMs, the encoder and the canonical scanner
/// against every line of `large-maps.jsonl` and the `bigmap-otp25`/`bigmap-otp27` stores.
@Suite struct BeamMapOrderTests {
    // MARK: - Fixtures

    /// One line of `large-maps.jsonl`: the input and what Jason writes for it on OTP 25.2.3 and 27.3.4.1.
    struct LargeMapCase: Sendable, CustomTestStringConvertible {
        let line: Int
        let input: [UInt8]
        let otp25: [UInt8]
        let otp27: [UInt8]
        var testDescription: String { "large-maps.jsonl:\(line)" }

        func canonical(_ order: BeamOrder) -> [UInt8] { order == .otp25 ? otp25 : otp27 }
    }

    struct Unreadable: Error, CustomStringConvertible {
        let description: String
    }

    static func largeMapCases() throws -> [LargeMapCase] {
        let url = try TestVectors.directory().appendingPathComponent("large-maps.jsonl")
        let text = try String(contentsOf: url, encoding: .utf8)
        var cases: [LargeMapCase] = []
        for (index, line) in text.split(separator: "\n").enumerated() {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            func field(_ name: String) throws -> [UInt8] {
                guard let b64 = object[name] as? String, let data = Data(base64Encoded: b64) else {
                    throw Unreadable(description: "large-maps.jsonl:\(index + 1) has no \(name)")
                }
                return [UInt8](data)
            }
            cases.append(LargeMapCase(line: index + 1, input: try field("input_b64"), otp25: try field("canonical_otp25_b64"),
                                      otp27: try field("canonical_otp27_b64")))
        }
        return cases
    }

    static let cases: [LargeMapCase] = (try? largeMapCases()) ?? []

    static func scan(_ bytes: [UInt8]) -> CanonicalLayout? {
        bytes.withUnsafeBytes { CanonicalLayout.scan($0, limits: .default) }
    }

    /// Whether some object in `value` has more than 32 members (iterative).
    static func hasLargeObject(_ value: JSONValue) -> Bool {
        var pending = [value]
        while let next = pending.popLast() {
            switch next {
            case let .array(elements): pending += elements
            case let .object(object):
                if object.count > BeamMapOrder.smallMapLimit { return true }
                pending += object.members.map(\.value)
            default: continue
            }
        }
        return false
    }

    /// Records, for every object of more than 32 members, the offsets where its member lines start.
    struct MemberLines: CanonicalScanObserver {
        static var isActive: Bool { true }
        let base: UnsafeRawPointer?
        var open: [[Int]] = []
        var large: [[Int]] = []

        mutating func open(isObject: Bool, depth: Int) { open.append([]) }
        mutating func close(depth: Int) {
            if let lines = open.popLast(), lines.count > BeamMapOrder.smallMapLimit { large.append(lines) }
        }
        mutating func key(_ raw: UnsafeRawBufferPointer, escaped: Bool, depth: Int) {
            guard let base, let key = raw.baseAddress, !open.isEmpty else { return }
            // The key's quote, preceded by the member's indentation.
            open[open.count - 1].append(base.distance(to: key) - 1 - 2 * depth)
        }
        mutating func scalar(_ token: UnsafeRawBufferPointer, depth: Int) {}
    }

    static func largeObjectMemberLines(_ bytes: [UInt8]) -> [[Int]] {
        bytes.withUnsafeBytes { buffer in
            var observer = MemberLines(base: buffer.baseAddress)
            _ = CanonicalLayout.scan(buffer, limits: .default, observer: &observer)
            return observer.large
        }
    }

    /// `bytes` with members `i` and `i + 1` of an object swapped (`lines`: its member line starts;
    /// `i + 2 < lines.count`).
    static func swapping(_ bytes: [UInt8], lines: [Int], at i: Int) -> [UInt8] {
        let first = bytes[lines[i]..<(lines[i + 1] - 2)], second = bytes[lines[i + 1]..<(lines[i + 2] - 2)]
        return Array(bytes[..<lines[i]]) + second + Array(",\n".utf8) + first + Array(",\n".utf8) + bytes[lines[i + 2]...]
    }

    static func keys(_ count: Int, prefix: String = "k") -> [String] {
        (0..<count).map { prefix + ($0 < 10 ? "0" : "") + String($0) }
    }

    /// Each member's value is its key (as a string), so any key order builds the same object.
    static func object(_ keys: [String]) -> JSONObject {
        JSONObject(keys.map { ($0, JSONValue.string($0)) })
    }

    /// The text of `object(keys)` written by hand with its members in the given order (plain keys only).
    static func text(_ keys: [String]) -> [UInt8] {
        Array(("{\n" + keys.map { "  \"\($0)\": \"\($0)\"" }.joined(separator: ",\n") + "\n}").utf8)
    }

    static func memberKeys(_ bytes: [UInt8]) throws -> [String] {
        try #require(try StrictJSONDecoder().decode(bytes).value.objectValue).keys
    }

    // MARK: - (a) Hash values read from the VMs (BEAM-MAP-ORDER.md)

    struct HashCase: Sendable, CustomTestStringConvertible {
        let key: [UInt8]
        let otp25: UInt32
        let otp27: UInt64
        var testDescription: String { String(decoding: key, as: UTF8.self).debugDescription }
    }

    static let hashTable: [HashCase] = [
        HashCase(key: [], otp25: 0xD56F_5BB6, otp27: 0xB7BA_B74D_C241_4312),
        HashCase(key: Array("a".utf8), otp25: 0x5AF8_A759, otp27: 0x0CC3_4952_02B8_8F4F),
        HashCase(key: Array("k01".utf8), otp25: 0x2391_90A8, otp27: 0xE741_C84A_6A13_DB0A),
        HashCase(key: Array("PATH".utf8), otp25: 0x9C05_6937, otp27: 0x845E_B9C7_C634_D701),
        HashCase(key: Array("0123456789abcdef".utf8), otp25: 0x0CD8_98FE, otp27: 0x004D_465D_79B9_A028),
        HashCase(key: Array("0123456789abcdefg".utf8), otp25: 0x7575_7285, otp27: 0xBBC9_49C0_1383_44ED),
        HashCase(key: Array("nul".utf8), otp25: 0xF04B_8934, otp27: 0xA56F_D343_1110_3488),
        HashCase(key: Array("nul".utf8) + [0], otp25: 0xE78F_E847, otp27: 0xEE49_AB43_8AE5_0C10),
        HashCase(key: Array("nul".utf8) + [0, 0], otp25: 0xF2FA_41E6, otp27: 0xD844_CD01_FB95_849B),
        HashCase(key: Array("日本🎉é".utf8), otp25: 0x6475_556C, otp27: 0x7187_79F4_DF49_EA49),
    ]

    @Test(arguments: hashTable)
    func hashesMatchTheVMs(_ entry: HashCase) {
        entry.key.withUnsafeBytes { key in
            #expect(BeamMapOrder.otp25Hash(key, level: 0) == entry.otp25)
            #expect(BeamMapOrder.otp27Hash(key) == entry.otp27)
        }
    }

    @Test func swizzleReversesNibbles() {
        #expect(BeamMapOrder.swizzle(UInt64(0x0123_4567_89AB_CDEF)) == 0xFEDC_BA98_7654_3210)
        #expect(BeamMapOrder.swizzle(UInt32(0x1234_5678)) == 0x8765_4321)
    }

    /// Six pairs of keys with the same OTP 25 `h_0` (found by search), in a 33-member map: the order
    /// on OTP 25.2.3 (`jidocode canonical --otp 25`) is decided by `h_1`; also the OTP 27.3.4.1 order.
    @Test func otp25LevelOneHashOrdersKeysThatShareTheFirstHash() throws {
        let pairs = [("c28330", "c176885"), ("c186467", "c187125"), ("c190175", "c12485"),
                     ("c234949", "c221091"), ("c285143", "c202346"), ("c192652", "c286356")]
        for (first, second) in pairs {
            let (a, b) = (Array(first.utf8), Array(second.utf8))
            a.withUnsafeBytes { x in
                b.withUnsafeBytes { y in
                    #expect(BeamMapOrder.otp25Hash(x, level: 0) == BeamMapOrder.otp25Hash(y, level: 0))
                    #expect(BeamMapOrder.otp25Hash(x, level: 1) != BeamMapOrder.otp25Hash(y, level: 1))
                    #expect(BeamMapOrder.precedes(x, y, in: .otp25), "\(first) before \(second)")
                    #expect(!BeamMapOrder.precedes(y, x, in: .otp25))
                }
            }
        }
        let oracle25 = ["f13", "f19", "f11", "c186467", "c187125", "f10", "f15", "f01", "f03", "f16", "f20", "f00", "f08",
                        "f06", "f14", "f18", "c192652", "c286356", "f12", "c190175", "c12485", "c28330", "c176885", "f04",
                        "f05", "f17", "f02", "c234949", "c221091", "f09", "c285143", "c202346", "f07"]
        let oracle27 = ["f02", "f09", "f20", "f14", "c176885", "f17", "f03", "c190175", "f15", "c192652", "c285143", "f13",
                        "c28330", "f07", "f00", "c202346", "c187125", "f06", "f12", "c12485", "f19", "f16", "f01", "c221091",
                        "f18", "c186467", "c286356", "f11", "f10", "c234949", "f08", "f05", "f04"]
        let value = JSONValue.object(Self.object(oracle25.sorted()))
        #expect(try Self.memberKeys(try CanonicalJSON.encode(value, order: .otp25)) == oracle25)
        #expect(try Self.memberKeys(try CanonicalJSON.encode(value, order: .otp27)) == oracle27)
    }

    @Test func precedesIsAStrictTotalOrderOnBytes() {
        // NFC and NFD spellings of "é" are distinct keys; so are keys differing in trailing NULs.
        let keys: [[UInt8]] = [[], [0], [0, 0], Array("é".utf8), Array("e\u{301}".utf8), Array("nul".utf8),
                               Array("nul".utf8) + [0]] + (0..<60).map { Array("key-\($0 * 7919)".utf8) }
        for order in BeamOrder.allCases {
            for a in keys {
                for b in keys {
                    a.withUnsafeBytes { x in
                        b.withUnsafeBytes { y in
                            let forward = BeamMapOrder.precedes(x, y, in: order), backward = BeamMapOrder.precedes(y, x, in: order)
                            if a == b { #expect(!forward && !backward) } else { #expect(forward != backward) }
                        }
                    }
                }
            }
            // Collision fallbacks: equal ranks resolve by further hashes (OTP 25) or bytes, and are strict.
            Array("x".utf8).withUnsafeBytes { x in
                Array("y".utf8).withUnsafeBytes { y in
                    #expect(BeamMapOrder.collisionPrecedes(x, y, in: order) != BeamMapOrder.collisionPrecedes(y, x, in: order))
                    #expect(!BeamMapOrder.collisionPrecedes(x, x, in: order))
                }
            }
        }
        // OTP 27 collision nodes: ascending bytes in the forward walk, so descending in to_list.
        Array("x".utf8).withUnsafeBytes { x in
            Array("y".utf8).withUnsafeBytes { y in #expect(BeamMapOrder.collisionPrecedes(y, x, in: .otp27)) }
        }
    }

    @Test func sortEqualsPairwisePrecedes() {
        var members = Self.keys(50, prefix: "key").map { JSONMember(key: $0, value: .null) }
        members.append(JSONMember(key: "é", value: .null))
        members.append(JSONMember(key: "e\u{301}", value: .null))
        for order in BeamOrder.allCases {
            var sorted = members.reversed() as [JSONMember]
            BeamMapOrder.sort(&sorted, order: order)
            #expect(sorted.count == members.count)
            for (x, y) in zip(sorted, sorted.dropFirst()) {
                let (a, b) = (Array(x.key.utf8), Array(y.key.utf8))
                a.withUnsafeBytes { p in b.withUnsafeBytes { q in #expect(BeamMapOrder.precedes(p, q, in: order)) } }
            }
        }
    }

    // MARK: - (b) The encoder against every vector

    @Test func vectorTableIsComplete() throws {
        let cases = try Self.largeMapCases()
        #expect(cases.count == 100)
    }

    @Test(arguments: cases)
    func encodesLikeJasonOnBothFamilies(_ vector: LargeMapCase) throws {
        let value = try StrictJSONDecoder().decode(vector.input).value
        for order in BeamOrder.allCases {
            let encoded = try CanonicalJSON.encode(value, order: order)
            #expect(encoded == vector.canonical(order), "\(order) differs")
            var streamed: [UInt8] = []
            try CanonicalJSON.stream(value, order: order, chunkSize: 777) { chunk in
                streamed += chunk
                return true
            }
            #expect(streamed == encoded)
            // The canonical text decodes to the same value and is a fixed point.
            let again = try StrictJSONDecoder().decode(encoded).value
            #expect(again == value)
            #expect(try CanonicalJSON.encode(again, order: order) == encoded)
        }
        #expect(try CanonicalJSON.encode(value) == vector.otp27, "the default is JidoCode's OTP 27/28 order")
    }

    // MARK: - (c) The scanner against every vector

    @Test(arguments: cases)
    func scanAcceptsBothFamiliesAndNamesThem(_ vector: LargeMapCase) throws {
        let value = try StrictJSONDecoder().decode(vector.input).value
        let large = Self.hasLargeObject(value)
        if !large { #expect(vector.otp25 == vector.otp27) }
        for order in BeamOrder.allCases {
            let bytes = vector.canonical(order)
            let layout = try #require(Self.scan(bytes), "\(order) text not accepted")
            #expect(layout.beamOrder == (large ? order : nil))
            #expect(layout.topLevelIsObject == (value.objectValue != nil))
            // The text of the other family is never this family's.
            if large {
                #expect(vector.otp25 != vector.otp27)
                let other: BeamOrder = order == .otp25 ? .otp27 : .otp25
                #expect(try CanonicalJSON.encode(value, order: other) != bytes)
            }
        }
    }

    @Test(arguments: cases)
    func scanRejectsSwappedMembersOfALargeObject(_ vector: LargeMapCase) throws {
        for order in BeamOrder.allCases {
            let bytes = vector.canonical(order)
            let objects = Self.largeObjectMemberLines(bytes)
            #expect(objects.isEmpty == (Self.scan(bytes)?.beamOrder == nil))
            for lines in objects {
                #expect(lines.count > BeamMapOrder.smallMapLimit)
                for i in Set([0, lines.count / 2, lines.count - 3]) {
                    let swapped = Self.swapping(bytes, lines: lines, at: i)
                    #expect(swapped != bytes && swapped.count == bytes.count)
                    #expect(Self.scan(swapped) == nil, "\(order): members \(i) and \(i + 1) swapped, still accepted")
                    // Same value, other bytes: it really is the order that makes them non-canonical.
                    #expect(try StrictJSONDecoder().decode(swapped).value == StrictJSONDecoder().decode(bytes).value)
                }
            }
        }
    }

    @Test func scanRejectsADocumentMixingFamilies() throws {
        let inner = JSONValue.object(Self.object(Self.keys(40)))
        let value = JSONValue.object(JSONObject([("a", inner), ("b", inner)]))
        let otp25 = try CanonicalJSON.encode(value, order: .otp25), otp27 = try CanonicalJSON.encode(value, order: .otp27)
        #expect(Self.scan(otp25)?.beamOrder == .otp25)
        #expect(Self.scan(otp27)?.beamOrder == .otp27)
        // A permutation of lines keeps the length: member "b" starts at the same offset in both.
        let marker = Array("\n  \"b\": {".utf8)
        let split = try #require((0...(otp27.count - marker.count)).first { otp27[$0..<($0 + marker.count)].elementsEqual(marker) })
        for mixed in [Array(otp25[..<split]) + otp27[split...], Array(otp27[..<split]) + otp25[split...]] {
            #expect(try StrictJSONDecoder().decode(mixed).value == value)
            #expect(Self.scan(mixed) == nil)
        }
        // Mixing inside arrays, at other depths, is caught the same way.
        let nested = JSONValue.array([value])
        let n25 = try CanonicalJSON.encode(nested, order: .otp25), n27 = try CanonicalJSON.encode(nested, order: .otp27)
        let nestedMarker = Array("\n    \"b\": {".utf8)
        let cut = try #require((0...(n27.count - nestedMarker.count)).first { n27[$0..<($0 + nestedMarker.count)].elementsEqual(nestedMarker) })
        #expect(Self.scan(Array(n25[..<cut]) + n27[cut...]) == nil)
        #expect(Self.scan(n25)?.beamOrder == .otp25)
    }

    // MARK: - (d) The signature member of a large top level

    @Test(arguments: BeamOrder.allCases)
    func thirtyThreeMembersWithSignatureGetNoSignedSlices(_ order: BeamOrder) throws {
        var object = Self.object(Self.keys(32))
        object["signature"] = .string("c2ln")
        let bytes = try CanonicalJSON.encode(.object(object), order: order)
        // Written in hash order (33 members), signed in byte order (32 members).
        let signed = try CanonicalJSON.encode(.object(object), omittingTopLevelKey: "signature", order: order)
        #expect(signed == Self.text(Self.keys(32)))
        #expect(try Self.memberKeys(bytes) != Self.keys(32) + ["signature"])
        #expect(Self.scan(bytes)?.signature == nil)
        #expect(Self.scan(bytes) == nil, "the exact slow path must take it")
        // The file is still what JidoCode writes: the decoder and encoder agree with it.
        #expect(try CanonicalJSON.encode(StrictJSONDecoder().decode(bytes).value, order: order) == bytes)
    }

    @Test(arguments: BeamOrder.allCases)
    func largerTopLevelsWithSignatureGetTheSignedSlices(_ order: BeamOrder) throws {
        for count in [33, 34, 60] {
            var object = Self.object(Self.keys(count))
            object["signature"] = .string("c2ln")
            let bytes = try CanonicalJSON.encode(.object(object), order: order)
            let layout = try #require(Self.scan(bytes))
            #expect(layout.beamOrder == order)
            let member = try #require(layout.signature)
            let signed = member.signedSlices.flatMap { bytes[$0] }
            #expect(signed == (try CanonicalJSON.encode(.object(object), omittingTopLevelKey: "signature", order: order)))
        }
        // 33 members without a signature: an ordinary large object.
        let plain = try CanonicalJSON.encode(.object(Self.object(Self.keys(33))), order: order)
        let layout = try #require(Self.scan(plain))
        #expect(layout.signature == nil && layout.beamOrder == order)
    }

    // MARK: - (e) The 32/33 boundary

    @Test func thirtyTwoMembersAreInByteOrderOnBothFamilies() throws {
        let keys = Self.keys(32)
        let sorted = Self.text(keys)
        for order in BeamOrder.allCases {
            #expect(try CanonicalJSON.encode(.object(Self.object(keys.reversed())), order: order) == sorted)
        }
        let layout = try #require(Self.scan(sorted))
        #expect(layout.beamOrder == nil)
        #expect(Self.scan(Self.text(Array(keys.reversed()))) == nil)
        // Any 32-member order other than bytes is rejected, including a family's hash order.
        for order in BeamOrder.allCases {
            var members = keys.map { JSONMember(key: $0, value: .null) } + [JSONMember(key: "zz", value: .null)]
            BeamMapOrder.sort(&members, order: order)
            let hashOrdered = members.map(\.key).filter { $0 != "zz" }
            #expect(hashOrdered != keys)
            #expect(Self.scan(Self.text(hashOrdered)) == nil)
        }
    }

    @Test func thirtyThreeMembersAreInHashOrder() throws {
        let keys = Self.keys(33)
        let byteOrder = Self.text(keys)
        #expect(Self.scan(byteOrder) == nil, "33 members in byte order are in neither family's order")
        var encodings: [BeamOrder: [UInt8]] = [:]
        for order in BeamOrder.allCases {
            let encoded = try CanonicalJSON.encode(.object(Self.object(keys)), order: order)
            #expect(encoded != byteOrder)
            #expect(Self.scan(encoded)?.beamOrder == order)
            // Encoding does not depend on the order members were inserted in.
            #expect(try CanonicalJSON.encode(.object(Self.object(keys.reversed())), order: order) == encoded)
            encodings[order] = encoded
        }
        #expect(encodings[.otp25] != encodings[.otp27])
        // Removing one member (33 -> 32) brings back byte order.
        var object = Self.object(keys)
        object["k32"] = nil
        #expect(try CanonicalJSON.encode(.object(object), order: .otp27) == Self.text(Self.keys(32)))
        // Nested: each object is classified by its own count.
        let nested = JSONValue.array([.object(Self.object(keys)), .object(Self.object(Self.keys(32)))])
        for order in BeamOrder.allCases {
            let bytes = try CanonicalJSON.encode(nested, order: order)
            #expect(Self.scan(bytes)?.beamOrder == order)
        }
    }

    @Test func escapedKeysAreOrderedByTheirUnescapedBytes() throws {
        // Keys with escapes (a quote, a newline, a control byte) in a large object, and NFC/NFD twins.
        let keys = Self.keys(40) + ["q\"uote", "new\nline", "ctl\u{1}", "é", "e\u{301}", "tab\t", "back\\slash"]
        for order in BeamOrder.allCases {
            let bytes = try CanonicalJSON.encode(.object(Self.object(keys)), order: order)
            #expect(Self.scan(bytes)?.beamOrder == order)
            #expect(try CanonicalJSON.encode(StrictJSONDecoder().decode(bytes).value, order: order) == bytes)
            for lines in Self.largeObjectMemberLines(bytes) {
                for i in 0..<(lines.count - 2) {
                    #expect(Self.scan(Self.swapping(bytes, lines: lines, at: i)) == nil)
                }
            }
        }
    }

    // MARK: - The stores written by JidoCode on each family

    @Test(arguments: BeamOrder.allCases)
    func storesWrittenOnEachFamilyScanAndEncodeAsWritten(_ order: BeamOrder) throws {
        let store = try TestVectors.directory().appendingPathComponent(order == .otp25 ? "bigmap-otp25" : "bigmap-otp27")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: store.appendingPathComponent("manifest.json")))
        let files = try #require((manifest as? [String: Any])?["files"] as? [String: [String: Any]])
        var large = 0
        for (name, facts) in files where facts["jidocode_bytes"] as? Bool == true {
            let bytes = try TestVectors.readBytes(store.appendingPathComponent("home/.jido_code/sessions/\(name)"))
            let value = try StrictJSONDecoder().decode(bytes).value
            #expect(try CanonicalJSON.encode(value, order: order) == bytes, "\(name)")
            let layout = try #require(Self.scan(bytes), "\(name) not accepted")
            let hasLarge = Self.hasLargeObject(value)
            if hasLarge { large += 1 }
            #expect(layout.beamOrder == (hasLarge ? order : nil), "\(name)")
            if let member = layout.signature {
                let signed = member.signedSlices.isEmpty ? Array("{}".utf8) : member.signedSlices.flatMap { bytes[$0] }
                #expect(signed == (try CanonicalJSON.encode(value, omittingTopLevelKey: "signature", order: order)), "\(name)")
            }
        }
        #expect(large > 0)
    }

    // MARK: - The element cache keeps encodings per family

    @Test func elementCacheIsNotReusedAcrossFamilies() throws {
        let message = JSONValue.object(Self.object(Self.keys(40)))
        let object = JSONObject([("conversation", .array([message, .string("x")])), ("id", .string("s"))])
        var cache: CanonicalElementCache? = CanonicalElementCache(memberKey: "conversation")
        var out: [UInt8] = []
        for order in [BeamOrder.otp25, .otp25, .otp27, .otp27, .otp25] {
            _ = try CanonicalJSON.encodeRecordingMembers(object, order: order, cache: &cache, into: &out)
            #expect(out == (try CanonicalJSON.encode(.object(object), order: order)), "\(order)")
            #expect(cache?.order == order)
        }
    }
}

import JidoTestSupport
import Testing
@testable import JidoCore

@Suite struct JSONValueTests {
    @Test func equalityIsByteExact() {
        #expect(JSONValue.string("caf\u{E9}") != .string("cafe\u{301}"), "canonically equivalent is not equal")
        #expect(JSONValue.float(0.0) != .float(-0.0))
        #expect(JSONValue.float(.nan) == .float(.nan), "a value equals itself")
        #expect(JSONValue.integer(JSONInteger(1)) != .float(1.0))
        #expect(JSONValue.array([.null]) != .array([.null, .null]))
        let a = JSONObject([("x", .integer(JSONInteger(1))), ("y", .string("s"))])
        let b = JSONObject([("y", .string("s")), ("x", .integer(JSONInteger(1)))])
        let c = JSONObject([("y", .string("s")), ("z", .integer(JSONInteger(1)))])
        #expect(a == b, "member order does not matter")
        #expect(a != c)
        #expect(JSONValue.object(a) != .object(JSONObject([("x", .integer(JSONInteger(1)))])))
    }

    /// Compared on a 64 KiB stack: a recursive comparison of 5,000 levels would overflow it.
    @Test func equalityOfDeepValuesDoesNotRecurse() {
        var deep: JSONValue = .null
        var other: JSONValue = .null
        for i in 0..<5_000 {
            deep = .array([deep])
            other = i % 2 == 0 ? .array([other]) : .object(JSONObject([("k", other)]))
        }
        let (first, second) = (deep, other)
        #expect(onSmallStack { first == first } == true)
        #expect(onSmallStack { first == second } == false)
    }

    /// Objects are equal when they hold the same keys (byte for byte) with equal values, whatever
    /// the member order; one differing value, one missing key or one key spelled in another Unicode
    /// form makes them unequal. (Its cost, linear in the keys, is measured by the benchmark.)
    @Test func objectsWithManyKeysCompareByKeyInAnyOrder() {
        let keys = (0..<50_000).map { "k\($0)" }
        let forward = JSONObject(keys.map { ($0, JSONValue.null) })
        let backward = JSONObject(keys.reversed().map { ($0, JSONValue.null) })
        #expect(forward == backward)
        var changed = backward
        changed["k25000"] = .bool(true)
        #expect(forward != changed)
        var missing = backward
        missing["k0"] = nil
        missing["k0 "] = .null
        #expect(forward != missing)
        let nfc = JSONObject([("caf\u{E9}", JSONValue.null)]), nfd = JSONObject([("cafe\u{301}", JSONValue.null)])
        #expect(nfc != nfd)
    }
}

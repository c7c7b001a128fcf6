import Foundation
import JidoTestSupport
import Testing
@testable import JidoCore

/// Every line of the JidoCode canonicalization table: canonical bytes equal, every error rejected.
@Suite struct CanonicalVectorTests {
    static let cases: [TestVectors.CanonicalCase] = (try? TestVectors.canonicalCases()) ?? []

    @Test func tableIsPresentAndComplete() throws {
        let cases = try TestVectors.canonicalCases()
        #expect(cases.count == 491)
        #expect(cases.allSatisfy { ($0.canonical == nil) != ($0.error == nil) })
    }

    @Test(arguments: cases)
    func matchesJidoCode(_ vector: TestVectors.CanonicalCase) throws {
        let decoder = StrictJSONDecoder()
        if let expected = vector.canonical {
            let document = try decoder.decode(vector.input)
            let encoded = try CanonicalJSON.encode(document.value)
            #expect(encoded == expected, "got \(String(decoding: encoded, as: UTF8.self))")
            // The canonical form is a fixed point.
            let again = try CanonicalJSON.encode(try decoder.decode(encoded).value)
            #expect(again == encoded)
        } else {
            #expect(throws: JSONDecodingError.self, "JidoCode rejects: \(vector.error ?? "")") {
                try decoder.decode(vector.input)
            }
        }
    }
}

extension TestVectors.CanonicalCase: CustomTestStringConvertible {
    public var testDescription: String { "canonical.jsonl:\(line)" }
}

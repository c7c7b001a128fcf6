import Foundation
import JidoToolSupport
import Testing

/// Number edges: the bytes JidoCode signs for small documents (through the oracle's verify --dump-canonical, one BEAM
/// run per OTP family) against `jido-audit canonical FILE`, byte for byte; a document one side cannot decode must be
/// undecodable on the other too, except for JidoGuard's deliberate 1,024-character limit on number tokens.
extension InteropChecks {
    /// Every spelling of zero, out-of-range and underflowing exponents, the subnormals, 2^53 ± 1, Erlang's layout
    /// thresholds (1e16, 1e21, 1e-7 ...), long integers and mantissas, and spellings JSON forbids.
    static let numberEdges: [String] = [
        "0", "-0", "0.0", "-0.0", "0e0", "0E0", "-0e0", "-0E5", "-0.0e5", "-0E-3", "0e-0", "0.0e+0", "-0.000",
        "1E400", "-1E400", "1e309", "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
        "1e-400", "-1e-400", "5e-324", "4.9e-324", "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
        "1e-323", "2.2250738585072014e-308", "2.225073858507201e-308", "2.2250738585072011e-308",
        "9007199254740991", "9007199254740992", "9007199254740993", "-9007199254740993", "9007199254740991.0", "9007199254740993.0",
        "9007199254740995.0", "18446744073709551615", "18446744073709551616", "-9223372036854775808", "-9223372036854775809",
        "1e21", "1e20", "1e22", "1E21", "1.0e21", "999999999999999999999.0", "100000000000000000000.0", "1e23", "9.999999999999999e22",
        "8.41e21", "1e15", "1e16", "1e17", "123456789012345678.0", "1e-7", "1e-6", "0.000001", "0.0000001", "1.5e-7", "5e-7", "1e-5",
        "0.0001", "1.0e-4", "123456789012345678901234567890", "-123456789012345678901234567890", "123456789012345678901234567890.0",
        "1.0E+2", "1.0e+2", "1E+2", "1e2", "1E2", "1.5E-3", "1.00", "1.000000000000000000000000000000000", "100.0", "0.1", "0.2", "0.3",
        "0.30000000000000004", "0.1000000000000000055511151231257827021181583404541015625", "1.00000000000000011102230246251565404236316680908203125",
        "3.14159265358979323846264338327950288419716939937510582097494459", "2.718281828459045", "123456.789", "4.35", "0.7", "6.02214076e23",
        "1.7976931348623157E308", "-1.5", "-1e-7", "1e0", "1e-0", "1e+0", "1e00000000000000000001", "10e-1", "0.5e1",
        "1" + String(repeating: "0", count: 1_023), "1" + String(repeating: "0", count: 1_024), "1" + String(repeating: "0", count: 1_022),
        "-1" + String(repeating: "0", count: 1_022), "-1" + String(repeating: "0", count: 1_023),
        "1." + String(repeating: "0", count: 1_021) + "1", "1." + String(repeating: "0", count: 1_022) + "1", "0." + String(repeating: "1", count: 1_100),
        "1e" + String(repeating: "0", count: 1_030) + "1",
        // Not JSON: both sides must refuse.
        "01", "-01", "+1", "1.", ".5", "-", "1e", "1e+", "1.e5", "0x10", "NaN", "Infinity", "-Infinity", "1_000", "١",
    ]

    static func numberEdgesAgree(family: InteropOracle.Family) throws {
        try withInteropScratch { scratch in
            let home = scratch + "/home"
            try FileManager.default.createDirectory(atPath: home + "/.jido_code", withIntermediateDirectories: true)
            try interopWrite(home + "/.jido_code/machine_secret", Array(String(repeating: "ab", count: 32).utf8))
            let directory = scratch + "/numbers"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var documents: [(file: String, what: String, longestToken: Int)] = []
            func add(_ what: String, _ text: String, longest: Int) throws {
                let file = directory + "/n" + String(format: "%03d", documents.count) + ".json"
                try interopWrite(file, Array(text.utf8))
                documents.append((file, what, longest))
            }
            for token in Self.numberEdges {
                try add(token.count > 40 ? String(token.prefix(12)) + "…(\(token.count) chars)" : token, "{\"n\": \(token)}", longest: token.count)
            }
            var rng = SplitMix64(seed: 0xF10A7, stream: UInt64(family.rawValue))
            for chunk in 0..<6 {
                var values: [String] = []
                while values.count < 60 {
                    let value = Double(bitPattern: rng.next())
                    if value.isFinite { values.append("\(value)") }
                }
                try add("60 random doubles (chunk \(chunk))", "{\"r\": [" + values.joined(separator: ", ") + "]}", longest: 40)
            }
            var powers: [String] = []
            for exponent in -30...30 {
                let value = pow(10.0, Double(exponent))
                powers += ["\(value)", "\(value.nextUp)", "\(value.nextDown)"]
            }
            try add("powers of ten and their neighbours", "{\"p\": [" + powers.joined(separator: ", ") + "]}", longest: 40)

            let dump = scratch + "/oracle-canonical"
            let oracle = try InteropOracle.verify(home: home, hostname: "devbox", family: family, files: documents.map(\.file), load: false,
                                                  dumpCanonical: dump, scratch: scratch)
            var useOTPFlag = true
            var disagreements = InteropDisagreements()
            var allowed: [String] = []
            for document in documents {
                let theirs: [UInt8]? = try? [UInt8](Data(contentsOf: URL(fileURLWithPath: dump + "/" + (document.file as NSString).lastPathComponent)))
                var result = try InteropAudit.run(["canonical"] + (useOTPFlag ? ["--otp", family.flag] : []) + [document.file], scratch: scratch)
                if useOTPFlag, result.status == 2, result.stderr.contains("--otp") {
                    useOTPFlag = false
                    print("interop number edges: jido-audit canonical has no --otp option yet; comparing without it")
                    result = try InteropAudit.run(["canonical", document.file], scratch: scratch)
                }
                let ours: [UInt8]? = result.status == 0 ? [UInt8](result.stdout) : nil
                let verdict = oracle[document.file]?.verdict ?? "?"
                switch (ours, theirs) {
                case (nil, nil): continue
                case let (mine?, theirs?):
                    if let difference = interopFirstDifference(mine, theirs) { disagreements.add("\(document.what): \(difference)") }
                case let (nil, theirs?):
                    let line = "\(document.what): ours refuses (\(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines).suffix(120))), "
                        + "JidoCode signs \(String(reflecting: String(decoding: theirs.prefix(80), as: UTF8.self)))"
                    if document.longestToken > 1_024 { allowed.append(line) } else { disagreements.add(line) }
                case let (mine?, nil):
                    disagreements.add("\(document.what): ours signs \(String(reflecting: String(decoding: mine.prefix(80), as: UTF8.self))), "
                        + "JidoCode: \(verdict) \(oracle[document.file]?.firstDiff.prefix(120) ?? "")")
                }
            }
            print("interop number edges \(family): \(documents.count) documents, \(disagreements.count) disagreements, "
                + "\(allowed.count) deliberate (number token > 1,024 characters)")
            for line in allowed { print("  deliberate: \(line)") }
            #expect(disagreements.isEmpty, Comment(rawValue: disagreements.report("\(family): canonical bytes of number edges, ours vs JidoCode's",
                                                                                 limit: 40)))
        }
    }
}

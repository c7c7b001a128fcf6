import Foundation
import Testing

/// Differential: seeded mutants of JidoCode-written files, verified by JidoCode's verify (one BEAM run) and by our
/// `jido-audit verify` (one run); the verdicts must map onto each other. The deliberate differences (JidoGuard's
/// limits: nesting deeper than 512, number tokens longer than 1,024 characters, files larger than 10 MiB, where
/// JidoCode's verify decodes what we refuse) are counted and listed apart, never failures.
extension InteropChecks {
    static let mutantsPerFamily = 1_100
    static let resignedPerFamily = 300

    static func mutantVerdictsAgree(family: InteropOracle.Family) throws {
        try withInteropScratch { scratch in
            let home = scratch + "/home"
            let sessions = try InteropOracle.writeStore(home: home, hostname: "devbox", sessions: 8, seed: 60 + family.rawValue, bigMapEvery: 4,
                                                        scale: 0.05, family: family, scratch: scratch)
            let bases = try sessions.map { try [UInt8](Data(contentsOf: URL(fileURLWithPath: $0.path))) }
            try #require(!bases.isEmpty, "write-store wrote no session")

            let clock = ContinuousClock()
            let started = clock.now
            let directory = scratch + "/mutants"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var mutator = InteropMutator(seed: 0x5EED_0000 + UInt64(family.rawValue))
            var mutants: [(file: String, mutant: InteropMutant, base: Int)] = []
            func add(_ mutant: InteropMutant, base: Int) throws {
                let file = directory + "/m\(family.flag)-" + String(format: "%04d", mutants.count) + ".json"
                try interopWrite(file, mutant.bytes)
                mutants.append((file, mutant, base))
            }
            for mutant in InteropMutator.limitMutants(bases[0]) { try add(mutant, base: 0) }
            for (index, base) in bases.enumerated() {
                try add(InteropMutant(kind: "control", description: "unchanged JidoCode file", bytes: base), base: index)
            }
            while mutants.count < Self.mutantsPerFamily {
                let index = mutants.count % bases.count
                try add(mutator.mutate(bases[index]), base: index)
            }
            // Content mutants JidoCode itself signs (sign-raw): valid for JidoCode, so ours must be valid too.
            let firstResigned = mutants.count
            while mutants.count < firstResigned + Self.resignedPerFamily {
                let index = mutants.count % bases.count
                if let mutant = mutator.unsignedContentMutant(bases[index]) { try add(mutant, base: index) }
            }
            try InteropOracle.signRaw(home: home, hostname: "devbox", family: family, files: mutants[firstResigned...].map(\.file), scratch: scratch)

            let files = mutants.map(\.file)
            let generated = clock.now
            let oracle = try InteropOracle.verify(home: home, hostname: "devbox", family: family, files: files, load: false, scratch: scratch)
            let oracleDone = clock.now
            let ours = try InteropAudit.verify(home: home, hostname: "devbox", files: files, scratch: scratch)
            let oursDone = clock.now

            var disagreements = InteropDisagreements(), laterDisagreements = InteropDisagreements()
            var canonical = InteropDisagreements(), laterCanonical = InteropDisagreements(), noBytesCanonical = InteropDisagreements()
            var allowed: [String: [String]] = [:]
            var classes: [String: Int] = [:]
            for entry in mutants {
                guard let theirs = oracle[entry.file], let mine = ours.files[entry.file] else { continue }
                let largeMap = sessions[entry.base].bigMap
                let name = "\((entry.file as NSString).lastPathComponent) [\(entry.mutant.kind): \(entry.mutant.description.prefix(140)); "
                    + "base \(entry.base)\(largeMap ? ", which has a large map" : "")]"
                if !mine.jidocodeEquivalents.contains(theirs.verdict) {
                    if mine.verdict == "undecodable", let reason = InteropMutantFeatures(entry.mutant.bytes).allowedDifference {
                        allowed[reason, default: []].append("\(name): JidoCode \(theirs.verdict)")
                    } else {
                        // Mutants of files without a large map first: their disagreements are not the large-map order's.
                        let line = "\(name): ours \(mine.summary), JidoCode \(theirs.verdict)"
                        if largeMap { laterDisagreements.add(line) } else { disagreements.add(line) }
                        classes["\(entry.mutant.kind)\(largeMap ? " (large-map base)" : ""): ours \(mine.verdict) vs JidoCode \(theirs.verdict)",
                                default: 0] += 1
                    }
                }
                // `-` (JidoCode has no bytes for it: undecodable, not an object, a non-string signature) counts as false.
                // Compared where both mean "the file is what JidoCode writes for its content": not where
                // JidoCode has no bytes (`-`: not an object, a non-string signature), nor for a null
                // signature (the oracle compares such a file with its encoding WITHOUT the member;
                // ours says whether the file is the canonical encoding of its content).
                if theirs.jidocodeBytes != "-", mine.verdict != "null-signature",
                   mine.canonical != (theirs.jidocodeBytes == "true"), InteropMutantFeatures(entry.mutant.bytes).allowedDifference == nil {
                    let line = "\(name): ours canonical=\(mine.canonical.map(String.init) ?? "absent"), JidoCode's bytes \(theirs.jidocodeBytes)"
                        + " (ours \(mine.verdict), JidoCode \(theirs.verdict))"
                    if theirs.jidocodeBytes == "-" { noBytesCanonical.add(line) } else if largeMap { laterCanonical.add(line) } else { canonical.add(line) }
                }
            }
            for line in laterDisagreements.lines { disagreements.add(line) }
            for line in laterCanonical.lines + noBytesCanonical.lines { canonical.add(line) }
            let allowedCount = allowed.values.map(\.count).reduce(0, +)
            print("interop differential \(family): \(mutants.count) files (\(bases.count) controls, \(Self.resignedPerFamily) re-signed by JidoCode), "
                + "\(mutants.count - disagreements.count - allowedCount) agree, \(disagreements.count) disagree, "
                + "\(allowedCount) deliberate differences: "
                + allowed.keys.sorted().map { "\($0): \(allowed[$0]?.count ?? 0)" }.joined(separator: ", ")
                + "; time: store and mutants \(generated - started), oracle \(oracleDone - generated), jido-audit \(oursDone - oracleDone)")
            for reason in allowed.keys.sorted() {
                for line in (allowed[reason] ?? []).prefix(5) { print("  deliberate (\(reason)): \(line)") }
            }
            let byClass = classes.sorted { $0.value > $1.value }.map { "\($0.value)× \($0.key)" }.joined(separator: "; ")
            #expect(disagreements.isEmpty, Comment(rawValue: disagreements.report(
                "\(family): mutant verdicts, ours vs JidoCode's (by class: \(byClass))")))
            #expect(canonical.isEmpty, Comment(rawValue: canonical.report("\(family): mutant `canonical` vs the oracle's file_is_jidocode_bytes "
                + "(\(laterCanonical.count) on bases with a large map, \(noBytesCanonical.count) where JidoCode has no bytes: `-`, listed last)")))
        }
    }
}

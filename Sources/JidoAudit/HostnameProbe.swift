public import JidoCore

/// Finds the hostname a store was signed under when it is not the one used to verify it.
///
/// JidoCode mixes the hostname into the signing key, so a store verified under the wrong name
/// reports every signature as invalid. When most signed files fail, the probe tries the other names
/// JidoCode could have used on this machine (`Hostname.candidates`) on a few of the failing files,
/// and names the one under which most of them verify. It only ever suggests: the verdicts stay those
/// of the name that was used, and the key is never switched silently.
public struct HostnameProbe: Sendable {
    /// Failing files kept for the trial, and their total size at most.
    public static let maxSamples = 8
    public static let maxSampleBytes = 16 << 20

    public private(set) var valid = 0
    public private(set) var invalid = 0
    private var samples: [[UInt8]] = []
    private var sampleBytes = 0

    public init() {}

    /// Counts a verdict; keeps the bytes of the first few invalid files.
    public mutating func record(_ verdict: SignatureVerdict, bytes: UnsafeRawBufferPointer) {
        switch verdict {
        case .valid: valid += 1
        case .invalid:
            invalid += 1
            if samples.count < Self.maxSamples, sampleBytes + bytes.count <= Self.maxSampleBytes {
                samples.append(Array(bytes))
                sampleBytes += bytes.count
            }
        default: break
        }
    }

    /// Adds what `other` counted and kept after what this probe did: recording files in turn into
    /// several probes and adding them in the same order keeps what one probe would have.
    package mutating func add(_ other: HostnameProbe) {
        valid += other.valid
        invalid += other.invalid
        for sample in other.samples where samples.count < Self.maxSamples && sampleBytes + sample.count <= Self.maxSampleBytes {
            samples.append(sample)
            sampleBytes += sample.count
        }
    }

    /// True when more signed files failed than verified.
    public var mostSignaturesFail: Bool { invalid > valid }

    /// When most signatures fail: the first of `candidates` other than `used` under whose key most of
    /// the kept failing files verify (some may really be tampered). `key` derives the key for a name
    /// (nil: cannot).
    public func matchingHostname(candidates: [String], used: String, key: (String) -> SessionKey?) -> String? {
        guard mostSignaturesFail, !samples.isEmpty else { return nil }
        for name in candidates where !name.utf8.elementsEqual(used.utf8) {
            guard let candidateKey = key(name) else { continue }
            let verified = samples.filter { SessionSignature.verify(fileBytes: $0, key: candidateKey).verdict == .valid }.count
            if verified * 2 > samples.count { return name }
        }
        return nil
    }

    /// The names to try on this machine (none when its name cannot be read).
    public static func machineCandidates() -> [String] {
        (try? Hostname.systemName()).map { Hostname.candidates(systemName: $0) } ?? [Hostname.noSocketFallback, Hostname.errorFallback]
    }

    /// One sentence for a person: how many failed under `used`, and the `--hostname` that works.
    public func advice(used: String, working: String) -> String {
        "\(invalid) of \(valid + invalid) signed sessions fail under hostname \(used.debugDescription) but verify under "
            + "\(working.debugDescription): pass --hostname \(working)"
    }

    /// The same when no other name verifies them: the secret or the machine differs.
    public func adviceWithoutMatch(used: String) -> String {
        "\(invalid) of \(valid + invalid) signed sessions fail under hostname \(used.debugDescription), and no other name JidoCode "
            + "could use on this machine verifies them: if the store comes from another machine, pass its --hostname and --secret-file"
    }
}

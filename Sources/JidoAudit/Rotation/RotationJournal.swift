import JidoCore

/// The record of a secret rotation in progress, `<data>/rotation-journal` (0600, written atomically:
/// a unique temporary, fsync, rename, fsync of the directory). Its presence means "a rotation began
/// and has not finished": the new secret is durable as `machine_secret.next` (written before the
/// journal) or already `machine_secret`; sessions may be under either key until it finishes.
///
/// Text, one `key value` per line, at most 4 KiB; the hostname in hex (any bytes):
///
///     jido-audit rotation journal v1
///     state resigning|switching
///     hostname 6a69646f2d686f7374
///     old <SecretFingerprint of the retiring secret>
///     new <SecretFingerprint of the new secret>
///     retired machine_secret.retired-20261203T082100Z
///     fallback yes|no
struct RotationJournal: Equatable {
    static let header = "jido-audit rotation journal v1"
    static let maxBytes = 4096

    enum State: String { case resigning, switching }

    var state: State
    var hostname: String
    var oldFingerprint: String
    var newFingerprint: String
    var retiredName: String
    var includeFallback: Bool

    var bytes: [UInt8] {
        let lines = [
            Self.header, "state " + state.rawValue, "hostname " + Hex.lowercase(Array(hostname.utf8)),
            "old " + oldFingerprint, "new " + newFingerprint, "retired " + retiredName, "fallback " + (includeFallback ? "yes" : "no"),
        ]
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// Parses a journal; nil with the reason when it is not one this version wrote.
    static func parse(_ bytes: [UInt8]) -> Result<RotationJournal, RotationError> {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard lines.first == header else { return .failure(.journalUnusable("it does not start with \"\(header)\"")) }
        lines.removeFirst()
        var fields: [String: String] = [:]
        for line in lines {
            guard let space = line.firstIndex(of: " ") else { return .failure(.journalUnusable("line \(line.debugDescription) has no value")) }
            let key = String(line[..<space])
            guard fields[key] == nil else { return .failure(.journalUnusable("\(key) occurs twice")) }
            fields[key] = String(line[line.index(after: space)...])
        }
        guard let stateText = fields["state"], let state = State(rawValue: stateText),
              let hostHex = fields["hostname"], let host = Hex.decode(hostHex),
              let old = fields["old"], let new = fields["new"], let retired = fields["retired"],
              StoreLayout.isRetiredSecret(retired), !retired.contains("/"),
              let fallback = fields["fallback"], fallback == "yes" || fallback == "no", fields.count == 6
        else { return .failure(.journalUnusable("a field is missing, unknown or malformed")) }
        return .success(RotationJournal(state: state, hostname: String(decoding: host, as: UTF8.self), oldFingerprint: old,
                                        newFingerprint: new, retiredName: retired, includeFallback: fallback == "yes"))
    }
}

/// `YYYYMMDDTHHMMSSZ` for seconds since the epoch (UTC), for a retired secret's name: JidoCode's
/// timestamp (`ISO8601`, the one calendar conversion) without separators or fraction.
func compactUTC(_ seconds: Int) -> String {
    let text = ISO8601.string(microsecondsSinceEpoch: Int64(seconds) * 1_000_000)
    return String(text.prefix(19).filter { $0 != "-" && $0 != ":" }) + "Z"
}

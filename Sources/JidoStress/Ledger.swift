import Foundation
import JidoCore

/// What the writers reported: per writer, the session each iteration targeted and whether its
/// message is acknowledged (a save that contained it returned success, so it is durable).
struct Ledger: Sendable {
    struct Entry: Sendable {
        var key: SessionSlot
        var acknowledged: Bool
    }

    private(set) var logs: [Int: [Entry]] = [:]
    /// Writers that were started; a message from any other writer was never attempted.
    private(set) var writers: Set<Int> = []
    var saves = 0
    var skipped = 0
    var saveErrors = 0
    var protocolErrors = 0
    var saveLatency = LatencyHistogram()
    var notes = Notes()

    mutating func register(_ writers: Range<Int>) { self.writers.formUnion(writers) }

    mutating func record(_ event: WriterEvent) {
        switch event {
        case let .saved(ref, key, micros):
            report(ref, key, acknowledged: true)
            saves += 1
            saveLatency.record(micros: micros)
        case let .covered(ref):
            guard ref.iteration < logs[ref.writer]?.count ?? 0 else { return protocolError("covered \(ref) before it was reported") }
            logs[ref.writer]?[ref.iteration].acknowledged = true
        case let .skipped(ref, key):
            report(ref, key, acknowledged: false)
            skipped += 1
        case let .failed(ref, key, reason):
            report(ref, key, acknowledged: false)
            saveErrors += 1
            notes.add("save of \(ref) failed: \(reason)")
        }
    }

    /// The first report of an iteration appends it; a later one (skip policy) may only acknowledge it.
    private mutating func report(_ ref: MessageRef, _ key: SessionSlot, acknowledged: Bool) {
        let count = logs[ref.writer]?.count ?? 0
        if ref.iteration < count, logs[ref.writer]?[ref.iteration].key == key {
            if acknowledged { logs[ref.writer]?[ref.iteration].acknowledged = true }
            return
        }
        guard writers.contains(ref.writer), ref.iteration == count else { return protocolError("unexpected report of \(ref)") }
        logs[ref.writer, default: []].append(Entry(key: key, acknowledged: acknowledged))
    }

    mutating func protocolError(_ text: String) {
        protocolErrors += 1
        notes.add("worker protocol: \(text)")
    }

    /// Adds another ledger's writers (they must be disjoint from this one's).
    mutating func merge(_ other: Ledger) {
        logs.merge(other.logs) { mine, _ in mine }
        writers.formUnion(other.writers)
        saves += other.saves
        skipped += other.skipped
        saveErrors += other.saveErrors
        protocolErrors += other.protocolErrors
        saveLatency.merge(other.saveLatency)
        notes.merge(other.notes)
    }

    /// Every session some writer reported a message for.
    var keys: Set<SessionSlot> {
        var keys: Set<SessionSlot> = []
        for entries in logs.values { for entry in entries { keys.insert(entry.key) } }
        return keys
    }
}

/// The first few failure details of a run (the counts are kept apart, in full).
struct Notes: Sendable {
    static let limit = 20
    private(set) var lines: [String] = []

    mutating func add(_ line: String) {
        if lines.count < Self.limit { lines.append(line) }
    }

    mutating func merge(_ other: Notes) { for line in other.lines { add(line) } }
}

/// What a check of the stored sessions against the ledger found. Sets, so checking a session
/// again after the next kill does not count the same lost message twice.
struct Findings: Sendable {
    var lost: Set<MessageRef> = []
    var unexpected: Set<String> = []
    var tornReads = 0
    var notes = Notes()

    mutating func merge(_ other: Findings) {
        lost.formUnion(other.lost)
        unexpected.formUnion(other.unexpected)
        tornReads += other.tornReads
        notes.merge(other.notes)
    }
}

extension StressContext {
    /// Loads and verifies the sessions in `keys` (nil: every session the ledger mentions and every
    /// session file on disk) and compares each with the ledger: every acknowledged message must be
    /// there (else a lost update); every message there must have been attempted for that session,
    /// once, in its writer's order — reported, or its writer's single in-flight iteration (else
    /// unexpected). So the file is a state some save wrote.
    func check(_ ledger: Ledger, keys: Set<SessionSlot>? = nil) -> Findings {
        var findings = Findings()
        var expected: [SessionSlot: [MessageRef]] = [:]
        var targets = keys ?? ledger.keys
        for (writer, entries) in ledger.logs {
            for (iteration, entry) in entries.enumerated() where entry.acknowledged && (keys == nil || targets.contains(entry.key)) {
                expected[entry.key, default: []].append(MessageRef(writer: writer, iteration: iteration))
            }
        }
        targets.formUnion(expected.keys)
        var sessions: [(SessionID, SessionSlot?)] = []
        var known: Set<SessionID> = []
        for key in targets {
            guard let id = try? key.id(seed: seed) else { continue }
            sessions.append((id, key))
            known.insert(id)
        }
        if keys == nil {
            for id in storedSessionIDs() where !known.contains(id) { sessions.append((id, nil)) }
        }
        var inFlight: Set<MessageRef> = []
        for (id, key) in sessions {
            let session: Session
            do throws(StoreError) {
                session = try store.load(id)
            } catch .notFound {
                let missing = key.flatMap { expected[$0] } ?? []
                if !missing.isEmpty { findings.notes.add("session \(id) is missing: \(missing.count) acknowledged messages lost") }
                findings.lost.formUnion(missing)
                continue
            } catch {
                findings.tornReads += 1
                findings.notes.add("session \(id) does not load: \(error.logDescription)")
                continue
            }
            var present: Set<MessageRef> = []
            var last: [Int: Int] = [:]
            for message in session.conversation {
                let problem: String?
                if let ref = MessageRef(message.id) {
                    let reported = ledger.logs[ref.writer]?.count ?? 0
                    if !present.insert(ref).inserted {
                        problem = "is duplicated"
                    } else if let previous = last[ref.writer], previous > ref.iteration {
                        problem = "is out of its writer's order"
                    } else if !ledger.writers.contains(ref.writer) || ref.iteration > reported {
                        problem = "was never attempted"
                    } else if ref.iteration == reported {
                        problem = inFlight.insert(ref).inserted ? nil : "(in flight) is in two sessions"
                    } else {
                        problem = ledger.logs[ref.writer]?[ref.iteration].key == key ? nil : "was attempted for another session"
                    }
                    last[ref.writer] = ref.iteration
                } else {
                    problem = "is not a harness message"
                }
                if let problem {
                    let text = "message \(message.id.debugDescription) in session \(id) \(problem)"
                    if findings.unexpected.insert(text).inserted { findings.notes.add(text) }
                }
            }
            for ref in key.flatMap({ expected[$0] }) ?? [] where !present.contains(ref) {
                if findings.lost.insert(ref).inserted { findings.notes.add("acknowledged message \(ref) is not in session \(id)") }
            }
        }
        return findings
    }
}

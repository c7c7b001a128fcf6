import Foundation
import JidoCore
import JidoToolSupport

/// A session of the run: `slot` in `0..<sessions`, in rotation round `round`. Its id follows from
/// the seed, so every process of a run (and a rerun with the same seed) names the same files.
struct SessionSlot: Hashable, Sendable {
    var slot: Int32
    var round: Int32

    func id(seed: UInt64) throws(StressError) -> SessionID {
        var generator = SplitMix64(seed: seed, stream: 0x5E55_0000_0000 ^ (UInt64(UInt32(bitPattern: round)) << 32 | UInt64(UInt32(bitPattern: slot))))
        // One draw per hex digit, high nibble first (the ids of earlier versions for the same seed).
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<32 {
            var nibble = UInt8(truncatingIfNeeded: generator.next() & 0xF)
            if i == 12 { nibble = 4 }                     // version 4
            if i == 16 { nibble = 8 | (nibble & 3) }      // variant 10xx
            bytes[i / 2] |= i % 2 == 0 ? nibble << 4 : nibble
        }
        guard let id = SessionID(Hex.uuid(bytes)) else { throw StressError("generated an invalid session id") }
        return id
    }
}

/// Which round writers are in: fixed (crash cycles, no rotation), or `floor(CLOCK_MONOTONIC / period)`,
/// which every process of the machine computes alike.
enum Rounds: Sendable, Equatable {
    case fixed(Int32)
    case rotating(period: Double)

    var current: Int32 {
        switch self {
        case let .fixed(round): round
        case let .rotating(period): Int32(truncatingIfNeeded: Int(now / period))
        }
    }
}

/// Message `iteration` of writer `writer`; its id in the conversation is `w<writer>.<iteration>`.
struct MessageRef: Hashable, Sendable, CustomStringConvertible {
    let writer: Int
    let iteration: Int

    var description: String { "w\(writer).\(iteration)" }

    init(writer: Int, iteration: Int) {
        self.writer = writer
        self.iteration = iteration
    }

    init?(_ text: String) {
        guard text.hasPrefix("w"), let dot = text.firstIndex(of: "."),
              let writer = Int(text[text.index(after: text.startIndex)..<dot]), let iteration = Int(text[text.index(after: dot)...]),
              writer >= 0, iteration >= 0 else { return nil }
        self.init(writer: writer, iteration: iteration)
    }
}

/// What a writer reports. For each iteration, in order, first exactly one of saved / skipped /
/// failed. Skip policy: a later save of a reported message (saving the writer's whole copy) is
/// reported again as saved or failed, the older messages it made durable as covered.
enum WriterEvent: Sendable, Equatable {
    case saved(MessageRef, SessionSlot, micros: Int)
    case covered(MessageRef)
    case skipped(MessageRef, SessionSlot)
    case failed(MessageRef, SessionSlot, reason: String)
}

/// What a writer thread does: how many iterations (or until when), on which sessions, how.
struct WriterPlan: Sendable, Equatable {
    var seed: UInt64
    var sessions: Int
    var policy: Policy
    /// nil: until `deadline` (CLOCK_MONOTONIC seconds).
    var iterations: Int?
    var deadline: Double?
    var rounds: Rounds

    /// 2026-01-01T00:00:00Z.
    static let timestamp = Date(timeIntervalSince1970: 1_767_225_600)

    func continues(after iteration: Int) -> Bool {
        if let iterations, iteration >= iterations { return false }
        if let deadline, now >= deadline { return false }
        return true
    }

    static func newSession(_ id: SessionID) -> Session {
        Session(id: id, name: "stress", projectPath: "/stress", createdAt: timestamp)
    }
}

/// One writer thread: each iteration appends message `w<index>.<iteration>` to a session chosen
/// by its seeded generator and saves it, under the plan's policy.
struct Writer {
    let index: Int
    let plan: WriterPlan
    let store: SessionStore
    /// The harness's own lock directory (skip policy only): JidoCode's "save in progress" check.
    let skipLocks: FileDescriptor?

    func run(_ emit: (WriterEvent) -> Void) {
        var generator = SplitMix64(seed: plan.seed, stream: UInt64(index) + 1)
        var memory = InMemorySessions()
        var iteration = 0
        while plan.continues(after: iteration) {
            let key = SessionSlot(slot: Int32(generator.below(plan.sessions)), round: plan.rounds.current)
            let ref = MessageRef(writer: index, iteration: iteration)
            iteration += 1
            let id: SessionID
            do { id = try key.id(seed: plan.seed) } catch {
                emit(.failed(ref, key, reason: error.description))
                continue
            }
            let message = Session.Message(id: ref.description, role: .user, content: "m", timestamp: WriterPlan.timestamp)
            switch plan.policy {
            case .update:
                let started = now
                do {
                    _ = try store.update(id) { session in
                        var current = session ?? WriterPlan.newSession(id)
                        current.append(message)
                        session = current
                    }
                    emit(.saved(ref, key, micros: Int((now - started) * 1e6)))
                } catch {
                    emit(.failed(ref, key, reason: Self.describe(error)))
                }
            case .skip:
                memory.sessions[key, default: WriterPlan.newSession(id)].append(message)
                memory.unsaved[key, default: []].append(ref)
                if !saveWhole(key, id, &memory, timeout: 0, emit) { emit(.skipped(ref, key)) }
            }
        }
        // Closing (skip policy): JidoCode saves a session's state when it closes. This save waits for
        // the lock, so every writer's state is acknowledged once, and the last to close replaces the others'.
        for key in memory.unsaved.keys.sorted(by: { ($0.round, $0.slot) < ($1.round, $1.slot) }) {
            guard let id = try? key.id(seed: plan.seed) else { continue }
            _ = saveWhole(key, id, &memory, timeout: store.options.lockTimeout.seconds, emit)
        }
    }

    /// JidoCode's session state: this writer's own copy of each session, and its messages not yet saved.
    struct InMemorySessions {
        var sessions: [SessionSlot: Session] = [:]
        var unsaved: [SessionSlot: [MessageRef]] = [:]
    }

    /// Skip policy: saves this writer's whole copy of `key` (replacing the file) unless the harness's
    /// lock of the session stays busy for `timeout`; returns false when skipped. The save is reported
    /// for the newest unsaved message, the older ones as covered by it.
    private func saveWhole(_ key: SessionSlot, _ id: SessionID, _ memory: inout InMemorySessions, timeout: Double,
                           _ emit: (WriterEvent) -> Void) -> Bool {
        guard let unsaved = memory.unsaved[key], let newest = unsaved.last else { return true }
        guard let skipLocks, let state = memory.sessions[key] else {
            emit(.failed(newest, key, reason: "the skip policy needs the harness's lock directory"))
            return true
        }
        let started = now
        let held: FileLock
        do { held = try FileLock.acquire(id.rawValue + ".lock", in: skipLocks, timeout: .seconds(timeout)) } catch { return false }
        do {
            _ = try store.save(state)
            let micros = Int((now - started) * 1e6)
            for earlier in unsaved.dropLast() { emit(.covered(earlier)) }
            emit(.saved(newest, key, micros: micros))
            memory.unsaved[key] = nil
        } catch {
            emit(.failed(newest, key, reason: Self.describe(error)))
        }
        held.release()
        return true
    }

    static func describe(_ error: any Error) -> String {
        (error as? StoreError)?.logDescription ?? "\(error)"
    }
}

import Foundation
import Glibc
import JidoCore
import JidoToolSupport

/// One run's store and directories. The store lives in `<home>/.jido_code` (JidoCode's layout, so
/// the per-session locks are `<home>/.jido_code/locks/<id>.lock`); the skip policy's own locks are
/// in `<home>/skip-locks`.
final class StressContext: Sendable {
    static let hostname = "stress-host"
    /// Longest wait allowed for the first save after a kill: a dead writer's lock must not hold it up.
    static let saveBound = 2.0

    let home: String
    let seed: UInt64
    let store: SessionStore
    let locks: FileDescriptor
    let skipLocks: FileDescriptor
    private let removeHome: Bool

    var sessionsPath: String { StoreLayout.sessionsPath(home: home) }

    /// Opens the store in `directory` (created if missing; it must not hold a store yet), or in a
    /// fresh temporary directory that `close` removes.
    init(directory: String?, seed: UInt64) throws {
        if let directory {
            guard !FileManager.default.fileExists(atPath: StoreLayout.dataPath(home: directory)) else {
                throw UsageError("\(directory) already holds a store (.jido_code); give a new or empty directory")
            }
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: FilePermissions.ownerAll.rawValue])
            home = directory
        } else {
            home = try makeTemporaryDirectory()
        }
        removeHome = directory == nil
        self.seed = seed
        do {
            store = try SessionStore.open(home: home, hostname: Self.hostname)
            locks = try FileDescriptor.open(StoreLayout.locksPath(home: home), [.readOnly, .directory, .closeOnExec])
            do throws(SystemCallError) {
                try FileDescriptor.currentWorkingDirectory.makeDirectory(home + "/skip-locks", permissions: .ownerAll)
            } catch where error.errno == .fileExists {
            } catch {
                throw StressError("cannot create \(home)/skip-locks (\(error.errno))")
            }
            skipLocks = try FileDescriptor.open(home + "/skip-locks", [.readOnly, .directory, .closeOnExec])
        } catch {
            if directory == nil { try? FileManager.default.removeItem(atPath: home) }
            throw error
        }
    }

    /// Closes the directories and removes a temporary home.
    func close() {
        _ = try? locks.close()
        _ = try? skipLocks.close()
        if removeHome { try? FileManager.default.removeItem(atPath: home) }
    }

    /// The ids of the `<uuid>.json` files in the sessions directory.
    func storedSessionIDs() -> [SessionID] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: sessionsPath)) ?? []
        return names.compactMap(StoreLayout.sessionID(fileName:))
    }

    /// Temporary files (`.<id>.json.<hex>.tmp`) in the sessions directory.
    func temporaryFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: sessionsPath)) ?? []
        return names.filter { $0.hasPrefix(".") && $0.hasSuffix(AtomicFileWriter.temporarySuffix) }
    }

    /// With no writer alive, every session lock and the store lock must be free at once: a lock
    /// still held is stale. Returns the names of the held ones.
    func heldLocks(_ keys: Set<SessionSlot>) -> [String] {
        let names = [StoreLayout.storeLock] + keys.compactMap { try? StoreLayout.lockFile($0.id(seed: seed)) }
        return names.filter { name in
            do {
                let lock = try FileLock.acquire(name, in: locks, timeout: .zero)
                lock.release()
                return false
            } catch {
                return true
            }
        }
    }

    /// Waits for the lock of session `key` as a writer would and returns the wait in seconds
    /// (nil: not acquired within `timeout`).
    func lockWait(_ key: SessionSlot, timeout: Double) -> Double? {
        guard let id = try? key.id(seed: seed) else { return nil }
        let started = now
        do {
            let lock = try FileLock.acquire(id.rawValue + ".lock", in: locks, timeout: .seconds(timeout))
            let waited = now - started
            lock.release()
            return waited
        } catch {
            return nil
        }
    }

    /// Samples the session locks' wait every 1–4 ms while writers run, until `stop` is raised.
    func probeLocks(sessions: Int, rounds: Rounds, stop: StopFlag) -> LockSamples {
        var samples = LockSamples()
        var generator = SplitMix64(seed: seed, stream: 0x10C4)
        let timeout = store.options.lockTimeout.seconds
        while !stop.isRaised {
            let key = SessionSlot(slot: Int32(generator.below(sessions)), round: rounds.current)
            if let waited = lockWait(key, timeout: timeout) {
                samples.wait.record(micros: Int(waited * 1e6))
            } else {
                samples.stale += 1
                samples.notes.add("the lock of session slot \(key.slot) round \(key.round) was held for over \(timeout) s")
            }
            pause(generator.uniform(0.001, 0.004))
        }
        return samples
    }
}

/// Lock waits measured by the probe, and the locks it could not get within the bound.
struct LockSamples: Sendable {
    var wait = LatencyHistogram()
    var stale = 0
    var notes = Notes()
}

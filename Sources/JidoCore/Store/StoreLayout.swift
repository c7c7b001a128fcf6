/// JidoCode's store layout, every name of it in one place:
///
///     <home>/.jido_code/machine_secret
///     <home>/.jido_code/sessions/<id>.json
///     <home>/.jido_code/locks/<id>.lock
///     <home>/.jido_code/locks/store.lock
///     <home>/.jido_code/settings.json
///     <home>/.jido_code/rotation-journal, machine_secret.next, machine_secret.retired-<UTC>  (rotate-secret)
///
/// It lives in `Store/`, not `FileSystem/`: these names are a fact about JidoCode's data (the store,
/// the machine secret, the audit, the tools all follow them), while `FileSystem/` knows nothing of
/// JidoCode and only says how a name is opened. `.lock` files are ours (JidoCode has no locks
/// directory); the rest is JidoCode's own layout.
package enum StoreLayout {
    /// The data directory under the home directory.
    package static let dataDirectory = ".jido_code"
    /// The machine secret, in the data directory.
    package static let secretFile = "machine_secret"
    /// The sessions directory, in the data directory.
    package static let sessionsDirectory = "sessions"
    /// The locks directory, in the data directory.
    package static let locksDirectory = "locks"
    /// JidoCode's global settings, in the data directory (not the store's: never read or written
    /// here; the audit only knows it belongs there).
    package static let settingsFile = "settings.json"
    /// The lock a save holds while it creates a session (so the count limit holds), in `locks/`.
    package static let storeLock = "store.lock"
    /// A secret rotation in progress (`jido-audit rotate-secret`), in the data directory: its presence
    /// means the rotation must be finished (`--resume`). Ours; JidoCode never writes it.
    package static let rotationJournal = "rotation-journal"
    /// The new secret of a rotation in progress, in the data directory, until it replaces `machine_secret`.
    package static let stagedSecretFile = "machine_secret.next"
    /// A secret retired by a rotation is kept as `machine_secret.retired-<YYYYMMDDTHHMMSSZ>`.
    package static let retiredSecretPrefix = "machine_secret.retired-"

    /// True for the name of a secret a rotation retired.
    package static func isRetiredSecret(_ name: String) -> Bool {
        name.hasPrefix(retiredSecretPrefix) && name.utf8.count > retiredSecretPrefix.utf8.count
    }

    static let sessionFileSuffix = ".json"
    static let lockFileSuffix = ".lock"

    /// A session's file name in `sessions/`: `<id>.json`.
    package static func sessionFile(_ id: SessionID) -> String { id.rawValue + sessionFileSuffix }

    /// A session's lock file name in `locks/`: `<id>.lock`.
    package static func lockFile(_ id: SessionID) -> String { id.rawValue + lockFileSuffix }

    /// The session a file name `<id>.json` is for, or nil for any other name.
    package static func sessionID(fileName: String) -> SessionID? {
        guard fileName.hasSuffix(sessionFileSuffix) else { return nil }
        return SessionID(String(fileName.dropLast(sessionFileSuffix.count)))
    }

    /// The session a lock file name `<id>.lock` is for, or nil for any other name.
    package static func sessionID(lockName: String) -> SessionID? {
        guard lockName.hasSuffix(lockFileSuffix) else { return nil }
        return SessionID(String(lockName.dropLast(lockFileSuffix.count)))
    }

    /// The session whose save JidoCode's fixed temporary name `<id>.json.tmp` is for, or nil for any
    /// other name (JidoCode writes that name, then renames it; one left behind is an interrupted save).
    package static func sessionID(jidoCodeTemporary name: String) -> SessionID? {
        guard name.hasSuffix(jidoCodeTemporarySuffix) else { return nil }
        return sessionID(fileName: String(name.dropLast(jidoCodeTemporarySuffix.count)))
    }

    static let jidoCodeTemporarySuffix = ".tmp"

    /// `<home>/.jido_code`.
    package static func dataPath(home: String) -> String { home + "/" + dataDirectory }

    /// `<home>/.jido_code` for a home of any bytes.
    public static func dataPath(home: PathBytes) -> PathBytes { home.appending(dataDirectory) }

    /// `<home>/.jido_code/machine_secret`.
    package static func secretPath(home: String) -> String { dataPath(home: home) + "/" + secretFile }

    /// `<home>/.jido_code/sessions`.
    package static func sessionsPath(home: String) -> String { dataPath(home: home) + "/" + sessionsDirectory }

    /// `<home>/.jido_code/locks`.
    package static func locksPath(home: String) -> String { dataPath(home: home) + "/" + locksDirectory }
}

import JidoAudit
import JidoCommandLine
import JidoCore

/// The sessions directory of a home, opened for reading only: nothing is created, a missing data or
/// sessions directory is an empty store. `<home>/.jido_code` and `sessions` are opened without
/// following a symbolic link and must be trusted private directories (as `SessionStore` requires);
/// each file is read through its descriptor's checks (`FilePolicy`, role `sessionFile`).
final class SessionDirectory {
    /// The open sessions directory; nil when the data or sessions directory does not exist.
    private let sessions: FileDescriptor?
    /// JidoCode's limit: a larger file is refused by JidoCode and here.
    static let maxFileBytes = JSONLimits.default.maxInputBytes

    /// Opens `<home>/.jido_code/sessions` read-only; the error text (escaped) names the directory and the fix.
    init(home: PathBytes) throws(SessionCommandError) {
        let path = StoreLayout.dataPath(home: home)
        let homeDirectory: FileDescriptor
        do {
            homeDirectory = try FileDescriptor.open(home, [.readOnly, .directory, .closeOnExec])
        } catch {
            throw SessionCommandError(.cannotRun, "cannot open the home directory \(DisplayText.escape(bytes: home.bytes)): \(error)")
        }
        sessions = try homeDirectory.closeAfter { (home) throws(SessionCommandError) -> FileDescriptor? in
            guard let data = try Self.open(StoreLayout.dataDirectory, in: home, shownAs: path) else { return nil }
            return try data.closeAfter { (data) throws(SessionCommandError) -> FileDescriptor? in
                try Self.open(StoreLayout.sessionsDirectory, in: data, shownAs: path.appending(StoreLayout.sessionsDirectory))
            }
        }
    }

    deinit { _ = try? sessions?.close() }

    /// `name` in `parent` as a trusted private directory, nil when it does not exist.
    private static func open(_ name: String, in parent: FileDescriptor, shownAs path: PathBytes) throws(SessionCommandError) -> FileDescriptor? {
        do {
            return try parent.openTrustedDirectory(name, creating: false, as: .privateDirectory)
        } catch {
            if case let .system(failure) = error, failure.errno == .noSuchFileOrDirectory { return nil }
            let reason: String
            switch error {
            case let .untrusted(violation): reason = violation.description + " (run jido-audit, which names the fix)"
            case let .system(failure), let .creationFailed(failure): reason = "\(failure)"
            }
            throw SessionCommandError(.cannotRun, "cannot open \(DisplayText.escape(bytes: path.bytes)): \(DisplayText.escape(reason))")
        }
    }

    /// The ids of every `<uuid>.json` file, sorted (other names are not sessions and are ignored).
    func ids() throws(SessionCommandError) -> [SessionID] {
        guard let sessions else { return [] }
        do {
            return try sessions.entries().entries.compactMap { $0.name.flatMap(StoreLayout.sessionID(fileName:)) }.sorted()
        } catch {
            throw SessionCommandError(.cannotRun, "cannot list the sessions directory: \(error)")
        }
    }

    /// Whether a directory entry named like session `id` exists (of any type: a symbolic link counts).
    func contains(_ id: SessionID) -> Bool {
        guard let sessions else { return false }
        return (try? sessions.status(of: StoreLayout.sessionFile(id))) != nil
    }

    /// The bytes of session `id`'s file; nil when there is none.
    func read(_ id: SessionID) throws(FileReadProblem) -> [UInt8]? {
        guard let sessions else { return nil }
        do throws(FileReadError) {
            return try CheckedFileReader.read(StoreLayout.sessionFile(id), in: sessions,
                                              policy: FilePolicy(maxBytes: Self.maxFileBytes, role: .sessionFile)).bytes
        } catch .notFound {
            return nil
        } catch {
            throw FileReadProblem(error)
        }
    }
}

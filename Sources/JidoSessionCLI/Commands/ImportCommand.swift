import JidoAudit
import JidoCommandLine
import JidoCore
import JidoToolSupport

/// `jido-session import FILE`: a session from another machine (its `export`), checked, signed with this
/// machine's key and stored through `SessionStore`, with its content unchanged.
struct ImportCommand: SessionSubcommand {
    static let spec = SessionCommandSpec.make(
        "import", "Store a session JSON (another machine's 'jido-session export') signed with this machine's key.",
        otp: BeamOrderOption.spec,
        options: [.flag("--replace", "Replace a stored session with the same id (refused without it).")],
        argument: "FILE|-",
        discussion: """
        FILE (- reads standard input) must be one JSON object that JidoCode's schema accepts, without
        duplicated keys (ambiguous keys are kept as they are, with a note); its signature, if any, is dropped (it is another machine's and cannot be
        checked here). The session is stored through the store (its lock, an atomic durable write) with
        every member as it is in FILE: updated_at is not restamped (a missing closed_at is set, as JidoCode
        requires one). Every check runs before anything is written: on any refusal or error nothing is
        created or changed (no data, sessions or locks directory, no file). Signing vouches for what FILE
        says, not for where it came from: import only sessions you exported yourself (ThreatModel.md, P1).
        The machine secret must exist (run JidoCode once, or pass --secret-file); none is created.
        Exit status: 0 stored, 1 FILE refused (not JSON, not a session, duplicated keys,
        larger than JidoCode's 10 MiB, or the id exists without --replace), 2 usage error, 3 FILE cannot
        be read, no usable key, or the store cannot be written.
        """)

    let context: SessionKeyContext
    let file: PathBytes
    let replace: Bool

    init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError) {
        context = try SessionKeyContext(arguments, io: io, allowAnyOrder: false)
        file = arguments.positionals[0]
        replace = arguments.flag("--replace")
    }

    /// The id already stored (race with another writer: refused under the store's lock).
    struct AlreadyStored: Error {}

    func execute(_ io: CommandIO) throws(SessionCommandError) -> ExitCode {
        let session = try Self.session(from: file)
        let ambiguous = KeyAmbiguity.report(in: .object(session.document))
        if let pointer = ambiguous.pointers.first {
            io.err("jido-session import: note: \(ambiguous.count) ambiguous key\(ambiguous.count == 1 ? "" : "s") (first at \(DisplayText.escape(pointer))), "
                + "distinct for JidoCode but merged by some other parsers: kept as they are\n")
        }
        let signing = try context.signingKey()
        let existing = try context.directory().contains(session.id)
        if existing && !replace {
            throw SessionCommandError(.findings, "session \(session.id) is already stored: pass --replace to overwrite it, "
                + "or 'jido-session export \(session.id)' first to keep a copy")
        }
        // Every check is done: only now is the store opened (which creates its directories if missing).
        guard let dataPath = context.keyOptions.dataDirectory.string else {
            throw SessionCommandError(.cannotRun, "the data directory \(DisplayText.escape(bytes: context.keyOptions.dataDirectory.bytes)) is not UTF-8 text, which the store needs: pass --home with a UTF-8 path")
        }
        var options = StoreOptions()
        options.stampsUpdatedAt = false
        options.beamOrder = context.orders.first ?? .jidoCodeDefault
        do throws(StoreError) {
            let store = try SessionStore(dataDirectory: dataPath, key: signing.key, options: options)
            if replace {
                try store.save(session)
            } else {
                try store.update(session.id) { current in
                    guard current == nil else { throw AlreadyStored() }
                    current = session
                }
            }
        } catch {
            if case let .transformFailed(failure) = error, failure.underlying is AlreadyStored {
                throw SessionCommandError(.findings, "session \(session.id) was stored by another writer meanwhile: pass --replace to overwrite it")
            }
            throw SessionCommandError(.cannotRun, "cannot store session \(session.id): \(DisplayText.escape(error.description))")
        }
        io.out("\(existing ? "replaced" : "imported") session \(session.id) (\(DisplayText.escape(session.name))), signed with this machine's key "
            + "(hostname \(DisplayText.escape(signing.hostname).debugDescription))\n")
        return .success
    }

    /// FILE's session: read (at most JidoCode's 10 MiB), decoded strictly, without duplicated keys (the
    /// decoder keeps the first, so the content could not be kept whole), accepted by the schema; its
    /// `signature` member dropped. Ambiguous keys (distinct for JidoCode, merged by some other parsers) are
    /// kept as they are: JidoCode writes them itself.
    static func session(from file: PathBytes) throws(SessionCommandError) -> Session {
        let name = file == "-" ? "standard input" : DisplayText.escape(bytes: file.bytes)
        let bytes: [UInt8]
        switch FileArgument.read(file, limit: SessionDirectory.maxFileBytes) {
        case let .success(read): bytes = read
        case let .failure(problem) where problem.tooLarge:
            throw SessionCommandError(.findings, "\(name): \(DisplayText.escape(problem.description)) (JidoCode refuses it too)")
        case let .failure(problem):
            throw SessionCommandError(.cannotRun, "cannot read \(name): \(DisplayText.escape(problem.description))")
        }
        let document: JSONDocument
        do throws(JSONDecodingError) {
            document = try StrictJSONDecoder(limits: JSONLimits(maxInputBytes: SessionDirectory.maxFileBytes)).decode(bytes)
        } catch {
            throw SessionCommandError(.findings, "\(name) is not JSON JidoCode reads: \(DisplayText.escape(error.description))")
        }
        if let pointer = document.duplicateKeys.first {
            throw SessionCommandError(.findings, "\(name) has a duplicated key at \(DisplayText.escape(pointer)) (readers disagree on its value): fix the file")
        }
        guard case let .object(object) = document.value else {
            throw SessionCommandError(.findings, "\(name) is not a session: not a JSON object")
        }
        do throws(SchemaError) {
            return try Session(document: object)
        } catch {
            throw SessionCommandError(.findings, "\(name) is not a session JidoCode accepts: \(DisplayText.escape(error.description))")
        }
    }
}

import JidoAudit
import JidoCommandLine
import JidoCore
import JidoToolSupport

/// Why a `jido-session` command stopped: the exit status and the message (already escaped,
/// `DisplayText`), which names the problem and the fix.
struct SessionCommandError: Error {
    let status: ExitCode
    let message: String

    init(_ status: ExitCode, _ message: String) {
        self.status = status
        self.message = message
    }
}

/// A `jido-session` subcommand: its work throws a `SessionCommandError`, reported in one line on
/// standard error as `jido-session <name>: <message>` with the error's status.
protocol SessionSubcommand: Subcommand {
    func execute(_ io: CommandIO) throws(SessionCommandError) -> ExitCode
}

extension SessionSubcommand {
    func run(_ io: CommandIO) -> ExitCode {
        do throws(SessionCommandError) {
            return try execute(io)
        } catch {
            io.err("\(JidoSessionCommand.program) \(Self.spec.name): \(error.message)\n")
            return error.status
        }
    }
}

/// The declarations every session subcommand shares: the key options (`--home`, `--secret-file`,
/// `--hostname`, as `jido-audit`'s), an OTP family, and an `ID` or `FILE` argument. One builder, so the
/// subcommands differ only in what is theirs.
enum SessionCommandSpec {
    /// `--otp` for commands that verify: a file is valid when it verifies under an accepted family.
    static let verifyingOTP = OptionSpec.value("--otp", "25|27|any", "Erlang/OTP family whose JidoCode signed the sessions (default: any).")

    static func make(_ name: String, _ summary: String, otp: OptionSpec = verifyingOTP, options: [OptionSpec] = [],
                     argument: String?, discussion: String) -> CommandSpec {
        CommandSpec(name: name, summary: summary, options: options + [otp] + KeyOptions.specs, positionalName: argument,
                    minimumPositionals: argument == nil ? 0 : 1, maximumPositionals: argument == nil ? 0 : 1,
                    discussion: discussion)
    }

    /// The `ID` argument: a session id (a lower-case UUID v4, as JidoCode names its files).
    static func id(_ arguments: ParsedArguments) throws(UsageError) -> SessionID {
        let argument = arguments.positionals[0]
        guard let text = argument.string, let id = SessionID(text) else {
            throw UsageError("'\(DisplayText.escape(bytes: argument.bytes))' is not a session id (a lower-case UUID, as 'jido-session list' shows)")
        }
        return id
    }
}

/// The `ID` of `show` and `export` with the key options: one stored session, read only once verified.
struct SessionTarget {
    let context: SessionKeyContext
    let id: SessionID

    init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError) {
        context = try SessionKeyContext(arguments, io: io)
        id = try SessionCommandSpec.id(arguments)
    }

    /// The session's exact bytes and content, verified (`SessionKeyContext.verifiedSession`).
    func verified() throws(SessionCommandError) -> (bytes: [UInt8], session: Session) { try context.verifiedSession(id) }

    /// The exit statuses of a command that reads one verified session.
    static let exitStatus = """
        Exit status: 0, 1 the session does not verify or breaks the schema, 2 usage error, 3 no such
        session, no usable key, or output that could not be written.
        """
}

/// The key options and the accepted OTP families, read once per command.
struct SessionKeyContext {
    let keyOptions: KeyOptions
    let orders: [BeamOrder]

    init(_ arguments: ParsedArguments, io: CommandIO, allowAnyOrder: Bool = true) throws(UsageError) {
        keyOptions = try KeyOptions(arguments, io: io)
        orders = try BeamOrderOption.parse(arguments, allowAny: allowAnyOrder)
    }

    /// This machine's key (never creating a secret): status 3 when there is none.
    func signingKey() throws(SessionCommandError) -> KeyOptions.SigningKey {
        switch keyOptions.sessionKey() {
        case let .success(signing): return signing
        case let .failure(error): throw SessionCommandError(.cannotRun, error.message)
        }
    }

    /// The sessions directory, read-only.
    func directory() throws(SessionCommandError) -> SessionDirectory { try SessionDirectory(home: keyOptions.home) }

    /// Session `id` as stored, verified under this machine's key: its exact bytes and decoded content.
    /// Status 3 when there is no such file or it cannot be read; 1 when it does not verify, has duplicated
    /// keys or breaks the schema (nothing unverified is shown or exported).
    func verifiedSession(_ id: SessionID) throws(SessionCommandError) -> (bytes: [UInt8], session: Session) {
        let signing = try signingKey()
        let directory = try directory()
        let stored: [UInt8]?
        do throws(FileReadProblem) {
            stored = try directory.read(id)
        } catch {
            throw SessionCommandError(.cannotRun, "cannot read session \(id): \(DisplayText.escape(error.description))")
        }
        guard let bytes = stored else {
            throw SessionCommandError(.cannotRun, "no session \(id) in \(DisplayText.escape(bytes: keyOptions.dataDirectory.bytes)) ('jido-session list' shows the ids)")
        }
        let entry = SessionEntry(id: id, bytes: bytes, key: signing.key, orders: orders)
        guard entry.verification.verdict == .valid else {
            throw SessionCommandError(.findings, "session \(id) is \(entry.verification.verdict.rawValue) under this machine's key "
                + "(hostname \(DisplayText.escape(signing.hostname).debugDescription)); nothing unverified is shown: "
                + "'jido-audit verify' tells why")
        }
        guard entry.verification.duplicateKeyCount == 0 else {
            throw SessionCommandError(.findings, "session \(id) has duplicated keys (other readers may see other content): 'jido-audit verify' lists them")
        }
        guard let session = entry.session else {
            throw SessionCommandError(.findings, "session \(id) breaks JidoCode's schema: \(DisplayText.escape(entry.problem ?? ""))")
        }
        return (bytes, session)
    }
}

/// One stored session file, verified and decoded once (`SessionFile.inspect`).
struct SessionEntry {
    let id: SessionID
    let verification: SignatureVerification
    /// The decoded content when the schema accepts it (whatever the verdict: `list` shows it with the verdict).
    let session: Session?
    /// Why there is no content: the schema's or the decoder's reason.
    let problem: String?

    init(id: SessionID, bytes: [UInt8], key: SessionKey, orders: [BeamOrder]) {
        self.id = id
        let inspection = SessionFile.inspect(bytes: bytes, key: key, limits: JSONLimits(maxInputBytes: SessionDirectory.maxFileBytes),
                                             orders: orders, needs: .session)
        verification = inspection.verification
        switch inspection.content.schema {
        case let .valid(_, _, session): self.session = session; problem = nil
        case let .invalid(error): session = nil; problem = error.description
        case let .undecodable(detail): session = nil; problem = detail
        }
    }
}

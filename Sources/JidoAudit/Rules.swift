/// How serious a finding is; `--fail-on` compares against it.
public enum Severity: String, Sendable, Comparable, CaseIterable, Codable {
    case note, warning, error

    private var rank: Int {
        switch self {
        case .note: 0
        case .warning: 1
        case .error: 2
        }
    }

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// One check of the audit: a stable id, a severity, what it means and how to fix it.
public struct Rule: Sendable, Hashable, Identifiable {
    /// Stable identifier (`JG0xx`); never reused for another meaning.
    public let id: String
    /// Short kebab-case name.
    public let name: String
    public let severity: Severity
    /// One sentence: what the rule detects and why it matters.
    public let summary: String
    /// What to do about it.
    public let help: String
    /// Whether `--fix` can repair it (only permission tightening is ever automatic).
    public let fixable: Bool

    init(_ id: String, _ name: String, _ severity: Severity, _ summary: String, help: String, fixable: Bool = false) {
        self.id = id
        self.name = name
        self.severity = severity
        self.summary = summary
        self.help = help
        self.fixable = fixable
    }
}

/// Every rule, in id order. Ids are stable: tools (SARIF consumers, baselines of findings) key on them.
public enum Rules {
    // Directories
    public static let dataDirectoryMissing = Rule("JG001", "data-directory-missing", .note,
        "There is no JidoCode data directory to audit.", help: "Nothing to do if JidoCode is not used here; otherwise pass --home.")
    public static let notARealDirectory = Rule("JG002", "not-a-real-directory", .error,
        "A store directory is a symbolic link or not a directory; it is never followed.",
        help: "Replace the link with a real directory owned by you (mode 0700) after checking where it pointed.")
    public static let directoryWrongOwner = Rule("JG003", "directory-wrong-owner", .error,
        "A store directory belongs to another user, who can replace any file in it.",
        help: "Move the data aside and let JidoCode recreate it; find out who created the directory.")
    public static let directoryWritableByOthers = Rule("JG004", "directory-writable-by-others", .error,
        "Group or others can write to a store directory: they can replace, add or remove sessions and the secret.",
        help: "chmod 700 the directory (jido-audit --fix does it through a descriptor).", fixable: true)
    public static let directoryReadableByOthers = Rule("JG005", "directory-readable-by-others", .warning,
        "Group or others can list a store directory (JidoCode leaves 0755): the session list and project names leak.",
        help: "chmod 700 the directory (jido-audit --fix).", fixable: true)
    public static let parentInsecure = Rule("JG006", "parent-directory-insecure", .error,
        "A directory between the data directory and home is not owned by you or root, or others can write to it (OpenSSH StrictModes): whoever controls it can swap the store.",
        help: "Fix the owner or remove group/other write permission on that directory.")
    public static let ancestorWorldWritable = Rule("JG007", "ancestor-writable-without-sticky-bit", .warning,
        "A directory above home is writable by others without the sticky bit: they can rename entries in it.",
        help: "Set the sticky bit (chmod +t) or remove other-write permission on that directory.")

    // Machine secret
    public static let secretMissing = Rule("JG010", "secret-missing", .warning,
        "There is no machine secret: no session can be verified, and JidoCode will create a new one.",
        help: "If sessions exist, restore the secret from a backup; otherwise start JidoCode once.")
    public static let secretNotRegular = Rule("JG011", "secret-not-regular-file", .error,
        "The machine secret is a symbolic link, directory, FIFO, device or socket; it is never followed or opened.",
        help: "Replace it with the real file (mode 0600, owned by you).")
    public static let secretHardLinked = Rule("JG012", "secret-hard-linked", .error,
        "The machine secret has more than one hard link: another name reaches it.",
        help: "Remove the other links (find / -samefile <secret>).")
    public static let secretWrongOwner = Rule("JG013", "secret-wrong-owner", .error,
        "The machine secret belongs to another user, who can then forge every session.",
        help: "Remove it after finding out who created it; sessions signed with it must be considered untrusted.")
    public static let secretPermissions = Rule("JG014", "secret-accessible-by-others", .error,
        "Group or others have permissions on the machine secret: anyone who read it can forge sessions.",
        help: "chmod 600 the secret (jido-audit --fix), then, if other users may have read it, replace it: jido-audit rotate-secret re-signs the sessions.", fixable: true)
    public static let secretUnreadable = Rule("JG015", "secret-unreadable", .error,
        "The machine secret cannot be read; JidoCode would silently fall back to a weak key.",
        help: "Make the secret readable by its owner (mode 0600).")
    public static let secretTooShort = Rule("JG016", "secret-too-short", .error,
        "The machine secret has fewer than 32 bytes: the signing key is weaker than 256 bits.",
        help: "Replace it with 64 random hex characters; existing sessions will then fail verification.")
    public static let secretNonStandard = Rule("JG017", "secret-non-standard-form", .note,
        "The machine secret is not 64 lower-case hex characters, the form JidoCode writes (32 hex characters, the fallback's form, is JG081).",
        help: "Nothing is wrong if you made it on purpose; its exact bytes are used.")
    public static let hostnameMismatch = Rule("JG018", "hostname-mismatch", .warning,
        "Most signatures fail under the hostname used, and verify under another name JidoCode could have keyed with on this machine (the key mixes in the hostname: JidoCode uses what precedes its first dot).",
        help: "Run again with the --hostname the finding names; if JidoCode on this machine uses another name, the sessions were signed elsewhere.")

    // Session files
    public static let sessionBadName = Rule("JG020", "session-file-name", .warning,
        "A .json file in sessions/ is not named <uuid v4>.json; JidoCode never writes such a name.",
        help: "Inspect and remove it.")
    public static let sessionIDMismatch = Rule("JG021", "session-id-mismatch", .error,
        "The id inside a session file differs from its file name: the file was copied or forged.",
        help: "Inspect the file; remove it if you did not rename it yourself.")
    public static let sessionNotRegular = Rule("JG022", "session-not-regular-file", .error,
        "A session entry is a symbolic link, FIFO, device, socket or directory; it is never opened or followed.",
        help: "Remove it: JidoCode only writes regular files.")
    public static let sessionHardLinked = Rule("JG023", "session-hard-linked", .error,
        "A session file has more than one hard link: another name (perhaps someone else's) reaches it.",
        help: "Remove the other links, or the file.")
    public static let sessionWrongOwner = Rule("JG024", "session-wrong-owner", .error,
        "A session file belongs to another user.", help: "Inspect and remove it.")
    public static let sessionReadableByOthers = Rule("JG025", "session-readable-by-others", .warning,
        "A session file is readable by group or others: the conversation is readable by every local user (JidoCode writes 0644).",
        help: "chmod 600 the file (jido-audit --fix).", fixable: true)
    public static let sessionWritableByOthers = Rule("JG026", "session-writable-by-others", .error,
        "A session file is writable by group or others.", help: "chmod 600 the file (jido-audit --fix).", fixable: true)
    public static let sessionTooLarge = Rule("JG027", "session-too-large", .error,
        "A session file is larger than the limit; it was not read.", help: "Inspect it; raise --max-file-bytes if it is genuine.")
    public static let sessionUndecodable = Rule("JG028", "session-undecodable", .error,
        "A session file is not a JSON object JidoCode can read.", help: "Restore it from a backup or remove it.")
    public static let sessionSchemaInvalid = Rule("JG029", "session-schema-invalid", .error,
        "A session file does not follow JidoCode's schema (required fields, roles, todo statuses, version).",
        help: "Restore it from a backup or remove it.")
    public static let signatureInvalid = Rule("JG030", "signature-invalid", .error,
        "The signature does not match the content: the file was changed after it was signed, or signed with another key.",
        help: "Treat the content as untrusted; check --hostname and --secret-file if the store was copied.")
    public static let signatureMissing = Rule("JG031", "signature-missing", .warning,
        "A session file has no signature (legacy): nothing vouches for its content.",
        help: "Open and close the session in JidoCode to re-sign it, after checking its content.")
    public static let signatureMalformed = Rule("JG032", "signature-malformed", .error,
        "The signature member is not the base64 of 32 bytes.", help: "Treat the content as untrusted.")
    public static let duplicateKeys = Rule("JG033", "duplicate-keys", .error,
        "A session file repeats a key: JidoCode verifies the first value, most other parsers read the last.",
        help: "Treat the file as tampered: JidoCode never writes duplicated keys.")
    public static let notCanonical = Rule("JG034", "session-not-canonical", .warning,
        "A session verifies but its bytes are not what JidoCode writes: it was rewritten after signing.",
        help: "Find out what rewrote it; the signed content itself is intact.")
    public static let changedDuringAudit = Rule("JG035", "changed-during-audit", .error,
        "A file changed between the directory scan and the open (device, inode, owner, group, mode or type): it was not trusted.",
        help: "Run the audit again; if it repeats, something is swapping files in the store.")
    public static let sessionUnreadable = Rule("JG036", "session-unreadable", .error,
        "A session file cannot be read.", help: "Check its owner and permissions.")
    public static let ambiguousKeys = Rule("JG037", "ambiguous-keys", .warning,
        "Two keys of one object are different bytes (distinct for JidoCode) but one key for parsers that compare keys by Unicode equivalence or drop U+FEFF (Swift, Foundation): they may read the other value.",
        help: "Find out what put the keys there; do not read the file with such a parser.")
    public static let signatureNull = Rule("JG038", "signature-null", .error,
        "The signature is null: JidoCode loads such a file as a legacy unsigned file and verifies nothing, whatever its content. JidoCode never writes a null signature: the file was tampered with.",
        help: "Treat the content as untrusted and remove the file or restore it from a backup.")
    public static let otpDependentSignature = Rule("JG039", "otp-dependent-signature", .note,
        "The signature covers an object of more than 32 members, which JidoCode writes in the hash order of its Erlang/OTP release: only JidoCode on the same OTP family (25/26 or 27/28) verifies it, so an OTP upgrade makes JidoCode reject the session.",
        help: "Nothing to do while JidoCode runs on the same OTP family; after an OTP change, re-sign the session (open and save it in JidoCode) before upgrading.")

    // Stray entries
    public static let strayJidoCodeTemp = Rule("JG040", "stray-jidocode-temp-file", .warning,
        "A <id>.json.tmp file left by JidoCode's fixed temporary name: a save was interrupted or two saves collided.",
        help: "Compare it with the session, then remove it.")
    public static let strayTemp = Rule("JG041", "stale-temp-file", .note,
        "A temporary file of a writer that is gone (its session lock is free).",
        help: "Remove it, or let the store do it (SessionStore.removeStaleTemporaryFiles).")
    public static let strayFile = Rule("JG042", "stray-file", .note,
        "An entry in the data directory, sessions/ or locks/ that neither JidoCode nor the store writes there (not a session, lock file, known temporary file, the secret or settings.json).",
        help: "Inspect and remove it.")
    public static let staleLockFile = Rule("JG043", "stale-lock-file", .note,
        "A lock file in locks/ for a session that no longer exists, and nobody holds it.",
        help: "Remove it; the store recreates lock files as needed.")
    public static let lockNotRegular = Rule("JG044", "lock-not-regular-file", .warning,
        "An entry named like a lock file in locks/ is a symbolic link, FIFO, device, socket or directory: it is never opened, and saves of that session cannot lock.",
        help: "Remove it; the store recreates lock files as needed.")

    // Store-level notes
    public static let countLimit = Rule("JG050", "session-count-limit", .note,
        "The number of sessions is at or above the configured limit.", help: "Delete old sessions or raise --max-sessions.")
    public static let cleanupEligible = Rule("JG051", "session-cleanup-eligible", .note,
        "A session was closed longer ago than the cleanup age.",
        help: "If it is no longer needed, delete it in JidoCode or with SessionStore.cleanup; the audit never deletes (the age is --cleanup-days).")

    // Key lifecycle
    public static let fallbackSigned = Rule("JG080", "signed-with-fallback-key", .error,
        "A session verifies under JidoCode's fallback key, md5(\"HOSTNAME-NODE\") used as the secret when JidoCode could not read machine_secret: anyone who knows the hostname can forge it.",
        help: "Treat the content as untrusted; make machine_secret readable (mode 0600, yours), then, if you trust the session, re-sign it: jido-audit rotate-secret --include-fallback.")
    public static let secretFallbackForm = Rule("JG081", "secret-has-fallback-form", .error,
        "The machine secret is exactly 32 lower-case hex characters, the form of JidoCode's fallback value md5(\"HOSTNAME-NODE\"): a key of at most 128 bits, and computable by anyone when it is that value.",
        help: "Rotate it: stop JidoCode, then jido-audit rotate-secret (a new 64-character secret; sessions are re-signed).")
    public static let rotationUnfinished = Rule("JG082", "rotation-unfinished", .error,
        "A secret rotation was interrupted: its journal is in the data directory, and sessions may be signed with either the old or the new key until it finishes.",
        help: "Run jido-audit rotate-secret --resume before starting JidoCode.")

    // Baseline drift
    public static let baselineAdded = Rule("JG060", "baseline-entry-added", .warning,
        "An entry exists that the baseline does not have.", help: "Accept it by writing a new baseline if expected.")
    public static let baselineRemoved = Rule("JG061", "baseline-entry-removed", .warning,
        "An entry of the baseline is gone.", help: "Restore it from a backup if the removal was not expected.")
    public static let baselineInodeReplaced = Rule("JG062", "baseline-inode-replaced", .warning,
        "An entry was replaced by another inode since the baseline.", help: "Expected after a save; otherwise inspect it.")
    public static let baselineMetadataChanged = Rule("JG063", "baseline-owner-or-mode-changed", .warning,
        "An entry's owner, group or mode changed since the baseline.", help: "Find out what changed it.")
    public static let baselineContentChangedValid = Rule("JG064", "baseline-content-changed-signed", .note,
        "An entry's content changed since the baseline and its signature still verifies (a normal save).",
        help: "Nothing to do if JidoCode was used meanwhile.")
    public static let baselineContentChangedInvalid = Rule("JG065", "baseline-content-changed-unverified", .error,
        "An entry's content changed since the baseline and it no longer verifies.", help: "Treat the content as tampered.")
    public static let baselineUnusable = Rule("JG066", "baseline-unusable", .error,
        "The baseline file is missing, unreadable, not private (owner, mode 0600, one link), not a baseline, or of an older format.",
        help: "Write a new baseline with `jido-audit baseline --write FILE` from a trusted state.")
    public static let baselineTypeChanged = Rule("JG067", "baseline-type-changed", .error,
        "An entry's type changed since the baseline (a file became a symbolic link, FIFO, directory or socket, or the reverse).",
        help: "Find out what replaced it; JidoCode only writes regular files and directories.")
    public static let baselineContentChanged = Rule("JG068", "baseline-content-changed", .warning,
        "The content of a file that carries no signature (the machine secret, a lock file, a stray file) changed since the baseline.",
        help: "Find out what changed it; a changed machine secret invalidates every session signed with the old one.")
    public static let baselineLinkTargetChanged = Rule("JG069", "baseline-link-target-changed", .warning,
        "A symbolic link points somewhere else than in the baseline (links are recorded by their target, never followed).",
        help: "Find out who changed the link; nothing in the store should be a link.")
    public static let baselineLinkCountChanged = Rule("JG070", "baseline-link-count-changed", .warning,
        "A file's hard link count changed since the baseline: a name was added or removed elsewhere.",
        help: "Find the other names (find / -samefile FILE); a session or secret should have exactly one.")
    public static let baselineTimesChanged = Rule("JG071", "baseline-times-changed", .note,
        "Only a file's modification or change time differs from the baseline (same type, owner, mode, inode, links and content).",
        help: "Nothing to do unless nothing should have touched the file.")
    public static let baselineIncomplete = Rule("JG072", "baseline-incomplete", .warning,
        "Part of the data directory could not be recorded for a baseline (an entry that could not be examined or read, too many entries, or nesting too deep): changes there go unseen.",
        help: "Remove what does not belong in the data directory, or make it readable, then write the baseline again.")

    // Suppressions
    public static let suppressionExpired = Rule("JG090", "suppression-expired", .warning,
        "An entry of the suppressions file is past its expiry date: it no longer hides the findings it matched.",
        help: "Review the findings it hid; if they are still accepted, renew the entry with a later expires=, otherwise remove it.")

    public static let all: [Rule] = [
        dataDirectoryMissing, notARealDirectory, directoryWrongOwner, directoryWritableByOthers, directoryReadableByOthers,
        parentInsecure, ancestorWorldWritable,
        secretMissing, secretNotRegular, secretHardLinked, secretWrongOwner, secretPermissions, secretUnreadable, secretTooShort,
        secretNonStandard, hostnameMismatch,
        sessionBadName, sessionIDMismatch, sessionNotRegular, sessionHardLinked, sessionWrongOwner, sessionReadableByOthers,
        sessionWritableByOthers, sessionTooLarge, sessionUndecodable, sessionSchemaInvalid, signatureInvalid, signatureMissing,
        signatureMalformed, duplicateKeys, notCanonical, changedDuringAudit, sessionUnreadable, ambiguousKeys,
        signatureNull, otpDependentSignature,
        strayJidoCodeTemp, strayTemp, strayFile, staleLockFile, lockNotRegular,
        countLimit, cleanupEligible,
        baselineAdded, baselineRemoved, baselineInodeReplaced, baselineMetadataChanged, baselineContentChangedValid,
        baselineContentChangedInvalid, baselineUnusable, baselineTypeChanged, baselineContentChanged, baselineLinkTargetChanged,
        baselineLinkCountChanged, baselineTimesChanged, baselineIncomplete,
        fallbackSigned, secretFallbackForm, rotationUnfinished,
        suppressionExpired,
    ]
}

/// One problem found, tied to a rule and a path.
public struct Finding: Sendable, Equatable {
    public let rule: Rule
    /// The file or directory concerned (absolute or as given by --home), as bytes: a name on disk
    /// need not be UTF-8.
    public let pathBytes: [UInt8]
    /// What exactly is wrong with this entry.
    public let message: String

    public init(_ rule: Rule, path: String, _ message: String) {
        self.init(rule, pathBytes: Array(path.utf8), message)
    }

    public init(_ rule: Rule, pathBytes: [UInt8], _ message: String) {
        self.rule = rule
        self.pathBytes = pathBytes
        self.message = message
    }

    /// The path as text (bytes that are not UTF-8 become U+FFFD: for matching, not for printing).
    public var path: String { String(decoding: pathBytes, as: UTF8.self) }
    /// The path as every output prints it (`DisplayText`: reversible, nothing invisible or active).
    public var displayPath: String { DisplayText.escape(bytes: pathBytes) }
    /// The message as every output prints it.
    public var displayMessage: String { DisplayText.escape(message) }

    public var severity: Severity { rule.severity }

    /// Why the finding does not count, when a suppression accepted it (it is still reported).
    public internal(set) var suppression: Suppression?
}

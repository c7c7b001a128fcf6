import JidoCore

extension AuditRun {
    /// Every entry of `sessions/`: sessions, temporary files, strays.
    mutating func auditSessions(_ sessionsFD: FileDescriptor, path sessionsPath: PathBytes, locksFD: FileDescriptor?) {
        let entries: [DirectoryEntry]
        do {
            let listing = try sessionsFD.entries()
            entries = listing.entries.sorted { $0.nameBytes.lexicographicallyPrecedes($1.nameBytes) }
        } catch {
            report.add(Rules.sessionUnreadable, sessionsPath, "cannot be listed: \(error)")
            return
        }
        // Progress counts session files only, so it ends at total/total.
        let total = entries.filter { $0.name.flatMap(StoreLayout.sessionID(fileName:)) != nil }.count
        var sessionCount = 0
        // Each entry is audited on one of `jobs` threads, by that thread's own run (its read buffer, an
        // empty report; the key and the fallback keys shared), and merged here in name order: the
        // report is the one a single thread makes, findings, entries and hostname samples in the same order.
        let worker = EntryAuditor(configuration: configuration, key: key, user: user, hostname: report.hostname, fallbackKeys: fallbackKeys)
        ParallelMap.forEachInOrder(entries.count, jobs: configuration.jobs, onEachThread: SyscallFaults.carriedToThreads(),
                                   perThread: { worker.makeRun() }, { run, index in
            run.auditEntry(entries[index], in: sessionsFD, path: sessionsPath, locksFD: locksFD)
        }, deliver: { _, part in
            absorb(part)
            if part.isSession {
                sessionCount += 1
                configuration.progress?(sessionCount, total)
            }
        })
        if sessionCount >= configuration.maxSessions {
            report.add(Rules.countLimit, sessionsPath, "\(sessionCount) sessions; the limit is \(configuration.maxSessions)")
        }
    }

    /// One entry of `sessions/`, audited from an empty report: what it adds to the run's report.
    mutating func auditEntry(_ entry: DirectoryEntry, in sessionsFD: FileDescriptor, path sessionsPath: PathBytes,
                             locksFD: FileDescriptor?) -> EntryAudit {
        var fresh = AuditReport(home: configuration.homePath, dataDirectory: dataPath)
        fresh.hostname = report.hostname
        report = fresh
        hostnameProbe = HostnameProbe()
        var isSession = false
        if let name = entry.name {
            let path = sessionsPath.appending(name)
            if let id = StoreLayout.sessionID(fileName: name) {
                isSession = true
                auditSession(id, in: sessionsFD, path: path)
            } else {
                classifyStray(name, path: path, in: sessionsFD, locksFD: locksFD)
            }
        } else {
            report.add(Rules.strayFile, sessionsPath.appending(PathBytes(bytes: entry.nameBytes)), "name is not valid UTF-8; never opened")
        }
        return EntryAudit(findings: report.findings, entries: report.entries, sessionFiles: report.sessionFiles, bytesRead: report.bytesRead,
                          verdicts: report.verdicts, probe: hostnameProbe, isSession: isSession)
    }

    /// Adds what one entry gave to the report (its findings through `AuditReport.add` again, so the
    /// suppressions and the listing limit apply in name order).
    mutating func absorb(_ part: EntryAudit) {
        for finding in part.findings { report.add(finding.rule, PathBytes(bytes: finding.pathBytes), finding.message) }
        report.entries += part.entries
        report.sessionFiles += part.sessionFiles
        report.bytesRead += part.bytesRead
        for (verdict, count) in part.verdicts { report.verdicts[verdict, default: 0] += count }
        hostnameProbe.add(part.probe)
    }

    mutating func classifyStray(_ name: String, path: PathBytes, in sessionsFD: FileDescriptor, locksFD: FileDescriptor?) {
        if StoreLayout.sessionID(jidoCodeTemporary: name) != nil {
            report.add(Rules.strayJidoCodeTemp, path, "JidoCode's fixed temporary name: an interrupted or colliding save")
            return
        }
        if let target = AtomicFileWriter.target(ofTemporary: name), let id = StoreLayout.sessionID(fileName: target) {
            if let locksFD, FileLock.isHeld(StoreLayout.lockFile(id), in: locksFD) { return } // A save in progress.
            report.add(Rules.strayTemp, path, "temporary of a writer that is gone (the session's lock is free)")
            return
        }
        if name.hasSuffix(".json") {
            report.add(Rules.sessionBadName, path, "not named <uuid v4>.json")
        } else {
            report.add(Rules.strayFile, path, "not a session file")
        }
    }

    /// One session file: the descriptor checks, then signature, duplicates, schema, id, age. The
    /// file's bytes are read once (`SessionFile.inspect`: decoded at most once, not at all when the
    /// verification scan proves the schema and every key is ASCII).
    mutating func auditSession(_ id: SessionID, in sessionsFD: FileDescriptor, path: PathBytes) {
        guard let status = readEntry(StoreLayout.sessionFile(id), in: sessionsFD, path: path, maxBytes: configuration.maxFileBytes,
                                     isSecret: false, into: readBuffer) else { return }
        var verdict: SignatureVerdict?
        let limits = JSONLimits(maxInputBytes: configuration.maxFileBytes)
        let content: SessionFile.Content
        if let key {
            let inspection = readBuffer.withBytes { SessionFile.inspect(bytes: $0, key: key, limits: limits) }
            let result = inspection.verification
            content = inspection.content
            verdict = result.verdict
            report.verdicts[result.verdict, default: 0] += 1
            readBuffer.withBytes { hostnameProbe.record(result.verdict, bytes: $0) }
            switch result.verdict {
            case .valid:
                if !result.isCanonical { report.add(Rules.notCanonical, path, "verifies, but the bytes are not JidoCode's canonical form") }
                if let order = result.beamOrder {
                    report.add(Rules.otpDependentSignature, path,
                               "signed over the member order of Erlang/OTP \(order.releases): JidoCode on another OTP family rejects it")
                }
            case .invalid:
                if let match = readBuffer.withBytes({ fallbackMatch($0) }) {
                    report.add(Rules.fallbackSigned, path, match.message)
                } else {
                    report.add(Rules.signatureInvalid, path, "the signature does not match the content")
                }
            case .unsigned: report.add(Rules.signatureMissing, path, "no signature member")
            case .nullSignature: report.add(Rules.signatureNull, path, result.detail ?? "the signature is null")
            case .malformed: report.add(Rules.signatureMalformed, path, result.detail ?? "malformed signature")
            case .undecodable: report.add(Rules.sessionUndecodable, path, result.detail ?? "not a JSON object")
            }
            for pointer in result.duplicateKeys { report.add(Rules.duplicateKeys, path, "key \(pointer) occurs more than once") }
            let unlisted = result.duplicateKeyCount - result.duplicateKeys.count
            if unlisted > 0 {
                report.add(Rules.duplicateKeys, path, "and \(unlisted) more repeated keys (the first \(JSONPointer.maxReportedKeys) are listed)")
            }
        } else {
            content = readBuffer.withBytes { SessionFile.inspect(bytes: $0, limits: limits) }
            reportWithoutKey(content.document, path: path)
        }
        report.entries.append(EntryRecord(name: relativeName(path), status: status,
                                          sha256: configuration.hashContents ? readBuffer.withBytes { Self.sha256Hex($0) } : nil,
                                          verdict: verdict))
        guard verdict != .undecodable else { return }
        checkSchema(id: id, path: path, content: content)
    }

    /// Without a secret no signature can be verified, but what needs no key is still checked:
    /// duplicated keys, and a signature member that is missing, null or not a string.
    mutating func reportWithoutKey(_ document: JSONDocument?, path: PathBytes) {
        guard let document else { return }
        for pointer in document.duplicateKeys { report.add(Rules.duplicateKeys, path, "key \(pointer) occurs more than once") }
        if document.duplicates.unlisted > 0 {
            report.add(Rules.duplicateKeys, path,
                       "and \(document.duplicates.unlisted) more repeated keys (the first \(JSONPointer.maxReportedKeys) are listed)")
        }
        guard case let .object(object) = document.value else { return }
        switch object[SessionSignature.memberName] {
        case nil: report.add(Rules.signatureMissing, path, "no signature member")
        case .null?: report.add(Rules.signatureNull, path, "\"signature\": null: JidoCode loads this file as legacy unsigned and verifies nothing")
        case .string?:
            // Only a key can tell whether it matches; JidoCode's fallback key needs no secret.
            if let match = readBuffer.withBytes({ fallbackMatch($0) }) { report.add(Rules.fallbackSigned, path, match.message) }
        default: report.add(Rules.signatureMalformed, path, "the signature member is not a string: JidoCode's load/1 raises (FunctionClauseError) on this file")
        }
    }

    /// JidoCode's schema, the id inside against the file name, and the cleanup age.
    mutating func checkSchema(id: SessionID, path: PathBytes, content: SessionFile.Content) {
        let ambiguous = content.ambiguous
        for pointer in ambiguous.pointers {
            report.add(Rules.ambiguousKeys, path, "key \(pointer) is the same as an earlier key of its object for Unicode-equivalence parsers")
        }
        if ambiguous.unlisted > 0 {
            report.add(Rules.ambiguousKeys, path, "and \(ambiguous.unlisted) more such keys (the first \(JSONPointer.maxReportedKeys) are listed)")
        }
        switch content.schema {
        case let .undecodable(detail):
            // With a key, the verification already reported it.
            if key == nil { report.add(Rules.sessionUndecodable, path, detail) }
        case let .invalid(error):
            report.add(Rules.sessionSchemaInvalid, path, error.description)
        case let .valid(fileID, closedAt, _):
            if fileID != id {
                report.add(Rules.sessionIDMismatch, path, "the file holds id \(fileID.rawValue.debugDescription)")
            }
            if let closedAt, let closed = ISO8601.epochSeconds(closedAt),
               closed < configuration.now - configuration.cleanupDays * 86_400 {
                report.add(Rules.cleanupEligible, path, "closed at \(closedAt), more than \(configuration.cleanupDays) days ago")
            }
        }
    }
}

extension BeamOrder {
    /// The Erlang/OTP releases that share this order, for messages.
    var releases: String {
        switch self {
        case .otp25: return "25/26"
        case .otp27: return "27/28"
        }
    }
}

/// What one entry of `sessions/` adds to the report, made on any thread.
struct EntryAudit: Sendable {
    var findings: [Finding]
    var entries: [EntryRecord]
    var sessionFiles: Int
    var bytesRead: Int
    var verdicts: [SignatureVerdict: Int]
    var probe: HostnameProbe
    /// A file named like a session (progress counts these).
    var isSession: Bool
}

/// What each thread of the audit of `sessions/` needs to make its own run.
struct EntryAuditor: Sendable {
    let configuration: AuditConfiguration
    let key: SessionKey?
    let user: UInt32
    let hostname: String?
    let fallbackKeys: FallbackKeys.Lazy

    /// A run for one thread: its own read buffer and report, this audit's key, user and fallback keys.
    func makeRun() -> AuditRun {
        var run = AuditRun(configuration, fallbackKeys: fallbackKeys)
        run.key = key
        run.user = user
        run.report.hostname = hostname
        return run
    }
}

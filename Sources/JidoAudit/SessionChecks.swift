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
        for entry in entries {
            guard let name = entry.name else {
                report.add(Rules.strayFile, sessionsPath.appending(PathBytes(bytes: entry.nameBytes)), "name is not valid UTF-8; never opened")
                continue
            }
            let path = sessionsPath.appending(name)
            if let id = StoreLayout.sessionID(fileName: name) {
                sessionCount += 1
                auditSession(id, in: sessionsFD, path: path)
                configuration.progress?(sessionCount, total)
            } else {
                classifyStray(name, path: path, in: sessionsFD, locksFD: locksFD)
            }
        }
        if sessionCount >= configuration.maxSessions {
            report.add(Rules.countLimit, sessionsPath, "\(sessionCount) sessions; the limit is \(configuration.maxSessions)")
        }
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

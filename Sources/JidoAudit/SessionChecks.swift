import JidoCore

extension AuditRun {
    /// Every entry of `sessions/`: sessions, temporary files, strays.
    mutating func auditSessions(_ sessionsFD: FileDescriptor, path sessionsPath: String, locksFD: FileDescriptor?) {
        let entries: [DirectoryEntry]
        do {
            let listing = try sessionsFD.entries()
            entries = listing.entries.sorted { $0.nameBytes.lexicographicallyPrecedes($1.nameBytes) }
        } catch {
            report.add(Rules.sessionUnreadable, sessionsPath, "cannot be listed: \(error)")
            return
        }
        let total = entries.count
        var sessionCount = 0
        for (index, entry) in entries.enumerated() {
            guard let name = entry.name else {
                report.add(Rules.strayFile, pathBytes: Array((sessionsPath + "/").utf8) + entry.nameBytes,
                           "name is not valid UTF-8; never opened")
                continue
            }
            let path = sessionsPath + "/" + name
            if let id = StoreLayout.sessionID(fileName: name) {
                sessionCount += 1
                auditSession(id, in: sessionsFD, path: path)
                configuration.progress?(index + 1, total)
            } else {
                classifyStray(name, path: path, in: sessionsFD, locksFD: locksFD)
            }
        }
        report.sessionFiles = sessionCount
        if sessionCount >= configuration.maxSessions {
            report.add(Rules.countLimit, sessionsPath, "\(sessionCount) sessions; the limit is \(configuration.maxSessions)")
        }
    }

    mutating func classifyStray(_ name: String, path: String, in sessionsFD: FileDescriptor, locksFD: FileDescriptor?) {
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

    /// One session file: the descriptor checks, then signature, duplicates, schema, id, age.
    mutating func auditSession(_ id: SessionID, in sessionsFD: FileDescriptor, path: String) {
        guard let status = readEntry(StoreLayout.sessionFile(id), in: sessionsFD, path: path, maxBytes: configuration.maxFileBytes,
                                     isSecret: false, into: readBuffer) else { return }
        var verdict: SignatureVerdict?
        var facts: SessionSchemaScanner.Facts?
        if let key {
            let limits = JSONLimits(maxInputBytes: configuration.maxFileBytes)
            let (result, scanned) = readBuffer.withBytes { SessionSignature.verifyWithSchema(fileBytes: $0, key: key, limits: limits) }
            verdict = result.verdict
            facts = scanned
            report.verdicts[result.verdict, default: 0] += 1
            readBuffer.withBytes { hostnameProbe.record(result.verdict, bytes: $0) }
            switch result.verdict {
            case .valid:
                if !result.isCanonical { report.add(Rules.notCanonical, path, "verifies, but the bytes are not JidoCode's canonical form") }
                if let order = result.beamOrder {
                    report.add(Rules.otpDependentSignature, path,
                               "signed over the member order of Erlang/OTP \(order.releases): JidoCode on another OTP family rejects it")
                }
            case .invalid: report.add(Rules.signatureInvalid, path, "the signature does not match the content")
            case .unsigned: report.add(Rules.signatureMissing, path, "no signature member")
            case .nullSignature: report.add(Rules.signatureNull, path, result.detail ?? "the signature is null")
            case .malformed: report.add(Rules.signatureMalformed, path, result.detail ?? "malformed signature")
            case .undecodable: report.add(Rules.sessionUndecodable, path, result.detail ?? "not a JSON object")
            }
            for pointer in result.duplicateKeys { report.add(Rules.duplicateKeys, path, "key \(pointer) occurs more than once") }
        }
        report.entries.append(EntryRecord(name: relativeName(path), status: status,
                                          sha256: configuration.hashContents ? readBuffer.withBytes { Self.sha256Hex($0) } : nil,
                                          verdict: verdict))
        guard verdict != .undecodable else { return }
        checkSchema(id: id, path: path, scanned: facts)
    }

    /// JidoCode's schema, the id inside against the file name, and the cleanup age (the file's
    /// bytes are in `readBuffer`).
    mutating func checkSchema(id: SessionID, path: String, scanned: SessionSchemaScanner.Facts?) {
        let facts: SessionFacts
        let maxBytes = configuration.maxFileBytes
        let reading = readBuffer.withBytes { SessionFacts.read($0, maxBytes: maxBytes, scanned: scanned) }
        for pointer in reading.ambiguousKeys {
            report.add(Rules.ambiguousKeys, path, "key \(pointer) is the same as an earlier key of its object for Unicode-equivalence parsers")
        }
        switch reading.facts {
        case let .success(read): facts = read
        case let .failure(.undecodable(detail)):
            if key == nil { report.add(Rules.sessionUndecodable, path, detail) }
            return
        case let .failure(.schema(error)):
            report.add(Rules.sessionSchemaInvalid, path, error.description)
            return
        }
        if facts.id != id.rawValue {
            report.add(Rules.sessionIDMismatch, path, "the file holds id \(facts.id.debugDescription)")
        }
        if let closedAt = facts.closedAt, let closed = ISO8601.epochSeconds(closedAt),
           closed < configuration.now - configuration.cleanupDays * 86_400 {
            report.add(Rules.cleanupEligible, path, "closed at \(closedAt), more than \(configuration.cleanupDays) days ago")
        }
    }
}

/// What the audit needs from a session's content beyond its signature.
struct SessionFacts {
    let id: String
    let closedAt: String?

    enum Problem: Error {
        case undecodable(String)
        case schema(SchemaError)
    }

    /// The facts, and the keys other parsers would merge (`KeyAmbiguity`).
    struct Reading {
        var facts: Result<SessionFacts, Problem>
        var ambiguousKeys: [String] = []
    }

    /// When the verification pass already proved the schema (`scanned`) and saw only ASCII keys,
    /// that answer is used; anything else (and any failure, for its precise message) goes through
    /// the decoder and `Session(document:)`.
    static func read(_ bytes: UnsafeRawBufferPointer, maxBytes: Int, scanned: SessionSchemaScanner.Facts?) -> Reading {
        if let scanned, !scanned.hasNonASCIIKeys {
            return Reading(facts: .success(SessionFacts(id: scanned.id.rawValue, closedAt: scanned.closedAt)))
        }
        let document: JSONDocument
        do { document = try StrictJSONDecoder(limits: JSONLimits(maxInputBytes: maxBytes)).decode(bytes) } catch {
            return Reading(facts: .failure(.undecodable(error.description)))
        }
        let ambiguous = KeyAmbiguity.ambiguousKeys(in: document.value)
        guard case let .object(object) = document.value else {
            return Reading(facts: .failure(.undecodable("the top-level value is not an object")), ambiguousKeys: ambiguous)
        }
        do {
            let session = try Session(document: object)
            return Reading(facts: .success(SessionFacts(id: session.id.rawValue, closedAt: session.closedAt)), ambiguousKeys: ambiguous)
        } catch {
            // The id check needs the id even when the schema fails elsewhere.
            return Reading(facts: .failure(.schema(error)), ambiguousKeys: ambiguous)
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

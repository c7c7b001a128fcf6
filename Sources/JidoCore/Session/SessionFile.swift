internal import Glibc

/// Reading a session file's bytes: the one place that decides what a reader learns from them.
///
/// `inspect` verifies the signature (`SessionSignature`), checks JidoCode's schema
/// (`SessionSchema`) and finds the keys other parsers would merge (`KeyAmbiguity`), decoding the
/// file at most once. A canonical file (every file JidoCode or this library writes) is verified
/// from slices of its bytes with the schema followed in the same scan (`SessionSchemaObserver`);
/// when that scan proves the schema and every key is ASCII, nothing is decoded. Callers map the
/// answer to their own terms: `SessionStore` to a `StoreError` (signature, then duplicated keys,
/// then schema, then id), the audit to findings.
package enum SessionFile {
    /// What the caller needs beyond the verification.
    package enum Needs: Sendable {
        /// The id and `closed_at` (a file the fast path proves valid is not decoded).
        case facts
        /// The decoded `Session` of a valid file (the file is always decoded).
        case session
    }

    /// What JidoCode's schema says of the file's content.
    package enum Schema: Sendable, Equatable {
        /// The content is a session: its id and `closed_at`, and the decoded session when the file
        /// was decoded (always with `Needs.session`).
        case valid(id: SessionID, closedAt: String?, session: Session?)
        /// The document breaks a rule of the schema (the first one, in table order).
        case invalid(SchemaError)
        /// Not a JSON object the decoder accepts (the decoder's reason).
        case undecodable(String)
    }

    /// The content of a file: the schema's answer, and the document if the file was decoded.
    package struct Content: Sendable {
        package let schema: Schema
        /// The decoded file; nil when it was not decoded (or could not be).
        package let document: JSONDocument?

        /// The keys other parsers would merge with an earlier key of their object (`KeyAmbiguity`),
        /// in document order; empty when the file was not decoded (only non-ASCII keys can be
        /// ambiguous, and a file is left undecoded only when all of its keys are ASCII). Computed on
        /// each access.
        package var ambiguousKeys: [String] { ambiguous.pointers }
        /// The ambiguous keys counted, the first ones named (one walk per access).
        package var ambiguous: ReportedKeys { document.map { KeyAmbiguity.report(in: $0.value) } ?? ReportedKeys() }
    }

    /// Everything a reader needs from a session file's bytes.
    package struct Inspection: Sendable {
        /// The signature's verdict and evidence (canonical flag, BEAM order, duplicated keys).
        package let verification: SignatureVerification
        /// The schema's answer. For a file whose verdict is `undecodable` it is `undecodable` too,
        /// with the verification's detail, and the schema is not looked at.
        package let content: Content
    }

    /// Verifies `bytes` under `key` (accepting a signature over any of `orders`' member orders) and
    /// checks the schema; see the type's documentation. `limits` apply to the scan and the decoder.
    package static func inspect(bytes: UnsafeRawBufferPointer, key: SessionKey, limits: JSONLimits = .default,
                               orders: [BeamOrder] = SessionSignature.allOrders, needs: Needs = .facts) -> Inspection {
        var document: JSONDocument?
        let verification: SignatureVerification
        var proven: SessionSchemaScanner.Facts?
        switch needs {
        case .facts:
            var observer = SessionSchemaObserver()
            verification = SessionSignature.verify(fileBytes: bytes, key: key, limits: limits, orders: orders, observer: &observer,
                                                   document: &document)
            // The observer's facts count only for bytes the scan proved canonical (`verifyWithSchema`).
            if verification.isCanonical { proven = observer.facts }
        case .session:
            // The file is decoded and `Session(document:)` checks it: the observer would add nothing.
            var none = NoObserver()
            verification = SessionSignature.verify(fileBytes: bytes, key: key, limits: limits, orders: orders, observer: &none,
                                                   document: &document)
        }
        guard verification.verdict != .undecodable else {
            return Inspection(verification: verification, content: Content(schema: .undecodable(verification.detail ?? ""), document: document))
        }
        if let proven, !proven.hasNonASCIIKeys {
            let schema = Schema.valid(id: proven.id, closedAt: proven.closedAt, session: nil)
            return Inspection(verification: verification, content: Content(schema: schema, document: document))
        }
        return Inspection(verification: verification, content: content(of: bytes, limits: limits, decoded: document))
    }

    /// The verification and the ambiguous keys only (no schema): a file the MAC-first path decides
    /// (`MACFirstVerification`) whose keys are all ASCII is neither scanned nor decoded; any other
    /// file is inspected as `inspect` does.
    package static func verifyWithAmbiguity(bytes: UnsafeRawBufferPointer, key: SessionKey, limits: JSONLimits = .default,
                                            orders: [BeamOrder] = SessionSignature.allOrders) -> (SignatureVerification, ReportedKeys) {
        if let (verification, nonASCII) = MACFirstVerification.verifyReportingKeys(bytes, key: key, limits: limits, orders: orders), !nonASCII {
            return (verification, ReportedKeys())
        }
        let inspection = inspect(bytes: bytes, key: key, limits: limits, orders: orders)
        return (inspection.verification, inspection.content.ambiguous)
    }

    package static func inspect(bytes: [UInt8], key: SessionKey, limits: JSONLimits = .default,
                               orders: [BeamOrder] = SessionSignature.allOrders, needs: Needs = .facts) -> Inspection {
        bytes.withUnsafeBytes { inspect(bytes: $0, key: key, limits: limits, orders: orders, needs: needs) }
    }

    /// The content of `bytes` when there is no key to verify them with: decoded, then checked.
    package static func inspect(bytes: UnsafeRawBufferPointer, limits: JSONLimits = .default) -> Content {
        content(of: bytes, limits: limits, decoded: nil)
    }

    package static func inspect(bytes: [UInt8], limits: JSONLimits = .default) -> Content {
        bytes.withUnsafeBytes { inspect(bytes: $0, limits: limits) }
    }

    /// The top-level member holding the messages (what an append changes, at its end).
    package static let conversationKey = "conversation"

    /// The session `inspect(bytes:needs: .session)` would return for `bytes`, decoding only what
    /// differs from a file read or written before (`previous`): the conversation messages that lie
    /// wholly inside the bytes both files share at their start are `previous.session`'s own values,
    /// everything else (the messages after them, every other member) is decoded from `bytes` with
    /// those messages cut out, and only what was decoded is checked by the schema. nil when nothing
    /// can be reused or the result is refused (the caller then takes the exact path, which names
    /// the problem).
    ///
    /// The caller guarantees, and this relies on:
    /// - `bytes` were decided `valid` and canonical by `MACFirstVerification` under the reader's
    ///   key, limits and order (so the exact path accepts their signature, finds no duplicated key,
    ///   and the decoder's limits hold for the whole file, hence for any part of it);
    /// - `previous.bytes` are canonical and `previous.session` is what decoding them gives (a
    ///   `KnownFileRegistry` entry), up to the order of object members, which equality ignores.
    ///
    /// Why a reused message is exactly what decoding `bytes` gives: canonical text has a newline
    /// only between structural lines, so `CanonicalElementCache.elementRanges` splits a canonical
    /// file into its messages exactly, scanning line by line from the start. A message of `bytes`
    /// ending at or before the first differing byte has the same bytes at the same offset in both
    /// files, and the scan reached it through the same lines, so it is message `i` of
    /// `previous.bytes` too, whose value is `previous.session`'s message `i`. Cutting whole
    /// messages out of the array (from the first one up to the next kept one, or up to the end of
    /// the last one) leaves a JSON array of the remaining messages, with whitespace where the cut
    /// ones were. Cost: one compare of the shared bytes, one line scan, and decoding and checking
    /// what changed.
    ///
    /// `ranges`: `CanonicalElementCache.elementRanges` of `bytes` for the conversation, when the
    /// caller has them already.
    package static func session(_ bytes: [UInt8], extending previous: (bytes: [UInt8], session: Session),
                                ranges: [Range<Int>]?? = nil, limits: JSONLimits) -> Session? {
        let memberKey = conversationKey
        guard let kept = previous.session.document[memberKey]?.arrayValue, !kept.isEmpty,
              let ranges = ranges ?? bytes.withUnsafeBytes({ CanonicalElementCache.elementRanges(in: $0, memberKey: memberKey) }),
              let first = ranges.first else { return nil }
        let shared = commonPrefixLength(bytes, previous.bytes)
        var reused = 0
        while reused < ranges.count, reused < kept.count, ranges[reused].upperBound <= shared { reused += 1 }
        guard reused > 0 else { return nil }
        let cutEnd = reused < ranges.count ? ranges[reused].lowerBound : ranges[reused - 1].upperBound
        var rest: [UInt8] = []
        rest.reserveCapacity(bytes.count - (cutEnd - first.lowerBound))
        rest.append(contentsOf: bytes[..<first.lowerBound])
        rest.append(contentsOf: bytes[cutEnd...])
        guard let document = try? rest.withUnsafeBytes({ raw throws(JSONDecodingError) in try StrictJSONDecoder(limits: limits).decode(raw) }),
              case var .object(object) = document.value, document.duplicates.count == 0,
              let decoded = object[memberKey]?.arrayValue else { return nil }
        object[memberKey] = .array(Array(kept[..<reused]) + decoded)
        return try? Session(document: object, unchangedFrom: previous.session)
    }

    /// How many leading bytes `a` and `b` share.
    private static func commonPrefixLength(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBytes { x in
            b.withUnsafeBytes { y in
                let n = min(x.count, y.count)
                var i = 0
                // Whole blocks by `memcmp` (vectorized), then the differing block byte by byte.
                let block = 4096
                while i + block <= n, let p = x.baseAddress, let q = y.baseAddress, memcmp(p + i, q + i, block) == 0 { i += block }
                while i < n, x[i] == y[i] { i += 1 }
                return i
            }
        }
    }

    /// The exact path: decodes `bytes` unless `decoded` already holds them, then `Session(document:)`.
    private static func content(of bytes: UnsafeRawBufferPointer, limits: JSONLimits, decoded: JSONDocument?) -> Content {
        let document: JSONDocument
        if let decoded {
            document = decoded
        } else {
            do throws(JSONDecodingError) {
                document = try StrictJSONDecoder(limits: limits).decode(bytes)
            } catch {
                return Content(schema: .undecodable(error.description), document: nil)
            }
        }
        guard case let .object(object) = document.value else {
            return Content(schema: .undecodable("the top-level value is not an object"), document: document)
        }
        do throws(SchemaError) {
            let session = try Session(document: object)
            return Content(schema: .valid(id: session.id, closedAt: session.document["closed_at"]?.stringValue, session: session), document: document)
        } catch {
            return Content(schema: .invalid(error), document: document)
        }
    }
}

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

internal import Glibc

/// Verification at the cost of the HMAC: authenticate first, then check the signature line's place.
///
/// JidoCode signs `Jason.encode!(unsigned, pretty: true, maps: :strict)` (`unsigned`: the session
/// map without `"signature"`) and writes the pretty encoding of the signed map. In that output every
/// line's indentation is twice its depth, no string holds a raw newline, and the signature member is
/// one line, `  "signature": "<44 base64 bytes>"`, followed by `,` unless it is the last member. So the
/// signed bytes are the file minus that line: this path takes the last line that starts like it (found
/// from the end, where JidoCode's sorted members put it), feeds the HMAC the file without it a region
/// of 16 KiB at a time (no copy), each just before one line scan reads the same bytes from the cache
/// (the newlines of a region found at once, `LineBreaks`), and accepts only when the MAC matches, the
/// scan finds that line and no other among the top-level members, and it sits where JidoCode puts it.
/// Anything it cannot decide (no or several such lines, a line out of place, a MAC that does not
/// match, an object of more than 32 members not in an accepted family's order, a long number or
/// string, a depth over the limit) returns nil and goes to `SessionSignature`'s scanning path,
/// unchanged.
///
/// Why a match decides `valid` and `canonical` (the slow path's verdict):
/// 1. Unforgeability: without the key, bytes whose HMAC matches are bytes a key holder MACed. The key
///    (PBKDF2 of the machine secret and the hostname) MACs exactly one kind of byte string, in every
///    program that holds it: the canonical encoding of a JSON object without its top-level `signature`
///    — JidoCode's `persistence.ex` (`Jason.encode!(unsigned, pretty: true)`, on write and verify),
///    this library's writer (`SessionSignature.signedFile`, whose bytes equal Jason's: the interop
///    suite pins them), the oracle's `sign-raw` (it signs what JidoCode verifies: Jason's encoding of
///    the decoded object) and `canonical --hmac` (the MAC of the canonical bytes). If the key ever
///    MACed other bytes (a program signing a file's raw bytes), this path could accept a file the slow
///    path rejects: that is the assumption, stated, not a property checked here.
/// 2. So `S` (the file minus the line) is Jason's pretty output of an object without `signature`:
///    duplicate-free, valid UTF-8, every line's indentation its depth. A line at indentation 2 that
///    ends with `,` ends a top-level member and a line at indentation 2 that is not a closer starts
///    one; so the checks below (previous line the opening `{` or an indentation-2 line ending with `,`;
///    next line an indentation-2 member, or the closing `}` when the signature is last and carried the
///    previous member's comma) place the line between two top-level members of `S`, and the
///    neighbouring keys sorting strictly around `signature` place it at its sorted position. A second
///    top-level `signature` line is refused: the scan must meet the line taken from the end at
///    depth 1 and no other line there that starts like it.
/// 3. An object of at most 32 members Jason writes in sorted key order (every release), so with only
///    such objects (counted here, the signature included) the file is exactly Jason's pretty encoding
///    of `S`'s object plus the signature: what JidoCode writes, byte for byte, hence `canonical`, with
///    no duplicates; the slow path, decoding it and re-encoding without the signature, gets `S` back
///    and the same MAC. A larger object Jason writes in `maps:to_list` order, which depends on the
///    Erlang/OTP release; given accepted `orders`, each such object's keys (the lines at its
///    members' indentation, read in the same scan) must follow one family's order, the same for all
///    of them (a large top level includes the signature line, so its place is checked by that order,
///    not by the sorted neighbours). Then the file is the encoding in that family `Y` of the
///    document, the signed bytes are its encoding without the signature (a sub-sequence of a
///    family's order is in that order), and the slow path, trying the families in `orders`' order,
///    stops at the first whose encoding is the file: the first family that fits here, the one
///    reported. A top level of exactly 33 members with the signature is left to the scanning path
///    (without the signature it is a 32-member map, in byte order), and so is a file whose large
///    objects follow no accepted family (it may still verify, not canonical, under another).
/// 4. What the decoder refuses although Jason writes it (a number of more than `maxNumberLength`
///    characters, a depth over `maxDepth`, a string over `maxStringBytes`) is excluded: the number at
///    a line's end is measured when the line is longer than the number limit (a shorter line cannot
///    hold a longer number), the nesting counted, a line longer than the string limit refused.
///    Jason writes integers as digits (our decoder keeps every digit) and floats in Erlang's shortest
///    form, both re-encoded to the same bytes.
/// 5. Resuming (`Checkpoint`): the scan's state and the MAC's at a line start `c` of a file `P`, taken
///    when this scan of `P` got there, having met no top-level signature line and removed nothing
///    before `c`. Every decision the scan makes up to `c` reads only the bytes before `c` (a line's
///    indentation, closer and last byte lie within the line, whose newline is before `c`; the line
///    breaks before `c` are the same), the MAC absorbs exactly those bytes, and the signature line
///    enters only by its position, which is at or after `c` in both files. So a scan of bytes that
///    start with `P`'s first `c` bytes (compared in full), remove nothing before `c` and are checked
///    under the same key, limits, orders and key reporting has at `c` exactly that state (the stack
///    bound, which depends on the file's size, is checked against the deepest nesting before `c`):
///    resuming there computes what the full scan computes, so the verdict is the same, and points
///    1-4 hold for it unchanged. A checkpoint is this process's own memory, never read from a file.
/// The `fastpath` fuzz check (`FuzzChecks.fastPath`) compares this path with the scanning one on moved,
/// duplicated, nested and re-indented signature lines and comma games around it, and resumed scans
/// with full ones.
package enum MACFirstVerification {
    /// The verdict when the file authenticates and its signature line is where JidoCode puts it; nil
    /// otherwise (the caller's scanning path decides).
    ///
    /// `orders`: the Erlang/OTP families accepted for objects of more than 32 members, as for
    /// `SessionSignature.verify` (empty: JidoCode's default family); nil leaves every file with such
    /// an object to the scanning path.
    package static func verify(_ bytes: UnsafeRawBufferPointer, key: SessionKey, limits: JSONLimits,
                               orders: [BeamOrder]? = nil) -> SignatureVerification? {
        decide(bytes, key: key, limits: limits, orders: orders, reportingKeys: false)?.verification
    }

    /// `verify`, and whether any key of the file has a byte of 0x80 or more (only those can be
    /// ambiguous: `KeyAmbiguity`), found by the same line scan.
    static func verifyReportingKeys(_ bytes: UnsafeRawBufferPointer, key: SessionKey, limits: JSONLimits,
                                    orders: [BeamOrder]? = nil) -> (verification: SignatureVerification, hasNonASCIIKeys: Bool)? {
        decide(bytes, key: key, limits: limits, orders: orders, reportingKeys: true)
    }

    /// `verify` that resumes from `resuming` (a checkpoint and the bytes of the file it was made
    /// from) when it applies to `bytes` (point 5), and that makes a checkpoint at the start of the
    /// line holding offset `checkpointAt` when the file verifies (nil when that line starts after
    /// the bytes the signature line removes, or before the resumed checkpoint, or the scan meets a
    /// top-level signature line before it). Same verdict as `verify` on every input;
    /// `resumed` tells whether the checkpoint was used.
    package static func verify(_ bytes: UnsafeRawBufferPointer, key: SessionKey, limits: JSONLimits, orders: [BeamOrder]?,
                               resuming: (checkpoint: Checkpoint, madeFrom: UnsafeRawBufferPointer)?,
                               checkpointAt: Int?) -> (verification: SignatureVerification, checkpoint: Checkpoint?, resumed: Bool)? {
        var checkpoint: Checkpoint?
        var resumed = false
        let result = decide(bytes, key: key, limits: limits, orders: orders, reportingKeys: false,
                            resuming: resuming, checkpointAt: checkpointAt, made: &checkpoint, resumed: &resumed)
        return result.map { ($0.verification, checkpoint, resumed) }
    }

    /// `verifyReportingKeys`; `hasNonASCIIKeys` is looked for only when `reportingKeys` (false otherwise).
    private static func decide(_ bytes: UnsafeRawBufferPointer, key: SessionKey, limits: JSONLimits, orders: [BeamOrder]?,
                               reportingKeys: Bool) -> (verification: SignatureVerification, hasNonASCIIKeys: Bool)? {
        var unused: Checkpoint?
        var resumed = false
        return decide(bytes, key: key, limits: limits, orders: orders, reportingKeys: reportingKeys, resuming: nil, checkpointAt: nil,
                      made: &unused, resumed: &resumed)
    }

    private static func decide(_ bytes: UnsafeRawBufferPointer, key: SessionKey, limits: JSONLimits, orders: [BeamOrder]?,
                               reportingKeys: Bool, resuming: (checkpoint: Checkpoint, madeFrom: UnsafeRawBufferPointer)?,
                               checkpointAt: Int?, made: inout Checkpoint?,
                               resumed: inout Bool) -> (verification: SignatureVerification, hasNonASCIIKeys: Bool)? {
        let orders = orders.map { $0.isEmpty ? [BeamOrder.jidoCodeDefault] : $0 }
        do {
            var mac = try HMACSHA256(key: key)
            let scan = Scan(key: key, limits: limits, orders: orders, reportingKeys: reportingKeys)
            var checkpoint: Checkpoint?
            guard let plan = try locate(bytes, limits: limits, largeObjectOrders: orders, reportingKeys: reportingKeys, feeding: &mac,
                                        scan: scan, resuming: resuming, checkpointAt: checkpointAt, made: &checkpoint, resumed: &resumed)
            else { return nil }
            let signature = UnsafeRawBufferPointer(rebasing: bytes[plan.signature])
            guard let received = Base64.decodeStrict(signature).flatMap({ MessageAuthenticationCode(bytes: $0) }),
                  signature.count == SessionSignature.encodedLength, try mac.finalize() == received else { return nil }
            let verification = SignatureVerification(verdict: .valid, isCanonical: true, hasLargeObjects: plan.beamOrder != nil,
                                                     beamOrder: plan.beamOrder)
            made = checkpoint
            return (verification, plan.hasNonASCIIKeys)
        } catch {
            return nil
        }
    }

    /// What a scan's state depends on besides the bytes: a checkpoint applies only to a scan of the same.
    struct Scan: Sendable {
        fileprivate let keyTemplate: LibCrypto.HMACTemplate
        fileprivate let limits: JSONLimits
        fileprivate let orders: [BeamOrder]?
        fileprivate let reportingKeys: Bool

        init(key: SessionKey, limits: JSONLimits, orders: [BeamOrder]?, reportingKeys: Bool) {
            (keyTemplate, self.limits, self.orders, self.reportingKeys) = (key.hmacTemplate, limits, orders, reportingKeys)
        }

        func isSame(as other: Scan) -> Bool {
            keyTemplate === other.keyTemplate && limits == other.limits && orders == other.orders && reportingKeys == other.reportingKeys
        }
    }

    /// The line scan's state and the MAC's at the line start `offset` of a file the scan decided
    /// (point 5): where a scan of a file that starts with the same `offset` bytes can resume.
    ///
    /// `@unchecked Sendable`: every member is immutable; `mac` shares its OpenSSL context with the
    /// copies taken from it, which duplicate it before their first update (`HMACSHA256` is
    /// copy-on-write), so the shared context is only ever read.
    package struct Checkpoint: @unchecked Sendable {
        package let offset: Int
        fileprivate let scan: Scan
        fileprivate let mac: HMACSHA256
        fileprivate let depth: Int
        fileprivate let members: Int
        fileprivate let firstKey: Int
        /// The open containers but the innermost (the scan's `stack[0..<depth - 1]`).
        fileprivate let levels: [Level]
        fileprivate let keyQuotes: [Int]
        fileprivate let fits: [Bool]
        fileprivate let sawLargeObject: Bool
        fileprivate let previousMember: Int?
        fileprivate let hasNonASCIIKeys: Bool
        fileprivate let lookForNonASCIIKeys: Bool
        /// The deepest nesting before `offset` (checked against the resumed file's stack bound).
        fileprivate let deepest: Int

        /// Whether a scan `scan` of `bytes`, removing nothing before `removedFrom`, with a stack of
        /// `capacity` levels, has this state at `offset`: `bytes` start with the `offset` bytes of
        /// `previous` (this checkpoint's file).
        fileprivate func applies(to bytes: UnsafeRawBufferPointer, madeFrom previous: UnsafeRawBufferPointer, scan: Scan,
                                 removedFrom: Int, capacity: Int) -> Bool {
            guard self.scan.isSame(as: scan), offset <= removedFrom, offset < bytes.count, offset <= previous.count,
                  deepest <= capacity, let a = bytes.baseAddress, let b = previous.baseAddress else { return false }
            return memcmp(a, b, offset) == 0
        }
    }

    /// Where the signature's text is and which bytes the writer added with it (the line, its newline
    /// and the comma of its own or of the previous member's); `beamOrder`: with objects of more than
    /// 32 members, the first accepted family whose order all of them follow.
    struct Plan: Equatable {
        let signature: Range<Int>
        let removed: Range<Int>
        let hasNonASCIIKeys: Bool
        let beamOrder: BeamOrder?
    }

    private struct Line {
        var start: Int
        var end: Int  // the newline's offset, or the file's end
        var indent: Int
    }

    /// An open container of the line scan.
    fileprivate struct Level: Sendable {
        /// Members so far for an object, -1 for an array.
        var members: Int
        /// Where the object's key offsets start in the scan's key list.
        var firstKey: Int
    }

    /// The line scan: structure of a pretty-printed object, the signature line and its neighbours;
    /// nil when anything is not as Jason writes it. On the way it feeds `mac` the file minus the
    /// bytes the plan removes (complete when a plan is returned; partial when nil).
    ///
    /// `largeObjectOrders`: nil refuses any object of more than 32 members; otherwise such an object
    /// must have its keys in the order of one of these families (the same one for every such object,
    /// the first that fits is reported) and a top level of exactly 33 members with the signature is
    /// refused (its signed bytes are a 32-member map, in byte order).
    ///
    /// With `scan` (what this scan's state depends on besides the bytes): `resuming`, start from that
    /// checkpoint when it applies (point 5), setting `resumed`; `checkpointAt`, make one (`made`) at
    /// the start of the line holding that offset, when the scan gets there and nothing is removed
    /// before it.
    static func locate(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits, largeObjectOrders: [BeamOrder]?,
                       reportingKeys: Bool = true, feeding mac: inout HMACSHA256,
                       scan: Scan? = nil, resuming: (checkpoint: Checkpoint, madeFrom: UnsafeRawBufferPointer)? = nil,
                       checkpointAt: Int? = nil, made: inout Checkpoint?, resumed: inout Bool) throws -> Plan? {
        let count = bytes.count
        guard count >= 4, count <= limits.maxInputBytes, bytes[0] == ASCII.openBrace, bytes[1] == ASCII.newline,
              bytes[count - 1] == ASCII.closeBrace, bytes[count - 2] == ASCII.newline else { return nil }
        // The signature line is the last line that starts `  "signature": "` (a line the scan finds
        // at depth 1 must be that one); the writer added it with its newline and its own comma, or
        // the previous member's when it carries none (checked in full below). Knowing it first, the
        // MAC gets each region of the file just before the scan reads it: it brings the bytes into the
        // cache while it computes, and the scan then reads them from there.
        guard let candidate = lastSignatureLine(bytes) else { return nil }
        let removed = bytes[candidate.end - 1] == ASCII.comma ? (candidate.start - 1)..<candidate.end : (candidate.start - 2)..<candidate.end
        let memberLimit = largeObjectOrders == nil ? BeamMapOrder.smallMapLimit : Int.max
        // The open containers but the innermost, outermost first (a nesting depth needs as many lines
        // of 2 bytes at least, so `count / 2 + 1` levels are never short; the limit is checked anyway).
        let capacity = min(limits.maxDepth, count / 2) + 1
        let resume = resuming.flatMap { r in
            scan.map { r.checkpoint.applies(to: bytes, madeFrom: r.madeFrom, scan: $0, removedFrom: removed.lowerBound, capacity: capacity) }
                == true ? r.checkpoint : nil
        }
        resumed = resume != nil
        // Where to take a checkpoint: the start of the line holding the offset asked for, when it is
        // after the first line, not after anything removed, and not before where this scan starts.
        let mark: Int? = checkpointAt.flatMap { offset in
            guard scan != nil, offset >= 2, offset < count else { return nil }
            let lineStart = (LineBreaks.last(in: bytes, before: offset) ?? -1) + 1
            return lineStart >= max(2, resume?.offset ?? 0) && lineStart <= removed.lowerBound ? lineStart : nil
        }
        var macAtMark: HMACSHA256?
        let stack = UnsafeMutablePointer<Level>.allocate(capacity: capacity)
        defer { stack.deallocate() }
        var depth = 1
        var deepest = 1
        // The innermost open container: its members so far (-1 for an array) and where its keys start
        // in `keyQuotes`.
        var members = 0
        var firstKey = 0
        // The opening quotes of the keys of the open objects (only with `largeObjectOrders`): a stack
        // of offsets, each object's from its `firstKey`.
        var keyQuotes = OffsetStack()
        defer { keyQuotes.deallocate() }
        // Per accepted family: whether every closed large object follows it.
        var fits = largeObjectOrders.map { [Bool](repeating: true, count: $0.count) } ?? []
        var sawLargeObject = false
        var topLevelMembers = 0
        // Where the last top-level member line seen starts, and the top-level members around the
        // signature line.
        var previousMember: Int?
        var sawSignature = false
        var memberBeforeSignature: Int?
        var memberAfterSignature: Int?
        var hasNonASCIIKeys = false
        var lookForNonASCIIKeys = reportingKeys
        if let resume {
            mac = resume.mac
            depth = resume.depth
            deepest = resume.deepest
            (members, firstKey) = (resume.members, resume.firstKey)
            for (i, level) in resume.levels.enumerated() { stack[i] = level }
            for quote in resume.keyQuotes { keyQuotes.append(quote) }
            fits = resume.fits
            sawLargeObject = resume.sawLargeObject
            previousMember = resume.previousMember
            hasNonASCIIKeys = resume.hasNonASCIIKeys
            lookForNonASCIIKeys = resume.lookForNonASCIIKeys
        }
        var lineBreaks = LineBreaks(bytes, from: resume?.offset ?? 0)
        defer { lineBreaks.deallocate() }
        // Each region of the file goes to the MAC (minus `removed`) just before the scan reads it;
        // the MAC's state is kept where a checkpoint is to be made.
        let feedRegion = { (region: Range<Int>) throws in
            if let mark, region.contains(mark) {
                try feed(&mac, bytes, from: region.lowerBound, to: mark, skipping: removed)
                macAtMark = mac
                try feed(&mac, bytes, from: mark, to: region.upperBound, skipping: removed)
            } else {
                try feed(&mac, bytes, from: region.lowerBound, to: region.upperBound, skipping: removed)
            }
        }
        if resume == nil {
            guard try lineBreaks.next(reading: feedRegion) == 1 else { return nil }
        }
        // A line longer than this may be over the string limit or end with a number over its limit.
        let shortLine = min(limits.maxStringBytes, limits.maxNumberLength)
        let recordsKeys = largeObjectOrders != nil
        var start = resume?.offset ?? 2
        // The scan stops once at the checkpoint's line (a line start: the scan passes through each).
        var stop = mark ?? count
        while true {
            while start < stop {
                let end = try lineBreaks.next(reading: feedRegion)
                let isLong = end &- start > shortLine
                if isLong { guard end - start <= limits.maxStringBytes else { return nil } }
                // A closer sits one level out: whether this line is one is read at that column, without
                // waiting for the indentation (which is then checked to be exactly that).
                let closerColumn = start &+ 2 &* (depth &- 1)
                guard closerColumn < end else { return nil }
                let closer = bytes[closerColumn]
                let last = bytes[end &- 1]
                if closer == ASCII.closeBrace || closer == ASCII.closeBracket {
                    // `}` or `]`, with a comma unless it closes the last element.
                    let indent = indentation(bytes, start: start, end: end)
                    depth &-= 1
                    guard (members >= 0) == (closer == ASCII.closeBrace), indent == 2 &* depth,
                          end &- start &- indent == 1 || (end &- start &- indent == 2 && last == ASCII.comma) else { return nil }
                    if members > BeamMapOrder.smallMapLimit, let largeObjectOrders {
                        // Jason wrote this map in `maps:to_list` order: it must be an accepted family's.
                        sawLargeObject = true
                        let quotes = UnsafeBufferPointer(start: keyQuotes.base + firstKey, count: keyQuotes.count &- firstKey)
                        for (i, order) in largeObjectOrders.enumerated() where fits[i] {
                            fits[i] = CanonicalKey.followLargeObjectOrder(bytes, quotes: quotes, order: order)
                        }
                        guard fits.contains(true) else { return nil }
                    }
                    if members >= 0 { keyQuotes.count = firstKey }
                    if depth == 0 {
                        guard end == count else { return nil }
                        topLevelMembers = members
                    } else {
                        (members, firstKey) = (stack[depth &- 1].members, stack[depth &- 1].firstKey)
                    }
                } else {
                    let indent = indentation(bytes, start: start, end: end)
                    guard indent == 2 &* depth, start &+ indent < end else { return nil }
                    let first = bytes[start &+ indent]
                    guard first != ASCII.closeBrace, first != ASCII.closeBracket else { return nil }
                    if members >= 0 {
                        guard first == ASCII.quote, members < memberLimit else { return nil }
                        members &+= 1
                        if recordsKeys { keyQuotes.append(start &+ indent) }
                        if lookForNonASCIIKeys, keyHasNonASCIIByte(bytes, from: start + indent + 1, to: end) {
                            hasNonASCIIKeys = true
                            lookForNonASCIIKeys = false
                        }
                        if depth == 1 {
                            if isSignature(bytes, after: start + 3) {
                                guard !sawSignature, start == candidate.start else { return nil }
                                sawSignature = true
                                memberBeforeSignature = previousMember
                            } else if sawSignature, memberAfterSignature == nil {
                                memberAfterSignature = start
                            }
                            previousMember = start
                        }
                    }
                    // The value's last byte, before the comma that separates it from the next element.
                    var opening = last
                    if last == ASCII.comma, end &- 1 > start &+ indent { opening = bytes[end &- 2] }
                    if opening == ASCII.openBrace || opening == ASCII.openBracket {
                        guard depth < limits.maxDepth, depth < capacity else { return nil }
                        stack[depth &- 1] = Level(members: members, firstKey: firstKey)
                        (members, firstKey) = (opening == ASCII.openBrace ? 0 : -1, keyQuotes.count)
                        depth &+= 1
                        if depth > deepest { deepest = depth }
                    } else if isLong, opening >= ASCII.zero && opening <= ASCII.nine {
                        // (A number within a line no longer than its limit is within it.)
                        var digits = 0
                        var i = last == ASCII.comma ? end - 2 : end - 1
                        while i > start, isNumberByte(bytes[i]) { digits += 1; i -= 1 }
                        guard digits <= limits.maxNumberLength else { return nil }
                    }
                }
                start = end &+ 1
            }
            guard start < count else { break }
            if !sawSignature, let scan {
                // The MAC has absorbed exactly the bytes before `start` unless the region holding it
                // was fed already (then `macAtMark` holds that state).
                made = Checkpoint(offset: start, scan: scan, mac: macAtMark ?? mac, depth: depth, members: members, firstKey: firstKey,
                                  levels: Array(UnsafeBufferPointer(start: stack, count: depth &- 1)),
                                  keyQuotes: Array(UnsafeBufferPointer(start: keyQuotes.base, count: keyQuotes.count)), fits: fits,
                                  sawLargeObject: sawLargeObject, previousMember: previousMember, hasNonASCIIKeys: hasNonASCIIKeys,
                                  lookForNonASCIIKeys: lookForNonASCIIKeys, deepest: deepest)
            }
            stop = count
        }
        guard depth == 0, sawSignature, candidate.end < count else { return nil }
        // The lines around the signature line (the scan has read them: both are well formed).
        let signatureLine = Line(start: candidate.start, end: candidate.end, indent: 2)
        let lineBeforeSignature = line(bytes, endingAt: candidate.start - 1)
        let lineAfterSignature = line(bytes, startingAt: candidate.end + 1)
        // The text: `  "signature": "` then 44 bytes, `"` and an optional comma.
        let valueStart = signatureLine.start + 2 + prefix.count
        let length = signatureLine.end - valueStart
        guard length == SessionSignature.encodedLength + 1 || length == SessionSignature.encodedLength + 2,
              bytes[valueStart + SessionSignature.encodedLength] == ASCII.quote else { return nil }
        let hasComma = length == SessionSignature.encodedLength + 2
        if hasComma { guard bytes[signatureLine.end - 1] == ASCII.comma else { return nil } }
        let previousEndsMember = lineBeforeSignature.indent == 2 && bytes[lineBeforeSignature.end - 1] == ASCII.comma
        if hasComma {
            // `\n  "signature": "...",` before another top-level member.
            let previousIsOpening = lineBeforeSignature.end == 1
            guard previousIsOpening || previousEndsMember, lineAfterSignature.indent == 2,
                  bytes[lineAfterSignature.start + 2] == ASCII.quote,
                  removed == (signatureLine.start - 1)..<signatureLine.end else { return nil }
        } else {
            // `,\n  "signature": "..."` then the closing `}`: the comma was the previous member's.
            guard previousEndsMember, lineAfterSignature.end == count, lineAfterSignature.indent == 0,
                  removed == (lineBeforeSignature.end - 1)..<signatureLine.end else { return nil }
        }
        if topLevelMembers <= BeamMapOrder.smallMapLimit {
            // Sorted position: the top-level keys around it sort strictly before and after `signature`.
            if let before = memberBeforeSignature { guard compareToSignature(bytes, keyAt: before + 3) < 0 else { return nil } }
            if let after = memberAfterSignature { guard compareToSignature(bytes, keyAt: after + 3) > 0 else { return nil } }
        } else {
            // A large top level: its order check above placed the signature. Without it the top level
            // must still be large (33 members with it are 32 in byte order without it).
            guard topLevelMembers > BeamMapOrder.smallMapLimit + 1 else { return nil }
        }
        let beamOrder = sawLargeObject ? largeObjectOrders.flatMap { orders in fits.firstIndex(of: true).map { orders[$0] } } : nil
        return Plan(signature: valueStart..<(valueStart + SessionSignature.encodedLength), removed: removed,
                    hasNonASCIIKeys: hasNonASCIIKeys, beamOrder: beamOrder)
    }

    private static let eightSpaces: UInt64 = 0x2020_2020_2020_2020

    /// The line whose newline is at `end` (the opening `{` when `end` is 1).
    private static func line(_ bytes: UnsafeRawBufferPointer, endingAt end: Int) -> Line {
        let start = LineBreaks.last(in: bytes, before: end).map { $0 + 1 } ?? 0
        return Line(start: start, end: end, indent: indentation(bytes, start: start, end: end))
    }

    /// The line that starts at `start` (which is below the count).
    private static func line(_ bytes: UnsafeRawBufferPointer, startingAt start: Int) -> Line {
        var end = start
        while end < bytes.count, bytes[end] != ASCII.newline { end += 1 }
        return Line(start: start, end: end, indent: indentation(bytes, start: start, end: end))
    }

    /// The number of spaces that start the line `start..<end`, eight bytes at a time (the newline at
    /// `end` stops the words).
    @inline(__always)
    private static func indentation(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int) -> Int {
        var i = start
        if i &+ 16 <= bytes.count {
            // Two words without a branch between them (indentations of 8 and more are common: a
            // loop's exit would be a guess): a word of spaces counts 8 (its trailing zeros are 64).
            let low = (UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) ^ eightSpaces).trailingZeroBitCount &>> 3
            let high = (UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self)) ^ eightSpaces).trailingZeroBitCount &>> 3
            let count = low &+ (high & (0 &- (low &>> 3)))
            if count < 16 { return count }
            i &+= 16
        }
        while i &+ 8 <= bytes.count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) ^ eightSpaces
            if word != 0 { return i &- start &+ word.trailingZeroBitCount &>> 3 }
            i &+= 8
        }
        while i < end, bytes[i] == ASCII.space { i += 1 }
        return i - start
    }

    /// A stack of offsets that grows by doubling; freed by `deallocate`.
    private struct OffsetStack {
        private(set) var base = UnsafeMutablePointer<Int>.allocate(capacity: 256)
        private var capacity = 256
        /// Set only to shrink.
        var count = 0

        @inline(__always)
        mutating func append(_ offset: Int) {
            if count == capacity {
                let grown = UnsafeMutablePointer<Int>.allocate(capacity: 2 * capacity)
                grown.moveInitialize(from: base, count: count)
                base.deallocate()
                base = grown
                capacity *= 2
            }
            base[count] = offset
            count &+= 1
        }

        func deallocate() { base.deallocate() }
    }

    /// Feeds `mac` the bytes `from..<to` except those of `removed`.
    @inline(__always)
    private static func feed(_ mac: inout HMACSHA256, _ bytes: UnsafeRawBufferPointer, from: Int, to: Int, skipping removed: Range<Int>) throws {
        let before = min(to, removed.lowerBound)
        if before > from { try mac.update(UnsafeRawBufferPointer(rebasing: bytes[from..<before])) }
        let after = max(from, removed.upperBound)
        if to > after { try mac.update(UnsafeRawBufferPointer(rebasing: bytes[after..<to])) }
    }

    /// `  "signature": "`: how a top-level signature member's line starts.
    private static let linePrefix = Array("  ".utf8) + prefix

    /// The last line of `bytes` that starts with `linePrefix`, found from the end (the signature
    /// member is among the last top-level members); `end` is its newline's offset or the file's end.
    static func lastSignatureLine(_ bytes: UnsafeRawBufferPointer) -> (start: Int, end: Int)? {
        var lineEnd = bytes.count
        while let offset = LineBreaks.last(in: bytes, before: lineEnd) {
            let start = offset + 1
            if lineEnd - start >= linePrefix.count,
               UnsafeRawBufferPointer(rebasing: bytes[start..<(start + linePrefix.count)]).elementsEqual(linePrefix) {
                return (start, lineEnd)
            }
            lineEnd = offset
        }
        return nil
    }

    /// `"signature": "` (after the line's `  "`).
    private static let prefix = Array("\"signature\": \"".utf8)
    private static let name = Array(SessionSignature.memberName.utf8)

    /// True when the member line's text from `offset` (just after its opening quote) is `signature": "`.
    private static func isSignature(_ bytes: UnsafeRawBufferPointer, after offset: Int) -> Bool {
        let text = prefix.dropFirst()
        guard offset + text.count <= bytes.count else { return false }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + text.count)]).elementsEqual(text)
    }

    /// The order of the key written from `offset` (just after its opening quote, as Jason escapes it)
    /// against `signature`: bytes of Jason's escapes (`\`, `"`) and the characters they stand for
    /// (`"`, `\`, controls) all sort below every letter of `signature`, so the first difference within
    /// its 9 bytes decides; a key equal over them is `signature` itself only if its closing quote follows.
    static func compareToSignature(_ bytes: UnsafeRawBufferPointer, keyAt offset: Int) -> Int {
        for (i, expected) in name.enumerated() {
            guard offset + i < bytes.count else { return -1 }
            let byte = bytes[offset + i]
            if byte == ASCII.quote { return -1 }  // a proper prefix
            if byte != expected { return byte < expected ? -1 : 1 }
        }
        guard offset + name.count < bytes.count else { return -1 }
        return bytes[offset + name.count] == ASCII.quote ? 0 : 1
    }

    /// True when the key starting at `offset` (after its opening quote) has a byte of 0x80 or more
    /// before its closing quote (escapes skipped) or the line's end.
    private static func keyHasNonASCIIByte(_ bytes: UnsafeRawBufferPointer, from offset: Int, to end: Int) -> Bool {
        var i = offset
        while i < end {
            let byte = bytes[i]
            if byte == ASCII.quote { return false }
            if byte >= 0x80 { return true }
            i += byte == ASCII.backslash ? 2 : 1
        }
        return false
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        (byte >= ASCII.zero && byte <= ASCII.nine) || byte == ASCII.dot || byte == ASCII.minus || byte == ASCII.plus || byte | 0x20 == ASCII.lowerE
    }
}

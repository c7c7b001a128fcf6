internal import Glibc

/// The Erlang/OTP release family whose map iteration order JidoCode's JSON shows.
///
/// Jason (JidoCode's JSON library) never sorts keys: it writes each map's members in the order
/// `:maps.to_list/1` returns them. For a map of up to 32 members that is ascending byte order on
/// every release; for a larger map it is the order of the BEAM's hash trie, which depends on the
/// release that ran JidoCode. The signed bytes of a session with an object of more than 32 members
/// therefore depend on that release.
public enum BeamOrder: String, Sendable, CaseIterable, Codable {
    /// Erlang/OTP 25 and, for binary keys, most 26.x builds: a Jenkins lookup2 hash of 32 bits per
    /// trie level group, with a fresh salted hash every 8 levels.
    case otp25
    /// Erlang/OTP 27 and 28 (JidoCode pins OTP 28.1.1): a Murmur3-like 64-bit hash with collision
    /// nodes in term order.
    case otp27

    /// The family of the release JidoCode pins (OTP 28.1.1, which orders maps as OTP 27 does).
    public static let jidoCodeDefault: BeamOrder = .otp27
}

/// The order `maps:to_list/1` (so Jason) gives the members of a map with binary keys, and the two
/// BEAM hash functions behind it. Keys are byte strings (their UTF-8), never Swift `String`s.
///
/// - A map of at most `smallMapLimit` members is a flat map: ascending unsigned byte order.
/// - A larger map is a hash trie (HAMT). Its forward depth-first order is ascending by the
///   "swizzled" hash (the hash's nibbles read lowest first), and `maps:to_list` returns the exact
///   REVERSE of that walk; see `/work/shared/BEAM-MAP-ORDER.md`.
enum BeamMapOrder {
    /// `MAP_SMALL_MAP_LIMIT`: the largest map the BEAM keeps flat (sorted by key).
    static let smallMapLimit = 32

    /// OTP 25 goes to a fresh salted hash `h_d` (d = 1, 2, …) when two keys share all 32 bits of the
    /// previous one; its trie has no collision nodes. The order here consults `h_0` through
    /// `h_{otp25MaxLevels - 1}` (256 bits) and only then falls back to the byte order (descending,
    /// as for OTP 27 collisions): distinct keys equal on all those hashes are not expected to exist.
    static let otp25MaxLevels = 8

    // MARK: - OTP 27/28: erts_internal_hash of a binary (make_internal_hash(K, 0), 64-bit LE VM)

    private static let c1: UInt64 = 0x87C3_7B91_1142_53D5
    private static let c2: UInt64 = 0x4CF5_AD43_2745_937F

    @inline(__always)
    private static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inline(__always)
    private static func fmix64(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h &*= 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }

    /// The little-endian value of `key[from..<to]` (at most 8 bytes).
    @inline(__always)
    private static func littleEndian(_ key: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> UInt64 {
        var v: UInt64 = 0
        var i = to
        while i > from {
            i -= 1
            v = (v << 8) | UInt64(key[i])
        }
        return v
    }

    /// `erts_map_hash(Key)` on OTP 27/28 for a binary key.
    static func otp27Hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var alpha: UInt64 = 0, beta: UInt64 = 0, ticks: UInt64 = 0
        @inline(__always) func mixAlpha(_ value: UInt64) {
            var x = value &* c1
            x = rotl(x, 31)
            x &*= c2
            alpha ^= x
            alpha = rotl(alpha, 27)
            alpha &+= beta
            alpha = alpha &* 5 &+ 0x52DC_E729
            ticks &+= 1
        }
        @inline(__always) func mixBeta(_ value: UInt64) {
            var x = value &* c2
            x = rotl(x, 33)
            x &*= c1
            beta ^= x
            beta = rotl(beta, 31)
            beta &+= alpha
            beta = beta &* 5 &+ 0x3849_5AB5
            ticks &+= 1
        }
        mixAlpha(11) // IHASH_TYPE_BINARY
        mixBeta(UInt64(key.count) &* 8) // the size in bits
        let n = key.count
        var i = 0
        while i + 16 <= n {
            mixAlpha(UInt64(littleEndian: key.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            mixBeta(UInt64(littleEndian: key.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)))
            i += 16
        }
        // Murmur3 x64_128 tail: no tick, no rotate/add.
        let r = n - i
        if r > 8 {
            var v = littleEndian(key, i + 8, n)
            v &*= c2
            v = rotl(v, 33)
            v &*= c1
            beta ^= v
        }
        if r > 0 {
            var v = littleEndian(key, i, i + min(r, 8))
            v &*= c1
            v = rotl(v, 31)
            v &*= c2
            alpha ^= v
        }
        alpha ^= ticks
        beta ^= ticks
        alpha &+= beta
        beta &+= alpha
        alpha = fmix64(alpha)
        beta = fmix64(beta)
        alpha &+= beta
        beta &+= alpha
        return alpha ^ beta
    }

    // MARK: - OTP 25: make_map_hash(K, level), Jenkins lookup2 (utils.c)

    /// Bob Jenkins' `MIX` (utils.c, OTP 25), mod 2^32.
    @inline(__always)
    private static func mix(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32) {
        a &-= b; a &-= c; a ^= c >> 13
        b &-= c; b &-= a; b ^= a << 8
        c &-= a; c &-= b; c ^= b >> 13
        a &-= b; a &-= c; a ^= c >> 12
        b &-= c; b &-= a; b ^= a << 16
        c &-= a; c &-= b; c ^= b >> 5
        a &-= b; a &-= c; a ^= c >> 3
        b &-= c; b &-= a; b ^= a << 10
        c &-= a; c &-= b; c ^= b >> 15
    }

    private static let hconst22: UInt32 = 0x98C4_75E6
    private static let hconst13: UInt32 = 0x08D1_2E65
    private static let internalHashSalt: UInt32 = 3_432_918_353
    private static let goldenRatio: UInt32 = 0x9E37_79B9

    /// `make_map_hash(Key, level)` on OTP 25 for a binary key; level 0 is the trie's first hash.
    static func otp25Hash(_ key: UnsafeRawBufferPointer, level: Int) -> UInt32 {
        var salt: UInt32 = 0
        if level != 0 {
            var a = hconst22 &+ UInt32(truncatingIfNeeded: level), b = hconst22 &+ 1, c: UInt32 = 0
            mix(&a, &b, &c)
            salt = c
        }
        let con = hconst13 &+ (salt ^ internalHashSalt)
        let n = key.count
        guard n > 0 else { return con }
        // block_hash(bytes, len, con)
        var a = goldenRatio, b = goldenRatio, c = con
        var i = 0
        while n - i >= 12 {
            a &+= UInt32(littleEndian: key.loadUnaligned(fromByteOffset: i, as: UInt32.self))
            b &+= UInt32(littleEndian: key.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
            c &+= UInt32(littleEndian: key.loadUnaligned(fromByteOffset: i + 8, as: UInt32.self))
            mix(&a, &b, &c)
            i += 12
        }
        c &+= UInt32(truncatingIfNeeded: n)
        var j = 0
        while i + j < n {
            let v = UInt32(key[i + j])
            switch j {
            case 0..<4: a &+= v << UInt32(8 * j)
            case 4..<8: b &+= v << UInt32(8 * (j - 4))
            default: c &+= v << UInt32(8 * (j - 7)) // bytes 8-10 at bits 8-31; c's low byte holds the length
            }
            j += 1
        }
        mix(&a, &b, &c)
        return c
    }

    // MARK: - Order

    /// The hash with its nibbles in reverse order (`swizzle_map_hash`): the trie consumes the
    /// lowest nibble first, so ascending swizzled hashes are the trie's forward order.
    @inline(__always)
    static func swizzle(_ hash: UInt64) -> UInt64 {
        let x = hash.byteSwapped
        return ((x & 0x0F0F_0F0F_0F0F_0F0F) << 4) | ((x >> 4) & 0x0F0F_0F0F_0F0F_0F0F)
    }

    @inline(__always)
    static func swizzle(_ hash: UInt32) -> UInt32 {
        let x = hash.byteSwapped
        return ((x & 0x0F0F_0F0F) << 4) | ((x >> 4) & 0x0F0F_0F0F)
    }

    /// A key's place in `maps:to_list` of a large map, computed once per key: comparing two ranks
    /// costs one integer comparison and never allocates.
    ///
    /// `a < b` means a comes before b. Equal ranks of distinct keys are a collision of the primary
    /// hash (the full 64 bits on OTP 27, `h_0` on OTP 25); `precedes(_:_:ranks:in:)` resolves them.
    struct Rank: Comparable, Hashable {
        /// The key's position in the trie's forward walk (the swizzled hash; on OTP 25 of `h_0`).
        let forward: UInt64

        /// A placeholder, before a first key is ranked.
        static let zero = Rank(forward: 0)

        init(forward: UInt64) { self.forward = forward }

        init(_ key: UnsafeRawBufferPointer, order: BeamOrder) {
            switch order {
            case .otp27: forward = BeamMapOrder.swizzle(BeamMapOrder.otp27Hash(key))
            case .otp25: forward = UInt64(BeamMapOrder.swizzle(BeamMapOrder.otp25Hash(key, level: 0)))
            }
        }

        /// `maps:to_list` is the reverse of the forward walk.
        static func < (a: Rank, b: Rank) -> Bool { a.forward > b.forward }
    }

    /// Ascending unsigned byte order, a shorter prefix first (Erlang's term order on binaries).
    @inline(__always)
    static func bytesPrecede(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        let common = min(a.count, b.count)
        if common > 0, let x = a.baseAddress, let y = b.baseAddress {
            let order = memcmp(x, y, common)
            if order != 0 { return order < 0 }
        }
        return a.count < b.count
    }

    /// True when key `a` comes before key `b` in `maps:to_list` of a map of more than 32 members on
    /// the `order` family. A strict total order on distinct byte strings (false for equal keys).
    static func precedes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, in order: BeamOrder) -> Bool {
        precedes(a, b, ranks: (Rank(a, order: order), Rank(b, order: order)), in: order)
    }

    /// `precedes(a, b, in: order)` with the keys' ranks already computed.
    @inline(__always)
    static func precedes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, ranks: (Rank, Rank),
                         in order: BeamOrder) -> Bool {
        if ranks.0 != ranks.1 { return ranks.0 < ranks.1 }
        return collisionPrecedes(a, b, in: order)
    }

    /// The order of two keys whose ranks are equal.
    ///
    /// - OTP 27: equal 64-bit hashes share a collision node, sorted by ascending term (byte) order in
    ///   the forward walk, so `to_list` has them in descending byte order.
    /// - OTP 25: the trie goes on with `h_1`, `h_2`, … (each compared like `h_0`, swizzled, reversed);
    ///   after `otp25MaxLevels` hashes, descending byte order (see `otp25MaxLevels`).
    static func collisionPrecedes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, in order: BeamOrder) -> Bool {
        if order == .otp25 {
            for level in 1..<otp25MaxLevels {
                let x = swizzle(otp25Hash(a, level: level)), y = swizzle(otp25Hash(b, level: level))
                if x != y { return x > y }
            }
        }
        return bytesPrecede(b, a)
    }

    /// Puts `members` in the order Jason writes them on `order`: ascending byte order for at most 32
    /// members, else `maps:to_list` order of the family. Each key is hashed once.
    static func sort(_ members: inout [JSONMember], order: BeamOrder) {
        if members.count <= smallMapLimit {
            if !members.isSorted(by: { CanonicalJSON.keyPrecedes($0.key, $1.key) }) {
                members.sort { CanonicalJSON.keyPrecedes($0.key, $1.key) }
            }
            return
        }
        var ranked: [(rank: Rank, index: Int)] = []
        ranked.reserveCapacity(members.count)
        for (index, member) in members.enumerated() {
            var key = member.key
            let rank = key.withUTF8 { Rank(UnsafeRawBufferPointer($0), order: order) }
            ranked.append((rank, index))
        }
        let snapshot = members
        func precedes(_ x: (rank: Rank, index: Int), _ y: (rank: Rank, index: Int)) -> Bool {
            if x.rank != y.rank { return x.rank < y.rank }
            var a = snapshot[x.index].key, b = snapshot[y.index].key
            return a.withUTF8 { p in
                b.withUTF8 { q in collisionPrecedes(UnsafeRawBufferPointer(p), UnsafeRawBufferPointer(q), in: order) }
            }
        }
        if ranked.isSorted(by: precedes) { return }
        ranked.sort(by: precedes)
        for (position, entry) in ranked.enumerated() { members[position] = snapshot[entry.index] }
    }
}

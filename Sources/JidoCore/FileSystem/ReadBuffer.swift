internal import Glibc

/// A growable byte buffer that whole-file reads reuse, so reading thousands of files allocates
/// (and page-faults in) one buffer instead of one per file. Not thread-safe; one reader at a time.
/// The bytes of the last read stay valid until the next read or `wipe`.
package final class ReadBuffer {
    private var storage: UnsafeMutableRawBufferPointer
    /// The number of bytes the last read left in the buffer.
    public private(set) var count = 0

    public init(capacity: Int = 1 << 16) {
        storage = .allocate(byteCount: max(capacity, 1), alignment: 16)
    }

    deinit { storage.deallocate() }

    /// Reads `fd` to end of file like `FileDescriptor.readAll`, refusing more than `limit` bytes
    /// (the read stops at `limit + 1`). Returns true when the file was longer than `limit`; the
    /// buffer then holds its first `limit` bytes.
    public func fill(from fd: FileDescriptor, limit: Int, sizeHint: Int = 0) throws(SystemCallError) -> Bool {
        count = 0
        var wanted = min(max(sizeHint, 0), limit) + 1
        while true {
            reserve(wanted)
            while count < wanted {
                let n = try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: storage[count..<wanted]))
                if n == 0 { break }
                count += n
            }
            if count < wanted || count > limit { break } // end of file, or over the limit
            wanted = min(max(wanted * 2, 4096), limit + 1)
        }
        if count > limit {
            count = limit
            return true
        }
        return false
    }

    /// Lends the bytes of the last read.
    public func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage[..<count]))
    }

    /// Overwrites the whole buffer (after it held a secret) and empties it.
    public func wipe() {
        Self.wipe(storage)
        count = 0
    }

    /// Zeroes `buffer` with libc's `explicit_bzero`, which the optimizer may not remove (the same
    /// guarantee as the `OPENSSL_cleanse` of Crypto/'s secure bytes; FileSystem/ sits below Crypto/
    /// and does not reach up to it).
    private static func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        explicit_bzero(base, buffer.count)
    }

    /// Grows the storage to at least `capacity` bytes, keeping the first `count`.
    private func reserve(_ capacity: Int) {
        guard capacity > storage.count else { return }
        let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: max(capacity, storage.count * 2), alignment: 16)
        grown.copyMemory(from: UnsafeRawBufferPointer(rebasing: storage[..<count]))
        Self.wipe(storage)
        storage.deallocate()
        storage = grown
    }
}

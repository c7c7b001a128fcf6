/// Secret bytes in a buffer of their own that is wiped with `OPENSSL_cleanse` when released, and
/// never printed, logged or reflected.
///
/// `@unchecked Sendable`: the buffer is written only during `init` and is read-only afterwards;
/// concurrent reads of immutable memory are safe.
package final class SecureBytes: @unchecked Sendable {
    private let base: UnsafeMutableRawPointer
    package let count: Int

    /// Copies `bytes` into a fresh buffer. The source is left to the caller to wipe.
    package convenience init(copying bytes: some Collection<UInt8>) {
        self.init(count: bytes.count) { $0.copyBytes(from: bytes) }
    }

    /// Allocates `count` zeroed bytes and lets `initializer` fill them; if it throws, the buffer is
    /// wiped and freed before the error propagates.
    init(count: Int, initializer: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        let base = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(count, 1), alignment: 16)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: Swift.max(count, 1))
        let buffer = UnsafeMutableRawBufferPointer(start: base, count: count)
        do {
            try initializer(buffer)
        } catch {
            LibCrypto.cleanse(buffer)
            base.deallocate()
            throw error
        }
        self.base = base
        self.count = count
    }

    deinit {
        LibCrypto.cleanse(UnsafeMutableRawBufferPointer(start: base, count: count))
        base.deallocate()
    }

    /// Lends the bytes for the duration of `body`; the pointer must not escape it.
    /// Overwrites `buffer` with zeros in a way the optimizer cannot remove (`OPENSSL_cleanse`).
    package static func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
        LibCrypto.cleanse(buffer)
    }

    package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }
}

extension SecureBytes: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    package var description: String { "SecureBytes(<redacted>, \(count) bytes)" }
    package var debugDescription: String { description }
    package var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }
}

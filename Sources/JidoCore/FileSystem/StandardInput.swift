internal import Glibc

/// Standard input, for a yes/no question on a terminal (`jido-audit rotate-secret`).
package enum StandardInput {
    /// True when standard input is a terminal. The corresponding C function is `isatty`.
    package static var isTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// One line (without its newline), at most `limit` bytes read; nil at end of input or on an error.
    package static func readLine(limit: Int = 1024) -> String? {
        let descriptor = FileDescriptor(rawValue: STDIN_FILENO)
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while line.count < limit {
            let count: Int
            do throws(SystemCallError) {
                count = try withUnsafeMutableBytes(of: &byte) { (buffer) throws(SystemCallError) in try descriptor.read(into: buffer) }
            } catch { return nil }
            if count == 0 { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { break }
            line.append(byte)
        }
        return String(decoding: line, as: UTF8.self)
    }
}

extension ProcessIdentity {
    /// This process's id. The corresponding C function is `getpid`.
    package static var processID: Int32 { getpid() }
}

package import JidoCore

/// Why a file named on the command line could not be read (every command says it the same way).
package struct FileReadProblem: Error, CustomStringConvertible {
    package let description: String
    /// The file is larger than JidoCode's limit: JidoCode refuses it too, so it is an answer about the
    /// file (undecodable), not a failure to read it.
    package let tooLarge: Bool

    package init(description: String, tooLarge: Bool = false) {
        self.description = description
        self.tooLarge = tooLarge
    }

    /// A missing file is said as the shell says it.
    package init(_ error: FileReadError) {
        description = error == .notFound ? "No such file or directory" : error.description
        if case .tooLarge = error { tooLarge = true } else { tooLarge = false }
    }
}

/// A FILE argument: its bytes, or those of standard input for `-`.
package enum FileArgument {
    /// The bytes of `file`, or of standard input for `-`, at most `limit`.
    package static func read(_ file: PathBytes, limit: Int) -> Result<[UInt8], FileReadProblem> {
        if file == "-" {
            do throws(SystemCallError) {
                let (bytes, exceeded) = try FileDescriptor(rawValue: 0).readAll(limit: limit)
                return exceeded ? .failure(FileReadProblem(description: "larger than \(limit) bytes", tooLarge: true)) : .success(bytes)
            } catch {
                return .failure(FileReadProblem(description: "\(error)"))
            }
        }
        do throws(FileReadError) {
            return .success(try CheckedFileReader.read(path: file, policy: FilePolicy(maxBytes: limit)).bytes)
        } catch {
            return .failure(FileReadProblem(error))
        }
    }
}

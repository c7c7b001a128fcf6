import Foundation
import JidoTestSupport
import Testing

/// JidoCore's folders are layers: a file may use the types of its own folder and of the folders
/// below it, never of one above (the order and the reasons are in `Sources/JidoCore/JidoCore.swift`).
///
/// The check is textual and deterministic: the types a folder declares at the top level of its files
/// (`struct`, `enum`, `class`, `protocol`, `actor`, `typealias`, not `private`/`fileprivate`), then
/// every identifier of every file of the lower folders, comments and string literals left out. A
/// lower file that names a higher folder's type, even in an extension or a qualified name, fails.
@Suite struct ArchitectureTests {
    /// Lowest first.
    static let layers = ["Concurrency", "JSON", "FileSystem", "Crypto", "Session", "Store"]

    /// Upward uses allowed anyway, as "Folder/File.swift: Type", each with its reason. Empty: keep it so.
    static let exceptions: Set<String> = []

    static var sourcesRoot: URL { TestVectors.repositoryRoot().appendingPathComponent("Sources/JidoCore") }

    /// Every folder of Sources/JidoCore (but the DocC catalog) is a layer, and every layer a folder: a new
    /// folder must be placed in the order.
    @Test func everyFolderIsALayer() throws {
        let entries = try FileManager.default.contentsOfDirectory(at: Self.sourcesRoot, includingPropertiesForKeys: [.isDirectoryKey])
        let folders = try entries.filter { try $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory == true }.map(\.lastPathComponent)
            .filter { !$0.hasSuffix(".docc") } // the DocC catalog: articles, no code
        #expect(Set(folders) == Set(Self.layers))
    }

    @Test func noFolderUsesATypeOfAHigherFolder() throws {
        let sources = try Self.layers.map { layer in (layer, try Self.swiftFiles(in: Self.sourcesRoot.appendingPathComponent(layer))) }
        let violations = Self.violations(layers: sources).filter { !Self.exceptions.contains($0) }
        #expect(violations.isEmpty, "upward dependencies:\n\(violations.joined(separator: "\n"))")
        #expect(sources.allSatisfy { !$0.1.isEmpty }, "every layer has sources")
    }

    /// The check itself finds an upward use (and only that) in a made-up tree.
    @Test func theCheckFindsAnUpwardUse() {
        let layers: [(String, [(String, String)])] = [
            ("Low", [("A.swift", "public struct Low {}\n// High is mentioned in a comment\nlet s = \"High\"\n"),
                     ("B.swift", "extension Low { func f() -> Higher.Nested? { nil } }\n")]),
            ("High", [("C.swift", "public enum High { struct Nested {} }\nfinal class Higher {}\nprivate struct Low2 {}\nfunc g(_ x: Low) {}\n")]),
        ]
        #expect(Self.violations(layers: layers) == ["Low/B.swift: Higher"])
    }

    // MARK: - The check

    /// (file name, contents) of the Swift files under `folder`, sorted by path.
    static func swiftFiles(in folder: URL) throws -> [(String, String)] {
        var files: [(String, String)] = []
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "swift" else { continue }
            let relative = String(url.path.dropFirst(folder.path.count + 1))
            files.append((relative, try String(contentsOf: url, encoding: .utf8)))
        }
        return files.sorted { $0.0 < $1.0 }
    }

    /// "Folder/File.swift: Type" for every use of a type declared in a higher layer, sorted.
    static func violations(layers: [(String, [(String, String)])]) -> [String] {
        let code = layers.map { layer in layer.1.map { ($0.0, strip($0.1)) } }
        let declared = code.map { files in Set(files.flatMap { declarations(in: $0.1) }) }
        var found: [String] = []
        for (index, files) in code.enumerated() {
            let higher = declared[(index + 1)...].reduce(into: Set<String>()) { $0.formUnion($1) }
            for (file, text) in files {
                for name in identifiers(in: text).intersection(higher).sorted() { found.append("\(layers[index].0)/\(file): \(name)") }
            }
        }
        return found.sorted()
    }

    /// The names of the types declared at the top level of `code` (no indentation), not private.
    static func declarations(in code: String) -> [String] {
        let kinds: Set<Substring> = ["struct", "enum", "class", "protocol", "actor", "typealias"]
        var names: [String] = []
        for line in code.split(separator: "\n") where !line.hasPrefix(" ") && !line.hasPrefix("\t") {
            let words = line.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" && $0 != "@" })
            guard let keyword = words.firstIndex(where: { kinds.contains($0) }), keyword + 1 < words.count,
                  !words[..<keyword].contains(where: { $0 == "private" || $0 == "fileprivate" || $0 == "extension" || $0 == "func" })
            else { continue }
            names.append(String(words[keyword + 1]))
        }
        return names
    }

    /// The identifiers of `code`.
    static func identifiers(in code: String) -> Set<String> {
        Set(code.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" }).map(String.init))
    }

    /// `source` without its comments and the literal parts of its strings (interpolated code is
    /// kept): line and nested block comments, "..." and """...""" strings, `\(...)` inside them.
    static func strip(_ source: String) -> String {
        enum State { case code, lineComment, blockComment(Int), string(multiline: Bool) }
        let chars = Array(source.unicodeScalars)
        var out = String.UnicodeScalarView()
        var state = State.code
        /// Open interpolations: for each, the parentheses still open inside it and the string it is in.
        var interpolations: [(depth: Int, multiline: Bool)] = []
        var i = 0
        func at(_ offset: Int) -> Unicode.Scalar? { i + offset < chars.count ? chars[i + offset] : nil }
        func startsTriple() -> Bool { at(0) == "\"" && at(1) == "\"" && at(2) == "\"" }
        while i < chars.count {
            let c = chars[i]
            switch state {
            case .code:
                if c == "/" && at(1) == "/" {
                    state = .lineComment
                    i += 2
                } else if c == "/" && at(1) == "*" {
                    state = .blockComment(1)
                    i += 2
                } else if c == "\"" {
                    let multiline = startsTriple()
                    state = .string(multiline: multiline)
                    out.append(" ")
                    i += multiline ? 3 : 1
                } else {
                    if var open = interpolations.popLast() {
                        if c == "(" { open.depth += 1 }
                        if c == ")" { open.depth -= 1 }
                        if open.depth == 0 {
                            state = .string(multiline: open.multiline)
                            i += 1
                            continue
                        }
                        interpolations.append(open)
                    }
                    out.append(c)
                    i += 1
                }
            case .lineComment:
                if c == "\n" {
                    state = .code
                    out.append(c)
                }
                i += 1
            case let .blockComment(depth):
                if c == "/" && at(1) == "*" {
                    state = .blockComment(depth + 1)
                    i += 2
                } else if c == "*" && at(1) == "/" {
                    state = depth == 1 ? .code : .blockComment(depth - 1)
                    out.append(" ")
                    i += 2
                } else {
                    if c == "\n" { out.append(c) }
                    i += 1
                }
            case let .string(multiline):
                if c == "\\" && at(1) == "(" {
                    interpolations.append((depth: 1, multiline: multiline))
                    state = .code
                    out.append(" ")
                    i += 2
                } else if c == "\\" {
                    i += 2
                } else if multiline ? startsTriple() : c == "\"" {
                    state = .code
                    out.append(" ")
                    i += multiline ? 3 : 1
                } else {
                    if c == "\n" { out.append(c) }
                    i += 1
                }
            }
        }
        return String(out)
    }
}

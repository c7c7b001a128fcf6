package import JidoCore

/// Machine-readable output: the canonical encoder (sorted keys, two-space indent) plus a newline.
package enum JSONText {
    package static func render(_ value: JSONValue) -> String {
        // Every value built by this tool is finite, so encoding cannot fail; fall back to null anyway.
        let bytes = (try? CanonicalJSON.encode(value)) ?? Array("null".utf8)
        return String(decoding: bytes, as: UTF8.self) + "\n"
    }
}

import JidoCommandLine
import JidoCore
import JidoToolSupport

/// `--owner USER|UID`: whose store is audited (its files must belong to that user).
enum OwnerOption {
    static let spec = OptionSpec.value("--owner", "USER|UID",
        "The user the store belongs to (default: you; as root, the owner of the home directory).")

    static func parse(_ arguments: ParsedArguments) throws(UsageError) -> UInt32? {
        guard let text = arguments.value("--owner") else { return nil }
        if let uid = UInt32(text) { return uid }
        guard let uid = ProcessIdentity.userID(named: text) else { throw UsageError("--owner: no user named '\(text)'") }
        return uid
    }
}

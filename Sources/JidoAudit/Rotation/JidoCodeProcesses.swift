public import JidoCore

/// Processes that appear to use a JidoCode data directory, found in `/proc` (Linux).
///
/// JidoCode derives its key once and caches it, so a JidoCode running during a rotation would keep
/// signing with the old key. A process is a suspect when its working directory or one of its open
/// descriptors is inside the data directory, when its command line mentions `jido_code`, or when it
/// is an Erlang VM (`beam.smp`) whose `HOME` is the store's home. Only what this user may read in
/// `/proc` is seen (another user's process shows nothing): the check is a guard against a mistake,
/// not a security boundary.
public enum JidoCodeProcesses {
    public struct Suspect: Sendable, Equatable {
        public let pid: Int32
        /// Why it is suspected, for a person.
        public let reason: String
    }

    /// The suspects for the data directory of `home`, this process excluded. An unreadable `/proc`
    /// yields none.
    public static func scan(home: PathBytes) -> [Suspect] {
        let data = StoreLayout.dataPath(home: home)
        let resolved = (try? FileDescriptor.resolvedPath(data)) ?? data
        let homeResolved = (try? FileDescriptor.resolvedPath(home)) ?? home
        guard let proc = try? FileDescriptor.open("/proc", [.readOnly, .directory, .closeOnExec]) else { return [] }
        defer { _ = try? proc.close() }
        guard let entries = try? proc.entries().entries else { return [] }
        let me = ProcessIdentity.processID
        var suspects: [Suspect] = []
        for entry in entries {
            guard let name = entry.name, let pid = Int32(name), pid > 0, pid != me else { continue }
            if let reason = reason(pid: name, in: proc, data: resolved.bytes, home: homeResolved.bytes) {
                suspects.append(Suspect(pid: pid, reason: reason))
            }
        }
        return suspects.sorted { $0.pid < $1.pid }
    }

    static func isInside(_ path: [UInt8], _ directory: [UInt8]) -> Bool {
        path == directory || (path.count > directory.count && path.starts(with: directory) && path[directory.count] == UInt8(ascii: "/"))
    }

    static func reason(pid: String, in proc: FileDescriptor, data: [UInt8], home: [UInt8]) -> String? {
        if let cwd = try? proc.linkTarget(of: PathBytes(pid + "/cwd")), isInside(cwd, data) {
            return "works in " + DisplayText.escape(bytes: cwd)
        }
        if let fds = try? proc.open(pid + "/fd", [.readOnly, .directory, .closeOnExec]) {
            defer { _ = try? fds.close() }
            for entry in (try? fds.entries(limit: 65_536).entries) ?? [] {
                if let target = try? fds.linkTarget(of: PathBytes(bytes: entry.nameBytes)), isInside(target, data) {
                    return "has " + DisplayText.escape(bytes: target) + " open"
                }
            }
        }
        let commandLine = read(pid + "/cmdline", in: proc)
        if contains(commandLine, Array("jido_code".utf8)) {
            return "its command line mentions jido_code"
        }
        let program = commandLine.split(separator: 0, omittingEmptySubsequences: false).first.map(Array.init) ?? []
        if program.split(separator: UInt8(ascii: "/")).last.map(Array.init) == Array("beam.smp".utf8) {
            let environment = read(pid + "/environ", in: proc).split(separator: 0).map(Array.init)
            if environment.contains(Array("HOME=".utf8) + home) { return "an Erlang VM (beam.smp) whose HOME is this home" }
        }
        return nil
    }

    /// A `/proc` file's bytes (its `fstat` size is 0, so it is read to end, at most 256 KiB); empty when unreadable.
    static func read(_ name: String, in proc: FileDescriptor) -> [UInt8] {
        guard let fd = try? proc.open(name, [.readOnly, .noFollow, .closeOnExec]) else { return [] }
        defer { _ = try? fd.close() }
        return (try? fd.readAll(limit: 256 << 10).bytes) ?? []
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}

import Foundation
import Glibc
import JidoTestSupport
import Testing
@testable import JidoCore

/// The file-trust rule (`FileTrust`): every role against every violation, every violation returned
/// at once, the tolerated ones, and the same rule on real files owned by a second uid.
@Suite struct FileTrustTests {
    /// A user that is neither root nor the one the tests run as.
    static let user: UInt32 = 1000
    static let stranger: UInt32 = 65534

    /// A status as `fstat` would give it.
    static func status(_ type: mode_t, _ mode: mode_t, owner: UInt32 = user, links: Int = 1) -> FileStatus {
        var st = stat()
        st.st_mode = type | mode
        st.st_uid = owner
        st.st_nlink = numericCast(links)
        return FileStatus(st)
    }

    static func file(_ mode: mode_t, owner: UInt32 = user, links: Int = 1) -> FileStatus { status(S_IFREG, mode, owner: owner, links: links) }
    static func directory(_ mode: mode_t, owner: UInt32 = user, links: Int = 2) -> FileStatus { status(S_IFDIR, mode, owner: owner, links: links) }
    static func mode(_ bits: UInt32) -> FilePermissions { FilePermissions(rawValue: bits) }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let role: TrustRole
        let status: FileStatus
        let expected: [TrustViolation]
        var testDescription: String { "\(role) \(name)" }
    }

    static let cases: [Case] = {
        let u = user, s = stranger
        var all: [Case] = []
        func add(_ name: String, _ role: TrustRole, _ status: FileStatus, _ expected: [TrustViolation]) {
            all.append(Case(name: name, role: role, status: status, expected: expected))
        }
        // .secret: regular, the user's, one link, no group/other bit at all.
        add("clean", .secret, file(0o600), [])
        add("read-only for the owner", .secret, file(0o400), [])
        add("a directory", .secret, directory(0o700), [.wrongType(.directory)])
        add("a symlink: only its type", .secret, status(S_IFLNK, 0o777, owner: s, links: 2), [.wrongType(.symbolicLink)])
        add("a fifo", .secret, status(S_IFIFO, 0o600), [.wrongType(.fifo)])
        add("foreign", .secret, file(0o600, owner: s), [.wrongOwner(owner: s, expected: u)])
        add("root's (not allowed)", .secret, file(0o600, owner: 0), [.wrongOwner(owner: 0, expected: u)])
        add("hard-linked", .secret, file(0o600, links: 2), [.hardLinked(2)])
        add("group-writable", .secret, file(0o620), [.writableByOthers(mode(0o620))])
        add("other-writable", .secret, file(0o602), [.writableByOthers(mode(0o602))])
        add("group-readable", .secret, file(0o640), [.readableByOthers(mode(0o640))])
        add("other-readable", .secret, file(0o604), [.readableByOthers(mode(0o604))])
        add("group-executable (any bit counts)", .secret, file(0o610), [.readableByOthers(mode(0o610))])
        add("everything at once", .secret, file(0o666, owner: s, links: 3),
            [.wrongOwner(owner: s, expected: u), .hardLinked(3), .writableByOthers(mode(0o666))])

        // .sessionFile: regular, the user's, one link, no group/other write; read is the weaker violation.
        add("clean", .sessionFile, file(0o600), [])
        add("JidoCode's 0644", .sessionFile, file(0o644), [.readableByOthers(mode(0o644))])
        add("group-readable", .sessionFile, file(0o640), [.readableByOthers(mode(0o640))])
        add("executable is not readable", .sessionFile, file(0o611), [])
        add("a directory", .sessionFile, directory(0o700), [.wrongType(.directory)])
        add("a character device", .sessionFile, status(S_IFCHR, 0o600), [.wrongType(.characterDevice)])
        add("foreign", .sessionFile, file(0o600, owner: s), [.wrongOwner(owner: s, expected: u)])
        add("root's (not allowed)", .sessionFile, file(0o600, owner: 0), [.wrongOwner(owner: 0, expected: u)])
        add("hard-linked", .sessionFile, file(0o600, links: 2), [.hardLinked(2)])
        add("group-writable", .sessionFile, file(0o620), [.writableByOthers(mode(0o620))])
        add("writable hides readable", .sessionFile, file(0o666), [.writableByOthers(mode(0o666))])
        add("everything at once", .sessionFile, file(0o646, owner: s, links: 2),
            [.wrongOwner(owner: s, expected: u), .hardLinked(2), .writableByOthers(mode(0o646))])
        add("foreign, linked and readable", .sessionFile, file(0o644, owner: s, links: 4),
            [.wrongOwner(owner: s, expected: u), .hardLinked(4), .readableByOthers(mode(0o644))])

        // .privateDirectory: a directory of the user's, no group/other write; listing is the weaker violation.
        add("clean", .privateDirectory, directory(0o700), [])
        add("many links are a directory's normal", .privateDirectory, directory(0o700, links: 7), [])
        add("JidoCode's 0755", .privateDirectory, directory(0o755), [.readableByOthers(mode(0o755))])
        add("search only still counts", .privateDirectory, directory(0o711), [.readableByOthers(mode(0o711))])
        add("a regular file", .privateDirectory, file(0o700), [.wrongType(.regular)])
        add("a symlink", .privateDirectory, status(S_IFLNK, 0o777), [.wrongType(.symbolicLink)])
        add("foreign", .privateDirectory, directory(0o700, owner: s), [.wrongOwner(owner: s, expected: u)])
        add("root's (not allowed)", .privateDirectory, directory(0o700, owner: 0), [.wrongOwner(owner: 0, expected: u)])
        add("group-writable", .privateDirectory, directory(0o770), [.writableByOthers(mode(0o770))])
        add("sticky does not help", .privateDirectory, directory(0o1777), [.writableByOthers(mode(0o1777))])
        add("everything at once", .privateDirectory, directory(0o777, owner: s), [.wrongOwner(owner: s, expected: u), .writableByOthers(mode(0o777))])

        // .workingDirectory: owned by the user or root, no group/other write (StrictModes), sticky or not.
        add("clean", .workingDirectory, directory(0o755), [])
        add("root's", .workingDirectory, directory(0o755, owner: 0), [])
        add("a regular file", .workingDirectory, file(0o755), [.wrongType(.regular)])
        add("foreign", .workingDirectory, directory(0o755, owner: s), [.wrongOwner(owner: s, expected: u)])
        add("group-writable", .workingDirectory, directory(0o775), [.writableByOthers(mode(0o775))])
        add("sticky does not help", .workingDirectory, directory(0o1777, owner: 0), [.writableByOthers(mode(0o1777))])
        add("everything at once", .workingDirectory, directory(0o777, owner: s, links: 9), [.wrongOwner(owner: s, expected: u), .writableByOthers(mode(0o777))])

        // .ancestor: owned by the user or root, no group/other write unless sticky.
        add("/ as usual", .ancestor, directory(0o755, owner: 0), [])
        add("the user's", .ancestor, directory(0o700), [])
        add("/tmp: sticky", .ancestor, directory(0o1777, owner: 0), [])
        add("a symlink", .ancestor, status(S_IFLNK, 0o777, owner: 0), [.wrongType(.symbolicLink)])
        add("foreign", .ancestor, directory(0o755, owner: s), [.wrongOwner(owner: s, expected: u)])
        add("foreign even when sticky", .ancestor, directory(0o1777, owner: s), [.wrongOwner(owner: s, expected: u)])
        add("other-writable", .ancestor, directory(0o777, owner: 0), [.writableByOthers(mode(0o777))])
        add("group-writable", .ancestor, directory(0o2775, owner: 0), [.writableByOthers(mode(0o2775))])
        add("everything at once", .ancestor, directory(0o757, owner: s), [.wrongOwner(owner: s, expected: u), .writableByOthers(mode(0o757))])

        // .configuration: a regular file of the user's or root's, one link, no group/other write; anyone may read it.
        add("clean", .configuration, file(0o600), [])
        add("readable by all", .configuration, file(0o644), [])
        add("root's", .configuration, file(0o644, owner: 0), [])
        add("a symlink", .configuration, status(S_IFLNK, 0o777, owner: 0), [.wrongType(.symbolicLink)])
        add("a directory", .configuration, directory(0o755), [.wrongType(.directory)])
        add("foreign", .configuration, file(0o644, owner: s), [.wrongOwner(owner: s, expected: u)])
        add("hard-linked", .configuration, file(0o644, links: 2), [.hardLinked(2)])
        add("group-writable", .configuration, file(0o664), [.writableByOthers(mode(0o664))])
        add("other-writable, even root's", .configuration, file(0o646, owner: 0), [.writableByOthers(mode(0o646))])
        add("everything at once", .configuration, file(0o666, owner: s, links: 2),
            [.wrongOwner(owner: s, expected: u), .hardLinked(2), .writableByOthers(mode(0o666))])
        return all
    }()

    @Test(arguments: cases)
    func evaluatesEveryViolation(_ check: Case) {
        let trust = FileTrust(check.role, user: Self.user)
        #expect(trust.violations(of: check.status) == check.expected)
        #expect(trust.refusal(of: check.status) == check.expected.first { !check.role.tolerates($0) })
    }

    enum Kind: CaseIterable { case wrongType, wrongOwner, hardLinked, writableByOthers, readableByOthers }

    static func kind(_ violation: TrustViolation) -> Kind {
        switch violation {
        case .wrongType: .wrongType
        case .wrongOwner: .wrongOwner
        case .hardLinked: .hardLinked
        case .writableByOthers: .writableByOthers
        case .readableByOthers: .readableByOthers
        }
    }

    /// The violations each role can have; the others can never be reported for it (a directory's
    /// links are never counted, a working directory or an ancestor may be listed by anyone).
    static func possible(_ role: TrustRole) -> Set<Kind> {
        switch role {
        case .secret, .sessionFile: Set(Kind.allCases)
        case .privateDirectory: [.wrongType, .wrongOwner, .writableByOthers, .readableByOthers]
        case .workingDirectory, .ancestor: [.wrongType, .wrongOwner, .writableByOthers]
        case .configuration: [.wrongType, .wrongOwner, .hardLinked, .writableByOthers]
        }
    }

    /// Every role × every violation: each possible one is in the table above, each impossible one
    /// absent even from the worst status of the role's type.
    @Test(arguments: TrustRole.allCases)
    func everyRoleMeetsEveryViolation(_ role: TrustRole) {
        let covered = Set(Self.cases.filter { $0.role == role }.flatMap(\.expected).map(Self.kind))
        #expect(covered == Self.possible(role))
        let worst = Self.status(role.requiredType == .regular ? S_IFREG : S_IFDIR, 0o777, owner: Self.stranger, links: 5)
        let reported = Set(FileTrust(role, user: Self.user).violations(of: worst).map(Self.kind))
        #expect(reported.isSubset(of: Self.possible(role)))
        #expect(reported.contains(.wrongOwner) && reported.contains(.writableByOthers), "all violations come together")
    }

    /// Only the weaker read violation of a session file or a store directory is tolerated.
    @Test func onlyReadingIsTolerated() {
        let read = TrustViolation.readableByOthers(Self.mode(0o644))
        #expect(TrustRole.allCases.filter { $0.tolerates(read) } == [.sessionFile, .privateDirectory])
        for role in TrustRole.allCases {
            #expect(!role.tolerates(.writableByOthers(Self.mode(0o666))))
            #expect(!role.tolerates(.wrongOwner(owner: 1, expected: 2)))
            #expect(!role.tolerates(.hardLinked(2)))
            #expect(!role.tolerates(.wrongType(.fifo)))
        }
    }

    // MARK: - Real files of a second uid

    /// Files and directories chowned to 65534 (the tests run as root), linked and opened up, as
    /// `fstatat` and `fstat` see them: every violation at once, and the rule relative to its user.
    @Test func realFilesOfAnotherUserHaveEveryViolation() throws {
        try withTemporaryDirectory { root in
            let me = geteuid()
            let directory = try FileDescriptor.open(root, [.readOnly, .directory, .closeOnExec])
            defer { _ = try? directory.close() }
            try writeFile(root + "/secret", Array("x".utf8), mode: 0o666)
            try #require(chown(root + "/secret", Self.stranger, Self.stranger) == 0, "the tests run as root")
            try #require(link(root + "/secret", root + "/second-name") == 0)
            let scanned = try directory.status(of: "secret")
            let opened = try directory.open("secret", .hardenedRead)
            let described = try opened.closeAfter { (fd) throws(SystemCallError) in try fd.status() }
            for status in [scanned, described] {
                #expect(FileTrust(.secret).violations(of: status)
                        == [.wrongOwner(owner: Self.stranger, expected: me), .hardLinked(2), .writableByOthers(Self.mode(0o666))])
                #expect(FileTrust(.sessionFile).violations(of: status)
                        == [.wrongOwner(owner: Self.stranger, expected: me), .hardLinked(2), .writableByOthers(Self.mode(0o666))])
                #expect(FileTrust(.secret, user: Self.stranger).violations(of: status) == [.hardLinked(2), .writableByOthers(Self.mode(0o666))])
                #expect(FileTrust(.privateDirectory).violations(of: status) == [.wrongType(.regular)])
            }

            #expect(mkdir(root + "/theirs", 0o755) == 0)
            #expect(chmod(root + "/theirs", 0o757) == 0)
            try #require(chown(root + "/theirs", Self.stranger, Self.stranger) == 0)
            let theirs = try directory.status(of: "theirs")
            #expect(FileTrust(.privateDirectory).violations(of: theirs)
                    == [.wrongOwner(owner: Self.stranger, expected: me), .writableByOthers(Self.mode(0o757))])
            #expect(FileTrust(.ancestor).violations(of: theirs)
                    == [.wrongOwner(owner: Self.stranger, expected: me), .writableByOthers(Self.mode(0o757))])
            #expect(FileTrust(.ancestor, user: Self.stranger).violations(of: theirs) == [.writableByOthers(Self.mode(0o757))])

            #expect(symlink(root + "/theirs", root + "/link") == 0)
            #expect(FileTrust(.ancestor).violations(of: try directory.status(of: "link")) == [.wrongType(.symbolicLink)])
        }
    }

    /// A store file the process cannot even read (owned by 65534, mode 0600) is refused on its
    /// owner before anything else, through `CheckedFileReader` as the store reads.
    @Test func aForeignSessionFileIsRefusedOnItsOwner() throws {
        try withTemporaryDirectory { root in
            try writeFile(root + "/s.json", Array("{}".utf8), mode: 0o644)
            try #require(chown(root + "/s.json", Self.stranger, Self.stranger) == 0, "the tests run as root")
            let policy = FilePolicy(maxBytes: 100, role: .sessionFile)
            #expect(throws: FileReadError.untrusted(.wrongOwner(owner: Self.stranger, expected: geteuid()))) {
                try CheckedFileReader.read(path: root + "/s.json", policy: policy)
            }
            // Without a role (a file the user named), only the type and size are checked.
            #expect(try CheckedFileReader.read(path: root + "/s.json", policy: FilePolicy(maxBytes: 100)).bytes == Array("{}".utf8))
        }
    }

    /// The read into a reused buffer refuses and answers as the array read does (a symlink, a missing
    /// file, a file over the limit, a FIFO), and leaves exactly each file's bytes, a short file after a long one.
    @Test func aReadIntoAReusedBufferAnswersAsTheArrayRead() throws {
        try withTemporaryDirectory { root in
            try writeFile(root + "/long.json", Array(repeating: UInt8(ascii: "x"), count: 300_000))
            try writeFile(root + "/short.json", Array("{}".utf8))
            #expect(symlink(root + "/short.json", root + "/link.json") == 0)
            #expect(mkfifo(root + "/fifo.json", 0o600) == 0)
            let buffer = ReadBuffer(capacity: 16)
            let policy = FilePolicy(maxBytes: 400_000)
            for name in ["long.json", "short.json", "link.json", "fifo.json", "none.json"] {
                let path = PathBytes(root + "/" + name)
                let expected = Result { () throws(FileReadError) in try CheckedFileReader.read(path: path, policy: policy) }
                let got = Result { () throws(FileReadError) in try CheckedFileReader.read(path: path, policy: policy, into: buffer) }
                switch (expected, got) {
                case let (.success(array), .success(status)):
                    #expect(buffer.withBytes { Array($0) } == array.bytes && status.size == array.status.size, "\(name)")
                case let (.failure(arrayError), .failure(bufferError)): #expect(arrayError == bufferError, "\(name)")
                default: Issue.record("\(name): \(expected) vs \(got)")
                }
            }
            #expect(throws: FileReadError.tooLarge(size: 300_000, limit: 1_000)) {
                try CheckedFileReader.read(path: PathBytes(root + "/long.json"), policy: FilePolicy(maxBytes: 1_000), into: buffer)
            }
        }
    }

    // MARK: - Opening directories

    @Test func openDirectoryCreatesPrivatelyAndReportsWithoutRefusing() throws {
        try withTemporaryDirectory { root in
            let parent = try FileDescriptor.open(root, [.readOnly, .directory, .closeOnExec])
            defer { _ = try? parent.close() }
            let created = try parent.openTrustedDirectory("new", creating: true, as: .privateDirectory)
            _ = try? created.close()
            #expect(fileMode(root + "/new") == 0o700)

            #expect(mkdir(root + "/open", 0o700) == 0 && chmod(root + "/open", 0o777) == 0)
            try #require(chown(root + "/open", Self.stranger, Self.stranger) == 0, "the tests run as root")
            let (fd, violations) = try parent.openDirectory("open", as: .privateDirectory)
            _ = try? fd.close()
            #expect(violations == [.wrongOwner(owner: Self.stranger, expected: geteuid()), .writableByOthers(Self.mode(0o777))])
            #expect(throws: DirectoryOpenError.untrusted(.wrongOwner(owner: Self.stranger, expected: geteuid()))) {
                try parent.openTrustedDirectory("open", as: .privateDirectory)
            }

            #expect(mkdir(root + "/listable", 0o755) == 0 && chmod(root + "/listable", 0o755) == 0)
            let listable = try parent.openTrustedDirectory("listable", as: .privateDirectory)
            _ = try? listable.close()

            #expect(symlink(root + "/listable", root + "/link") == 0)
            try writeFile(root + "/file", [])
            #expect(throws: DirectoryOpenError.untrusted(.wrongType(.symbolicLink))) { try parent.openTrustedDirectory("link", as: .privateDirectory) }
            #expect(throws: DirectoryOpenError.untrusted(.wrongType(.symbolicLink))) { try parent.openTrustedDirectory("link", creating: true, as: .privateDirectory) }
            #expect(throws: DirectoryOpenError.untrusted(.wrongType(.regular))) { try parent.openTrustedDirectory("file", as: .privateDirectory) }
            #expect(throws: DirectoryOpenError.system(SystemCallError("openat", path: "none", errno: .noSuchFileOrDirectory))) {
                try parent.openTrustedDirectory("none", as: .privateDirectory)
            }
        }
    }

    @Test func aFailedCreationIsACreationFailure() throws {
        try withTemporaryDirectory { root in
            let parent = try FileDescriptor.open(root, [.readOnly, .directory, .closeOnExec])
            defer { _ = try? parent.close() }
            let faults = SyscallFaults()
            faults.fail(.mkdir, errno: ENOSPC)
            SyscallFaults.$current.withValue(faults) {
                #expect(throws: DirectoryOpenError.creationFailed(SystemCallError("mkdirat", path: "d", errno: .noSpace))) {
                    try parent.openTrustedDirectory("d", creating: true, as: .privateDirectory)
                }
            }
        }
    }

    // MARK: - The ancestor walk

    /// `realpath` first, then every directory above up to `/`, nearest first (OpenSSH `safe_path`).
    @Test func directoriesAboveAPathAreResolvedAndListedUpToTheRoot() throws {
        try withTemporaryDirectory { root in
            #expect(mkdir(root + "/a", 0o700) == 0 && mkdir(root + "/a/b", 0o700) == 0)
            #expect(symlink(root + "/a/b", root + "/shortcut") == 0)
            let resolvedRoot = try FileDescriptor.resolvedPath(root)
            let above = try FileTrust.directories(above: root + "/shortcut")
            var expected: [String] = [resolvedRoot + "/a", resolvedRoot]
            var path = resolvedRoot
            while path != "/" {
                path = CheckedFileReader.splitPath(path).parent
                expected.append(path)
            }
            #expect(above.map(\.path) == expected)
            #expect(above.allSatisfy { $0.status.type == .directory })
            #expect(above.last?.status.owner == 0)
            #expect(throws: SystemCallError("realpath", path: root + "/none", errno: .noSuchFileOrDirectory)) {
                try FileTrust.directories(above: root + "/none")
            }
            let faults = SyscallFaults()
            faults.fail(.realpath, errno: EACCES)
            SyscallFaults.$current.withValue(faults) {
                #expect(throws: SystemCallError("realpath", path: root, errno: .permissionDenied)) { try FileTrust.directories(above: root) }
            }
        }
    }
}

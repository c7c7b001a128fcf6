// A helper process for the test suite: tests spawn it to exercise cross-process behaviour
// (racing secret creation, concurrent saves, kills) and to act as an unprivileged user.
// Not installed, not part of the product.
import Foundation
import JidoCore

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
/// 2026-01-01T00:00:00Z, the fixed time of the messages the helper writes.
let epoch = Date(timeIntervalSince1970: 1_767_225_600)
// --as-user UID: drop to that uid/gid (e.g. 65534, nobody) before anything else, so tests running
// as root see real permission denials.
if arguments.first == "--as-user" {
    guard arguments.count >= 2, let uid = UInt32(arguments[1]) else { fail("usage: --as-user UID COMMAND ...") }
    guard setgroups(0, nil) == 0, setgid(uid) == 0, setuid(uid) == 0, geteuid() == uid else {
        fail("cannot drop privileges to uid \(uid)")
    }
    arguments.removeFirst(2)
}
switch arguments.first {
case "secret-load-or-create":
    // secret-load-or-create HOME: prints the fingerprint of the secret this process ends up using.
    guard arguments.count == 2 else { fail("usage: secret-load-or-create HOME") }
    do {
        let secret = try MachineSecret.loadOrCreate(home: arguments[1])
        print(try secret.fingerprint())
    } catch let error as MachineSecretError {
        fail("\(error.problem): \(error)")
    } catch {
        fail("\(error)")
    }
case "store-append":
    // store-append HOME ID TAG COUNT: COUNT updates, each appending message "<TAG>-<n>"; then exits.
    guard arguments.count == 5, let id = SessionID(arguments[2]), let count = Int(arguments[4]) else {
        fail("usage: store-append HOME ID TAG COUNT")
    }
    do {
        let store = try SessionStore.open(home: arguments[1], hostname: "test-host")
        for n in 0..<count {
            let message = Session.Message(id: "\(arguments[3])-\(n)", role: .user, content: "message \(n)", timestamp: epoch)
            try store.update(id) { session in
                var current = session ?? Session(id: id, name: "stress", projectPath: "/p", createdAt: epoch)
                current.append(message)
                session = current
            }
        }
    } catch {
        fail("\(error)")
    }
case "store-write-forever":
    // store-write-forever HOME ID: appends messages until killed; prints each acknowledged number.
    guard arguments.count == 3, let id = SessionID(arguments[2]) else { fail("usage: store-write-forever HOME ID") }
    do {
        let store = try SessionStore.open(home: arguments[1], hostname: "test-host")
        var n = 0
        while true {
            let message = Session.Message(id: "k-\(n)", role: .assistant, content: String(repeating: "x", count: 2000 + n % 5000),
                                          timestamp: epoch)
            try store.update(id) { session in
                var current = session ?? Session(id: id, name: "kill", projectPath: "/p", createdAt: epoch)
                current.append(message)
                session = current
            }
            FileHandle.standardOutput.write(Data("\(n)\n".utf8))
            n += 1
        }
    } catch {
        fail("\(error)")
    }
case "store-load":
    // store-load HOME ID: loads a session and prints its message count, or the error's case.
    guard arguments.count == 3 else { fail("usage: store-load HOME ID") }
    do throws(StoreError) {
        let store = try SessionStore.open(home: arguments[1], hostname: "test-host")
        guard let id = SessionID(arguments[2]) else { throw .invalidSessionID(arguments[2]) }
        print(try store.load(id).messageCount)
    } catch {
        fail(error.logDescription)
    }
case "hostname":
    // hostname: prints the name JidoCode keys with on this machine (hex of its UTF-8 bytes) and
    // the candidates, one per line; tests run it in a UTS namespace with a chosen hostname.
    do {
        let system = try Hostname.systemName()
        for name in [try Hostname.current()] + Hostname.candidates(systemName: system) {
            print(name.utf8.map { String($0, radix: 16) }.joined(separator: " "))
        }
    } catch {
        fail("\(error)")
    }
default:
    fail("usage: jido-test-helper COMMAND ...")
}

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
    // secret-load-or-create HOME: prints the hex SHA-256 of the secret this process ends up using.
    guard arguments.count == 2 else { fail("usage: secret-load-or-create HOME") }
    do {
        let secret = try MachineSecret.loadOrCreate(home: arguments[1])
        print(try secret.fingerprint())
    } catch let error as MachineSecretError {
        fail("\(error.problem): \(error)")
    } catch {
        fail("\(error)")
    }
default:
    fail("usage: jido-test-helper COMMAND ...")
}

// A helper process for the test suite: tests spawn it to exercise cross-process behaviour
// (racing secret creation, concurrent saves, kills) and to act as an unprivileged user.
// Not installed, not part of the product.
import Foundation
import JidoCore

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "secret-load-or-create":
    // secret-load-or-create HOME: prints the hex SHA-256 of the secret this process ends up using.
    guard arguments.count == 2 else { fail("usage: secret-load-or-create HOME") }
    do {
        let secret = try MachineSecret.loadOrCreate(home: arguments[1])
        print(try secret.fingerprint())
    } catch {
        fail("\(error)")
    }
default:
    fail("usage: jido-test-helper COMMAND ...")
}

import JidoTestSupport
import Testing
@testable import JidoCore

@Test func versionIsSet() { #expect(!JidoCore.version.isEmpty) }

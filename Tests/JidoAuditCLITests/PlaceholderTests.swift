import Testing
@testable import JidoAuditCLI

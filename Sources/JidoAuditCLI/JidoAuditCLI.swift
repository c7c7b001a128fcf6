public enum JidoAuditCLI {}

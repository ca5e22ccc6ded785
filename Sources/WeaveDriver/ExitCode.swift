/// Weave's documented exit codes (README.md lists them).
public enum WeaveExit: Int32, Sendable {
    case holds = 0
    case incomplete = 10
    case deadlock = 11
    case safetyViolation = 12
    case livenessViolation = 13
    case proofRefuted = 14
    case proofUnknown = 15
    case ciMismatch = 20
    case usage = 64
    case modelError = 65
    case internalError = 70
    /// The system refused memory (out of memory, or an address-space limit such as
    /// `ulimit -v`). Emitted by `MappedMemory.outOfMemory` in WeaveExplorer, which
    /// cannot name this type; EX_OSERR.
    case outOfMemory = 71
    case fileError = 74
}

/// Where a command's output goes (the terminal, or a buffer in tests).
public struct Output: Sendable {
    public let out: @Sendable (String) -> Void
    public let err: @Sendable (String) -> Void
    public init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void) {
        self.out = out
        self.err = err
    }
}

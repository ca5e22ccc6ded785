/// How one path through an atomic step ends.
public enum StepOutcome: Sendable, Equatable, Hashable {
    /// The step completes: control reached the next label, or `done`.
    case ok
    /// An assert fails or a push overflows: the step property with this name is violated.
    case violation(String)
    /// A run-time error (index out of range, pop from empty, division by zero, ...).
    case error(String)
}

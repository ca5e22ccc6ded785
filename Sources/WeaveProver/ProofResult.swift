import WeaveIR

/// The result of one proof obligation (one Z3 query).
public struct Obligation: Sendable {
    public enum Status: Sendable, Equatable {
        case proved
        case refuted
        case unknown(String)
    }
    /// `initiation: mutex`, `consecution: mutex`, `no step fails "msg"`, `base (depth < k): ...`.
    public let name: String
    public let status: Status
    /// Z3 wall time of the query, in milliseconds.
    public let milliseconds: Double
}

/// A counterexample to induction: states that satisfy every hypothesis and a step
/// that breaks a target (or, for initiation, an initial state that violates it).
public struct CounterexampleToInduction: Sendable {
    /// The obligation that failed.
    public let obligation: String
    /// The property that fails after the step.
    public let property: String
    /// The hypothesis states (one for k = 1) and the post-state (or the state at the
    /// failure, for an assert or overflow target); for an initiation failure, one state.
    public let trace: Trace
    /// The last step fails inside (assert/overflow target): the last state is the state at the failure.
    public let failedInsideStep: Bool

    public var isInitiation: Bool { trace.steps.isEmpty }
    /// The state the failing step starts from.
    public var preState: [Int64] { trace.states[max(0, trace.states.count - 2)] }
    public var postState: [Int64] { trace.states[trace.states.count - 1] }
    public var step: TraceStep? { trace.steps.last }
}

/// What `Prover.prove` found.
public enum ProofVerdict: Sendable {
    case proved
    case refuted(CounterexampleToInduction)
    case unknown(String)

    public var name: String {
        switch self {
        case .proved: return "proved"
        case .refuted: return "refuted"
        case .unknown: return "unknown"
        }
    }
}

/// A proof attempt: the verdict and every obligation with its Z3 time.
public struct ProofResult: Sendable {
    public let verdict: ProofVerdict
    public let obligations: [Obligation]
    /// The properties proved (invariant names, assert messages, `overflow(q)`).
    public let targets: [String]
    /// The model's other invariants, used as strengthening lemmas (and proved too).
    public let lemmas: [String]
    public let k: Int
    /// Paths through steps that the encoding has (ok, failing).
    public let pathCount: Int
    /// Seconds spent building the encoding.
    public let encodingSeconds: Double
    /// No target was named, and the model has no invariant, assert or overflow bound, and
    /// no step path that can hit a run-time error: the verdict is vacuously `proved`.
    public var nothingToProve = false
}

/// What `BoundedModelChecker.check` found.
public enum BMCResult: Sendable {
    /// A violation: the property's name (an invariant, an assert message, `overflow(q)`,
    /// or `runtime error`), the trace from an initial state; `failedInsideStep` when the
    /// last step fails partway (its last state is the state at the failure).
    case violation(property: String, message: String, trace: Trace, failedInsideStep: Bool)
    /// No violation in any run of up to `depth` steps.
    case noViolation(depth: Int)
    case unknown(String)
}

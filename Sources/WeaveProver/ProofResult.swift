import WeaveIR

/// A counterexample to induction, of a per-size proof or of one for every N: states that
/// satisfy every hypothesis and a step that breaks a target (or, for initiation, an
/// initial state that violates it).
public struct CounterexampleToInduction: Sendable {
    /// The obligation that failed.
    public let obligation: String
    /// The property that fails after the step.
    public let property: String
    /// The model the states are states of: the one proved, or (every N) the model
    /// elaborated at `n`; nil if it was not elaborated there.
    public let model: Model?
    /// The hypothesis states (one for k = 1) and the post-state (or the state at the
    /// failure, for an assert or overflow target); for an initiation failure, one state.
    /// Nil (every N only) when the states were not decoded.
    public let trace: Trace?
    /// The last step fails inside (assert/overflow target): the last state is the state at the failure.
    public let failedInsideStep: Bool
    public let isInitiation: Bool
    /// The failing step (`nfsd(1).close`, or every N: `nfsd(i).close` if the instance is
    /// unknown); empty for initiation.
    public let stepName: String
    /// Every N: the value of the symbolic const in the counterexample (nil: per size, or unknown).
    public let n: Int64?

    /// The state the failing step starts from.
    public var preState: [Int64]? { trace.map { $0.states[max(0, $0.states.count - 2)] } }
    public var postState: [Int64]? { trace?.states.last }
    public var step: TraceStep? { trace?.steps.last }

    init(obligation: String, property: String, model: Model?, trace: Trace?, failedInsideStep: Bool, isInitiation: Bool,
         stepName: String, n: Int64?) {
        self.obligation = obligation; self.property = property; self.model = model; self.trace = trace
        self.failedInsideStep = failedInsideStep; self.isInitiation = isInitiation; self.stepName = stepName; self.n = n
    }

    /// A per-size counterexample: initiation when the trace has no step.
    init(obligation: String, property: String, model: Model, trace: Trace, failedInsideStep: Bool) {
        self.init(obligation: obligation, property: property, model: model, trace: trace, failedInsideStep: failedInsideStep,
                  isInitiation: trace.steps.isEmpty, stepName: trace.steps.last?.name ?? "", n: nil)
    }
}

/// What `Prover.prove` or `SymbolicProver.prove` found.
public enum ProofVerdict: Sendable {
    case proved
    case refuted(CounterexampleToInduction)
    case unknown(String)
    /// Every N: the model is outside the symbolic fragment: the construct and its position.
    case unsupported(String)

    public var name: String {
        switch self {
        case .proved: return "proved"
        case .refuted: return "refuted"
        case .unknown: return "unknown"
        case .unsupported: return "unsupported"
        }
    }
}

/// A proof attempt, per size or for every N: the verdict and every obligation with its Z3 time.
public struct ProofResult: Sendable {
    public let verdict: ProofVerdict
    public let obligations: [ObligationOutcome]
    /// The properties proved (invariant names, assert messages, `overflow(q)`).
    public let targets: [String]
    /// The model's other invariants, used as strengthening lemmas (and proved too).
    public let lemmas: [String]
    public let k: Int
    /// Paths through steps that the encoding has (ok, failing; every N: of an arbitrary
    /// instance of every process).
    public let pathCount: Int
    /// Seconds spent building the encoding.
    public let encodingSeconds: Double
    /// The model proved (every N: at a sample size, for names and settings; nil if it did
    /// not elaborate).
    public var model: Model?
    /// No target was named, and the model has no invariant, assert or overflow bound, and
    /// no step path that can hit a run-time error: the verdict is vacuously `proved`.
    public var nothingToProve = false
    /// Every N: the symbolic const (nil: a per-size proof).
    public var constName: String? = nil
    /// Every N: the settings with the consts that depend on N written as functions of N.
    public var settings: String = ""
    /// Every N: the model elaborates only up to a size (the proof speaks of every N of its
    /// symbolic reading; at larger N there is no model to check).
    public var elaborationLimit: SymbolicInductionResult.ElaborationBound? = nil
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

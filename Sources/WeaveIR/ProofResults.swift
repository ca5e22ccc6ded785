// The results of the Z3 back end as the reports read them: the driver converts the
// prover's own result types into these, so that WeaveReport renders proofs and bounded
// checks without importing the prover (and the prover can change its internals freely).

/// One proof obligation (one Z3 query) and its outcome.
public struct ObligationOutcome: Sendable {
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
    public init(name: String, status: Status, milliseconds: Double) {
        self.name = name; self.status = status; self.milliseconds = milliseconds
    }
}

/// What a counterexample to induction means: whether its property fails in a reachable
/// state (a real bug, or a lemma that is not an invariant) or only in unreachable ones
/// (the lemmas are too weak), with a run from an initial state when BMC finds one.
public struct ProofDiagnosis: Sendable {
    /// `reachable (a real bug)`, `unreachable (strengthen the lemmas); ...`, ...: what
    /// follows "the pre-state is"; `initial: ...` when the CTI starts in an initial state.
    public let text: String
    /// A run from an initial state that fails the same property, if BMC found one.
    public let witness: Trace?
    /// The witness's last step fails partway (an assert, overflow or run-time error).
    public let witnessFailsInside: Bool
    /// The property is a lemma (not a target) and fails in a reachable state.
    public let lemmaIsWrong: Bool
    public init(text: String, witness: Trace?, witnessFailsInside: Bool, lemmaIsWrong: Bool) {
        self.text = text; self.witness = witness; self.witnessFailsInside = witnessFailsInside
        self.lemmaIsWrong = lemmaIsWrong
    }
}

/// A counterexample to induction of a per-size proof.
public struct InductionCounterexample: Sendable {
    /// Which obligation the counterexample breaks.
    public enum Stage: Sendable, Equatable {
        /// An initial state violates the property (the trace has one state).
        case initiation
        /// A run from an initial state shorter than k fails it (k-induction's base case).
        case base
        /// A step from states satisfying every hypothesis breaks it.
        case consecution
    }
    /// The obligation that failed (its name as the obligation lines print it).
    public let obligation: String
    /// The property that fails, as the prover names it.
    public let property: String
    public let stage: Stage
    /// The hypothesis states and the post-state (or the state at the failure); one state
    /// for initiation.
    public let trace: Trace
    /// The last step fails inside (assert, overflow, run-time error).
    public let failedInsideStep: Bool
    /// What the counterexample means (nil: not diagnosed).
    public let diagnosis: ProofDiagnosis?
    public init(obligation: String, property: String, stage: Stage, trace: Trace, failedInsideStep: Bool,
                diagnosis: ProofDiagnosis?) {
        self.obligation = obligation; self.property = property; self.stage = stage; self.trace = trace
        self.failedInsideStep = failedInsideStep; self.diagnosis = diagnosis
    }
}

/// A per-size proof attempt (`weave prove`): k-induction of the targets with the lemmas.
public struct InductionResult: Sendable {
    public enum Outcome: Sendable {
        case proved
        case refuted(InductionCounterexample)
        case unknown(String)
    }
    public let outcome: Outcome
    public let obligations: [ObligationOutcome]
    public let targets: [String]
    public let lemmas: [String]
    public let k: Int
    /// Paths through steps that the encoding has.
    public let pathCount: Int
    public let encodingSeconds: Double
    public init(outcome: Outcome, obligations: [ObligationOutcome], targets: [String], lemmas: [String], k: Int,
                pathCount: Int, encodingSeconds: Double) {
        self.outcome = outcome; self.obligations = obligations; self.targets = targets; self.lemmas = lemmas
        self.k = k; self.pathCount = pathCount; self.encodingSeconds = encodingSeconds
    }
}

/// A counterexample to induction of a proof for every value N of a const, with the model
/// elaborated at the size it was found at.
public struct SymbolicCounterexample: Sendable {
    public let obligation: String
    public let property: String
    /// The const's value in the counterexample (nil: unknown).
    public let n: Int64?
    /// `nfsd(1).close` (empty for initiation).
    public let stepName: String
    public let isInitiation: Bool
    public let failedInsideStep: Bool
    /// The model at `n` and the counterexample as its states, if decoded.
    public let model: Model?
    public let trace: Trace?
    public let diagnosis: ProofDiagnosis?
    public init(obligation: String, property: String, n: Int64?, stepName: String, isInitiation: Bool,
                failedInsideStep: Bool, model: Model?, trace: Trace?, diagnosis: ProofDiagnosis?) {
        self.obligation = obligation; self.property = property; self.n = n; self.stepName = stepName
        self.isInitiation = isInitiation; self.failedInsideStep = failedInsideStep; self.model = model
        self.trace = trace; self.diagnosis = diagnosis
    }
}

/// A proof for every value N >= 1 of a const (`weave prove --symbolic`).
public struct SymbolicInductionResult: Sendable {
    /// The model elaborates only for N up to `lastGood` (at `firstBad`: `why`).
    public struct ElaborationBound: Sendable {
        public let lastGood: Int64
        public let firstBad: Int64
        public let why: String
        public init(lastGood: Int64, firstBad: Int64, why: String) {
            self.lastGood = lastGood; self.firstBad = firstBad; self.why = why
        }
    }
    public enum Outcome: Sendable {
        case proved(ElaborationBound?)
        case refuted(SymbolicCounterexample)
        case unknown(String)
        /// Outside the symbolic fragment: the construct and its position.
        case unsupported(String)
    }
    public let outcome: Outcome
    public let obligations: [ObligationOutcome]
    public let constName: String
    /// The model's name, if it elaborated at a sample size.
    public let modelName: String?
    /// The settings, the consts that depend on N written as functions of N.
    public let settings: String
    public let targets: [String]
    public let lemmas: [String]
    public let pathCount: Int
    public let encodingSeconds: Double
    public init(outcome: Outcome, obligations: [ObligationOutcome], constName: String, modelName: String?, settings: String,
                targets: [String], lemmas: [String], pathCount: Int, encodingSeconds: Double) {
        self.outcome = outcome; self.obligations = obligations; self.constName = constName; self.modelName = modelName
        self.settings = settings; self.targets = targets; self.lemmas = lemmas; self.pathCount = pathCount
        self.encodingSeconds = encodingSeconds
    }
}

/// A bounded model check (`weave bmc`).
public struct BoundedResult: Sendable {
    public enum Outcome: Sendable {
        /// No run of up to `depth` steps violates a property (a bounded result, never "holds").
        case noViolation(depth: Int)
        /// The violation, as the explorer reports the same one, with a trace from an initial state.
        case violated(Violation)
        case unknown(String)
    }
    public let outcome: Outcome
    /// The depth asked for.
    public let depth: Int
    public let seconds: Double
    public init(outcome: Outcome, depth: Int, seconds: Double) {
        self.outcome = outcome; self.depth = depth; self.seconds = seconds
    }
}

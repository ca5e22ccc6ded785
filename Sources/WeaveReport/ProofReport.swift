import Foundation
import WeaveIR

/// The reports of the Z3 back end (`weave prove`, `weave prove --symbolic`, `weave bmc`),
/// written from the neutral results the driver fills from the prover's.
extension Reporter {
    /// `model NAME (SETTINGS)` or `model NAME (no params)`.
    func modelLine(_ name: String, settings: String) -> String {
        "model \(name) (\(settings.isEmpty ? "no params" : settings))\n"
    }

    /// The text report of a per-size proof attempt.
    public func proofText(_ r: InductionResult) -> String {
        var out = modelLine(model.name, settings: settingsText)
        out += "prove \(r.targets.joined(separator: ", ")) by \(r.k == 1 ? "induction" : "\(r.k)-induction")"
        out += r.lemmas.isEmpty ? " (no lemmas)\n" : " with lemmas \(r.lemmas.joined(separator: ", "))\n"
        out += "encoding: \(r.pathCount) step paths in \(String(format: "%.2f", r.encodingSeconds)) s\n"
        out += Self.obligationLines(r.obligations)
        switch r.outcome {
        case .proved:
            out += "PROVED (Z3 total \(String(format: "%.1f", Self.z3Milliseconds(r.obligations))) ms)\n"
        case .unknown(let why):
            out += "UNKNOWN: \(why)\n"
        case .refuted(let c):
            out += "REFUTED: \(c.obligation)\n"
            switch c.stage {
            case .initiation:
                out += "\n" + initialStateText(property: c.property, trace: c.trace)
            case .base:
                out += c.failedInsideStep ? "\na run from an initial state (the last step fails: \(c.property)):\n"
                                          : "\na run from an initial state (\(c.property) fails in its last state):\n"
                out += traceText(c.trace, failedInsideStep: c.failedInsideStep)
            case .consecution:
                out += "\n" + counterexampleText(property: c.property, trace: c.trace, failedInsideStep: c.failedInsideStep)
            }
            if let d = c.diagnosis { out += diagnosisText(d) }
        }
        return out
    }

    /// The text report of a proof for every value of a const: the model of a counterexample
    /// is the one elaborated at its size, `branches` gives its steps' semantics.
    public static func symbolicProofText(_ r: SymbolicInductionResult, branches: (Model) -> (any StepBranches)?) -> String {
        let n = r.constName
        var out = ""
        if let name = r.modelName {
            out += "model \(name) (\(r.settings.isEmpty ? "no params" : r.settings))\n"
        }
        out += "prove \(r.targets.isEmpty ? "the model's properties" : r.targets.joined(separator: ", ")) for every \(n) = N >= 1 by induction"
        out += r.lemmas.isEmpty ? " (no lemmas)\n" : " with lemmas \(r.lemmas.joined(separator: ", "))\n"
        if case .unsupported(let why) = r.outcome {
            return out + "UNSUPPORTED: \(why)\n"
        }
        out += "encoding: \(r.pathCount) step paths of an arbitrary instance in \(String(format: "%.2f", r.encodingSeconds)) s\n"
        out += obligationLines(r.obligations)
        let total = z3Milliseconds(r.obligations)
        switch r.outcome {
        case .proved(let limit):
            if let l = limit {
                out += "PROVED for every \(n) >= 1 at which the model elaborates: \(n) <= \(l.lastGood) "
                    + "(at \(n) = \(l.firstBad): \(l.why)) (Z3 total \(String(format: "%.1f", total)) ms)\n"
            } else {
                out += "PROVED for every \(n) >= 1 (Z3 total \(String(format: "%.1f", total)) ms)\n"
            }
        case .unknown(let why):
            out += "UNKNOWN: \(why)\n"
        case .unsupported:
            break
        case .refuted(let c):
            out += "REFUTED: \(c.obligation)\n"
            out += "\n\(n) = \(c.n.map(String.init) ?? "?")" + (c.isInitiation ? "" : ", step \(c.stepName)") + "\n"
            if let model = c.model, let trace = c.trace {
                let reporter = Reporter(model: model, branches: branches(model))
                if c.isInitiation {
                    out += reporter.initialStateText(property: c.property, trace: trace)
                } else {
                    out += reporter.counterexampleText(property: c.property, trace: trace, failedInsideStep: c.failedInsideStep)
                }
                if let d = c.diagnosis { out += reporter.diagnosisText(d, at: " at \(n) = \(c.n ?? 0)") }
            }
        }
        return out
    }

    /// One line per obligation, with its outcome and Z3 time.
    public static func obligationLines(_ obligations: [ObligationOutcome]) -> String {
        var out = ""
        for o in obligations {
            let status: String
            switch o.status {
            case .proved: status = "proved"
            case .refuted: status = "REFUTED"
            case .unknown(let why): status = "unknown (\(why))"
            }
            out += "  \(o.name): \(status)   \(String(format: "%.1f", o.milliseconds)) ms\n"
        }
        return out
    }

    static func z3Milliseconds(_ obligations: [ObligationOutcome]) -> Double {
        obligations.reduce(0) { $0 + $1.milliseconds }
    }

    /// An initial state that violates `property` (initiation fails).
    func initialStateText(property: String, trace: Trace) -> String {
        "an initial state violates \(property):\n" + traceText(trace)
    }

    /// A counterexample to induction: its first state satisfies the hypotheses, it need not
    /// be reachable.
    func counterexampleText(property: String, trace: Trace, failedInsideStep: Bool) -> String {
        (failedInsideStep ? "counterexample to induction (the last step fails: \(property)):\n"
                          : "counterexample to induction (\(property) fails after the step):\n")
            + traceText(trace, failedInsideStep: failedInsideStep,
                        firstState: "a state satisfying every invariant (not necessarily initial)")
    }

    /// The diagnosis as report lines: "the pre-state is ...", then the run BMC found.
    public func diagnosisText(_ d: ProofDiagnosis, at suffix: String = "") -> String {
        var out = d.text.hasPrefix("initial: ") ? String(d.text.dropFirst(9)) + "\n" : "the pre-state is \(d.text)\(suffix)\n"
        if let w = d.witness {
            out += w.steps.isEmpty ? "an initial state fails it (BMC):\n"
                                   : "a run from an initial state that fails it (BMC, \(w.steps.count) step\(w.steps.count == 1 ? "" : "s")):\n"
            out += traceText(w, failedInsideStep: d.witnessFailsInside)
        }
        return out
    }

    /// The text report of a bounded model check.
    public func boundedText(_ r: BoundedResult) -> String {
        let head = modelLine(model.name, settings: settingsText)
        let secs = String(format: "%.2f", r.seconds)
        switch r.outcome {
        case .noViolation(let d):
            let steps = d == 1 ? "1 step" : "\(d) steps"
            return head + "NO VIOLATION within \(steps) (a bounded check: runs longer than \(steps) were not checked; "
                + "invariants, asserts, overflows and run-time errors, not deadlock) in \(secs) s\n"
        case .violated(let v):
            var out = head + "VIOLATED: \(v.message)\n"
            if let range = v.range { out += "  at \(range.description)\n" }
            if let trace = v.trace {
                out += "\ntrace (\(trace.steps.count) step\(trace.steps.count == 1 ? "" : "s"), found by BMC in \(secs) s):\n"
                out += traceText(trace, failedInsideStep: v.failedInsideStep)
            }
            return out
        case .unknown(let why):
            return head + "UNKNOWN: \(why)\n"
        }
    }

    /// The JSON object of a bounded model check: the fields `weave check --format json` has
    /// that BMC knows, and `engine: bmc`.
    public func boundedJSON(_ r: BoundedResult) -> JSON {
        let verdict: String
        var extra: [(String, JSON)] = []
        var depth = r.depth
        switch r.outcome {
        case .noViolation(let d):
            verdict = "bounded"
            depth = d
        case .violated(let v):
            verdict = "violated"
            extra = [("property", .string(v.property)), ("kind", .string(v.kind.rawValue)), ("message", .string(v.message))]
            if let range = v.range { extra.append(("location", .string(range.description))) }
            if let trace = v.trace {
                extra.append(("trace", traceJSON(trace)))
                depth = trace.steps.count
            }
        case .unknown(let why):
            verdict = "unknown"
            extra = [("reason", .string(why))]
        }
        return .object([("model", .string(model.name)),
                        ("settings", .object(model.settings.map { ($0.name, .string($0.type.format($0.value))) })),
                        ("engine", .string("bmc")), ("verdict", .string(verdict))]
                       + extra + [("depth", .int(Int64(depth))), ("elapsedSeconds", .double(r.seconds))])
    }
}

extension ProofDiagnosis {
    /// The diagnosis on one line (for `weave ci`).
    public func line(at suffix: String = "") -> String {
        var out = text.hasPrefix("initial: ") ? "an initial state: " + text.dropFirst(9) : "the pre-state is \(text)\(suffix)"
        if let w = witness {
            out += w.steps.isEmpty ? " (BMC: an initial state fails it)"
                                   : " (BMC: a run of \(w.steps.count) step\(w.steps.count == 1 ? "" : "s") from an initial state fails it)"
        }
        return out
    }
}

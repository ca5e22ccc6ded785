import Foundation
import WeaveIR
import WeaveExplorer
import WeaveReport

extension Driver {
    /// What minimisation did to a trace, for the report.
    public struct MinimizeNote: Sendable {
        public let switchesBefore: Int
        public let switchesAfter: Int
        public let processesBefore: Int
        public let processesAfter: Int
        public let complete: Bool
        /// For a lasso: steps before the loop, before and after (nil for a finite trace).
        public var prefixBefore: Int? = nil
        public var prefixAfter: Int? = nil

        public var text: String {
            let was = prefixBefore == nil ? "BFS trace" : "BFS lasso"
            var s = "trace minimised: \(processesAfter) \(processesAfter == 1 ? "process takes" : "processes take") part"
            if processesAfter != processesBefore { s += " (\(was): \(processesBefore))" }
            s += ", \(switchesAfter) context switch\(switchesAfter == 1 ? "" : "es")"
            if switchesAfter != switchesBefore { s += " (\(was): \(switchesBefore))" }
            if let before = prefixBefore, let after = prefixAfter {
                s += ", \(after) step\(after == 1 ? "" : "s") before the loop"
                if after != before { s += " (\(was): \(before))" }
            }
            if !complete { s += "; search budget exhausted, best found so far" }
            return s
        }
    }

    /// Replaces the prefix of a liveness lasso by one to the same loop with the fewest
    /// processes, then context switches, then steps (`TraceTools.minimizeLasso`); the
    /// loop is kept as the checker found it, so the run stays fair.
    static func minimizeLasso(_ result: inout CheckResult, model: Model, options: CheckOptions) -> MinimizeNote? {
        guard case .violated(let v) = result.verdict, v.kind == .liveness, let t = v.trace, t.loopStart != nil,
              let values = v.livenessValues, let index = model.liveness.firstIndex(where: { $0.name == v.property }),
              let space = try? StateSpace(model: model, properties: options.properties) else { return nil }
        let m = TraceTools(space: space).minimizeLasso(t, property: index, values: values)
        result = result.with(verdict: .violated(v.with(trace: m.trace, model: model)))
        var note = MinimizeNote(switchesBefore: m.switchesBefore, switchesAfter: m.switchesAfter,
                                processesBefore: m.processesBefore, processesAfter: m.processesAfter, complete: m.complete)
        note.prefixBefore = m.prefixBefore
        note.prefixAfter = m.prefixAfter
        return note
    }

    /// Replaces a breadth-first safety trace by one of the same length with the fewest processes
    /// and context switches (`TraceTools.minimize`); a liveness lasso has its prefix minimised
    /// (`minimizeLasso`). Depth-first safety traces are left alone.
    static func minimizeTrace(_ result: inout CheckResult, model: Model, options: CheckOptions,
                              budget: Int = 200_000) -> MinimizeNote? {
        if case .violated(let v) = result.verdict, v.kind == .liveness {
            return minimizeLasso(&result, model: model, options: options)
        }
        guard !options.depthFirst, case .violated(let v) = result.verdict, let t = v.trace, t.loopStart == nil,
              let goal = TraceGoal(v, model: model), let space = try? StateSpace(model: model, properties: options.properties) else { return nil }
        let tools = TraceTools(space: space)
        let avoid = model.invariants.indices.filter { options.properties.includes(model.invariants[$0].name) }
        let m = tools.minimize(t, goal: goal, avoidInvariants: avoid, budget: budget)
        var shown = v.with(trace: m.trace, model: model)
        // The minimised trace may end in another assert with the same message: point at its own.
        if v.kind == .assertion || v.kind == .overflow, let site = tools.failingSite(of: m.trace), let r = site.range {
            shown = Violation(kind: shown.kind, property: shown.property, message: shown.message, range: r,
                              trace: shown.trace, failedInsideStep: shown.failedInsideStep)
            shown.expansion = site.expansion
        }
        result = result.with(verdict: .violated(shown))
        return MinimizeNote(switchesBefore: m.switchesBefore, switchesAfter: m.switchesAfter,
                            processesBefore: m.processesBefore, processesAfter: m.processesAfter, complete: m.complete)
    }

    /// The report of `weave check` in one format. The diagram formats show a trace;
    /// without one they print the text report.
    static func report(_ result: CheckResult, format: Format, model: Model, minimized: MinimizeNote?) -> String {
        let reporter = Reporter(model: model, branches: stepBranches(model))
        let violation: Violation? = { if case .violated(let v) = result.verdict { return v } else { return nil } }()
        switch format {
        case .json:
            return reporter.json(result).serialized(pretty: true) + "\n"
        case .kernel:
            if let v = violation, let t = v.trace { return KernelView.render(model: model, trace: t, violation: v, branches: reporter.branches) }
        case .mermaid:
            if let v = violation, let t = v.trace {
                return "```mermaid\n" + Mermaid.render(model: model, trace: t, violation: v, branches: reporter.branches) + "```\n"
            }
        case .text:
            break
        }
        var out = reporter.text(result)
        if let minimized, format == .text { out += minimized.text + "\n" }
        return out
    }

    /// `--html FILE`: the self-contained report.
    static func writeHTML(_ result: CheckResult, model: Model, to path: String, quietly: Bool, io: Output) -> WeaveExit {
        let v: Violation? = { if case .violated(let v) = result.verdict { return v } else { return nil } }()
        let page = Html.render(model: model, result: result, trace: v?.trace, violation: v, branches: stepBranches(model))
        return writeOutput(page, to: path, written: quietly ? nil : "HTML report written to \(path)", io: io) ?? .holds
    }

    /// `--trace-out FILE`: the violation's trace as ITF JSON (for `weave replay`); under
    /// text output, says where it went. Nil when written; `.fileError` when not (said).
    static func writeTrace(_ t: Trace, of v: Violation, reporter: Reporter, to path: String,
                           format: Format, io: Output) -> WeaveExit? {
        let text = reporter.itf(t, description: v.message, violation: v).serialized(pretty: true) + "\n"
        return writeOutput(text, to: path, written: format == .text ? "ITF trace written to \(path)" : nil, io: io)
    }

    /// Writes a file the run was asked for, atomically, and prints `written` (when given)
    /// on stdout. Nil when written; `.fileError` when the file cannot be written (said on stderr).
    static func writeOutput(_ text: String, to path: String, written: String?, io: Output) -> WeaveExit? {
        do {
            try writeAtomically(text, to: path)
        } catch {
            io.err("weave: cannot write '\(path)': \(error.localizedDescription)\n")
            return .fileError
        }
        if let written { io.out(written + "\n") }
        return nil
    }
}

/// The explorer's semantics of steps, for the reports: which `either` branches a step of
/// a trace took (WeaveReport does not import the explorer). The state space is built on
/// the first question, so a report that shows no trace costs nothing.
final class ExplorerStepBranches: StepBranches {
    let model: Model
    lazy var space: StateSpace? = try? StateSpace(model: model)

    /// `space`: one the caller already built for `model` (none: built on the first question).
    init(model: Model, space: StateSpace? = nil) {
        self.model = model
        if let space { self.space = space }
    }

    func branches(from state: [Int64], step: TraceStep, to next: [Int64]) -> [(node: Int, branch: Int)] {
        // The outcome of this step that the trace shows (its state, or the failure).
        guard let succ = space?.successors(of: state),
              let s = succ.first(where: { $0.step.name == step.name && $0.state == next }) else { return [] }
        return s.choices
    }
}

extension Driver {
    /// The steps' semantics of `model` for its reports (no branch is named when the
    /// explorer cannot build the model's state space).
    public static func stepBranches(_ model: Model) -> (any StepBranches)? {
        ExplorerStepBranches(model: model)
    }
}

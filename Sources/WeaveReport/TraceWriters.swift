import Foundation
import WeaveIR
import WeaveSource

/// Writes results and traces as text, JSON and ITF, from one neutral value.
public struct Reporter {
    public let model: Model
    let view: StateView
    /// The steps' semantics, to name the `either` branches a trace takes (nil: not named).
    public let branches: (any StepBranches)?

    public init(model: Model, branches: (any StepBranches)?) {
        self.model = model
        view = StateView(model: model)
        self.branches = branches
    }

    /// `design=fput_sync, THREADS=2`.
    public var settingsText: String { model.settings.map(\.description).joined(separator: ", ") }

    /// The trace as numbered steps with only the changed variables, the initial state in full.
    /// `firstState` names state 0 (a counterexample to induction starts in a state that
    /// satisfies the hypotheses, not necessarily an initial one).
    public func traceText(_ t: Trace, failedInsideStep: Bool = false, firstState: String = "initial state") -> String {
        let choices = StepChoices(model: model, branches: branches)
        var out = ""
        guard let first = t.states.first else { return out }
        out += "  0  \(firstState)\n"
        for (n, v) in view.variables(first) { out += "       \(view.line(n, v))\n" }
        for (i, step) in t.steps.enumerated() where i + 1 < t.states.count {
            let last = i == t.steps.count - 1
            var head = "  \(i + 1)  \(step.name)"
            if last && failedInsideStep { head += "   (fails during this step)" }
            if let l = t.loopStart, l == i + 1 {
                head += l == t.states.count - 1 ? "   <- stuck here forever" : "   <- the cycle starts here"
            }
            out += head + "\n"
            for c in choices.lines(t, step: i) { out += "       \(c)\n" }
            let ch = view.changes(from: t.states[i], to: t.states[i + 1])
            if ch.allSatisfy({ $0.0.hasSuffix(".pc") }) {
                // A step that only read: what it read decided where it went.
                let reads = StepReads.reads(view, trace: t, step: i)
                if !reads.isEmpty { out += "       read: " + reads.joined(separator: ", ") + "\n" }
            }
            if ch.isEmpty { out += "       (no variable changes)\n" }
            for (n, v) in ch { out += "       \(view.line(n, v))\n" }
        }
        if let l = t.loopStart {
            if l == t.states.count - 1 {
                out += "  ... and stays in state \(l) forever: no fair process can take a step\n"
            } else {
                out += "  ... back to state \(l): the cycle repeats forever\n"
            }
        }
        return out
    }

    /// The summary figures, as TLC and SPIN print them.
    public func statisticsText(_ s: Statistics) -> String {
        let rate = s.statesPerSecond
        let perState = s.distinct > 0 ? Double(s.visitedBytes) / Double(s.distinct) : 0
        var out = """
        states: \(s.generated) generated, \(s.distinct) distinct, \(s.queued) left in queue; depth \(s.depth)
        time: \(fmt(s.elapsedSeconds)) s (\(Int(rate)) states/s, \(s.workers) worker\(s.workers == 1 ? "" : "s")); memory \(fmt(Double(s.peakMemoryBytes) / 1048576)) MiB at most (\(s.stateBytes)-byte states; visited set \(Int(perState)) bytes/state)
        """
        if let p = s.collisionProbability {
            out += "\nfingerprints only: the chance that a state was missed (two shared a fingerprint) is about \(String(format: "%.1g", p))"
        }
        return out
    }

    func fmt(_ d: Double) -> String {
        let r = (d * 100).rounded() / 100
        return String(r)
    }

    /// A full human-readable report of a result.
    public func text(_ r: CheckResult, showCoverage: Bool = true) -> String {
        var out = "model \(model.name) (\(settingsText.isEmpty ? "no params" : settingsText))\n"
        switch r.verdict {
        case .holds:
            out += "HOLDS: every checked property holds in all \(r.statistics.distinct) reachable states\n"
        case .incomplete(let reason):
            out += "INCOMPLETE: \(reason); no violation found in the \(r.statistics.distinct) states explored\n"
        case .violated(let v):
            out += "VIOLATED: \(v.message)\n"
            if let at = v.locationText { out += "  at \(at)\n" }
            if let t = v.trace {
                // Only a breadth-first search's trace is a shortest one.
                let kind = t.loopStart != nil ? "lasso" : r.statistics.depthFirst ? "trace" : "shortest trace"
                let why = t.loopStart == nil && r.statistics.depthFirst ? "; depth-first search, not the shortest" : ""
                out += "\n\(kind) (\(t.steps.count) step\(t.steps.count == 1 ? "" : "s")\(why)):\n"
                out += traceText(t, failedInsideStep: v.failedInsideStep)
                if v.kind == .deadlock {
                    out += "\n" + DeadlockExplanation.lines(model: model, trace: t).joined(separator: "\n") + "\n"
                }
            }
        }
        out += "\n" + statisticsText(r.statistics) + "\n"
        if let line = r.symmetry.summary { out += line + "\n" }
        if showCoverage {
            let never = r.coverage.neverFired
            if !never.isEmpty, case .holds = r.verdict {
                out += "warning: \(never.count) step(s) never fired: "
                out += never.map { "\($0.process).\($0.label)" }.joined(separator: ", ") + "\n"
            }
        }
        return out
    }

    public func verdictName(_ v: Verdict) -> String {
        switch v {
        case .holds: return "holds"
        case .violated: return "violated"
        case .incomplete: return "incomplete"
        }
    }

    /// One JSON object: verdict, property, kind, figures, and the trace.
    public func json(_ r: CheckResult) -> JSON {
        var kv: [(String, JSON)] = [("model", .string(model.name)),
                                    ("settings", .object(model.settings.map { ($0.name, .string($0.type.format($0.value))) })),
                                    ("verdict", .string(verdictName(r.verdict)))]
        switch r.verdict {
        case .violated(let v):
            kv.append(("property", .string(v.property)))
            kv.append(("kind", .string(v.kind.rawValue)))
            kv.append(("message", .string(v.message)))
            if let range = v.modelRange { kv.append(("location", .string(range.description))) }
            if !v.expansion.isEmpty, let range = v.range {
                // The macros the failing statement is in, outermost first, down to its own line.
                var chain: [JSON] = []
                for (i, site) in v.expansion.enumerated().reversed() {
                    let at = i == 0 ? range : v.expansion[i - 1].call
                    chain.append(.object([("macro", .string(site.macro)), ("location", .string(at.description))]))
                }
                kv.append(("expansion", .array(chain)))
            }
            if let t = v.trace { kv.append(("trace", traceJSON(t))) }
        case .incomplete(let reason):
            kv.append(("reason", .string(reason)))
        case .holds: break
        }
        let s = r.statistics
        kv += [("states", .int(Int64(s.generated))), ("distinct", .int(Int64(s.distinct))),
               ("queued", .int(Int64(s.queued))), ("depth", .int(Int64(s.depth))),
               ("elapsedSeconds", .double(s.elapsedSeconds)), ("statesPerSecond", .double(s.statesPerSecond)),
               ("memoryBytes", .int(Int64(s.memoryBytes))), ("peakMemoryBytes", .int(Int64(s.peakMemoryBytes))),
               ("visitedBytes", .int(Int64(s.visitedBytes))), ("stateBytes", .int(Int64(s.stateBytes))),
               ("workers", .int(Int64(s.workers))), ("fingerprintOnly", .bool(s.fingerprintOnly)),
               ("search", .string(s.depthFirst ? "depth-first" : "breadth-first"))]
        if let p = s.collisionProbability { kv.append(("collisionProbability", .double(p))) }
        if let line = r.symmetry.summary { kv.append(("symmetry", .string(line))) }
        kv.append(("neverFired", .array(r.coverage.neverFired.map { .string("\($0.process).\($0.label)") })))
        return .object(kv)
    }

    public func traceJSON(_ t: Trace) -> JSON {
        var steps: [JSON] = []
        if let first = t.states.first {
            steps.append(.object([("step", .int(0)), ("action", .string("initial")),
                                  ("state", .object(view.variables(first).map { ($0.0, .string($0.1)) }))]))
        }
        for (i, st) in t.steps.enumerated() where i + 1 < t.states.count {
            steps.append(.object([("step", .int(Int64(i + 1))), ("action", .string(st.name)),
                                  ("changes", .object(view.changes(from: t.states[i], to: t.states[i + 1]).map { ($0.0, .string($0.1)) }))]))
        }
        var kv: [(String, JSON)] = [("steps", .array(steps))]
        if let l = t.loopStart { kv.append(("loopStart", .int(Int64(l)))) }
        return .object(kv)
    }

    /// The trace in the Informal Trace Format (ITF) that Apalache and Quint tools read.
    /// `violation` adds what `weave replay` checks the trace ends in, and the settings
    /// it ran with (`#meta` may hold any extra keys).
    public func itf(_ t: Trace, description: String, violation: Violation? = nil) -> JSON {
        let entries = view.layout.entries
        var states: [JSON] = []
        for (i, s) in t.states.enumerated() {
            var kv: [(String, JSON)] = [("#meta", .object([("index", .int(Int64(i))),
                                                           ("action", .string(i == 0 ? "init" : t.steps[i - 1].name))]))]
            for e in entries { kv.append((e.name, view.itfValue(e, s))) }
            states.append(.object(kv))
        }
        var top: [(String, JSON)] = [("#meta", .object([("format", .string("ITF")),
                                                       ("format-description", .string("https://apalache-mc.org/docs/adr/015adr-trace.html")),
                                                       ("source", .string(model.name)),
                                                       ("description", .string(description))]
                                                      + itfViolationMeta(violation) + itfNamesMeta(entries))),
                                     ("vars", .array(entries.map { .string($0.name) })),
                                     ("states", .array(states))]
        if let l = t.loopStart { top.append(("loop", .int(Int64(l)))) }
        return .object(top)
    }

    /// ITF keeps numbers; the names a model gives some values (`-2` is `&work_exited`), per
    /// variable, and the ghost variables, go in `#meta` for readers that want them.
    func itfNamesMeta(_ entries: [Layout.Entry]) -> [(String, JSON)] {
        var out: [(String, JSON)] = []
        let named = entries.filter { $0.valueNames != nil }
        if !named.isEmpty {
            out.append(("valueNames", .object(named.map { e in
                (e.name, .object((e.valueNames?.names ?? [:]).sorted { $0.key < $1.key }.map { (String($0.key), .string($0.value)) }))
            })))
        }
        let ghosts = entries.filter(\.isGhost)
        if !ghosts.isEmpty { out.append(("ghost", .array(ghosts.map { .string($0.name) }))) }
        return out
    }

    func itfViolationMeta(_ v: Violation?) -> [(String, JSON)] {
        guard let v else { return [] }
        return [("property", .string(v.property)), ("kind", .string(v.kind.rawValue)),
                ("settings", .object(model.settings.map { ($0.name, .string($0.type.format($0.value))) }))]
    }
}

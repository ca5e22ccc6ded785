import Foundation
import WeaveIR
import WeaveSema
import WeaveExplorer
import WeaveReport

/// `weave replay MODEL TRACE.itf.json`: re-checks a saved trace against the model as it
/// is now. Each saved state is matched against the successors of the state before
/// (by its step name and variable values); the report names the first step that no
/// longer applies, or confirms the trace still ends in its violation.
public enum ReplayDriver {
    public static func replay(modelPath: String, tracePath: String, overrides: [String: String], io: Output) -> WeaveExit {
        guard let data = FileManager.default.contents(atPath: tracePath) else {
            io.err("weave replay: cannot read '\(tracePath)'\n")
            return .fileError
        }
        let saved: ITFTrace
        switch ITFTrace.parse(data) {
        case .success(let s): saved = s
        case .failure(let e):
            io.err("weave replay: '\(tracePath)' is not an ITF trace: \(e.message)\n")
            return .modelError
        }
        // The trace's own settings, unless the command line gives some.
        var ov = overrides
        var fromTrace = false
        if ov.isEmpty && !saved.settings.isEmpty { ov = saved.settings; fromTrace = true }
        let quiet = Output(out: { _ in }, err: { _ in })
        var loaded = Driver.load(modelPath, overrides: ov, io: fromTrace ? quiet : io)
        if fromTrace, case .failed = loaded {
            // A setting of the trace may be gone from the model (or a derived const now): those
            // are dropped, and said so. A setting the model still has keeps its saved value, and
            // a value that does not fit is an error, never a silent fall-back to the default.
            let probe = Driver.load(modelPath, overrides: [:], io: io)
            guard case .model(let m, _, _) = probe else { return probe.exit }
            let settable = Set(m.settings.map(\.name))
            let gone = saved.settings.keys.filter { !settable.contains($0) }.sorted()
            ov = saved.settings.filter { settable.contains($0.key) }
            if !gone.isEmpty {
                io.err("weave replay: the trace's settings \(gone.joined(separator: ", ")) are not settings of the model now; replaying without them\n")
            }
            loaded = Driver.load(modelPath, overrides: ov, io: quiet)
            if case .failed = loaded {
                _ = Driver.load(modelPath, overrides: ov, io: io)
                io.err("weave replay: the settings saved in '\(tracePath)' (\(Driver.settingsText(ov))) are not valid for the model\n")
                return .modelError
            }
        }
        guard case .model(let model, _, _) = loaded else { return loaded.exit }
        let space: StateSpace
        // The trace's property alone decides which steps fail (as the run that found it, or
        // stricter: that run stopped at its first violation).
        do { space = try StateSpace(model: model, properties: saved.property.map { .only([$0]) } ?? .all) } catch {
            io.err("weave: \(error.description)\n")
            return .modelError
        }
        let tools = TraceTools(space: space)
        let layout = space.layout
        let settingsText = model.settings.map(\.description).joined(separator: ", ")
        io.out("replaying \(tracePath) (\(saved.states.count - 1) steps) against \(model.name)"
               + (settingsText.isEmpty ? "" : " (\(settingsText))") + "\n")

        let modelNames = Set(layout.entries.map(\.name))
        let extra = saved.vars.filter { !modelNames.contains($0) }
        let missing = layout.entries.map(\.name).filter { !saved.vars.contains($0) }
        if !extra.isEmpty { io.out("note: not in the model (ignored): \(extra.joined(separator: ", "))\n") }
        if !missing.isEmpty { io.out("note: not in the trace (any value accepted): \(missing.joined(separator: ", "))\n") }

        // Decode every saved state; the first undecodable one is where the trace stops applying.
        var partial: [TraceTools.PartialState] = []
        var decodeFailure: (Int, String)? = nil
        for (i, st) in saved.states.enumerated() {
            var p = TraceTools.PartialState(repeating: nil, count: layout.slotCount)
            for e in layout.entries {
                guard let raw = st[e.name] else { continue }
                switch ITFTrace.decode(raw, entry: e, model: model) {
                case .success(let slots):
                    for (k, v) in slots.enumerated() { p[e.offset + k] = v }
                case .failure(let err):
                    if decodeFailure == nil { decodeFailure = (i, "\(e.name): \(err.message)") }
                }
            }
            if decodeFailure != nil { break }
            partial.append(p)
        }

        if partial.isEmpty, let (i, why) = decodeFailure {
            // Not even the initial state fits (another size of the model, or another model).
            io.out("DIVERGES at step \(i) (the initial state): the saved state does not fit the model: \(why)\n")
            io.out("the trace no longer applies to the model\n")
            return .ciMismatch
        }
        let goal = self.goal(saved, model: model)
        let view = StateView(model: model)
        let describe: ([Int64], TraceTools.PartialState) -> String = { s, p in
            // The saved values laid over the model's state, printed entry by entry.
            var merged = s
            for k in merged.indices where k < p.count { if let v = p[k] { merged[k] = v } }
            var diffs: [String] = []
            for ((name, have), (_, want)) in zip(view.variables(s), view.variables(merged)) where have != want {
                diffs.append("\(name) is \(have) in the model, \(want) in the trace")
                if diffs.count == 4 { diffs.append("..."); break }
            }
            return diffs.joined(separator: "; ")
        }
        let outcome = tools.replay(states: partial, actions: Array(saved.actions.prefix(max(0, partial.count - 1))),
                                   goal: goal, describe: describe)
        switch outcome {
        case .diverged(let step, let reason, _):
            let name = step >= 1 && step - 1 < saved.actions.count ? (saved.actions[step - 1] ?? "") : ""
            io.out("DIVERGES at step \(step)\(name.isEmpty ? "" : " (\(name))"): \(reason)\n")
            io.out("the trace no longer applies to the model\n")
            return .ciMismatch
        case .replayed(let t, let shows):
            if let (i, why) = decodeFailure {
                let name = i >= 1 && i - 1 < saved.actions.count ? (saved.actions[i - 1] ?? "") : ""
                io.out("DIVERGES at step \(i)\(name.isEmpty ? "" : " (\(name))"): the saved state does not fit the model: \(why)\n")
                return .ciMismatch
            }
            if let l = saved.loop {
                // A lasso: the last state must step back to the start of the cycle (or stutter there).
                let closes = l == t.states.count - 1
                    || (space.successors(of: t.states[t.states.count - 1]) ?? []).contains { $0.kind == .state && $0.state == t.states[l] }
                if !closes {
                    io.out("DIVERGES at the end: the last state no longer steps back to state \(l)\n")
                    return .ciMismatch
                }
                io.out("REPLAYS: all \(t.steps.count) steps apply and the cycle closes at state \(l)"
                       + " (replay does not re-judge fairness or the liveness property; weave check does)\n")
                return .holds
            }
            if saved.kind == pathKind {
                // A path saved by `weave explore` that ends in no violation: every step applying is all it claims.
                io.out("REPLAYS: all \(t.steps.count) steps apply (a path saved by weave explore; it claims no violation)\n")
                return .holds
            }
            guard shows else {
                io.out("NOT REPRODUCED: all \(t.steps.count) steps apply, but the trace no longer ends in "
                       + (saved.description ?? saved.property ?? "a violation") + "\n")
                return .ciMismatch
            }
            io.out("REPRODUCED: all \(t.steps.count) steps apply and the trace ends in "
                   + (saved.description ?? saved.property ?? "a violation") + "\n")
            return .holds
        }
    }

    /// `#meta.kind` of a path saved by `weave explore` that ends in no violation.
    public static let pathKind = "path"

    /// What the trace must end in, from its `#meta` (kind and property, as `--trace-out` writes them).
    static func goal(_ s: ITFTrace, model: Model) -> TraceGoal? {
        guard let kind = s.violationKind, let property = s.property else { return nil }
        switch kind {
        case .assertion, .overflow: return .stepViolation(property)
        case .deadlock: return .deadlock
        case .invariant: return model.invariants.firstIndex { $0.name == property }.map { .invariant($0) }
        case .runtimeError:
            let prefix = "run-time error: "
            guard let d = s.description, d.hasPrefix(prefix) else { return nil }
            return .stepError(String(d.dropFirst(prefix.count)))
        case .unreachable, .liveness: return nil
        }
    }
}

import Foundation
import WeaveSource
import WeaveIR
import WeaveSema
import WeaveExplorer
import WeaveReport

/// `weave explore`: walks a model by hand. The session holds the path taken so far (a
/// trace from an initial state), lists the steps enabled in its last state, and takes
/// one, goes back, restarts, evaluates expressions, searches from the current state,
/// saves and loads ITF. The terminal (`ExploreTerminal`) and the web page (`ExploreWeb`)
/// are two faces of this one object.
public final class ExploreSession {
    public let model: Model
    let source: ModelSource
    let overrides: [String: String]
    let space: StateSpace
    let tools: TraceTools
    let reporter: Reporter
    /// The `either` branches a step took, for the views: answered from `space`.
    let branches: any StepBranches
    let view: StateView
    let initials: [[Int64]]

    /// The path so far: `path.states[0]` is an initial state.
    public private(set) var path: Trace
    /// How each step of the path ended: `.state`, or a failure inside the step (then it is the last step).
    public private(set) var kinds: [StateSpace.Successor.Kind] = []
    /// The outcomes of the steps enabled in the last state (none after a failing step).
    public private(set) var enabled: [StateSpace.Successor] = []
    /// The last search from the current state, for `follow`.
    var found: (from: [Int64], steps: [StateSpace.Successor])? = nil

    public enum LoadError: Error { case failed(WeaveExit) }

    /// Loads the model (diagnostics to `io.err`).
    public static func open(path: String, overrides: [String: String], io: Output) -> Result<ExploreSession, LoadError> {
        let loaded = Driver.load(path, overrides: overrides, io: io)
        guard case .model(let model, let source, let warnings) = loaded else { return .failure(.failed(loaded.exit)) }
        for w in warnings { io.err(w.rendered() + "\n") }
        if model.processes.isEmpty {
            io.err("weave: nothing to explore: the model has no process (no step can ever be taken)\n")
            return .failure(.failed(.modelError))
        }
        if let why = Driver.tooManyInitialStates(model) {
            io.err("weave: \(why)\n")
            return .failure(.failed(overrides.isEmpty ? .modelError : .usage))
        }
        do {
            return .success(try ExploreSession(model: model, source: source, overrides: overrides))
        } catch {
            io.err("weave: \(error.description)\n")
            return .failure(.failed(.modelError))
        }
    }

    init(model: Model, source: ModelSource, overrides: [String: String]) throws(EngineError) {
        self.model = model
        self.source = source
        self.overrides = overrides
        space = try StateSpace(model: model)
        tools = TraceTools(space: space)
        branches = ExplorerStepBranches(model: model, space: space)
        reporter = Reporter(model: model, branches: branches)
        view = StateView(model: model)
        initials = space.initialStates()
        path = Trace(states: [initials.first ?? []], steps: [])
        refresh()
    }

    /// The state the session is in.
    public var current: [Int64] { path.states[path.states.count - 1] }
    /// Steps taken.
    public var depth: Int { path.steps.count }
    /// The last step failed inside (assert, overflow, run-time error): the path ends there.
    public var endedInFailure: Bool { kinds.last.map { $0 != .state } ?? false }
    /// Which initial state the path starts from (0-based).
    public var initialIndex: Int { initials.firstIndex(of: path.states[0]) ?? 0 }
    public var initialCount: Int { initials.count }

    func refresh() {
        enabled = endedInFailure ? [] : (space.successors(of: current) ?? [])
    }

    // MARK: moves

    /// Takes enabled step `n` (1-based); nil, or why not.
    @discardableResult
    public func take(_ n: Int) -> String? {
        if endedInFailure { return "the last step failed; the path ends there (back to go on)" }
        guard n >= 1, n <= enabled.count else {
            return enabled.isEmpty ? "no step is enabled here (back, restart)" : "no step \(n): choose 1 to \(enabled.count)"
        }
        let s = enabled[n - 1]
        path.steps.append(s.step)
        path.states.append(s.state)
        kinds.append(s.kind)
        refresh()
        return nil
    }

    /// Goes back `count` steps; nil, or why not.
    @discardableResult
    public func back(_ count: Int = 1) -> String? {
        if path.steps.isEmpty { return "already at the initial state" }
        guard count >= 1 else { return "back takes a positive number of steps" }
        let k = min(count, path.steps.count)
        path.steps.removeLast(k)
        path.states.removeLast(k)
        kinds.removeLast(k)
        refresh()
        return nil
    }

    /// Back to initial state `index` (0-based).
    @discardableResult
    public func restart(initial index: Int? = nil) -> String? {
        let i = index ?? initialIndex
        guard i >= 0, i < initials.count else { return "no initial state \(i + 1): choose 1 to \(initials.count)" }
        path = Trace(states: [initials[i]], steps: [])
        kinds = []
        refresh()
        return nil
    }

    // MARK: what the state shows

    /// Invariants false in a state (a run-time error evaluating one counts as false, named so).
    public func falseInvariants(_ state: [Int64]) -> [String] {
        model.invariants.indices.compactMap { i in
            switch space.invariantHolds(i, in: state) {
            case .some(true): return nil
            case .some(false): return model.invariants[i].name
            case .none: return model.invariants[i].name + " (run-time error)"
            }
        }
    }

    /// Whether the current state is a deadlock (no step enabled, some process neither done nor at an `end` label).
    public var isDeadlock: Bool { !endedInFailure && enabled.isEmpty && !tools.blocked(current).isEmpty }

    /// One line per variable, `name = value`, marked `*` where the last step changed it.
    public func stateLines() -> [(name: String, value: String, changed: Bool)] {
        let cur = view.variables(current)
        let prev = depth > 0 ? view.variables(path.states[depth - 1]) : cur
        return zip(cur, prev).map { c, p in (c.0, c.1, depth > 0 && c.1 != p.1) }
    }

    /// What a failing successor does, or nil for a plain step.
    static func failureText(_ k: StateSpace.Successor.Kind) -> String? {
        switch k {
        case .state: return nil
        case .violation(let p): return "VIOLATES \(p)"
        case .error(let m): return "run-time error: \(m)"
        }
    }

    /// What a failing step violates, as `weave check` says it.
    func failureMessage(_ kind: StateSpace.Successor.Kind, _ step: TraceStep) -> String {
        let who = model.processes[step.process.index].instanceName(step.instance)
        switch kind {
        case .violation(let p):
            return Model.isOverflowProperty(p) ? "\(p): \(who) pushes onto a full \(p.dropFirst(9).dropLast())"
                                               : "assertion \"\(p)\" fails in \(who)"
        case .error(let m): return "run-time error: \(m)"
        case .state: return "no failure"
        }
    }

    func failureMessage(_ s: StateSpace.Successor) -> String { failureMessage(s.kind, s.step) }

    /// An enabled step as the user sees it.
    public struct StepLine: Sendable {
        public let number: Int
        /// `nfsd(1).flush`.
        public let name: String
        /// The label's caption (its comment, else its code).
        public let caption: String
        /// The `either` branch taken, and the variables it changes (not the pcs, unless it changes nothing else), short.
        public let effect: String
        /// Set when the step fails inside.
        public let failure: String?
    }

    public func stepLines() -> [StepLine] {
        enabled.enumerated().map { i, s in
            let p = model.processes[s.step.process.index]
            let caption = s.step.label.index < p.labels.count ? StepNotes.caption(p, s.step.label) : ""
            var parts: [String] = s.choices.compactMap { c in
                guard c.node < p.nodes.count, case .either(let targets) = p.nodes[c.node].kind else { return nil }
                return "branch \(c.branch + 1) of \(targets.count)"
            }
            // The variables it changes; only its pc when it changes nothing else (where it goes is then the news).
            let all = view.changes(from: current, to: s.state)
            let data = all.filter { !$0.0.hasSuffix(".pc") }
            let changes = data.isEmpty ? all : data
            parts += changes.prefix(3).map { "\($0.0) = \($0.1)" }
            if changes.count > 3 { parts.append("...") }
            return StepLine(number: i + 1, name: s.step.name, caption: caption,
                            effect: parts.joined(separator: ", "), failure: Self.failureText(s.kind))
        }
    }

    /// The state, the properties it breaks and the enabled steps, as the terminal prints them.
    public func screen() -> String {
        var out = ""
        if depth == 0 {
            out += "state 0: initial state"
            if initials.count > 1 { out += " \(initialIndex + 1) of \(initials.count) (restart N picks another)" }
            out += "\n"
        } else {
            out += "state \(depth): after \(path.steps[depth - 1].name)"
            if let f = kinds.last.flatMap(Self.failureText) { out += "   (the step fails: \(f))" }
            out += "\n"
        }
        let lines = stateLines()
        for l in lines {
            out += (l.changed ? "  * " : "    ") + view.line(l.name, l.value) + "\n"
        }
        out += propertyLines().map { "  ! " + $0 + "\n" }.joined()
        if endedInFailure {
            if let v = endingViolation() { out += "VIOLATED: \(v.message)\n" }
            out += "the path ends in this failing step: back, restart, trace, save\n"
        } else if enabled.isEmpty {
            out += isDeadlock ? "DEADLOCK: no step is enabled, and some process is neither done nor at an end label\n"
                              : "no step is enabled: every process is done or at an end label\n"
        } else {
            out += "steps enabled:\n"
            let rows = stepLines()
            let width = rows.map(\.name.count).max() ?? 0
            for r in rows {
                var line = String(format: "%3d  ", r.number) + r.name.padding(toLength: width, withPad: " ", startingAt: 0)
                if !r.caption.isEmpty { line += "   " + r.caption }
                var tail: [String] = []
                if !r.effect.isEmpty { tail.append(r.effect) }
                if let f = r.failure { tail.append(f) }
                if !tail.isEmpty { line += "   -> " + tail.joined(separator: "; ") }
                out += line + "\n"
            }
        }
        return out
    }

    /// The properties false in the current state: invariants (those that turned false at
    /// the last step said so), a failing last step.
    public func propertyLines() -> [String] {
        var out: [String] = []
        let now = falseInvariants(current)
        let before = depth > 0 && !endedInFailure ? Set(falseInvariants(path.states[depth - 1])) : []
        for n in now {
            if endedInFailure { break }
            out.append(before.contains(n) || depth == 0 ? "invariant \(n) is FALSE here" : "invariant \(n) turns FALSE at this step")
        }
        return out
    }

    // MARK: the path as a report

    /// The violation the path ends in, if any: a failing last step, an invariant false in
    /// its last state, or a deadlock.
    public func endingViolation() -> Violation? {
        if let k = kinds.last, k != .state, let step = path.steps.last {
            switch k {
            case .violation(let p):
                let site = tools.failingSite(of: path)
                let kind: ViolationKind = Model.isOverflowProperty(p) ? .overflow : .assertion
                var v = Violation(kind: kind, property: p, message: failureMessage(k, step),
                                  range: site?.range, trace: path, failedInsideStep: true)
                v.expansion = site?.expansion ?? []
                return v
            case .error(let m):
                return Violation(kind: .runtimeError, property: Model.runtimeErrorProperty, message: "run-time error: \(m)",
                                 range: nil, trace: path, failedInsideStep: true)
            case .state: break
            }
        }
        for (i, inv) in model.invariants.enumerated() where space.invariantHolds(i, in: current) == false {
            return Violation(kind: .invariant, property: inv.name, message: "invariant \(inv.name) is violated",
                             range: inv.range, trace: path, failedInsideStep: false)
        }
        if isDeadlock {
            return Violation(kind: .deadlock, property: Model.deadlockProperty, message: "deadlock: no step is enabled",
                             range: nil, trace: path, failedInsideStep: false)
        }
        return nil
    }

    /// Formats of `trace`: `weave check --format`'s and ITF.
    public static let traceFormats = Driver.Format.allCases.map(\.rawValue) + ["itf"]

    /// The path so far in one format (text, json, kernel, mermaid, itf); nil for an unknown format.
    public func traceText(format: String) -> String? {
        let v = endingViolation()
        switch format {
        case "itf": return itf().serialized(pretty: true) + "\n"
        case "json": return reporter.traceJSON(path).serialized(pretty: true) + "\n"
        case "kernel":
            if path.steps.isEmpty { return "(no steps yet)\n" }
            return KernelView.render(model: model, trace: path, violation: v, branches: branches)
        case "mermaid":
            if path.steps.isEmpty { return "(no steps yet)\n" }
            return "```mermaid\n" + Mermaid.render(model: model, trace: path, violation: v, branches: branches) + "```\n"
        case "text":
            var out = "path (\(depth) step\(depth == 1 ? "" : "s")):\n" + reporter.traceText(path, failedInsideStep: endedInFailure)
            if let v { out += "the path ends in: \(v.message)\n" }
            return out
        default: return nil
        }
    }

    /// The path as ITF, with what `weave replay` checks: the violation it ends in, or
    /// (`"kind": "path"`) that every step still applies; and the settings it ran with.
    public func itf() -> JSON {
        let v = endingViolation()
        let description = v?.message ?? "a path taken by hand with weave explore (\(depth) steps)"
        let doc = reporter.itf(path, description: description, violation: v)
        guard v == nil, case .object(var top) = doc, let i = top.firstIndex(where: { $0.0 == "#meta" }),
              case .object(var meta) = top[i].1 else { return doc }
        meta.append(("kind", .string(ReplayDriver.pathKind)))
        meta.append(("settings", .object(model.settings.map { ($0.name, .string($0.type.format($0.value))) })))
        top[i] = ("#meta", .object(meta))
        return .object(top)
    }

    /// Writes the path as ITF; nil, or why not.
    public func save(to file: String) -> String? {
        if let input = Driver.inputMatching(file, source.paths) {
            return "'\(file)' is an input of this session ('\(input)'); name another file"
        }
        do { try Driver.writeAtomically(itf().serialized(pretty: true) + "\n", to: file) } catch {
            return "cannot write '\(file)': \(error.localizedDescription)"
        }
        return nil
    }

    /// Replaces the path by a saved ITF trace (a counterexample of `weave check --trace-out`,
    /// or a path saved here) if it still applies to the model; nil, or why not.
    public func load(from file: String) -> String? {
        guard let data = FileManager.default.contents(atPath: file) else { return "cannot read '\(file)'" }
        let saved: ITFTrace
        switch ITFTrace.parse(data) {
        case .success(let s): saved = s
        case .failure(let e): return "'\(file)' is not an ITF trace: \(e.message)"
        }
        var was: [String] = [], now: [String] = []
        for (name, value) in saved.settings.sorted(by: { $0.key < $1.key }) {
            if let s = model.settings.first(where: { $0.name == name }), s.type.format(s.value) != value {
                was.append("\(name)=\(value)")
                now.append("\(name)=\(s.type.format(s.value))")
            }
        }
        if !was.isEmpty {
            return "the trace was saved with \(was.joined(separator: ", ")); this session has \(now.joined(separator: ", ")) (start weave explore with those --const/--param)"
        }
        let layout = space.layout
        var partial: [TraceTools.PartialState] = []
        for (i, st) in saved.states.enumerated() {
            var p = TraceTools.PartialState(repeating: nil, count: layout.slotCount)
            for e in layout.entries {
                guard let raw = st[e.name] else { continue }
                switch ITFTrace.decode(raw, entry: e, model: model) {
                case .success(let slots): for (k, v) in slots.enumerated() { p[e.offset + k] = v }
                case .failure(let err): return "state \(i) of the trace does not fit the model: \(e.name): \(err.message)"
                }
            }
            partial.append(p)
        }
        let goal = ReplayDriver.goal(saved, model: model)
        switch tools.replay(states: partial, actions: saved.actions, goal: goal) {
        case .diverged(let step, let reason, _):
            return "the trace no longer applies at step \(step): \(reason)"
        case .replayed(let t, _):
            // How each step ended (the last may fail inside), from the successors.
            var ks: [StateSpace.Successor.Kind] = []
            for (i, step) in t.steps.enumerated() {
                let succ = space.successors(of: t.states[i]) ?? []
                guard let s = succ.first(where: { $0.step.name == step.name && $0.state == t.states[i + 1] }) else {
                    return "step \(i + 1) of the trace cannot be matched again"
                }
                ks.append(s.kind)
            }
            path = Trace(states: t.states, steps: t.steps)
            kinds = ks
            refresh()
            return nil
        }
    }

    // MARK: expressions

    /// The value of `text` (a state expression, as in an invariant) in the current state.
    public func evaluate(_ text: String) -> Result<String, ExploreError> {
        let parsed: (expr: Expr, registers: Int)
        do { parsed = try Sema.expression(text, in: source, overrides: overrides) } catch {
            let first = error.diagnostics.first.map { $0.message } ?? "not an expression"
            return .failure(ExploreError(first))
        }
        let type = parsed.expr.type
        switch type {
        case .bool, .range, .enumeration, .set: break
        default: return .failure(ExploreError("eval shows one value (a bool, a number, an enum or a set), not \(type.description); index it"))
        }
        let m = model
        let wide = Model(name: m.name, settings: m.settings, globals: m.globals, processes: m.processes,
                         invariants: m.invariants, reachables: m.reachables, liveness: m.liveness,
                         propertyBoundCount: max(m.propertyBoundCount, parsed.registers), assertNames: m.assertNames,
                         overflowNames: m.overflowNames, symmetricTypes: m.symmetricTypes)
        let evalSpace: StateSpace
        do { evalSpace = try StateSpace(model: wide, expressions: [parsed.expr]) } catch {
            return .failure(ExploreError(error.description))
        }
        guard let v = evalSpace.evaluate(0, in: current) else {
            return .failure(ExploreError("run-time error evaluating '\(text)' in this state"))
        }
        return .success(type.format(v))
    }

    // MARK: search from the current state

    /// What a breadth-first search from the current state found.
    public enum SearchOutcome {
        /// A shortest run from the current state to a violation: `steps` (their outcomes), and what it violates.
        case violation(steps: [StateSpace.Successor], message: String)
        /// No violation in any of `states` states reachable from here.
        case none(states: Int)
        /// Stopped after `states` states: the limit, or `interrupted` (ctrl-C).
        case incomplete(states: Int, interrupted: Bool)
    }

    /// The properties `check` looks for.
    public static let checkedProperties = "invariants, asserts, overflow bounds, run-time errors and deadlock"

    /// Breadth-first search from the current state for the nearest violation of an
    /// invariant, an assert, an overflow bound, a run-time error, or a deadlock. Layer by
    /// layer, so the run found is a shortest one.
    /// `shouldStop` is polled every 256 states.
    public func search(from start: [Int64]? = nil, limit: Int = 1_000_000, shouldStop: () -> Bool = { false }) -> SearchOutcome {
        let root = start ?? current
        struct Node { let state: [Int64]; let parent: Int; let via: StateSpace.Successor? }
        var nodes = [Node(state: root, parent: -1, via: nil)]
        var seen: Set<[Int64]> = [root]
        var layer = [0]
        func steps(to end: Int, then last: StateSpace.Successor? = nil) -> [StateSpace.Successor] {
            var out: [StateSpace.Successor] = []
            var k = end
            while k >= 0, let v = nodes[k].via { out.append(v); k = nodes[k].parent }
            out.reverse()
            if let last { out.append(last) }
            return out
        }
        if start == nil && endedInFailure { return .none(states: 0) }
        while !layer.isEmpty {
            // Invariants of the layer's states: a run of this length.
            for id in layer {
                for (i, inv) in model.invariants.enumerated() {
                    switch space.invariantHolds(i, in: nodes[id].state) {
                    case .some(false): return .violation(steps: steps(to: id), message: "invariant \(inv.name) is violated")
                    case .none: return .violation(steps: steps(to: id), message: "run-time error evaluating invariant \(inv.name)")
                    case .some(true): break
                    }
                }
            }
            // Deadlocks of the layer (this length), else the first failing step (one longer).
            var failing: (Int, StateSpace.Successor)? = nil
            var next: [Int] = []
            for (n, id) in layer.enumerated() {
                if n % 256 == 255, shouldStop() { return .incomplete(states: nodes.count, interrupted: true) }
                let succ = space.successors(of: nodes[id].state) ?? []
                if succ.isEmpty, !tools.blocked(nodes[id].state).isEmpty {
                    return .violation(steps: steps(to: id), message: "deadlock: no step is enabled")
                }
                for s in succ {
                    if s.kind != .state {
                        if failing == nil { failing = (id, s) }
                        continue
                    }
                    if seen.insert(s.state).inserted {
                        nodes.append(Node(state: s.state, parent: id, via: s))
                        next.append(nodes.count - 1)
                    }
                }
            }
            if let (id, s) = failing {
                return .violation(steps: steps(to: id, then: s), message: failureMessage(s))
            }
            if nodes.count > limit { return .incomplete(states: nodes.count, interrupted: false) }
            layer = next
        }
        return .none(states: nodes.count)
    }

    /// `check`: the report of `search()`, saying it is from the current state.
    public func checkText(limit: Int = 1_000_000, shouldStop: () -> Bool = { false }) -> String {
        let here = depth == 0 ? "the current state (the initial state)" : "the current state (state \(depth) of the path)"
        var out = "check from \(here)" + (depth == 0 && initials.count > 1 ? ", this initial state only" : depth > 0 ? ", not from the initial state" : "")
            + ": \(Self.checkedProperties) (not liveness)\n"
        found = nil
        switch search(limit: limit, shouldStop: shouldStop) {
        case .none(let n):
            if endedInFailure { return out + "the path ends in a failing step: nothing follows it\n" }
            out += "HOLDS from here: no violation in the \(n) state\(n == 1 ? "" : "s") reachable from \(here)\n"
        case .incomplete(let n, let interrupted):
            out += "INCOMPLETE: " + (interrupted ? "interrupted" : "stopped")
                + " after \(n) states (check N searches up to N states); no violation found so far\n"
        case .violation(let steps, let message):
            out += "VIOLATED from here: \(message)\n"
            var t = Trace(states: [current], steps: [])
            for s in steps { t.steps.append(s.step); t.states.append(s.state) }
            let failsInside = steps.last.map { $0.kind != .state } ?? false
            out += "shortest trace from \(here) (\(steps.count) step\(steps.count == 1 ? "" : "s")):\n"
            var text = reporter.traceText(t, failedInsideStep: failsInside)
            let first = "  0  initial state\n"
            if text.hasPrefix(first) { text = "  0  current state\(depth == 0 ? " (the initial state)" : " (state \(depth) of the path)")\n" + text.dropFirst(first.count) }
            out += text
            if !steps.isEmpty { out += "follow takes these \(steps.count) step\(steps.count == 1 ? "" : "s")\n" }
            found = (current, steps)
        }
        return out
    }

    /// `follow`: takes the steps of the last `check`'s trace; nil, or why not.
    public func follow() -> String? {
        guard let f = found, f.from == current, !endedInFailure, !f.steps.isEmpty else {
            return "no trace to follow from this state (check finds one from the current state)"
        }
        for s in f.steps {
            guard let n = enabled.firstIndex(where: { $0.step.name == s.step.name && $0.state == s.state && $0.kind == s.kind }) else {
                return "the trace no longer applies at \(s.step.name)"
            }
            take(n + 1)
        }
        found = nil
        return nil
    }
}

/// A one-line reason a command of `weave explore` was refused.
public struct ExploreError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

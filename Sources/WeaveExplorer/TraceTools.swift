import WeaveIR
import WeaveSource

/// What a counterexample must end in, judged on concrete states through `StateSpace`
/// alone (so replay and minimisation share the explorer's semantics, not its search).
public enum TraceGoal: Sendable, Equatable {
    /// The last step fails an assert or overflows a queue named by the property.
    case stepViolation(String)
    /// The last step hits a run-time error with this message.
    case stepError(String)
    /// The last state violates invariant `index` of the model.
    case invariant(Int)
    /// The last state is a deadlock: no step enabled, some process neither done nor at an `end` label.
    case deadlock

    /// The goal a violation of the explorer stands for (nil for liveness and unreached
    /// `reachable`s, which have no finite trace to shorten).
    public init?(_ v: Violation, model: Model) {
        switch v.kind {
        case .assertion, .overflow: self = .stepViolation(v.property)
        case .deadlock: self = .deadlock
        case .invariant:
            guard let i = model.invariants.firstIndex(where: { $0.name == v.property }) else { return nil }
            self = .invariant(i)
        case .runtimeError:
            // Only an error inside a step has a successor to match; the message after "run-time error: ".
            guard v.failedInsideStep else { return nil }
            self = .stepError(String(v.message.dropFirst("run-time error: ".count)))
        case .liveness, .unreachable: return nil
        }
    }

    /// Whether the goal is met by a failing step (the trace's last state is the state at the failure).
    public var failsInsideStep: Bool {
        switch self {
        case .stepViolation, .stepError: return true
        case .invariant, .deadlock: return false
        }
    }
}

/// Replay, minimisation and state graphs of a model, built only on `StateSpace`.
public struct TraceTools {
    public let space: StateSpace
    let layout: Layout
    /// `instanceOrdinal[p] + k` numbers instance k of process p among all instances.
    let instanceOffset: [Int]
    public let instanceCount: Int

    public init(space: StateSpace) {
        self.space = space
        layout = space.layout
        var offs: [Int] = []
        var n = 0
        for p in space.model.processes { offs.append(n); n += p.instanceCount }
        instanceOffset = offs
        instanceCount = n
    }

    /// A process instance's number among all instances (model order).
    public func instanceIndex(_ s: TraceStep) -> Int { instanceOffset[s.process.index] + s.instance }

    /// Number of places where consecutive steps are taken by different instances.
    public func contextSwitches(_ t: Trace) -> Int {
        var n = 0
        for i in t.steps.indices.dropFirst() where instanceIndex(t.steps[i]) != instanceIndex(t.steps[i - 1]) { n += 1 }
        return n
    }

    /// The instances that take at least one step.
    public func participants(_ t: Trace) -> Set<Int> { Set(t.steps.map(instanceIndex)) }

    /// Whether `state` is a deadlock (no successor, and some instance neither done nor at an `end` label).
    public func isDeadlock(_ state: [Int64]) -> Bool {
        guard let succ = space.successors(of: state), succ.isEmpty else { return false }
        return isStuck(state)
    }

    /// The instances that are neither done nor at an `end` label, with their pcs: in a
    /// deadlock, who is blocked where.
    public func blocked(_ state: [Int64]) -> [Int: Int64] {
        var out: [Int: Int64] = [:]
        for (pi, p) in space.model.processes.enumerated() {
            for (k, base) in layout.instanceBase[pi].enumerated() where base < state.count {
                let pc = Int(state[base])
                if pc >= p.labels.count || p.labels[pc].isEnd { continue }
                out[instanceOffset[pi] + k] = state[base]
            }
        }
        return out
    }

    func isStuck(_ state: [Int64]) -> Bool {
        for (pi, p) in space.model.processes.enumerated() {
            for base in layout.instanceBase[pi] where base < state.count {
                let pc = Int(state[base])
                if pc >= p.labels.count { continue }
                if p.labels[pc].isEnd { continue }
                return true
            }
        }
        return false
    }

    func meetsStepGoal(_ goal: TraceGoal, _ kind: StateSpace.Successor.Kind) -> Bool {
        switch (goal, kind) {
        case (.stepViolation(let p), .violation(let q)): return p == q
        case (.stepError(let m), .error(let e)): return m == e
        default: return false
        }
    }

    func meetsStateGoal(_ goal: TraceGoal, _ state: [Int64]) -> Bool {
        switch goal {
        case .invariant(let i): return space.invariantHolds(i, in: state) == false
        case .deadlock: return isDeadlock(state)
        case .stepViolation, .stepError: return false
        }
    }

    /// Where the last step of `t` fails an assert or overflows a queue (the node, not the
    /// message: two asserts may share one), or nil.
    public func failingRange(of t: Trace) -> SourceRange? { failingSite(of: t)?.range }

    /// The failing node's range and macro chain for the last step of `t`, or nil.
    public func failingSite(of t: Trace) -> (range: SourceRange?, expansion: [ExpansionSite])? {
        guard t.states.count >= 2, let last = t.steps.last,
              let succ = space.successors(of: t.states[t.states.count - 2]) else { return nil }
        return succ.first { s in
            if case .violation = s.kind { return s.step.name == last.name && s.state == t.states[t.states.count - 1] }
            return false
        }.map { ($0.failRange, $0.failExpansion) }
    }

    // MARK: checking a trace

    /// Why a trace is not an execution of the model ending in its goal.
    public struct Mismatch: Sendable, Equatable, CustomStringConvertible {
        /// The step (1-based; 0 for the initial state) that does not apply.
        public let step: Int
        public let reason: String
        public var description: String { step == 0 ? "initial state: \(reason)" : "step \(step): \(reason)" }
    }

    /// Checks that `t` is an execution of the model (each state a successor of the one
    /// before by the named step) that ends in `goal`; nil if it is.
    public func check(_ t: Trace, goal: TraceGoal?) -> Mismatch? {
        guard let first = t.states.first else { return Mismatch(step: 0, reason: "the trace has no states") }
        guard t.steps.count == t.states.count - 1 else {
            return Mismatch(step: 0, reason: "\(t.steps.count) steps for \(t.states.count) states")
        }
        if !space.initialStates().contains(first) { return Mismatch(step: 0, reason: "not an initial state of the model") }
        for (i, step) in t.steps.enumerated() {
            guard let succ = space.successors(of: t.states[i]) else {
                return Mismatch(step: i + 1, reason: "state \(i) is not a state of the model")
            }
            let stepGoal = i == t.steps.count - 1 ? goal.flatMap { $0.failsInsideStep ? $0 : nil } : nil
            let match = succ.first { s in
                guard s.step.name == step.name, s.state == t.states[i + 1] else { return false }
                if let g = stepGoal { return meetsStepGoal(g, s.kind) }
                return s.kind == .state
            }
            if match == nil { return Mismatch(step: i + 1, reason: "\(step.name) does not lead to the next state") }
        }
        if let goal, !goal.failsInsideStep, let last = t.states.last, !meetsStateGoal(goal, last) {
            return Mismatch(step: t.steps.count, reason: "the last state does not show the violation")
        }
        return nil
    }

    // MARK: replay of a partially known trace

    /// A state as a saved trace knows it: a value per slot, nil where the trace does not say.
    public typealias PartialState = [Int64?]

    /// The outcome of replaying a saved trace.
    public enum ReplayOutcome: Sendable {
        /// Every step applied; `trace` is the concrete execution, `showsGoal` whether it ends in the goal.
        case replayed(Trace, showsGoal: Bool)
        /// Step `step` (1-based; 0: no initial state matches) no longer applies.
        case diverged(step: Int, reason: String, prefix: Trace?)
    }

    /// Replays saved states and step names (`actions[i]` leads to `states[i + 1]`; nil: any step).
    /// Several concrete states can match a partial one; all are followed (up to `maxCandidates`).
    public func replay(states: [PartialState], actions: [String?], goal: TraceGoal?,
                       describe: ([Int64], PartialState) -> String = { _, _ in "" },
                       maxCandidates: Int = 10_000) -> ReplayOutcome {
        struct Node: TraceTreeNode { let state: [Int64]; let parent: Int; let step: TraceStep?; let kind: StateSpace.Successor.Kind }
        var nodes: [Node] = []
        func matches(_ s: [Int64], _ p: PartialState) -> Bool {
            guard s.count == p.count else { return false }
            for i in s.indices { if let v = p[i], v != s[i] { return false } }
            return true
        }
        func path(_ n: Int) -> Trace { traceTo(n, in: nodes) }
        guard let p0 = states.first else { return .diverged(step: 0, reason: "the trace has no states", prefix: nil) }
        let inits = space.initialStates()
        var frontier: [Int] = []
        for s in inits where matches(s, p0) {
            nodes.append(Node(state: s, parent: -1, step: nil, kind: .state))
            frontier.append(nodes.count - 1)
        }
        if frontier.isEmpty {
            let why = inits.first.map { describe($0, p0) } ?? ""
            return .diverged(step: 0, reason: "no initial state of the model matches the trace's" + (why.isEmpty ? "" : ": " + why), prefix: nil)
        }
        for i in 0..<(states.count - 1) {
            let want = states[i + 1]
            let action = i < actions.count ? actions[i] : nil
            var next: [Int] = []
            var seen = Set<[Int64]>()
            var sameAction: [Int64]? = nil
            var sameActionBlocked = false
            var enabledNames: [String] = []
            for f in frontier {
                guard let succ = space.successors(of: nodes[f].state) else { continue }
                for s in succ {
                    if !enabledNames.contains(s.step.name) { enabledNames.append(s.step.name) }
                    if let a = action, s.step.name != a { continue }
                    if !matches(s.state, want) {
                        if sameAction == nil { sameAction = s.state }
                        continue
                    }
                    // A failing step ends the run: only the last step of a trace may be one.
                    if s.kind != .state && i + 1 != states.count - 1 { sameActionBlocked = true; continue }
                    if next.count < maxCandidates, seen.insert(s.state).inserted {
                        nodes.append(Node(state: s.state, parent: f, step: s.step, kind: s.kind))
                        next.append(nodes.count - 1)
                    }
                }
            }
            if next.isEmpty {
                var reason: String
                if let a = action, !enabledNames.contains(a) {
                    reason = "\(a) is not enabled" + (enabledNames.isEmpty ? " (no step is)" : "; enabled: " + enabledNames.joined(separator: ", "))
                } else if sameActionBlocked {
                    reason = "\(action ?? "the step") fails before the end of the trace"
                } else {
                    reason = "\(action ?? "no step") does not lead to the saved state"
                    if let s = sameAction {
                        let d = describe(s, want)
                        if !d.isEmpty { reason += ": " + d }
                    }
                }
                return .diverged(step: i + 1, reason: reason, prefix: frontier.first.map(path))
            }
            frontier = next
        }
        // Prefer a candidate that shows the goal.
        for f in frontier {
            let n = nodes[f]
            let shows: Bool
            if let goal {
                shows = goal.failsInsideStep ? meetsStepGoal(goal, n.kind) : (n.kind == .state && meetsStateGoal(goal, n.state))
            } else {
                shows = n.kind != .state || isDeadlock(n.state)
                    || space.model.invariants.indices.contains { space.invariantHolds($0, in: n.state) == false }
            }
            if shows { return .replayed(path(f), showsGoal: true) }
        }
        return .replayed(path(frontier[0]), showsGoal: false)
    }

    // MARK: minimisation

    /// A minimised trace and what it cost to find.
    public struct Minimized: Sendable {
        public let trace: Trace
        /// Context switches before and after.
        public let switchesBefore: Int
        public let switchesAfter: Int
        /// Instances taking part before and after.
        public let processesBefore: Int
        public let processesAfter: Int
        /// Successor computations spent.
        public let work: Int
        /// False when the budget ran out (the best trace found so far is returned).
        public let complete: Bool
    }

    /// Among the traces of the same length as `t` that end in `goal`, finds one with the
    /// fewest processes taking part, then the fewest context switches. `t` must be a
    /// shortest trace to the goal (a BFS trace); intermediate states that fail another
    /// step property are not passed through. Never returns a longer trace, and returns
    /// `t` itself when nothing better is found or the result would not replay.
    ///
    /// A layered search over (state, last instance) pairs: a state enters only at its
    /// breadth-first depth (a path through a state seen earlier would give a shorter
    /// trace). One search over all instances, then one per smaller set of instances.
    /// - Complexity: O(states up to depth n x instances x subsets) successor calls, capped by `budget`.
    public func minimize(_ t: Trace, goal: TraceGoal, avoidInvariants: [Int] = [], budget: Int = 200_000) -> Minimized {
        let n = t.steps.count
        let before = contextSwitches(t)
        let procsBefore = participants(t).count
        var work = 0
        var complete = true
        guard n > 0, t.states.count == n + 1 else {
            return Minimized(trace: t, switchesBefore: before, switchesAfter: before, processesBefore: procsBefore,
                             processesAfter: procsBefore, work: 0, complete: true)
        }
        var best = t
        var bestKey = (procsBefore, before)
        // A deadlock must stay the same deadlock: the same instances blocked at the same
        // labels (the report names them), not merely some deadlock of the same length.
        let sameEnd: (([Int64]) -> Bool)?
        if goal == .deadlock, let last = t.states.last {
            let want = blocked(last)
            sameEnd = { self.blocked($0) == want }
        } else {
            sameEnd = nil
        }
        // The full search first; then subsets smaller than the best's participant count.
        var subsets: [Set<Int>?] = [nil]
        let all = Array(0..<instanceCount)
        if instanceCount <= 12 {
            var bySize: [[Set<Int>]] = Array(repeating: [], count: instanceCount + 1)
            for mask in 1..<(1 << instanceCount) {
                let s = Set(all.filter { mask & (1 << $0) != 0 })
                bySize[s.count].append(s)
            }
            for size in 1..<max(1, procsBefore) { for s in bySize[size] { subsets.append(s) } }
        }
        for allowed in subsets {
            if let a = allowed, a.count >= bestKey.0 { continue }
            let (found, spent, finished) = search(length: n, goal: goal, allowed: allowed, avoid: avoidInvariants,
                                                  budget: budget - work, endFilter: sameEnd)
            work += spent
            if !finished { complete = false }
            if let f = found {
                let key = (participants(f).count, contextSwitches(f))
                if key.0 < bestKey.0 || (key.0 == bestKey.0 && key.1 < bestKey.1) {
                    // Keep only what replays as an execution ending in the same violation.
                    if check(f, goal: goal) == nil, let end = f.states.last, sameEnd?(end) ?? true { best = f; bestKey = key }
                }
            }
            if work >= budget { complete = false; break }
        }
        return Minimized(trace: best, switchesBefore: before, switchesAfter: bestKey.1, processesBefore: procsBefore,
                         processesAfter: bestKey.0, work: work, complete: complete)
    }

    /// A minimised lasso and what it cost to find.
    public struct MinimizedLasso: Sendable {
        public let trace: Trace
        public let switchesBefore: Int
        public let switchesAfter: Int
        public let processesBefore: Int
        public let processesAfter: Int
        /// Steps before the loop, before and after.
        public let prefixBefore: Int
        public let prefixAfter: Int
        public let work: Int
        public let complete: Bool
    }

    /// Whether the loop of lasso `t` (from `loopStart` to the end) together with its
    /// prefix violates liveness property `index` for the `forall` values `values`: in
    /// every state of the run P is false (`eventually`); P is false on every loop state
    /// (`always eventually`); some state has P and not Q and no state from there on has
    /// Q (`leadsto`). Nil when `t` is not a lasso or a predicate fails to evaluate.
    public func violatesLiveness(_ t: Trace, property index: Int, values: [Int64]) -> Bool? {
        guard let loop = t.loopStart, loop < t.states.count, t.states[loop] == t.states[t.states.count - 1] else { return nil }
        var preds: [(p: Bool, q: Bool)] = []
        for st in t.states {
            guard let v = space.livenessPredicates(index, values: values, in: st) else { return nil }
            preds.append(v)
        }
        switch space.model.liveness[index].form {
        case .eventually: return preds.allSatisfy { !$0.p }
        case .alwaysEventually: return preds[loop...].allSatisfy { !$0.p }
        case .leadsTo:
            guard preds[loop...].allSatisfy({ !$0.q }) else { return false }
            // The last state with Q, and a trigger (P, not Q) after it.
            let after = (preds.lastIndex { $0.q } ?? -1) + 1
            return preds[after...].contains { $0.p && !$0.q }
        }
    }

    /// Replaces the prefix of liveness lasso `t` (the steps before `loopStart`) by one to
    /// the loop with the fewest processes taking part in the whole lasso, then the
    /// fewest context switches, then the fewest steps; never a longer prefix. The loop
    /// is the checker's, step for step, entered at its own entry or rotated to start at
    /// another of its states (the same states and steps: the run stays fair exactly as
    /// the checker judged it). The result is checked (every step replays through
    /// `StateSpace`, the loop closes, the property is violated for the same `values`);
    /// `t` itself is returned when nothing better is found or anything fails.
    public func minimizeLasso(_ t: Trace, property index: Int, values: [Int64], budget: Int = 200_000) -> MinimizedLasso {
        let before = contextSwitches(t)
        let procsBefore = participants(t).count
        let L = t.loopStart ?? 0
        func unchanged(_ work: Int, _ complete: Bool) -> MinimizedLasso {
            MinimizedLasso(trace: t, switchesBefore: before, switchesAfter: before, processesBefore: procsBefore,
                           processesAfter: procsBefore, prefixBefore: L, prefixAfter: L, work: work, complete: complete)
        }
        guard let loop = t.loopStart, loop > 0, t.states.count == t.steps.count + 1, loop < t.states.count,
              index < space.model.liveness.count,
              violatesLiveness(t, property: index, values: values) == true else { return unchanged(0, true) }
        let loopSteps = Array(t.steps[loop...])
        let loopStates = Array(t.states[loop...])
        let loopInstances = Set(loopSteps.map(instanceIndex))
        // `eventually P`: every state of the run has P false, the prefix's too.
        let keep: (([Int64]) -> Bool)?
        if case .eventually = space.model.liveness[index].form {
            keep = { st in self.space.livenessPredicates(index, values: values, in: st).map { !$0.p } ?? false }
        } else {
            keep = nil
        }
        var best = t
        var bestKey = (procsBefore, before, L)
        var work = 0
        var complete = true
        // Instance sets containing the loop's, smaller than the lasso's count, smallest first.
        var smaller: [Set<Int>] = []
        if instanceCount <= 12 {
            var bySize: [[Set<Int>]] = Array(repeating: [], count: instanceCount + 1)
            for mask in 1..<(1 << instanceCount) {
                let s = Set((0..<instanceCount).filter { mask & (1 << $0) != 0 })
                if s.isSuperset(of: loopInstances) { bySize[s.count].append(s) }
            }
            for size in 1..<max(1, procsBefore) { smaller += bySize[size] }
        }
        // The checker's loop first, then the same loop entered at each of its other
        // states (the same states and steps, so the same fairness): a nearer entry can
        // give a shorter or simpler prefix.
        var entries = Set<[Int64]>()
        rotations: for r in 0..<max(1, loopSteps.count) {
            let entry = loopStates[r]
            guard entries.insert(entry).inserted else { continue }
            let steps = Array(loopSteps[r...] + loopSteps[..<r])
            let states = Array(loopStates[r...] + loopStates[1..<(r + 1)])
            let firstLoop = steps.first.map(instanceIndex)
            // The full search first; then the smaller instance sets.
            for allowed in [nil] + smaller.map(Optional.some) {
                if let a = allowed, a.count >= bestKey.0 { continue }
                let (found, spent, finished) = search(length: L, goal: nil, allowed: allowed, avoid: [], budget: budget - work,
                                                      endFilter: { $0 == entry }, keep: keep, anyLength: true,
                                                      endCost: { firstLoop != nil && $0 != firstLoop ? 1 : 0 })
                work += spent
                if !finished { complete = false }
                if var f = found, f.states.last == entry {
                    f.steps += steps
                    f.states += states.dropFirst()
                    f.loopStart = f.states.count - states.count
                    let key = (participants(f).count, contextSwitches(f), f.loopStart ?? 0)
                    if key < bestKey, key.2 <= L, check(f, goal: nil) == nil,
                       violatesLiveness(f, property: index, values: values) == true {
                        best = f
                        bestKey = key
                    }
                }
                if work >= budget { complete = false; break rotations }
            }
        }
        return MinimizedLasso(trace: best, switchesBefore: before, switchesAfter: bestKey.1, processesBefore: procsBefore,
                              processesAfter: bestKey.0, prefixBefore: L, prefixAfter: bestKey.2, work: work, complete: complete)
    }

    /// The fewest-switch trace of exactly `length` steps to `goal` using only `allowed` instances.
    ///
    /// With `goal` nil the trace ends in a state `endFilter` accepts. `keep` (if given)
    /// must hold in every state of the trace. `anyLength`: the trace may end at any
    /// depth up to `length` (fewest switches, then fewest steps) and states are not
    /// pruned to their breadth-first depth (the target need not be at that depth);
    /// `endCost(last instance)` is added to a trace's switches where it ends.
    func search(length: Int, goal: TraceGoal?, allowed: Set<Int>?, avoid: [Int], budget: Int,
                endFilter: (([Int64]) -> Bool)? = nil, keep: (([Int64]) -> Bool)? = nil,
                anyLength: Bool = false, endCost: (Int) -> Int = { _ in 0 }) -> (Trace?, Int, Bool) {
        struct Key: Hashable { let state: [Int64]; let last: Int }
        struct Node: TraceTreeNode { let state: [Int64]; let last: Int; var switches: Int; var parent: Int; var step: TraceStep? }
        var nodes: [Node] = []
        var layer: [Int] = []
        var firstDepth: [[Int64]: Int] = [:]
        var work = 0
        for s in space.initialStates() where firstDepth[s] == nil {
            firstDepth[s] = 0
            if avoid.contains(where: { space.invariantHolds($0, in: s) == false }) { continue }
            if let keep, !keep(s) { continue }
            nodes.append(Node(state: s, last: -1, switches: 0, parent: -1, step: nil))
            layer.append(nodes.count - 1)
        }
        func path(_ end: Int) -> Trace { traceTo(end, in: nodes) }
        var bestEnd: (node: Int, switches: Int)? = nil
        if anyLength, goal == nil {
            // A trace of no steps: an initial state that is already the target.
            for id in layer where endFilter?(nodes[id].state) ?? true {
                return (path(id), 0, true)
            }
        }
        for depth in 0..<length {
            var index: [Key: Int] = [:]
            var next: [Int] = []
            let lastLayer = depth == length - 1
            for id in layer {
                work += 1
                if work > budget { return (bestEnd.map { path($0.node) }, work, false) }
                let node = nodes[id]
                guard let succ = space.successors(of: node.state) else { continue }
                for s in succ {
                    let inst = instanceIndex(s.step)
                    if let a = allowed, !a.contains(inst) { continue }
                    let sw = node.switches + (node.last >= 0 && node.last != inst ? 1 : 0)
                    if s.kind != .state {
                        // A failing step ends a run: the goal if it is the last step, a dead end otherwise.
                        if lastLayer, let goal, meetsStepGoal(goal, s.kind), sw < (bestEnd?.switches ?? Int.max) {
                            nodes.append(Node(state: s.state, last: inst, switches: sw, parent: id, step: s.step))
                            bestEnd = (nodes.count - 1, sw)
                        }
                        continue
                    }
                    if let keep, !keep(s.state) { continue }
                    if anyLength {
                        // Ends here if this is the target (fewest switches; a tie keeps the shorter).
                        let cost = sw + endCost(inst)
                        if cost < (bestEnd?.switches ?? Int.max), endFilter?(s.state) ?? true {
                            nodes.append(Node(state: s.state, last: inst, switches: sw, parent: id, step: s.step))
                            bestEnd = (nodes.count - 1, cost)
                        }
                        if lastLayer { continue }
                    } else {
                        if goal?.failsInsideStep ?? false, lastLayer { continue }
                        if let d = firstDepth[s.state], d != depth + 1 { continue }
                        if firstDepth[s.state] == nil {
                            firstDepth[s.state] = depth + 1
                        }
                        if lastLayer {
                            if sw < (bestEnd?.switches ?? Int.max), goal.map({ meetsStateGoal($0, s.state) }) ?? true,
                               endFilter?(s.state) ?? true {
                                nodes.append(Node(state: s.state, last: inst, switches: sw, parent: id, step: s.step))
                                bestEnd = (nodes.count - 1, sw)
                            }
                            continue
                        }
                    }
                    if avoid.contains(where: { space.invariantHolds($0, in: s.state) == false }) { continue }
                    let key = Key(state: s.state, last: inst)
                    if let k = index[key] {
                        if sw < nodes[k].switches {
                            nodes[k].switches = sw
                            nodes[k].parent = id
                            nodes[k].step = s.step
                        }
                    } else {
                        nodes.append(Node(state: s.state, last: inst, switches: sw, parent: id, step: s.step))
                        index[key] = nodes.count - 1
                        next.append(nodes.count - 1)
                    }
                }
            }
            layer = next
        }
        return (bestEnd.map { path($0.node) }, work, true)
    }

    // MARK: state graphs

    /// The reachable state graph of a small model (the type is WeaveIR's, so the DOT writer
    /// needs no explorer).
    public typealias StateGraph = WeaveIR.StateGraph

    /// The whole reachable graph, or nil if it has more than `limit` states.
    public func stateGraph(limit: Int) -> StateGraph? {
        var index: [[Int64]: Int] = [:]
        var states: [[Int64]] = []
        var initial = Set<Int>()
        for s in space.initialStates() where index[s] == nil {
            index[s] = states.count
            initial.insert(states.count)
            states.append(s)
        }
        var edges: [StateGraph.Edge] = []
        var deadlocks = Set<Int>()
        var head = 0
        while head < states.count {
            guard let succ = space.successors(of: states[head]) else { return nil }
            if succ.isEmpty && isStuck(states[head]) { deadlocks.insert(head) }
            for s in succ {
                switch s.kind {
                case .state:
                    let to: Int
                    if let k = index[s.state] { to = k } else {
                        if states.count >= limit { return nil }
                        to = states.count
                        index[s.state] = to
                        states.append(s.state)
                    }
                    edges.append(.init(from: head, to: to, step: s.step, failure: nil))
                case .violation(let p):
                    edges.append(.init(from: head, to: nil, step: s.step, failure: p))
                case .error(let m):
                    edges.append(.init(from: head, to: nil, step: s.step, failure: "run-time error: " + m))
                }
            }
            head += 1
        }
        var inv: [Int: [String]] = [:]
        for (i, s) in states.enumerated() {
            let bad = space.model.invariants.indices.filter { space.invariantHolds($0, in: s) == false }
            if !bad.isEmpty { inv[i] = bad.map { space.model.invariants[$0].name } }
        }
        return StateGraph(states: states, initial: initial, edges: edges, deadlocks: deadlocks, invariantViolations: inv)
    }
}

extension Violation {
    /// The same violation shown by another trace (a minimised one); a message that names
    /// the instance whose step failed names the new trace's.
    public func with(trace: Trace, model: Model) -> Violation {
        var text = message
        if failedInsideStep, let old = self.trace?.steps.last, let new = trace.steps.last {
            let was = model.processes[old.process.index].instanceName(old.instance)
            let now = model.processes[new.process.index].instanceName(new.instance)
            if was != now { text = text.replacingFirst(was, with: now) }
        }
        var v = Violation(kind: kind, property: property, message: text, range: range, trace: trace, failedInsideStep: failedInsideStep)
        v.expansion = expansion
        v.livenessValues = livenessValues
        return v
    }
}

extension CheckResult {
    /// The same result with another verdict (a violation with a minimised trace).
    public func with(verdict: Verdict) -> CheckResult {
        CheckResult(verdict: verdict, statistics: statistics, coverage: coverage, livenessSeconds: livenessSeconds,
                    symmetry: symmetry)
    }
}

extension String {
    /// The first occurrence of `target` replaced.
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let r = firstRange(of: target) else { return self }
        return String(self[..<r.lowerBound]) + replacement + String(self[r.upperBound...])
    }
}

/// A node of a tree of concrete states that replay and the trace searches build: its
/// state, the index of its parent (-1 at an initial state) and the step from the parent
/// (nil where the step leaves no record).
private protocol TraceTreeNode {
    var state: [Int64] { get }
    var parent: Int { get }
    var step: TraceStep? { get }
}

/// The trace from the initial state at the root of `nodes[end]`'s branch to it.
private func traceTo<Node: TraceTreeNode>(_ end: Int, in nodes: [Node]) -> Trace {
    var ids: [Int] = []
    var k = end
    while k >= 0 { ids.append(k); k = nodes[k].parent }
    ids.reverse()
    var t = Trace(states: [nodes[ids[0]].state], steps: [])
    for id in ids.dropFirst() {
        if let st = nodes[id].step { t.steps.append(st) }
        t.states.append(nodes[id].state)
    }
    return t
}

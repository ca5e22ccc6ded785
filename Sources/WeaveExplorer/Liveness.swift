import WeaveIR
import WeaveSource

/// Liveness checking on the explored state graph, under the model's fairness.
///
/// After the safety search every reachable state is in the store. This pass
/// re-expands each state once to build the labelled graph (edges tagged with the
/// stepping instance) and each state's set of enabled instances. For a property
/// it searches the region of states where the awaited predicate is false, from
/// the property's start states, for
/// - a *fair stutter state*: no weakly or strongly fair instance is enabled, so
///   staying there forever is a fair run (every thread waits), or
/// - a *fair cycle*: an SCC of the region in which every weakly fair instance
///   steps or is disabled somewhere, and every strongly fair instance steps or is
///   disabled everywhere (SCCs failing only strong fairness are refined by
///   removing the states where the offending instance is enabled, as in
///   Emerson–Lei), and returns the lasso: prefix, then the cycle.
/// Sound and complete on the explored graph. Under symmetry reduction the graph is
/// the quotient one, and fairness follows each process's identity through the
/// permutations on its edges (SymmetricLiveness.swift). One worker: the pass needs
/// every state in one store.
struct LivenessChecker {
    /// The explored graph: states, recorded edges, engine, symmetry, trace rebuilding.
    let graph: ExploredGraph
    let properties: [LivenessProperty]
    /// `--fairness`: every process's fairness for this run, or nil for each its own.
    let fairness: FairnessKind?
    /// Why the pass must stop with this many bytes of graph beside the store (a limit),
    /// or nil; the run's peak memory counts them.
    let stopReason: (_ graphBytes: Int) -> String?

    var engine: Engine { graph.engine }
    var store: StateStore { graph.store }
    var model: Model { graph.model }

    func run() -> Verdict {
        let n = store.count
        let instCount = engine.instances.count
        guard instCount <= 64 else {
            return .incomplete(reason: "liveness checking supports at most 64 process instances (this model has \(instCount))")
        }
        // Fairness masks.
        var weak: UInt64 = 0, strong: UInt64 = 0
        for (i, inst) in engine.instances.enumerated() {
            switch fairness ?? model.processes[inst.process].fairness {
            case .weak: weak |= 1 << UInt64(i)
            case .strong: strong |= 1 << UInt64(i)
            case .unfair: break
            }
        }
        if let sym = graph.symmetry { return runSymmetric(sym, weak: weak, strong: strong) }
        let edges: EdgeLists
        switch edgeLists(nil) {
        case .success(let e): edges = e
        case .failure(let stop): return .incomplete(reason: stop.reason)
        }
        let (offsets, targets, stepper, enabled) = (edges.offsets, edges.targets, edges.stepper, edges.enabled)
        let g = Graph(offsets: offsets, targets: targets, stepper: stepper, enabled: enabled, weak: weak, strong: strong)

        for prop in properties {
            guard let li = model.liveness.firstIndex(where: { $0.name == prop.name }) else { continue }
            let code = engine.livenessCode[li]
            for valuation in valuations(prop) {
                for (reg, v) in valuation { engine.regs[reg] = v }
                var bad = [Bool](repeating: false, count: n)
                var start = [Bool](repeating: false, count: n)
                if let err = markRegion(prop, code, into: &bad, &start, stride: 1, offset: 0) { return err }
                if let f = findFairRun(g, bad: bad, start: start) {
                    return .violated(lasso(prop, valuation, g, entry: f.entry, rParent: f.rParent, cycle: f.cycle))
                }
            }
        }
        return .holds
    }

    /// The explored graph in CSR form, each edge with the instance that steps (and
    /// under symmetry `sym`, the table index + 1 of the permutation that took the
    /// successor to its representative); each state with its enabled instances.
    struct EdgeLists {
        var offsets: [Int]
        var targets: [UInt32] = []
        var stepper: [UInt8] = []
        var perm: [UInt16] = []
        var enabled: [UInt64]
        /// Taken from the search (its memory is counted there already).
        var recorded = false
    }

    /// Why the pass stopped building its graph (a limit).
    struct Stopped: Error { let reason: String }

    /// The graph recorded by the breadth-first search (with permutations, under
    /// symmetry), or else rebuilt by re-expanding every state. The quotient graph a
    /// symmetric pass rebuilds is counted against the memory limit as it grows.
    func edgeLists(_ sym: Symmetry?) -> Result<EdgeLists, Stopped> {
        let n = store.count
        if let r = graph.recorded, r.enabled.count == n && (sym == nil || r.perm.count == r.targets.count) {
            // The arrays are shared, not copied (nothing appends to them any more).
            return .success(EdgeLists(offsets: r.offsets, targets: r.targets, stepper: r.stepper, perm: r.perm,
                                      enabled: r.enabled, recorded: true))
        }
        var g = EdgeLists(offsets: [Int](repeating: 0, count: n + 1), enabled: [UInt64](repeating: 0, count: n))
        g.targets.reserveCapacity(n * 4)
        let sink = Sink(stateBytes: engine.stateBytes)
        let buf = UnsafeMutableRawPointer.allocate(byteCount: engine.stateBytes, alignment: 8)
        defer { buf.deallocate() }
        for id in 0..<n {
            if sym != nil, id & 4095 == 0, let stop = stopReason(g.targets.capacity * 7 + n * 16) {
                return .failure(Stopped(reason: stop))
            }
            engine.expand(store.state(id), into: sink)
            var en: UInt64 = 0
            for o in 0..<sink.count {
                en |= 1 << UInt64(sink.instances[o])
                guard sink.kinds[o] == .state else { continue }
                var p = -1
                let t: Int?
                if let sym {
                    buf.copyMemory(from: sink.state(o), byteCount: engine.stateBytes)
                    p = sym.canonicalizeTracking(buf)
                    t = store.find(buf)
                } else {
                    t = store.find(sink.state(o))
                }
                guard let t else { continue }
                g.targets.append(UInt32(t))
                g.stepper.append(UInt8(sink.instances[o]))
                if sym != nil { g.perm.append(UInt16(p + 1)) }
            }
            g.enabled[id] = en
            g.offsets[id + 1] = g.targets.count
        }
        return .success(g)
    }

    /// Marks, for every stored state (at index `id * stride + offset`), whether it is in
    /// the property's bad region (the awaited predicate is false) and whether a bad run
    /// may start there, with the property's variables as set in the registers. A
    /// run-time error evaluating the property is the verdict it returns.
    func markRegion(_ prop: LivenessProperty, _ code: (p: Int32, q: Int32), into bad: inout [Bool], _ start: inout [Bool],
                    stride: Int, offset: Int) -> Verdict? {
        for id in 0..<store.count {
            let s = store.state(id)
            engine.failed = false
            let p = engine.eval(code.p, s) != 0
            if engine.failed { return evaluationError(site: engine.failSite, state: id) }
            let x = id &* stride &+ offset
            switch prop.form {
            case .eventually:
                bad[x] = !p
                start[x] = !p && store.parents[id] == UInt32.max
            case .alwaysEventually:
                bad[x] = !p
                start[x] = !p
            case .leadsTo:
                let q = engine.eval(code.q, s) != 0
                if engine.failed { return evaluationError(site: engine.failSite, state: id) }
                bad[x] = !q
                start[x] = p && !q
            }
        }
        return nil
    }

    /// Every assignment of the property's `forall` variables.
    func valuations(_ p: LivenessProperty) -> [[(Int, Int64)]] {
        var out: [[(Int, Int64)]] = [[]]
        for (reg, t) in p.quantified {
            out = out.flatMap { prefix in (0..<t.cardinality).map { prefix + [(reg, t.lowerBound + $0)] } }
        }
        return out
    }

    struct Graph {
        let offsets: [Int]
        let targets: [UInt32]
        let stepper: [UInt8]
        let enabled: [UInt64]
        let weak: UInt64
        let strong: UInt64
        /// Under symmetry: per edge, the table index + 1 of the permutation that took its
        /// target to the representative (0: the identity); empty otherwise.
        var perm: [UInt16] = []
        /// Under symmetry: `instImage[perm[e] * instanceCount + i]` is where instance `i`
        /// of the edge's source is in its target.
        var instImage: [UInt8] = []
        var instanceCount = 0
    }

    /// Where a fair run that stays in the bad region was found: the region's BFS parents
    /// (back to a start state), the state it loops at or stutters in, and the fair
    /// component it loops through (nil: a fair stutter state).
    struct FairRun {
        let entry: Int
        let rParent: [Int32]
        let cycle: [Int]?
    }

    /// Per-search scratch buffers of the graph's size, all-false / unset between uses.
    final class Scratch {
        var member: [Bool]
        /// Under symmetry: a node's position in the component being analysed.
        var position: [Int32]
        init(nodes: Int, symmetric: Bool) {
            member = [Bool](repeating: false, count: nodes)
            position = symmetric ? [Int32](repeating: -1, count: nodes) : []
        }
    }

    /// Looks for a fair run staying in `bad` from some `start` state.
    func findFairRun(_ g: Graph, bad: [Bool], start: [Bool]) -> FairRun? {
        let n = bad.count
        // States reachable inside the bad region from a start state, breadth-first (with parents).
        var inR = [Bool](repeating: false, count: n)
        var rParent = [Int32](repeating: -1, count: n)
        var queue: [Int] = []
        for id in 0..<n where start[id] {
            inR[id] = true
            queue.append(id)
        }
        var head = 0
        while head < queue.count {
            let u = queue[head]; head += 1
            for e in g.offsets[u]..<g.offsets[u + 1] {
                let v = Int(g.targets[e])
                if bad[v] && !inR[v] {
                    inR[v] = true
                    rParent[v] = Int32(u)
                    queue.append(v)
                }
            }
        }
        if queue.isEmpty { return nil }
        let fair = g.weak | g.strong
        // A fair stutter state: nothing fair can move. BFS order gives the nearest.
        for u in queue where g.enabled[u] & fair == 0 {
            return FairRun(entry: u, rParent: rParent, cycle: nil)
        }
        // Fair cycles: SCCs of the region.
        var bfsOrder = [Int32](repeating: .max, count: n)
        for (k, u) in queue.enumerated() { bfsOrder[u] = Int32(k) }
        let scratch = Scratch(nodes: n, symmetric: !g.perm.isEmpty)
        for comp in sccs(queue, g, allowed: inR) {
            if let c = fairComponent(comp, g, scratch) {
                // Enter the cycle at its state nearest to the start (shortest prefix).
                let entry = c.min { bfsOrder[$0] < bfsOrder[$1] } ?? c[0]
                return FairRun(entry: entry, rParent: rParent, cycle: c)
            }
        }
        return nil
    }

    /// The fair part of an SCC (nil if none), refining for strong fairness.
    func fairComponent(_ comp: [Int], _ g: Graph, _ scratch: Scratch) -> [Int]? {
        // Most components are single states without a self-loop: no cycle at all.
        if comp.count == 1 {
            let u = comp[0]
            if !(g.offsets[u]..<g.offsets[u + 1]).contains(where: { Int(g.targets[$0]) == u }) { return nil }
        }
        if !g.perm.isEmpty { return threadFairComponent(comp, g, scratch) }
        for u in comp { scratch.member[u] = true }
        var stepped: UInt64 = 0, enSome: UInt64 = 0, disSome: UInt64 = 0
        var hasEdge = false
        for u in comp {
            enSome |= g.enabled[u]
            disSome |= ~g.enabled[u]
            for e in g.offsets[u]..<g.offsets[u + 1] where scratch.member[Int(g.targets[e])] {
                hasEdge = true
                stepped |= 1 << UInt64(g.stepper[e])
            }
        }
        for u in comp { scratch.member[u] = false }
        guard hasEdge else { return nil }
        if g.weak & ~stepped & ~disSome != 0 { return nil }
        let strongBad = g.strong & ~stepped & enSome
        if strongBad == 0 { return comp }
        return refine(comp.filter { g.enabled[$0] & strongBad == 0 }, g, scratch)
    }

    /// Emerson–Lei's step for strong fairness: the fair components among `rest`, the
    /// states of a component left once those where an unfairly treated strongly fair
    /// instance is enabled are removed.
    func refine(_ rest: [Int], _ g: Graph, _ scratch: Scratch) -> [Int]? {
        var allowed = [Bool](repeating: false, count: g.enabled.count)
        for u in rest { allowed[u] = true }
        for sub in sccs(rest, g, allowed: allowed) {
            if let c = fairComponent(sub, g, scratch) { return c }
        }
        return nil
    }

    /// Strongly connected components of the subgraph induced by `allowed` (iterative Tarjan).
    func sccs(_ nodes: [Int], _ g: Graph, allowed: [Bool]) -> [[Int]] {
        var index = [Int32](repeating: -1, count: allowed.count)
        var low = [Int32](repeating: 0, count: allowed.count)
        var onStack = [Bool](repeating: false, count: allowed.count)
        var stack: [Int] = []
        var out: [[Int]] = []
        var next: Int32 = 0
        var call: [(node: Int, edge: Int)] = []
        for root in nodes where index[root] < 0 {
            call.append((root, g.offsets[root]))
            index[root] = next; low[root] = next; next += 1
            stack.append(root); onStack[root] = true
            while !call.isEmpty {
                let (u, e) = call[call.count - 1]
                if e < g.offsets[u + 1] {
                    call[call.count - 1].edge = e + 1
                    let v = Int(g.targets[e])
                    guard allowed[v] else { continue }
                    if index[v] < 0 {
                        index[v] = next; low[v] = next; next += 1
                        stack.append(v); onStack[v] = true
                        call.append((v, g.offsets[v]))
                    } else if onStack[v] {
                        low[u] = min(low[u], index[v])
                    }
                } else {
                    call.removeLast()
                    if let parent = call.last { low[parent.node] = min(low[parent.node], low[u]) }
                    if low[u] == index[u] {
                        var comp: [Int] = []
                        while let w = stack.popLast() {
                            onStack[w] = false
                            comp.append(w)
                            if w == u { break }
                        }
                        out.append(comp)
                    }
                }
            }
        }
        return out
    }

    /// Shortest path inside `allowed` from `from` to a node satisfying `goal` (node list, from first).
    func path(_ g: Graph, from: Int, allowed: Set<Int>, goal: (Int) -> Bool) -> [Int]? {
        if goal(from) { return [from] }
        var parent: [Int: Int] = [from: -1]
        var q = [from]
        var h = 0
        while h < q.count {
            let u = q[h]; h += 1
            for e in g.offsets[u]..<g.offsets[u + 1] {
                let v = Int(g.targets[e])
                guard allowed.contains(v), parent[v] == nil else { continue }
                parent[v] = u
                if goal(v) {
                    var p = [v]
                    var c = u
                    while c != -1 { p.append(c); c = parent[c] ?? -1 }
                    return p.reversed()
                }
                q.append(v)
            }
        }
        return nil
    }

    /// Builds the counterexample: prefix to the region's entry, then (for a cycle)
    /// a cycle through the component that shows every fair instance stepping or disabled.
    func lasso(_ prop: LivenessProperty, _ valuation: [(Int, Int64)], _ g: Graph, entry: Int, rParent: [Int32], cycle: [Int]?) -> Violation {
        // Path inside the region back to its start state, then the search tree back to an initial state.
        var regionPath: [Int] = [entry]
        while rParent[regionPath[regionPath.count - 1]] >= 0 { regionPath.append(Int(rParent[regionPath[regionPath.count - 1]])) }
        regionPath.reverse()
        var t = graph.traces.trace(to: regionPath[0])
        var ids = [regionPath[0]]
        for id in regionPath.dropFirst() { appendEdge(&t, from: ids[ids.count - 1], to: id); ids.append(id) }
        let who = valuation.isEmpty ? "" : " (" + zip(prop.quantified, valuation).map { q, v in q.type.format(v.1) }.joined(separator: ", ") + ")"
        if let comp = cycle {
            let inC = Set(comp)
            let loopStart = t.states.count - 1
            var cur = entry
            var walk: [Int] = []
            for (i, inst) in engine.instances.enumerated() where (g.weak | g.strong) & (1 << UInt64(i)) != 0 {
                _ = inst
                // An edge by i inside the component, or else a state where i is disabled.
                var edgeFound = false
                if let p = path(g, from: cur, allowed: inC, goal: { u in
                    (g.offsets[u]..<g.offsets[u + 1]).contains { e in Int(g.stepper[e]) == i && inC.contains(Int(g.targets[e])) } }) {
                    let u = p[p.count - 1]
                    walk += p.dropFirst()
                    if let e = (g.offsets[u]..<g.offsets[u + 1]).first(where: { e in Int(g.stepper[e]) == i && inC.contains(Int(g.targets[e])) }) {
                        walk.append(Int(g.targets[e]))
                        cur = Int(g.targets[e])
                        edgeFound = true
                    }
                }
                if !edgeFound, let p = path(g, from: cur, allowed: inC, goal: { u in g.enabled[u] & (1 << UInt64(i)) == 0 }) {
                    walk += p.dropFirst()
                    cur = p[p.count - 1]
                }
            }
            // Back to the entry (at least one step so the cycle is a cycle).
            if let p = path(g, from: cur, allowed: inC, goal: { $0 == entry }), p.count > 1 || !walk.isEmpty {
                walk += p.dropFirst()
            } else if let e = (g.offsets[cur]..<g.offsets[cur + 1]).first(where: { inC.contains(Int(g.targets[$0])) }) {
                let v = Int(g.targets[e])
                walk.append(v)
                if let p = path(g, from: v, allowed: inC, goal: { $0 == entry }) { walk += p.dropFirst() }
            }
            var prev = entry
            for v in walk { appendEdge(&t, from: prev, to: v); prev = v }
            t.loopStart = loopStart
            var v = Violation(kind: .liveness, property: prop.name,
                              message: "liveness \(prop.name)\(who) is violated: a fair run loops forever without it",
                              range: prop.range, trace: t, failedInsideStep: false)
            v.livenessValues = valuation.map(\.1)
            return v
        }
        t.loopStart = t.states.count - 1
        let why = graph.traces.stuckSummary(store.state(entry))
        var v = Violation(kind: .liveness, property: prop.name,
                          message: "liveness \(prop.name)\(who) is violated: the run gets stuck where no fair process can move"
                            + (why.isEmpty ? "" : " (\(why))"),
                          range: prop.range, trace: t, failedInsideStep: false)
        v.livenessValues = valuation.map(\.1)
        return v
    }

    /// Appends the step from `u` to `v` (found by re-expanding `u`).
    func appendEdge(_ t: inout Trace, from u: Int, to v: Int) {
        let sink = Sink(stateBytes: engine.stateBytes)
        engine.expand(store.state(u), into: sink)
        for o in 0..<sink.count where sink.kinds[o] == .state && store.find(sink.state(o)) == v {
            graph.traces.appendStep(&t, from: u, ordinal: o)
            return
        }
    }
}

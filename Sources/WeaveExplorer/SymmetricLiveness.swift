import WeaveIR
import WeaveSource

/// Liveness under symmetry reduction: the fair-cycle search of `LivenessChecker` on the
/// quotient graph, sound and complete for the full one.
///
/// The store holds one representative per orbit. Each edge of the quotient graph is
/// rebuilt with, besides the instance that steps (numbered as in its source), the
/// permutation that took the real successor to its representative; instance `i` of the
/// source is instance `π(i)` of the target. A node is a pair (representative, valuation
/// of the property's `forall` variables), because in `forall t: Thread: ...` the thread
/// that `t` names is renumbered along the edges too.
///
/// Fairness. The full graph over a strongly connected set C of nodes is a covering of
/// C, so each of its components is strongly connected, and in one such component a
/// real process follows one *thread*: a component of the graph on (node of C, instance)
/// pairs with an edge (x, i) -> (y, π(i)) for every edge x -> y of C (union-find finds
/// them: in a covering of a strongly connected graph, connected and strongly connected
/// components coincide). A real fair cycle exists over C exactly when every thread of a
/// weakly fair instance steps somewhere in C or is disabled somewhere, and every thread
/// of a strongly fair one steps somewhere or is disabled everywhere. When only strong
/// fairness fails, the nodes where an unfairly treated thread is enabled are removed and
/// what is left is searched again (Emerson–Lei). (The quotient alone, with instance
/// numbers read as identities, is unsound: a cycle in which coordinate 0 always moves
/// may be one where the processes take turns.)
///
/// The counterexample is a real run: from an initial state to the component, then a
/// walk through real states whose nodes lie in the component that steps (or finds
/// disabled) every fair process, and back to the state it entered at.
extension LivenessChecker {
    func runSymmetric(_ sym: Symmetry, weak: UInt64, strong: UInt64) -> Verdict {
        let n = store.count
        let m = engine.instances.count
        // The quotient graph, each edge with its permutation (table index + 1).
        let edges: EdgeLists
        switch edgeLists(sym) {
        case .success(let e): edges = e
        case .failure(let stop): return .incomplete(reason: stop.reason)
        }
        let (offsets, targets, stepper, perm, enabled) = (edges.offsets, edges.targets, edges.stepper, edges.perm, edges.enabled)
        let images = [sym.layout.sizes.map { Array(0..<$0) }] + sym.tablePermutations
        let instImage = instanceImages(images)

        for prop in properties {
            guard let li = model.liveness.firstIndex(where: { $0.name == prop.name }) else { continue }
            let code = engine.livenessCode[li]
            let valuations = valuations(prop)
            let vCount = valuations.count
            let valImage = valuationImages(prop, images)
            // The quotient graph, and the node graph with its search arrays (~40 bytes a node).
            let quotientBytes = edges.recorded ? graph.recorded?.bytes ?? 0 : targets.count * 7 + n * 16
            let nodeBytes = vCount == 1 ? n * 40 : targets.count * vCount * 7 + n * vCount * 56
            if let stop = stopReason(quotientBytes + nodeBytes) { return .incomplete(reason: stop) }
            // The graph on (representative, valuation) nodes: `node = id * vCount + v`.
            let g: Graph
            if vCount == 1 {
                g = Graph(offsets: offsets, targets: targets, stepper: stepper, enabled: enabled, weak: weak, strong: strong,
                          perm: perm, instImage: instImage, instanceCount: m)
            } else {
                var hOffsets = [Int](repeating: 0, count: n * vCount + 1)
                var hTargets: [UInt32] = [], hStepper: [UInt8] = [], hPerm: [UInt16] = []
                var hEnabled = [UInt64](repeating: 0, count: n * vCount)
                hTargets.reserveCapacity(targets.count * vCount)
                for id in 0..<n {
                    for v in 0..<vCount {
                        let x = id * vCount + v
                        for e in offsets[id]..<offsets[id + 1] {
                            let w = valImage[Int(perm[e]) * vCount + v]
                            hTargets.append(UInt32(Int(targets[e]) * vCount + w))
                            hStepper.append(stepper[e])
                            hPerm.append(perm[e])
                        }
                        hEnabled[x] = enabled[id]
                        hOffsets[x + 1] = hTargets.count
                    }
                }
                g = Graph(offsets: hOffsets, targets: hTargets, stepper: hStepper, enabled: hEnabled, weak: weak, strong: strong,
                          perm: hPerm, instImage: instImage, instanceCount: m)
            }
            var bad = [Bool](repeating: false, count: n * vCount)
            var start = [Bool](repeating: false, count: n * vCount)
            for (v, valuation) in valuations.enumerated() {
                for (reg, value) in valuation { engine.regs[reg] = value }
                if let err = markRegion(prop, code, into: &bad, &start, stride: vCount, offset: v) { return err }
            }
            if let run = findFairRun(g, bad: bad, start: start) {
                let lasso = RealLasso(checker: self, sym: sym, g: g, vCount: vCount, valImage: valImage,
                                      group: PermutationGroup(images))
                if let v = lasso.build(prop, valuations, run) { return .violated(v) }
                return .incomplete(reason: "liveness \(prop.name) is violated on the quotient graph, but no real run showing it was rebuilt (a bug in Weave: please report it)")
            }
        }
        return .holds
    }

    /// A run-time error evaluating a property at stored state `state`, with a real trace.
    func evaluationError(site: Int32, state: Int) -> Verdict {
        graph.traces.realVerdict(.violated(graph.traces.violation(for: Candidate(what: .invariantError(site: site), length: 0, key: 0,
                                                                         parent: 0, ordinal: 0, state: UInt32(state)))))
    }

    /// Per permutation (index 0: the identity), where each instance goes:
    /// `result[p * instances + i]`.
    func instanceImages(_ images: [[[Int]]]) -> [UInt8] {
        let insts = engine.instances
        var index: [Int: Int] = [:]
        for (i, inst) in insts.enumerated() { index[inst.process << 32 | inst.k] = i }
        var out = [UInt8](repeating: 0, count: images.count * insts.count)
        for (p, image) in images.enumerated() {
            for (i, inst) in insts.enumerated() {
                var k = inst.k
                if let t = model.processes[inst.process].indexType, let g = model.symmetricTypes.firstIndex(of: t) { k = image[g][k] }
                out[p * insts.count + i] = UInt8(index[inst.process << 32 | k] ?? i)
            }
        }
        return out
    }

    /// Per permutation, where each valuation of `prop`'s variables (numbered as
    /// `valuations(prop)` lists them) goes: `result[p * valuations + v]`.
    func valuationImages(_ prop: LivenessProperty, _ images: [[[Int]]]) -> [Int] {
        let cards = prop.quantified.map { Int($0.type.cardinality) }
        let groups = prop.quantified.map { model.symmetricTypes.firstIndex(of: $0.type) }
        let count = cards.reduce(1, *)
        var out = [Int](repeating: 0, count: images.count * count)
        for (p, image) in images.enumerated() {
            for v in 0..<count {
                // Mixed radix, the last variable least significant.
                var digits = [Int](repeating: 0, count: cards.count)
                var rest = v
                for k in cards.indices.reversed() { digits[k] = rest % cards[k]; rest /= cards[k] }
                var w = 0
                for k in cards.indices { w = w * cards[k] + (groups[k].map { image[$0][digits[k]] } ?? digits[k]) }
                out[p * count + v] = w
            }
        }
        return out
    }

    /// Whether the (symmetric) component `comp` holds a real fair cycle: the thread
    /// analysis of this file's header; refines for strong fairness.
    func threadFairComponent(_ comp: [Int], _ g: Graph, _ scratch: Scratch) -> [Int]? {
        let m = g.instanceCount
        let movedBit: UInt8 = 1, enabledBit: UInt8 = 2, disabledBit: UInt8 = 4
        for (a, x) in comp.enumerated() { scratch.position[x] = Int32(a) }
        let total = comp.count * m
        var parent = [Int32](repeating: 0, count: total)
        for k in 0..<total { parent[k] = Int32(k) }
        func find(_ k: Int) -> Int {
            var k = k
            while Int(parent[k]) != k {
                parent[k] = parent[Int(parent[k])]
                k = Int(parent[k])
            }
            return k
        }
        var flags = [UInt8](repeating: 0, count: total)
        var hasEdge = false
        for (a, x) in comp.enumerated() {
            let en = g.enabled[x]
            for j in 0..<m { flags[a * m + j] = (en >> UInt64(j)) & 1 != 0 ? enabledBit : disabledBit }
            for e in g.offsets[x]..<g.offsets[x + 1] {
                let b = Int(scratch.position[Int(g.targets[e])])
                guard b >= 0 else { continue }
                hasEdge = true
                flags[a * m + Int(g.stepper[e])] |= movedBit
                let img = Int(g.perm[e]) * m
                for j in 0..<m {
                    let r1 = find(a * m + j), r2 = find(b * m + Int(g.instImage[img + j]))
                    if r1 != r2 { parent[max(r1, r2)] = Int32(min(r1, r2)) }
                }
            }
        }
        for x in comp { scratch.position[x] = -1 }
        guard hasEdge else { return nil }
        var threadFlags = [UInt8](repeating: 0, count: total)
        for k in 0..<total { threadFlags[find(k)] |= flags[k] }
        var strongBad = [Bool](repeating: false, count: total)
        var anyStrongBad = false
        for k in 0..<total where find(k) == k {
            let bit = UInt64(1) << UInt64(k % m)
            let f = threadFlags[k]
            if g.weak & bit != 0 && f & (movedBit | disabledBit) == 0 { return nil }
            if g.strong & bit != 0 && f & movedBit == 0 && f & enabledBit != 0 {
                strongBad[k] = true
                anyStrongBad = true
            }
        }
        if !anyStrongBad { return comp }
        let rest = comp.indices.filter { a in
            !(0..<m).contains { j in flags[a * m + j] & enabledBit != 0 && strongBad[find(a * m + j)] }
        }.map { comp[$0] }
        return refine(rest, g, scratch)
    }
}

/// The group of a symmetric model's permutations, numbered as the liveness graph numbers
/// them: 0 is the identity, `k` is `Symmetry`'s table index `k - 1`.
struct PermutationGroup {
    let perms: [[[Int]]]
    let index: [[[Int]]: Int]

    init(_ perms: [[[Int]]]) {
        self.perms = perms
        var index: [[[Int]]: Int] = [:]
        for (k, p) in perms.enumerated() { index[p] = k }
        self.index = index
    }

    /// `a` after `b`.
    func compose(_ a: Int, _ b: Int) -> Int {
        let (pa, pb) = (perms[a], perms[b])
        return index[zip(pa, pb).map { ga, gb in gb.map { ga[$0] } }] ?? 0
    }

    func inverse(_ a: Int) -> Int {
        index[perms[a].map { g in
            var inv = [Int](repeating: 0, count: g.count)
            for (v, w) in g.enumerated() { inv[w] = v }
            return inv
        }] ?? 0
    }
}

/// Builds the real lasso for a fair run found on the symmetric graph (see
/// `LivenessChecker.runSymmetric`).
///
/// A real state is a node x = (representative r, valuation v) seen through a *frame* f,
/// a permutation: the real state is f(r) and the property's variables have the real
/// values f(v). An edge x -> y that took the successor s' of r to y's representative by
/// π steps the real instance f(i) from f(r) to f(s') = (f ∘ π⁻¹)(r'), so the frame
/// becomes f ∘ π⁻¹ and the real valuation stays. The walks below run on (node, frame)
/// pairs (the full graph over the component, where each real process keeps its
/// identity) and every step is checked against the engine's own successors.
struct RealLasso {
    let checker: LivenessChecker
    let sym: Symmetry
    let g: LivenessChecker.Graph
    let vCount: Int
    let valImage: [Int]
    let group: PermutationGroup
    var engine: Engine { checker.engine }
    var traces: TraceRebuilder { checker.graph.traces }
    var permTotal: Int { group.perms.count }

    struct Step {
        let node: Int
        let frame: Int
        let step: TraceStep
        let state: [Int64]
    }

    /// The real state of node `x` seen through frame `f`.
    func real(_ x: Int, _ f: Int) -> [Int64] {
        let buf = UnsafeMutableRawPointer.allocate(byteCount: engine.stateBytes, alignment: 8)
        defer { buf.deallocate() }
        buf.copyMemory(from: checker.store.state(x / vCount), byteCount: engine.stateBytes)
        sym.permute(buf, by: f - 1)
        return engine.unpack(buf)
    }

    /// Edge `e` of node `x` taken in frame `f`, checked to be a step of the real state;
    /// nil if the engine disagrees (a bug).
    func take(_ x: Int, _ f: Int, _ e: Int) -> Step? {
        let y = Int(g.targets[e])
        let f2 = group.compose(f, group.inverse(Int(g.perm[e])))
        let from = real(x, f), to = real(y, f2)
        let i = Int(g.instImage[f * g.instanceCount + Int(g.stepper[e])])
        let buf = UnsafeMutableRawPointer.allocate(byteCount: engine.stateBytes, alignment: 8)
        defer { buf.deallocate() }
        guard engine.pack(from, into: buf) else { return nil }
        let sink = Sink(stateBytes: engine.stateBytes)
        engine.expand(buf, into: sink)
        for o in 0..<sink.count where sink.kinds[o] == .state && Int(sink.instances[o]) == i {
            if engine.unpack(sink.state(o)) == to {
                return Step(node: y, frame: f2, step: traces.traceStep(instance: i, from: buf), state: to)
            }
        }
        return nil
    }

    /// The shortest walk from (`x`, `f`) along edges inside `inC` to a pair `goal`
    /// accepts, or one step past it along the edge `goal` names.
    enum Reach { case no, here, by(Int) }
    func walk(from x: Int, _ f: Int, inC: Set<Int>, goal: (Int, Int) -> Reach) -> [Step]? {
        func key(_ x: Int, _ f: Int) -> Int { x * permTotal + f }
        var parent: [Int: (Int, Int)] = [:]   // key -> (parent key, edge)
        var queue = [(x, f)]
        var seen: Set<Int> = [key(x, f)]
        var head = 0
        func path(_ x: Int, _ f: Int, then e: Int?) -> [Step]? {
            var edges: [(Int, Int)] = []   // (source key, edge)
            var k = key(x, f)
            while let (pk, e) = parent[k] { edges.append((pk, e)); k = pk }
            edges.reverse()
            if let e { edges.append((key(x, f), e)) }
            var out: [Step] = []
            for (sk, e) in edges {
                guard let st = take(sk / permTotal, sk % permTotal, e) else { return nil }
                out.append(st)
            }
            return out
        }
        while head < queue.count {
            let (u, fu) = queue[head]
            head += 1
            switch goal(u, fu) {
            case .here: return path(u, fu, then: nil)
            case .by(let e): return path(u, fu, then: e)
            case .no: break
            }
            for e in g.offsets[u]..<g.offsets[u + 1] where inC.contains(Int(g.targets[e])) {
                let v = Int(g.targets[e]), fv = group.compose(fu, group.inverse(Int(g.perm[e])))
                guard seen.insert(key(v, fv)).inserted else { continue }
                parent[key(v, fv)] = (key(u, fu), e)
                queue.append((v, fv))
            }
        }
        return nil
    }

    /// The first edge of `x` to `y`.
    func edge(_ x: Int, to y: Int) -> Int? {
        (g.offsets[x]..<g.offsets[x + 1]).first { Int(g.targets[$0]) == y }
    }

    func build(_ prop: LivenessProperty, _ valuations: [[(Int, Int64)]], _ run: LivenessChecker.FairRun) -> Violation? {
        let store = checker.store
        // The region's path from its start node to the entry.
        var regionPath = [run.entry]
        while run.rParent[regionPath[regionPath.count - 1]] >= 0 { regionPath.append(Int(run.rParent[regionPath[regionPath.count - 1]])) }
        regionPath.reverse()
        let x0 = regionPath[0]
        // The search tree's path to x0's representative, from a real initial state.
        var chain = [x0 / vCount]
        while store.parents[chain[chain.count - 1]] != UInt32.max { chain.append(Int(store.parents[chain[chain.count - 1]])) }
        chain.reverse()
        let buf = UnsafeMutableRawPointer.allocate(byteCount: engine.stateBytes, alignment: 8)
        defer { buf.deallocate() }
        var frame0: Int? = nil
        for s0 in traces.initialStates() where engine.pack(s0, into: buf) {
            let p = sym.canonicalizeTracking(buf) + 1
            if store.find(buf) == chain[0] { frame0 = group.inverse(p); break }
        }
        guard var f = frame0 else { return nil }
        var x = chain[0] * vCount
        var trace = Trace(states: [real(x, f)], steps: [])
        func append(_ st: Step) {
            trace.steps.append(st.step)
            trace.states.append(st.state)
            x = st.node
            f = st.frame
        }
        for next in chain.dropFirst() {
            guard let e = (g.offsets[x]..<g.offsets[x + 1]).first(where: { Int(g.targets[$0]) / vCount == next }),
                  let st = take(x, f, e) else { return nil }
            append(st)
        }
        x = x0   // the same representative; the valuation the region starts with
        // The real values of the property's variables: x0's, seen through the frame at x0.
        let t = valImage[f * vCount + x0 % vCount]
        for y in regionPath.dropFirst() {
            guard let e = edge(x, to: y), let st = take(x, f, e) else { return nil }
            append(st)
        }
        let who = valuations[t].isEmpty ? "" : " (" + zip(prop.quantified, valuations[t]).map { q, v in q.type.format(v.1) }.joined(separator: ", ") + ")"
        trace.loopStart = trace.states.count - 1
        guard let comp = run.cycle else {
            let why = engine.pack(trace.states[trace.states.count - 1], into: buf) ? traces.stuckSummary(buf) : ""
            var v = Violation(kind: .liveness, property: prop.name,
                              message: "liveness \(prop.name)\(who) is violated: the run gets stuck where no fair process can move"
                                + (why.isEmpty ? "" : " (\(why))"),
                              range: prop.range, trace: trace, failedInsideStep: false)
            v.livenessValues = valuations[t].map(\.1)
            return v
        }
        let inC = Set(comp)
        let (entry, entryFrame) = (x, f)
        let m = g.instanceCount
        for u in 0..<m where (g.weak | g.strong) & (1 << UInt64(u)) != 0 {
            // Where real instance u is in node x seen through frame f.
            func coordinate(_ f: Int) -> Int { (0..<m).first { g.instImage[f * m + $0] == u } ?? u }
            // A step by u inside the component, or else a state where u is disabled.
            if let w = walk(from: x, f, inC: inC, goal: { y, fy in
                let j = coordinate(fy)
                return (g.offsets[y]..<g.offsets[y + 1]).first { Int(g.stepper[$0]) == j && inC.contains(Int(g.targets[$0])) }
                    .map { .by($0) } ?? .no }) {
                w.forEach(append)
            } else if let w = walk(from: x, f, inC: inC, goal: { y, fy in
                g.enabled[y] & (1 << UInt64(coordinate(fy))) == 0 ? .here : .no }) {
                w.forEach(append)
            } else {
                return nil
            }
        }
        // Back to the entry's real state, in at least one step (a state with symmetric
        // parts is the same real state in several frames: any of them closes the loop).
        let entryState = real(entry, entryFrame)
        if trace.states.count - 1 == trace.loopStart || trace.states[trace.states.count - 1] != entryState {
            guard let back = walk(from: x, f, inC: inC, goal: { y, fy in
                (g.offsets[y]..<g.offsets[y + 1]).first { e in
                    Int(g.targets[e]) == entry && real(entry, group.compose(fy, group.inverse(Int(g.perm[e])))) == entryState }
                    .map { .by($0) } ?? .no }) else { return nil }
            back.forEach(append)
        }
        var v = Violation(kind: .liveness, property: prop.name,
                          message: "liveness \(prop.name)\(who) is violated: a fair run loops forever without it",
                          range: prop.range, trace: trace, failedInsideStep: false)
        v.livenessValues = valuations[t].map(\.1)
        return v
    }
}

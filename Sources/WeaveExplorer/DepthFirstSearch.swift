// Depth-first search (`SearchPlan.depthFirst`): one worker, exact states in the
// explorer's store, a stack of ids. Violations are found as the breadth-first search
// finds them (a `Candidate` of worker 0) and worded in TraceRebuild.swift.

import WeaveIR

extension Explorer {
    /// Depth-first search from the initial states (one worker, exact states in `store`).
    func depthFirstSearch() -> Verdict {
        if let v = forEachInitialState({ k, buf in
            let (id, isNew) = store.insert(buf, parent: UInt32.max, ordinal: UInt32(k), depth: 0)
            if isNew { checkNew(workers[0], store.state(id), id: UInt32(id), key: 0, length: 0) }
            return workers[0].candidate.map { .violated(traces.violation(for: $0)) }
        }) { return v }
        return dfs()
    }

    /// Depth-first search's expansion of state `id`: a violation (found as the
    /// breadth-first search finds them: a `Candidate` of worker 0), or nil after
    /// inserting its successors.
    @inline(__always)
    func expandOne(_ id: Int, depth: Int, onNew: (Int) -> Void) -> Violation? {
        let w = workers[0]
        let s = store.state(id)   // valid until the first insert below
        let g = UInt32(id)
        engine.expand(s, into: sink)
        let n = sink.count
        if n == 0 && checkDeadlockHere && isDeadlock(s) {
            return traces.violation(for: Candidate(what: .deadlock, length: depth, key: 0, parent: g, ordinal: 0, state: g))
        }
        for o in 0..<n {
            if sink.kinds[o] != .state {
                return traces.violation(for: Candidate(what: .step, length: depth + 1, key: 0, parent: g, ordinal: UInt32(o), state: g))
            }
            let inst = engine.instances[Int(sink.instances[o])]
            stats.generated &+= 1
            // Re-read the parent: an insert may have moved the arena.
            let pc = Int(engine.load(store.state(id), inst.pcSlot))
            w.coverage[coverageBase[inst.process] &+ pc] &+= 1
            symmetry?.canonicalize(sink.mutableState(o))
            let (nid, isNew) = store.insert(sink.state(o), parent: g, ordinal: UInt32(o), depth: UInt32(depth + 1))
            if isNew {
                checkNew(w, store.state(nid), id: UInt32(nid), key: 0, length: depth + 1)
                if let c = w.candidate { return traces.violation(for: c) }
                onNew(nid)
            }
        }
        return nil
    }

    func dfs() -> Verdict {
        var stack: [Int] = Array(0..<store.count)
        var n = 0
        var rng = options.dfsSeed.map { Xoshiro256(seed: $0, walk: -1) }
        while let id = stack.popLast() {
            n += 1
            if n & 1023 == 0 || store.count > stateLimit,
               let r = limitReason(distinct: store.count, memory: store.memoryBytes, growth: depthFirstGrowthBytes) {
                stats.queued = stack.count
                return .incomplete(reason: r)
            }
            let d = Int(store.depths[id])
            stats.depth = max(stats.depth, d)
            if let m = options.maxDepth, d >= m { continue }
            let before = stack.count
            if let v = expandOne(id, depth: d, onNew: { stack.append($0) }) { return .violated(v) }
            if var r = rng, stack.count - before > 1 {
                // Fisher-Yates over the successors just pushed: which is expanded first.
                for i in stride(from: stack.count - 1, to: before, by: -1) { stack.swapAt(i, before + r.below(i - before + 1)) }
                rng = r
            }
            stats.queued = stack.count
        }
        if let m = options.maxDepth, stats.depth >= m { return .incomplete(reason: "--max-depth \(m) reached") }
        return reachablesVerdict()
    }
}

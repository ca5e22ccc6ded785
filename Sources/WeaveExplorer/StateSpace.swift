import WeaveIR
import WeaveSource

/// Concrete-state access to a model's semantics: initial states, successors, and
/// expression values, as the explorer computes them. The prover's tests compare
/// its Z3 encoding against this (one semantics, two engines); replay uses it too.
public final class StateSpace {
    public let model: Model
    let engine: Engine
    let sink: Sink
    let extraCode: [Int32]

    /// One outcome of one step from a state.
    public struct Successor: Sendable {
        public enum Kind: Sendable, Equatable {
            case state
            /// An assert or overflow property failed during the step.
            case violation(String)
            /// A run-time error (index out of range, pop from empty, ...).
            case error(String)
        }
        public let step: TraceStep
        public let kind: Kind
        /// The state after the step (or at the failure).
        public let state: [Int64]
        /// For `.violation`: the assert or push that failed, and its macro chain.
        public var failRange: SourceRange? = nil
        public var failExpansion: [ExpansionSite] = []
        /// The `either` branches the step's path took: (node of the `either`, branch index).
        public var choices: [(node: Int, branch: Int)] = []
    }

    /// `expressions` are state predicates or terms (no `self`) that `evaluate` can compute.
    /// `properties` selects the asserts and overflows that fail a step, as in a run of the
    /// explorer with those properties (an unchecked overflow blocks the pusher).
    public init(model: Model, expressions: [Expr] = [], properties: PropertySelection = .all) throws(EngineError) {
        // The extra expressions are compiled as (unchecked) invariants of a copy of the model.
        let extended = Model(name: model.name, settings: model.settings, globals: model.globals, processes: model.processes,
                             invariants: model.invariants + expressions.enumerated().map { StateProperty(name: "#expr\($0.offset)", expr: $0.element, range: nil) },
                             reachables: model.reachables, liveness: model.liveness,
                             propertyBoundCount: model.propertyBoundCount, assertNames: model.assertNames,
                             overflowNames: model.overflowNames, symmetricTypes: model.symmetricTypes)
        self.model = model
        engine = try Engine(model: extended)
        sink = Sink(stateBytes: engine.stateBytes)
        extraCode = Array(engine.invariantCode.suffix(expressions.count))
        for (i, name) in engine.stepProperties.enumerated() { engine.stepEnabled[i] = properties.includes(name) }
        engine.recordChoices = true
    }

    /// The model's slot layout.
    public var layout: Layout { engine.layout }

    /// Every initial state.
    public func initialStates() -> [[Int64]] {
        let ex = try? Explorer(model: model)
        return ex?.traces.initialStates() ?? []
    }

    private func withPacked<T>(_ state: [Int64], _ body: (UnsafeRawPointer) -> T) -> T? {
        let buf = UnsafeMutableRawPointer.allocate(byteCount: engine.stateBytes, alignment: 8)
        defer { buf.deallocate() }
        guard state.count == engine.slotTypes.count, engine.pack(state, into: buf) else { return nil }
        return body(buf)
    }

    /// Every outcome of every enabled step (nil if `state` is not a valid state).
    public func successors(of state: [Int64]) -> [Successor]? {
        withPacked(state) { s in
            sink.choices = [:]
            engine.expand(s, into: sink)
            var out: [Successor] = []
            for o in 0..<sink.count {
                let inst = engine.instances[Int(sink.instances[o])]
                let pc = Int(engine.load(s, inst.pcSlot))
                let p = model.processes[inst.process]
                let step = TraceStep(process: ProcessID(inst.process), instance: inst.k, label: LabelID(pc),
                                     name: "\(engine.instanceNames[Int(sink.instances[o])]).\(p.labelName(LabelID(pc)))")
                let kind: Successor.Kind
                switch sink.kinds[o] {
                case .state: kind = .state
                case .violation: kind = .violation(engine.stepProperties[Int(sink.details[o])])
                case .error: kind = .error(engine.sites[Int(sink.details[o])].message)
                }
                var succ = Successor(step: step, kind: kind, state: engine.unpack(sink.state(o)))
                if let trail = sink.choices[o] {
                    succ.choices = stride(from: 0, to: trail.count - 1, by: 2).map { (Int(trail[$0]), Int(trail[$0 + 1])) }
                }
                if sink.kinds[o] == .violation {
                    let node = Int(sink.failNodes[o])
                    if node >= 0 && node < p.nodes.count {
                        succ.failRange = p.nodes[node].range
                        succ.failExpansion = p.nodes[node].expansion
                    }
                }
                out.append(succ)
            }
            return out
        }
    }

    /// The value of extra expression `index` in `state` (nil on a run-time error or an invalid state).
    public func evaluate(_ index: Int, in state: [Int64]) -> Int64? {
        withPacked(state) { s -> Int64? in
            engine.failed = false
            let v = engine.eval(extraCode[index], s)
            return engine.failed ? nil : v
        } ?? nil
    }

    /// Liveness property `index`'s predicates in `state` with its `forall` variables set
    /// to `values`: P, and Q for a `leadsto` (false otherwise); nil on a run-time error.
    public func livenessPredicates(_ index: Int, values: [Int64], in state: [Int64]) -> (p: Bool, q: Bool)? {
        let prop = model.liveness[index]
        guard values.count == prop.quantified.count else { return nil }
        for (q, v) in zip(prop.quantified, values) { engine.regs[q.bound] = v }
        let code = engine.livenessCode[index]
        return withPacked(state) { s -> (p: Bool, q: Bool)? in
            engine.failed = false
            let p = engine.eval(code.p, s) != 0
            if engine.failed { return nil }
            guard case .leadsTo = prop.form else { return (p, false) }
            let q = engine.eval(code.q, s) != 0
            return engine.failed ? nil : (p, q)
        } ?? nil
    }

    /// The value of invariant `index` of the model in `state`.
    public func invariantHolds(_ index: Int, in state: [Int64]) -> Bool? {
        withPacked(state) { s -> Bool? in
            engine.failed = false
            let v = engine.eval(engine.invariantCode[index], s)
            return engine.failed ? nil : v != 0
        } ?? nil
    }

    /// All reachable states, breadth-first, up to `limit` (nil if there are more).
    public func reachableStates(limit: Int) -> [[Int64]]? {
        var o = CheckOptions()
        o.properties = .only([])
        o.checkDeadlock = false
        o.checkLiveness = false
        o.symmetry = false
        o.maxStates = limit + 1
        guard let ex = try? Explorer(model: model, options: o) else { return nil }
        let r = ex.run()
        guard case .holds = r.verdict else { return nil }
        return (0..<ex.store.count).map { engine.unpack(ex.store.state($0)) }
    }
}

/// Where each variable's slots sit in a flattened state. Both back ends use it:
/// the explorer packs these slots into bytes, the Z3 encoder makes one constant per slot.
///
/// Order: every global in declaration order; then for each process template, for
/// each instance: its pc slot, then its locals in declaration order.
public struct Layout: Sendable {
    /// A named run of slots, for printing states.
    public struct Entry: Sendable {
        /// `closed`, `nfsd(0).batch`, `nfsd(0).pc`.
        public let name: String
        public let type: IRType
        public let offset: Int
        /// Set for pc slots: which process template (pc values are its `LabelID`s).
        public let pcOf: ProcessID?
        /// The variable is `ghost` (bookkeeping the kernel does not have).
        public var isGhost = false
        /// Names of some values of its leaves.
        public var valueNames: ValueNames? = nil
    }

    public let globalOffsets: [Int]
    /// `instanceBase[p][k]`: the pc slot of instance k of process p; its locals follow.
    public let instanceBase: [[Int]]
    /// `localOffsets[p][v]`: offset of local v from the instance's pc slot.
    public let localOffsets: [[Int]]
    public let entries: [Entry]
    public let slotCount: Int

    public init(_ model: Model) {
        var offset = 0
        var entries: [Entry] = []
        var g: [Int] = []
        for v in model.globals {
            g.append(offset)
            entries.append(Entry(name: v.name, type: v.type, offset: offset, pcOf: nil, isGhost: v.isGhost, valueNames: v.valueNames))
            offset += v.type.slotCount
        }
        var bases: [[Int]] = []
        var locals: [[Int]] = []
        for (pi, p) in model.processes.enumerated() {
            var lo: [Int] = []
            var rel = 1
            for v in p.locals { lo.append(rel); rel += v.type.slotCount }
            locals.append(lo)
            var b: [Int] = []
            for k in 0..<p.instanceCount {
                b.append(offset)
                let iname = p.instanceName(k)
                entries.append(Entry(name: "\(iname).pc", type: .range(lo: 0, hi: Int64(p.labels.count)),
                                     offset: offset, pcOf: ProcessID(pi)))
                for (vi, v) in p.locals.enumerated() {
                    entries.append(Entry(name: "\(iname).\(v.name)", type: v.type, offset: offset + lo[vi], pcOf: nil,
                                         isGhost: v.isGhost, valueNames: v.valueNames))
                }
                offset += rel
            }
            bases.append(b)
        }
        self.globalOffsets = g
        self.instanceBase = bases
        self.localOffsets = locals
        self.entries = entries
        self.slotCount = offset
    }

    /// The type of every slot, in order (pc slots as ranges over label ids).
    public func slotTypes(_ model: Model) -> [IRType] {
        var out = [IRType](repeating: .bool, count: slotCount)
        for e in entries { out.replaceSubrange(e.offset..<(e.offset + e.type.slotCount), with: e.type.slotTypes) }
        return out
    }
}

/// One step of a trace: which process instance ran which labelled step.
public struct TraceStep: Sendable {
    public let process: ProcessID
    public let instance: Int
    /// The label the step started at.
    public let label: LabelID
    /// `nfsd(1).flush`.
    public let name: String
    public init(process: ProcessID, instance: Int, label: LabelID, name: String) {
        self.process = process; self.instance = instance; self.label = label; self.name = name
    }
}

/// A counterexample or witness: states (flattened slots in `Layout` order) and the
/// steps between them (`steps.count == states.count - 1`, or `states.count` when the
/// last step failed inside: an assert, an overflow or a run-time error).
public struct Trace: Sendable {
    public var states: [[Int64]]
    public var steps: [TraceStep]
    /// For a liveness lasso: the index of the state where the cycle starts
    /// (the last state steps back to it).
    public var loopStart: Int?
    public init(states: [[Int64]], steps: [TraceStep], loopStart: Int? = nil) {
        self.states = states; self.steps = steps; self.loopStart = loopStart
    }
}

extension Model {
    /// For each slot in `Layout` order, the values it may start with: variables'
    /// initial values, and pc slots at the first label. Initial states are the
    /// cartesian product (shared by the explorer and the Z3 encoder).
    public func initialSlotChoices() -> [[Int64]] {
        var choices: [[Int64]] = []
        for g in globals { choices += g.initial }
        for p in processes {
            for _ in 0..<p.instanceCount {
                choices.append([0])
                for v in p.locals { choices += v.initial }
            }
        }
        return choices
    }
}

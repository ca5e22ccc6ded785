import WeaveSource

/// Index of a node in a process's control-flow graph.
public typealias NodeID = Int

/// The statements of a step's control-flow graph, over the expressions, places, fill
/// values and choice domains of one encoding: the IR's own (`Node.Kind`), and the
/// prover's every-N model's.
public enum StepNode<Expr, Place, Fill, Domain> {
    /// Assign a scalar (or whole set) value.
    case assign(Place, Expr, next: NodeID)
    /// Copy an aggregate (array or queue) of the same type.
    case copy(to: Place, from: Place, next: NodeID)
    /// Set every slot of an aggregate from the values (IR: flattened; queues: length then elements).
    case fill(Place, Fill, next: NodeID)
    /// Push onto a queue/stack; a full one is the violation `overflow(name)`.
    case push(Place, Expr, queueName: String, next: NodeID)
    /// Pop the front/top, optionally storing it.
    case pop(Place, into: Place?, next: NodeID)
    /// Disable this path of the step unless the condition holds.
    case await(Expr, next: NodeID)
    /// A violation named `message` unless the condition holds.
    case assert(Expr, message: String, next: NodeID)
    case branch(Expr, then: NodeID, else: NodeID)
    /// Nondeterministic choice between the successors.
    case either([NodeID])
    /// Bind register `bound` to each value of the domain in turn (disabled if empty).
    case choose(bound: Int, Domain, next: NodeID)
    /// Bind register `bound` (a `set<T>` of the domain's element type `T`) to each subset
    /// of the domain in turn: of the set's members, or of every value of the type. Never
    /// disabled (the empty set is a subset); the element type has at most 16 values.
    case chooseSubset(bound: Int, Domain, next: NodeID)
    case jump(NodeID)
    /// The process terminates.
    case done
}

extension StepNode: Sendable where Expr: Sendable, Place: Sendable, Fill: Sendable, Domain: Sendable {}

/// One instruction of a process body. A step runs nodes from its label's entry
/// until control reaches another label's entry (the next step's), `done`, or a
/// disabled `await`.
public struct Node: Sendable {
    public typealias Kind = StepNode<Expr, Place, [Int64], IRDomain>
    public let kind: Kind
    public let range: SourceRange?
    /// The macro calls the node's statement came through, innermost first.
    public var expansion: [ExpansionSite] = []
    public init(_ kind: Kind, _ range: SourceRange?) { self.kind = kind; self.range = range }
}

/// A label: where an atomic step starts.
public struct LabelInfo: Sendable {
    public let name: String
    /// A valid end state: waiting here forever is not a deadlock.
    public let isEnd: Bool
    public let entry: NodeID
    public let range: SourceRange?
    public init(name: String, isEnd: Bool, entry: NodeID, range: SourceRange?) {
        self.name = name; self.isEnd = isEnd; self.entry = entry; self.range = range
    }
}

/// Weak, strong or no fairness.
public enum FairnessKind: String, Sendable { case unfair, weak, strong }

/// A variable: global or process-local.
public struct Variable: Sendable {
    public let name: String
    public let type: IRType
    /// For each slot of the flattened type, the initial values it may take
    /// (several values mean several initial states: their cartesian product).
    public let initial: [[Int64]]
    public let range: SourceRange?
    /// Declared `ghost`: bookkeeping that properties and proofs use and the kernel does not
    /// have (the kernel view hides it, the text view marks it).
    public var isGhost = false
    /// Names for some values of the variable's leaves (`&work_exited` for -2).
    public var valueNames: ValueNames? = nil
    public init(name: String, type: IRType, initial: [[Int64]], range: SourceRange?) {
        self.name = name; self.type = type; self.initial = initial; self.range = range
    }
}

/// Names of values of one scalar type (`type Head = -2..8 names { -2: "&work_exited" }`):
/// every leaf of a variable whose type is `type` prints by its name.
public struct ValueNames: Sendable, Equatable {
    public let type: IRType
    public let names: [Int64: String]
    public init(type: IRType, names: [Int64: String]) { self.type = type; self.names = names }
}

/// A process template, instantiated once per value of `indexType` (or once if nil).
public struct Process: Sendable {
    public let name: String
    public let indexType: IRType?
    public let fairness: FairnessKind
    public let locals: [Variable]
    public let labels: [LabelInfo]
    /// `labelAt[node]` is the label whose entry `node` is, if any.
    public let labelAt: [LabelID?]
    public let nodes: [Node]
    /// Number of bound registers the body's `choose`s and quantifiers use.
    public let boundCount: Int
    public let range: SourceRange?

    public init(name: String, indexType: IRType?, fairness: FairnessKind, locals: [Variable],
                labels: [LabelInfo], nodes: [Node], boundCount: Int, range: SourceRange?) {
        self.name = name; self.indexType = indexType; self.fairness = fairness; self.locals = locals
        self.labels = labels; self.nodes = nodes; self.boundCount = boundCount; self.range = range
        var at = [LabelID?](repeating: nil, count: nodes.count)
        for (i, l) in labels.enumerated() where l.entry < nodes.count { at[l.entry] = LabelID(i) }
        self.labelAt = at
    }

    /// Number of instances.
    public var instanceCount: Int { indexType.map { Int($0.cardinality) } ?? 1 }

    /// The pc value meaning "terminated".
    public var doneLabel: LabelID { LabelID(labels.count) }

    /// The name of a pc value.
    public func labelName(_ l: LabelID) -> String { l.index < labels.count ? labels[l.index].name : "done" }

    /// `nfsd(1)` or `worker`.
    public func instanceName(_ k: Int) -> String {
        guard let t = indexType else { return name }
        return "\(name)(\(t.format(t.lowerBound + Int64(k))))"
    }
}

extension Process {
    /// Successor nodes of a node in the control-flow graph.
    public func successors(_ n: NodeID) -> [NodeID] {
        switch nodes[n].kind {
        case .assign(_, _, let x), .copy(_, _, let x), .fill(_, _, let x), .push(_, _, _, let x),
             .pop(_, _, let x), .await(_, let x), .assert(_, _, let x), .choose(_, _, let x),
             .chooseSubset(_, _, let x), .jump(let x):
            return [x]
        case .branch(_, let a, let b): return [a, b]
        case .either(let xs): return xs
        case .done: return []
        }
    }

    /// Indices of the labels reachable in the code from the first label
    /// (after params folded away the branches of other designs).
    public func reachableLabels() -> Set<Int> {
        guard let first = labels.first else { return [] }
        var seen = Set<NodeID>([first.entry])
        var work = [first.entry]
        while let n = work.popLast() {
            for s in successors(n) where seen.insert(s).inserted { work.append(s) }
        }
        return Set(labels.indices.filter { seen.contains(labels[$0].entry) })
    }
}

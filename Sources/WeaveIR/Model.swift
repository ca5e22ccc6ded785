import WeaveSource

/// An invariant or reachability target: a boolean state predicate.
public struct StateProperty: Sendable {
    public let name: String
    public let expr: Expr
    public let range: SourceRange?
    public init(name: String, expr: Expr, range: SourceRange?) { self.name = name; self.expr = expr; self.range = range }
}

/// A liveness property, checked under the model's fairness.
public struct LivenessProperty: Sendable {
    public enum Form: Sendable {
        /// Every fair run eventually reaches a state satisfying P.
        case eventually(Expr)
        /// Whenever P holds, Q holds then or later.
        case leadsTo(Expr, Expr)
        /// P holds infinitely often.
        case alwaysEventually(Expr)
    }
    public let name: String
    /// Bound registers and their types for `forall x: T:` prefixes (one property per value).
    public let quantified: [(bound: Int, type: IRType)]
    public let form: Form
    public let boundCount: Int
    public let range: SourceRange?
    public init(name: String, quantified: [(bound: Int, type: IRType)], form: Form, boundCount: Int, range: SourceRange?) {
        self.name = name; self.quantified = quantified; self.form = form; self.boundCount = boundCount; self.range = range
    }
}

/// A param or const as elaborated for this run.
public struct Setting: Sendable {
    public let name: String
    public let type: IRType
    public let value: Int64
    public let isParam: Bool
    public init(name: String, type: IRType, value: Int64, isParam: Bool) {
        self.name = name; self.type = type; self.value = value; self.isParam = isParam
    }
    /// `design=fput_sync`.
    public var description: String { "\(name)=\(type.format(value))" }
}

/// A fully elaborated model: what every back end consumes.
public struct Model: Sendable {
    public let name: String
    public let settings: [Setting]
    public let globals: [Variable]
    public let processes: [Process]
    public let invariants: [StateProperty]
    public let reachables: [StateProperty]
    public let liveness: [LivenessProperty]
    /// Bound registers that invariants, reachables and liveness predicates use.
    public let propertyBoundCount: Int
    /// Names of every assert message and `overflow(q)` property, in source order.
    public let assertNames: [String]
    public let overflowNames: [String]
    /// The types declared `symmetric` (see `IRType.symmetric`), in declaration order:
    /// permuting the values of any of them maps a state to an equivalent one.
    public let symmetricTypes: [IRType]

    public init(name: String, settings: [Setting], globals: [Variable], processes: [Process],
                invariants: [StateProperty], reachables: [StateProperty], liveness: [LivenessProperty],
                propertyBoundCount: Int, assertNames: [String], overflowNames: [String], symmetricTypes: [IRType] = []) {
        self.symmetricTypes = symmetricTypes
        self.name = name; self.settings = settings; self.globals = globals; self.processes = processes
        self.invariants = invariants; self.reachables = reachables; self.liveness = liveness
        self.propertyBoundCount = propertyBoundCount
        self.assertNames = assertNames; self.overflowNames = overflowNames
    }

    /// The names of the properties every model has, and of a queue's bound, as `PropertyID`
    /// spells them (for code that handles names; compare `PropertyID`s, not wording).
    public static let deadlockProperty = PropertyID.deadlock.name
    public static let runtimeErrorProperty = PropertyID.runtimeError.name
    /// `overflow(q)`: the bound of queue or stack `q`.
    public static func overflowProperty(_ queue: String) -> String { PropertyID.overflow(queue).name }
    /// Whether a step property is a queue's bound (`overflow(q)`), not an assert's message.
    public static func isOverflowProperty(_ name: String) -> Bool { PropertyID(name).isOverflow }

    /// Every property name a user can select (`runtime error`: no step hits a run-time error).
    public var propertyNames: [String] {
        invariants.map(\.name) + reachables.map(\.name) + liveness.map(\.name) + assertNames + overflowNames + [Model.deadlockProperty, Model.runtimeErrorProperty]
    }
}

extension Model {
    /// Where a step property is checked: the `assert` with message `name`, or the push
    /// onto the queue `q` for `overflow(q)`. Both engines name a failing step this way.
    public func siteRange(forViolation name: String) -> SourceRange? {
        for p in processes {
            for n in p.nodes {
                switch n.kind {
                case .assert(_, let m, _) where m == name: return n.range
                case .push(_, _, let q, _) where q == name: return n.range
                default: continue
                }
            }
        }
        return nil
    }
}

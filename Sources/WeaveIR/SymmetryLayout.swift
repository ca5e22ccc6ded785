/// How permuting the values of a model's symmetric types acts on its flattened states.
///
/// A permutation `π` (one per symmetric type) moves and rewrites slots:
/// - the elements of an array indexed by a symmetric type move: element `i` to `π(i)`;
/// - the instances of a process family indexed by one move: instance `k`'s pc and
///   locals to instance `π(k)`'s;
/// - a slot holding a value `v` of one becomes `π(v)`; a set over one has its bits
///   permuted; a queue's elements are rewritten below its length (unused element
///   slots stay 0, as the explorer keeps them).
/// Everything else is copied. Because the language admits only `==`/`!=` on symmetric
/// values and no literals of them in steps or properties, the transition relation and
/// every property commute with this action: states in one orbit are equivalent.
public struct SymmetryLayout: Sendable {
    /// What a slot holds, as far as permutations are concerned.
    public enum SlotKind: Sendable, Equatable {
        case plain
        /// The ordinal of a value of symmetric type `group`.
        case value(group: Int)
        /// A bitmask over the ordinals of symmetric type `group`.
        case set(group: Int)
        /// Element `index` (from 0) of a queue of `group` values; the queue's length
        /// slot is `index + 1` slots before it.
        case queueElement(group: Int, index: Int)
    }

    /// The symmetric types, as in `Model.symmetricTypes`.
    public let types: [IRType]
    /// Number of values of each symmetric type.
    public let sizes: [Int]
    /// One per slot, in `Layout` order.
    public let slotKinds: [SlotKind]
    let model: Model
    let layout: Layout

    public init(model: Model, layout: Layout) {
        self.model = model
        self.layout = layout
        types = model.symmetricTypes
        sizes = model.symmetricTypes.map { Int($0.cardinality) }
        var kinds = [SlotKind](repeating: .plain, count: layout.slotCount)
        let groupOf: (IRType) -> Int? = { t in model.symmetricTypes.firstIndex(of: t) }
        func mark(_ t: IRType, _ at: Int) {
            switch t {
            case .bool, .range, .enumeration:
                if let g = groupOf(t) { kinds[at] = .value(group: g) }
            case .set(let e):
                if let g = groupOf(e) { kinds[at] = .set(group: g) }
            case .array(let i, let e):
                for k in 0..<Int(i.cardinality) { mark(e, at + k * e.slotCount) }
            case .queue(let e, let c, _):
                if let g = groupOf(e) {
                    for k in 0..<c { kinds[at + 1 + k] = .queueElement(group: g, index: k) }
                }
            }
        }
        for e in layout.entries where e.pcOf == nil { mark(e.type, e.offset) }
        slotKinds = kinds
    }

    /// True when the model declares no symmetric type that anything uses.
    public var isTrivial: Bool { types.isEmpty }

    /// Where each slot's content goes under `perm` (`perm[g][v]` is the image of ordinal
    /// `v` of symmetric type `g`): `result[j]` is the destination slot of slot `j`.
    public func destinations(_ perm: [[Int]]) -> [Int] {
        var dest = Array(0..<layout.slotCount)
        func image(_ t: IRType, _ k: Int) -> Int {
            guard let g = types.firstIndex(of: t) else { return k }
            return perm[g][k]
        }
        func walk(_ t: IRType, _ from: Int, _ to: Int) {
            switch t {
            case .array(let i, let e):
                let n = e.slotCount
                for k in 0..<Int(i.cardinality) { walk(e, from + k * n, to + image(i, k) * n) }
            default:
                for k in 0..<t.slotCount { dest[from + k] = to + k }
            }
        }
        for (gi, g) in model.globals.enumerated() {
            walk(g.type, layout.globalOffsets[gi], layout.globalOffsets[gi])
        }
        for (pi, p) in model.processes.enumerated() {
            for k in 0..<p.instanceCount {
                let k2 = p.indexType.map { image($0, k) } ?? k
                let from = layout.instanceBase[pi][k], to = layout.instanceBase[pi][k2]
                dest[from] = to
                for (vi, v) in p.locals.enumerated() {
                    walk(v.type, from + layout.localOffsets[pi][vi], to + layout.localOffsets[pi][vi])
                }
            }
        }
        return dest
    }
}

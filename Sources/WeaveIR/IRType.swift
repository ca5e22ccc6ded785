/// A model's types after elaboration: every size is a number.
///
/// Every value flattens to *slots*: a scalar (bool, range, enum) is one slot
/// holding an `Int64`; a set is one slot holding a bitmask; an array is its
/// elements' slots in index order; a queue or stack is one length slot followed
/// by `capacity` element slots (unused ones are 0, so equal queues have equal slots).
public indirect enum IRType: Hashable, Sendable {
    case bool
    /// Integers `lo...hi`.
    case range(lo: Int64, hi: Int64)
    /// An enum: values are ordinals `0..<members.count`.
    case enumeration(name: String, members: [String])
    /// `[index] element`; `index` is a finite scalar.
    case array(index: IRType, element: IRType)
    /// A subset of a finite scalar type with at most 64 values, as a bitmask of ordinals.
    case set(element: IRType)
    /// A bounded FIFO (`lifo == false`) or LIFO of scalars.
    case queue(element: IRType, capacity: Int, lifo: Bool)

    /// True for bool, ranges and enums.
    public var isScalar: Bool {
        switch self {
        case .bool, .range, .enumeration: return true
        default: return false
        }
    }

    /// Number of values of a scalar type (0 for aggregates).
    public var cardinality: Int64 {
        switch self {
        case .bool: return 2
        case .range(let lo, let hi): return hi >= lo ? hi &- lo &+ 1 : 0
        case .enumeration(_, let m): return Int64(m.count)
        default: return 0
        }
    }

    /// The smallest value of a scalar type (its ordinal 0).
    public var lowerBound: Int64 {
        if case .range(let lo, _) = self { return lo }
        return 0
    }

    /// The largest value of a scalar type.
    public var upperBound: Int64 { lowerBound &+ cardinality &- 1 }

    /// Whether `v` is a value of this scalar type.
    public func contains(_ v: Int64) -> Bool { v >= lowerBound && v <= upperBound }

    /// Number of slots a value of this type occupies.
    public var slotCount: Int {
        switch self {
        case .bool, .range, .enumeration, .set: return 1
        case .array(let i, let e): return Int(i.cardinality) * e.slotCount
        case .queue(let e, let c, _): return 1 + c * e.slotCount
        }
    }

    /// The type of each of this type's slots, in order (a queue's length slot is `0...capacity`).
    public var slotTypes: [IRType] {
        switch self {
        case .bool, .range, .enumeration, .set: return [self]
        case .array(let i, let e):
            let one = e.slotTypes
            return Array([[IRType]](repeating: one, count: Int(i.cardinality)).joined())
        case .queue(let e, let c, _):
            return [.range(lo: 0, hi: Int64(c))] + [IRType](repeating: e, count: c)
        }
    }

    /// How a value prints: `true`, `3`, `fput_sync`, `{0, 2}`.
    public func format(_ v: Int64) -> String {
        switch self {
        case .bool: return v != 0 ? "true" : "false"
        case .range: return String(v)
        case .enumeration(_, let m): return v >= 0 && v < m.count ? m[Int(v)] : "?\(v)"
        case .set(let e):
            var items: [String] = []
            for k in 0..<Int(min(64, e.cardinality)) where (UInt64(bitPattern: v) >> UInt64(k)) & 1 == 1 {
                items.append(e.format(e.lowerBound + Int64(k)))
            }
            return "{" + items.joined(separator: ", ") + "}"
        default: return String(v)
        }
    }

    /// Formats a flattened aggregate value from its slots.
    public func format(slots: ArraySlice<Int64>) -> String { format(slots: slots, names: nil) }

    /// Like `format(slots:)`, with the leaves of type `names.type` printed by their names.
    public func format(slots: ArraySlice<Int64>, names: ValueNames?) -> String {
        if let names, self == names.type { let v = slots.first ?? 0; return names.names[v] ?? format(v) }
        switch self {
        case .bool, .range, .enumeration, .set:
            return format(slots.first ?? 0)
        case .array(let i, let e):
            let n = e.slotCount
            var parts: [String] = []
            var k = slots.startIndex
            for _ in 0..<i.cardinality {
                parts.append(e.format(slots: slots[k..<(k + n)], names: names))
                k += n
            }
            return "[" + parts.joined(separator: ", ") + "]"
        case .queue(let e, _, _):
            let len = Int(slots.first ?? 0)
            var parts: [String] = []
            var k = slots.startIndex + 1
            for _ in 0..<len where k < slots.endIndex {
                parts.append(e.format(slots: slots[k..<(k + 1)], names: names))
                k += 1
            }
            return "<" + parts.joined(separator: ", ") + ">"
        }
    }

    /// The type as the language writes it.
    public var description: String {
        switch self {
        case .bool: return "bool"
        case .range(let lo, let hi): return "\(lo)..\(hi)"
        case .enumeration(let n, let m): return n.isEmpty ? "enum { \(m.joined(separator: ", ")) }" : n
        case .array(let i, let e): return "[\(i.description)] \(e.description)"
        case .set(let e): return "set<\(e.description)>"
        case .queue(let e, let c, let lifo): return "\(lifo ? "stack" : "queue")<\(e.description), \(c)>"
        }
    }
}

extension IRType {
    /// A `symmetric LO..HI` type named `name` (a scalarset): an enumeration whose members
    /// are the numerals LO...HI. Its values are ordinals like an enum's, print as the
    /// integers they were declared as, and (like an enum's) admit only `==` and `!=`.
    public static func symmetric(name: String, lo: Int64, hi: Int64) -> IRType {
        .enumeration(name: name, members: (lo...hi).map { String($0) })
    }

    /// The name of a symmetric type (nil for any other type). Enum members are
    /// identifiers, never numerals, so the members tell the two apart.
    public var symmetricName: String? {
        guard case .enumeration(let n, let m) = self, let first = m.first, Int64(first) != nil else { return nil }
        return n
    }
}

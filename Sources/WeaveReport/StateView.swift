import WeaveIR

/// Names and printed values of a model's variables in a flattened state.
public struct StateView {
    public let model: Model
    public let layout: Layout

    /// Printed names of the `ghost` variables.
    let ghosts: Set<String>

    public init(model: Model) {
        self.model = model
        self.layout = Layout(model)
        ghosts = Set(layout.entries.filter(\.isGhost).map(\.name))
    }

    /// `(name, printed value)` for every variable and pc, in layout order.
    public func variables(_ slots: [Int64]) -> [(String, String)] {
        layout.entries.map { e in (e.name, format(e, slots)) }
    }

    func format(_ e: Layout.Entry, _ slots: [Int64]) -> String {
        let n = e.type.slotCount
        guard e.offset + n <= slots.count else { return "?" }
        if let pid = e.pcOf {
            return model.processes[pid.index].labelName(LabelID(Int(slots[e.offset])))
        }
        return e.type.format(slots: slots[e.offset..<(e.offset + n)], names: e.valueNames)
    }

    /// Whether a variable (by its printed name, `nfsd(0).mine`) is `ghost`.
    public func isGhost(_ name: String) -> Bool { ghosts.contains(name) }

    /// `name = value`, marked when the variable is ghost bookkeeping.
    public func line(_ name: String, _ value: String) -> String {
        "\(name) = \(value)" + (ghosts.contains(name) ? "   (ghost)" : "")
    }

    /// The variables whose printed value differs between two states.
    public func changes(from a: [Int64], to b: [Int64]) -> [(String, String)] {
        var out: [(String, String)] = []
        for e in layout.entries {
            let n = e.type.slotCount
            guard e.offset + n <= a.count, e.offset + n <= b.count else { continue }
            if a[e.offset..<(e.offset + n)] != b[e.offset..<(e.offset + n)] { out.append((e.name, format(e, b))) }
        }
        return out
    }

    /// A variable's value as ITF JSON (`{"#bigint": "3"}`, sets as `#set`, arrays as `#map`, queues as lists).
    public func itfValue(_ e: Layout.Entry, _ slots: [Int64]) -> JSON {
        if let pid = e.pcOf { return .string(model.processes[pid.index].labelName(LabelID(Int(slots[e.offset])))) }
        return itf(e.type, slots[e.offset..<(e.offset + e.type.slotCount)])
    }

    func itf(_ t: IRType, _ s: ArraySlice<Int64>) -> JSON {
        let v = s.first ?? 0
        switch t {
        case .bool: return .bool(v != 0)
        case .range: return .object([("#bigint", .string(String(v)))])
        case .enumeration: return .string(t.format(v))
        case .set(let el):
            var items: [JSON] = []
            for k in 0..<Int(min(64, el.cardinality)) where (UInt64(bitPattern: v) >> UInt64(k)) & 1 == 1 {
                items.append(itf(el, [el.lowerBound + Int64(k)][...]))
            }
            return .object([("#set", .array(items))])
        case .array(let i, let e):
            var pairs: [JSON] = []
            var k = s.startIndex
            for j in 0..<i.cardinality {
                pairs.append(.array([itf(i, [i.lowerBound + j][...]), itf(e, s[k..<(k + e.slotCount)])]))
                k += e.slotCount
            }
            return .object([("#map", .array(pairs))])
        case .queue(let e, _, _):
            let len = Int(v)
            var items: [JSON] = []
            var k = s.startIndex + 1
            for _ in 0..<len where k < s.endIndex {
                items.append(itf(e, s[k..<(k + 1)]))
                k += 1
            }
            return .array(items)
        }
    }
}

import WeaveIR

/// The flattened shape of a model's state: a readable name and a type for every
/// slot, and where the queues are (their unused element slots are canonical: they
/// hold the element type's lowest value, as the explorer stores raw 0 there).
struct StateShape {
    struct QueueInfo {
        /// The length slot; elements follow.
        let base: Int
        let capacity: Int
        let element: IRType
    }

    let names: [String]
    let types: [IRType]
    let queues: [QueueInfo]

    init(model: Model, layout: Layout) {
        var names = [String](repeating: "", count: layout.slotCount)
        var queues: [QueueInfo] = []
        func walk(_ name: String, _ t: IRType, _ at: Int) {
            switch t {
            case .bool, .range, .enumeration, .set:
                names[at] = name
            case .array(let i, let e):
                for k in 0..<Int(i.cardinality) {
                    walk("\(name)[\(i.format(i.lowerBound + Int64(k)))]", e, at + k * e.slotCount)
                }
            case .queue(let e, let c, _):
                names[at] = "\(name).len"
                for k in 0..<c { names[at + 1 + k] = "\(name)#\(k)" }
                queues.append(QueueInfo(base: at, capacity: c, element: e))
            }
        }
        for e in layout.entries { walk(e.name, e.type, e.offset) }
        self.names = names
        self.types = layout.slotTypes(model)
        self.queues = queues
    }
}

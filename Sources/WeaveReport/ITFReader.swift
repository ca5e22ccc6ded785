import Foundation
import WeaveIR

/// A trace read back from the Informal Trace Format (the inverse of `Reporter.itf`), for
/// `weave replay`: the saved states by variable name, the step names, the lasso's loop,
/// and what `#meta` says the trace shows (property, kind, description, settings).
public struct ITFTrace {
    public var vars: [String]
    public var states: [[String: Any]]
    public var actions: [String?]
    public var loop: Int?
    public var property: String?
    public var kind: String?
    public var description: String?
    public var settings: [String: String]

    /// Why a file or a value is not what ITF needs.
    public struct ReadError: Error {
        public let message: String
        public init(message: String) { self.message = message }
    }

    /// The violation kind `#meta` names, if it names a known one.
    public var violationKind: ViolationKind? { kind.flatMap(ViolationKind.init(rawValue:)) }

    public static func parse(_ data: Data) -> Result<ITFTrace, ReadError> {
        guard let top = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            return .failure(ReadError(message: "not a JSON object"))
        }
        guard let states = top["states"] as? [[String: Any]], !states.isEmpty else {
            return .failure(ReadError(message: "no \"states\" list"))
        }
        let meta = top["#meta"] as? [String: Any] ?? [:]
        var vars = top["vars"] as? [String] ?? []
        if vars.isEmpty { vars = states[0].keys.filter { $0 != "#meta" }.sorted() }
        var actions: [String?] = []
        for st in states.dropFirst() {
            let a = (st["#meta"] as? [String: Any])?["action"] as? String
            actions.append(a)
        }
        var settings: [String: String] = [:]
        for (k, v) in meta["settings"] as? [String: Any] ?? [:] {
            if let s = v as? String { settings[k] = s }
        }
        let loop = (top["loop"] as? NSNumber)?.intValue
        if let l = loop, l < 0 || l >= states.count { return .failure(ReadError(message: "\"loop\" \(l) is not a state index")) }
        return .success(ITFTrace(vars: vars, states: states, actions: actions, loop: loop,
                                 property: meta["property"] as? String, kind: meta["kind"] as? String,
                                 description: meta["description"] as? String, settings: settings))
    }

    /// An ITF value as the slots of a variable (the inverse of `StateView.itfValue`).
    public static func decode(_ raw: Any, entry e: Layout.Entry, model: Model) -> Result<[Int64], ReadError> {
        if let pid = e.pcOf {
            let p = model.processes[pid.index]
            guard let name = raw as? String else { return .failure(ReadError(message: "a label name expected")) }
            if name == "done" { return .success([Int64(p.labels.count)]) }
            guard let i = p.labels.firstIndex(where: { $0.name == name }) else {
                return .failure(ReadError(message: "no label '\(name)' in \(p.name) now"))
            }
            return .success([Int64(i)])
        }
        return decodeValue(raw, e.type)
    }

    static func decodeValue(_ raw: Any, _ t: IRType) -> Result<[Int64], ReadError> {
        func bad(_ why: String) -> Result<[Int64], ReadError> { .failure(ReadError(message: why)) }
        switch t {
        case .bool:
            if let b = raw as? Bool { return .success([b ? 1 : 0]) }
            return bad("a bool expected")
        case .range:
            var v: Int64? = nil
            if let o = raw as? [String: Any], let s = o["#bigint"] as? String { v = Int64(s) }
            else if let n = raw as? NSNumber { v = n.int64Value }
            guard let x = v else { return bad("an integer expected") }
            guard t.contains(x) else { return bad("\(x) is not in \(t.description)") }
            return .success([x])
        case .enumeration(_, let members):
            guard let s = raw as? String else { return bad("a name expected") }
            guard let i = members.firstIndex(of: s) else { return bad("'\(s)' is not a value of \(t.description)") }
            return .success([Int64(i)])
        case .set(let el):
            guard let o = raw as? [String: Any], let items = o["#set"] as? [Any] else { return bad("a #set expected") }
            var mask: UInt64 = 0
            for it in items {
                switch decodeValue(it, el) {
                case .success(let v): mask |= 1 << UInt64(v[0] - el.lowerBound)
                case .failure(let e): return .failure(e)
                }
            }
            return .success([Int64(bitPattern: mask)])
        case .array(let idx, let el):
            guard let o = raw as? [String: Any], let pairs = o["#map"] as? [[Any]] else { return bad("a #map expected") }
            var slots = [Int64](repeating: 0, count: t.slotCount)
            var seen = Set<Int64>()
            for pair in pairs {
                guard pair.count == 2 else { return bad("a #map entry is not a [key, value] pair") }
                guard case .success(let k) = decodeValue(pair[0], idx) else { return bad("a key is not in \(idx.description)") }
                let v: [Int64]
                switch decodeValue(pair[1], el) {
                case .success(let x): v = x
                case .failure(let e): return .failure(e)
                }
                let at = Int(k[0] - idx.lowerBound) * el.slotCount
                slots.replaceSubrange(at..<(at + el.slotCount), with: v)
                seen.insert(k[0])
            }
            guard seen.count == Int(idx.cardinality) else { return bad("the #map has \(seen.count) of \(idx.cardinality) keys") }
            return .success(slots)
        case .queue(let el, let cap, _):
            guard let items = raw as? [Any] else { return bad("a list expected") }
            guard items.count <= cap else { return bad("\(items.count) items, more than the capacity \(cap)") }
            var slots: [Int64] = [Int64(items.count)]
            for it in items {
                switch decodeValue(it, el) {
                case .success(let v): slots += v
                case .failure(let e): return .failure(e)
                }
            }
            slots += [Int64](repeating: 0, count: cap - items.count)
            return .success(slots)
        }
    }
}

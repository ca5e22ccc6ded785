/// A JSON value that serialises with its keys in insertion order (stable output
/// for golden files and diffs).
public indirect enum JSON: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    /// Compact or indented text.
    public func serialized(pretty: Bool = false, indent: String = "") -> String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let v): return String(v)
        case .double(let d): return d.isFinite ? String(format3(d)) : "null"
        case .string(let s): return JSON.quote(s)
        case .array(let xs):
            if xs.isEmpty { return "[]" }
            if !pretty { return "[" + xs.map { $0.serialized() }.joined(separator: ",") + "]" }
            let inner = indent + "  "
            return "[\n" + xs.map { inner + $0.serialized(pretty: true, indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let kv):
            if kv.isEmpty { return "{}" }
            if !pretty { return "{" + kv.map { JSON.quote($0.0) + ":" + $0.1.serialized() }.joined(separator: ",") + "}" }
            let inner = indent + "  "
            return "{\n" + kv.map { inner + JSON.quote($0.0) + ": " + $0.1.serialized(pretty: true, indent: inner) }
                .joined(separator: ",\n") + "\n\(indent)}"
        }
    }

    private func format3(_ d: Double) -> String {
        let r = (d * 1000).rounded() / 1000
        if r == r.rounded(), abs(r) < 1e15 { return String(Int64(r)) }
        return String(r)
    }

    /// A JSON string literal.
    public static func quote(_ s: String) -> String {
        "\"" + s.escaped(escapes) { u in u.value < 0x20 ? String(format4: u.value) : nil } + "\""
    }
    static let escapes: [Unicode.Scalar: String] = ["\"": "\\\"", "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"]
}

extension String {
    init(format4 v: UInt32) {
        let hex = String(v, radix: 16)
        self = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }
}

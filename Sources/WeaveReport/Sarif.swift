/// SARIF 2.1.0 for `weave ci --sarif`: each expectation whose outcome differs is a
/// result at the model's `expect` line, so code scanning shows it in the diff.
public enum Sarif {
    /// One failed expectation.
    public struct Finding: Sendable {
        /// A path relative to the repository root, as `weave ci` was given it.
        public let file: String
        public let line: Int
        public let column: Int
        public let message: String
        public init(file: String, line: Int, column: Int, message: String) {
            self.file = file; self.line = line; self.column = column; self.message = message
        }
    }

    public static let ruleID = "weave/expectation"

    public static func render(_ findings: [Finding], toolVersion: String = "0.1") -> String {
        let rule: JSON = .object([
            ("id", .string(ruleID)),
            ("name", .string("ExpectationMismatch")),
            ("shortDescription", .object([("text", .string("A model's declared verdict does not hold"))])),
            ("fullDescription", .object([("text", .string(
                "An `expect` line of a Weave model states what the checker must find for some settings; the checker found something else."))])),
            ("defaultConfiguration", .object([("level", .string("error"))])),
        ])
        let results: [JSON] = findings.map { f in
            .object([
                ("ruleId", .string(ruleID)),
                ("ruleIndex", .int(0)),
                ("level", .string("error")),
                ("message", .object([("text", .string(f.message))])),
                ("locations", .array([.object([
                    ("physicalLocation", .object([
                        ("artifactLocation", .object([("uri", .string(uri(f.file))), ("uriBaseId", .string("%SRCROOT%"))])),
                        ("region", .object([("startLine", .int(Int64(max(1, f.line)))), ("startColumn", .int(Int64(max(1, f.column))))])),
                    ])),
                ])])),
            ])
        }
        let run: JSON = .object([
            ("tool", .object([("driver", .object([
                ("name", .string("weave")),
                ("version", .string(toolVersion)),
                ("rules", .array([rule])),
            ]))])),
            ("columnKind", .string("unicodeCodePoints")),
            ("results", .array(results)),
        ])
        let top: JSON = .object([
            ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
            ("version", .string("2.1.0")),
            ("runs", .array([run])),
        ])
        return top.serialized(pretty: true) + "\n"
    }

    /// A relative path as a URI reference: `./` dropped, spaces and `%` percent-encoded.
    static func uri(_ path: String) -> String {
        var p = Substring(path)
        while p.hasPrefix("./") { p = p.dropFirst(2) }
        var out = ""
        for c in p.unicodeScalars {
            switch c {
            case " ": out += "%20"
            case "%": out += "%25"
            case "#": out += "%23"
            case "?": out += "%3F"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}

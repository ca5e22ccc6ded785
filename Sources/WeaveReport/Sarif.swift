import Foundation
import WeaveSource

/// SARIF 2.1.0 for `weave ci --sarif`: each expectation whose outcome differs is a
/// result at the model's `expect` line, so code scanning shows it in the diff; a model
/// that does not load is a result at each of its errors; an expectation not run is a
/// result at its `expect` line too.
public enum Sarif {
    /// What a result reports.
    public enum Rule: Int, Sendable, CaseIterable {
        /// An expectation's outcome differs from the declared one.
        case expectation
        /// A model file does not load (parse, type or import error).
        case modelError
        /// An expectation was not run (the run was interrupted or did not finish), or a model declares none.
        case notRun

        public var id: String {
            switch self {
            case .expectation: return "weave/expectation"
            case .modelError: return "weave/model-error"
            case .notRun: return "weave/not-run"
            }
        }

        var name: String {
            switch self {
            case .expectation: return "ExpectationMismatch"
            case .modelError: return "ModelError"
            case .notRun: return "NotRun"
            }
        }

        var short: String {
            switch self {
            case .expectation: return "A model's declared verdict does not hold"
            case .modelError: return "A model does not load"
            case .notRun: return "An expectation was not checked"
            }
        }

        var full: String {
            switch self {
            case .expectation:
                return "An `expect` line of a Weave model states what the checker must find for some settings; the checker found something else."
            case .modelError:
                return "A model file, or a file it imports, has a parse, type or import error, so none of its expectations could be checked."
            case .notRun:
                return "The run stopped (interrupted, or it did not finish) before this expectation was checked, or the model declares no expectation at all."
            }
        }

        var defaultLevel: String { self == .notRun ? "warning" : "error" }
    }

    /// One result.
    public struct Finding: Sendable {
        /// A path relative to the repository root, as `weave ci` was given it.
        public let file: String
        public let line: Int
        public let column: Int
        public let message: String
        public let rule: Rule
        /// "error" or "warning"; the rule's default unless given.
        public let level: String
        public init(file: String, line: Int, column: Int, message: String, rule: Rule = .expectation, level: String? = nil) {
            self.file = file; self.line = line; self.column = column; self.message = message
            self.rule = rule
            self.level = level ?? rule.defaultLevel
        }
    }

    /// How the run went, for the SARIF `invocations` entry: whether it checked everything
    /// it was asked to, and why not.
    public struct Invocation: Sendable {
        public let successful: Bool
        /// Error notifications ("interrupted (SIGINT): 3 expectations were not run").
        public let notifications: [String]
        public init(successful: Bool, notifications: [String]) {
            self.successful = successful
            self.notifications = notifications
        }
    }

    public static let ruleID = Rule.expectation.id

    public static func render(_ findings: [Finding], toolVersion: String = "0.1", invocation: Invocation? = nil) -> String {
        // The rules the results use (the expectation rule always), in a fixed order.
        let used = Set(findings.map(\.rule)).union([.expectation])
        let rules = Rule.allCases.filter { used.contains($0) }
        let ruleObjects: [JSON] = rules.map { rule in
            .object([
                ("id", .string(rule.id)),
                ("name", .string(rule.name)),
                ("shortDescription", .object([("text", .string(rule.short))])),
                ("fullDescription", .object([("text", .string(rule.full))])),
                ("defaultConfiguration", .object([("level", .string(rule.defaultLevel))])),
            ])
        }
        let results: [JSON] = findings.map { f in
            .object([
                ("ruleId", .string(f.rule.id)),
                ("ruleIndex", .int(Int64(rules.firstIndex(of: f.rule) ?? 0))),
                ("level", .string(f.level)),
                ("message", .object([("text", .string(f.message))])),
                ("locations", .array([.object([
                    ("physicalLocation", .object([
                        ("artifactLocation", .object([("uri", .string(uri(f.file))), ("uriBaseId", .string("%SRCROOT%"))])),
                        ("region", .object([("startLine", .int(Int64(max(1, f.line)))), ("startColumn", .int(Int64(max(1, f.column))))])),
                    ])),
                ])])),
            ])
        }
        var runFields: [(String, JSON)] = [
            ("tool", .object([("driver", .object([
                ("name", .string("weave")),
                ("version", .string(toolVersion)),
                ("rules", .array(ruleObjects)),
            ]))])),
        ]
        if let invocation {
            var fields: [(String, JSON)] = [("executionSuccessful", .bool(invocation.successful))]
            if !invocation.notifications.isEmpty {
                fields.append(("toolExecutionNotifications", .array(invocation.notifications.map { text in
                    .object([("level", .string("error")), ("message", .object([("text", .string(text))]))])
                })))
            }
            runFields.append(("invocations", .array([.object(fields)])))
        }
        runFields.append(("columnKind", .string("unicodeCodePoints")))
        runFields.append(("results", .array(results)))
        let top: JSON = .object([
            ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
            ("version", .string("2.1.0")),
            ("runs", .array([.object(runFields)])),
        ])
        return top.serialized(pretty: true) + "\n"
    }

    /// A relative path as a URI reference: `./` dropped, spaces and `%` percent-encoded.
    static func uri(_ path: String) -> String {
        var p = Substring(path)
        while p.hasPrefix("./") { p = p.dropFirst(2) }
        return String(p).escaped(uriEscapes)
    }
    static let uriEscapes: [Unicode.Scalar: String] = [" ": "%20", "%": "%25", "#": "%23", "?": "%3F"]
}

extension Sarif {
    /// The SARIF results of a `weave ci` run: every expectation whose outcome differs, at its
    /// `expect` line; every error of a model that does not load, at its position; every
    /// expectation not run, at its `expect` line (a warning when interrupted, an error when
    /// the run did not finish); a model with no expectation, as a warning at its first line.
    public static func findings(_ rows: [CaseResult]) -> [Finding] {
        var out: [Finding] = []
        for r in rows {
            switch r.status {
            case .passed:
                continue
            case .failed:
                let (file, line, column) = place(r)
                var message = "expected \(r.expected) \(r.property) [\(r.settings)], got \(r.got)"
                if !r.detail.isEmpty { message += ": " + r.detail }
                out.append(Finding(file: file, line: line, column: column, message: message))
            case .error where r.diagnostics.isEmpty:
                let (file, line, column) = place(r)
                let what = r.expected.isEmpty ? "" : "\(r.expected) \(r.property) [\(r.settings)]: "
                out.append(Finding(file: file, line: line, column: column, message: what + r.detail,
                                   rule: r.got == "not run" ? .notRun : .modelError, level: "error"))
            case .error:
                let shown = r.diagnostics.prefix(Diagnostic.listingLimit)
                for (i, d) in shown.enumerated() {
                    var message = Diagnostic.visible(d.message)
                    for n in d.notes { message += "\nnote: " + Diagnostic.visible(n) }
                    if i == shown.count - 1 && r.diagnostics.count > shown.count {
                        message += "\n(and \(r.diagnostics.count - shown.count) more errors in \(r.file))"
                    }
                    let (file, line, column) = position(d, fallback: r.file)
                    out.append(Finding(file: file, line: line, column: column, message: message, rule: .modelError))
                }
            case .notRun:
                let (file, line, column) = place(r)
                let what = r.expected.isEmpty ? "" : "expected \(r.expected) \(r.property) [\(r.settings)]: "
                out.append(Finding(file: file, line: line, column: column, message: what + r.detail, rule: .notRun))
            }
        }
        return out
    }

    /// A case's file, line and column as its location prints them (the file itself, at 1:1,
    /// when the case has no range).
    static func place(_ r: CaseResult) -> (String, Int, Int) {
        guard let range = r.range else { return (r.file, 1, 1) }
        let (line, column) = range.file.lineColumn(range.start)
        return (range.file.path, line, column)
    }

    /// A diagnostic's file, line and column in Unicode code points (SARIF's `columnKind`).
    static func position(_ d: Diagnostic, fallback: String) -> (String, Int, Int) {
        guard let r = d.range else { return (fallback, 1, 1) }
        let (line, _) = r.file.lineColumn(r.start)
        let start = r.file.lineStarts[line - 1]
        let end = min(max(start, r.start), r.file.bytes.count)
        let column = String(decoding: r.file.bytes[start..<end], as: UTF8.self).unicodeScalars.count + 1
        return (relative(r.file.path), line, column)
    }

    /// An imported file's path (absolute, as the loader resolves it) relative to the working
    /// directory when it lies under it, as SARIF's `%SRCROOT%` base expects.
    static func relative(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        guard path.hasPrefix("/"), path.hasPrefix(cwd + "/") else { return path }
        return String(path.dropFirst(cwd.count + 1))
    }
}

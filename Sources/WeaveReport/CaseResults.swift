import WeaveSource

/// One case of `weave ci`: an expectation run and its outcome, a model that does not
/// load, or a model with nothing to check. The JUnit and SARIF writers read these.
public struct CaseResult: Sendable {
    /// How one case of the run ended.
    public enum Status: String, Sendable {
        /// The outcome is the expected one.
        case passed
        /// The outcome differs from the expected one.
        case failed
        /// The case could not be checked: its model does not load, or the run did not finish.
        case error
        /// Not checked: the run was interrupted first, or the model declares no expectation.
        case notRun
    }

    public let model: String
    public let file: String
    public let settings: String
    public let property: String
    /// The expected verdict ("holds", "violated", "proved"); empty for a case that is not an expectation.
    public let expected: String
    public let got: String
    public let status: Status
    public let distinct: Int
    public let seconds: Double
    public let detail: String
    /// The `expect` line (or the first error of a model that does not load); nil: the file as a whole.
    public let range: SourceRange?
    /// The errors of a model that does not load (each is a SARIF result at its position).
    public let diagnostics: [Diagnostic]

    public var passed: Bool { status == .passed }

    /// `path:line:col` of `range`, or the file's path.
    public var location: String { range?.description ?? file }

    public init(model: String, file: String, settings: String = "", property: String, expected: String = "", got: String,
                status: Status, distinct: Int = 0, seconds: Double = 0, detail: String, range: SourceRange?,
                diagnostics: [Diagnostic] = []) {
        self.model = model; self.file = file; self.settings = settings; self.property = property
        self.expected = expected; self.got = got; self.status = status; self.distinct = distinct
        self.seconds = seconds; self.detail = detail; self.range = range; self.diagnostics = diagnostics
    }

    /// The JUnit test case name: "[THREADS=2] all properties: holds".
    public var caseName: String { expected.isEmpty ? property : "[\(settings)] \(property): \(expected)" }
}

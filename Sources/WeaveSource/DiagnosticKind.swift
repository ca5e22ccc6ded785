/// One kind of diagnostic in a catalogue (such as Sema's `SemaDiagnostic`): a stable id, a
/// severity, and the wording of the message and its notes, written once in the catalogue
/// instead of at every place that reports it. Tests and tools match on `id` (or on the kind
/// itself), not on the words.
public protocol DiagnosticKind: Sendable {
    /// A stable name for the kind, such as "unknownName": it does not change when the wording does.
    var id: String { get }
    var severity: Severity { get }
    /// The message, as `Diagnostic.rendered()` prints it after the severity.
    var message: String { get }
    /// Lines printed after the source excerpt ("did you mean ...").
    var notes: [String] { get }
}

/// A catalogue that writes each kind's id and its message side by side, in one switch
/// (`entry`), so that adding a kind cannot give it one without the other; `id` and
/// `message` are read from it.
public protocol CataloguedDiagnostic: DiagnosticKind {
    /// The id and the message of this kind.
    var entry: (id: String, message: String) { get }
}

extension CataloguedDiagnostic {
    public var id: String { entry.id }
    public var message: String { entry.message }
}

extension Diagnostic {
    /// A diagnostic of a catalogued kind: its severity, message and notes come from `kind`.
    public init(_ kind: some DiagnosticKind, at range: SourceRange?) {
        self.init(kind.severity, kind.message, at: range, notes: kind.notes, kind: kind)
    }

    /// The catalogue id of this diagnostic's kind, or nil for one reported with free text.
    public var id: String? { kind?.id }

    /// The same diagnostic (kind, message and position) with `extra` notes after its own.
    public func addingNotes(_ extra: [String]) -> Diagnostic {
        Diagnostic(severity, message, at: range, notes: notes + extra, kind: kind)
    }
}

extension DiagnosticBag {
    /// Adds a diagnostic of a catalogued kind at `range`.
    public mutating func report(_ kind: some DiagnosticKind, at range: SourceRange?) {
        append(Diagnostic(kind, at: range))
    }
}

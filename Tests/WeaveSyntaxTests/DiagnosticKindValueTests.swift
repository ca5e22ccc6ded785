import WeaveSource
import XCTest

/// A catalogued diagnostic (`DiagnosticKind`): its kind gives the severity, message and
/// notes, renders like free text, and stays on the diagnostic when notes are added.
final class DiagnosticKindValueTests: XCTestCase {
    enum Sample: DiagnosticKind, Equatable {
        case missing(String)
        case unused(String)
        var id: String {
            switch self {
            case .missing: return "missing"
            case .unused: return "unused"
            }
        }
        var severity: Severity { if case .unused = self { return .warning }; return .error }
        var message: String {
            switch self {
            case .missing(let n): return "no '\(n)' here"
            case .unused(let n): return "'\(n)' is never used"
            }
        }
        var notes: [String] { if case .missing = self { return ["declare it first"] }; return [] }
    }

    func testAKindRendersLikeTheSameWordsAndIsKept() {
        let file = SourceFile(path: "k.weave", text: "var x: bool = y\n")
        let r = SourceRange(file: file, start: 14, end: 15)
        let d = Diagnostic(Sample.missing("y"), at: r)
        XCTAssertEqual(d.rendered(), Diagnostic(.error, "no 'y' here", at: r, notes: ["declare it first"]).rendered())
        XCTAssertEqual(d.rendered(), "k.weave:1:15: error: no 'y' here\n 1 | var x: bool = y\n   |               ^\n  note: declare it first")
        XCTAssertEqual(d.id, "missing")
        XCTAssertEqual(d.kind as? Sample, .missing("y"))
        let more = d.addingNotes(["and another"])
        XCTAssertEqual(more.notes, ["declare it first", "and another"])
        XCTAssertEqual(more.kind as? Sample, .missing("y"))
        XCTAssertNil(Diagnostic(.error, "free text", at: nil).id)

        var bag = DiagnosticBag()
        bag.report(Sample.unused("x"), at: r)
        bag.report(Sample.missing("y"), at: nil)
        XCTAssertEqual(bag.items.map(\.severity), [.warning, .error])
        XCTAssertEqual(bag.errorCount, 1)
        XCTAssertEqual(bag.items.map(\.id), ["unused", "missing"])
    }
}

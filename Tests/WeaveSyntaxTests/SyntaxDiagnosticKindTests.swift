import Foundation
import WeaveSource
import WeaveSyntax
import XCTest

/// The lexer's and the parser's catalogue of diagnostics (`SyntaxDiagnostic`), checked by
/// kind and position instead of by wording: a table of snippets, each with a `‸` where the
/// diagnostic must point, and the id of the kind it must have.
final class SyntaxDiagnosticKindTests: XCTestCase {
    struct Row {
        let id: String
        let text: String
        /// False where the kind comes only after other errors (the limits on their number).
        var first = true
        let line: UInt
        init(_ id: String, _ text: String, first: Bool = true, line: UInt = #line) {
            self.id = id; self.text = text; self.first = first; self.line = line
        }
    }

    static let marker: Character = "‸"

    static let rows: [Row] = [
        // Lexer
        Row("unterminatedBlockComment", "var x: bool = true ‸/* open\n"),
        Row("integerTooLarge", "const N = ‸99999999999999999999\n"),
        Row("unterminatedString", "invariant ‸\"abc: true\n"),
        Row("bitwiseOperator", "invariant i: true ‸& false\n"),
        Row("bitwiseOperator", "invariant i: true ‸| false\n"),
        Row("tooManyUnexpectedCharacters", String(repeating: "@", count: Lexer.maxErrors) + "‸@@@\n", first: false),
        Row("invalidUTF8", "var x‸\u{FFFD}: bool = true\n"),
        Row("misplacedByteOrderMark", "var x: bool = true ‸\u{FEFF}\n"),
        Row("nulByte", "var x: bool = true ‸\u{0}\n"),
        Row("invisibleCharacter", "var x‸\u{200B}: bool = true\n"),
        Row("nonASCIICharacter", "var ‸é: bool = true\n"),
        Row("nonASCIISpace", "var x:‸\u{00A0}bool = true\n"),
        Row("unexpectedCharacter", "var x: bool = ‸@\n"),

        // Tokens and names
        Row("tooManyErrors", String(repeating: "const = 1\n", count: Parser.maxErrors) + "‸const = 1\n", first: false),
        Row("expectedToken", "const N ‸1\n"),
        Row("expectedToken", "invariant i: (if true ‸1 else 2) == 1\n"),
        Row("expectedNameFoundKeyword", "const ‸var = 1\n"),
        Row("expectedName", "const ‸1 = 1\n"),
        Row("nestingTooDeep", "var x: " + String(repeating: "[bool] ", count: 199) + "[‸bool] bool = false\n"),
        // An operator at the limit (a long chain `1 + 1 + ...` meets the limit in an operand first).
        Row("operatorChainTooDeep", "const N = " + String(repeating: "(", count: 199) + "1 ‸+ 1" + String(repeating: ")", count: 199) + "\n"),

        // Declarations
        Row("expectedEndOfDeclaration", "const N = 1 ‸2\n"),
        Row("expectedDeclaration", "‸x = 1\n"),
        Row("keywordNotDeclaration", "‸skip\n"),
        Row("importNeedsPath", "import ‸foo\n"),
        Row("ghostWithoutVar", "ghost ‸const N = 1\n"),
        Row("emptyRecord", "type R = ‸record { }\n"),
        Row("valueNameNotQuoted", "type T = 0..1 names { 0: ‸zero }\n"),
        Row("emptySetting", "const N = 1\nexpect N in ‸{}: holds\n"),
        Row("expectedVerdict", "expect: ‸passes\n"),
        Row("expectedPropertyRef", "expect: violated ‸1\n"),

        // Types
        Row("emptyEnum", "type E = ‸enum { }\n"),
        Row("symmetricNeedsRange", "type S = symmetric ‸bool\n"),
        Row("expectedType", "var x: ‸= 0\n"),
        Row("expectedRangeDots", "var x: 0 ‸= 0\n"),

        // Statements and expressions
        Row("expectedStatementEnd", "process p { a: skip ‸skip }\n"),
        Row("assertNeedsMessage", "process p { a: assert true ‸}\n"),
        Row("chooseNeedsInOrColon", "process p { a: choose x ‸{ skip } }\n"),
        Row("comparisonNotAssignment", "var x: 0..1 = 0\nprocess p { a: x ‸== 1 }\n"),
        Row("expressionNotStatement", "var x: 0..1 = 0\nprocess p { a: ‸x + 1 }\n"),
        Row("blockWithoutStatement", "process p { a: ‸{ skip } }\n"),
        Row("expectedStatement", "process p { a: ‸1 }\n"),
        Row("expectedExpressionFoundKeyword", "invariant i: ‸skip\n"),
        Row("expectedExpression", "invariant i: ‸)\n"),
    ]

    /// The text without the marker, and the marker's line and column (in bytes, as
    /// diagnostics count them).
    static func locate(_ text: String) -> (String, String) {
        guard let i = text.firstIndex(of: marker) else { return (text, "-") }
        let before = text[..<i]
        let line = before.filter { $0 == "\n" }.count + 1
        let col = before.utf8.count - (before.lastIndex(of: "\n").map { before.utf8.distance(from: before.startIndex, to: $0) + 1 } ?? 0) + 1
        var out = text
        out.remove(at: i)
        return (out, "\(line):\(col)")
    }

    static func diagnostics(_ text: String) -> [Diagnostic] {
        var p = Parser(file: SourceFile(path: "t.weave", text: text))
        _ = p.parseFile()
        return p.diagnostics.items
    }

    static func position(_ d: Diagnostic) -> String {
        guard let r = d.range else { return "-" }
        let (l, c) = r.file.lineColumn(r.start)
        return "\(l):\(c)"
    }

    func testEachKindIsReportedAtItsPosition() {
        for row in Self.rows {
            let (text, at) = Self.locate(row.text)
            let ds = Self.diagnostics(text)
            let shown = ds.prefix(5).map { "\($0.id ?? "-") \(Self.position($0)) \($0.message)" }
            guard let d = ds.first(where: { $0.id == row.id }) else {
                XCTFail("no \(row.id) in \(shown)", line: row.line)
                continue
            }
            XCTAssertEqual(Self.position(d), at, "\(row.id): \(shown)", line: row.line)
            // The diagnostic is what its kind says, word for word, and the first one reported.
            let kind = d.kind as? SyntaxDiagnostic
            XCTAssertEqual(kind?.message, d.message, line: row.line)
            XCTAssertEqual(kind?.severity, d.severity, line: row.line)
            if row.first { XCTAssertEqual(ds.first?.id, row.id, "the row provokes another error first: \(shown)", line: row.line) }
        }
    }

    /// Every diagnostic of the lexer and the parser is catalogued: none is free text, here or
    /// in the hostile inputs of the other syntax tests.
    func testNoFreeText() {
        var texts = Self.rows.map { Self.locate($0.text).0 }
        texts += ["\u{FEFF}var x: bool = true\n", "\u{1}\u{7F}\u{202E}", String(repeating: "(", count: 5000),
                  "process p {\n" + String(repeating: "  a: = 3\n", count: 300) + "}\n"]
        for text in texts {
            for d in Self.diagnostics(text) {
                XCTAssertNotNil(d.kind as? SyntaxDiagnostic, "free text: \(d.message)")
            }
        }
    }

    /// Some kinds with their associated values, so that a change of what a kind carries is seen.
    func testKindsCarryWhatTheirMessagesName() {
        // The lexer's diagnostics come first, then the parser's.
        let ds = Self.diagnostics("const N 1\ninvariant i: true @ false\ninvariant j: true | false\n")
        XCTAssertEqual(ds.compactMap { $0.kind as? SyntaxDiagnostic }, [
            .unexpectedCharacter(shown: "@"),
            .bitwiseOperator(and: false),
            .expectedToken(.symbol(.assign), context: "after the constant's name", found: .integer(1)),
            .expectedEndOfDeclaration(found: .keyword(.false)),
        ])
        XCTAssertEqual(ds.map(\.message)[2], "expected '=' after the constant's name, found integer 1")
    }

    /// The catalogue's ids are its case names, and every kind has a row here, except
    /// `unexpectedEndOfFile`, which the lexer never asks for (it always names at least one
    /// byte); the wording stays for callers of `Lexer.unexpected` with an empty string.
    func testEveryKindHasARowAndItsIDIsItsName() throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/WeaveSyntax/SyntaxDiagnostic.swift")
        let text = try String(contentsOf: source, encoding: .utf8)
        // `case .name...: return ("id", ...`, possibly with the return on the next line.
        let entry = try NSRegularExpression(pattern: #"case \.(\w+)[^\n]*:\s*\n?\s*return \("(\w+)""#)
        var ids: [String] = []
        for m in entry.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            guard let a = Range(m.range(at: 1), in: text), let b = Range(m.range(at: 2), in: text) else { continue }
            XCTAssertEqual(String(text[a]), String(text[b]), "the id of .\(text[a]) is not its name")
            ids.append(String(text[b]))
        }
        let declared = try NSRegularExpression(pattern: #"^    case (\w+)"#, options: .anchorsMatchLines)
            .numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text))
        XCTAssertEqual(ids.count, declared, "every declared case has one entry")
        XCTAssertGreaterThan(declared, 40)
        let covered = Set(Self.rows.map(\.id)).union(["unexpectedEndOfFile"])
        XCTAssertEqual(Set(ids).subtracting(covered).sorted(), [])
    }
}

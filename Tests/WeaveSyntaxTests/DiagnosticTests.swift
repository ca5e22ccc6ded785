import WeaveSource
import WeaveSyntax
import XCTest

/// Issue 16, item 8: diagnostics stay readable and bounded whatever the input.
final class DiagnosticTests: XCTestCase {
    func parse(_ text: String, path: String = "t.weave") -> [Diagnostic] {
        var p = Parser(file: SourceFile(path: path, text: text))
        _ = p.parseFile()
        return p.diagnostics.items
    }

    /// The review's B7 file: 100,000 bytes drawn from {0xEF, '|', 'A', ' '}, one line.
    static func garbage(count: Int = 100_000) -> String {
        var bytes: [UInt8] = []
        var seed: UInt64 = 1
        let alphabet: [UInt8] = [0xEF, 0x7C, 0x41, 0x20]
        for _ in 0..<count {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            bytes.append(alphabet[Int(seed >> 62)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The lexer and the parser stop after a bounded number of errors, and the listing
    /// prints a bounded number of them, each with a bounded excerpt.
    func testGarbageGivesBoundedDiagnostics() {
        let ds = parse(DiagnosticTests.garbage())
        // (Rendering one error per bad byte, each with the whole line, would take gigabytes.)
        guard ds.count <= Parser.maxErrors + 2 else { return XCTFail("\(ds.count) errors; the lexer should stop after \(Lexer.maxErrors)") }
        XCTAssertTrue(ds.contains { $0.message.contains("the rest of the file is not read") }, ds.map(\.message).description)
        let text = Diagnostic.listing(ds)
        XCTAssertLessThan(text.utf8.count, 20_000)
        XCTAssertTrue(text.contains("more errors not shown"), text)
        XCTAssertTrue(text.hasSuffix("\(ds.count) errors\n"), text)
        // Many lines of garbage: the parser's cap (one error per line otherwise).
        let lines = parse(String(repeating: "const = 1\n", count: 5000))
        XCTAssertLessThanOrEqual(lines.count, Parser.maxErrors + 1)
        XCTAssertTrue(lines.last?.message.contains("the rest of the file is not parsed") ?? false)
        let body = "process p {\n" + String(repeating: "  a: = 3\n", count: 5000) + "}\n"
        XCTAssertLessThanOrEqual(parse(body).count, Parser.maxErrors + 1)
    }

    func testListingShowsTheFirstAndCountsTheRest() {
        let file = SourceFile(path: "m.weave", text: "var x: bool = true\n")
        var ds = (0..<25).map { Diagnostic(.error, "error \($0)", at: SourceRange(file: file, start: 4, end: 5)) }
        ds.append(Diagnostic(.warning, "a warning", at: nil))
        let text = Diagnostic.listing(ds)
        XCTAssertTrue(text.contains("error 19\n"), text)
        XCTAssertFalse(text.contains("error 20"), text)
        XCTAssertTrue(text.hasSuffix("... and 5 more errors and 1 more warning not shown\n25 errors\n"), text)
        XCTAssertEqual(Diagnostic.listing(Array(ds.prefix(2))).components(separatedBy: "error: ").count, 3)
        XCTAssertFalse(Diagnostic.listing(Array(ds.prefix(2))).contains("not shown"))
    }

    /// An error in the middle of a 5000-column line: at most about 120 columns are shown,
    /// "..." on both sides, and the caret under the offending name.
    func testLongLineIsCutAroundTheCaret() throws {
        let line = "var x: 0..3 = " + String(repeating: " ", count: 2500) + "1 @ 2" + String(repeating: " ", count: 100) + "// " + String(repeating: "c", count: 2500)
        let ds = parse(line + "\n")
        let d = try XCTUnwrap(ds.first { $0.message.contains("'@'") })
        let lines = d.rendered().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count == 3 else { return XCTFail(d.rendered()) }
        XCTAssertTrue(lines[0].hasPrefix("t.weave:1:2517: error:"), lines[0])
        let prefix = " 1 | "
        XCTAssertTrue(lines[1].hasPrefix(prefix + "...") && lines[1].hasSuffix("..."), lines[1])
        XCTAssertLessThanOrEqual(lines[1].count - prefix.count, Diagnostic.excerptColumns + 6)
        let shown = Array(lines[1].dropFirst(prefix.count))
        let caretLine = Array(lines[2].dropFirst(prefix.count))
        let caret = try XCTUnwrap(caretLine.firstIndex(of: "^"))
        XCTAssertEqual(shown[caret], "@", lines[1] + "\n" + lines[2])
        XCTAssertEqual(String(shown[(caret - 2)...(caret + 2)]), "1 @ 2")
        // Near the start of the line: nothing cut on the left, caret in place.
        let early = try XCTUnwrap(parse("var x: 0..3 = @ " + String(repeating: "c", count: 5000) + "\n").first)
        let e = early.rendered().split(separator: "\n").map(String.init)
        XCTAssertTrue(e[1].hasPrefix(" 1 | var x: 0..3 = @ ccc") && e[1].hasSuffix("..."), e[1])
        XCTAssertEqual(Array(e[2].dropFirst(prefix.count)).firstIndex(of: "^"), 14)
        // Near the end: cut on the left only.
        let late = try XCTUnwrap(parse("var x: 0..3 = " + String(repeating: " ", count: 5000) + "@\n").first)
        let l = late.rendered().split(separator: "\n").map(String.init)
        XCTAssertTrue(l[1].hasPrefix(" 1 | ...") && l[1].hasSuffix("@"), l[1])
        XCTAssertEqual(Array(l[2].dropFirst(prefix.count)).firstIndex(of: "^"), l[1].count - prefix.count - 1)
    }

    /// A short line is shown whole, and the caret lines up under a non-ASCII character
    /// (one column, not one per UTF-8 byte).
    func testCaretCountsCharactersNotBytes() throws {
        let d = try XCTUnwrap(parse("invariant i: \"ääää\" == @\n").first)
        XCTAssertEqual(d.rendered(), """
        t.weave:1:28: error: unexpected character '@'
         1 | invariant i: "ääää" == @
           |                        ^
        """)
    }

    /// A byte order mark at the start of a file is accepted (columns count from after it);
    /// anywhere else it is named, not printed invisibly.
    func testByteOrderMark() throws {
        XCTAssertEqual(parse("\u{FEFF}var x: bool = true\n").map(\.message), [])
        let file = SourceFile(path: "b.weave", text: "\u{FEFF}var x: bool = @\n")
        XCTAssertEqual(file.lineText(1), "var x: bool = @")
        XCTAssertEqual(file.lineColumn(14).column, 15)
        let d = try XCTUnwrap(parse("var x: bool = true\u{FEFF}\n").first)
        XCTAssertTrue(d.message.contains("U+FEFF") && d.message.contains("byte order mark"), d.message)
        XCTAssertFalse(d.rendered().unicodeScalars.contains("\u{FEFF}"), d.rendered())
        XCTAssertTrue(d.rendered().contains("true<U+FEFF>"), d.rendered())
    }

    /// A NUL or another control character is shown escaped, never sent raw to the terminal.
    func testControlCharactersAreEscaped() throws {
        let d = try XCTUnwrap(parse("var x: bool = \u{0}true\n").first)
        XCTAssertTrue(d.message.contains("U+0000"), d.message)
        let text = d.rendered()
        XCTAssertFalse(text.unicodeScalars.contains("\u{0}"), text)
        XCTAssertEqual(text, """
        t.weave:1:15: error: unexpected character U+0000 (a NUL byte; is this a text file?)
         1 | var x: bool = <U+0000>true
           |               ^~~~~~~~
        """)
        // An escape character in a message (from the model's text) is escaped too.
        let esc = Diagnostic(.error, "no property named '\u{1B}[2J'", at: nil)
        XCTAssertEqual(esc.rendered(), "error: no property named '<U+001B>[2J'")
        // A right-to-left override is shown, not obeyed.
        let bidi = try XCTUnwrap(parse("var x: bool = \u{202E}true\n").first)
        XCTAssertTrue(bidi.message.contains("U+202E"), bidi.message)
        XCTAssertFalse(bidi.rendered().unicodeScalars.contains("\u{202E}"))
    }
}

@testable import WeaveReport
import XCTest

/// Every report escaper goes through `String.escaped` with its own alphabet: each table is
/// checked against the text written out by hand, and a special character followed by a
/// combining mark (one `Character`, several scalars) is escaped like any other.
final class EscapingTests: XCTestCase {
    func testEachAlphabet() {
        XCTAssertEqual(JSON.quote("a\"b\\c\nd\re\tf\u{1}g é"), #""a\"b\\c\nd\re\tf\u0001g é""#)
        XCTAssertEqual(xmlEscape("<a href='x'>&\"\u{1}\u{FFFE}\n\t"), "&lt;a href=&apos;x&apos;&gt;&amp;&quot;??\n\t")
        XCTAssertEqual(Mermaid.escape("a#b;<c>\nd"), "a#35;b#59;#lt;c#gt;<br/>d")
        XCTAssertEqual(Dot.esc("say \"x\\y\"\nz"), #"say \"x\\y\"\nz"#)
        XCTAssertEqual(Sarif.uri("./././a b%#?.weave"), "a%20b%25%23%3F.weave")
    }

    func testCombiningMarkDoesNotHideACharacter() {
        // `"` + U+0301 and `<` + U+0338 are single Characters equal to neither `"` nor `<`.
        XCTAssertEqual(Dot.esc("\"\u{301}"), "\\\"\u{301}")
        XCTAssertEqual(Mermaid.escape("<\u{338}"), "#lt;\u{338}")
        XCTAssertEqual(xmlEscape("<\u{338}"), "&lt;\u{338}")
    }

    func testPageHeadEscapesTheTitleAndCarriesThePolicy() {
        let head = Html.pageHead(title: "weave: a<b&c", policy: "default-src 'none'")
        XCTAssertTrue(head.hasPrefix("<!DOCTYPE html>\n"), head)
        XCTAssertTrue(head.contains("<title>weave: a&lt;b&amp;c</title>\n"), head)
        XCTAssertTrue(head.contains(#"content="default-src 'none'">"#), head)
        XCTAssertTrue(head.hasSuffix("}\n"), head)
    }
}

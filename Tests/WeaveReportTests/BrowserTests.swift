import Foundation
import WeaveDriver
import WeaveExplorer
import XCTest

/// The HTML report in a real headless browser (Debian's chromium; .ci/run installs it):
/// the page's script must build the diagram and, with the slider at the last step,
/// show the final state. A screenshot is left for a person to look at.
final class BrowserTests: XCTestCase {
    /// Headless chromium on a URL with extra arguments; returns stdout.
    func run(_ exe: String, _ args: [String]) throws -> String {
        try headlessChromium(exe, args, profile: FileManager.default.temporaryDirectory.appendingPathComponent("weave-chromium-\(getpid())"))
    }

    func testReportStepsToTheFinalState() throws {
        let exe = try chromium()
        let dir = try scratch("html")
        let html = dir.appendingPathComponent("report.html")
        let c = Captured()
        let code = Driver.check(path: repoRoot + "/Models/flush_delayed_fput.weave", overrides: [:], options: CheckOptions(),
                                format: .text, traceOut: nil, html: html.path, io: c.output)
        XCTAssertEqual(code, .safetyViolation, c.err)
        let page = try String(contentsOf: html, encoding: .utf8)
        XCTAssertFalse(page.contains("http://") || page.contains("src=\""), "no network resources")

        // The page as the script leaves it at step 0 and at the last step (#step=last moves the slider).
        let first = try run(exe, ["--dump-dom", html.absoluteString + "#step=0"])
        XCTAssertTrue(first.contains("step 0 of 6: initial state"), first)
        XCTAssertTrue(first.contains(#"data-name="nfsd(0).pc"><td>nfsd(0).pc</td><td class="value">close</td></tr>"#), first)
        let last = try run(exe, ["--dump-dom", html.absoluteString + "#step=last"])
        XCTAssertTrue(last.contains("step 6 of 6: nfsd(0).rename"), last)
        XCTAssertTrue(last.contains(#"id="slider" type="range" min="0" max="6""#), last)
        // The final state of the minimised trace: nfsd(0) at rename, nfsd(1) has taken both files.
        XCTAssertTrue(last.contains(#"data-name="nfsd(0).pc"><td>nfsd(0).pc</td><td class="value">rename</td>"#), last)
        XCTAssertTrue(last.contains(#"data-name="nfsd(1).batch"><td>nfsd(1).batch</td><td class="value">&lt;0, 1&gt;</td>"#), last)
        XCTAssertTrue(last.contains("VIOLATED: assertion \"close completed before rename\" fails in nfsd(0)"), last)
        // Six step rows and the initial row in the diagram, the last one current.
        XCTAssertEqual(last.components(separatedBy: #"<tr class="step future">"#).count - 1, 0)
        XCTAssertEqual(last.components(separatedBy: #"<tr class="step current">"#).count - 1, 1)
        XCTAssertEqual(last.components(separatedBy: #"<tr class="step">"#).count - 1, 6)

        let png = dir.appendingPathComponent("report-last-step.png")
        _ = try run(exe, ["--window-size=1400,1000", "--screenshot=" + png.path, html.absoluteString + "#step=last"])
        let bytes = try Data(contentsOf: png)
        XCTAssertGreaterThan(bytes.count, 10_000)
        XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "a PNG")
        print("HTML report screenshot (last step): \(png.path)")
    }
}

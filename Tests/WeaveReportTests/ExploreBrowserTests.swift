import Foundation
import XCTest

/// `weave explore --serve` in headless chromium: the page draws the session, a click on
/// a step button takes the step on the server, the state read back shows it (changes
/// marked), and a screenshot is a PNG.
final class ExploreBrowserTests: XCTestCase {
    /// Headless chromium on `url`; returns stdout. `--virtual-time-budget` lets the page's
    /// requests and clicks finish before the DOM is dumped.
    func browse(_ exe: String, _ args: [String], profile: URL) throws -> String {
        try headlessChromium(exe, ["--virtual-time-budget=3000"] + args, profile: profile)
    }

    func testClickAStepAndReadTheStateBack() throws {
        let exe = try chromium()
        let dir = try scratch("explore-web")
        let server = Process()
        server.executableURL = try weaveBinary()
        server.arguments = ["explore", "Models/flush_delayed_fput.weave", "--serve", "--port", "0"]
        server.currentDirectoryURL = URL(fileURLWithPath: repoRoot)
        let out = Pipe()
        server.standardOutput = out
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        // The first line names the URL (a free port: --port 0).
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let d = out.fileHandleForReading.availableData
            if d.isEmpty { break }
            line.append(d)
        }
        let text = String(decoding: line, as: UTF8.self)
        let url = try XCTUnwrap(text.range(of: #"http://127\.0\.0\.1:\d+/"#, options: .regularExpression).map { String(text[$0]) }, text)

        // Click step 1 (nfsd(0).close), then step 2 (nfsd(1).close), as buttons of the page.
        let clicked = try browse(exe, ["--dump-dom", url + "#click=1,2"], profile: dir.appendingPathComponent("p1"))
        XCTAssertTrue(clicked.contains(#"data-ready="yes""#), clicked)
        XCTAssertTrue(clicked.contains(#"data-depth="2""#), clicked)
        XCTAssertTrue(clicked.contains(#"<tr class="changed" data-name="delayed_fput_list"><td>delayed_fput_list</td><td class="value">&lt;0, 1&gt;</td></tr>"#), clicked)
        XCTAssertTrue(clicked.contains(#"<tr class="changed" data-name="nfsd(1).pc"><td>nfsd(1).pc</td><td class="value">flush</td></tr>"#), clicked)
        XCTAssertTrue(clicked.contains(#"<tr data-name="nfsd(0).pc"><td>nfsd(0).pc</td><td class="value">schedule</td></tr>"#), clicked)
        // The path drawn as the report draws a trace: a lane per process, the steps in them.
        XCTAssertTrue(clicked.contains("<th>nfsd(0)</th><th>nfsd(1)</th>"), clicked)
        // The enabled steps of the new state, as buttons.
        XCTAssertTrue(clicked.contains(#"<button type="button" data-step="2"><span>2  nfsd(1).flush</span>"#), clicked)

        // The server kept the session: a fresh page shows the same state, without clicking.
        let again = try browse(exe, ["--dump-dom", url], profile: dir.appendingPathComponent("p2"))
        XCTAssertTrue(again.contains(#"data-depth="2""#), again)

        let png = dir.appendingPathComponent("explore.png")
        _ = try browse(exe, ["--window-size=1400,1000", "--screenshot=" + png.path, url], profile: dir.appendingPathComponent("p3"))
        let bytes = try Data(contentsOf: png)
        XCTAssertGreaterThan(bytes.count, 10_000)
        XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "a PNG")
        print("weave explore --serve screenshot: \(png.path)")
    }
}

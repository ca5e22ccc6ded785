import Foundation
import XCTest

/// Runs the built `weave` binary (next to the test bundle) and checks exit codes and output.
final class CLITests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func weave(_ args: [String], cwd: URL = CLITests.root) throws -> (code: Int32, out: String, err: String) {
        try runWeave(args, cwd: cwd)
    }

    func temp(_ name: String, _ text: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-cli-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let f = dir.appendingPathComponent(name)
        try text.write(to: f, atomically: true, encoding: .utf8)
        return f.path
    }

    func testFlushRaceExitCodeAndTrace() throws {
        let r = try weave(["check", "Models/flush_delayed_fput.weave", "--quiet"])
        XCTAssertEqual(r.code, 12)
        XCTAssertTrue(r.out.contains("VIOLATED: assertion \"close completed before rename\""), r.out)
        XCTAssertTrue(r.out.contains("shortest trace (6 steps)"), r.out)
        XCTAssertTrue(r.out.contains("states:") && r.out.contains("distinct"), r.out)
        let ok = try weave(["check", "Models/flush_delayed_fput.weave", "--param", "design=fput_sync", "--quiet"])
        XCTAssertEqual(ok.code, 0, ok.out + ok.err)
        XCTAssertTrue(ok.out.contains("HOLDS"))
    }

    func testJSONAndITF() throws {
        let itf = FileManager.default.temporaryDirectory.appendingPathComponent("weave-trace-\(getpid()).itf.json").path
        defer { try? FileManager.default.removeItem(atPath: itf) }
        let r = try weave(["check", "Models/flush_delayed_fput.weave", "--format", "json", "--trace-out", itf, "--quiet"])
        XCTAssertEqual(r.code, 12)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual(obj["verdict"] as? String, "violated")
        XCTAssertEqual(obj["property"] as? String, "close completed before rename")
        XCTAssertEqual(obj["kind"] as? String, "assertion")
        for key in ["states", "distinct", "depth", "elapsedSeconds", "trace"] { XCTAssertNotNil(obj[key], key) }
        let data = try Data(contentsOf: URL(fileURLWithPath: itf))
        let t = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual((t["#meta"] as? [String: Any])?["format"] as? String, "ITF")
        let states = try XCTUnwrap(t["states"] as? [[String: Any]])
        XCTAssertEqual(states.count, 7)
        XCTAssertNotNil(states[0]["closed"])
    }

    func testParseErrorHasPositionCaretAndExit65() throws {
        let f = try temp("bad.weave", "var x: bool = false\nprocess p {\n  a: x = 3\n}\n")
        let r = try weave(["check", f])
        XCTAssertEqual(r.code, 65)
        XCTAssertTrue(r.err.contains("bad.weave:3:10: error: cannot assign"), r.err)
        XCTAssertTrue(r.err.contains("   |          ^"), r.err)
        XCTAssertFalse(r.err.contains("Fatal error"))
    }

    func testFileAndUsageErrors() throws {
        XCTAssertEqual(try weave(["check", "no/such/file.weave"]).code, 74)
        XCTAssertEqual(try weave(["check", "Models"]).code, 74)
        XCTAssertEqual(try weave(["check"]).code, 64)
        XCTAssertEqual(try weave(["check", "Models/flush_delayed_fput.weave", "--param", "design"]).code, 64)
        let bad = try weave(["check", "Models/flush_delayed_fput.weave", "--param", "design=nope"])
        XCTAssertNotEqual(bad.code, 0)
        XCTAssertTrue(bad.err.contains("allowed: flush_delayed_fput, fput_sync, fput_queued, flush_waits_for_all"), bad.err)
    }

    func testDeadlockExitCode() throws {
        let r = try weave(["check", "Models/flush_delayed_fput.weave", "--param", "design=fput_sync",
                           "--param", "release_takes_held_lock=true", "--quiet"])
        XCTAssertEqual(r.code, 11, r.out)
        XCTAssertTrue(r.out.contains("deadlock"))
    }

    func testLimitsGiveIncomplete() throws {
        let r = try weave(["check", "Models/flush_delayed_fput.weave", "--param", "design=flush_waits_for_all", "--max-states", "100", "--quiet"])
        XCTAssertEqual(r.code, 10)
        XCTAssertTrue(r.out.contains("INCOMPLETE"))
    }

    func testCIPassesAndFailsOnFlippedVerdict() throws {
        let good = try weave(["ci", "Models/flush_delayed_fput.weave"])
        XCTAssertEqual(good.code, 0, good.out)
        XCTAssertTrue(good.out.contains("0 failed"))
        let text = try String(contentsOf: CLITests.root.appendingPathComponent("Tests/Fixtures/peterson.weave"), encoding: .utf8)
            .replacingOccurrences(of: "expect: holds", with: "expect: holds\n")
        let flipped = try temp("flipped.weave", text + "\nexpect: violated \"mutual exclusion\"\n")
        // A relative output path, resolved against the working directory.
        let dir = FileManager.default.temporaryDirectory
        let junit = dir.appendingPathComponent("weave-junit-\(getpid()).xml").path
        // An existing file is replaced (atomically).
        try "old".write(toFile: junit, atomically: false, encoding: .utf8)
        let r = try weave(["ci", flipped, "--junit", "weave-junit-\(getpid()).xml"], cwd: dir)
        defer { try? FileManager.default.removeItem(atPath: junit) }
        XCTAssertEqual(r.code, 20, r.out)
        XCTAssertTrue(r.out.contains("FAIL"))
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        XCTAssertTrue(xml.contains("<failure message=\"expected violated, got holds\""), xml)
        XCTAssertTrue(xml.contains("tests=\"2\" failures=\"1\""), xml)
    }

    func testOutputFileIsNotLeftHalfWritten() throws {
        // Writing the trace into a directory that does not exist fails cleanly (74) and leaves nothing.
        let r = try weave(["check", "Models/flush_delayed_fput.weave", "--trace-out", "/nonexistent-dir/x.json", "--quiet"])
        XCTAssertEqual(r.code, 74)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/nonexistent-dir/x.json"))
    }

    /// The worked example in docs/LANGUAGE.md parses, and its expectations hold.
    func testLanguageDocWorkedExample() throws {
        let doc = try String(contentsOf: CLITests.root.appendingPathComponent("docs/LANGUAGE.md"), encoding: .utf8)
        let start = try XCTUnwrap(doc.range(of: "model flush_race\n"))
        let end = try XCTUnwrap(doc.range(of: "```", range: start.upperBound..<doc.endIndex))
        let f = try temp("doc_example.weave", String(doc[start.lowerBound..<end.lowerBound]))
        let r = try weave(["ci", f])
        XCTAssertEqual(r.code, 0, r.out + r.err)
        XCTAssertTrue(r.out.contains("2 passed, 0 failed"), r.out)
    }
}

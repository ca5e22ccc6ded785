import Foundation
import WeaveDriver
import WeaveExplorer
import XCTest

/// `weave replay`: a saved ITF trace is re-checked against the model; edits to the
/// trace or the model make it diverge at the step they touch.
final class ReplayTests: XCTestCase {
    let model = repoRoot + "/Models/flush_delayed_fput.weave"

    /// Runs `weave check --trace-out` in-process and returns the ITF file's JSON.
    func savedTrace(_ dir: URL, overrides: [String: String] = [:], properties: PropertySelection = .all) throws -> (String, [String: Any]) {
        let path = dir.appendingPathComponent("trace.itf.json").path
        var o = CheckOptions()
        o.properties = properties
        let c = Captured()
        let code = Driver.check(path: model, overrides: overrides, options: o, format: .text, traceOut: path, io: c.output)
        XCTAssertNotEqual(code, .holds, c.out + c.err)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        return (path, obj)
    }

    func write(_ obj: [String: Any], _ path: String) throws {
        try JSONSerialization.data(withJSONObject: obj).write(to: URL(fileURLWithPath: path))
    }

    func replay(_ trace: String, _ overrides: [String: String] = [:]) -> (WeaveExit, String) {
        let c = Captured()
        let code = ReplayDriver.replay(modelPath: model, tracePath: trace, overrides: overrides, io: c.output)
        return (code, c.out + c.err)
    }

    func testRoundTripReproduces() throws {
        let dir = try scratch("roundtrip")
        let (path, obj) = try savedTrace(dir)
        let meta = try XCTUnwrap(obj["#meta"] as? [String: Any])
        XCTAssertEqual(meta["property"] as? String, "close completed before rename")
        XCTAssertEqual(meta["kind"] as? String, "assertion")
        XCTAssertEqual((meta["settings"] as? [String: Any])?["design"] as? String, "flush_delayed_fput")
        let (code, out) = replay(path)
        XCTAssertEqual(code, .holds, out)
        XCTAssertTrue(out.contains("REPRODUCED: all 6 steps apply"), out)
    }

    func testEditedStateDivergesAtItsStep() throws {
        let dir = try scratch("edited")
        var (path, obj) = try savedTrace(dir)
        var states = try XCTUnwrap(obj["states"] as? [[String: Any]])
        // Step 4 of the minimised trace is nfsd(1)'s flush taking both files; say it took one.
        XCTAssertEqual((states[4]["#meta"] as? [String: Any])?["action"] as? String, "nfsd(1).flush")
        states[4]["nfsd(1).batch"] = [["#bigint": "1"]]
        obj["states"] = states
        path = dir.appendingPathComponent("edited.itf.json").path
        try write(obj, path)
        let (code, out) = replay(path)
        XCTAssertEqual(code, .ciMismatch, out)
        XCTAssertTrue(out.contains("DIVERGES at step 4 (nfsd(1).flush)"), out)
        XCTAssertTrue(out.contains("nfsd(1).batch is <0, 1> in the model, <1> in the trace"), out)
    }

    func testChangedModelDiverges() throws {
        let dir = try scratch("changed")
        let (path, _) = try savedTrace(dir)
        // Under fput_sync the close runs __fput in nfsd: nothing goes on the global list.
        let (code, out) = replay(path, ["design": "fput_sync"])
        XCTAssertEqual(code, .ciMismatch, out)
        XCTAssertTrue(out.contains("DIVERGES at step 1 (nfsd(0).close)"), out)
        // A label that no longer exists.
        var obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var states = try XCTUnwrap(obj["states"] as? [[String: Any]])
        states[2]["nfsd(0).pc"] = "renamed_label"
        obj["states"] = states
        let p2 = dir.appendingPathComponent("label.itf.json").path
        try write(obj, p2)
        let (c2, o2) = replay(p2)
        XCTAssertEqual(c2, .ciMismatch, o2)
        XCTAssertTrue(o2.contains("DIVERGES at step 2") && o2.contains("no label 'renamed_label'"), o2)
    }

    func testTraceWithoutItsLastStepDoesNotReproduce() throws {
        let dir = try scratch("cut")
        var (path, obj) = try savedTrace(dir)
        var states = try XCTUnwrap(obj["states"] as? [[String: Any]])
        states.removeLast()
        obj["states"] = states
        path = dir.appendingPathComponent("cut.itf.json").path
        try write(obj, path)
        let (code, out) = replay(path)
        XCTAssertEqual(code, .ciMismatch, out)
        XCTAssertTrue(out.contains("NOT REPRODUCED: all 5 steps apply"), out)
    }

    func testDeadlockTraceReproduces() throws {
        let dir = try scratch("deadlock")
        let (path, obj) = try savedTrace(dir, overrides: ["design": "fput_sync", "release_takes_held_lock": "true"],
                                         properties: .only(["deadlock"]))
        XCTAssertEqual((obj["#meta"] as? [String: Any])?["kind"] as? String, "deadlock")
        let (code, out) = replay(path)
        XCTAssertEqual(code, .holds, out)
        XCTAssertTrue(out.contains("REPRODUCED"), out)
        // Without the lock premise the same steps no longer deadlock.
        let (c2, o2) = replay(path, ["design": "fput_sync"])
        XCTAssertEqual(c2, .ciMismatch, o2)
    }

    func testBadInput() throws {
        let dir = try scratch("bad")
        let junk = dir.appendingPathComponent("junk.json").path
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: junk))
        XCTAssertEqual(replay(junk).0, .modelError)
        let empty = dir.appendingPathComponent("empty.json").path
        try Data("{\"states\": []}".utf8).write(to: URL(fileURLWithPath: empty))
        XCTAssertEqual(replay(empty).0, .modelError)
        XCTAssertEqual(replay(dir.appendingPathComponent("missing.json").path).0, .fileError)
    }
}

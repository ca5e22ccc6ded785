import Foundation
import XCTest

/// `type ... names { ... }` prints sentinel values by name in every human view while ITF
/// keeps numbers (with the name map in #meta); `ghost var` is marked in the text view
/// and hidden in the kernel view.
final class NamedValuesAndGhostTests: XCTestCase {
    static let model = """
    const TW_NULL = -1
    const TW_EXITED = -2
    type Head = TW_EXITED..3 names { TW_EXITED: "&work_exited", TW_NULL: "NULL" }
    var head: Head = TW_NULL
    var heads: [0..1] Head = TW_NULL
    ghost var tickets: 0..3 = 0
    process task {
      run:    head = 1                    // task_work_add()
              tickets = tickets + 1
      exit:   head = TW_EXITED            // task_work_run(): install the sentinel
              heads[1] = TW_EXITED
      late:   assert head != TW_EXITED "add after exit"
    }
    """

    func run(_ args: [String]) throws -> (code: Int32, out: String, err: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-names-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Self.model.write(to: dir.appendingPathComponent("n.weave"), atomically: true, encoding: .utf8)
        return try runWeaveBinary(args, cwd: dir)
    }

    func testNamesInTextJSONAndKernelViewNumbersInITF() throws {
        let t = try run(["check", "n.weave", "--quiet"])
        XCTAssertEqual(t.code, 12, t.err)
        XCTAssertTrue(t.out.contains("head = NULL") && t.out.contains("head = &work_exited"), t.out)
        XCTAssertTrue(t.out.contains("heads = [NULL, &work_exited]"), t.out)
        XCTAssertTrue(t.out.contains("tickets = 1   (ghost)"), t.out)
        let j = try run(["check", "n.weave", "--quiet", "--format", "json"])
        XCTAssertTrue(j.out.contains("&work_exited"), j.out)
        let k = try run(["check", "n.weave", "--quiet", "--format", "kernel"])
        XCTAssertTrue(k.out.contains("head = &work_exited"), k.out)
        XCTAssertFalse(k.out.contains("tickets"), k.out)
        let itfPath = FileManager.default.temporaryDirectory.appendingPathComponent("weave-names-\(getpid()).itf.json").path
        _ = try run(["check", "n.weave", "--quiet", "--trace-out", itfPath])
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: itfPath))) as? [String: Any])
        let meta = try XCTUnwrap(obj["#meta"] as? [String: Any])
        XCTAssertEqual((meta["valueNames"] as? [String: [String: String]])?["head"]?["-2"], "&work_exited")
        XCTAssertEqual(meta["ghost"] as? [String], ["tickets"])
        let last = try XCTUnwrap((obj["states"] as? [[String: Any]])?.last)
        XCTAssertEqual((last["head"] as? [String: String])?["#bigint"], "-2")
        // The ITF trace replays (numbers, not names).
        let r = try run(["replay", "n.weave", itfPath])
        XCTAssertEqual(r.code, 0, r.out + r.err)
    }

    func testNamesMustBeValuesOfTheType() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-names-bad-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "type H = 0..3 names { 7: \"seven\" }\nvar h: H = 0\nprocess p { a: h = 1 }\n"
            .write(to: dir.appendingPathComponent("b.weave"), atomically: true, encoding: .utf8)
        let r = try runWeaveBinary(["check", "b.weave"], cwd: dir)
        XCTAssertEqual(r.code, 65)
        XCTAssertTrue(r.err.contains("7 is not a value of 0..3"), r.err)
    }
}

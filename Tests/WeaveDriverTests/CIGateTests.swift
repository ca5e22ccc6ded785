import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import WeaveDriver
import XCTest

/// Issue 16, item 4: `weave ci` is a gate, so it never passes without having checked
/// something, and its JUnit and SARIF files list every case: models that do not load,
/// expectations not run, models with nothing to check.
final class CIGateTests: XCTestCase {
    func weave(_ args: [String], cwd: String, timeout: Double = 120) throws -> FuzzTests.RunResult {
        let r = try FuzzTests.run(try FuzzTests.binary(), args, timeout: timeout, cwd: cwd)
        XCTAssertFalse(r.timedOut, "weave \(args.joined(separator: " ")) did not finish in \(timeout) s")
        XCTAssertFalse(r.signalled, "weave \(args.joined(separator: " ")) died by signal \(r.code)")
        return r
    }

    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-cigate-\(getpid())-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    @discardableResult
    func write(_ text: String, _ name: String, in dir: String) throws -> String {
        let path = dir + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Two right expectations, checked in a few states.
    static let good = """
        var x: 0..3 = 3
        process p {
          s: await x > 0
             x = x - 1
             goto s
        }
        invariant small: x <= 3
        expect: violated deadlock
        expect: holds small

        """
    /// 601^3 states: far more than a test waits for.
    static let slow = """
        var a: 0..600 = 0
        var b: 0..600 = 0
        var c: 0..600 = 0
        process p {
          s: either { a = (a + 1) % 601 } or { b = (b + 1) % 601 } or { c = (c + 1) % 601 }
             goto s
        }
        expect: holds

        """

    // MARK: the JUnit and SARIF files, read back by parsers

    struct JUnitCase {
        var suite = "", classname = "", name = ""
        var kind = "passed"          // failure, error, skipped
        var message = "", text = ""
    }

    struct JUnitFile {
        var totals: [String: String] = [:]
        var cases: [JUnitCase] = []
        func count(_ kind: String) -> Int { cases.filter { $0.kind == kind }.count }
    }

    func readJUnit(_ path: String) throws -> JUnitFile {
        final class Collector: NSObject, XMLParserDelegate {
            var file = JUnitFile()
            var suite = ""
            var current: JUnitCase?
            var inChild = false
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                switch name {
                case "testsuites": file.totals = attributes
                case "testsuite": suite = attributes["name"] ?? ""
                case "testcase": current = JUnitCase(suite: suite, classname: attributes["classname"] ?? "", name: attributes["name"] ?? "")
                case "failure", "error", "skipped":
                    current?.kind = name
                    current?.message = attributes["message"] ?? ""
                    inChild = true
                default: break
                }
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { if inChild { current?.text += string } }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                if ["failure", "error", "skipped"].contains(name) { inChild = false }
                if name == "testcase", let c = current { file.cases.append(c); current = nil }
            }
        }
        let parser = try XCTUnwrap(XMLParser(contentsOf: URL(fileURLWithPath: path)))
        let c = Collector()
        parser.delegate = c
        XCTAssertTrue(parser.parse(), String(describing: parser.parserError))
        return c.file
    }

    struct SarifResult {
        let rule: String, level: String, message: String, uri: String, line: Int, column: Int
    }

    func readSarif(_ path: String) throws -> (results: [SarifResult], successful: Bool?, notifications: [String]) {
        let top = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        XCTAssertEqual(top["version"] as? String, "2.1.0")
        let run = try XCTUnwrap((top["runs"] as? [[String: Any]])?.first)
        let rules = try XCTUnwrap(((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]])
        var results: [SarifResult] = []
        for r in try XCTUnwrap(run["results"] as? [[String: Any]]) {
            let rule = try XCTUnwrap(r["ruleId"] as? String)
            // ruleIndex names the same rule as ruleId.
            let index = try XCTUnwrap(r["ruleIndex"] as? Int)
            XCTAssertEqual(rules.indices.contains(index) ? rules[index]["id"] as? String : nil, rule)
            let loc = try XCTUnwrap((r["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
            let region = try XCTUnwrap(loc["region"] as? [String: Any])
            results.append(SarifResult(
                rule: rule, level: try XCTUnwrap(r["level"] as? String),
                message: try XCTUnwrap((r["message"] as? [String: Any])?["text"] as? String),
                uri: try XCTUnwrap((loc["artifactLocation"] as? [String: Any])?["uri"] as? String),
                line: try XCTUnwrap(region["startLine"] as? Int), column: try XCTUnwrap(region["startColumn"] as? Int)))
        }
        let invocation = (run["invocations"] as? [[String: Any]])?.first
        let notes = (invocation?["toolExecutionNotifications"] as? [[String: Any]] ?? [])
            .compactMap { ($0["message"] as? [String: Any])?["text"] as? String }
        return (results, invocation?["executionSuccessful"] as? Bool, notes)
    }

    // MARK: nothing to check

    /// Review B6: no Models/ or Proofs/ here, an empty directory, models without `expect`
    /// lines: each passed with "0 passed, 0 failed", exit 0.
    func testCheckingNothingFails() throws {
        let dir = try scratch()
        let none = try weave(["ci"], cwd: dir)
        XCTAssertEqual(none.code, 64, none.out + none.err)
        XCTAssertTrue(none.err.contains("nothing to check: no paths given, and there is no Models or Proofs directory"), none.err)

        try FileManager.default.createDirectory(atPath: dir + "/empty", withIntermediateDirectories: true)
        let empty = try weave(["ci", "empty"], cwd: dir)
        XCTAssertEqual(empty.code, 64, empty.out + empty.err)
        XCTAssertTrue(empty.err.contains("nothing to check: no .weave files under 'empty'"), empty.err)

        try write("var x: 0..3 = 3\nprocess p { s: x = x - 1 }\n", "bare/m.weave", in: dir)
        let bare = try weave(["ci", "bare", "--junit", "j.xml"], cwd: dir)
        XCTAssertEqual(bare.code, 64, bare.out + bare.err)
        XCTAssertTrue(bare.err.contains("'bare/m.weave' declares no expectation"), bare.err)
        XCTAssertTrue(bare.err.contains("nothing to check"), bare.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/j.xml"), "a usage error writes nothing")

        // With models to check next to it, a model without expectations is named, and listed as skipped.
        try write(CIGateTests.good, "bare/good.weave", in: dir)
        let mixed = try weave(["ci", "bare", "--junit", "j.xml", "--sarif", "s.sarif"], cwd: dir)
        XCTAssertEqual(mixed.code, 0, mixed.out + mixed.err)
        XCTAssertTrue(mixed.err.contains("warning: 'bare/m.weave' declares no expectation"), mixed.err)
        let junit = try readJUnit(dir + "/j.xml")
        XCTAssertEqual(junit.count("passed"), 2)
        let skipped = try XCTUnwrap(junit.cases.first { $0.kind == "skipped" })
        XCTAssertEqual(skipped.classname, "bare/m.weave")
        XCTAssertTrue(skipped.message.contains("declares no expectation"), skipped.message)
        let sarif = try readSarif(dir + "/s.sarif")
        XCTAssertEqual(sarif.results.map(\.rule), ["weave/not-run"])
        XCTAssertEqual(sarif.results.first?.level, "warning")
        XCTAssertEqual(sarif.results.first?.uri, "bare/m.weave")
        XCTAssertEqual(sarif.successful, true)

        // A library that another model imports needs no expectation: no warning.
        try write("import \"lib.weave\"\n" + CIGateTests.good, "lib/main.weave", in: dir)
        try write("macro nop() { skip }\n", "lib/lib.weave", in: dir)
        let lib = try weave(["ci", "lib"], cwd: dir)
        XCTAssertEqual(lib.code, 0, lib.out + lib.err)
        XCTAssertFalse(lib.err.contains("declares no expectation"), lib.err)
    }

    // MARK: models that do not load

    /// Review B5: a model that does not parse was missing from both files (a directory of
    /// broken models gave `tests="0"` and `"results": []`).
    func testBrokenModelIsAnErrorInJUnitAndSarif() throws {
        let dir = try scratch()
        try write("var x: bool = \n", "d/broken.weave", in: dir)
        let only = try weave(["ci", "d", "--junit", "j.xml", "--sarif", "s.sarif"], cwd: dir)
        XCTAssertEqual(only.code, 65, only.out + only.err)
        var junit = try readJUnit(dir + "/j.xml")
        XCTAssertEqual(junit.totals["tests"], "1")
        XCTAssertEqual(junit.totals["errors"], "1")
        let error = try XCTUnwrap(junit.cases.first)
        XCTAssertEqual(error.kind, "error")
        XCTAssertEqual(error.classname, "d/broken.weave")
        XCTAssertTrue(error.message.contains("expected an expression, found end of line"), error.message)
        XCTAssertTrue(error.text.contains("d/broken.weave:1:15: error: expected an expression"), error.text)
        var sarif = try readSarif(dir + "/s.sarif")
        XCTAssertEqual(sarif.results.count, 1)
        let r = try XCTUnwrap(sarif.results.first)
        XCTAssertEqual(r.rule, "weave/model-error")
        XCTAssertEqual(r.level, "error")
        XCTAssertEqual(r.uri, "d/broken.weave")
        XCTAssertEqual(r.line, 1)
        XCTAssertEqual(r.column, 15)
        XCTAssertEqual(r.message, "expected an expression, found end of line")

        // Next to good models, and with an error in an imported file: every case is listed.
        try write(CIGateTests.good, "d/good.weave", in: dir)
        try write("import \"lib/bad.weave\"\n" + CIGateTests.good, "d/uses_bad.weave", in: dir)
        try write("\n\nconst = 3\n", "d/lib/bad.weave", in: dir)
        try write(String(repeating: "const = 1\n", count: 300), "d/many.weave", in: dir)
        let mixed = try weave(["ci", "d", "--junit", "j.xml", "--sarif", "s.sarif"], cwd: dir)
        XCTAssertEqual(mixed.code, 65, mixed.out + mixed.err)
        XCTAssertTrue(mixed.out.contains("2 passed, 0 failed, 4 models did not load"), mixed.out)
        junit = try readJUnit(dir + "/j.xml")
        XCTAssertEqual(junit.count("passed"), 2)
        // broken.weave, many.weave, uses_bad.weave, and lib/bad.weave itself (a file with no expectation is still loaded).
        XCTAssertEqual(Set(junit.cases.filter { $0.kind == "error" }.map(\.classname)),
                       ["d/broken.weave", "d/many.weave", "d/uses_bad.weave", "d/lib/bad.weave"])
        sarif = try readSarif(dir + "/s.sarif")
        XCTAssertTrue(sarif.results.contains { $0.uri == "d/lib/bad.weave" && $0.line == 3 && $0.column == 7 && $0.rule == "weave/model-error" },
                      sarif.results.map { "\($0.uri):\($0.line):\($0.column)" }.description)
        // A model with a hundred errors gives at most 20 results, the last one counting the rest.
        let many = sarif.results.filter { $0.uri == "d/many.weave" }
        XCTAssertEqual(many.count, 20)
        XCTAssertTrue(many.last?.message.contains("more errors in d/many.weave") ?? false, many.last?.message ?? "")
    }

    // MARK: outputs never replace inputs

    /// Review B1: `weave ci m.weave --sarif m.weave` overwrote the model.
    func testOutputsNeverReplaceAnInput() throws {
        let dir = try scratch()
        let model = "import \"kernel/lib.weave\"\n" + CIGateTests.good
        try write(model, "m.weave", in: dir)
        let lib = "macro nop() { skip }\n"
        try write(lib, "kernel/lib.weave", in: dir)
        for (flag, target) in [("--sarif", "m.weave"), ("--junit", "m.weave"), ("--sarif", "kernel/lib.weave"),
                               ("--junit", "./kernel/../kernel/lib.weave"), ("--sarif", dir + "/m.weave")] {
            let r = try weave(["ci", "m.weave", flag, target], cwd: dir)
            XCTAssertEqual(r.code, 64, "\(flag) \(target): \(r.out) \(r.err)")
            XCTAssertTrue(r.err.contains("weave ci: \(flag) '\(target)' is an input of this run"), r.err)
            XCTAssertFalse(r.out.contains("ok "), "refused before anything runs: \(r.out)")
        }
        XCTAssertEqual(try String(contentsOfFile: dir + "/m.weave", encoding: .utf8), model)
        XCTAssertEqual(try String(contentsOfFile: dir + "/kernel/lib.weave", encoding: .utf8), lib)
        // Both reports into one file: refused too.
        let same = try weave(["ci", "m.weave", "--junit", "out", "--sarif", "./out"], cwd: dir)
        XCTAssertEqual(same.code, 64, same.err)
        XCTAssertTrue(same.err.contains("--junit and --sarif name the same file"), same.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out"))
    }

    /// A report that cannot be written is found before the run, not after it.
    func testUnwritableReportFailsBeforeRunning() throws {
        let dir = try scratch()
        try write(CIGateTests.good, "m.weave", in: dir)
        let r = try weave(["ci", "m.weave", "--junit", "no-such-dir/j.xml"], cwd: dir)
        XCTAssertEqual(r.code, 74, r.err)
        XCTAssertTrue(r.err.contains("cannot write 'no-such-dir/j.xml'"), r.err)
        XCTAssertFalse(r.out.contains("ok "), r.out)
    }

    // MARK: interrupted and killed runs

    /// Starts `weave ci` on a fast model, then a slow one, then a fast one; once the first
    /// model's two expectations are reported, sends `signal`.
    func runAndSignal(_ signal: Int32, in dir: String) throws -> (code: Int32, signalled: Bool, out: String) {
        try write(CIGateTests.good, "a_fast.weave", in: dir)
        try write(CIGateTests.slow, "b_slow.weave", in: dir)
        try write(CIGateTests.good, "c_fast.weave", in: dir)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try FuzzTests.binary())
        p.arguments = ["ci", ".", "--junit", "j.xml", "--sarif", "s.sarif"]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while text.components(separatedBy: "ok ").count < 3 && Date() < deadline && p.isRunning {
            text += String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        }
        XCTAssertEqual(text.components(separatedBy: "ok ").count, 3, "the fast model's expectations ran: \(text)")
        usleep(300_000)
        kill(p.processIdentifier, signal)
        text += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, p.terminationReason == .uncaughtSignal, text)
    }

    /// Review B5: after Ctrl-C the JUnit file listed only the finished cases.
    func testInterruptListsTheExpectationsNotRun() throws {
        let dir = try scratch()
        let r = try runAndSignal(SIGINT, in: dir)
        XCTAssertFalse(r.signalled)
        XCTAssertEqual(r.code, 10, r.out)
        XCTAssertTrue(r.out.contains("2 passed, 0 failed, 3 not run"), r.out)
        let junit = try readJUnit(dir + "/j.xml")
        XCTAssertEqual(junit.totals["tests"], "5")
        XCTAssertEqual(junit.totals["skipped"], "3")
        XCTAssertEqual(junit.cases.filter { $0.kind == "passed" }.map(\.suite), ["./a_fast.weave", "./a_fast.weave"])
        let skipped = junit.cases.filter { $0.kind == "skipped" }
        XCTAssertEqual(skipped.map(\.suite), ["./b_slow.weave", "./c_fast.weave", "./c_fast.weave"])
        XCTAssertEqual(skipped.map(\.classname), ["b_slow", "c_fast", "c_fast"])
        XCTAssertTrue(skipped.allSatisfy { $0.message == "not run: interrupted (SIGINT)" }, skipped.map(\.message).description)
        let sarif = try readSarif(dir + "/s.sarif")
        XCTAssertEqual(sarif.successful, false)
        XCTAssertEqual(sarif.notifications, ["interrupted (SIGINT): 3 expectations were not run"])
        XCTAssertEqual(sarif.results.count, 3)
        XCTAssertTrue(sarif.results.allSatisfy { $0.rule == "weave/not-run" && $0.message.contains("not run: interrupted (SIGINT)") })
        // At the expect lines: b_slow's is line 8, c_fast's lines 8 and 9.
        XCTAssertEqual(sarif.results.map { "\($0.uri):\($0.line)" }, ["b_slow.weave:8", "c_fast.weave:8", "c_fast.weave:9"])
    }

    /// A run killed outright leaves reports that say it did not finish, never an older
    /// run's green ones.
    func testKilledRunLeavesReportsThatSaySo() throws {
        let dir = try scratch()
        try write("<testsuites tests=\"5\" failures=\"0\"/>\n", "j.xml", in: dir)
        let r = try runAndSignal(SIGKILL, in: dir)
        XCTAssertTrue(r.signalled)
        let junit = try readJUnit(dir + "/j.xml")
        XCTAssertEqual(junit.totals["errors"], "5")
        XCTAssertTrue(junit.cases.allSatisfy { $0.kind == "error" && $0.message.contains("weave ci did not finish") },
                      junit.cases.map(\.message).description)
        let sarif = try readSarif(dir + "/s.sarif")
        XCTAssertEqual(sarif.successful, false)
        XCTAssertEqual(sarif.results.count, 5)
        XCTAssertTrue(sarif.results.allSatisfy { $0.level == "error" && $0.message.contains("did not finish") })
    }
}

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import WeaveDriver
import XCTest

/// `weave ci --junit --sarif` on a model with one right and one wrong expectation,
/// both files read back by a parser.
final class CIFormatTests: XCTestCase {
    /// tiny.weave plus two expectations: `violated below_two` (right) and `holds` (wrong: below_two fails).
    func runCI() throws -> (URL, WeaveExit, expectLine: Int) {
        let dir = try scratch("ci")
        var text = try String(contentsOfFile: repoRoot + "/Tests/Golden/tiny.weave", encoding: .utf8)
        text += "expect: violated below_two\nexpect: holds\n"
        let model = dir.appendingPathComponent("tiny.weave")
        try text.write(to: model, atomically: true, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let wrong = try XCTUnwrap(lines.firstIndex { $0 == "expect: holds" }) + 1
        let c = Captured()
        let code = CI.run(paths: [model.path], junit: dir.appendingPathComponent("ci.xml").path,
                          sarif: dir.appendingPathComponent("ci.sarif").path, io: c.output)
        return (dir, code, wrong)
    }

    func testSarifPointsAtTheWrongExpectLine() throws {
        let (dir, code, line) = try runCI()
        XCTAssertEqual(code, .ciMismatch)
        let data = try Data(contentsOf: dir.appendingPathComponent("ci.sarif"))
        let top = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        // The structure SARIF 2.1.0 requires: version, runs[].tool.driver.name, results with
        // message.text and physical locations; ruleId names a rule of the driver.
        XCTAssertEqual(top["version"] as? String, "2.1.0")
        let runs = try XCTUnwrap(top["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.count, 1)
        let driver = try XCTUnwrap((runs[0]["tool"] as? [String: Any])?["driver"] as? [String: Any])
        XCTAssertEqual(driver["name"] as? String, "weave")
        let rules = try XCTUnwrap(driver["rules"] as? [[String: Any]])
        let results = try XCTUnwrap(runs[0]["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 1, "only the wrong expectation is a result")
        let r = results[0]
        XCTAssertTrue(rules.contains { $0["id"] as? String == r["ruleId"] as? String })
        XCTAssertEqual(r["level"] as? String, "error")
        let msg = try XCTUnwrap((r["message"] as? [String: Any])?["text"] as? String)
        XCTAssertTrue(msg.contains("expected holds") && msg.contains("got violated below_two"), msg)
        let loc = try XCTUnwrap((r["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        let uri = try XCTUnwrap((loc["artifactLocation"] as? [String: Any])?["uri"] as? String)
        XCTAssertTrue(uri.hasSuffix("/tiny.weave"), uri)
        let region = try XCTUnwrap(loc["region"] as? [String: Any])
        XCTAssertEqual(region["startLine"] as? Int, line)
        XCTAssertEqual(region["startColumn"] as? Int, 1)
    }

    func testJUnitParses() throws {
        let (dir, _, line) = try runCI()
        final class Collector: NSObject, XMLParserDelegate {
            var testcases = 0
            var failures: [String] = []
            var declaredTests = -1
            var declaredFailures = -1
            var text = ""
            var inFailure = false
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                switch name {
                case "testsuites":
                    declaredTests = Int(attributes["tests"] ?? "") ?? -1
                    declaredFailures = Int(attributes["failures"] ?? "") ?? -1
                case "testcase": testcases += 1
                case "failure": inFailure = true; text = ""
                default: break
                }
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { if inFailure { text += string } }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                if name == "failure" { failures.append(text); inFailure = false }
            }
        }
        let parser = try XCTUnwrap(XMLParser(contentsOf: dir.appendingPathComponent("ci.xml")))
        let c = Collector()
        parser.delegate = c
        XCTAssertTrue(parser.parse(), String(describing: parser.parserError))
        XCTAssertEqual(c.testcases, 2)
        XCTAssertEqual(c.declaredTests, 2)
        XCTAssertEqual(c.declaredFailures, 1)
        XCTAssertEqual(c.failures.count, 1)
        XCTAssertTrue(c.failures[0].contains("tiny.weave:\(line):1:"), c.failures[0])
    }

    func testSarifOfAPassingRunHasNoResults() throws {
        let dir = try scratch("ci-pass")
        var text = try String(contentsOfFile: repoRoot + "/Tests/Golden/tiny.weave", encoding: .utf8)
        text += "expect: violated below_two\n"
        let model = dir.appendingPathComponent("tiny.weave")
        try text.write(to: model, atomically: true, encoding: .utf8)
        let sarif = dir.appendingPathComponent("ci.sarif")
        XCTAssertEqual(CI.run(paths: [model.path], junit: nil, sarif: sarif.path, io: Captured().output), .holds)
        let top = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: sarif)) as? [String: Any])
        let runs = try XCTUnwrap(top["runs"] as? [[String: Any]])
        XCTAssertEqual((runs[0]["results"] as? [Any])?.count, 0)
    }
    /// A model that does not load: an `<error>` case, and a SARIF result at the error whose
    /// column counts code points (as `columnKind` says), not UTF-8 bytes.
    func testModelErrorIsAnErrorCaseAndAResultAtTheError() throws {
        let dir = try scratch("ci-broken")
        let model = dir.appendingPathComponent("broken.weave")
        try "/* ää */ const = 1\n".write(to: model, atomically: true, encoding: .utf8)
        let sarif = dir.appendingPathComponent("ci.sarif")
        let junit = dir.appendingPathComponent("ci.xml")
        XCTAssertEqual(CI.run(paths: [model.path], junit: junit.path, sarif: sarif.path, io: Captured().output), .modelError)
        let top = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: sarif)) as? [String: Any])
        let run = try XCTUnwrap((top["runs"] as? [[String: Any]])?.first)
        XCTAssertEqual(run["columnKind"] as? String, "unicodeCodePoints")
        let results = try XCTUnwrap(run["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 1)
        let result = try XCTUnwrap(results.first)
        XCTAssertEqual(result["ruleId"] as? String, "weave/model-error")
        XCTAssertEqual((result["message"] as? [String: Any])?["text"] as? String, "expected a constant name, found '='")
        let loc = try XCTUnwrap((result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        let region = try XCTUnwrap(loc["region"] as? [String: Any])
        XCTAssertEqual(region["startLine"] as? Int, 1)
        XCTAssertEqual(region["startColumn"] as? Int, 16)
        let xml = try String(contentsOf: junit, encoding: .utf8)
        XCTAssertTrue(xml.contains("tests=\"1\" failures=\"0\" errors=\"1\""), xml)
        XCTAssertTrue(xml.contains("<error type=\"model error\" message=\"model error: expected a constant name, found &apos;=&apos;\">"), xml)
    }
}

import Foundation
import WeaveDriver
import XCTest

/// Inputs that made weave hang, trap or mislead, found by the fuzzer or by hand while
/// building it; each now gets a clean diagnostic or a correct verdict.
final class FuzzRegressionTests: XCTestCase {
    func run(_ text: String, _ args: [String] = [], timeout: Double = 60) throws -> FuzzTests.RunResult {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-regress-\(getpid())-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let f = dir + "/m.weave"
        try text.write(toFile: f, atomically: true, encoding: .utf8)
        let r = try FuzzTests.run(try FuzzTests.binary(), ["check", f, "--quiet"] + args, timeout: timeout, cwd: dir)
        XCTAssertFalse(r.timedOut, "hang")
        XCTAssertFalse(r.signalled, "killed by signal \(r.code)")
        XCTAssertFalse(r.err.contains("Fatal error"), r.err)
        return r
    }

    /// Three variables with `any` over 0..4095: 2^36 initial states. The explorer built
    /// 16 M of them (70 s, 1.2 GB) before saying "too many"; now it is refused at once.
    func testTooManyInitialStatesIsRefusedUpFront() throws {
        let r = try run("var a: 0..4095 = any\nvar b: 0..4095 = any\nvar c: 0..4095 = any\nprocess p { s: a = 1 }\n")
        XCTAssertEqual(r.code, 65, r.out + r.err)
        XCTAssertTrue(r.err.contains("the model has 68,719,476,736 initial states"), r.err)
        XCTAssertTrue(r.err.contains("at most 1,048,576"), r.err)
        // 64 slots of 4096 values: the product overflows Int64.
        let big = try run("var a: [0..63] 0..4095 = any\nprocess p { s: a[0] = 1 }\n")
        XCTAssertEqual(big.code, 65)
        XCTAssertTrue(big.err.contains("more than 2^63 initial states"), big.err)
        // Under the limit is explored: 1024 * 128 initial states.
        let ok = try run("var a: 0..1023 = any\nvar b: 0..127 = any\nprocess p { s: skip }\n", ["--max-states", "10"])
        XCTAssertEqual(ok.code, 10, ok.out + ok.err)
    }

    /// A chain of 1000 `+` (or `&&`) overflowed the elaborator's stack (SIGSEGV): the parser
    /// limited parentheses but not the depth a chain builds. Now a chain counts per operator.
    func testLongOperatorChainsAreANestingErrorNotACrash() throws {
        for n in [1000, 20_000] {
            let sum = try run("var x: 0..100000 = 0\nprocess p { s: x = 1" + String(repeating: " + 1", count: n) + " }\n")
            XCTAssertEqual(sum.code, 65, "\(n): \(sum.err.prefix(500))")
            XCTAssertTrue(sum.err.contains("nesting is too deep"), String(sum.err.prefix(500)))
            let and = try run("var x: 0..1 = 0\nprocess p { s: x = 1 }\ninvariant i: x >= 0" + String(repeating: " && x >= 0", count: n) + "\n")
            XCTAssertEqual(and.code, 65)
        }
        // A chain of 150 is fine: 1 + 150 = 151.
        let ok = try run("var x: 0..1000 = 0\nprocess p { s: x = 1" + String(repeating: " + 1", count: 150) + " }\ninvariant i: x == 0 || x == 151\n")
        XCTAssertEqual(ok.code, 0, ok.out + ok.err)
    }

    /// A macro that calls itself twice expanded 2^32 times under the depth limit of 32 (a hang; now cut at 20,000 expansions),
    /// and reported the depth error once per leaf; a tower of defs each using the one below
    /// twice did the same to expressions.
    func testExponentialMacroAndDefExpansionIsCut() throws {
        let m = try run("var x: 0..1 = 0\nmacro m(a) { m(a)\n m(a) }\nprocess p { s: m(x) }\n")
        XCTAssertEqual(m.code, 65)
        XCTAssertTrue(m.err.contains("more than 20000 macro and def expansions"), String(m.err.prefix(1000)))
        XCTAssertTrue(m.err.hasSuffix("3 errors\n"), String(m.err.suffix(300)))
        var defs = "var x: 0..100 = 0\ndef f0(a) = a\n"
        for i in 1...30 { defs += "def f\(i)(a) = f\(i - 1)(a) + f\(i - 1)(a)\n" }
        let d = try run(defs + "process p { s: x = f30(0) }\n")
        XCTAssertEqual(d.code, 65)
        XCTAssertTrue(d.err.contains("more than 20000 macro and def expansions"), String(d.err.prefix(1000)))
    }

    /// Int64.min / -1 was reported as "division by zero".
    func testMinDividedByMinusOneIsOverflowNotDivisionByZero() throws {
        let r = try run("var x: -1..1 = -1\nvar y: 0..1 = 0\nprocess p {\n  s: y = if (x * 9223372036854775807 - 1) % x > 0 then 1 else 0\n}\n")
        XCTAssertEqual(r.code, 12)
        XCTAssertTrue(r.out.contains("run-time error: integer overflow (the minimum integer modulo -1)"), r.out)
    }
}

import Foundation
import WeaveExplorer
import WeaveIR
import XCTest

/// The expressions compiled to machine code (`Explorer(nativeCode: true)`, see
/// Sources/WeaveExplorer/NativeCode.swift) against the bytecode interpreter: on every
/// shipped model, at every setting its `expect` lines name, both must give the same
/// verdict, the same violated property, the same counts and the same trace, state for
/// state. Skipped when the machine has no C compiler.
final class NativeCodeTests: XCTestCase {
    struct Run {
        let verdict: String
        let distinct: Int
        let generated: Int
        let trace: String
        let native: String?
    }

    func run(_ m: Model, native: Bool, workers: Int = 1, dfs: Bool = false, liveness: Bool = false) throws -> Run {
        var o = CheckOptions()
        o.workers = workers
        o.depthFirst = dfs
        o.checkLiveness = liveness
        let e = try Explorer(model: m, options: o, nativeCode: native)
        let r = e.run()
        var verdict = ""
        var trace = ""
        switch r.verdict {
        case .holds: verdict = "holds"
        case .incomplete(let why): verdict = "incomplete: \(why)"
        case .violated(let v):
            verdict = "violated \(v.kind.rawValue) '\(v.property)': \(v.message)"
            if let t = v.trace { trace = "\(t.states) \(t.steps.map { "\($0)" }) \(t.loopStart ?? -1)" }
        }
        return Run(verdict: verdict, distinct: r.statistics.distinct, generated: r.statistics.generated, trace: trace,
                   native: e.nativeStatus)
    }

    /// The settings of a model's `expect` lines that are plain `NAME = VALUE` lists.
    func settings(_ path: String) throws -> [[String: String]] {
        let text = try String(contentsOfFile: repoRoot + "/" + path, encoding: .utf8)
        var out: [[String: String]] = [[:]]
        for line in text.split(separator: "\n") where line.hasPrefix("expect ") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let head = line[line.index(line.startIndex, offsetBy: 7)..<colon]
            if head.contains("{") || head.contains("symbolic") { continue }
            var s: [String: String] = [:]
            for part in head.split(separator: ",") {
                let kv = part.split(separator: "=").map { $0.trimmingCharacters(in: .whitespaces) }
                if kv.count == 2 { s[kv[0]] = kv[1] }
            }
            if !out.contains(s) { out.append(s) }
        }
        return out
    }

    func agree(_ path: String, _ s: [String: String], workers: Int = 1, dfs: Bool = false, liveness: Bool = false,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let m = try modelFile(path, s)
        let a = try run(m, native: false, workers: workers, dfs: dfs, liveness: liveness)
        let b = try run(m, native: true, workers: workers, dfs: dfs, liveness: liveness)
        let what = "\(path) \(s.sorted { $0.key < $1.key }) workers \(workers)\(dfs ? " dfs" : "")"
        guard let status = b.native, status.hasPrefix("native: "), !status.hasPrefix("native: off") else {
            throw XCTSkip("no native code here: \(b.native ?? "not asked")")
        }
        XCTAssertFalse(status.hasPrefix("native: 0 of"), "\(what): \(status)", file: file, line: line)
        XCTAssertNil(a.native, file: file, line: line)
        XCTAssertEqual(a.verdict, b.verdict, what, file: file, line: line)
        XCTAssertEqual(a.distinct, b.distinct, what, file: file, line: line)
        XCTAssertEqual(a.generated, b.generated, what, file: file, line: line)
        XCTAssertEqual(a.trace, b.trace, what, file: file, line: line)
    }

    func testModelsAgreeAtEveryExpectedSetting() throws {
        let models = try FileManager.default.contentsOfDirectory(atPath: repoRoot + "/Models").filter { $0.hasSuffix(".weave") }.sorted()
        XCTAssertGreaterThanOrEqual(models.count, 6)
        for f in models {
            for s in try settings("Models/" + f) { try agree("Models/" + f, s) }
        }
    }

    func testBenchmarksAgree() throws {
        try agree("Benchmarks/flush_race.weave", ["THREADS": "3"])
        try agree("Benchmarks/flush_race.weave", ["THREADS": "3", "design": "fput_sync"], workers: 2)
        try agree("Benchmarks/flush_race_rounds.weave", ["THREADS": "2", "ROUNDS": "2"])
        try agree("Benchmarks/task_work_fput.weave", [:])
        try agree("Benchmarks/task_work_fput.weave", ["design": "pf_runs_task_work"], dfs: true)
        try agree("Benchmarks/kernfs_notify.weave", [:], workers: 2)
        try agree("Benchmarks/two_phase.weave", ["RMS": "4"])
        try agree("Benchmarks/two_phase.weave", ["RMS": "4"], workers: 2)
    }

    func testLivenessAgrees() throws {
        try agree("Benchmarks/flush_race.weave", ["THREADS": "3", "design": "fput_sync"], liveness: true)
    }

    /// Run-time errors inside compiled expressions: the same failing site (message and
    /// position) and trace as the interpreter's.
    func testRuntimeErrorsAgree() throws {
        let cases = [
            "var a: [0..2] 0..3 = 0\nvar i: 0..5 = 0\nprocess p { s: i = i + 1\n a[i] = 1\n goto s }",
            "var x: 0..9 = 3\nvar y: 0..3 = 3\nprocess p { s: y = y - 1\n x = x / y\n goto s }",
            "var q: queue<0..3, 2> = []\nvar h: 0..3 = 0\nprocess p { s: push(q, 1)\n t: pop(q)\n h = head(q)\n goto s }",
            "var x: -3..3 = 0\nprocess p { s: x = x - 1\n if 12 / (x + 2) > 0 { skip }\n goto s }",
        ]
        for text in cases {
            let m = try model(text)
            let a = try run(m, native: false), b = try run(m, native: true)
            guard let status = b.native, !status.hasPrefix("native: off") else { throw XCTSkip("no native code here") }
            XCTAssertTrue(a.verdict.hasPrefix("violated runtime error"), "\(text): \(a.verdict)")
            XCTAssertEqual(a.verdict, b.verdict, text)
            XCTAssertEqual(a.trace, b.trace, text)
            XCTAssertEqual(a.distinct, b.distinct, text)
        }
    }
}

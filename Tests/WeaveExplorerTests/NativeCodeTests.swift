import Foundation
@testable import WeaveExplorer
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

    func run(_ m: Model, native: Bool, workers: Int = 1, dfs: Bool = false, liveness: Bool = false,
             maxStepInstructions: Int = CheckOptions.defaultStepInstructionLimit) throws -> Run {
        var o = CheckOptions()
        o.maxStepInstructions = maxStepInstructions
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

    /// The steps themselves are compiled (`NativeCode.steps`), every instance of the
    /// benchmarks and of the shipped models, so the comparisons above run the compiled
    /// steps and not the interpreter. WEAVE_NATIVE_STEPS=0 leaves only the expressions.
    func testEveryInstanceStepIsCompiled() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: repoRoot + "/Models").filter { $0.hasSuffix(".weave") }
            .sorted().map { "Models/" + $0 } + ["Benchmarks/two_phase.weave", "Benchmarks/flush_race.weave"]
        for f in files {
            let engine = try Engine(model: try modelFile(f))
            let (code, why) = NativeCode.compile(engine)
            guard let code else { throw XCTSkip("no native code here: \(why ?? "")") }
            XCTAssertEqual(code.instances, engine.instances.count, f)
            XCTAssertEqual(code.stepsCompiled, code.instances, f)
            for i in 0..<code.instances { XCTAssertNotNil(code.steps[i], "\(f) instance \(i)") }
        }
        setenv("WEAVE_NATIVE_STEPS", "0", 1)
        defer { unsetenv("WEAVE_NATIVE_STEPS") }
        let engine = try Engine(model: try modelFile("Benchmarks/two_phase.weave"))
        let (code, _) = NativeCode.compile(engine)
        XCTAssertEqual(code?.stepsCompiled, 0)
        XCTAssertGreaterThan(code?.compiled ?? 0, 0)
    }

    /// Every kind of step node through the compiled steps against the interpreter:
    /// guarded and unguarded `either` branches, `choose` over a set, a range and
    /// subsets, array copy and fill, queue and stack push and pop (into a place, empty,
    /// full with the overflow checked), asserts, `done`, and the engine limits (a step
    /// past --max-step-instructions, a fork 64 levels deep), each with the whole trace.
    func testEveryStepKindAgrees() throws {
        let cases: [(String, Int)] = [
            ("var x: 0..3 = 0\nvar y: 0..3 = 0\nprocess p { s: either { await x < 2\n x = x + 1 } or { await y < 3\n y = y + 1 } or { x = 0 }\n goto s }\ninvariant small: x + y < 5", 1_000_000),
            ("var held: set<0..3> = {}\nvar n: 0..9 = 0\nprocess p { s: choose s: subset 0..3 { held = s }\n t: choose v in held { n = v + n % 5 }\n goto s }\ninvariant low: n < 7", 1_000_000),
            ("var a: [0..2] 0..3 = [0, 0, 0]\nvar b: [0..2] 0..3 = [1, 2, 3]\nvar i: 0..3 = 0\nprocess p { s: choose k in 0..2 { a[k] = b[k] }\n if a[0] == 1 { b = a } else { a = [3, 3, 3] }\n i = (i + 1) % 4\n goto s }", 1_000_000),
            ("var q: queue<0..3, 2> = []\nvar h: 0..3 = 0\nprocess p { s: push(q, h)\n h = (h + 1) % 4\n goto s }\nprocess c { t: await !empty(q)\n h = pop(q)\n goto t }", 1_000_000),
            ("var st: stack<0..3, 2> = []\nvar h: 0..3 = 0\nprocess p { s: either { push(st, h) } or { await !empty(st)\n h = pop(st) } or { await h == 3\n done }\n h = (h + 1) % 4\n goto s }", 1_000_000),
            ("var x: 0..5 = 0\nprocess p { s: x = x + 1\n assert x < 4 \"small\"\n goto s }", 1_000_000),
            ("var x: 0..5 = 0\nprocess p { s: skip\n while x < 5 { x = (x + 1) % 5 }\n goto s }", 50),
            ("var x: 0..1 = 0\nprocess p { s: skip\n while true { choose k in 0..0 { x = 1 - x } }\n goto s }", 1_000_000),
            ("var x: 0..5 = 0\nprocess p { s: if x < 2 { x = x + 1 } else { done }\n goto s }\nprocess r { t: await x == 2\n x = 3\n done }", 1_000_000),
            ("var x: 0..5 = 0\nprocess p { s: if x < 2 { x = x + 1 } else { done }\n goto s }\nprocess r { t: await x == 2\n x = 3\n done }", 2),
        ]
        for (text, limit) in cases {
            let m = try model(text)
            let a = try run(m, native: false, maxStepInstructions: limit)
            let b = try run(m, native: true, maxStepInstructions: limit)
            let d = try run(m, native: true, dfs: true, maxStepInstructions: limit)
            let e = try run(m, native: false, dfs: true, maxStepInstructions: limit)
            guard let status = b.native, !status.hasPrefix("native: off") else { throw XCTSkip("no native code here") }
            XCTAssertEqual(a.verdict, b.verdict, text)
            XCTAssertEqual(a.trace, b.trace, text)
            XCTAssertEqual(a.distinct, b.distinct, text)
            XCTAssertEqual(a.generated, b.generated, text)
            XCTAssertEqual(e.verdict, d.verdict, text)
            XCTAssertEqual(e.trace, d.trace, text)
            XCTAssertEqual(e.generated, d.generated, text)
            print("step kinds: \(a.verdict) \(a.distinct)/\(a.generated) | \(text.prefix(40))")
        }
    }
}

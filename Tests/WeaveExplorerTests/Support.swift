import Foundation
import WeaveExplorer
import WeaveIR
import WeaveSema
import WeaveSource
import XCTest

/// The repository root (this file is Tests/WeaveExplorerTests/Support.swift).
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// Elaborates model text (imports resolve against Models/).
func model(_ text: String, _ overrides: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> Model {
    do {
        let src = try Loader.load(text: text, path: "test.weave", directory: repoRoot + "/Models")
        return try Sema.elaborate(src, overrides: overrides).0
    } catch {
        XCTFail(error.diagnostics.map { $0.rendered() }.joined(separator: "\n"), file: file, line: line)
        throw error
    }
}

/// Elaborates a model file of the repository.
func modelFile(_ path: String, _ overrides: [String: String] = [:]) throws -> Model {
    let src = try Loader.load(path: repoRoot + "/" + path)
    return try Sema.elaborate(src, overrides: overrides).0
}

func check(_ m: Model, dfs: Bool = false, properties: PropertySelection = .all, deadlock: Bool = true,
           liveness: Bool = true, maxStates: Int? = nil) throws -> CheckResult {
    var o = CheckOptions()
    o.depthFirst = dfs
    o.properties = properties
    o.checkDeadlock = deadlock
    o.checkLiveness = liveness
    o.maxStates = maxStates
    return try Explorer(model: m, options: o).run()
}

extension Verdict {
    var isHolds: Bool { if case .holds = self { return true }; return false }
    var violation: Violation? { if case .violated(let v) = self { return v }; return nil }
    var incompleteReason: String? { if case .incomplete(let r) = self { return r }; return nil }
}

/// A liveness run's graph counts against the memory limit: with a limit between what
/// the safety search of `property` needs and what its liveness search needs, the
/// safety run holds and the liveness run stops, incomplete ("memory limit"). Returns
/// the unlimited liveness run.
@discardableResult
func assertLivenessGraphCountsAgainstMemoryLimit(_ m: Model, property: String,
                                                 file: StaticString = #filePath, line: UInt = #line) throws -> CheckResult {
    func run(liveness: Bool, limit: Int?) throws -> CheckResult {
        var o = CheckOptions()
        o.checkLiveness = liveness
        o.memoryLimitBytes = limit
        o.properties = .only([property])
        return try Explorer(model: m, options: o).run()
    }
    let safety = try run(liveness: false, limit: nil)
    let live = try run(liveness: true, limit: nil)
    XCTAssertTrue(safety.verdict.isHolds, "\(safety.verdict)", file: file, line: line)
    XCTAssertTrue(live.verdict.isHolds, "\(live.verdict)", file: file, line: line)
    let (a, b) = (safety.statistics.peakMemoryBytes, live.statistics.peakMemoryBytes)
    XCTAssertGreaterThan(b, a + a / 10, "the graph is counted", file: file, line: line)
    let limit = (a + b) / 2
    XCTAssertTrue(try run(liveness: false, limit: limit).verdict.isHolds, file: file, line: line)
    let stopped = try run(liveness: true, limit: limit)
    XCTAssertTrue(stopped.verdict.incompleteReason?.hasPrefix("memory limit") == true, "\(stopped.verdict)", file: file, line: line)
    return live
}

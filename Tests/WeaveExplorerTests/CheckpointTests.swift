import Foundation
import WeaveExplorer
import WeaveIR
import XCTest

/// A search stopped at a level boundary and resumed from its checkpoint ends exactly as
/// an uninterrupted one: the same verdict, counts, coverage and trace.
final class CheckpointTests: XCTestCase {
    func options(workers: Int, fingerprint: Bool) -> CheckOptions {
        var o = CheckOptions()
        o.workers = workers
        o.fingerprintOnly = fingerprint
        return o
    }

    func tempDir() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("weave-ckpt-\(getpid())-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: d) }
        return d
    }

    func resumed(_ m: Model, _ base: CheckOptions, stopAtDepth k: Int) throws -> (CheckResult, Int) {
        let dir = try tempDir()
        var first = base
        first.checkpointDirectory = dir
        first.checkpointInterval = 0
        first.maxDepth = k
        let stopped = try Explorer(model: m, options: first)
        let r1 = stopped.run()
        XCTAssertEqual(r1.verdict.incompleteReason, "--max-depth \(k) reached")
        XCTAssertGreaterThan(stopped.checkpointsWritten, 0)
        let again = try Explorer(model: m, options: base)
        try again.resume(from: dir)
        return (again.run(), r1.statistics.distinct)
    }

    func testResumeReachesTheSameCountsInEveryMode() throws {
        let m = try modelFile("Benchmarks/flush_race.weave", ["THREADS": "4"])
        for (w, fp) in [(1, false), (2, false), (1, true), (2, true)] {
            var o = options(workers: w, fingerprint: fp)
            o.properties = .only(["renamed"])
            let whole = try Explorer(model: m, options: o).run()
            XCTAssertTrue(whole.verdict.isHolds)
            let (r, before) = try resumed(m, o, stopAtDepth: 9)
            XCTAssertTrue(r.verdict.isHolds, "\(w) \(fp): \(r.verdict)")
            XCTAssertLessThan(before, whole.statistics.distinct)
            XCTAssertEqual(r.statistics.distinct, whole.statistics.distinct, "\(w) workers, fingerprint \(fp)")
            XCTAssertEqual(r.statistics.distinct, 109_759)
            XCTAssertEqual(r.statistics.generated, whole.statistics.generated)
            XCTAssertEqual(r.statistics.depth, whole.statistics.depth)
            XCTAssertEqual(r.coverage.entries.map(\.count), whole.coverage.entries.map(\.count))
        }
    }

    func testResumedViolationHasTheSameTrace() throws {
        let m = try modelFile("Benchmarks/flush_race.weave", ["THREADS": "3"])
        for (w, fp) in [(1, false), (2, false), (1, true)] {
            let o = options(workers: w, fingerprint: fp)
            let whole = try XCTUnwrap(try Explorer(model: m, options: o).run().verdict.violation)
            let (r, _) = try resumed(m, o, stopAtDepth: 2)
            let v = try XCTUnwrap(r.verdict.violation)
            XCTAssertEqual(v.property, whole.property)
            XCTAssertEqual(v.trace?.states, whole.trace?.states, "\(w) workers, fingerprint \(fp)")
        }
    }

    func testLivenessGraphSurvivesACheckpoint() throws {
        let m = try modelFile("Models/kernfs_notify.weave", ["design": "kernfs_wq_reclaim", "mdmon_task_work_allocates": "true"])
        var o = CheckOptions()
        o.properties = .only(["md_write_completes"])
        let whole = try Explorer(model: m, options: o).run()
        XCTAssertEqual(whole.verdict.violation?.kind, .liveness)
        let (r, _) = try resumed(m, o, stopAtDepth: 3)
        XCTAssertEqual(r.verdict.violation?.kind, .liveness)
        XCTAssertEqual(r.verdict.violation?.message, whole.verdict.violation?.message)
        XCTAssertEqual(r.verdict.violation?.trace?.states, whole.verdict.violation?.trace?.states)
        XCTAssertEqual(r.statistics.distinct, whole.statistics.distinct)
    }

    func testACheckpointOfAnotherRunIsRefused() throws {
        let m = try modelFile("Benchmarks/flush_race.weave", ["THREADS": "3"])
        let dir = try tempDir()
        var o = options(workers: 1, fingerprint: false)
        o.checkpointDirectory = dir
        o.checkpointInterval = 0
        o.maxDepth = 3
        _ = try Explorer(model: m, options: o).run()
        let other = try Explorer(model: m, options: options(workers: 2, fingerprint: false))
        XCTAssertThrowsError(try other.resume(from: dir)) { e in
            XCTAssertTrue("\(e)".contains("another model, setting or options"), "\(e)")
        }
        let m4 = try modelFile("Benchmarks/flush_race.weave", ["THREADS": "4"])
        XCTAssertThrowsError(try Explorer(model: m4, options: options(workers: 1, fingerprint: false)).resume(from: dir))
        XCTAssertThrowsError(try Explorer(model: m, options: CheckOptions()).resume(from: dir + "/nothing-here"))
        // A truncated file is an error, not a crash.
        let path = dir + "/search.ckpt"
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Explorer(model: m, options: options(workers: 1, fingerprint: false)).resume(from: dir)) { e in
            XCTAssertTrue("\(e)".contains("truncated"), "\(e)")
        }
    }
}

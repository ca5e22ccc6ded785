import Foundation
@testable import WeaveExplorer
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

    // MARK: damaged checkpoints (issue 16 item 2, review bug B3)

    /// The model of review bug B3: violated at x = 75, and a checkpoint at 50 states.
    static let counter = "var x: 0..255 = 0\nprocess p {\n  s: if x < 100 { x = x + 1 }\n     goto s\n}\ninvariant never: x != 75\n"

    /// The sections of a checkpoint file (format 02): each one's name, as resume
    /// messages give it, and its bytes (tag, length, payload, checksum).
    func sections(_ d: [UInt8]) -> [(name: String, range: Range<Int>)] {
        func u64(_ at: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(d[at + $1]) << (8 * UInt64($1)) } }
        var out: [(String, Range<Int>)] = []
        var at = 8
        while at + 24 <= d.count {
            let tag = u64(at), length = Int(u64(at + 8))
            let w = tag >> 8
            let name = [1: "header", 2: "tallies of worker \(w)", 3: "states of worker \(w)", 4: "trace records of worker \(w)",
                        5: "fingerprint table of worker \(w)", 6: "state graph", 7: "end"][Int(tag & 0xFF)] ?? "?"
            out.append((name, at..<(at + 24 + length)))
            at += 24 + length
            if tag == 7 { break }
        }
        return out
    }

    /// Changing any one byte of a checkpoint, in any section (the header's tallies, a
    /// frontier state, a parent record, the fingerprint table, a checksum, a length)
    /// makes `--resume` refuse it, naming the file and the section; the untouched file
    /// resumes to the uninterrupted run's violation.
    func testEveryChangedByteIsRefusedNamingTheFileAndSection() throws {
        let m = try model(CheckpointTests.counter)
        for (w, fp) in [(1, false), (2, false), (1, true), (2, true)] {
            let mode = "\(w) workers, fingerprint \(fp)"
            let o = options(workers: w, fingerprint: fp)
            let whole = try XCTUnwrap(try Explorer(model: m, options: o).run().verdict.violation)
            let dir = try tempDir()
            var first = o
            first.checkpointDirectory = dir
            first.checkpointInterval = 0
            first.maxStates = 50
            XCTAssertNotNil(try Explorer(model: m, options: first).run().verdict.incompleteReason)
            let path = dir + "/search.ckpt"
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let parts = sections(original)
            XCTAssertEqual(parts.first?.name, "header", mode)
            XCTAssertEqual(parts.last?.name, "end", mode)
            XCTAssertEqual(parts.last?.range.upperBound, original.count, mode)
            XCTAssertEqual(parts.count, 3 + w * (fp ? 4 : 3), mode)
            // Every byte of the one-worker exact file; of the others, the first, middle
            // and last bytes of each section's fields.
            var offsets: [Int] = Array(0..<8)
            for (_, r) in parts {
                if w == 1 && !fp { offsets += Array(r) } else {
                    let payload = (r.lowerBound + 16)..<(r.upperBound - 8)
                    offsets += [r.lowerBound, r.lowerBound + 3, r.lowerBound + 8, r.lowerBound + 15, r.upperBound - 8, r.upperBound - 1]
                    if !payload.isEmpty {
                        offsets += [payload.lowerBound, payload.lowerBound + payload.count / 2, payload.upperBound - 1]
                    }
                }
            }
            for i in offsets {
                var bytes = original
                bytes[i] ^= UInt8(truncatingIfNeeded: i % 255 + 1)
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                let section = parts.first { $0.range.contains(i) }?.name
                XCTAssertThrowsError(try Explorer(model: m, options: o).resume(from: dir), "\(mode): byte \(i) changed") { e in
                    let text = "\(e)"
                    XCTAssertTrue(text.hasPrefix(path + " "), "\(mode), byte \(i): \(text)")
                    if let section {
                        XCTAssertTrue(text.contains("section '\(section)'"), "\(mode), byte \(i) (\(section)): \(text)")
                    } else {
                        XCTAssertTrue(text.contains("not a Weave checkpoint") || text.contains("format"), "\(mode), byte \(i): \(text)")
                    }
                }
            }
            // A byte more or less is refused too.
            try Data(original + [0]).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try Explorer(model: m, options: o).resume(from: dir)) { XCTAssertTrue("\($0)".contains("follow its end"), "\($0)") }
            try Data(original.dropLast()).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try Explorer(model: m, options: o).resume(from: dir)) { XCTAssertTrue("\($0)".contains("section 'end'"), "\($0)") }
            // Untouched, it resumes to the same violation and trace.
            try Data(original).write(to: URL(fileURLWithPath: path))
            let again = try Explorer(model: m, options: o)
            try again.resume(from: dir)
            let v = try XCTUnwrap(again.run().verdict.violation, mode)
            XCTAssertEqual(v.property, whole.property, mode)
            XCTAssertEqual(v.trace?.states.count, 76, mode)
            XCTAssertEqual(v.trace?.states, whole.trace?.states, mode)
        }
    }

    /// A checkpoint of the format before checksums (01) is refused with the reason.
    func testAnOlderFormatIsRefusedByName() throws {
        let m = try model(CheckpointTests.counter)
        let dir = try tempDir()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data("WAEVCK01".utf8 + [UInt8](repeating: 7, count: 200)).write(to: URL(fileURLWithPath: dir + "/search.ckpt"))
        XCTAssertThrowsError(try Explorer(model: m, options: options(workers: 1, fingerprint: false)).resume(from: dir)) { e in
            XCTAssertTrue("\(e)".contains("a checkpoint of format 01, which this Weave does not read"), "\(e)")
        }
        try Data("hello, world".utf8).write(to: URL(fileURLWithPath: dir + "/search.ckpt"))
        XCTAssertThrowsError(try Explorer(model: m, options: options(workers: 1, fingerprint: false)).resume(from: dir)) { e in
            XCTAssertTrue("\(e)".contains("is not a Weave checkpoint"), "\(e)")
        }
    }

    /// The checksum is CRC-64/XZ: its published check value, and a longer input (the
    /// eight-bytes-a-step path) against a bit-by-bit computation.
    func testChecksumIsCRC64() {
        func crc(_ b: [UInt8]) -> UInt64 { b.withUnsafeBytes { CRC64.of($0.baseAddress!, count: b.count) } }
        func bitwise(_ b: [UInt8]) -> UInt64 {
            var c = UInt64.max
            for x in b {
                c ^= UInt64(x)
                for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ 0xC96C_5795_D787_0F42 : c >> 1 }
            }
            return ~c
        }
        XCTAssertEqual(crc(Array("123456789".utf8)), 0x995D_C9BB_DF19_39FA)
        let long = (0..<3).flatMap { _ in (0...255).map { UInt8($0) } } + Array("abc".utf8)
        XCTAssertEqual(crc(long), 0x3D58_9467_F7A6_DB9D)
        for n in [0, 1, 7, 8, 9, 15, 16, 17, 100] { XCTAssertEqual(crc(Array(long.prefix(n))), bitwise(Array(long.prefix(n))), "\(n)") }
    }
}

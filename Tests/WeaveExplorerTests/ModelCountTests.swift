import WeaveExplorer
import WeaveIR
import XCTest

/// Each shipped model's distinct states at its default sizes, per design, with the
/// whole state space explored (no property stops the search; unchecked queue bounds
/// block). A change in a model or in the explorer's semantics shows up here.
final class ModelCountTests: XCTestCase {
    static let pinned: [(String, String, Int)] = [
        ("flush_delayed_fput", "flush_delayed_fput", 322), ("flush_delayed_fput", "fput_sync", 16),
        ("flush_delayed_fput", "fput_queued", 25), ("flush_delayed_fput", "flush_waits_for_all", 546),
        ("task_work_fput", "current", 659), ("task_work_fput", "pf_runs_task_work", 100), ("task_work_fput", "kthread_no_run", 441),
        ("work_exited", "sentinel", 71), ("work_exited", "flag_then_run", 88), ("work_exited", "born_exited", 124),
        ("kernfs_notify", "system_wq", 3), ("kernfs_notify", "kernfs_wq_reclaim", 17),
        ("kernfs_release", "release_at_sever", 34), ("kernfs_release", "free_at_last_fput", 20),
        ("umount_delayed_fput", "global_list", 4023), ("umount_delayed_fput", "per_task_defer", 1782),
    ]

    func testDistinctStatesAtDefaultSizes() throws {
        for (file, design, expected) in Self.pinned {
            let m = try modelFile("Models/\(file).weave", ["design": design])
            let r = try check(m, properties: .only([]), deadlock: false, liveness: false)
            XCTAssertTrue(r.verdict.isHolds, "\(file) \(design): \(r.verdict)")
            XCTAssertEqual(r.statistics.distinct, expected, "(\"\(file)\", \"\(design)\", \(r.statistics.distinct)),")
        }
    }
}

import Foundation
import WeaveExplorer
import WeaveIR
import WeaveSema
import XCTest

/// McKenney's lesson: insert bugs on purpose to check the checker. Each test takes a
/// design that holds, removes a lock, a sentinel, a flag or a wait from the model's
/// text (or from the kernel library it imports), and expects the explorer to catch
/// it; the same design unmutated must hold, so the catch is the edit's doing.
final class SeededBugTests: XCTestCase {
    /// One text edit in one file of Models/ (or Tests/Fixtures/).
    struct Edit {
        let file: String
        let old: String
        let new: String
    }

    /// What the mutant must show.
    enum Expected {
        case property(String)
        case kind(ViolationKind)
        case anyOf([String])
    }

    /// Copies Models/ and Tests/Fixtures/ into a scratch directory, applies `edits` (each
    /// `old` must occur exactly once in its file), and explores `model` both ways.
    func seeded(_ model: String, _ settings: [String: String], _ edits: [Edit], expect: Expected,
                properties: PropertySelection = .all, file: StaticString = #filePath, line: UInt = #line) throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("weave-seeded-\(getpid())-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: work) }
        try FileManager.default.createDirectory(atPath: work + "/Tests", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: repoRoot + "/Models", toPath: work + "/Models")
        try FileManager.default.copyItem(atPath: repoRoot + "/Tests/Fixtures", toPath: work + "/Tests/Fixtures")

        // The unmutated design holds, with the same selection of properties.
        let original = try Sema.elaborate(try Loader.load(path: work + "/" + model), overrides: settings).0
        let before = try check(original, properties: properties)
        XCTAssertTrue(before.verdict.isHolds, "unmutated \(model) \(settings): \(before.verdict)", file: file, line: line)

        for e in edits {
            let path = work + "/" + e.file
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let n = text.components(separatedBy: e.old).count - 1
            XCTAssertEqual(n, 1, "'\(e.old)' occurs \(n) times in \(e.file)", file: file, line: line)
            try text.replacingOccurrences(of: e.old, with: e.new).write(toFile: path, atomically: true, encoding: .utf8)
        }
        let mutant = try Sema.elaborate(try Loader.load(path: work + "/" + model), overrides: settings).0
        for dfs in [false, true] {
            let r = try check(mutant, dfs: dfs, properties: properties)
            guard let v = r.verdict.violation else {
                XCTFail("\(dfs ? "DFS" : "BFS") misses the seeded bug in \(model) \(settings): \(r.verdict)", file: file, line: line)
                continue
            }
            // Liveness is checked after a breadth-first search only.
            if dfs, case .kind(.liveness) = expect { continue }
            switch expect {
            case .property(let p): XCTAssertEqual(v.property, p, v.message, file: file, line: line)
            case .kind(let k): XCTAssertEqual(v.kind, k, v.message, file: file, line: line)
            case .anyOf(let ps): XCTAssertTrue(ps.contains(v.property), "\(v.property): \(v.message)", file: file, line: line)
            }
            if v.kind != .unreachable { XCTAssertNotNil(v.trace, file: file, line: line) }
        }
    }

    static let close = "close completed before rename"

    // MARK: flush_delayed_fput.weave

    func testFlushWaitsForAllWithoutTheWaitRaces() throws {
        try seeded("Models/flush_delayed_fput.weave", ["design": "flush_waits_for_all"],
                   [Edit(file: "Models/flush_delayed_fput.weave", old: "    await size(wait_for * busy) == 0 && !(wait_worker && worker_busy)\n", new: "    skip\n")],
                   expect: .property(Self.close))
    }

    func testFlushWaitsForAllWithoutTheBusyFlagRaces() throws {
        try seeded("Models/flush_delayed_fput.weave", ["design": "flush_waits_for_all"],
                   [Edit(file: "Models/flush_delayed_fput.weave", old: "        busy = busy + {t}\n", new: "")],
                   expect: .property(Self.close), properties: .only([Self.close]))
    }

    func testFlushWaitsForAllWithoutTheWorkerBusyFlagRaces() throws {
        // The worker's batch is flagged apart from the nfsd batches (worker_busy); without
        // the flag a flush does not wait for the worker's __fput (THREADS = 1: the race
        // has only the worker as the other flusher).
        try seeded("Models/flush_delayed_fput.weave", ["design": "flush_waits_for_all", "THREADS": "1"],
                   [Edit(file: "Models/flush_delayed_fput.weave", old: "      worker_busy = true\n", new: "      skip\n")],
                   expect: .property(Self.close), properties: .only([Self.close]))
    }

    func testFputSyncWithoutTheCloseFails() throws {
        try seeded("Models/flush_delayed_fput.weave", ["design": "fput_sync"],
                   [Edit(file: "Models/flush_delayed_fput.weave", old: "  closed[f] = true\n}", new: "  skip\n}")],
                   expect: .property(Self.close))
    }

    func testQueueWorkWithoutThePendingFlagOverflows() throws {
        // The PENDING bit keeps a work item from being queued twice.
        try seeded("Models/flush_delayed_fput.weave", ["design": "flush_waits_for_all"],
                   [Edit(file: "Models/kernel/workqueue.weave", old: "  if !pending[w] {", new: "  if true {")],
                   expect: .property("overflow(system_wq)"))
    }

    // MARK: work_exited.weave

    func testTaskWorkWithoutTheSentinelLosesWork() throws {
        try seeded("Models/work_exited.weave", ["design": "sentinel"],
                   [Edit(file: "Models/kernel/task_work.weave", old: "        exited = true\n", new: "        skip\n")],
                   expect: .anyOf(["no_work_lost", "adds after exit fail", "irq_thread_dtor_runs"]))
    }

    func testTaskWorkAddWithoutTheCompareLosesWork() throws {
        // A cmpxchg that does not compare: an add can land after the sentinel went in.
        try seeded("Models/work_exited.weave", ["design": "sentinel"],
                   [Edit(file: "Models/kernel/task_work.weave", old: "      if tw_head(works, exited) == seen {", new: "      if true {")],
                   expect: .anyOf(["no_work_lost", "adds after exit fail", "irq_thread_dtor_runs", "runtime error"]))
    }

    // MARK: umount_delayed_fput.weave

    func testPerTaskDeferWithoutTheDrainFailsUmount() throws {
        try seeded("Models/umount_delayed_fput.weave", ["design": "per_task_defer"],
                   [Edit(file: "Models/umount_delayed_fput.weave", old: "    llist_del_all(defer_list[t], taken)\n", new: "    skip\n")],
                   expect: .property("umount after all exits succeeds"))
    }

    func testPerTaskDeferWithoutTheDoneFlagDeadlocks() throws {
        try seeded("Models/umount_delayed_fput.weave", ["design": "per_task_defer"],
                   [Edit(file: "Models/umount_delayed_fput.weave",
                         old: "      llist_add(defer_list[t], t, was_empty)     // on behalf of task t: its own list\n      req_done[t] = true\n",
                         new: "      llist_add(defer_list[t], t, was_empty)\n")],
                   expect: .kind(.deadlock))
    }

    func testPerTaskDeferWithoutTheExitingTaskFallbackFailsUmount() throws {
        // Jens Axboe's case: an exiting task's fput whose task_work_add() fails must go to
        // the task's own list; sent to the global list instead, umount finds the file open.
        try seeded("Models/umount_delayed_fput.weave", ["design": "per_task_defer"],
                   [Edit(file: "Models/umount_delayed_fput.weave",
                         old: "    if design == per_task_defer {\n      llist_add(defer_list[t], t, was_empty)",
                         new: "    if false {\n      llist_add(defer_list[t], t, was_empty)")],
                   expect: .property("umount after all exits succeeds"))
    }

    // MARK: kernfs_release.weave

    func testFreeAtLastFputThatFreesAtSeverIsCaught() throws {
        try seeded("Models/kernfs_release.weave", ["design": "free_at_last_fput"],
                   [Edit(file: "Models/kernfs_release.weave", old: "    if design == free_at_last_fput {\n      done", new: "    if false {\n      done")],
                   expect: .anyOf(["no use of a freed waitqueue", "freed_after_last_fput"]))
    }

    // MARK: task_work_fput.weave

    func testRunningTaskWorkWithLocksHeldIsCaught() throws {
        try seeded("Models/task_work_fput.weave", ["design": "pf_runs_task_work"],
                   [Edit(file: "Models/task_work_fput.weave",
                         old: "    svc_locked[t] = false                 // request done: its locks are dropped\n", new: "")],
                   expect: .property("no locks held while running __fput"))
    }

    func testNeverRunningTaskWorkIsALivenessViolation() throws {
        try seeded("Models/task_work_fput.weave", ["design": "pf_runs_task_work"],
                   [Edit(file: "Models/task_work_fput.weave", old: "    if design == pf_runs_task_work {\n      goto run\n    }\n", new: "")],
                   expect: .kind(.liveness), properties: .only(["every_fput_completes"]))
    }

    func testWorkerThatDropsTheBatchIsALivenessViolation() throws {
        // Per-close liveness is not vacuous: a worker that takes the list but never runs
        // __fput leaves a ticketed close pending for ever (the list itself still drains).
        try seeded("Models/task_work_fput.weave", ["design": "current"],
                   [Edit(file: "Models/task_work_fput.weave", old: "    x = pop(batch)\n    fput_done(x)\n", new: "    x = pop(batch)\n    x = UNTRACKED\n")],
                   expect: .kind(.liveness), properties: .only(["every_fput_completes"]))
    }

    // MARK: kernfs_notify.weave

    func testWithoutTheRescuerTheWriteNeverCompletes() throws {
        try seeded("Models/kernfs_notify.weave", ["design": "kernfs_wq_reclaim"],
                   [Edit(file: "Models/kernfs_notify.weave", old: "    rescuer_pick(pending, worklist, w, nr_workers == 0)\n",
                         new: "    await false\n    rescuer_pick(pending, worklist, w, nr_workers == 0)\n")],
                   expect: .kind(.liveness), properties: .only(["md_write_completes"]))
    }

    // MARK: a lock: Peterson's algorithm (Tests/Fixtures/peterson.weave)

    func testPetersonWithoutTheFlagOrTurnLosesMutualExclusion() throws {
        for (old, new) in [("  again: flag[me] = true\n", "  again: skip\n"),           // no flag
                           ("  t:     turn = 1 - me\n", "  t:     skip\n"),              // no turn
                           ("await flag[1 - me] == false || turn == me", "await true")] { // no wait
            try seeded("Tests/Fixtures/peterson.weave", [:], [Edit(file: "Tests/Fixtures/peterson.weave", old: old, new: new)],
                       expect: .property("mutual exclusion"), properties: .only(["mutual exclusion"]))
        }
    }
}

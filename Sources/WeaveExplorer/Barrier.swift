import CWeaveSupport
import Foundation
import Synchronization

/// A reusable barrier for the search threads that spins before it sleeps.
///
/// A round is a few milliseconds and has two barriers. With pthread's barrier the
/// waiting thread sleeps in the kernel, its virtual CPU halts, and waking it costs the
/// hypervisor an interrupt and a VM entry: measured here (flush_race THREADS=5, two
/// workers) both workers waited 1.3-2.6 s of a 4.5-5.7 s run, ~300 us per barrier,
/// while the work was 3.1 s each. Spinning for up to ~0.3 ms (with the CPU's pause
/// hint) keeps the partner's wake-up at cache-line latency; past that the waiter
/// yields the CPU on every check, so more workers than cores still make progress.
final class Barrier: @unchecked Sendable {
    private let arrived = Atomic<Int>(0)
    private let generation = Atomic<Int>(0)
    let parties: Int
    static let spins = 10_000
    init(_ parties: Int) { self.parties = parties }

    func wait() {
        guard parties > 1 else { return }
        let g = generation.load(ordering: .acquiring)
        if arrived.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == parties {
            arrived.store(0, ordering: .relaxed)
            generation.store(g &+ 1, ordering: .releasing)
            return
        }
        var n = 0
        while generation.load(ordering: .acquiring) == g {
            if n < Barrier.spins { n &+= 1; weave_cpu_relax() } else { sched_yield() }
        }
    }
}

import Synchronization

/// The states of the level being expanded, shared by the workers: partition p's
/// frontier is `start[p] ..< start[p + 1]` of one sequence, and a round expands the
/// sequence up to `roundEnd`, claiming it `grain` states at a time. Only `next` changes
/// during a round; the rest is set by worker 0 between the barriers.
final class LevelClaims: @unchecked Sendable {
    let next = Atomic<Int>(0)
    var start: [Int] = [0]
    var roundEnd = 0
    var total: Int { start[start.count - 1] }
    static let grain = 64

    /// A new level: the partitions' frontiers, none claimed.
    func begin(_ frontiers: [Int]) {
        start = [0]
        for n in frontiers { start.append(start[start.count - 1] + n) }
        next.store(0, ordering: .relaxed)
        roundEnd = 0
    }

    /// Claims the next states of this round: a range of the sequence, or nil when the
    /// round's states are all claimed.
    @inline(__always)
    func claim() -> Range<Int>? {
        let end = roundEnd
        var c = next.load(ordering: .relaxed)
        while c < end {
            let to = min(c &+ LevelClaims.grain, end)
            let (done, seen) = next.compareExchange(expected: c, desired: to, ordering: .relaxed)
            if done { return c..<to }
            c = seen
        }
        return nil
    }

    /// Whether every state of the level has been claimed (and, after the round that
    /// claimed them, expanded).
    var allClaimed: Bool { next.load(ordering: .relaxed) >= total }
}

/// A violation found during a level, before its trace is built. Of all the violations
/// a level shows, the search reports the one with the smallest key: the shortest trace,
/// then the property (`rank`), then the fingerprint of the state it is about. No key
/// depends on thread timing or on the number of workers, so neither does the verdict;
/// and the property reported does not depend on how states are stored either (with or
/// without symmetry reduction the same properties fail first, on other states).
struct Candidate {
    enum What {
        /// No step is enabled in `state`.
        case deadlock
        /// Outcome `ordinal` of `parent` is an assert/overflow violation or a run-time error.
        case step
        /// The new state `state` violates invariant `index`.
        case invariant(Int)
        /// Evaluating an invariant on the new state `state` failed at `site`.
        case invariantError(site: Int32)
    }
    let what: What
    /// Steps in the trace.
    let length: Int
    let key: UInt64
    let parent: UInt32
    let ordinal: UInt32
    let state: UInt32
    /// Which property fails: invariants in declaration order, then the asserts and
    /// overflows (`Engine.stepProperties` order), then run-time errors, then deadlock.
    var rank: Int32 = 0

    @inline(__always)
    func precedes(_ o: Candidate) -> Bool {
        (length, rank, key, ordinal) < (o.length, o.rank, o.key, o.ordinal)
    }
}

extension Explorer {
    // `Candidate.rank` of each kind of violation: invariants in declaration order, then
    // the asserts and overflows, then run-time errors, then deadlock.
    func invariantRank(_ i: Int) -> Int32 { Int32(truncatingIfNeeded: i) }
    /// A failing step's outcome: a step property (`detail` is its index) or a run-time error.
    func stepRank(_ kind: Engine.OutcomeKind, _ detail: Int32) -> Int32 {
        kind == .error ? runtimeErrorRank : Int32(truncatingIfNeeded: model.invariants.count) &+ detail
    }
    var runtimeErrorRank: Int32 { Int32(truncatingIfNeeded: model.invariants.count &+ engine.stepProperties.count) }
    var deadlockRank: Int32 { runtimeErrorRank &+ 1 }

    /// The violation every worker's candidates agree is first (see `Candidate`).
    var bestCandidate: Candidate? { workers.compactMap({ $0.candidate }).min(by: { $0.precedes($1) }) }
}

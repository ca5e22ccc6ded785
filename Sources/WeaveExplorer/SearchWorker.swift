/// A search thread's engine, partition, outboxes and tallies.
final class SearchWorker {
    let index: Int
    let engine: Engine
    let sink: Sink
    let partition: Partition
    /// Two sets (alternate rounds) of one outbox per owning partition: set k's outbox
    /// for partition p is `outboxes[k * workers + p]`.
    let outboxes: [Outbox]
    /// The same, as unmanaged references (the array keeps them alive), so the hot loop
    /// reaches them without reference counting.
    let outboxBase: UnsafeMutablePointer<Unmanaged<Outbox>>
    let coverage: UnsafeMutablePointer<Int>
    let coverageCount: Int
    var generated = 0
    var reachableFound: [Bool]
    /// Symmetry reduction's scratch is per thread: each worker has its own.
    var symmetry: Symmetry?
    var candidate: Candidate?
    /// The most successors one state has had (sizes the shared table's rounds).
    var mostSuccessors = 0

    init(index: Int, engine: Engine, partition: Partition, workers: Int, coverageCount: Int, reachables: Int) {
        self.index = index
        self.engine = engine
        sink = Sink(stateBytes: engine.stateBytes)
        self.partition = partition
        outboxes = (0..<2 * workers).map { _ in Outbox(stateBytes: engine.stateBytes) }
        outboxBase = .allocate(capacity: 2 * workers)
        outboxBase.initialize(from: outboxes.map { Unmanaged.passUnretained($0) }, count: 2 * workers)
        self.coverageCount = max(1, coverageCount)
        coverage = .allocate(capacity: self.coverageCount)
        coverage.initialize(repeating: 0, count: self.coverageCount)
        reachableFound = [Bool](repeating: false, count: reachables)
    }

    deinit { coverage.deallocate(); outboxBase.deallocate() }

    @inline(__always) func note(_ c: Candidate) {
        if let old = candidate, !c.precedes(old) { return }
        candidate = c
    }

    var memoryBytes: Int { partition.memoryBytes + outboxes.reduce(0) { $0 + $1.memoryBytes } }
}

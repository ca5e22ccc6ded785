/// How an explorer searches: which strategy, how many workers, what it keeps. Chosen
/// once, by `SearchPlan.choose`, from the options and the model; every rule that picks
/// a strategy is there, and the search code reads the plan rather than the options.
///
/// - `depthFirst`: one worker, exact states (DepthFirstSearch.swift).
/// - `partitioned`: breadth-first, level by level (LevelSearch.swift), the visited set
///   split by fingerprint into one partition per worker (PartitionedSearch.swift); exact
///   states or fingerprints only; with one worker and exact states it can record the
///   state graph for the liveness pass (ExploredGraph.swift).
/// - `sharedTable`: breadth-first, level by level, exact, two or more workers inserting
///   into one table (SharedSearch.swift).
enum SearchPlan: Equatable, Sendable {
    case depthFirst
    case partitioned(workers: Int, fingerprintOnly: Bool, recordGraph: Bool)
    case sharedTable(workers: Int)

    /// The plan for `options` on a model with `instances` process instances, of whose
    /// liveness properties the options select some (`livenessRuns`).
    static func choose(_ options: CheckOptions, livenessRuns: Bool, instances: Int) -> SearchPlan {
        // Depth-first search is sequential (and keeps exact states for its traces).
        if options.depthFirst { return .depthFirst }
        // A distributed search (DistributedSearch.swift) has one partition per process.
        if options.transport != nil { return .partitioned(workers: 1, fingerprintOnly: options.fingerprintOnly, recordGraph: false) }
        // The liveness pass needs every state in one store: one worker, exact states;
        // the graph is recorded as the search goes when fairness can be tracked in a
        // 64-bit mask (else the pass reports it cannot run).
        if livenessRuns { return .partitioned(workers: 1, fingerprintOnly: false, recordGraph: instances <= 64) }
        let workers = max(1, options.workers)
        if options.fingerprintOnly { return .partitioned(workers: workers, fingerprintOnly: true, recordGraph: false) }
        // Checkpoints hold the partitioned layout: a search that writes or resumes them uses it.
        if workers == 1 || options.checkpointDirectory != nil || options.resumeDirectory != nil {
            return .partitioned(workers: workers, fingerprintOnly: false, recordGraph: false)
        }
        return .sharedTable(workers: workers)
    }

    /// The same search in the partitioned layout (a checkpoint is being resumed).
    var partitionedLayout: SearchPlan {
        if case .sharedTable(let n) = self { return .partitioned(workers: n, fingerprintOnly: false, recordGraph: false) }
        return self
    }

    var workers: Int {
        switch self {
        case .depthFirst: 1
        case .partitioned(let n, _, _), .sharedTable(let n): n
        }
    }

    /// Only fingerprints are kept (breadth-first safety search).
    var fingerprintOnly: Bool {
        if case .partitioned(_, let fp, _) = self { return fp }
        return false
    }

    /// The labelled state graph is recorded during the search, for the liveness pass.
    var recordGraph: Bool {
        if case .partitioned(_, _, let g) = self { return g }
        return false
    }

    var isDepthFirst: Bool { self == .depthFirst }

    var usesSharedTable: Bool {
        if case .sharedTable = self { return true }
        return false
    }
}

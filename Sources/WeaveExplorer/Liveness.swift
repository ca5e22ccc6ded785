import WeaveIR

/// Liveness checking over the explored graph. Until it is implemented a run
/// with liveness properties is reported as incomplete, never as "holds".
struct LivenessChecker {
    let explorer: Explorer
    let properties: [LivenessProperty]
    func run() -> Verdict {
        .incomplete(reason: "liveness checking is not implemented yet (safety properties hold); use --no-liveness")
    }
}

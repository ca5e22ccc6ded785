import WeaveIR

/// Where `weave ci` asks the prover about `proved` expectations.
/// Until the prover lands it answers "not implemented" (a failed expectation).
enum ProverHook {
    static func prove(_ model: Model, _ properties: [String]) -> (got: String, passed: Bool, detail: String) {
        ("unknown", false, "the prover is not implemented yet")
    }
}

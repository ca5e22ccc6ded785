/// Why the prover could not build or decide a query.
enum ProverError: Error, CustomStringConvertible {
    /// A step's unlabelled loop ran past the unrolling bound.
    case unrollBound(String)
    /// A model the encoder cannot represent faithfully.
    case unsupported(String)
    /// An IR shape the encoder does not expect (a bug).
    case `internal`(String)

    var description: String {
        switch self {
        case .unrollBound(let s), .unsupported(let s): return s
        case .internal(let s): return "internal error: \(s)"
        }
    }
}

import WeaveSource
import WeaveSyntax
import WeaveIR

/// `symmetric` types (scalarsets): a range whose values are interchangeable, so the
/// explorer may identify states that differ only by a permutation of them.
///
/// A symmetric type elaborates to an enumeration whose members are its numerals
/// (`IRType.symmetric`): like an enum's, its values have only `==` and `!=`, and an
/// integer is not one of them, so the type checker itself rejects what would break
/// the symmetry (a literal, arithmetic, an order, a conversion to or from an integer).
/// The one place integers may name members is an initial value: the search starts from
/// the canonical forms of the initial states, which is sound for any initial states.
extension Elaborator {
    /// The outcome of reading a constant for a symmetric type.
    enum SymmetricConstant {
        /// `type` is not symmetric (nor a set of one): elaborate as usual.
        case notSymmetric
        /// Reported.
        case failed
        /// The slot value (an ordinal, or a bitmask of ordinals).
        case value(Int64)
    }

    /// An integer literal (or a set of them) as a value of a symmetric type, which is
    /// allowed in initial values only.
    func symmetricConstant(_ e: AExpr, for type: IRType, scope: Scope) -> SymmetricConstant {
        if case .set(let el) = type, el.symmetricName != nil {
            guard case .setLiteral(let items) = e.kind else { return .notSymmetric }
            var mask: Int64 = 0
            for it in items {
                guard case .value(let v) = symmetricConstant(it, for: el, scope: scope) else { return .failed }
                mask |= Int64(1) << v
            }
            return .value(mask)
        }
        guard let name = type.symmetricName, case .enumeration(_, let members) = type,
              let lo = members.first.flatMap({ Int64($0) }) else { return .notSymmetric }
        guard let x = expr(e, scope, expected: type) else { return .failed }
        guard case .literal(let v) = x.op, isInt(x.type) else {
            if compatible(x.type, type), case .literal(let v) = x.op { return .value(v) }
            diags.report(.typeMismatch(expected: name, found: x.type.description), at: e.range)
            return .failed
        }
        if scope.allowState {
            diags.report(.symmetricValueNamed(type: name, value: v), at: e.range)
            return .failed
        }
        guard type.contains(v &- lo) else {
            diags.report(.symmetricValueOutOfRange(value: v, type: name, lo: lo, hi: lo &+ type.cardinality &- 1), at: e.range)
            return .failed
        }
        return .value(v &- lo)
    }

    /// Phrases of the type errors reported as free text rather than as a `SemaDiagnostic`
    /// (the catalogued ones say so with `isTypeError`).
    static let typeErrorPhrases = ["cannot compare", "cannot assign", "needs two integers", "compares integers", "must be a",
                                   "does not belong", "cannot push", "needs an integer", "expected a value of type", "cannot combine",
                                   "cannot copy", "different types", "is not an index", "is out of range", "cannot be a member"]

    /// Whether `d` is a type error (by its kind, or by its words if it has no kind).
    static func isTypeError(_ d: Diagnostic) -> Bool {
        guard d.severity == .error else { return false }
        if let kind = d.kind as? SemaDiagnostic { return kind.isTypeError }
        return typeErrorPhrases.contains { d.message.contains($0) }
    }

    /// Adds to every type error that involves a symmetric type a note saying why the
    /// operation is refused.
    func explainSymmetricTypeErrors() {
        guard !symmetricDecls.isEmpty else { return }
        var items = diags.items
        for (k, d) in items.enumerated() where Elaborator.isTypeError(d) {
            let words = Set(d.message.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).map(String.init))
            for (name, range) in symmetricDecls.sorted(by: { $0.key < $1.key }) where words.contains(name) {
                let note = "\(name) is declared symmetric at \(range.description): its values are interchangeable, so they can only be compared with == and != and named through self, a process index, a quantifier or choose (no integer literals except in initial values, no arithmetic, no order)"
                items[k] = d.addingNotes([note])
                break
            }
        }
        var bag = DiagnosticBag()
        for d in items { bag.append(d) }
        diags = bag
    }
}

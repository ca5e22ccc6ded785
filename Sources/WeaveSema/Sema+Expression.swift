import WeaveSource
import WeaveSyntax
import WeaveIR

extension Sema {
    /// An expression typed as a property would be (no current process: globals, process
    /// locals as `p(i).x`, `p(i)@label`, defs, quantifiers), in the scope of the model
    /// `source` elaborates to with `overrides`. For `weave explore`'s `eval`; the model
    /// itself must elaborate without errors. `registers` is the number of bound
    /// registers the expression needs (for `forall`/`exists`/`count`).
    public static func expression(_ text: String, in source: ModelSource, overrides: [String: String] = [:])
        throws(DiagnosticsError) -> (expr: WeaveIR.Expr, registers: Int) {
        // Parsed as the body of a def, in parentheses so that trailing tokens are an error.
        let file = SourceFile(path: "<eval>", text: "def __weave_eval = (\n\(text)\n)\n")
        var parser = Parser(file: file)
        let unit = parser.parseFile()
        let parseErrors = parser.diagnostics.items.filter { $0.severity == .error }
        if !parseErrors.isEmpty { throw DiagnosticsError(parseErrors) }
        guard unit.decls.count == 1, case .def(_, let params, let body) = unit.decls[0], params.isEmpty else {
            throw DiagnosticsError([Diagnostic(.error, "expected one expression", at: nil)])
        }
        let el = Elaborator(overrides: overrides, modelName: "eval")
        _ = el.run(source)
        _ = el.processes()
        if el.diags.hasErrors { throw DiagnosticsError(el.diags.items.filter { $0.severity == .error }) }
        el.maxRegisters = 0
        let x = el.expr(body, Scope(), expected: nil)
        let errors = el.diags.items.filter { $0.severity == .error }
        guard let x, errors.isEmpty else {
            throw DiagnosticsError(errors.isEmpty ? [Diagnostic(.error, "the expression cannot be evaluated", at: nil)] : errors)
        }
        return (x, el.maxRegisters)
    }
}

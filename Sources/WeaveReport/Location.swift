import WeaveIR
import WeaveSource

extension Violation {
    /// Where the violation is, as a reviewer reads it: the model's own line (the outermost
    /// macro call when the failing statement is in a macro of `Models/kernel/`), then
    /// the macros it went through down to the failing line:
    /// `task_work_fput.weave:120:5, in llist_add() at kernel/llist.weave:16:3`.
    public var locationText: String? {
        guard let range else { return nil }
        guard let outer = expansion.last else { return range.description }
        // Innermost first in `expansion`: the macro that holds `range` is expansion[0].
        var parts = [outer.call.description]
        for (i, site) in expansion.enumerated().reversed() {
            let at = i == 0 ? range : expansion[i - 1].call
            parts.append("in \(site.macro)() at \(at.description)")
        }
        return parts.joined(separator: ", ")
    }

    /// The model's own line: the outermost macro call, or the range itself.
    public var modelRange: SourceRange? { expansion.last?.call ?? range }
}

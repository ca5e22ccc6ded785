import WeaveSource

/// The kinds of lexical token.
public enum TokenKind: Equatable, Sendable {
    case identifier(String)
    case integer(Int64)
    case string(String)
    case keyword(Keyword)
    case symbol(Symbol)
    case newline
    case eof
}

/// Reserved words.
public enum Keyword: String, Sendable, CaseIterable {
    case model, `import`, const, param, type, `var`, `enum`, bool, set, queue, stack
    case process, fair, strong, end, macro, def, symmetric, ghost
    case `if`, then, `else`, `while`, either, or, choose, `in`, goto, done, skip, await, assert
    case `true`, `false`, any, forall, exists, count, at, `self`
    case invariant, reachable, liveness, expect, holds, violated, proved
    case eventually, always, leadsto
}

/// Punctuation and operators.
public enum Symbol: String, Sendable, CaseIterable {
    case lbrace = "{", rbrace = "}", lparen = "(", rparen = ")", lbracket = "[", rbracket = "]"
    case comma = ",", colon = ":", semicolon = ";", dot = "."
    case dotdot = "..", dotdotless = "..<"
    case assign = "=", eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
    case plus = "+", minus = "-", star = "*", slash = "/", percent = "%"
    case plusAssign = "+=", minusAssign = "-=", increment = "++", decrement = "--"
    case and = "&&", or = "||", not = "!", implies = "=>"
}

/// A token and where it stands.
public struct Token: Sendable {
    public let kind: TokenKind
    public let range: SourceRange
}

extension TokenKind: CustomStringConvertible {
    public var description: String {
        switch self {
        case .identifier(let s): return "identifier '\(s)'"
        case .integer(let v): return "integer \(v)"
        case .string(let s): return "string \"\(s)\""
        case .keyword(let k): return "'\(k.rawValue)'"
        case .symbol(let s): return "'\(s.rawValue)'"
        case .newline: return "end of line"
        case .eof: return "end of file"
        }
    }
}

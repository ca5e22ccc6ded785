import WeaveSource

/// Every diagnostic the lexer and the parser report, with its wording in one place (as
/// `SemaDiagnostic` is for the front end after them). A case's associated values are what
/// its message names: tokens, keywords, limits, and the parser's own phrases saying where a
/// token was expected (`context`). `id` is the case's name and stays stable when wording
/// changes. All are errors.
public enum SyntaxDiagnostic: CataloguedDiagnostic, Equatable {
    // MARK: Lexer
    case unterminatedBlockComment
    case integerTooLarge
    case unterminatedString
    /// A single `&` or `|` (`and` tells which), read as `&&` or `||`.
    case bitwiseOperator(and: Bool)
    case tooManyUnexpectedCharacters(limit: Int)
    case invalidUTF8
    case misplacedByteOrderMark
    case nulByte
    case invisibleCharacter(codePoint: String)
    case nonASCIICharacter(shown: String, codePoint: String)
    case nonASCIISpace(codePoint: String)
    case unexpectedCharacter(shown: String)
    case unexpectedEndOfFile

    // MARK: Tokens and names
    case tooManyErrors(limit: Int)
    /// `expected` is the symbol or keyword that was not there; `context` says where.
    case expectedToken(TokenKind, context: String, found: TokenKind)
    case expectedNameFoundKeyword(what: String, keyword: Keyword)
    case expectedName(what: String, found: TokenKind)
    case nestingTooDeep(limit: Int)
    case operatorChainTooDeep(limit: Int)

    // MARK: Declarations
    case expectedEndOfDeclaration(found: TokenKind)
    case expectedDeclaration(found: TokenKind)
    case keywordNotDeclaration(Keyword)
    case importNeedsPath
    case ghostWithoutVar
    case emptyRecord
    case valueNameNotQuoted
    case emptySetting
    case expectedVerdict(found: TokenKind)
    case expectedPropertyRef(found: TokenKind)

    // MARK: Types
    case emptyEnum
    case symmetricNeedsRange
    case expectedType(found: TokenKind)
    case expectedRangeDots(found: TokenKind)

    // MARK: Statements and expressions
    case expectedStatementEnd(found: TokenKind)
    case assertNeedsMessage
    case chooseNeedsInOrColon
    case comparisonNotAssignment
    case expressionNotStatement
    case blockWithoutStatement
    case expectedStatement(found: TokenKind)
    case expectedExpressionFoundKeyword(Keyword)
    case expectedExpression(found: TokenKind)

    public var severity: Severity { .error }
    public var notes: [String] { [] }
    /// The id and the message of each kind, side by side (`id` and `message` come from here).
    public var entry: (id: String, message: String) {
        switch self {
        case .unterminatedBlockComment: return ("unterminatedBlockComment", "unterminated block comment")
        case .integerTooLarge: return ("integerTooLarge", "integer literal is too large (the limit is \(Int64.max))")
        case .unterminatedString: return ("unterminatedString", "unterminated string literal")
        case .bitwiseOperator(let amp):
            return ("bitwiseOperator", "'\(amp ? "&" : "|")' is not an operator; write '\(amp ? "&&" : "||")' (logical \(amp ? "and" : "or"); Weave has no bitwise operators)")
        case .tooManyUnexpectedCharacters(let limit):
            return ("tooManyUnexpectedCharacters", "more than \(limit) unexpected characters; the rest of the file is not read (is this a Weave model?)")
        case .invalidUTF8: return ("invalidUTF8", "invalid UTF-8 (is this a text file?)")
        case .misplacedByteOrderMark:
            return ("misplacedByteOrderMark", "unexpected character U+FEFF (a byte order mark; one is allowed only at the very start of the file)")
        case .nulByte: return ("nulByte", "unexpected character U+0000 (a NUL byte; is this a text file?)")
        case .invisibleCharacter(let cp): return ("invisibleCharacter", "unexpected invisible character \(cp)")
        case .nonASCIICharacter(let shown, let cp):
            return ("nonASCIICharacter", "unexpected character '\(shown)' (\(cp); names and keywords are ASCII)")
        case .nonASCIISpace(let cp): return ("nonASCIISpace", "unexpected space character \(cp) (use ASCII spaces)")
        case .unexpectedCharacter(let shown): return ("unexpectedCharacter", "unexpected character '\(shown)'")
        case .unexpectedEndOfFile: return ("unexpectedEndOfFile", "unexpected end of file")

        case .tooManyErrors(let limit): return ("tooManyErrors", "more than \(limit) errors; the rest of the file is not parsed")
        case .expectedToken(let t, let context, let found): return ("expectedToken", "expected \(t) \(context), found \(found)")
        case .expectedNameFoundKeyword(let what, let k):
            return ("expectedNameFoundKeyword", "expected \(what), found keyword '\(k.rawValue)' (keywords cannot be used as names)")
        case .expectedName(let what, let found): return ("expectedName", "expected \(what), found \(found)")
        case .nestingTooDeep(let limit): return ("nestingTooDeep", "nesting is too deep (more than \(limit) levels)")
        case .operatorChainTooDeep(let limit):
            return ("operatorChainTooDeep", "nesting is too deep (more than \(limit) levels; a chain of operators counts one level per operator)")

        case .expectedEndOfDeclaration(let found):
            return ("expectedEndOfDeclaration", "expected end of line after declaration, found \(found)")
        case .expectedDeclaration(let found):
            return ("expectedDeclaration", "expected a declaration (const, param, type, var, process, macro, def, invariant, reachable, liveness, expect), found \(found)")
        case .keywordNotDeclaration(let k): return ("keywordNotDeclaration", "expected a declaration, found keyword '\(k.rawValue)'")
        case .importNeedsPath: return ("importNeedsPath", "expected a file path in quotes after 'import'")
        case .ghostWithoutVar: return ("ghostWithoutVar", "expected 'var' after 'ghost'")
        case .emptyRecord: return ("emptyRecord", "a record needs at least one field")
        case .valueNameNotQuoted: return ("valueNameNotQuoted", "expected the value's name in quotes")
        case .emptySetting: return ("emptySetting", "an 'in' setting needs at least one value")
        case .expectedVerdict(let found):
            return ("expectedVerdict", "expected 'holds', 'violated', 'proved' or 'covered', found \(found)")
        case .expectedPropertyRef(let found):
            return ("expectedPropertyRef", "expected a property (a name, a \"message\", overflow(VAR) or deadlock), found \(found)")

        case .emptyEnum: return ("emptyEnum", "an enum needs at least one value")
        case .symmetricNeedsRange: return ("symmetricNeedsRange", "'symmetric' applies to a range type (symmetric 0..<N)")
        case .expectedType(let found):
            return ("expectedType", "expected a type (bool, LO..HI, enum {...}, [I] T, set<T>, queue<T, N>, stack<T, N> or a type name), found \(found)")
        case .expectedRangeDots(let found): return ("expectedRangeDots", "expected '..' or '..<' in a range type, found \(found)")

        case .expectedStatementEnd(let found):
            return ("expectedStatementEnd", "expected a new line or ';' after the statement, found \(found)")
        case .assertNeedsMessage:
            return ("assertNeedsMessage", "expected a message in quotes after the assertion (it names the property)")
        case .chooseNeedsInOrColon: return ("chooseNeedsInOrColon", "expected 'in' or ':' after the chosen variable")
        case .comparisonNotAssignment: return ("comparisonNotAssignment", "expected '=' for an assignment ('==' compares)")
        case .expressionNotStatement:
            return ("expressionNotStatement", "expected '=' or a call: an expression alone is not a statement")
        case .blockWithoutStatement:
            return ("blockWithoutStatement", "a block needs a statement before it (if, while, either, choose)")
        case .expectedStatement(let found): return ("expectedStatement", "expected a statement, found \(found)")
        case .expectedExpressionFoundKeyword(let k):
            return ("expectedExpressionFoundKeyword", "expected an expression, found keyword '\(k.rawValue)'")
        case .expectedExpression(let found): return ("expectedExpression", "expected an expression, found \(found)")
        }
    }
}

extension DiagnosticBag {
    /// Adds a diagnostic of a syntax kind at `range` (lets call sites write `.emptyEnum`).
    mutating func report(_ kind: SyntaxDiagnostic, at range: SourceRange?) {
        append(Diagnostic(kind, at: range))
    }
}

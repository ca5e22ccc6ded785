import WeaveSource

/// Parses one file into a `SourceUnit`, recovering after errors so that one run
/// reports several. Every loop consumes a token or stops (no hangs), and nesting
/// deeper than `maxDepth` is an error, not a stack overflow.
public struct Parser {
    private var tokens: [Token]
    private var p = 0
    private let file: SourceFile
    /// While > 0 (inside parentheses, brackets or a set literal) newlines are not separators.
    private var bracketDepth = 0
    private var depth = 0
    private static let maxDepth = 200
    /// After this many errors (the lexer's included) the parser stops: the rest would be
    /// mostly consequences of the first, and a file of garbage would give one per line.
    public static let maxErrors = 100
    public private(set) var diagnostics = DiagnosticBag()

    private struct Abort: Error {}

    public init(file: SourceFile) {
        self.file = file
        var lexer = Lexer(file: file)
        self.tokens = lexer.tokenize()
        self.diagnostics = lexer.diagnostics
    }

    /// Parses a whole file. Errors are in `diagnostics`.
    public mutating func parseFile() -> SourceUnit {
        var decls: [Decl] = []
        skipNewlines()
        while !atEOF {
            if diagnostics.errorCount >= Parser.maxErrors {
                diagnostics.report(.tooManyErrors(limit: Parser.maxErrors), at: tokens[p].range)
                break
            }
            let before = p
            do {
                if let d = try parseDecl() { decls.append(d) }
                try endOfDecl()
            } catch {
                recoverToDecl()
            }
            if p == before { advance() }   // progress guard
            skipNewlines()
        }
        return SourceUnit(file: file, decls: decls)
    }

    // MARK: token helpers

    private var atEOF: Bool { if case .eof = tokens[p].kind { return true } else { return false } }

    private mutating func peekToken() -> Token {
        if bracketDepth > 0 { while case .newline = tokens[p].kind { p += 1 } }
        return tokens[p]
    }
    private mutating func peek() -> TokenKind { peekToken().kind }
    private func peekRaw(_ k: Int) -> TokenKind { tokens[min(p + k, tokens.count - 1)].kind }

    @discardableResult
    private mutating func advance() -> Token {
        let t = peekToken()
        if p < tokens.count - 1 { p += 1 }
        return t
    }
    private var lastRange: SourceRange { tokens[max(0, p - 1)].range }

    private mutating func skipNewlines() {
        while true {
            switch tokens[p].kind {
            case .newline, .symbol(.semicolon): p += 1
            default: return
            }
        }
    }

    private mutating func check(_ s: Symbol) -> Bool { peek() == .symbol(s) }
    private mutating func check(_ k: Keyword) -> Bool { peek() == .keyword(k) }
    private mutating func accept(_ s: Symbol) -> Bool { if check(s) { advance(); return true }; return false }
    private mutating func accept(_ k: Keyword) -> Bool { if check(k) { advance(); return true }; return false }
    /// Accepts `k` on this line or as the first token of a following line (`}` then
    /// `else` or `or` on the next line); leaves the newlines alone when `k` is not there.
    private mutating func acceptAfterNewlines(_ k: Keyword) -> Bool {
        var q = p
        while q < tokens.count, case .newline = tokens[q].kind { q += 1 }
        guard q < tokens.count, tokens[q].kind == .keyword(k) else { return false }
        p = q
        advance()
        return true
    }

    private mutating func fail(_ kind: SyntaxDiagnostic, at range: SourceRange? = nil) -> Abort {
        diagnostics.report(kind, at: range ?? peekToken().range)
        return Abort()
    }

    private mutating func expect(_ s: Symbol, _ context: String) throws {
        guard accept(s) else { throw fail(.expectedToken(.symbol(s), context: context, found: peek())) }
    }
    private mutating func expect(_ k: Keyword, _ context: String) throws {
        guard accept(k) else { throw fail(.expectedToken(.keyword(k), context: context, found: peek())) }
    }

    private mutating func identifier(_ what: String) throws -> Ident {
        let t = peekToken()
        if case .identifier(let n) = t.kind { advance(); return Ident(n, t.range) }
        if case .keyword(let k) = t.kind {
            throw fail(.expectedNameFoundKeyword(what: what, keyword: k))
        }
        throw fail(.expectedName(what: what, found: t.kind))
    }

    private mutating func endOfDecl() throws {
        switch tokens[p].kind {
        case .newline, .symbol(.semicolon), .eof: return
        default: throw fail(.expectedEndOfDeclaration(found: tokens[p].kind))
        }
    }

    /// Skips to the next line that starts a declaration.
    private mutating func recoverToDecl() {
        bracketDepth = 0
        depth = 0
        var braces = 0
        while !atEOF {
            let k = tokens[p].kind
            if case .symbol(.lbrace) = k { braces += 1 }
            if case .symbol(.rbrace) = k { braces = max(0, braces - 1) }
            if case .newline = k, braces == 0, p + 1 < tokens.count, startsDecl(tokens[p + 1].kind) {
                p += 1
                return
            }
            p += 1
        }
    }

    private func startsDecl(_ k: TokenKind) -> Bool {
        guard case .keyword(let kw) = k else { return false }
        switch kw {
        case .model, .import, .const, .param, .type, .var, .ghost, .process, .fair, .strong, .macro, .def,
             .invariant, .reachable, .liveness, .expect: return true
        default: return false
        }
    }

    private mutating func nested<T>(_ body: (inout Parser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        if depth > Parser.maxDepth { throw fail(.nestingTooDeep(limit: Parser.maxDepth)) }
        return try body(&self)
    }

    // MARK: declarations

    private mutating func parseDecl() throws -> Decl? {
        let start = peekToken().range
        guard case .keyword(let kw) = peek() else {
            throw fail(.expectedDeclaration(found: peek()))
        }
        switch kw {
        case .model:
            advance()
            return .model(try identifier("a model name"))
        case .import:
            advance()
            let t = advance()
            guard case .string(let path) = t.kind else { throw fail(.importNeedsPath, at: t.range) }
            return .importFile(path, start.to(t.range))
        case .const:
            advance()
            let name = try identifier("a constant name")
            try expect(.assign, "after the constant's name")
            return .constant(name, try parseExpr())
        case .param:
            advance()
            let name = try identifier("a parameter name")
            try expect(.colon, "after the parameter's name")
            let type = try parseType()
            try expect(.assign, "before the parameter's default value")
            return .param(name, type, try parseExpr())
        case .type:
            advance()
            let name = try identifier("a type name")
            try expect(.assign, "after the type's name")
            // `record` is not a keyword: `type F = record { ... }` declares a record type.
            if case .identifier("record") = peek(), peekRaw(1) == .symbol(.lbrace) {
                return .typeAlias(name, try parseRecordType())
            }
            var type = try parseType()
            if case .identifier("names") = peek() {
                advance()
                type.valueNames = try parseValueNames()
            }
            return .typeAlias(name, type)
        case .var:
            return .variable(try parseVarDecl())
        case .ghost:
            advance()
            guard check(.var) else { throw fail(.ghostWithoutVar) }
            var v = try parseVarDecl()
            v.isGhost = true
            return .variable(v)
        case .process, .fair, .strong:
            return .process(try parseProcess())
        case .macro:
            advance()
            let name = try identifier("a macro name")
            var params: [Ident] = []
            if accept(.lparen) {
                bracketDepth += 1
                if !check(.rparen) {
                    repeat { params.append(try identifier("a macro parameter")) } while accept(.comma)
                }
                bracketDepth -= 1
                try expect(.rparen, "after the macro's parameters")
            }
            let body = try parseBlock()
            return .macro(name, params, body, start.to(lastRange))
        case .def:
            advance()
            let name = try identifier("a definition name")
            var params: [Ident] = []
            if accept(.lparen) {
                bracketDepth += 1
                if !check(.rparen) {
                    repeat { params.append(try identifier("a parameter")) } while accept(.comma)
                }
                bracketDepth -= 1
                try expect(.rparen, "after the parameters")
            }
            try expect(.assign, "before the definition's expression")
            return .def(name, params, try parseExpr())
        case .invariant, .reachable, .liveness:
            advance()
            let name = try propertyName()
            try expect(.colon, "after the property's name")
            skipNewlines()
            let e = try parseExpr()
            switch kw {
            case .invariant: return .invariant(name, e)
            case .reachable: return .reachable(name, e)
            default: return .liveness(name, e)
            }
        case .expect:
            advance()
            return try parseExpect(start)
        default:
            throw fail(.keywordNotDeclaration(kw))
        }
    }

    /// Property names are identifiers or strings.
    private mutating func propertyName() throws -> Ident {
        let t = peekToken()
        if case .string(let s) = t.kind { advance(); return Ident(s, t.range) }
        return try identifier("a property name")
    }

    /// `record { NAME: TYPE, ... }` (commas or new lines between the fields).
    private mutating func parseRecordType() throws -> TypeExpr {
        let start = advance().range
        try expect(.lbrace, "after 'record'")
        bracketDepth += 1
        defer { bracketDepth -= 1 }
        var fields: [(name: Ident, type: TypeExpr)] = []
        while !check(.rbrace) {
            let f = try identifier("a field name")
            try expect(.colon, "after the field's name (a field is NAME: TYPE)")
            fields.append((f, try parseType()))
            _ = accept(.comma)
        }
        try expect(.rbrace, "to close the record")
        if fields.isEmpty { throw fail(.emptyRecord, at: start) }
        return TypeExpr(kind: .record(fields), range: start.to(lastRange))
    }

    /// `{ VALUE: "shown", ... }` after `names` in a type declaration.
    private mutating func parseValueNames() throws -> [(Expr, String)] {
        try expect(.lbrace, "after 'names'")
        bracketDepth += 1
        defer { bracketDepth -= 1 }
        var out: [(Expr, String)] = []
        while !check(.rbrace) {
            let v = try parseExpr()
            try expect(.colon, "after the value in 'names { VALUE: \"name\" }'")
            let t = advance()
            guard case .string(let text) = t.kind else { throw fail(.valueNameNotQuoted, at: t.range) }
            out.append((v, text))
            if !accept(.comma) { break }
        }
        try expect(.rbrace, "to close 'names {'")
        return out
    }

    private mutating func parseVarDecl() throws -> VarDecl {
        let start = peekToken().range
        try expect(.var, "")
        let name = try identifier("a variable name")
        try expect(.colon, "after the variable's name (every variable has a type)")
        let type = try parseType()
        let initializer: Initializer
        if accept(.in) {
            initializer = .oneOf(try parseExpr())
        } else {
            try expect(.assign, "before the variable's initial value (every variable has one)")
            let t = peekToken()
            if case .keyword(.any) = t.kind {
                advance()
                initializer = .any(t.range)
            } else if case .symbol(.lbracket) = t.kind, case .identifier(let n) = peekRaw(1), case .symbol(.colon) = peekRaw(2) {
                // `[t: EXPR]`: each element from its index.
                advance()
                let v = advance()
                advance()
                bracketDepth += 1
                let e = try parseExpr()
                bracketDepth -= 1
                try expect(.rbracket, "to close '[\(n): ...]'")
                initializer = .perIndex(Ident(n, v.range), e, t.range.to(lastRange))
            } else {
                initializer = .value(try parseExpr())
            }
        }
        return VarDecl(name: name, type: type, initializer: initializer, range: start.to(lastRange))
    }

    private mutating func parseProcess() throws -> ProcessDecl {
        let start = peekToken().range
        var fairness = Fairness.unfair
        if accept(.strong) {
            try expect(.fair, "after 'strong'")
            fairness = .strong
        } else if accept(.fair) {
            fairness = .weak
        }
        try expect(.process, "")
        let name = try identifier("a process name")
        var index: (Ident, TypeExpr)? = nil
        if accept(.lparen) {
            bracketDepth += 1
            let v = try identifier("the process index name")
            try expect(.colon, "after the process index name")
            let t = try parseType()
            bracketDepth -= 1
            try expect(.rparen, "after the process index")
            index = (v, t)
        }
        let condition = accept(.if) ? try parseExpr() : nil
        try expect(.lbrace, "to open the process body")
        skipNewlines()
        var locals: [VarDecl] = []
        while check(.var) || check(.ghost) {
            if diagnostics.errorCount >= Parser.maxErrors { throw Abort() }
            let ghost = accept(.ghost)
            do {
                var v = try parseVarDecl()
                v.isGhost = ghost
                locals.append(v)
            } catch { recoverStatement() }
            skipNewlines()
        }
        let body = try parseStatements()
        try expect(.rbrace, "to close the process body")
        var decl = ProcessDecl(name: name, index: index, fairness: fairness, locals: locals, body: body,
                               range: start.to(lastRange))
        decl.condition = condition
        return decl
    }

    private mutating func parseExpect(_ start: SourceRange) throws -> Decl {
        var settings: [Setting] = []
        if !check(.colon) {
            repeat {
                let name = try identifier("a param or const name")
                if accept(.in) {
                    let open = peekToken().range
                    try expect(.lbrace, "after 'in'")
                    bracketDepth += 1
                    var values: [Expr] = []
                    if !check(.rbrace) { repeat { values.append(try parseExpr()) } while accept(.comma) }
                    bracketDepth -= 1
                    try expect(.rbrace, "to close the list of values")
                    if values.isEmpty { throw fail(.emptySetting, at: open) }
                    settings.append(Setting(name: name, values: values))
                } else {
                    try expect(.assign, "after '\(name.name)' (a setting is NAME = VALUE or NAME in {VALUES})")
                    settings.append(Setting(name: name, values: [try parseExpr()]))
                }
            } while accept(.comma)
        }
        try expect(.colon, "before the expected verdict")
        if accept(.holds) {
            var props: [PropertyRef] = []
            if !atLineEnd {
                repeat { props.append(try parsePropertyRef()) } while accept(.comma)
            }
            return .expect(settings, .holds(props), start.to(lastRange))
        }
        if accept(.violated) {
            return .expect(settings, .violated(try parsePropertyRef()), start.to(lastRange))
        }
        if accept(.proved) {
            var props: [PropertyRef] = []
            repeat { props.append(try parsePropertyRef()) } while accept(.comma)
            return .expect(settings, .proved(props), start.to(lastRange))
        }
        if case .identifier("covered") = peek() {
            advance()
            var steps: [String] = []
            if case .identifier("except") = peek() {
                advance()
                repeat {
                    let p = try identifier("a process name (except PROCESS.LABEL, ...)")
                    try expect(.dot, "between the process and the label")
                    var label = try identifier("a label")
                    // A macro's label, OUTER.INNER.
                    while accept(.dot) { label = Ident(label.name + "." + (try identifier("a label")).name, label.range) }
                    steps.append("\(p.name).\(label.name)")
                } while accept(.comma)
            }
            return .expect(settings, .covered(steps), start.to(lastRange))
        }
        throw fail(.expectedVerdict(found: peek()))
    }

    private var atLineEnd: Bool {
        switch tokens[p].kind {
        case .newline, .eof, .symbol(.semicolon): return true
        default: return false
        }
    }

    private mutating func parsePropertyRef() throws -> PropertyRef {
        let t = peekToken()
        switch t.kind {
        case .string(let s): advance(); return .message(s, t.range)
        case .identifier("deadlock"): advance(); return .deadlock(t.range)
        case .identifier("overflow") where peekRaw(1) == .symbol(.lparen):
            advance(); advance()
            var v = try identifier("a queue variable")
            // A process-local queue: overflow(nfsd.batch); a record's queue field: overflow(f.q),
            // overflow(nfsd.f.q).
            while accept(.dot) {
                let local = try identifier("a local queue after '.'")
                v = Ident(v.name + "." + local.name, v.range.to(local.range))
            }
            try expect(.rparen, "after the queue variable")
            return .overflow(v)
        case .identifier(let n): advance(); return .name(Ident(n, t.range))
        default: throw fail(.expectedPropertyRef(found: t.kind))
        }
    }

    // MARK: types

    private mutating func parseType() throws -> TypeExpr {
        try nested { try $0.parseTypeInner() }
    }

    private mutating func parseTypeInner() throws -> TypeExpr {
        let start = peekToken().range
        switch peek() {
        case .keyword(.bool):
            advance()
            return TypeExpr(kind: .bool, range: start)
        case .keyword(.enum):
            advance()
            try expect(.lbrace, "after 'enum'")
            bracketDepth += 1
            var names: [Ident] = []
            if !check(.rbrace) { repeat { names.append(try identifier("an enum value")) } while accept(.comma) }
            bracketDepth -= 1
            try expect(.rbrace, "to close the enum")
            if names.isEmpty { throw fail(.emptyEnum, at: start) }
            return TypeExpr(kind: .enumeration(names), range: start.to(lastRange))
        case .symbol(.lbracket):
            advance()
            bracketDepth += 1
            let index = try parseType()
            bracketDepth -= 1
            try expect(.rbracket, "after the array's index type")
            let element = try parseType()
            return TypeExpr(kind: .array(index: index, element: element), range: start.to(element.range))
        case .keyword(.set):
            advance()
            try expect(.lt, "after 'set' (write set<T>)")
            let e = try parseType()
            try expect(.gt, "to close set<...>")
            return TypeExpr(kind: .set(e), range: start.to(lastRange))
        case .keyword(.queue), .keyword(.stack):
            let lifo = check(.stack)
            advance()
            try expect(.lt, "after '\(lifo ? "stack" : "queue")' (write \(lifo ? "stack" : "queue")<T, N>)")
            let e = try parseType()
            try expect(.comma, "between the element type and the capacity")
            // The capacity is an additive expression: '>' closes the type.
            let cap = try parseBinary(level: 5)
            try expect(.gt, "to close the type")
            return TypeExpr(kind: .queue(element: e, capacity: cap, lifo: lifo), range: start.to(lastRange))
        case .keyword(.symmetric):
            advance()
            let inner = try parseTypeInner()
            guard case .range = inner.kind else {
                throw fail(.symmetricNeedsRange, at: inner.range)
            }
            return TypeExpr(kind: .symmetric(inner), range: start.to(inner.range))
        case .identifier(let n):
            if case .symbol(let s) = peekRaw(1), s == .dotdot || s == .dotdotless {
                return try parseRangeType(start)
            }
            if case .symbol(let s) = peekRaw(1), [.plus, .minus, .star, .slash].contains(s) {
                return try parseRangeType(start)
            }
            advance()
            return TypeExpr(kind: .named(n), range: start)
        case .integer, .symbol(.minus), .symbol(.lparen):
            return try parseRangeType(start)
        default:
            throw fail(.expectedType(found: peek()))
        }
    }

    private mutating func parseRangeType(_ start: SourceRange) throws -> TypeExpr {
        let lo = try parseBinary(level: 5)
        let exclusive: Bool
        if accept(.dotdotless) { exclusive = true }
        else if accept(.dotdot) { exclusive = false }
        else { throw fail(.expectedRangeDots(found: peek())) }
        let hi = try parseBinary(level: 5)
        return TypeExpr(kind: .range(lo: lo, hi: hi, exclusive: exclusive), range: start.to(hi.range))
    }

    /// After `in`: a set expression, or a range `LO..HI` / `LO..<HI`.
    private mutating func parseInDomain() throws -> Domain {
        let start = peekToken().range
        let e = try parseBinary(level: 5)
        if check(.dotdot) || check(.dotdotless) {
            let exclusive = accept(.dotdotless)
            if !exclusive { try expect(.dotdot, "") }
            let hi = try parseBinary(level: 5)
            return .type(TypeExpr(kind: .range(lo: e, hi: hi, exclusive: exclusive), range: start.to(hi.range)))
        }
        return .set(e)
    }

    // MARK: statements

    private mutating func parseBlock() throws -> [Stmt] {
        try expect(.lbrace, "to open a block")
        let saved = bracketDepth
        bracketDepth = 0
        defer { bracketDepth = saved }
        let body = try nested { try $0.parseStatements() }
        try expect(.rbrace, "to close the block")
        return body
    }

    /// Statements up to a closing brace (not consumed).
    private mutating func parseStatements() throws -> [Stmt] {
        var out: [Stmt] = []
        skipNewlines()
        while !check(.rbrace) && !atEOF {
            // Give up on the declaration; parseFile then stops too.
            if diagnostics.errorCount >= Parser.maxErrors { throw Abort() }
            let before = p
            do {
                out.append(try parseLabelledStatement())
                if !(check(.rbrace) || atLineEnd) {
                    throw fail(.expectedStatementEnd(found: peek()))
                }
            } catch {
                recoverStatement()
            }
            if p == before { advance() }
            skipNewlines()
        }
        return out
    }

    /// Skips to the end of the current line or a closing brace, keeping braces balanced.
    private mutating func recoverStatement() {
        bracketDepth = 0
        var braces = 0
        while !atEOF {
            switch tokens[p].kind {
            case .symbol(.lbrace): braces += 1
            case .symbol(.rbrace):
                if braces == 0 { return }
                braces -= 1
            case .newline, .symbol(.semicolon):
                if braces == 0 { return }
            default: break
            }
            p += 1
        }
    }

    private mutating func parseLabelledStatement() throws -> Stmt {
        var label: Label? = nil
        if case .keyword(.end) = tokens[p].kind {
            advance()
            let name = try identifier("a label name after 'end'")
            try expect(.colon, "after the label")
            label = Label(name: name, isEnd: true)
        } else if case .identifier(let n) = tokens[p].kind, case .symbol(.colon) = peekRaw(1) {
            let r = tokens[p].range
            p += 2
            label = Label(name: Ident(n, r), isEnd: false)
        }
        if let l = label {
            skipNewlines()
            if check(.rbrace) || atEOF {
                // A label at the very end of a body: an implicit 'skip' step.
                var s = Stmt(kind: .skip, range: l.name.range)
                s.label = label
                return s
            }
        }
        var s = try parseStatement()
        s.label = label
        return s
    }

    private mutating func parseStatement() throws -> Stmt {
        let start = peekToken().range
        switch peek() {
        case .keyword(.await):
            advance()
            let e = try parseExpr()
            return Stmt(kind: .await(e), range: start.to(e.range))
        case .keyword(.assert):
            advance()
            let e = try parseExpr()
            let t = peekToken()
            guard case .string(let msg) = t.kind else {
                throw fail(.assertNeedsMessage)
            }
            advance()
            return Stmt(kind: .assert(e, msg), range: start.to(t.range))
        case .keyword(.if):
            advance()
            var arms: [(Expr, [Stmt])] = []
            let c = try parseExpr()
            arms.append((c, try parseBlock()))
            var elseBody: [Stmt]? = nil
            while acceptAfterNewlines(.else) {
                if accept(.if) {
                    let c2 = try parseExpr()
                    arms.append((c2, try parseBlock()))
                } else {
                    elseBody = try parseBlock()
                    break
                }
            }
            return Stmt(kind: .conditional(arms, elseBody), range: start.to(lastRange))
        case .keyword(.while):
            advance()
            let c = try parseExpr()
            let body = try parseBlock()
            return Stmt(kind: .loop(c, body), range: start.to(lastRange))
        case .keyword(.either):
            advance()
            var branches = [try parseBlock()]
            while acceptAfterNewlines(Keyword.or) { branches.append(try parseBlock()) }
            return Stmt(kind: .either(branches), range: start.to(lastRange))
        case .keyword(.choose):
            advance()
            let v = try identifier("a variable name after 'choose'")
            let domain: Domain
            if accept(.in) { domain = try parseInDomain() }
            else if accept(.colon) {
                // `subset` is not a keyword: `choose s: subset S { }` chooses every subset of
                // the set or type `S`; a type named `subset` still reads as one before `{`.
                if case .identifier("subset") = peek(), peekRaw(1) != .symbol(.lbrace) {
                    advance()
                    if case .keyword(let k) = peek(), k == .bool || k == .enum || k == .symmetric {
                        domain = .subsets(.type(try parseType()))
                    } else {
                        domain = .subsets(try parseInDomain())
                    }
                } else {
                    domain = .type(try parseType())
                }
            }
            else { throw fail(.chooseNeedsInOrColon) }
            let body = try parseBlock()
            return Stmt(kind: .choose(v, domain, body), range: start.to(lastRange))
        case .keyword(.goto):
            advance()
            let l = try identifier("a label after 'goto'")
            return Stmt(kind: .goto(l), range: start.to(l.range))
        case .keyword(.done):
            advance()
            return Stmt(kind: .done, range: start)
        case .keyword(.skip):
            advance()
            return Stmt(kind: .skip, range: start)
        case .identifier, .keyword(.self):
            let lhs = try parsePostfix()
            if accept(.assign) {
                let rhs = try parseExpr()
                return Stmt(kind: .assign(lhs, rhs), range: start.to(rhs.range))
            }
            // `x += e`, `x -= e`, `x++`, `x--`: shorthands for `x = x + e` ... (one step, one update).
            let opToken = peekToken()
            let compound: (BinaryOp, Expr?)?
            switch opToken.kind {
            case .symbol(.plusAssign): advance(); compound = (.add, try parseExpr())
            case .symbol(.minusAssign): advance(); compound = (.sub, try parseExpr())
            case .symbol(.increment): advance(); compound = (.add, nil)
            case .symbol(.decrement): advance(); compound = (.sub, nil)
            default: compound = nil
            }
            if let (op, e) = compound {
                let rhs = e ?? Expr(kind: .integer(1), range: opToken.range)
                return Stmt(kind: .assign(lhs, Expr(kind: .binary(op, lhs, rhs), range: lhs.range.to(rhs.range))),
                            range: start.to(rhs.range))
            }
            if case .call(let name, let args) = lhs.kind {
                return Stmt(kind: .call(name, args), range: lhs.range)
            }
            if check(.eq) { throw fail(.comparisonNotAssignment) }
            throw fail(.expressionNotStatement, at: lhs.range)
        case .symbol(.lbrace):
            throw fail(.blockWithoutStatement)
        default:
            throw fail(.expectedStatement(found: peek()))
        }
    }

    // MARK: expressions

    /// Parses an expression, including temporal forms (`eventually`, `always`, `leadsto`).
    public mutating func parseExpr() throws -> Expr {
        try nested { try $0.parseBinary(level: 0) }
    }

    private static let levels: [[(TokenKind, BinaryOp)]] = [
        [(.keyword(.leadsto), .leadsto)],
        [(.symbol(.implies), .implies)],
        [(.symbol(.or), .or)],
        [(.symbol(.and), .and)],
        [(.symbol(.eq), .eq), (.symbol(.ne), .ne), (.symbol(.lt), .lt), (.symbol(.le), .le),
         (.symbol(.gt), .gt), (.symbol(.ge), .ge), (.keyword(.in), .member)],
        [(.symbol(.plus), .add), (.symbol(.minus), .sub)],
        [(.symbol(.star), .mul), (.symbol(.slash), .div), (.symbol(.percent), .mod)],
    ]

    private mutating func parseBinary(level: Int) throws -> Expr {
        if level >= Parser.levels.count { return try parseUnary() }
        // `!` binds looser than comparisons: `!x == y` is `!(x == y)`? No: keep C's rule, `!` is unary.
        var lhs = try parseBinary(level: level + 1)
        // Each operator of a chain `a + b + c ...` nests the tree one level deeper (to the
        // left) without recursing here, so it counts towards the nesting limit like a
        // parenthesis: the later passes recurse over the tree (a chain of 1000 `+` overflowed
        // the elaborator's stack).
        var chain = 0
        defer { depth -= chain }
        loop: while true {
            let k = peek()
            for (tk, op) in Parser.levels[level] where tk == k {
                chain += 1
                depth += 1
                if depth > Parser.maxDepth { throw fail(.operatorChainTooDeep(limit: Parser.maxDepth)) }
                advance()
                // A trailing operator continues the expression on the next line.
                while case .newline = tokens[p].kind { p += 1 }
                let rhs = try nested { try $0.parseBinary(level: level + 1) }
                lhs = Expr(kind: .binary(op, lhs, rhs), range: lhs.range.to(rhs.range))
                // Comparisons do not chain.
                if level == 4 { break loop }
                continue loop
            }
            break
        }
        return lhs
    }

    private mutating func parseUnary() throws -> Expr {
        let start = peekToken().range
        switch peek() {
        case .symbol(.not):
            advance()
            let e = try nested { try $0.parseUnary() }
            return Expr(kind: .not(e), range: start.to(e.range))
        case .symbol(.minus):
            advance()
            let e = try nested { try $0.parseUnary() }
            return Expr(kind: .negate(e), range: start.to(e.range))
        case .keyword(.eventually):
            advance()
            let e = try nested { try $0.parseBinary(level: 1) }
            return Expr(kind: .eventually(e), range: start.to(e.range))
        case .keyword(.always):
            advance()
            let e = try nested { try $0.parseBinary(level: 1) }
            return Expr(kind: .always(e), range: start.to(e.range))
        case .keyword(.forall), .keyword(.exists), .keyword(.count):
            let kind: QuantifierKind = check(.forall) ? .forall : check(.exists) ? .exists : .count
            advance()
            let v = try identifier("a bound variable name")
            let domain: Domain
            if accept(.in) {
                domain = try parseInDomain()
            } else {
                try expect(.colon, "after the bound variable (write forall x: Type: expr)")
                domain = .type(try parseType())
            }
            try expect(.colon, "before the quantifier's body")
            while case .newline = tokens[p].kind { p += 1 }
            let body = try parseExpr()
            return Expr(kind: .quantifier(kind, v, domain, body), range: start.to(body.range))
        case .keyword(.if):
            advance()
            let c = try parseExpr()
            try expect(.then, "in a conditional expression (if C then A else B)")
            let a = try parseExpr()
            try expect(.else, "in a conditional expression (if C then A else B)")
            let b = try parseExpr()
            return Expr(kind: .conditional(c, a, b), range: start.to(b.range))
        default:
            return try parsePostfix()
        }
    }

    private mutating func parsePostfix() throws -> Expr {
        var e = try parsePrimary()
        while true {
            if accept(.lbracket) {
                bracketDepth += 1
                let i = try parseExpr()
                bracketDepth -= 1
                try expect(.rbracket, "after the index")
                e = Expr(kind: .index(e, i), range: e.range.to(lastRange))
            } else if accept(.dot) {
                let m = try identifier("a field or local variable name after '.'")
                e = Expr(kind: .member(e, m), range: e.range.to(m.range))
            } else {
                return e
            }
        }
    }

    private mutating func parseArgs() throws -> [Expr] {
        try expect(.lparen, "")
        bracketDepth += 1
        var args: [Expr] = []
        if !check(.rparen) { repeat { args.append(try parseExpr()) } while accept(.comma) }
        bracketDepth -= 1
        try expect(.rparen, "to close the argument list")
        return args
    }

    private mutating func parsePrimary() throws -> Expr {
        let t = peekToken()
        switch t.kind {
        case .integer(let v):
            advance()
            return Expr(kind: .integer(v), range: t.range)
        case .keyword(.true), .keyword(.false):
            advance()
            return Expr(kind: .boolean(t.kind == .keyword(.true)), range: t.range)
        case .keyword(.self):
            advance()
            return Expr(kind: .selfIndex, range: t.range)
        case .keyword(.at):
            advance()
            try expect(.lparen, "after 'at' (write at(process, label))")
            bracketDepth += 1
            let proc = try parsePostfix()
            try expect(.comma, "between the process and the label")
            let lt = peekToken()
            var label: Ident
            if case .keyword(.done) = lt.kind { advance(); label = Ident("done", lt.range) }
            else {
                label = try identifier("a label")
                // A macro's labels are named OUTER.INNER.
                while accept(.dot) {
                    let part = try identifier("a label after '.'")
                    label = Ident(label.name + "." + part.name, label.range.to(part.range))
                }
            }
            bracketDepth -= 1
            try expect(.rparen, "after the label")
            return Expr(kind: .at(proc, label), range: t.range.to(lastRange))
        case .identifier(let n):
            advance()
            if check(.lparen) {
                let args = try parseArgs()
                return Expr(kind: .call(Ident(n, t.range), args), range: t.range.to(lastRange))
            }
            return Expr(kind: .name(n), range: t.range)
        case .symbol(.lparen):
            advance()
            bracketDepth += 1
            let e = try parseExpr()
            bracketDepth -= 1
            try expect(.rparen, "to close the parenthesis")
            return Expr(kind: e.kind, range: t.range.to(lastRange))
        case .symbol(.lbrace):
            advance()
            bracketDepth += 1
            if case .identifier = peek(), peekRaw(1) == .symbol(.colon) {
                // `{ field: value, ... }`: a record literal.
                var fields: [(name: Ident, value: Expr)] = []
                while !check(.rbrace) {   // commas or new lines between the fields
                    let f = try identifier("a field name")
                    try expect(.colon, "after the field's name (a record literal is { NAME: VALUE, ... })")
                    fields.append((f, try parseExpr()))
                    _ = accept(.comma)
                }
                bracketDepth -= 1
                try expect(.rbrace, "to close the record literal")
                return Expr(kind: .recordLiteral(fields), range: t.range.to(lastRange))
            }
            var items: [Expr] = []
            if !check(.rbrace) { repeat { items.append(try parseExpr()) } while accept(.comma) }
            bracketDepth -= 1
            try expect(.rbrace, "to close the set literal")
            return Expr(kind: .setLiteral(items), range: t.range.to(lastRange))
        case .symbol(.lbracket):
            advance()
            bracketDepth += 1
            var items: [Expr] = []
            if !check(.rbracket) { repeat { items.append(try parseExpr()) } while accept(.comma) }
            bracketDepth -= 1
            try expect(.rbracket, "to close the list")
            return Expr(kind: .listLiteral(items), range: t.range.to(lastRange))
        case .keyword(.any):
            advance()
            return Expr(kind: .any, range: t.range)
        case .keyword(let k):
            throw fail(.expectedExpressionFoundKeyword(k))
        default:
            throw fail(.expectedExpression(found: t.kind))
        }
    }
}

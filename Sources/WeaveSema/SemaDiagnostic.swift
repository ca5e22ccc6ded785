import WeaveSource

/// Every diagnostic the front end (loader and elaboration) reports, with its wording in one
/// place. A case's associated values are what its message names (names, types already
/// written as text, values, counts); `id` is the case's name and stays stable when wording
/// changes. Report one with `diags.report(.unknownName(name: n, suggestion: s), at: r)`.
public enum SemaDiagnostic: CataloguedDiagnostic, Equatable {
    // MARK: Loading files and imports
    case noSuchFile(path: String)
    case isDirectory(path: String)
    case notRegularFile(path: String, kind: String)
    case unreadableFile(path: String, reason: String)
    case fileTooLarge(path: String, bytes: Int, limit: Int)
    case importAfterDeclarations
    case importNotWeaveFile(path: String)
    case importNotFound(path: String, searched: [String])

    // MARK: Declarations and names
    case alreadyDeclared(name: String, kind: String, earlier: String)
    case enumValueListedTwice(name: String)
    case valueNamesNeedRange(type: String)
    case valueNamedTwice(value: Int64)
    case tooManyExpansions(limit: Int, what: String)
    case defTooDeep(name: String)
    case macroTooDeep(name: String)
    case duplicateProperty(name: String)
    case assertNamedLikeProperty(name: String)
    case localDeclaredTwice(name: String)
    case labelDeclaredTwice(label: String, process: String, first: String)
    case firstStatementNeedsLabel(process: String)
    case processIndexTooLarge(type: String)
    case processConditionNotConstant
    case unreachableLabel(label: String, process: String)
    case unusedVariable(name: String)

    // MARK: Types
    case symmetricNotNamed
    case symmetricTooLarge(count: Int64)
    case notAType(name: String, kind: String)
    case unknownType(name: String, suggestion: String?, declared: [String])
    case emptyRange(lo: Int64, hi: Int64)
    case rangeTooLarge(lo: Int64, hi: Int64)
    case arrayIndexNotScalar(type: String)
    case arrayTooLarge(type: String, elements: Int64)
    case setElementNotScalar(type: String)
    case queueElementNotScalar(type: String)
    case capacityOutOfBounds(stack: Bool, capacity: Int64)
    case variableTooLarge(name: String, slots: Int)

    // MARK: Params, consts and command-line settings
    case constOverrideNotInteger(name: String, value: String)
    case paramNotBoolOrEnum
    case paramOverrideNotAValue(name: String, value: String, allowed: String, suggestion: String?)
    case paramDefaultNotAValue(name: String, type: String)
    case unknownOverride(name: String, suggestion: String?, settings: [String])
    case constantOverflow
    case expectedConstant

    // MARK: Initial values
    case queueStartsAsAny
    case anySetTooLarge(elements: Int64)
    case anyTooManyStates(type: String)
    case inInitialiserNotScalar
    case expectedConstantOfType(type: String)
    case initialValuesWrongType(expected: String, found: String)
    case expectedConstantSet
    case emptyInitialSet
    case indexedInitialiserNotArray(index: String, type: String)
    case listExceedsCapacity(count: Int, capacity: Int)
    case queueNeedsList
    case listSinglesOutSymmetric(type: String)
    case listLengthMismatch(elements: Int64, count: Int)
    case initialValueNotConstant

    // MARK: Values and their types
    case notAValue(value: Int64, type: String)
    case typeMismatch(expected: String, found: String)
    case symmetricValueNamed(type: String, value: Int64)
    case symmetricValueOutOfRange(value: Int64, type: String, lo: Int64, hi: Int64)
    case selfOutsideIndexedProcess
    case branchTypesDiffer(String, String)
    case setElementTypeUnknown
    case setElementWrongType(element: String, set: String)
    case emptySetTypeUnknown
    case setElementTypeTooLarge
    case noSuchEnumValue(type: String, value: String)
    case ambiguousEnumValue(name: String, types: [String])
    case listNotAssignable
    case anyOutsideInitialValue
    case temporalOutsideLiveness
    case leadstoOutsideLiveness
    case stateInConstant
    case negationNeedsInteger(found: String)
    case notNeedsBool(found: String)
    case conditionNotBool(found: String)
    case quantifierBodyNotBool(found: String)
    case sizeNeedsSet(found: String)
    case logicNeedsBools(op: String, found: String)
    case inTypeNeedsValue(type: String, found: String)
    case inNeedsSet(found: String)
    case inNeedsScalar(found: String)
    case inArrayOfNonScalars(element: String)
    case notAMember(element: String, set: String)
    case notAnElement(element: String, aggregate: String)
    case setTypesDiffer(String, String)
    case arithmeticNeedsIntegers(op: String, orSets: Bool, left: String, right: String)
    case cannotCompare(String, String)
    case orderNeedsIntegers(op: String, left: String, right: String)
    case queueNotAValue(type: String)
    case needsQueue(function: String, type: String)

    // MARK: Names in expressions
    case unknownName(name: String, suggestion: String?)
    case typeNotAValue(name: String)
    case macroNotAValue(name: String)
    case processNotAValue(name: String)
    case processCallNotAValue(name: String)
    case macroInExpression(name: String)
    case statementInExpression(name: String)
    case defNeedsArguments(name: String, count: Int)
    case defArgumentCount(name: String, expected: Int, found: Int)
    case builtinArgumentCount(name: String, expected: Int, found: Int)
    case macroArgumentCount(name: String, expected: Int, found: Int)
    case unknownFunction(name: String, suggestion: String?)

    // MARK: Quantifiers and choices
    case rangeOverNonScalar(type: String)
    case inIntegerNotDomain
    case inNotDomain(type: String)
    case subsetOutsideChoose
    case subsetTooLarge(type: String, elements: Int64, limit: Int64)

    // MARK: Processes and labels
    case processAbsent(name: String, reason: String)
    case notAProcess(name: String)
    case processNeedsIndex(name: String)
    case processNotIndexed(name: String)
    case processTakesOneIndex
    case processIndexWrongType(process: String, expected: String, found: String)
    case notAnIndex(value: Int64, process: String, type: String)
    case expectedProcessInstance
    case unknownProcessLabel(process: String, label: String, suggestion: String?)
    case unknownLabel(name: String, suggestion: String?)
    case unknownLocal(process: String, name: String, suggestion: String?)

    // MARK: Statements and assignment
    case assignToBound(name: String)
    case notAVariable(name: String, kind: String)
    case unknownVariable(name: String, suggestion: String?)
    case indexNonArray(type: String)
    case indexWrongType(expected: String, found: String)
    case indexOutOfRange(index: String, type: String)
    case expectedPlace
    case expectedBoolCondition(found: String)
    case loopStepPerIteration(label: String, onLoop: Bool)
    case pushArguments
    case cannotPush(value: String, queue: String)
    case popArguments
    case unknownStatement(name: String, suggestion: String?)
    case cannotAssignElement(queue: String, place: String)
    case cannotAssign(value: String, place: String)
    case cannotCopy(source: String, place: String)

    // MARK: Properties
    case propertyNotBool(type: String)
    case livenessQuantifierInfinite
    case expectedBool(found: String)
    case alwaysWithoutEventually
    case livenessShape

    // MARK: Records
    case recordTypeNotNamed
    case fieldDeclaredTwice(field: String, record: String, first: String)
    case recordTypeMisplaced(record: String)
    case recordInInitialiser
    case fieldTooLarge(name: String, slots: Int)
    case expectedRecordLiteral(record: String, fields: [String])
    case unknownField(record: String, field: String, suggestion: String?, fields: [String])
    case fieldGivenTwice(field: String)
    case missingFields(record: String, fields: [String])
    case recordLiteralMisplaced
    case recordTypeNotAValue(name: String)
    case recordNotAValue(record: String, fields: [String])
    case recordTypeFieldRead(name: String, field: String)
    case recordIndexOutOfRange(index: String, record: String, type: String)
    case notARecord(type: String, field: String)
    case recordArrayNeedsIndex(record: String, field: String)
    case nestedRecordArray(record: String, field: String)
    case recordLiteralTypeUnknown(context: String)
    case recordArrayNotElement(record: String, context: String)
    case cannotCompareRecord(record: String?, other: String)
    case cannotCompareRecords(String, String)
    case recordFieldNotComparable(record: String)
    case recordLiteralNotAssignable
    case cannotAssignRecord(source: String, target: String)
    case recordAssignedNonRecord(record: String, fields: [String])
    case cannotAssignField(value: String, field: String)
    case recordAssignmentCycle
    case unusedField(name: String)

    public var severity: Severity {
        switch self {
        case .assertNamedLikeProperty, .unreachableLabel, .unusedVariable, .unusedField, .loopStepPerIteration: return .warning
        default: return .error
        }
    }

    public var notes: [String] {
        func didYouMean(_ s: String?) -> [String] { s.map { ["did you mean '\($0)'?"] } ?? [] }
        switch self {
        case .importNotFound(_, let searched):
            return ["looked in: " + searched.joined(separator: ", "), "add a directory with -I DIR or WEAVE_PATH=DIR1:DIR2"]
        case .alreadyDeclared(_, _, let earlier): return ["the earlier declaration is at \(earlier)"]
        case .labelDeclaredTwice(_, _, let first): return ["the first is at \(first)"]
        case .unknownType(_, let suggestion, let declared):
            return didYouMean(suggestion).isEmpty
                ? ["a type is bool, LO..HI, enum { A, B }, [INDEX] T, set<T>, queue<T, N>, stack<T, N> or a declared type"
                    + (declared.isEmpty ? "" : " (\(declared.sorted().joined(separator: ", ")))")]
                : didYouMean(suggestion)
        case .paramOverrideNotAValue(_, _, _, let s), .unknownName(_, let s), .unknownFunction(_, let s),
             .unknownProcessLabel(_, _, let s), .unknownLabel(_, let s), .unknownLocal(_, _, let s),
             .unknownVariable(_, let s), .unknownStatement(_, let s):
            return didYouMean(s)
        case .fieldDeclaredTwice(_, _, let first): return ["the first is at \(first)"]
        case .unknownField(_, _, let s, let fields):
            return s.map { ["did you mean '\($0)'?"] } ?? ["its fields: \(fields.joined(separator: ", "))"]
        case .unknownOverride(_, let s, let settings):
            return didYouMean(s) + ["params and consts: \(settings.joined(separator: ", "))"]
        default: return []
        }
    }

    /// The kinds that can come from a symmetric type's restrictions (no literals, arithmetic
    /// or order): one that names a symmetric type gets a note saying why (see
    /// `explainSymmetricTypeErrors`).
    public var isTypeError: Bool {
        switch self {
        case .typeMismatch, .branchTypesDiffer, .setElementWrongType, .negationNeedsInteger, .conditionNotBool,
             .quantifierBodyNotBool, .notAMember, .setTypesDiffer, .arithmeticNeedsIntegers, .cannotCompare,
             .orderNeedsIntegers, .processIndexWrongType, .notAnIndex, .indexWrongType, .indexOutOfRange,
             .cannotPush, .cannotAssignElement, .cannotAssign, .cannotCopy, .propertyNotBool,
             .processIndexTooLarge, .processConditionNotConstant, .arrayIndexNotScalar, .setElementNotScalar,
             .constOverrideNotInteger, .paramNotBoolOrEnum, .paramDefaultNotAValue, .initialValueNotConstant,
             .recordIndexOutOfRange, .cannotCompareRecord, .cannotCompareRecords, .cannotAssignRecord, .cannotAssignField:
            return true
        default:
            return false
        }
    }

    /// The id and the message of each kind, side by side (`id` and `message` come from here).
    public var entry: (id: String, message: String) {
        switch self {
        case .noSuchFile(let p): return ("noSuchFile", "cannot read '\(p)': no such file")
        case .isDirectory(let p): return ("isDirectory", "cannot read '\(p)': it is a directory")
        case .notRegularFile(let p, let kind): return ("notRegularFile", "cannot read '\(p)': it is \(kind), not a regular file")
        case .unreadableFile(let p, let why): return ("unreadableFile", "cannot read '\(p)': \(why)")
        case .fileTooLarge(let p, let n, let limit):
            return ("fileTooLarge", "'\(p)' is \(n) bytes; model files are limited to \(limit) bytes")
        case .importAfterDeclarations: return ("importAfterDeclarations", "imports must come before the other declarations")
        case .importNotWeaveFile(let p): return ("importNotWeaveFile", "an import names a model file ending in .weave, not '\(p)'")
        case .importNotFound(let p, _): return ("importNotFound", "cannot find '\(p)'")

        case .alreadyDeclared(let n, let kind, _): return ("alreadyDeclared", "'\(n)' is already declared as a \(kind)")
        case .enumValueListedTwice(let n): return ("enumValueListedTwice", "enum value '\(n)' is listed twice")
        case .valueNamesNeedRange(let t):
            return ("valueNamesNeedRange", "'names' names values of an integer range type, not \(t)")
        case .valueNamedTwice(let v): return ("valueNamedTwice", "the value \(v) is named twice")
        case .tooManyExpansions(let limit, let what):
            return ("tooManyExpansions", "more than \(limit) macro and def expansions (\(what) is expanded here again); a macro or def that uses itself, or one another, more than once grows exponentially")
        case .defTooDeep(let n):
            return ("defTooDeep", "def '\(n)' expands defs more than 32 levels deep (it uses itself, or a chain of more than 32 defs)")
        case .macroTooDeep(let n):
            return ("macroTooDeep", "macro '\(n)' expands macros more than 32 levels deep (it calls itself, or a chain of more than 32 macros)")
        case .duplicateProperty(let n): return ("duplicateProperty", "there is already a property named '\(n)'")
        case .assertNamedLikeProperty(let n):
            return ("assertNamedLikeProperty", "an assert message and a property are both named '\(n)'")
        case .localDeclaredTwice(let n): return ("localDeclaredTwice", "local '\(n)' is declared twice")
        case .labelDeclaredTwice(let l, let p, _):
            return ("labelDeclaredTwice", "label '\(l)' is declared twice in process '\(p)'")
        case .firstStatementNeedsLabel(let p):
            return ("firstStatementNeedsLabel", "the first statement of process '\(p)' needs a label (every step starts at one)")
        case .processIndexTooLarge(let t):
            return ("processIndexTooLarge", "a process index must be a finite scalar type with at most 1024 values, not \(t)")
        case .processConditionNotConstant:
            return ("processConditionNotConstant", "a process's condition must be a constant bool (params, consts and literals)")
        case .unreachableLabel(let l, let p): return ("unreachableLabel", "label '\(l)' of process '\(p)' is never reached")
        case .unusedVariable(let n): return ("unusedVariable", "variable '\(n)' is never used")

        case .symmetricNotNamed:
            return ("symmetricNotNamed", "'symmetric' can only be declared as a named type: type NAME = symmetric LO..HI")
        case .symmetricTooLarge(let n): return ("symmetricTooLarge", "a symmetric type has at most 64 values, not \(n)")
        case .notAType(let n, let kind): return ("notAType", "'\(n)' is a \(kind), not a type")
        case .unknownType(let n, _, _): return ("unknownType", "unknown type '\(n)'")
        case .emptyRange(let lo, let hi): return ("emptyRange", "the range \(lo)..\(hi) is empty")
        case .rangeTooLarge(let lo, let hi): return ("rangeTooLarge", "the range \(lo)..\(hi) is too large for a model variable")
        case .arrayIndexNotScalar(let t):
            return ("arrayIndexNotScalar", "an array index must be a finite scalar type (a range, an enum or bool), not \(t)")
        case .arrayTooLarge(let t, let n):
            return ("arrayTooLarge", "the array \(t) would have \(n) elements; that is too large for a state")
        case .setElementNotScalar(let t):
            return ("setElementNotScalar", "a set's element type must be a finite scalar type with at most 64 values, not \(t)")
        case .queueElementNotScalar(let t):
            return ("queueElementNotScalar", "queue and stack elements must be scalars (bool, a range or an enum), not \(t)")
        case .capacityOutOfBounds(let lifo, let cap):
            return ("capacityOutOfBounds", "a \(lifo ? "stack" : "queue")'s capacity must be between 1 and 4096, not \(cap)")
        case .variableTooLarge(let n, let slots):
            return ("variableTooLarge", "variable '\(n)' has \(slots) slots (at least \(slots) bytes of every state); the limit is 65536 slots")

        case .constOverrideNotInteger(let n, let o):
            return ("constOverrideNotInteger", "--const \(n)=\(o): the value must be an integer from \(Int64.min) to \(Int64.max)")
        case .paramNotBoolOrEnum:
            return ("paramNotBoolOrEnum", "a param must be a bool or an enum (a design choice); use a const for numbers")
        case .paramOverrideNotAValue(let n, let o, let allowed, _):
            return ("paramOverrideNotAValue", "--param \(n)=\(o): not a value of the param; allowed: \(allowed)")
        case .paramDefaultNotAValue(let n, let t):
            return ("paramDefaultNotAValue", "the default of param '\(n)' must be a value of \(t)")
        case .unknownOverride(let n, _, _): return ("unknownOverride", "there is no param or const named '\(n)' in this model")
        case .constantOverflow:
            return ("constantOverflow", "this constant expression cannot be computed: integer overflow or division by zero (values are 64-bit)")
        case .expectedConstant:
            return ("expectedConstant", "expected a constant here (consts, params, literals and arithmetic of them)")

        case .queueStartsAsAny: return ("queueStartsAsAny", "a queue cannot start as 'any'; start it empty ([]) ")
        case .anySetTooLarge(let n):
            return ("anySetTooLarge", "'any' over a set of \(n) elements gives 2^\(n) initial states; use 'in {...}'")
        case .anyTooManyStates(let t): return ("anyTooManyStates", "'any' over \(t) gives too many initial states")
        case .inInitialiserNotScalar: return ("inInitialiserNotScalar", "'in' initialises scalars and sets only")
        case .expectedConstantOfType(let t): return ("expectedConstantOfType", "expected a constant of type \(t)")
        case .initialValuesWrongType(let t, let found):
            return ("initialValuesWrongType", "'in' needs values of \(t), not \(found)")
        case .expectedConstantSet: return ("expectedConstantSet", "expected a set of constants after 'in', such as {0, 1}")
        case .emptyInitialSet: return ("emptyInitialSet", "the set of initial values is empty")
        case .indexedInitialiserNotArray(let i, let t):
            return ("indexedInitialiserNotArray", "'[\(i): ...]' initialises an array, not \(t)")
        case .listExceedsCapacity(let n, let c): return ("listExceedsCapacity", "\(n) values do not fit a capacity of \(c)")
        case .queueNeedsList: return ("queueNeedsList", "a queue or stack is set from a list such as [] or [a, b]")
        case .listSinglesOutSymmetric(let t):
            return ("listSinglesOutSymmetric", "a list gives each member of the symmetric type \(t) its own value, which singles members out; assign one value to every element (a = v), or set the list as the initial value")
        case .listLengthMismatch(let n, let count):
            return ("listLengthMismatch", "the array has \(n) elements but the list has \(count)")
        case .initialValueNotConstant: return ("initialValueNotConstant", "an initial value must be a constant")

        case .notAValue(let v, let t): return ("notAValue", "\(v) is not a value of \(t)")
        case .typeMismatch(let t, let found): return ("typeMismatch", "expected a value of type \(t), found \(found)")
        case .symmetricValueNamed(let t, let v):
            return ("symmetricValueNamed", "\(t) is symmetric: a statement cannot name one of its values (\(v)); use self, a process index, a quantifier or choose")
        case .symmetricValueOutOfRange(let v, let t, let lo, let hi):
            return ("symmetricValueOutOfRange", "\(v) is not a value of \(t) (\(lo)..\(hi))")
        case .selfOutsideIndexedProcess: return ("selfOutsideIndexedProcess", "'self' is only meaningful inside an indexed process")
        case .branchTypesDiffer(let a, let b): return ("branchTypesDiffer", "the two branches have different types: \(a) and \(b)")
        case .setElementTypeUnknown:
            return ("setElementTypeUnknown", "cannot tell the element type of this set; compare it with a typed set or variable")
        case .setElementWrongType(let x, let s):
            return ("setElementWrongType", "set element of type \(x) does not belong in a set of \(s)")
        case .emptySetTypeUnknown: return ("emptySetTypeUnknown", "cannot tell the element type of the empty set here")
        case .setElementTypeTooLarge: return ("setElementTypeTooLarge", "a set's element type must have at most 64 values")
        case .noSuchEnumValue(let t, let v): return ("noSuchEnumValue", "type '\(t)' has no value '\(v)'")
        case .ambiguousEnumValue(let n, let types):
            return ("ambiguousEnumValue", "'\(n)' is a value of \(types.joined(separator: " and ")): write \(types.map { "\($0).\(n)" }.joined(separator: " or "))")
        case .listNotAssignable: return ("listNotAssignable", "a list ([...]) can only be assigned to a queue, stack or array")
        case .anyOutsideInitialValue: return ("anyOutsideInitialValue", "'any' is only allowed as a variable's initial value")
        case .temporalOutsideLiveness: return ("temporalOutsideLiveness", "temporal operators belong in 'liveness' properties only")
        case .leadstoOutsideLiveness: return ("leadstoOutsideLiveness", "'leadsto' belongs in 'liveness' properties only")
        case .stateInConstant: return ("stateInConstant", "a constant expression cannot read variables")
        case .negationNeedsInteger(let f): return ("negationNeedsInteger", "'-' needs an integer, not \(f)")
        case .notNeedsBool(let f): return ("notNeedsBool", "'!' needs a bool, not \(f)")
        case .conditionNotBool(let f): return ("conditionNotBool", "the condition must be a bool, not \(f)")
        case .quantifierBodyNotBool(let f): return ("quantifierBodyNotBool", "a quantifier's body must be a bool, not \(f)")
        case .sizeNeedsSet(let f): return ("sizeNeedsSet", "size needs a set, not \(f)")
        case .logicNeedsBools(let op, let f): return ("logicNeedsBools", "'\(op)' needs bools, not \(f)")
        case .inTypeNeedsValue(let t, let f): return ("inTypeNeedsValue", "'in \(t)' needs a \(t), not \(f)")
        case .inNeedsSet(let f): return ("inNeedsSet", "'in' needs a set on its right, not \(f)")
        case .inNeedsScalar(let f): return ("inNeedsScalar", "'in' needs a scalar on its left, not \(f)")
        case .inArrayOfNonScalars(let e):
            return ("inArrayOfNonScalars", "'in' looks for a value among an array's elements, which must be scalars; this array holds \(e)")
        case .notAMember(let x, let s): return ("notAMember", "\(x) cannot be a member of \(s)")
        case .notAnElement(let x, let agg): return ("notAnElement", "\(x) cannot be an element of \(agg)")
        case .setTypesDiffer(let a, let b): return ("setTypesDiffer", "cannot combine sets of different types: \(a) and \(b)")
        case .arithmeticNeedsIntegers(let op, let orSets, let a, let b):
            return ("arithmeticNeedsIntegers", "'\(op)' needs two integers\(orSets ? " or two sets" : ""), found \(a) and \(b)")
        case .cannotCompare(let a, let b): return ("cannotCompare", "cannot compare \(a) with \(b)")
        case .orderNeedsIntegers(let op, let a, let b):
            return ("orderNeedsIntegers", "'\(op)' compares integers, not \(a) and \(b)")
        case .queueNotAValue(let t):
            return ("queueNotAValue", "\(t) is not a value here; index it, or use len/empty/full/head")
        case .needsQueue(let fn, let t): return ("needsQueue", "\(fn) needs a queue or stack, not \(t)")

        case .unknownName(let n, _): return ("unknownName", "unknown name '\(n)'")
        case .typeNotAValue(let n): return ("typeNotAValue", "'\(n)' is a type, not a value (use it after ':' or 'in')")
        case .macroNotAValue(let n): return ("macroNotAValue", "'\(n)' is a macro: call it as a statement")
        case .processNotAValue(let n): return ("processNotAValue", "'\(n)' is a process; use at(\(n), LABEL) or \(n).VAR")
        case .processCallNotAValue(let n):
            return ("processCallNotAValue", "'\(n)(...)' names a process instance; use at(\(n)(i), LABEL) or \(n)(i).VAR")
        case .macroInExpression(let n):
            return ("macroInExpression", "'\(n)' is a macro: call it as a statement, not in an expression")
        case .statementInExpression(let n):
            return ("statementInExpression", "'\(n)' changes state: use it as a statement\(n == "pop" ? " (x = pop(q))" : "")")
        case .defNeedsArguments(let n, let count): return ("defNeedsArguments", "'\(n)' takes \(count) argument(s)")
        case .defArgumentCount(let n, let expected, let found):
            return ("defArgumentCount", "'\(n)' takes \(expected) argument(s), not \(found)")
        case .builtinArgumentCount(let n, let expected, let found):
            return ("builtinArgumentCount", "'\(n)' takes \(expected) argument\(expected == 1 ? "" : "s"), not \(found)")
        case .macroArgumentCount(let n, let expected, let found):
            return ("macroArgumentCount", "macro '\(n)' takes \(expected) argument(s), not \(found)")
        case .unknownFunction(let n, _): return ("unknownFunction", "unknown function '\(n)'")

        case .rangeOverNonScalar(let t): return ("rangeOverNonScalar", "can only range over a finite scalar type, not \(t)")
        case .inIntegerNotDomain:
            return ("inIntegerNotDomain", "expected a set or a type after 'in', not an integer (write a range type: x: 0..3)")
        case .inNotDomain(let t): return ("inNotDomain", "expected a set or a type after 'in', not \(t)")
        case .subsetOutsideChoose: return ("subsetOutsideChoose", "'subset' ranges only in 'choose s: subset S { }'")
        case .subsetTooLarge(let t, let n, let limit):
            return ("subsetTooLarge", "a subset choice over \(t) ranges over \(n) elements, more than "
                    + "\(limit) (2^\(n) subsets in one step); choose over a smaller type")

        case .processAbsent(let n, let why): return ("processAbsent", "process '\(n)' is not part of this setting: \(why)")
        case .notAProcess(let n): return ("notAProcess", "'\(n)' is not a process")
        case .processNeedsIndex(let n): return ("processNeedsIndex", "process '\(n)' is indexed: write \(n)(INDEX)")
        case .processNotIndexed(let n): return ("processNotIndexed", "process '\(n)' is not indexed: write \(n) without arguments")
        case .processTakesOneIndex: return ("processTakesOneIndex", "a process instance takes one index")
        case .processIndexWrongType(let p, let t, let found):
            return ("processIndexWrongType", "the index of '\(p)' must be a \(t), not \(found)")
        case .notAnIndex(let v, let p, let t): return ("notAnIndex", "\(v) is not an index of '\(p)' (\(t))")
        case .expectedProcessInstance: return ("expectedProcessInstance", "expected a process instance such as p(0) or p")
        case .unknownProcessLabel(let p, let l, _): return ("unknownProcessLabel", "process '\(p)' has no label '\(l)'")
        case .unknownLabel(let l, _): return ("unknownLabel", "no label '\(l)' in this process")
        case .unknownLocal(let p, let n, _): return ("unknownLocal", "process '\(p)' has no local variable '\(n)'")

        case .assignToBound(let n): return ("assignToBound", "'\(n)' is a bound value and cannot be assigned")
        case .notAVariable(let n, let kind): return ("notAVariable", "'\(n)' is a \(kind), not a variable")
        case .unknownVariable(let n, _): return ("unknownVariable", "unknown variable '\(n)'")
        case .indexNonArray(let t): return ("indexNonArray", "only arrays can be indexed; this is \(t)")
        case .indexWrongType(let t, let found): return ("indexWrongType", "the index must be a \(t), not \(found)")
        case .indexOutOfRange(let i, let t): return ("indexOutOfRange", "index \(i) is out of range for \(t)")
        case .expectedPlace: return ("expectedPlace", "expected a variable, an array element or a process's local")
        case .expectedBoolCondition(let f): return ("expectedBoolCondition", "expected a bool condition, not \(f)")
        case .loopStepPerIteration(let l, let onLoop):
            return ("loopStepPerIteration", "each iteration of this loop is a step of its own (label '\(l)' "
                    + "\(onLoop ? "is on the loop" : "is inside it")); to run the whole loop in one step, "
                    + "keep labels off the loop and out of its body (docs/LANGUAGE.md, Loops and steps)")
        case .pushArguments: return ("pushArguments", "push takes a queue and a value: push(q, x)")
        case .cannotPush(let x, let q): return ("cannotPush", "cannot push \(x) onto \(q)")
        case .popArguments: return ("popArguments", "pop takes one queue: pop(q)")
        case .unknownStatement(let n, _): return ("unknownStatement", "unknown macro or statement '\(n)'")
        case .cannotAssignElement(let q, let p): return ("cannotAssignElement", "cannot assign an element of \(q) to \(p)")
        case .cannotAssign(let x, let p): return ("cannotAssign", "cannot assign \(x) to a variable of type \(p)")
        case .cannotCopy(let s, let p): return ("cannotCopy", "cannot copy \(s) into \(p)")

        case .propertyNotBool(let t): return ("propertyNotBool", "a property must be a bool, not \(t)")
        case .livenessQuantifierInfinite:
            return ("livenessQuantifierInfinite", "a liveness property can only be quantified over a finite type")
        case .expectedBool(let f): return ("expectedBool", "expected a bool, not \(f)")
        case .alwaysWithoutEventually:
            return ("alwaysWithoutEventually", "'always' must be followed by 'eventually' (always eventually P); for 'always P' write an invariant")
        case .livenessShape: return ("livenessShape", "a liveness property is 'eventually P', 'P leadsto Q' or 'always eventually P'")

        case .recordTypeNotNamed:
            return ("recordTypeNotNamed", "a record type is declared by name: type NAME = record { FIELD: TYPE, ... }")
        case .fieldDeclaredTwice(let f, let r, _):
            return ("fieldDeclaredTwice", "field '\(f)' is declared twice in record '\(r)'")
        case .recordTypeMisplaced(let r):
            return ("recordTypeMisplaced", "record type '\(r)' can only be the type of a variable, of an array's elements or of a record's field")
        case .recordInInitialiser:
            return ("recordInInitialiser", "'in' initialises scalars and sets only; a record starts from a literal { FIELD: VALUE, ... } or 'any'")
        case .fieldTooLarge(let n, let slots):
            return ("fieldTooLarge", "field '\(n)' has \(slots) slots (at least \(slots) bytes of every state); the limit is 65536 slots")
        case .expectedRecordLiteral(let r, let fields):
            return ("expectedRecordLiteral", "expected a value of record \(r): a literal { \(fields.map { "\($0): ..." }.joined(separator: ", ")) }")
        case .unknownField(let r, let f, _, _): return ("unknownField", "record \(r) has no field '\(f)'")
        case .fieldGivenTwice(let f): return ("fieldGivenTwice", "field '\(f)' is given twice")
        case .missingFields(let r, let fields):
            return ("missingFields", "the record literal has no value for \(fields.count == 1 ? "field" : "fields") \(fields.map { "'\($0)'" }.joined(separator: ", ")) of record \(r)")
        case .recordLiteralMisplaced:
            return ("recordLiteralMisplaced", "a record literal ({ FIELD: VALUE, ... }) can only be a record's initial value, assigned to a record or compared with one")
        case .recordTypeNotAValue(let n): return ("recordTypeNotAValue", "'\(n)' is a record type, not a value (use it after ':')")
        case .recordNotAValue(let r, let fields):
            return ("recordNotAValue", "this is a record of type \(r), not a value here; name one of its fields (\(fields.joined(separator: ", "))), or compare or assign the whole record")
        case .recordTypeFieldRead(let n, let f):
            return ("recordTypeFieldRead", "'\(n)' is a record type; read its fields through a variable of the type (v.\(f))")
        case .recordIndexOutOfRange(let i, let r, let t):
            return ("recordIndexOutOfRange", "index \(i) is out of range for an array of \(r) indexed by \(t)")
        case .notARecord(let t, let f): return ("notARecord", "\(t) is not a record: it has no field '\(f)'")
        case .recordArrayNeedsIndex(let r, let f):
            return ("recordArrayNeedsIndex", "this is an array of \(r); index it before naming a field (a[i].\(f))")
        case .nestedRecordArray(let r, let f):
            return ("nestedRecordArray", "record \(r) has an array of records (field '\(f)'): compare or assign its fields one by one")
        case .recordLiteralTypeUnknown(let context):
            return ("recordLiteralTypeUnknown", "cannot tell the record type of this literal; \(context)")
        case .recordArrayNotElement(let r, let context):
            return ("recordArrayNotElement", "this is an array of \(r); \(context) one element (a[i]) at a time")
        case .cannotCompareRecord(let r, let other):
            return ("cannotCompareRecord", "cannot compare \(r.map { "record \($0)" } ?? "a record") with \(other); records compare with records of the same type")
        case .cannotCompareRecords(let a, let b): return ("cannotCompareRecords", "cannot compare record \(a) with record \(b)")
        case .recordFieldNotComparable(let r):
            return ("recordFieldNotComparable", "record \(r) has a field that is an array or a queue: compare its fields one by one")
        case .recordLiteralNotAssignable: return ("recordLiteralNotAssignable", "a record literal can only be assigned to a record")
        case .cannotAssignRecord(let a, let b): return ("cannotAssignRecord", "cannot assign record \(a) to record \(b)")
        case .recordAssignedNonRecord(let r, let fields):
            return ("recordAssignedNonRecord", "a record of type \(r) is assigned a record of the same type or a literal { \(fields.map { "\($0): ..." }.joined(separator: ", ")) }")
        case .cannotAssignField(let x, let t): return ("cannotAssignField", "cannot assign \(x) to a field of type \(t)")
        case .recordAssignmentCycle:
            return ("recordAssignmentCycle", "this record assignment reads fields of the record it assigns (in indices or values) in a cycle, so no order of the field assignments keeps their old values; assign the fields one by one")
        case .unusedField(let n): return ("unusedField", "field '\(n)' is never used")
        }
    }
}

extension DiagnosticBag {
    /// Adds a diagnostic of a Sema kind at `range` (lets call sites write `.unknownName(...)`).
    mutating func report(_ kind: SemaDiagnostic, at range: SourceRange?) {
        append(Diagnostic(kind, at: range))
    }
}

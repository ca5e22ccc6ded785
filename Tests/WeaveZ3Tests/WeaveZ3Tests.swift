import Foundation
import WeaveZ3
import XCTest

final class WeaveZ3Tests: XCTestCase {
    private var ctx: Z3Context!
    private var int: Z3Sort!
    private var bool: Z3Sort!

    override func setUp() {
        ctx = Z3Context()
        int = ctx.intSort
        bool = ctx.boolSort
    }

    override func tearDown() {
        (ctx, int, bool) = (nil, nil, nil)
    }

    /// Checks the conjunction of `formulas` in a fresh solver.
    private func check(_ formulas: Z3Expr...) throws -> Z3Result {
        let s = Z3Solver(ctx)
        for f in formulas { try s.assert(f) }
        return try s.check()
    }

    /// Asserts `formula` is valid: its negation is unsat.
    private func assertValid(_ formula: Z3Expr, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try check(ctx.not(formula)), .unsat, "not valid: \(formula)", file: file, line: line)
    }

    private func assertThrowsZ3(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) {
        do {
            try body()
            XCTFail("expected a Z3Error", file: file, line: line)
        } catch let e as Z3Error {
            XCTAssertFalse(e.message.isEmpty, file: file, line: line)
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }

    func testVersion() {
        let parts = Z3Context.version().split(separator: ".")
        XCTAssertEqual(parts.count, 3)
        XCTAssertEqual(parts.first, "4")
        XCTAssertTrue(parts.allSatisfy { Int($0) != nil })
    }

    func testLinearSystemHasUniqueModel() throws {
        let x = try ctx.constant("x", int), y = try ctx.constant("y", int)
        let s = Z3Solver(ctx)
        try s.assert(ctx.eq(ctx.add([x, y]), ctx.int(10)))
        try s.assert(ctx.eq(ctx.sub(x, y), ctx.int(2)))
        XCTAssertEqual(try s.check(), .sat)
        let m = try s.model()
        XCTAssertEqual(try m.evalInt(x), 6)
        XCTAssertEqual(try m.evalInt(y), 4)
        XCTAssertEqual(try m.evalInt(ctx.mul([x, y])), 24)
        XCTAssertEqual(try m.evalBool(ctx.gt(x, y)), true)
        XCTAssertNil(try m.evalInt(ctx.gt(x, y)), "a Boolean is not an integer numeral")
        // Completion gives unconstrained constants a value.
        XCTAssertNotNil(try m.evalInt(ctx.constant("z", int)))
        XCTAssertTrue(m.description.contains("x"))
    }

    func testContradictionIsUnsat() throws {
        let x = try ctx.constant("x", int)
        XCTAssertEqual(try check(ctx.gt(x, ctx.int(0)), ctx.lt(x, ctx.int(0))), .unsat)
        let s = Z3Solver(ctx)
        try s.assert(ctx.bool(false))
        XCTAssertEqual(try s.check(), .unsat)
        XCTAssertThrowsError(try s.model(), "no model after unsat")
    }

    func testIntegerDivisionAndModulus() throws {
        let x = try ctx.constant("x", int)
        // SMT-LIB div/mod: -7 div 2 = -4, -7 mod 2 = 1.
        XCTAssertEqual(try ctx.simplify(ctx.div(ctx.int(-7), ctx.int(2))).intValue, -4)
        XCTAssertEqual(try ctx.simplify(ctx.mod(ctx.int(-7), ctx.int(2))).intValue, 1)
        XCTAssertEqual(try ctx.simplify(ctx.neg(ctx.int(5))).intValue, -5)
        try assertValid(ctx.eq(x, ctx.add([ctx.mul([ctx.int(3), ctx.div(x, ctx.int(3))]), ctx.mod(x, ctx.int(3))])))
        try assertValid(ctx.and([ctx.ge(ctx.mod(x, ctx.int(3)), ctx.int(0)), ctx.le(ctx.mod(x, ctx.int(3)), ctx.int(2))]))
        XCTAssertEqual(ctx.int(.min).intValue, .min)
        XCTAssertEqual(ctx.int(.max).intValue, .max)
        XCTAssertNil(try ctx.simplify(ctx.add([ctx.int(.max), ctx.int(1)])).intValue, "2^63 does not fit Int64")
    }

    func testDeMorganIsValid() throws {
        let p = try ctx.constant("p", bool), q = try ctx.constant("q", bool)
        try assertValid(ctx.iff(ctx.not(ctx.and([p, q])), ctx.or([ctx.not(p), ctx.not(q)])))
        try assertValid(ctx.eq(ctx.not(ctx.or([p, q])), ctx.and([ctx.not(p), ctx.not(q)])))
        try assertValid(ctx.implies(ctx.and([p, ctx.implies(p, q)]), q))
        try assertValid(ctx.eq(ctx.ite(p, q, q), q))
        // Not valid: p => q.
        XCTAssertEqual(try check(ctx.not(ctx.implies(p, q))), .sat)
        XCTAssertEqual(try check(ctx.distinct([p, q, ctx.bool(true)])), .unsat, "three distinct Booleans")
        XCTAssertTrue(try ctx.simplify(ctx.and([])).isTrue)
        XCTAssertTrue(try ctx.simplify(ctx.or([])).isFalse)
    }

    func testBitVectorSetIdentities() throws {
        let bv = try ctx.bitVectorSort(64)
        let a = try ctx.constant("a", bv), b = try ctx.constant("b", bv)
        // (a ∪ b) \ b == a \ b
        try assertValid(ctx.eq(ctx.bvAnd(ctx.bvOr(a, b), ctx.bvNot(b)), ctx.bvAnd(a, ctx.bvNot(b))))
        // a ∩ b ⊆ a (as a mask identity and as unsigned order)
        try assertValid(ctx.eq(ctx.bvAnd(ctx.bvAnd(a, b), a), ctx.bvAnd(a, b)))
        try assertValid(ctx.bvULe(ctx.bvAnd(a, b), a))
        // a △ b == (a ∪ b) \ (a ∩ b)
        try assertValid(ctx.eq(ctx.bvXor(a, b), ctx.bvAnd(ctx.bvOr(a, b), ctx.bvNot(ctx.bvAnd(a, b)))))
        // Not an identity: (a ∪ b) \ b == a; the counterexample must share a bit.
        let s = Z3Solver(ctx)
        try s.assert(ctx.not(ctx.eq(ctx.bvAnd(ctx.bvOr(a, b), ctx.bvNot(b)), a)))
        XCTAssertEqual(try s.check(), .sat)
        let m = try s.model()
        let (va, vb) = (try XCTUnwrap(m.evalBitVector(a)), try XCTUnwrap(m.evalBitVector(b)))
        XCTAssertNotEqual(va & vb, 0)
        XCTAssertEqual(try m.evalBitVector(ctx.bvOr(a, b)), va | vb)
    }

    func testBitVectorShiftsExtractAndPopcount() throws {
        let bv8 = try ctx.bitVectorSort(8)
        let x = try ctx.constant("x", bv8), k = try ctx.constant("k", bv8)
        let one = try ctx.bitVector(1, width: 8)
        XCTAssertEqual(try ctx.bitVector(0x1FF, width: 8).bitVectorValue, 0xFF, "literals wrap modulo 2^width")
        XCTAssertEqual(try ctx.simplify(ctx.bvShl(one, ctx.bitVector(3, width: 8))).bitVectorValue, 8)
        XCTAssertEqual(try ctx.simplify(ctx.bvLshr(ctx.bitVector(0xF0, width: 8), ctx.bitVector(4, width: 8)))
            .bitVectorValue, 0x0F)
        XCTAssertEqual(try ctx.simplify(ctx.bvExtract(7, 4, ctx.bitVector(0xA5, width: 8))).bitVectorValue, 0xA)
        XCTAssertEqual(try ctx.bvExtract(3, 0, x).sort.bitVectorWidth, 4)
        // Singleton {k} for k < 8: shifting back recovers 1.
        try assertValid(ctx.implies(ctx.bvULt(k, ctx.bitVector(8, width: 8)),
                                    ctx.eq(ctx.bvLshr(ctx.bvShl(one, k), k), one)))
        // popcount
        XCTAssertEqual(try ctx.simplify(ctx.bvPopcount(ctx.bitVector(0b1011_0001, width: 8))).bitVectorValue, 4)
        XCTAssertEqual(try ctx.simplify(ctx.bvPopcount(ctx.bitVector(1, width: 1))).bitVectorValue, 1)
        XCTAssertEqual(try ctx.simplify(ctx.bvPopcount(ctx.bitVector(.max, width: 64))).bitVectorValue, 64)
        try assertValid(ctx.bvULe(ctx.bvPopcount(x), ctx.bitVector(8, width: 8)))
        // |x| == 1  <=>  x != 0 && x & (x - 1) == 0
        let zero = try ctx.bitVector(0, width: 8)
        try assertValid(ctx.iff(
            ctx.eq(ctx.bvPopcount(x), one),
            ctx.and([ctx.not(ctx.eq(x, zero)), ctx.eq(ctx.bvAnd(x, ctx.bvSub(x, one)), zero)])))
        // |a ∪ b| + |a ∩ b| == |a| + |b|
        let y = try ctx.constant("y", bv8)
        try assertValid(ctx.eq(ctx.bvAdd(ctx.bvPopcount(ctx.bvOr(x, y)), ctx.bvPopcount(ctx.bvAnd(x, y))),
                               ctx.bvAdd(ctx.bvPopcount(x), ctx.bvPopcount(y))))
    }

    func testArrays() throws {
        let arr = try ctx.arraySort(domain: int, range: int)
        XCTAssertTrue(arr.isArray)
        let a = try ctx.constant("a", arr)
        let i = try ctx.constant("i", int), j = try ctx.constant("j", int), v = try ctx.constant("v", int)
        try assertValid(ctx.eq(ctx.select(ctx.store(a, i, v), i), v))
        try assertValid(ctx.eq(ctx.select(ctx.constArray(domain: int, value: ctx.int(5)), j), ctx.int(5)))
        try assertValid(ctx.implies(ctx.not(ctx.eq(i, j)),
                                    ctx.eq(ctx.select(ctx.store(a, i, v), j), ctx.select(a, j))))
        // Without i != j the frame property fails.
        let s = Z3Solver(ctx)
        try s.assert(ctx.not(ctx.eq(ctx.select(ctx.store(a, i, v), j), ctx.select(a, j))))
        XCTAssertEqual(try s.check(), .sat)
        let m = try s.model()
        XCTAssertEqual(try m.evalInt(i), try m.evalInt(j))
        XCTAssertEqual(try m.evalInt(ctx.select(ctx.store(a, i, v), j)), try m.evalInt(v))
    }

    func testQuantifiers() throws {
        let x = try ctx.constant("x", int), y = try ctx.constant("y", int)
        let arr = try ctx.arraySort(domain: int, range: int)
        let a = try ctx.constant("a", arr)
        // forall i. a[i] == 7  contradicts  a[3] != 7
        let i = try ctx.constant("i", int)
        let allSeven = try ctx.forall([i], ctx.eq(ctx.select(a, i), ctx.int(7)))
        XCTAssertTrue(allSeven.description.contains("forall"))
        XCTAssertEqual(try check(allSeven, ctx.not(ctx.eq(ctx.select(a, ctx.int(3)), ctx.int(7)))), .unsat)
        XCTAssertEqual(try check(allSeven), .sat)
        // forall x. exists y. y > x is valid; exists x. forall y. y <= x is not.
        try assertValid(ctx.forall([x], ctx.exists([y], ctx.gt(y, x))))
        XCTAssertEqual(try check(ctx.exists([x], ctx.forall([y], ctx.le(y, x)))), .unsat)
        // The bound constant is not captured: x stays free outside.
        XCTAssertEqual(try check(ctx.forall([x], ctx.ge(ctx.mul([x, x]), ctx.int(0))), ctx.lt(x, ctx.int(0))), .sat)
    }

    func testPushPopScopes() throws {
        let x = try ctx.constant("x", int)
        let s = Z3Solver(ctx)
        try s.assert(ctx.gt(x, ctx.int(5)))
        s.push()
        XCTAssertEqual(s.scopeCount, 1)
        try s.assert(ctx.lt(x, ctx.int(3)))
        XCTAssertEqual(try s.check(), .unsat)
        try s.pop()
        XCTAssertEqual(s.scopeCount, 0)
        XCTAssertEqual(try s.check(), .sat)
        XCTAssertGreaterThan(try XCTUnwrap(s.model().evalInt(x)), 5)
        s.push(); s.push()
        try s.pop(2)
        assertThrowsZ3 { try s.pop() }
        assertThrowsZ3 { try s.pop(-1) }
        s.reset()
        try s.assert(ctx.lt(x, ctx.int(3)))
        XCTAssertEqual(try s.check(), .sat, "reset dropped x > 5")
    }

    func testAssumptions() throws {
        let p = try ctx.constant("p", bool), q = try ctx.constant("q", bool)
        let x = try ctx.constant("x", int)
        let s = Z3Solver(ctx)
        try s.assert(ctx.implies(p, q))
        XCTAssertEqual(try s.check(assumptions: [p, ctx.not(q)]), .unsat)
        XCTAssertEqual(try s.check(assumptions: [p]), .sat)
        XCTAssertEqual(try s.check(), .sat)
        XCTAssertEqual(try s.check(assumptions: [ctx.gt(x, ctx.int(1)), ctx.lt(x, ctx.int(1))]), .unsat,
                       "non-literal assumptions")
        assertThrowsZ3 { _ = try s.check(assumptions: [x]) }
    }

    func testTimeoutReturnsPromptly() throws {
        // Factor a 62-bit semiprime over unbounded integers: hard nonlinear arithmetic.
        let (p, q): (Int64, Int64) = (2_147_483_647, 2_147_483_629)
        let x = try ctx.constant("x", int), y = try ctx.constant("y", int)
        let s = Z3Solver(ctx)
        s.setTimeout(milliseconds: 1)
        try s.assert(ctx.eq(ctx.mul([x, y]), ctx.int(p * q)))
        try s.assert(ctx.gt(x, ctx.int(1)))
        try s.assert(ctx.gt(y, ctx.int(1)))
        let start = Date()
        let r = try s.check()
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
        switch r {
        case .unknown(let reason): XCTAssertFalse(reason.isEmpty)
        case .sat: XCTAssertEqual(Set([try s.model().evalInt(x), try s.model().evalInt(y)]), [p, q])
        case .unsat: XCTFail("a semiprime has factors")
        }
        s.setTimeout(milliseconds: 0)
        s.reset()
        try s.assert(ctx.gt(x, ctx.int(1)))
        XCTAssertEqual(try s.check(), .sat, "timeout 0 lifts the limit")
    }

    func testSubstitutionPrimesVariables() throws {
        let x = try ctx.constant("x", int), y = try ctx.constant("y", int)
        let x1 = try ctx.constant("x'", int), y1 = try ctx.constant("y'", int)
        let inv = try ctx.gt(ctx.add([x, y]), ctx.int(3))
        let primed = try ctx.substitute(inv, from: [x, y], to: [x1, y1])
        XCTAssertEqual(primed, try ctx.gt(ctx.add([x1, y1]), ctx.int(3)))
        XCTAssertNotEqual(primed, inv)
        // x' = x + 1, y' = y preserves inv.
        let step = try ctx.and([ctx.eq(x1, ctx.add([x, ctx.int(1)])), ctx.eq(y1, y)])
        try assertValid(ctx.implies(ctx.and([inv, step]), primed))
        // Substituting a term for a constant.
        XCTAssertEqual(try ctx.simplify(ctx.substitute(inv, from: [x, y], to: [ctx.int(1), ctx.int(2)])).isFalse,
                       true)
        assertThrowsZ3 { _ = try ctx.substitute(inv, from: [x], to: [ctx.bool(true)]) }
        assertThrowsZ3 { _ = try ctx.substitute(inv, from: [x, y], to: [x1]) }
    }

    /// A small unsat problem touching every theory the wrapper exposes, with SMT-LIB-hostile names.
    private func replayableSolver() throws -> Z3Solver {
        let x = try ctx.constant("x", int), x1 = try ctx.constant("x'", int)
        let flag = try ctx.constant("flag", bool), b = try ctx.constant("b set", ctx.bitVectorSort(8))
        let arr = try ctx.constant("a", ctx.arraySort(domain: int, range: int)), i = try ctx.constant("i", int)
        let s = Z3Solver(ctx)
        try s.assert(ctx.implies(flag, ctx.gt(x1, ctx.int(5))))
        try s.assert(ctx.eq(x1, ctx.add([x, ctx.int(1)])))
        try s.assert(ctx.forall([i], ctx.eq(ctx.select(arr, i), x)))
        try s.assert(ctx.eq(ctx.bvPopcount(b), ctx.bitVector(1, width: 8)))
        try s.assert(flag)
        try s.assert(ctx.lt(ctx.select(arr, ctx.int(0)), ctx.int(5)))
        return s
    }

    func testSMTLIB2OutputReplays() throws {
        let s = try replayableSolver()
        let text = s.toSMTLIB2()
        XCTAssertTrue(text.contains("(declare-fun x () Int)"), text)
        XCTAssertTrue(text.contains("(declare-fun |x'| () Int)"), text)
        XCTAssertTrue(text.contains("(declare-fun |b set| () (_ BitVec 8))"), text)
        XCTAssertTrue(text.contains("(declare-fun a () (Array Int Int))"), text)
        XCTAssertTrue(text.contains("(declare-fun flag () Bool)"), text)
        XCTAssertEqual(text.components(separatedBy: "(assert").count - 1, 6, text)
        XCTAssertEqual(try s.check(), .unsat)

        // Replay through Z3's SMT-LIB2 front end in a fresh context.
        let other = Z3Context()
        let replay = Z3Solver(other)
        let asserted = try other.parseSMTLIB2(text + "(check-sat)\n")
        XCTAssertEqual(asserted.count, 6)
        for f in asserted { try replay.assert(f) }
        XCTAssertEqual(try replay.check(), .unsat)
        try replay.pop(0)
        replay.reset()
        for f in asserted.dropLast() { try replay.assert(f) }
        XCTAssertEqual(try replay.check(), .sat, "without the last assertion it is satisfiable")
        assertThrowsZ3 { _ = try other.parseSMTLIB2("(assert (= x") }
        XCTAssertThrowsError(try other.parseSMTLIB2("(assert (= y 1))")) { error in
            XCTAssertTrue((error as? Z3Error)?.message.contains("unknown constant y") == true, "\(error)")
        }
        assertThrowsZ3 { _ = try other.parseSMTLIB2("(assert (+ 1 true))") }
    }

    func testSMTLIB2OutputReplaysWithZ3Binary() throws {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .map { "\($0)/z3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let z3 = path else { throw XCTSkip("no z3 executable on PATH") }
        let s = try replayableSolver()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("weavez3-\(UUID()).smt2")
        try (s.toSMTLIB2() + "(check-sat)\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: z3)
        proc.arguments = [file.path]
        let pipe = Pipe()
        proc.standardOutput = pipe
        try proc.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        proc.waitUntilExit()
        XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines), "unsat")
    }

    func testErrorsBecomeSwiftErrors() throws {
        let x = try ctx.constant("x", int), p = try ctx.constant("p", bool)
        let bv8 = try ctx.bitVectorSort(8), bv16 = try ctx.bitVectorSort(16)
        let a8 = try ctx.constant("a8", bv8), a16 = try ctx.constant("a16", bv16)
        do {
            _ = try ctx.add([p, x])
            XCTFail("adding a Bool to an Int must fail")
        } catch let e as Z3Error {
            XCTAssertTrue(e.message.contains("Sort mismatch"), e.message)
            XCTAssertTrue(e.description.hasPrefix("Z3 error: "))
        }
        assertThrowsZ3 { _ = try ctx.and([x]) }
        assertThrowsZ3 { _ = try ctx.eq(x, p) }
        assertThrowsZ3 { _ = try ctx.ite(x, x, x) }
        assertThrowsZ3 { _ = try ctx.not(x) }
        assertThrowsZ3 { _ = try ctx.lt(p, x) }
        assertThrowsZ3 { _ = try ctx.bvAnd(a8, a16) }
        assertThrowsZ3 { _ = try ctx.bvAnd(x, x) }
        assertThrowsZ3 { _ = try ctx.bvExtract(8, 0, a8) }
        assertThrowsZ3 { _ = try ctx.bvExtract(2, 5, a8) }
        assertThrowsZ3 { _ = try ctx.bvExtract(-1, 0, a8) }
        assertThrowsZ3 { _ = try ctx.bvPopcount(x) }
        assertThrowsZ3 { _ = try ctx.bitVectorSort(0) }
        assertThrowsZ3 { _ = try ctx.bitVector(1, width: -3) }
        assertThrowsZ3 { _ = try ctx.select(x, x) }
        assertThrowsZ3 { _ = try ctx.store(ctx.constArray(domain: self.int, value: x), p, x) }
        assertThrowsZ3 { _ = try ctx.forall([ctx.add([x, ctx.int(1)])], p) }
        assertThrowsZ3 { _ = try ctx.forall([x], x) }
        XCTAssertThrowsError(try Z3Solver(ctx).assert(x)) { error in
            XCTAssertEqual((error as? Z3Error)?.message, "an assertion must be Bool, got x : Int")
        }
        assertThrowsZ3 { _ = try Z3Solver(self.ctx).model() }
        // Terms from another context are rejected rather than corrupting memory.
        let other = Z3Context()
        let y = try other.constant("y", other.intSort)
        assertThrowsZ3 { _ = try ctx.add([x, y]) }
        assertThrowsZ3 { _ = try ctx.constant("z", other.intSort) }
        assertThrowsZ3 { try Z3Solver(self.ctx).assert(other.bool(true)) }
        // The context is still healthy after all those errors.
        XCTAssertEqual(try check(ctx.eq(ctx.add([x, ctx.int(1)]), ctx.int(3))), .sat)
    }

    func testExprIdentityAndPrinting() throws {
        let x = try ctx.constant("x", int)
        XCTAssertEqual(try ctx.add([x, ctx.int(1)]), try ctx.add([x, ctx.int(1)]), "hash-consed")
        XCTAssertEqual(Set([try ctx.add([x, ctx.int(1)]), try ctx.add([x, ctx.int(1)])]).count, 1)
        XCTAssertEqual(try ctx.add([x, ctx.int(1)]).description, "(+ x 1)")
        XCTAssertEqual(x.sort, int)
        XCTAssertEqual(int.description, "Int")
        XCTAssertEqual(try ctx.bitVectorSort(8).description, "(_ BitVec 8)")
        XCTAssertEqual(try ctx.bitVectorSort(8), try ctx.bitVectorSort(8))
        XCTAssertNotEqual(x.sort, bool)
        XCTAssertTrue(try ctx.simplify(ctx.lt(ctx.int(1), ctx.int(2))).isTrue)
        XCTAssertFalse(try ctx.lt(ctx.int(1), ctx.int(2)).isTrue, "not simplified yet")
        XCTAssertEqual(try ctx.simplify(ctx.add([ctx.int(2), ctx.int(3)])).intValue, 5)
        XCTAssertNil(x.intValue)
        XCTAssertEqual(try ctx.add([]).intValue, 0)
        XCTAssertEqual(try ctx.mul([]).intValue, 1)
        XCTAssertTrue(try ctx.distinct([x]).isTrue)
    }

    func testManyShortLivedTermsKeepMemoryBounded() throws {
        let x = try ctx.constant("x", int)
        let s = Z3Solver(ctx)
        let before = ctx.estimatedAllocatedBytes
        var peak = before
        for i in 0..<200_000 {
            // Each iteration builds fresh, never-seen terms and drops them.
            let t = try ctx.le(ctx.add([x, ctx.int(Int64(i))]), ctx.mul([ctx.int(Int64(i) &* 7), x]))
            XCTAssertFalse(t.isTrue)
            if i % 10_000 == 0 { peak = max(peak, ctx.estimatedAllocatedBytes) }
        }
        try s.assert(ctx.gt(x, ctx.int(0)))
        XCTAssertEqual(try s.check(), .sat)
        let after = ctx.estimatedAllocatedBytes
        XCTAssertLessThan(max(peak, after), 200 << 20)
        XCTAssertLessThan(after, before + (16 << 20), "terms were not released: \(before) -> \(after)")
    }
}

import WeaveIR
@testable import WeaveProver
import XCTest

/// One semantics, two engines: the Z3 encoding agrees with the explorer on expression
/// values (and run-time errors) and on every step outcome, in reachable and random states.
final class CrossCheckTests: XCTestCase {
    func testArithmeticEnumsArraysAndSets() throws {
        let m = try proverModel("""
        const N = 3
        type T = 0..<N
        type Color = enum { red, green, blue }
        var x: -4..4 = 0
        var y: 0..5 in {1, 3}
        var c: Color = red
        var arr: [T] 0..3 = [1, 0, 2]
        var s: set<T> = {0}
        var flags: [Color] bool = false

        process p(i: T) {
          var loc: 0..3 = 0
          a:
            either {
              x = x + i - 1
            } or {
              y = (y * 2 + i) % 6
            } or {
              loc = arr[loc % N]
              arr[(y + loc) % N] = (arr[i] + 1) % 4
            } or {
              c = if c == blue then red else if c == red then green else blue
              flags[c] = !flags[c]
            }
          b:
            if y / 2 == 1 { s = s + {i} } else { s = s - {loc % N} }
            x = -x / 2
            choose v in s { arr[v] = (arr[v] + v) % 4 }
            goto a
        }

        invariant e_divmod: x / 2 + x % 3 >= -3 && (x - 7) / 3 < 0 && -x % 4 >= 0
        invariant e_divzero: 10 / (x + 1) != 7
        invariant e_modzero: (y % (x + 2)) <= 5
        invariant e_index: arr[y] >= 1 || arr[(y + 1) % N] == 0
        invariant e_nested: arr[arr[loc_of_0()] % N] < 3
        invariant e_enum: flags[c] == (c != green) || c == blue
        invariant e_set: size(s + {1}) >= 1 && (s * {0, 2}) <= s && !(s - s != {})
        invariant e_member: (x in s) || (y in s) || 2 in s
        invariant e_quant: exists v: T: arr[v] == y
        invariant e_count: (count v: T: v in s && flags[c]) == (count v: Color: flags[v])
        invariant e_forall_err: forall v: T: 6 / (arr[v] - 1) > 0
        invariant e_exists_err: exists v: T: 6 / (arr[v] - v) > 0
        invariant e_count_err: (count v: T: 6 / arr[v] > 1) >= 0
        invariant e_quant_set: forall v in s: arr[v] >= v - 1
        invariant e_at: at(p(y % N), b) || at(p(0), a) || p(1).loc == 2
        invariant e_at_dyn: at(p(x), a) => p(x + 1).loc >= 0
        invariant e_cond: (if x > 0 then arr[x] else arr[0] + 10) > 0
        invariant e_short: x < 0 || y < 0 && arr[10 / x] > 0
        invariant e_impl: x != 0 => arr[x] >= 0
        invariant e_setlit: {y % N, x % N} <= s || size({arr[0], arr[1], arr[2]}) == 2
        invariant e_setlit_err: size({y, 0}) >= 1
        """.replacingOccurrences(of: "loc_of_0()", with: "p(0).loc % N"))
        let cc = try CrossChecker(m)
        let n = try cc.run(random: 400)
        XCTAssertGreaterThanOrEqual(n, 400)
        XCTAssertGreaterThan(cc.counts["expr error", default: 0], 100)
        XCTAssertGreaterThan(cc.counts["error", default: 0], 20)
        XCTAssertGreaterThan(cc.counts["ok", default: 0], 1000)
    }

    func testQueuesAndStacks() throws {
        let m = try proverModel("""
        type V = 0..3
        var q: queue<V, 2> = []
        var st: stack<0..2, 3> = [1]
        var qs: [0..1] queue<bool, 2> = []
        var sum: 0..20 = 0
        var last: bool = false

        process prod(i: 0..<2) {
          a:
            push(q, i + 1)
          b:
            push(st, i)
            push(qs[i], i == 0)
            goto a
        }
        process cons {
          var v: 0..3 = 0
          var copy: queue<V, 2> = []
          c:
            await !empty(q)
            v = pop(q)
            sum = (sum + v) % 20
            if !empty(st) { v = pop(st) }
          d:
            copy = q
            q = []
            if len(copy) == 2 { pop(copy) }
            either { last = pop(qs[sum % 2]) } or { st = [] }
            goto c
        }

        invariant e_len: len(q) + len(st) <= 5 && full(q) == (len(q) == 2)
        invariant e_head: head(q) >= 1 || head(st) == 0
        invariant e_head_stack: empty(st) || head(st) <= 2
        invariant e_headdyn: empty(qs[sum % 2]) || head(qs[sum % 2])
        invariant e_copy: len(cons.copy) <= 2 && (empty(cons.copy) || head(cons.copy) > 0)
        """)
        let cc = try CrossChecker(m)
        try cc.run(random: 400, seed: 7)
        XCTAssertGreaterThan(cc.counts["expr error", default: 0], 50)
        XCTAssertGreaterThan(cc.counts["ok", default: 0], 500)
    }

    func testMembershipInQueuesStacksAndArrays() throws {
        let m = try proverModel("""
        type V = 0..3
        type Color = enum { red, green, blue }
        var q: queue<V, 3> = []
        var st: stack<-1..2, 2> = [2]
        var qs: [0..1] stack<Color, 2> = []
        var bs: queue<bool, 2> = [true]
        var arr: [0..2] V = [3, 0, 1]
        var i: 0..3 = 0
        var x: -2..4 = 0

        process p(k: 0..<2) {
          var mine: stack<V, 2> = []
          a:
            either { push(q, (i + k) % 4) } or { push(st, x % 3) } or { push(qs[k], if x > 0 then green else blue) } or {
              push(mine, i) } or { push(bs, x > k) }
          b:
            either { pop(q) } or { x = pop(st) } or { i = (i + 1) % 4 } or { x = (x + 3) % 7 - 2 } or {
              if !empty(mine) { arr[i % 3] = pop(mine) } } or { pop(bs) }
            if x in q { x = -x }
            goto a
        }

        invariant e_queue: (x in q) || (i in q) || 0 in q
        invariant e_stack: (x in st) == (exists v: -1..2: v == x && v in st)
        invariant e_enum: (green in qs[0]) || (blue in qs[i % 2]) || (red in qs[1])
        invariant e_bool: (x > 0) in bs || !(true in bs)
        invariant e_array: (i in arr) || (x in arr)
        invariant e_local: (i in p(0).mine) || (x in p(x).mine)
        invariant e_index_err: red in qs[x]
        invariant e_value_err: (6 / x) in q
        invariant e_count: (count v: V: v in q) <= len(q)
        """)
        let cc = try CrossChecker(m)
        try cc.run(random: 500, seed: 23)
        XCTAssertGreaterThan(cc.counts["expr error", default: 0], 100)
        XCTAssertGreaterThan(cc.counts["expr value", default: 0], 1000)
        XCTAssertGreaterThan(cc.counts["ok", default: 0], 1000)
    }

    func testLoopsChooseAssertsAndOverflow() throws {
        let m = try proverModel("""
        var n: 0..7 = 0
        var bag: set<0..3> = {1, 2, 3}
        var out: stack<0..3, 2> = []
        var turns: [0..1] 0..3 = 0

        process w(i: 0..<2) {
          var k: 0..3 = 0
          s1:
            k = 0
            while k < 3 {
              if (n + k) % 2 == 0 { n = (n + 1) % 8 }
              k = k + 1
            }
            choose x in bag {
              assert x != 3 || n > 2 "three early"
              bag = bag - {x}
              push(out, x)
            }
          s2:
            choose t: 0..1 { turns[t] = (turns[t] + 1) % 4 }
            if turns[i] == 3 { done }
            while !empty(out) { k = pop(out) }
            bag = bag + {k}
            goto s1
        }
        invariant e_pc: at(w(0), s1) || at(w(0), s2) || at(w(0), done)
        invariant e_bag: size(bag) + len(out) <= 6
        """)
        let cc = try CrossChecker(m)
        try cc.run(random: 400, seed: 11)
        XCTAssertGreaterThan(cc.counts["violation(three early)", default: 0], 10)
        XCTAssertGreaterThan(cc.counts["violation(overflow(out))", default: 0], 10)
    }

    func testRuntimeErrorsInSteps() throws {
        let m = try proverModel("""
        var a: [0..2] 0..5 = 0
        var i: 0..4 = 0
        var d: -2..2 = 1
        var q: queue<0..1, 1> = []
        var small: 0..0 = 0
        process p {
          s:
            either {
              a[i] = a[i] + 1
            } or {
              i = (i + 1) % 5
            } or {
              d = d - 1
            } or {
              a[0] = 6 / d
            } or {
              push(q, i)
            } or {
              small = pop(q)
            } or {
              await a[i] > 0
              a[2] = 5
            }
            goto s
        }
        invariant e_any: a[i] >= 0
        """)
        let cc = try CrossChecker(m)
        try cc.run(random: 400, seed: 3)
        XCTAssertGreaterThan(cc.counts["error", default: 0], 100)
        XCTAssertGreaterThan(cc.counts["violation(overflow(q))", default: 0], 10)
    }

    func testFlushModelAllDesigns() throws {
        for design in ["flush_delayed_fput", "fput_sync", "fput_queued", "flush_waits_for_all"] {
            for lock in ["false", "true"] {
                let m = try proverModelFile("Models/flush_delayed_fput.weave", ["design": design, "release_takes_held_lock": lock])
                try CrossChecker(m).run(random: 150, seed: 5)
            }
        }
    }

    func testOtherKernelModels() throws {
        for design in ["current", "pf_runs_task_work", "kthread_no_run"] {
            let m = try proverModelFile("Models/task_work_fput.weave", ["design": design])
            try CrossChecker(m).run(random: 100, seed: 13)
        }
        for design in ["sentinel", "flag_then_run", "born_exited"] {
            let m = try proverModelFile("Models/work_exited.weave", ["design": design])
            try CrossChecker(m).run(random: 100, seed: 17)
        }
    }
}

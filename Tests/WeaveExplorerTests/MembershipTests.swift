import WeaveExplorer
import WeaveIR
import XCTest

/// `x in q` for queues, stacks and arrays: only the elements in use count (a queue's
/// unused slots hold the element type's lowest value, which must not be "found").
final class MembershipTests: XCTestCase {
    func testStackMembershipSeesOnlyElementsInUse() throws {
        // Runs by hand: <> -a-> <1> -b-> <1, 2> -c-> <1> (done): 4 states.
        // 0 is never pushed but is what the unused slots hold.
        let m = try model("""
        var s: stack<0..2, 2> = []
        process p {
          a: push(s, 1)
          b: push(s, 2)
          c: pop(s)
        }
        invariant top_only_at_c: (2 in s) == at(p, c)
        invariant never_zero: !(0 in s)
        invariant one_after_a: (1 in s) == !at(p, a)
        reachable one_alone: 1 in s && !(2 in s)
        """)
        let r = try check(m)
        XCTAssertTrue(r.verdict.isHolds, "\(r.verdict)")
        XCTAssertEqual(r.statistics.distinct, 4)
    }

    func testQueueAndArrayMembershipViolations() throws {
        // The queue's FIFO pop removes 0 first: after a (push 0), b (push 1), c (pop),
        // 1 is in q and 0 is not: "zero_stays" fails after exactly 3 steps.
        let m = try model("""
        var q: queue<0..1, 2> = []
        var arr: [0..1] 0..2 = [2, 1]
        process p {
          a: push(q, 0)
          b: push(q, 1)
          c: pop(q)
          d: arr[0] = 0
        }
        invariant zero_stays: !at(p, a) => 0 in q
        invariant no_zero_in_arr: !(0 in arr)
        """)
        let v1 = try XCTUnwrap(try check(m, properties: .only(["zero_stays"])).verdict.violation)
        XCTAssertEqual(v1.trace?.steps.map(\.name), ["p.a", "p.b", "p.c"])
        let v2 = try XCTUnwrap(try check(m, properties: .only(["no_zero_in_arr"])).verdict.violation)
        XCTAssertEqual(v2.trace?.steps.count, 4)
    }

    func testDynamicPlaces() throws {
        // nfsd-like: each p(i) pushes i onto its own stack; "i in p(j).mine" only for i == j.
        let m = try model("""
        type T = 0..<3
        process p(i: T) {
          var mine: stack<T, 1> = []
          a: push(mine, i)
        }
        invariant own: forall i: T: forall j: T: (i in p(j).mine) => i == j
        reachable all: forall i: T: i in p(i).mine
        """)
        let r = try check(m)
        XCTAssertTrue(r.verdict.isHolds, "\(r.verdict)")
        XCTAssertEqual(r.statistics.distinct, 8)
    }
}

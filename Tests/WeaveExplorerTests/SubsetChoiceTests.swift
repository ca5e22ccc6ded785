import WeaveExplorer
import WeaveIR
import XCTest

/// `choose s: subset S` (issue 20 item 3) forks once per subset of S: the counts equal
/// the same model written with one `either` per element, and a hand count.
final class SubsetChoiceTests: XCTestCase {
    /// Subsets of a set variable and of a type, against nested `either` over each element.
    func testSubsetChoiceCountsEqualNestedEither() throws {
        let withSubset = try model("""
        type E = 0..3
        var base: set<E> = {}
        var picked: set<E> = {}
        var all: set<0..2> = {}
        process p {
          a: choose b: subset E { base = b }
          b: choose s: subset base { picked = s }
          c: choose t: subset 0..2 { all = t }
             goto b
        }
        """)
        let withEither = try model("""
        type E = 0..3
        var base: set<E> = {}
        var picked: set<E> = {}
        var all: set<0..2> = {}
        process p {
          a: either { base = base + {0} } or { skip }
             either { base = base + {1} } or { skip }
             either { base = base + {2} } or { skip }
             either { base = base + {3} } or { skip }
          b: picked = {}
             if 0 in base { either { picked = picked + {0} } or { skip } }
             if 1 in base { either { picked = picked + {1} } or { skip } }
             if 2 in base { either { picked = picked + {2} } or { skip } }
             if 3 in base { either { picked = picked + {3} } or { skip } }
          c: all = {}
             either { all = all + {0} } or { skip }
             either { all = all + {1} } or { skip }
             either { all = all + {2} } or { skip }
             goto b
        }
        """)
        let a = try check(withSubset), b = try check(withEither)
        XCTAssertTrue(a.verdict.isHolds)
        XCTAssertEqual(a.statistics.distinct, b.statistics.distinct)
        XCTAssertEqual(a.statistics.generated, b.statistics.generated)
        // By hand: at a, 1 state; at b, any base (16) with picked <= base (3^4 = 81 pairs
        // base ⊇ picked) and any all (8): 81 * 8 = 648; at c, the same pairs (picked <= base)
        // with all any of 8: 648. Total 1 + 648 + 648.
        XCTAssertEqual(a.statistics.distinct, 1 + 648 + 648)
    }

    /// The empty set is a subset: a choice over the subsets of {} still takes one step.
    func testSubsetOfEmptyIsNeverDisabled() throws {
        let m = try model("""
        var s: set<0..3> = {}
        var n: 0..5 = 0
        process p {
          a: choose t: subset s { n = size(t) + 1 }
          b: skip
        }
        invariant one: at(p, b) => n == 1
        """)
        let r = try check(m)
        XCTAssertTrue(r.verdict.isHolds)
        XCTAssertEqual(r.statistics.distinct, 3)
    }
}

import WeaveIR
import WeaveSema
import XCTest

/// `choose s: subset S`: the blow-up guard (more than 16 elements is an error at the
/// line), `subset` of a type keyword or a range, and the bound variable's type.
final class SubsetChoiceSemaTests: XCTestCase {
    func testMoreThanSixteenElementsIsRefusedAtTheLine() {
        assertReports("""
        var t: set<0..16> = {}
        process p {
          a: choose s: subset t { t = s }
        }
        """, .subsetTooLarge(type: "0..16", elements: 17, limit: 16), at: "3:23")
        assertReports("""
        type Big = 0..20
        var t: set<0..3> = {}
        process p {
          a: choose s: subset Big { skip }
        }
        """, .subsetTooLarge(type: "0..20", elements: 21, limit: 16), at: "4:23")
    }

    func testSubsetOfTypesAndSetsElaboratesToChooseSubset() throws {
        let (m, ds) = elaborate("""
        type E = enum { red, green, blue }
        var t: set<0..15> = {}
        var b: set<bool> = {}
        var e: set<E> = {}
        process p {
          a: choose s: subset bool { b = s }
          c: choose s: subset 0..15 { t = s }
          d: choose s: subset E { e = s }
          f: choose s: subset e { e = s - {red} }
        }
        invariant x: forall s: subset e: true
        """)
        XCTAssertNil(m, "a quantifier over subsets is not part of the language")
        XCTAssertFalse(ds.isEmpty)
        let (m2, ds2) = elaborate("""
        type E = enum { red, green, blue }
        var t: set<0..15> = {}
        var b: set<bool> = {}
        var e: set<E> = {}
        process p {
          a: choose s: subset bool { b = s }
          c: choose s: subset 0..15 { t = s }
          d: choose s: subset E { e = s }
          f: choose s: subset e { e = s - {red} }
        }
        """)
        let p = try XCTUnwrap(m2?.processes.first, "\(ds2)")
        let subsets = p.nodes.filter { if case .chooseSubset = $0.kind { return true }; return false }
        XCTAssertEqual(subsets.count, 4)
    }
}

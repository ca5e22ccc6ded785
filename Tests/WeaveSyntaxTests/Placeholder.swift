import XCTest
final class WeaveSyntaxTestsPlaceholder: XCTestCase {}

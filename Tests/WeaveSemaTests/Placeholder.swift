import XCTest
final class WeaveSemaTestsPlaceholder: XCTestCase {}

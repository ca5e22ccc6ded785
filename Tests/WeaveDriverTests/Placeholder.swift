import XCTest
final class WeaveDriverTestsPlaceholder: XCTestCase {}

import XCTest
final class WeaveExplorerTestsPlaceholder: XCTestCase {}

import Foundation
import XCTest

/// Imports resolve beside the importing file, then -I and WEAVE_PATH, then the kernel
/// library that comes with the binary; only model files can be imported.
final class ImportPathTests: XCTestCase {
    func scratch(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("weave-imp-\(getpid())-\(name)")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("lib/extra"), withIntermediateDirectories: true)
        return dir
    }

    func testKernelLibraryAndSearchPath() throws {
        let dir = try scratch("path")
        // The kernel library from anywhere (the binary finds the checkout's Models/).
        let m = "import \"kernel/llist.weave\"\nimport \"extra/k.weave\"\nvar x: 0..3 = 0\nprocess p { a: x = K }\n"
        try m.write(to: dir.appendingPathComponent("m.weave"), atomically: true, encoding: .utf8)
        try "const K = 2\n".write(to: dir.appendingPathComponent("lib/extra/k.weave"), atomically: true, encoding: .utf8)
        let missing = try runWeave(["check", "m.weave", "--quiet"], cwd: dir)
        XCTAssertEqual(missing.code, 65, missing.err)
        XCTAssertTrue(missing.err.contains("cannot find 'extra/k.weave'") && missing.err.contains("-I DIR"), missing.err)
        XCTAssertFalse(missing.err.contains("kernel/llist.weave"), missing.err)
        let found = try runWeave(["check", "m.weave", "-I", "lib", "--quiet"], cwd: dir)
        XCTAssertEqual(found.code, 0, found.out + found.err)
    }

    func testOnlyModelFilesCanBeImported() throws {
        let dir = try scratch("secret")
        try "root:secret-line\n".write(to: dir.appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
        try "import \"secret.txt\"\nvar x: bool = false\nprocess p { a: x = true }\n"
            .write(to: dir.appendingPathComponent("m.weave"), atomically: true, encoding: .utf8)
        let r = try runWeave(["check", "m.weave", "--quiet"], cwd: dir)
        XCTAssertEqual(r.code, 65)
        XCTAssertFalse(r.err.contains("secret-line"), r.err)
        XCTAssertTrue(r.err.contains("ending in .weave"), r.err)
    }

    func testVersion() throws {
        let r = try runWeave(["--version"], cwd: FileManager.default.temporaryDirectory)
        XCTAssertEqual(r.code, 0)
        XCTAssertTrue(r.out.hasPrefix("weave "), r.out)
    }
}

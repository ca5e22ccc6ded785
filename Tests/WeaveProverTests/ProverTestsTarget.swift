// The prover's tests live beside this file; this one keeps the target
// non-empty while they are written.
import XCTest

/// Successors bound for one partition: a struct of arrays, reused every round.
final class Outbox {
    let stateBytes: Int
    private(set) var count = 0
    /// Small at first: a search has 2 * workers^2 outboxes, most of which never fill.
    private var capacity = 16
    private(set) var states: UnsafeMutableRawPointer
    private(set) var fps: UnsafeMutablePointer<UInt64>
    private(set) var parents: UnsafeMutablePointer<UInt32>
    private(set) var ordinals: UnsafeMutablePointer<UInt32>
    private(set) var steppers: UnsafeMutablePointer<Int32>
    /// The parent's fingerprint: the key that picks a state's BFS parent.
    private(set) var parentKeys: UnsafeMutablePointer<UInt64>

    init(stateBytes: Int) {
        self.stateBytes = stateBytes
        states = .allocate(byteCount: stateBytes * capacity, alignment: 8)
        fps = .allocate(capacity: capacity)
        parents = .allocate(capacity: capacity)
        ordinals = .allocate(capacity: capacity)
        steppers = .allocate(capacity: capacity)
        parentKeys = .allocate(capacity: capacity)
    }

    deinit {
        states.deallocate(); fps.deallocate(); parents.deallocate(); ordinals.deallocate(); steppers.deallocate()
        parentKeys.deallocate()
    }

    var memoryBytes: Int { capacity * (stateBytes + 28) }

    @inline(__always) func state(_ i: Int) -> UnsafeRawPointer { UnsafeRawPointer(states + i &* stateBytes) }

    @inline(__always)
    func append(_ s: UnsafeRawPointer, fp: UInt64, parent: UInt32, parentKey: UInt64, ordinal: UInt32, stepper: Int32) {
        if count == capacity { grow() }
        parentKeys[count] = parentKey
        (states + count &* stateBytes).copyMemory(from: s, byteCount: stateBytes)
        fps[count] = fp
        parents[count] = parent
        ordinals[count] = ordinal
        steppers[count] = stepper
        count &+= 1
    }

    func removeAll() { count = 0 }

    private func grow() {
        let n = capacity * 2
        let s = UnsafeMutableRawPointer.allocate(byteCount: stateBytes * n, alignment: 8)
        s.copyMemory(from: states, byteCount: stateBytes * count)
        states.deallocate(); states = s
        func move<T>(_ p: inout UnsafeMutablePointer<T>) {
            let q = UnsafeMutablePointer<T>.allocate(capacity: n)
            q.moveInitialize(from: p, count: count)
            p.deallocate(); p = q
        }
        move(&fps); move(&parents); move(&ordinals); move(&steppers); move(&parentKeys)
        capacity = n
    }
}

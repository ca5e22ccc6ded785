/// The outcomes of expanding one state: successor states (or the state at a
/// failure inside a step), each tagged with its kind and the instance that stepped.
/// Grows once and is reused for every state, so expansion allocates nothing.
final class Sink {
    let stateBytes: Int
    private(set) var capacity: Int
    private(set) var count = 0
    private(set) var states: UnsafeMutableRawPointer
    private(set) var kinds: UnsafeMutablePointer<Engine.OutcomeKind>
    private(set) var instances: UnsafeMutablePointer<Int32>
    private(set) var details: UnsafeMutablePointer<Int32>
    /// For a `.violation` outcome: the node (of the stepping instance's process) that
    /// failed, so two asserts with one message are told apart. Written only on violations.
    private(set) var failNodes: UnsafeMutablePointer<Int32>
    /// With `Engine.recordChoices`: outcome -> the `either` (node, branch) pairs its path took.
    var choices: [Int: [Int32]] = [:]

    init(stateBytes: Int) {
        self.stateBytes = stateBytes
        capacity = 64
        states = .allocate(byteCount: stateBytes * capacity, alignment: 8)
        kinds = .allocate(capacity: capacity)
        instances = .allocate(capacity: capacity)
        details = .allocate(capacity: capacity)
        failNodes = .allocate(capacity: capacity)
        failNodes.initialize(repeating: -1, count: capacity)
    }

    deinit {
        states.deallocate(); kinds.deallocate(); instances.deallocate(); details.deallocate()
    }

    @inline(__always) func reset() { count = 0 }

    @inline(__always) func state(_ i: Int) -> UnsafeRawPointer { UnsafeRawPointer(states + i * stateBytes) }

    /// Outcome `i`'s state, to rewrite in place (symmetry canonicalises it before lookup).
    @inline(__always) func mutableState(_ i: Int) -> UnsafeMutableRawPointer { states + i * stateBytes }

    func append(_ s: UnsafeRawPointer, kind: Engine.OutcomeKind, instance: Int32, detail: Int32) {
        if count == capacity { grow() }
        (states + count &* stateBytes).copyMemory(from: s, byteCount: stateBytes)
        kinds[count] = kind
        instances[count] = instance
        details[count] = detail
        count += 1
    }

    /// Records the failing node of the outcome just appended (a `.violation`).
    func noteFailNode(_ node: Int) { failNodes[count - 1] = Int32(node) }

    private func grow() {
        let n = capacity * 2
        let s = UnsafeMutableRawPointer.allocate(byteCount: stateBytes * n, alignment: 8)
        s.copyMemory(from: states, byteCount: stateBytes * count)
        states.deallocate(); states = s
        let k = UnsafeMutablePointer<Engine.OutcomeKind>.allocate(capacity: n)
        k.initialize(from: kinds, count: count); kinds.deallocate(); kinds = k
        let i = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        i.initialize(from: instances, count: count); instances.deallocate(); instances = i
        let d = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        d.initialize(from: details, count: count); details.deallocate(); details = d
        let f = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        f.initialize(repeating: -1, count: n)
        f.update(from: failNodes, count: count); failNodes.deallocate(); failNodes = f
        capacity = n
    }
}

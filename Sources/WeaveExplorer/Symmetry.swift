import WeaveIR

/// Symmetry reduction: maps each packed state to a representative of its orbit under
/// the permutations of the model's symmetric types, so the search stores one state per
/// orbit (up to N! fewer for N interchangeable threads).
///
/// Exact mode (groups of at most `exactLimit` permutations): the representative is the
/// smallest state of the orbit in the order "the pcs of the first process family
/// indexed by each symmetric type, then every slot in layout order", so two states get
/// the same representative exactly when they are in one orbit and the distinct-state
/// count is the orbit count. The first key prunes: only the permutations that sort a
/// state's instances by pc can give the minimum, so a state whose instances are all at
/// different labels is compared under one permutation, not N!; instances at the same
/// label are tried in every order. Larger groups use a greedy descent by transpositions: each
/// state still maps into its own orbit (sound: every reachable orbit is visited and every
/// verdict is the same), but one orbit may keep more than one representative.
///
/// Not thread-safe: the scratch buffers belong to one search thread (like `Engine`'s).
final class Symmetry {
    /// Largest group searched exhaustively (7! = 5040), if its tables fit (`init`).
    static let exactLimit = 5040

    let engine: Engine
    let layout: SymmetryLayout
    let slotCount: Int
    /// Whether representatives are canonical (one per orbit).
    let isExact: Bool
    /// Size of the whole group (the product of the types' factorials), saturating.
    let groupSize: Int
    /// Permutations tried per pass (all non-identity ones, or the transpositions).
    let permCount: Int
    /// Exact mode: the permutation at each table index (`[type][ordinal] -> ordinal`), so
    /// that a caller of `canonicalizeTracking` can follow values and instances through it.
    let tablePermutations: [[[Int]]]
    /// Exact mode: the table index of the permutation the last `canonicalize` applied
    /// (-1: the identity). Any permutation that yields the representative will do.
    private(set) var lastPermutation = -1

    /// `src[p * slotCount + j]`: the slot of the input whose content lands in slot `j`
    /// under permutation `p`.
    private let src: UnsafeMutablePointer<Int32>
    /// Per slot: 0 plain, 1 symmetric value, 2 set over a symmetric type, 3 queue element.
    private let kind: UnsafeMutablePointer<UInt8>
    /// Per slot: where its type's value maps start in `vmap`, the type's size, and (for
    /// queue elements) the element's index.
    private let vbase: UnsafeMutablePointer<Int32>
    private let vsize: UnsafeMutablePointer<Int32>
    private let qindex: UnsafeMutablePointer<Int32>
    /// `vmap[vbase[j] + p * vsize[j] + v]`: the image of ordinal `v` under permutation `p`.
    private let vmap: UnsafeMutablePointer<UInt8>
    // Scratch: the input's raw slots, the best candidate so far, the candidate being built.
    private var cur: UnsafeMutablePointer<UInt64>
    private var best: UnsafeMutablePointer<UInt64>
    private var cand: UnsafeMutablePointer<UInt64>

    // Pruning by pcs (exact mode). Per group g (`groupCount` of them): its size, the
    // number of its permutations, and where its tables start.
    private let groupCount: Int
    private let gSize: UnsafeMutablePointer<Int>
    private let gPerms: UnsafeMutablePointer<Int>
    /// `gPermBase[g] + r * gSize[g] + i`: where permutation `r` (lexicographic rank) of
    /// group g sends ordinal `i`, in `gPermTable`.
    private let gPermBase: UnsafeMutablePointer<Int>
    private let gPermTable: UnsafeMutablePointer<UInt8>
    /// `gPcBase[g] + i`: the pc slot of instance `i` of the first process family indexed
    /// by group g, in `gPcSlot`; -1 when no family is indexed by it.
    private let gPcBase: UnsafeMutablePointer<Int>
    private let gPcSlot: UnsafeMutablePointer<Int32>
    /// Scratch: per instance, the first and last+1 position its pc may sort to; the
    /// accepted ranks of every group (at `gPermBase`-like offsets by rank count); the
    /// table indices of the accepted product permutations (-1: identity).
    private let lo: UnsafeMutablePointer<Int>
    private let hi: UnsafeMutablePointer<Int>
    private let accepted: UnsafeMutablePointer<Int32>
    private let acceptedBase: UnsafeMutablePointer<Int>
    private let acceptedCount: UnsafeMutablePointer<Int>
    private let candidates: UnsafeMutablePointer<Int32>

    /// Nil when the model declares no symmetric type.
    init?(engine: Engine) {
        let sl = SymmetryLayout(model: engine.model, layout: engine.layout)
        guard !sl.isTrivial else { return nil }
        self.engine = engine
        layout = sl
        let s = sl.slotKinds.count
        slotCount = s
        var size = 1
        for n in sl.sizes { for k in 1...max(1, n) { size = size.multipliedReportingOverflow(by: k).overflow ? Int.max : size * k } }
        groupSize = size
        // The exact tables take permutations x slots entries: keep them under 64 MiB.
        isExact = size <= Symmetry.exactLimit && size * max(1, s) <= 1 << 24

        // Per group: the permutations this mode tries (identity left out).
        var perGroup: [[[Int]]] = []
        for n in sl.sizes {
            let id = Array(0..<n)
            if isExact {
                perGroup.append(Symmetry.allPermutations(n))
            } else {
                var ts = [id]
                for a in 0..<n { for b in (a + 1)..<n { var t = id; t.swapAt(a, b); ts.append(t) } }
                perGroup.append(ts)
            }
        }
        // Exact: the product of the groups. Greedy: one transposition of one type at a time.
        var perms: [[[Int]]] = []
        if isExact {
            perms = [[]]
            for g in perGroup { perms = perms.flatMap { prefix in g.map { prefix + [$0] } } }
        } else {
            for (gi, g) in perGroup.enumerated() {
                for t in g.dropFirst() {
                    perms.append(sl.sizes.enumerated().map { $0.offset == gi ? t : Array(0..<$0.element) })
                }
            }
        }
        let identity = sl.sizes.map { Array(0..<$0) }
        perms.removeAll { $0 == identity }
        permCount = perms.count
        tablePermutations = isExact ? perms : []

        src = .allocate(capacity: max(1, perms.count * s))
        for (p, perm) in perms.enumerated() {
            let dest = sl.destinations(perm)
            for (j, d) in dest.enumerated() { src[p * s + d] = Int32(j) }
        }
        var mapBase: [Int] = []
        var total = 0
        for n in sl.sizes { mapBase.append(total); total += n * perms.count }
        vmap = .allocate(capacity: max(1, total))
        for (p, perm) in perms.enumerated() {
            for (g, n) in sl.sizes.enumerated() {
                for v in 0..<n { vmap[mapBase[g] + p * n + v] = UInt8(perm[g][v]) }
            }
        }
        kind = .allocate(capacity: max(1, s))
        vbase = .allocate(capacity: max(1, s))
        vsize = .allocate(capacity: max(1, s))
        qindex = .allocate(capacity: max(1, s))
        for (j, k) in sl.slotKinds.enumerated() {
            var g = 0
            switch k {
            case .plain: kind[j] = 0; qindex[j] = 0
            case .value(let gg): kind[j] = 1; g = gg; qindex[j] = 0
            case .set(let gg): kind[j] = 2; g = gg; qindex[j] = 0
            case .queueElement(let gg, let i): kind[j] = 3; g = gg; qindex[j] = Int32(i)
            }
            vbase[j] = Int32(mapBase.isEmpty ? 0 : mapBase[g])
            vsize[j] = Int32(sl.sizes.isEmpty ? 0 : sl.sizes[g])
        }
        cur = .allocate(capacity: max(1, s))
        best = .allocate(capacity: max(1, s))
        cand = .allocate(capacity: max(1, s))

        let gc = sl.sizes.count
        groupCount = gc
        gSize = .allocate(capacity: max(1, gc))
        gPerms = .allocate(capacity: max(1, gc))
        gPermBase = .allocate(capacity: max(1, gc))
        gPcBase = .allocate(capacity: max(1, gc))
        acceptedBase = .allocate(capacity: max(1, gc))
        acceptedCount = .allocate(capacity: max(1, gc))
        var permTable: [UInt8] = []
        var pcTable: [Int32] = []
        var rankTotal = 0
        var maxSize = 1
        for (g, n) in sl.sizes.enumerated() {
            gSize[g] = n
            maxSize = max(maxSize, n)
            // Only exact mode prunes; a greedy group keeps no per-permutation tables.
            let all = isExact ? Symmetry.allPermutations(n) : []
            gPerms[g] = all.count
            gPermBase[g] = permTable.count
            acceptedBase[g] = rankTotal
            rankTotal += all.count
            for perm in all { permTable += perm.map { UInt8($0) } }
            let type = sl.types[g]
            let lay = engine.layout
            if let pi = engine.model.processes.firstIndex(where: { $0.indexType == type && $0.instanceCount == n }) {
                gPcBase[g] = pcTable.count
                pcTable += (0..<n).map { Int32(lay.instanceBase[pi][$0]) }
            } else {
                gPcBase[g] = -1
            }
        }
        gPermTable = .allocate(capacity: max(1, permTable.count))
        gPermTable.initialize(from: permTable, count: permTable.count)
        gPcSlot = .allocate(capacity: max(1, pcTable.count))
        gPcSlot.initialize(from: pcTable, count: pcTable.count)
        lo = .allocate(capacity: maxSize)
        hi = .allocate(capacity: maxSize)
        accepted = .allocate(capacity: max(1, rankTotal))
        candidates = .allocate(capacity: max(1, isExact ? size : 1))
    }

    deinit {
        src.deallocate(); kind.deallocate(); vbase.deallocate(); vsize.deallocate(); qindex.deallocate()
        vmap.deallocate(); cur.deallocate(); best.deallocate(); cand.deallocate()
        gSize.deallocate(); gPerms.deallocate(); gPermBase.deallocate(); gPermTable.deallocate()
        gPcBase.deallocate(); gPcSlot.deallocate(); lo.deallocate(); hi.deallocate()
        accepted.deallocate(); acceptedBase.deallocate(); acceptedCount.deallocate(); candidates.deallocate()
    }

    /// Every permutation of `0..<n`, identity first.
    static func allPermutations(_ n: Int) -> [[Int]] {
        var out: [[Int]] = [[]]
        for k in 0..<n { out = out.flatMap { p in (0...k).map { i in var q = p; q.insert(k, at: i); return q } } }
        return out.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// Slot `j` of permutation `p` applied to `cur`.
    @inline(__always)
    private func image(_ p: Int, _ j: Int) -> UInt64 {
        let from = Int(src[p &* slotCount &+ j])
        let raw = cur[from]
        switch kind[j] {
        case 0: return raw
        case 1: return UInt64(vmap[Int(vbase[j]) &+ p &* Int(vsize[j]) &+ Int(raw)])
        case 2:
            var out: UInt64 = 0
            var m = raw
            let base = Int(vbase[j]) &+ p &* Int(vsize[j])
            while m != 0 {
                out |= 1 << UInt64(vmap[base &+ m.trailingZeroBitCount])
                m &= m &- 1
            }
            return out
        default:
            let e = Int(qindex[j])
            let len = cur[from &- e &- 1]
            return UInt64(e) < len ? UInt64(vmap[Int(vbase[j]) &+ p &* Int(vsize[j]) &+ Int(raw)]) : raw
        }
    }

    /// One pass over the permutations: leaves in `best` the smallest image of `cur`;
    /// returns whether it differs from `cur`.
    /// - Complexity: O(permutations x slots) at worst; a permutation is dropped at the
    ///   first slot where it is larger than the best so far.
    @inline(__always)
    private func pass() -> Bool {
        let s = slotCount
        best.update(from: cur, count: s)
        var improved = false
        for p in 0..<permCount {
            var j = 0
            while j < s {
                let v = image(p, j)
                let b = best[j]
                if v > b { break }
                cand[j] = v
                if v < b {
                    // Better from here on (cand[0..<j] equals best's prefix): finish it, keep it.
                    var k = j &+ 1
                    while k < s { cand[k] = image(p, k); k &+= 1 }
                    swap(&best, &cand)
                    improved = true
                    break
                }
                j &+= 1
            }
        }
        return improved
    }

    /// Exact mode: fills `candidates` with the table indices (-1 for the identity) of the
    /// permutations that sort `cur`'s instances by pc, group by group; returns how many.
    private func sortingPermutations() -> Int {
        for g in 0..<groupCount {
            let n = gSize[g], base = gPermBase[g], ab = acceptedBase[g]
            var count = 0
            if gPcBase[g] < 0 {
                for r in 0..<gPerms[g] { accepted[ab &+ r] = Int32(r) }
                count = gPerms[g]
            } else {
                // Instance i may go to positions lo[i] ..< hi[i]: after every instance
                // with a smaller pc, among those with the same pc.
                let pcs = gPcSlot + gPcBase[g]
                for i in 0..<n {
                    let v = cur[Int(pcs[i])]
                    var below = 0, same = 0
                    for k in 0..<n {
                        let w = cur[Int(pcs[k])]
                        if w < v { below &+= 1 } else if w == v { same &+= 1 }
                    }
                    lo[i] = below
                    hi[i] = below &+ same
                }
                for r in 0..<gPerms[g] {
                    let perm = gPermTable + (base &+ r &* n)
                    var ok = true
                    for i in 0..<n {
                        let to = Int(perm[i])
                        if to < lo[i] || to >= hi[i] { ok = false; break }
                    }
                    if ok { accepted[ab &+ count] = Int32(r); count &+= 1 }
                }
            }
            acceptedCount[g] = count
        }
        // The product, in the table's order (group 0 most significant; identity removed,
        // so every product index moves down by one).
        var total = 1
        candidates[0] = 0
        for g in 0..<groupCount {
            let k = acceptedCount[g], f = gPerms[g], ab = acceptedBase[g]
            var out = total &* k
            // Expand in place from the back so earlier entries are read before overwritten.
            var t = total
            while t > 0 {
                t &-= 1
                let prefix = candidates[t]
                var a = k
                while a > 0 {
                    a &-= 1
                    out &-= 1
                    candidates[out] = prefix &* Int32(f) &+ accepted[ab &+ a]
                }
            }
            total &*= k
        }
        for c in 0..<total { candidates[c] &-= 1 }
        return total
    }

    /// Exact mode: leaves in `best` the smallest image of `cur` under the permutations
    /// that sort its instances by pc; returns whether that differs from `cur`.
    @inline(__always)
    private func prunedPass() -> Bool {
        let s = slotCount
        let n = sortingPermutations()
        let first = Int(candidates[0])
        if first < 0 { best.update(from: cur, count: s) } else { for j in 0..<s { best[j] = image(first, j) } }
        var bestPerm = first
        defer { lastPermutation = bestPerm }
        var c = 1
        while c < n {
            let p = Int(candidates[c])
            c &+= 1
            var j = 0
            while j < s {
                let v = p < 0 ? cur[j] : image(p, j)
                let b = best[j]
                if v > b { break }
                cand[j] = v
                if v < b {
                    var k = j &+ 1
                    while k < s { cand[k] = p < 0 ? cur[k] : image(p, k); k &+= 1 }
                    swap(&best, &cand)
                    bestPerm = p
                    break
                }
                j &+= 1
            }
        }
        for j in 0..<s where best[j] != cur[j] { return true }
        return false
    }

    /// Replaces the packed state at `state` with its orbit's representative.
    /// - Complexity: see `pass()`; no allocation.
    @inline(__always)
    func canonicalize(_ state: UnsafeMutableRawPointer) {
        let s = slotCount
        for j in 0..<s { cur[j] = engine.loadRaw(state, j) }
        if isExact {
            if prunedPass() { for j in 0..<s { engine.storeRaw(state, j, best[j]) } }
            return
        }
        var changed = false
        while pass() {
            changed = true
            if isExact { break }
            swap(&cur, &best)
        }
        if changed {
            let out = isExact ? best : cur
            for j in 0..<s { engine.storeRaw(state, j, out[j]) }
        }
    }

    /// Exact mode: canonicalises `state` and returns the table index of the permutation
    /// that maps it to its representative (-1: the identity).
    func canonicalizeTracking(_ state: UnsafeMutableRawPointer) -> Int {
        precondition(isExact, "permutations are tracked in exact mode only")
        canonicalize(state)
        return lastPermutation
    }

    /// Exact mode: applies the permutation at table index `p` (-1: the identity) to a
    /// packed state, in place.
    func permute(_ state: UnsafeMutableRawPointer, by p: Int) {
        guard p >= 0 else { return }
        precondition(isExact && p < permCount, "permutation table index out of range")
        let s = slotCount
        for j in 0..<s { cur[j] = engine.loadRaw(state, j) }
        for j in 0..<s { cand[j] = image(p, j) }
        for j in 0..<s { engine.storeRaw(state, j, cand[j]) }
    }

    /// The representative of a packed state, as raw slot values (for traces; allocates).
    func representative(_ state: UnsafeRawPointer) -> [UInt64] {
        let buf = UnsafeMutableRawPointer.allocate(byteCount: engine.stateBytes, alignment: 8)
        defer { buf.deallocate() }
        buf.copyMemory(from: state, byteCount: engine.stateBytes)
        canonicalize(buf)
        return (0..<slotCount).map { engine.loadRaw(buf, $0) }
    }

    /// The reduction a run with `options` uses, and how to report it.
    static func choose(engine: Engine, model: Model, options: CheckOptions) -> (Symmetry?, SymmetryUse) {
        guard !model.symmetricTypes.isEmpty else { return (nil, .none) }
        guard options.symmetry else { return (nil, .disabled) }
        guard let s = Symmetry(engine: engine) else { return (nil, .none) }
        // The liveness pass follows process identities through the permutations each
        // edge applies (SymmetricLiveness.swift), which needs the exact representatives.
        if options.checkLiveness && model.liveness.contains(where: { options.properties.includes($0.name) })
            && !(s.isExact && engine.instances.count <= 64) {
            return (nil, .offForLiveness)
        }
        return (s, s.use)
    }

    /// How the run used symmetry, for the report.
    var use: SymmetryUse {
        .reduced(types: layout.types.map(\.description), permutations: groupSize, exact: isExact)
    }
}

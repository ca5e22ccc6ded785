// The partitioned layout of the breadth-first search (`SearchPlan.partitioned`): the
// visited set is split by fingerprint into one partition per worker, and a successor is
// sent, through an outbox, to the worker that owns it, which inserts it in the next
// round. The rounds themselves are in LevelSearch.swift.

extension Explorer {
    @inline(__always) func owner(_ fp: UInt64) -> Int {
        workers.count == 1 ? 0 : Int(truncatingIfNeeded: ((fp & 0xFFFF_FFFF) &* UInt64(workers.count)) >> 32)
    }

    /// Inserts every successor that the outboxes of set `set` address to this worker's
    /// partition (found while expanding level `depth`), and empties those outboxes.
    func insertRound(_ w: SearchWorker, depth: Int, set: Int) {
        let p = w.partition
        let nw = workers.count
        let graph = recordGraph, recorded = self.recorded, symmetric = symmetry != nil
        let d = UInt32(truncatingIfNeeded: depth + 1)
        for src in 0..<nw {
            workers[src].outboxBase[set &* nw &+ w.index]._withUnsafeGuaranteedRef { box in
                let n = box.count
                // Three passes over each batch: bring in the table slots, then (exact
                // mode) the stored states that a duplicate will be compared with, then
                // insert; so a batch waits for memory twice, not once per successor.
                let batch = 32
                let exact = p.exact != nil
                var b = 0
                while b < n {
                    let e = min(b &+ batch, n)
                    for k in b..<e { p.prefetch(box.fps[k]) }
                    if exact { for k in b..<e { p.prefetchStored(box.fps[k]) } }
                    for k in b..<e {
                        let r = p.insert(box.state(k), fp: box.fps[k], parent: box.parents[k], parentKey: box.parentKeys[k],
                                         ordinal: box.ordinals[k], depth: d)
                        if graph {
                            recorded.targets.append(UInt32(truncatingIfNeeded: r.id &* nw &+ w.index))
                            recorded.stepper.append(UInt8(truncatingIfNeeded: box.steppers[k] & 0xFF))
                            if symmetric { recorded.perm.append(UInt16(truncatingIfNeeded: box.steppers[k] >> 8)) }
                        }
                        if r.isNew {
                            checkNew(w, r.stored, id: UInt32(truncatingIfNeeded: r.id &* nw &+ w.index), key: box.fps[k], length: depth + 1)
                        }
                    }
                    b = e
                }
                box.removeAll()
            }
        }
    }
}

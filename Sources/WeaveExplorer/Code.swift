import WeaveIR
import WeaveSource

/// Bytecode operations. Expressions run on a small operand stack; places
/// compile to code that leaves a slot index on the stack.
enum OpCode: UInt8 {
    case lit            // push c
    case load           // push value of slot a
    case loadDyn        // pop slot index, push its value
    case reg            // push register a
    case not, neg, popcnt
    case add, sub, mul, div, mod
    case eq, ne, lt, le, gt, ge
    case union, intersect, difference, subset
    case member         // pop set, pop x: bit (x - c) of set
    case bit            // pop x: push 1 << (x - c); error (site b) unless 0 <= x - c < d
    case jmp            // goto a
    case jz             // pop; if zero goto a
    case jzKeep         // if top is zero goto a (keep it), else pop
    case jnzKeep        // if top is nonzero goto a (keep it), else pop
    case setReg         // reg[a] = c
    case popReg         // reg[a] = pop
    case incReg         // reg[a] += 1
    case jgtReg         // if reg[a] > c goto b
    case jNotInReg      // if bit (reg[a] - c) of reg[d] is clear goto b
    case scale          // pop idx, pop base: bounds-check idx in [c, c+d) (site b), push base + (idx-c)*a
    case instBase       // pop index value: bounds-check against process table a (lo c, count d), push pc slot + b
    case head           // pop base slot: error if empty (site b); push front (a == 0) or top (a == 1)
    case elemOf         // pop base slot, pop x: 1 if x is in the a element slots after base
                        // (b == 1: a queue, only the first len of them; b == 0: an array from base)
    case ret            // end of expression
}

/// One instruction; field meaning depends on the opcode.
struct Instr {
    var op: OpCode
    var a: Int32 = 0
    var b: Int32 = 0
    var d: Int32 = 0
    var c: Int64 = 0
}

/// A place compiled to a static slot, or to code computing the slot index.
struct CPlace {
    var slot: Int32          // >= 0: static
    var code: Int32          // start of slot-computing code when slot < 0
    var slotCount: Int32     // slots of the type at the place
}

/// A statement node specialised for one process instance.
enum CNode {
    case assign(CPlace, value: Int32, next: Int32, site: Int32)
    case copy(to: CPlace, from: CPlace, next: Int32)
    case fill(CPlace, values: Int32, count: Int32, next: Int32, site: Int32)
    case push(CPlace, value: Int32, capacity: Int32, property: Int32, next: Int32, site: Int32)
    case pop(CPlace, into: CPlace?, lifo: Bool, capacity: Int32, next: Int32, site: Int32)
    case await(Int32, next: Int32)
    case assert(Int32, property: Int32, next: Int32)
    case branch(Int32, then: Int32, else: Int32)
    case either(first: Int32, count: Int32)     // targets in eitherTargets
    case choose(reg: Int32, lo: Int64, hi: Int64, set: Int32, next: Int32)   // set >= 0: code of a set expression
    /// Every submask of `full` (the element type's values), or of `full` ∩ the set's value if set >= 0.
    case chooseSubset(reg: Int32, full: UInt64, set: Int32, next: Int32)
    case jump(Int32)
    case done
}

/// Why evaluation failed, with where in the model.
struct Site {
    let message: String
    let range: SourceRange?
    /// The macro calls the failing statement came through, innermost first.
    var expansion: [ExpansionSite] = []
}

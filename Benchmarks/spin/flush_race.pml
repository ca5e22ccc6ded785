/* The flush race of docs/LANGUAGE.md (Benchmarks/flush_race.weave) in Promela,
   with the same atomicity: one atomic block per Weave step, and the same
   data layout (a popped llist slot is zeroed, as Weave's pop does).
   Build: spin -a flush_race.pml && gcc -O2 -DNOREDUCE -o pan pan.c && ./pan -A
   (-A: assertions off, so the whole state space is explored, like
   `weave check --property renamed`). */
#ifndef THREADS
#define THREADS 2
#endif
byte delayed[THREADS];
byte dlen;
bool closed[THREADS];

active [THREADS] proctype nfsd() {
  byte t = _pid;
  byte batch[THREADS];
  byte blen;
  byte f;
  byte k;
close:
  atomic { delayed[dlen] = t; dlen++ }
flush:
  atomic {
    k = 0;
    do
    :: k < THREADS -> batch[k] = delayed[k]; delayed[k] = 0; k++
    :: else -> break
    od;
    blen = dlen; dlen = 0; k = 0
  }
fput:   /* Weave label: run */
  do
  :: atomic { blen > 0 -> blen--; f = batch[blen]; batch[blen] = 0; closed[f] = true }
  :: else -> break
  od;
rename:
  atomic { assert(closed[t]) }
end_idle:
  false
}

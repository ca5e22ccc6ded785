/* Benchmarks/flush_race_rounds.weave in Promela, with the same atomicity: one
   atomic block per Weave step and the same data layout as flush_race.pml.
   Build: spin -a flush_race_rounds.pml && gcc -O2 -DNOREDUCE -o pan pan.c && ./pan -A */
#ifndef THREADS
#define THREADS 2
#endif
#ifndef ROUNDS
#define ROUNDS 2
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
  byte served;
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
  atomic {
    served++;
    if
    :: served < ROUNDS -> goto close
    :: else -> skip
    fi
  }
end_idle:
  false
}

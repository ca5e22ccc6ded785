/* Benchmarks/task_work_fput.weave in Promela, with the same atomicity: one atomic
   block per Weave step (a `goto` out of a block ends the step, as in Weave), the
   same variables and the same data layout (a stack is slots + length, a popped
   slot is zeroed, as Weave's pop does). The distinct-state counts are equal:
   SPIN's "states, stored" with -DNOREDUCE = Weave's distinct states.
   Sizes and design, as Weave's --const / --param:
     -DTHREADS=2 -DREQUESTS=2 -DCLOSES=1 -DPF_RUNS_TASK_WORK=0 (design current)
   Build: spin -DTHREADS=3 -a task_work_fput.pml
          gcc -O2 -DNOREDUCE -DTHREADS=3 -o pan pan.c && ./pan -m100000
   (the -D sizes go to both spin and gcc: pan.c uses them too). */
#ifndef THREADS
#define THREADS 2
#endif
#ifndef REQUESTS
#define REQUESTS 2
#endif
#ifndef CLOSES
#define CLOSES 1
#endif
#ifndef PF_RUNS_TASK_WORK
#define PF_RUNS_TASK_WORK 0
#endif
#define MAXPENDING (REQUESTS * CLOSES)
#define BOUND (THREADS * MAXPENDING)
#define TW_NULL (-1)
#define TW_EXITED (-2)

typedef List { byte v[BOUND]; byte n }    /* stack<Thread, BOUND> */
typedef Works { byte v[CLOSES]; byte n }  /* stack<Thread, CLOSES> */

List delayed_fput_list;
bool pending;                  /* delayed_fput_work's PENDING bit */
byte system_wq;                /* queue<Work, 1>: its length (the one item is delayed_fput_work) */
Works task_works[THREADS];
bool work_exited[THREADS];     /* never set here, read by tw_head as in Weave */
byte outstanding[THREADS];
bool svc_locked[THREADS];

#define tw_head(t) (work_exited[t] -> TW_EXITED : (task_works[t].n == 0 -> TW_NULL : task_works[t].v[task_works[t].n - 1]))

active [THREADS] proctype nfsd() {
  byte t = _pid;               /* the nfsd processes are created first: pids 0..THREADS-1 */
  byte req;
  byte c;
  short seen = TW_NULL;
  bool ok;
  bool was_empty;
  Works taken;
  byte who;
  byte k;                      /* loop index inside one atomic block, 0 between steps */
request:
  atomic {
    if
    :: req == REQUESTS -> goto end_idle
    :: else -> skip
    fi;
    req++; c = 0; svc_locked[t] = true;
    if
    :: !PF_RUNS_TASK_WORK -> goto fput_fallback
    :: else -> skip
    fi
  }
fput_task_work:
  atomic { seen = tw_head(t); ok = false }
cas:
  atomic {
    if
    :: seen != TW_EXITED ->
       if
       :: tw_head(t) == seen ->
          assert(task_works[t].n < CLOSES);      /* Weave: overflow(task_works) */
          task_works[t].v[task_works[t].n] = t; task_works[t].n++;
          ok = true
       :: else ->
          seen = tw_head(t);
          if
          :: seen != TW_EXITED -> goto cas
          :: else -> skip
          fi
       fi
    :: else -> skip
    fi;
    if
    :: !ok -> goto fput_fallback
    :: else -> skip
    fi;
    c++; outstanding[t]++;
    if
    :: c < CLOSES -> goto fput_task_work
    :: else -> skip
    fi;
    svc_locked[t] = false;
    goto task_work_run
  }
fput_fallback:
  atomic {
    was_empty = (delayed_fput_list.n == 0);
    assert(delayed_fput_list.n < BOUND);         /* Weave: overflow(delayed_fput_list) */
    delayed_fput_list.v[delayed_fput_list.n] = t; delayed_fput_list.n++;
    c++; outstanding[t]++;
    if
    :: was_empty -> was_empty = false; goto schedule
    :: else -> skip
    fi;
    if
    :: c < CLOSES -> goto fput_fallback
    :: else -> skip
    fi;
    svc_locked[t] = false;
    goto request
  }
schedule:
  atomic {
    if
    :: !pending -> pending = true; assert(system_wq < 1); system_wq++
    :: else -> skip
    fi;
    if
    :: c < CLOSES -> goto fput_fallback
    :: else -> skip
    fi;
    svc_locked[t] = false;
    goto request
  }
task_work_run:
  atomic {
    if
    :: !work_exited[t] && task_works[t].n > 0 ->
       for (k : 0 .. CLOSES - 1) { taken.v[k] = task_works[t].v[k]; task_works[t].v[k] = 0 };
       k = 0;
       taken.n = task_works[t].n; task_works[t].n = 0
    :: else -> skip
    fi;
    if
    :: taken.n == 0 -> goto request
    :: else -> skip
    fi
  }
run_fput:
  atomic {
    taken.n--; who = taken.v[taken.n]; taken.v[taken.n] = 0;
    assert(!svc_locked[t]);                      /* "no locks held while running __fput" */
    assert(outstanding[who] > 0);                /* Weave: outstanding's type 0..MAXPENDING */
    outstanding[who]--;
    if
    :: taken.n > 0 -> goto run_fput
    :: else -> goto task_work_run
    fi
  }
end_idle:
  false
}

active proctype worker() {
  byte w;                      /* Work: always delayed_fput_work (0) */
  List batch;
  byte who;
  byte k;
end_idle:
  atomic { system_wq > 0 -> system_wq--; w = 0; pending = false }
take:
  atomic {
    for (k : 0 .. BOUND - 1) { batch.v[k] = delayed_fput_list.v[k]; delayed_fput_list.v[k] = 0 };
    k = 0;
    batch.n = delayed_fput_list.n; delayed_fput_list.n = 0;
    if
    :: batch.n == 0 -> goto end_idle
    :: else -> skip
    fi
  }
fput:
  atomic {
    batch.n--; who = batch.v[batch.n]; batch.v[batch.n] = 0;
    assert(outstanding[who] > 0);
    outstanding[who]--;
    if
    :: batch.n > 0 -> goto fput
    :: else -> goto end_idle
    fi
  }
}

/* Benchmarks/kernfs_notify.weave in Promela, with the same atomicity: one atomic
   block per Weave step, its Weave `await`s folded into the guard that opens the
   block (a Weave step is enabled or not as a whole), a `goto` out of a block ends
   the step; the same variables and data layout (a stack is slots + length, a
   popped slot is zeroed, as Weave's pop does). The distinct-state counts are equal:
   SPIN's "states, stored" with -DNOREDUCE = Weave's distinct states.
   Sizes and premises, as Weave's --const / --param (1 = true):
     -DARRAYS=2 -DWRITES=2 -DRECLAIM_WQ=1 (design kernfs_wq_reclaim; 0: system_wq)
     -DRWSEM_WRITER_PREMISE=0 -DMDMON_TASK_WORK_ALLOCATES=0 -DKICK_POLL=0
     -DMDMON_WAITS_IN_POLL=1
   Build: spin -DARRAYS=3 -a kernfs_notify.pml
          gcc -O2 -DNOREDUCE -DARRAYS=3 -o pan pan.c && ./pan -m100000
   With design system_wq (or a premise that deadlocks), compare all states with
   ./pan -E (no invalid-end-state check) and weave check --no-deadlock. */
#ifndef ARRAYS
#define ARRAYS 2
#endif
#ifndef WRITES
#define WRITES 2
#endif
#ifndef RECLAIM_WQ
#define RECLAIM_WQ 1
#endif
#ifndef RWSEM_WRITER_PREMISE
#define RWSEM_WRITER_PREMISE 0
#endif
#ifndef MDMON_TASK_WORK_ALLOCATES
#define MDMON_TASK_WORK_ALLOCATES 0
#endif
#ifndef KICK_POLL
#define KICK_POLL 0
#endif
#ifndef MDMON_WAITS_IN_POLL
#define MDMON_WAITS_IN_POLL 1
#endif
#define RWSEM_WRITER (-1)

typedef Nodes { byte v[ARRAYS]; byte n }   /* stack<Array, ARRAYS> */

bool memory_pressure = true;
bool sb_change_pending[ARRAYS];
byte writes_done[ARRAYS];
bool poll_event[ARRAYS];
bool fsnotify_event[ARRAYS];
short kernfs_supers_rwsem;
Nodes notify_list;             /* kernfs_notify_list */
bool notify_queued[ARRAYS];    /* kn->attr.notify_next != NULL */
bool pending;                  /* kernfs_notify_work's PENDING */
byte worklist;                 /* queue<Work, 1>: its length (the one item is kernfs_notify_work) */
byte nr_workers;

/* kernfs_notify_workfn(), the same two steps in the pool's worker and in the
   rescuer, each used at the label of its Weave step (workfn:, notify:). */
inline notify_pop(kn) {           /* workfn: pop one node, or return to idle */
  atomic {
    if
    :: notify_list.n == 0 -> goto end_idle
    :: else -> skip
    fi;
    notify_list.n--; kn = notify_list.v[notify_list.n]; notify_list.v[notify_list.n] = 0;
    notify_queued[kn] = false
  }
}
inline notify_deliver(kn) {       /* notify: down_read; fsnotify; up_read; repeat */
  atomic {
    kernfs_supers_rwsem != RWSEM_WRITER ->
    kernfs_supers_rwsem++;
    fsnotify_event[kn] = true;
    if
    :: !KICK_POLL -> poll_event[kn] = true
    :: else -> skip
    fi;
    kernfs_supers_rwsem--;
    kn = 0;
    goto workfn
  }
}

active [ARRAYS] proctype md() {
  byte i = _pid;               /* md processes are created first: pids 0..ARRAYS-1 */
write_start:
  atomic {
    sb_change_pending[i] = true;
    if
    :: KICK_POLL -> poll_event[i] = true
    :: else -> skip
    fi;
    if
    :: !notify_queued[i] ->
       notify_queued[i] = true;
       assert(notify_list.n < ARRAYS);           /* Weave: overflow(notify_list) */
       notify_list.v[notify_list.n] = i; notify_list.n++;
       if
       :: !pending -> pending = true; assert(worklist < 1); worklist++
       :: else -> skip
       fi
    :: else -> skip
    fi
  }
wait:
  atomic {
    !sb_change_pending[i] ->
    writes_done[i]++;
    if
    :: writes_done[i] < WRITES -> goto write_start
    :: else -> skip
    fi
  }
end_finished:
  false
}

active [ARRAYS] proctype mdmon() {
  byte i = _pid - ARRAYS;
end_select:
  atomic {
    (MDMON_WAITS_IN_POLL && poll_event[i]) || (!MDMON_WAITS_IN_POLL && fsnotify_event[i]) ->
    if
    :: MDMON_WAITS_IN_POLL -> poll_event[i] = false
    :: else -> fsnotify_event[i] = false
    fi;
    if
    :: !MDMON_TASK_WORK_ALLOCATES -> goto write_metadata
    :: else -> skip
    fi
  }
task_work:
  atomic { !memory_pressure -> skip }
write_metadata:
  atomic { sb_change_pending[i] = false; goto end_select }
}

active proctype reclaim() {
xfs_log_force:
  atomic { writes_done[0] > 0 -> memory_pressure = false }
end_finished:
  false
}

active proctype pool() {
  byte w;                      /* Work: always kernfs_notify_work (0) */
  byte kn;
end_idle:
  atomic {
    worklist > 0 ->
    if
    :: nr_workers > 0 -> goto pick
    :: else -> skip
    fi
  }
create:
  atomic { !memory_pressure -> nr_workers++ }
pick:
  atomic {
    if
    :: worklist == 0 -> goto end_idle
    :: else -> skip
    fi;
    worklist--; w = 0; pending = false
  }
workfn:
  notify_pop(kn);
notify:
  notify_deliver(kn)
}

active proctype rescuer() {
  byte w;
  byte kn;
end_idle:
  atomic { RECLAIM_WQ && nr_workers == 0 && worklist > 0 -> worklist--; w = 0; pending = false }
workfn:
  notify_pop(kn);
notify:
  notify_deliver(kn)
}

active proctype writer() {
end_start:
  atomic { RWSEM_WRITER_PREMISE && kernfs_supers_rwsem == 0 -> kernfs_supers_rwsem = RWSEM_WRITER }
allocate:
  atomic { !memory_pressure -> skip }
unlock:
  atomic { kernfs_supers_rwsem = 0 }
end_finished:
  false
}

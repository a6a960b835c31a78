// realmap's shared memory: who the launcher and the workers are, and who waits for
// which run, so that wake-ups are latches set after commit, never polling.
#pragma once

#include "pg/pg_headers.hpp"

extern "C" {
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/spin.h"
}

namespace realmap::pg {

inline constexpr int kMaxWaiters = 64;

struct WorkerSlot {
    pid_t pid;           // 0: free
    bool idle;           // waiting on its latch for work
    bool clean_exit;     // left on its own (not crashed)
    pid_t dead_pid;      // a worker that exited on an error: its attempts need recovery
    int64 run_id;        // the run of the task it is executing, 0 if none
    PGPROC *proc;
};

struct WaiterSlot {
    pid_t pid;  // 0: free
    int64 run_id;
    PGPROC *proc;
};

struct EngineShared {
    slock_t mutex;
    pid_t launcher_pid;
    PGPROC *launcher_proc;
    bool recovered;  // restart recovery done since this shared memory was initialised
    // When the launcher next has a timer due (lease, retry, deadline); 0: none.  A
    // transaction that creates an earlier one lowers it at commit and wakes the launcher.
    TimestampTz next_deadline;
    // DROP DATABASE of realmap.database_name sent the launcher away; it waits,
    // connected to no database, for the database to exist again.
    bool database_dropped;
    int max_workers;
    WaiterSlot waiters[kMaxWaiters];
    WorkerSlot workers[FLEXIBLE_ARRAY_MEMBER];
};

// Installs the shmem request/startup hooks (from _PG_init).
void install_shmem_hooks();
// Installs the ProcessUtility hook that clears the way for DROP DATABASE.
void install_utility_hook();
EngineShared *engine_shared();

// There is ready work: sets the latch of every worker (an idle one claims it; a busy
// one claims again before it would sleep, so a wake-up between its empty claim and
// its sleep is never lost) and, when a worker slot is free, the launcher's, which may
// start a worker.  With every slot taken the launcher is left asleep: waking it for
// each batch of a large map cost a timer pass (about 4 ms) per batch.
void wake_for_ready_work();
// Sets the latch of every worker (the launcher's part of the above).
void wake_workers();
// Lowers next_deadline to `when` if earlier and wakes the launcher then.
void note_deadline(TimestampTz when);
// Sets the latches of the backends waiting for run_id.
void wake_waiters(int64 run_id);

}  // namespace realmap::pg

#include "pg/wakeup.hpp"

#include <csignal>

#include "pg/guard.hpp"
#include "pg/shmem.hpp"

extern "C" {
#include "access/xact.h"
#include "utils/array.h"
}

namespace realmap::pg {

namespace {

// Backend-local, plain data: what to do when this transaction commits.
bool pending_wake_workers = false;
int n_pending_runs = 0;
int64 pending_runs[64];
bool pending_runs_overflow = false;
int n_pending_interrupts = 0;
int pending_interrupts[64];
TimestampTz pending_deadline = 0;

void reset_pending() {
    pending_wake_workers = false;
    n_pending_runs = 0;
    pending_runs_overflow = false;
    n_pending_interrupts = 0;
    pending_deadline = 0;
}

void on_xact_event(XactEvent event, void *) {
    switch (event) {
        case XACT_EVENT_COMMIT:
        case XACT_EVENT_PARALLEL_COMMIT: {
            EngineShared *sh = engine_shared();
            if (pending_wake_workers) wake_for_ready_work();
            if (pending_deadline != 0) note_deadline(pending_deadline);
            for (int i = 0; i < n_pending_runs; i++) wake_waiters(pending_runs[i]);
            if (pending_runs_overflow && sh != nullptr) {
                // too many runs ended in one transaction to remember: wake every waiter
                for (int i = 0; i < kMaxWaiters; i++)
                    if (sh->waiters[i].pid != 0) wake_waiters(sh->waiters[i].run_id);
            }
            // interrupt only processes that are realmap workers right now
            for (int i = 0; i < n_pending_interrupts && sh != nullptr; i++) {
                bool is_worker = false;
                SpinLockAcquire(&sh->mutex);
                for (int w = 0; w < sh->max_workers; w++)
                    if (sh->workers[w].pid == pending_interrupts[i]) is_worker = true;
                SpinLockRelease(&sh->mutex);
                if (is_worker) kill(pending_interrupts[i], SIGINT);
            }
            reset_pending();
            break;
        }
        case XACT_EVENT_ABORT:
        case XACT_EVENT_PARALLEL_ABORT:
            reset_pending();
            break;
        default:
            break;
    }
}

}  // namespace

void install_wakeup_callback() { RegisterXactCallback(on_xact_event, nullptr); }

void wake_workers_at_commit() { pending_wake_workers = true; }

void wake_waiters_at_commit(int64 run_id) {
    if (n_pending_runs < 64)
        pending_runs[n_pending_runs++] = run_id;
    else
        pending_runs_overflow = true;
}

void interrupt_worker_at_commit(int pid) {
    if (n_pending_interrupts < 64) pending_interrupts[n_pending_interrupts++] = pid;
}

void note_deadline_at_commit(TimestampTz when) {
    if (pending_deadline == 0 || when < pending_deadline) pending_deadline = when;
}

}  // namespace realmap::pg

// realmap._note_deadline(at): the launcher has a timer due at `at` (a lease, a
// retry, a human task's deadline); it learns of it when this transaction commits.
REALMAP_FUNCTION(realmap_note_deadline) {
    realmap::pg::note_deadline_at_commit(PG_GETARG_TIMESTAMPTZ(0));
    PG_RETURN_VOID();
}

// realmap._wake_workers(): wake the launcher and idle workers when this commits.
REALMAP_FUNCTION(realmap_wake_workers) {
    realmap::pg::wake_workers_at_commit();
    PG_RETURN_VOID();
}

// realmap._run_finished(run_id): wake the backends in realmap.wait() for it at commit.
REALMAP_FUNCTION(realmap_run_finished) {
    realmap::pg::wake_waiters_at_commit(PG_GETARG_INT64(0));
    realmap::pg::wake_workers_at_commit();  // queued runs of the DAG may start now
    PG_RETURN_VOID();
}

// realmap._interrupt_workers(pids int[]): cancel the statement of those workers at
// commit (realmap.cancel), so running tasks of a cancelled run stop promptly.
REALMAP_FUNCTION(realmap_interrupt_workers) {
    ArrayType *arr = PG_GETARG_ARRAYTYPE_P(0);
    Datum *elems;
    bool *nulls;
    int n;
    deconstruct_array(arr, INT4OID, 4, true, TYPALIGN_INT, &elems, &nulls, &n);
    for (int i = 0; i < n; i++)
        if (!nulls[i]) realmap::pg::interrupt_worker_at_commit(DatumGetInt32(elems[i]));
    PG_RETURN_VOID();
}

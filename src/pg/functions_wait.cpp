// realmap.wait(run_id, timeout): blocks until the run ends, sleeping on its latch,
// which the transaction that ends the run sets after commit.  It holds no snapshot
// while it sleeps, so a long wait never holds back vacuum of the engine's tables.
#include "pg/guard.hpp"
#include "pg/pg_headers.hpp"
#include "pg/shmem.hpp"

extern "C" {
#include "access/xact.h"
#include "pgstat.h"
#include "storage/proc.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"
}

namespace {

int waiter_slot = -1;

void release_waiter_slot() {
    realmap::pg::EngineShared *sh = realmap::pg::engine_shared();
    if (sh == nullptr || waiter_slot < 0) return;
    SpinLockAcquire(&sh->mutex);
    sh->waiters[waiter_slot].pid = 0;
    SpinLockRelease(&sh->mutex);
    waiter_slot = -1;
}

void claim_waiter_slot(int64 run_id) {
    realmap::pg::EngineShared *sh = realmap::pg::engine_shared();
    if (sh == nullptr) return;
    SpinLockAcquire(&sh->mutex);
    for (int i = 0; i < realmap::pg::kMaxWaiters; i++) {
        if (sh->waiters[i].pid == 0) {
            sh->waiters[i].pid = MyProcPid;
            sh->waiters[i].run_id = run_id;
            sh->waiters[i].proc = MyProc;
            waiter_slot = i;
            break;
        }
    }
    SpinLockRelease(&sh->mutex);
}

// The run's state and whether it was created by this very transaction; NULL state
// when the run does not exist.  Each call reads with a new snapshot.
char *run_state(int64 run_id, bool *own_transaction) {
    MemoryContext caller = CurrentMemoryContext;
    char *state = nullptr;
    *own_transaction = false;
    SPI_connect();
    Oid argtypes[1] = {INT8OID};
    Datum values[1] = {Int64GetDatum(run_id)};
    SPI_execute_with_args(
        "SELECT state, created_xid = pg_current_xact_id_if_assigned() FROM realmap.runs WHERE run_id = $1",
        1, argtypes, values, nullptr, false, 1);
    if (SPI_processed > 0) {
        char *s = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
        char *own = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
        state = MemoryContextStrdup(caller, s);
        *own_transaction = own != nullptr && own[0] == 't';
    }
    SPI_finish();
    return state;
}

bool is_final(const char *state) {
    return strcmp(state, "succeeded") == 0 || strcmp(state, "failed") == 0 ||
           strcmp(state, "cancelled") == 0 || strcmp(state, "skipped") == 0;
}

// C-style on purpose: ereport may longjmp out of it at any point.
Datum wait_for_run(int64 run_id, Interval *timeout) {
    if (IsolationUsesXactSnapshot())
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("realmap.wait cannot see a run progress under %s isolation",
                               IsolationIsSerializable() ? "SERIALIZABLE" : "REPEATABLE READ"),
                        errhint("Call it in a READ COMMITTED transaction.")));
    bool own = false;
    char *state = run_state(run_id, &own);
    if (state == nullptr)
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("run %lld does not exist", (long long)run_id)));
    if (own && !is_final(state))
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("run %lld was created in this transaction and cannot start before it commits",
                               (long long)run_id),
                        errhint("Commit first, then call realmap.wait.")));
    int64 timeout_us = timeout->time + (int64)timeout->day * USECS_PER_DAY +
                       (int64)timeout->month * DAYS_PER_MONTH * USECS_PER_DAY;
    TimestampTz deadline = GetCurrentTimestamp() + timeout_us;
    PG_TRY();
    {
        claim_waiter_slot(run_id);
        while (!is_final(state)) {
            TimestampTz now = GetCurrentTimestamp();
            if (now >= deadline) break;
            long sleep_ms = (deadline - now) / 1000 + 1;
            // without a waiter slot (all taken) fall back to checking every 100 ms
            if (waiter_slot < 0 && sleep_ms > 100) sleep_ms = 100;
            if (sleep_ms > 60000) sleep_ms = 60000;
            // Hold no snapshot while asleep: this statement's snapshot is not used
            // again before the function returns, and the next check takes a new one.
            // Without this a wait over a long run would hold back vacuum.
            MyProc->xmin = InvalidTransactionId;
            (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, sleep_ms,
                            PG_WAIT_EXTENSION);
            ResetLatch(MyLatch);
            CHECK_FOR_INTERRUPTS();
            pfree(state);
            state = run_state(run_id, &own);
            if (state == nullptr)
                ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
                                errmsg("run %lld was deleted while waiting for it", (long long)run_id)));
        }
    }
    PG_FINALLY();
    {
        release_waiter_slot();
    }
    PG_END_TRY();
    return CStringGetTextDatum(state);
}

}  // namespace

REALMAP_FUNCTION(realmap_wait) {
    return wait_for_run(PG_GETARG_INT64(0), PG_GETARG_INTERVAL_P(1));
}

// The launcher: one per cluster, connected to realmap.database_name.  It owns the
// timers (leases, retries, human-task deadlines), recovers the attempts of workers
// that died, and starts dynamic workers up to realmap.max_workers when there is ready
// work and no idle worker to take it.  Between timers it sleeps on its latch.
#include <csignal>

#include "pg/guard.hpp"
#include "pg/pg_headers.hpp"
#include "pg/settings.hpp"
#include "pg/shmem.hpp"
#include "pg/worker.hpp"


extern "C" {
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "access/xact.h"
#include "commands/dbcommands.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"
}

namespace realmap::pg {

namespace {

constexpr long kIdleSleepMs = 10L * 60 * 1000;   // nothing due: sleep until woken
constexpr long kCleanupIntervalMs = 10L * 60 * 1000;

BackgroundWorkerHandle **handles = nullptr;  // launcher-local, one per slot
bool logged_no_slot = false;

void clear_launcher(int, Datum) {
    EngineShared *sh = engine_shared();
    SpinLockAcquire(&sh->mutex);
    if (sh->launcher_pid == MyProcPid) {
        sh->launcher_pid = 0;
        sh->launcher_proc = nullptr;
    }
    SpinLockRelease(&sh->mutex);
}

void run_sql(const char *activity, const char *sql) {
    begin_spi_transaction(activity);
    SPI_execute(sql, false, 0);
    commit_spi_transaction();
}

// Frees the slots of workers that have exited and recovers, as crashed, the running
// attempts of those that exited on an error (their slot names the pid).  A worker
// killed outright takes the whole server down instead: restart recovery covers it.
void reap_workers() {
    EngineShared *sh = engine_shared();
    for (int i = 0; i < sh->max_workers; i++) {
        if (handles[i] != nullptr) {
            pid_t pid;
            if (GetBackgroundWorkerPid(handles[i], &pid) == BGWH_STOPPED) {
                pfree(handles[i]);
                handles[i] = nullptr;
                SpinLockAcquire(&sh->mutex);
                if (sh->workers[i].pid == -1) sh->workers[i].pid = 0;  // never got to register
                SpinLockRelease(&sh->mutex);
            }
        }
        SpinLockAcquire(&sh->mutex);
        pid_t dead = sh->workers[i].dead_pid;
        sh->workers[i].dead_pid = 0;
        SpinLockRelease(&sh->mutex);
        if (dead > 0 && realmap_installed()) {
            char sql[160];
            snprintf(sql, sizeof(sql), "SELECT realmap._recover(%d, 'worker exited on an error')", (int)dead);
            run_sql("realmap: recovering a worker's tasks", sql);
        }
    }
}

int start_workers(int wanted) {
    EngineShared *sh = engine_shared();
    int started = 0;
    for (int i = 0; i < sh->max_workers && started < wanted; i++) {
        SpinLockAcquire(&sh->mutex);
        bool free_slot = handles[i] == nullptr && sh->workers[i].pid == 0 && sh->workers[i].dead_pid == 0;
        if (free_slot) {
            sh->workers[i].pid = -1;  // reserved until the worker registers itself
            sh->workers[i].clean_exit = false;
        }
        SpinLockRelease(&sh->mutex);
        if (!free_slot) continue;
        BackgroundWorker w;
        memset(&w, 0, sizeof(w));
        w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
        w.bgw_start_time = BgWorkerStart_RecoveryFinished;
        w.bgw_restart_time = BGW_NEVER_RESTART;
        strlcpy(w.bgw_library_name, "realmap", BGW_MAXLEN);
        strlcpy(w.bgw_function_name, "realmap_worker_main", BGW_MAXLEN);
        snprintf(w.bgw_name, BGW_MAXLEN, "realmap worker %d", i);
        strlcpy(w.bgw_type, "realmap worker", BGW_MAXLEN);
        w.bgw_main_arg = Int32GetDatum(i);
        w.bgw_notify_pid = MyProcPid;
        BackgroundWorkerHandle *h = nullptr;
        if (!RegisterDynamicBackgroundWorker(&w, &h)) {
            SpinLockAcquire(&sh->mutex);
            sh->workers[i].pid = 0;
            SpinLockRelease(&sh->mutex);
            if (!logged_no_slot)
                ereport(LOG, (errmsg("realmap: no background worker slot free to start a worker"),
                              errhint("Increase max_worker_processes (realmap.max_workers = %d).",
                                      setting_max_workers)));
            logged_no_slot = true;
            break;
        }
        logged_no_slot = false;
        pid_t pid = 0;
        (void)WaitForBackgroundWorkerStartup(h, &pid);
        handles[i] = h;
        started++;
    }
    return started;
}

void manage_workers(long ready) {
    if (ready <= 0) return;
    EngineShared *sh = engine_shared();
    int busy = 0, idle = 0;
    SpinLockAcquire(&sh->mutex);
    for (int i = 0; i < sh->max_workers; i++) {
        if (sh->workers[i].pid == 0 && handles[i] == nullptr) continue;
        if (sh->workers[i].idle) idle++; else busy++;
    }
    SpinLockRelease(&sh->mutex);
    // every worker's latch, not only the idle ones': one that found nothing and is about
    // to sleep counts as busy here, and would sleep through this work otherwise
    wake_workers();
    if (idle > 0) return;
    long per_worker = setting_worker_batch_size > 0 ? setting_worker_batch_size : 1;
    long wanted = (ready + per_worker - 1) / per_worker;
    int room = sh->max_workers - busy;
    start_workers((int)(wanted < room ? wanted : room));
}

// One round: timers, worker bookkeeping.  Returns how long to sleep.
long launcher_round(TimestampTz *last_cleanup) {
    EngineShared *sh = engine_shared();
    reap_workers();
    if (!setting_enabled) return kIdleSleepMs;
    if (!realmap_installed()) return 10000;
    if (!sh->recovered) {
        // nothing survives a restart: every attempt still marked running is crashed
        run_sql("realmap: recovering after restart", "SELECT realmap._recover(NULL, 'server restarted')");
        sh->recovered = true;
    }
    TimestampTz now = GetCurrentTimestamp();
    if (*last_cleanup == 0 || TimestampDifferenceExceeds(*last_cleanup, now, (int)kCleanupIntervalMs)) {
        run_sql("realmap: history retention", "SELECT realmap.cleanup_history()");
        *last_cleanup = now;
    }
    // Until this round has computed the next timer, any timer a transaction notes must
    // wake the launcher: its _tick may not see that transaction (a timer noted against
    // the previous round's value, already due and being handled, would be lost).
    SpinLockAcquire(&sh->mutex);
    sh->next_deadline = 0;
    SpinLockRelease(&sh->mutex);
    begin_spi_transaction("realmap: timers");
    SPI_execute("SELECT next_due, ready FROM realmap._tick()", false, 1);
    bool due_null = true, ready_null = true;
    TimestampTz next_due = 0;
    long ready = 0;
    if (SPI_processed > 0) {
        next_due = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &due_null));
        ready = (long)DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &ready_null));
    }
    commit_spi_transaction();
    manage_workers(ready);
    // from now on, transactions that create an earlier timer lower this and wake us (one
    // noted during this round has set our latch already, and is kept)
    SpinLockAcquire(&sh->mutex);
    if (!due_null && (sh->next_deadline == 0 || next_due < sh->next_deadline)) sh->next_deadline = next_due;
    SpinLockRelease(&sh->mutex);
    if (due_null) return kIdleSleepMs;
    long ms = (long)((next_due - GetCurrentTimestamp()) / 1000) + 1;
    if (ms < 1) ms = 1;
    return ms < kIdleSleepMs ? ms : kIdleSleepMs;
}

// After DROP DATABASE: connected to no database, look for it in the shared catalog
// every 10 s; exit (to be restarted and connect) once it exists again.
void wait_for_database() {
    BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);
    ereport(LOG, (errmsg("realmap launcher: database \"%s\" was dropped; waiting for it to exist again",
                         setting_database_name)));
    EngineShared *sh = engine_shared();
    while (!got_sigterm) {
        StartTransactionCommand();
        bool exists = OidIsValid(get_database_oid(setting_database_name, true));
        CommitTransactionCommand();
        if (exists) {
            SpinLockAcquire(&sh->mutex);
            sh->database_dropped = false;
            SpinLockRelease(&sh->mutex);
            proc_exit(1);  // restart, connected to it
        }
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 10000L, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
    }
}

void launcher_loop() {
    install_worker_signal_handlers();
    if (engine_shared()->database_dropped) {
        wait_for_database();
        return;
    }
    BackgroundWorkerInitializeConnection(setting_database_name, nullptr, 0);
    pgstat_report_appname("realmap launcher");
    EngineShared *sh = engine_shared();
    handles = static_cast<BackgroundWorkerHandle **>(
        MemoryContextAllocZero(TopMemoryContext, sizeof(BackgroundWorkerHandle *) * sh->max_workers));
    SpinLockAcquire(&sh->mutex);
    sh->launcher_pid = MyProcPid;
    sh->launcher_proc = MyProc;
    SpinLockRelease(&sh->mutex);
    on_shmem_exit(clear_launcher, (Datum)0);
    ereport(LOG, (errmsg("realmap launcher started in database \"%s\"", setting_database_name)));

    TimestampTz last_cleanup = 0;
    while (!got_sigterm) {
        if (got_sighup) {
            got_sighup = 0;
            ProcessConfigFile(PGC_SIGHUP);
        }
        long sleep_ms = launcher_round(&last_cleanup);
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, sleep_ms, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
    }
    // told to leave for DROP DATABASE: exit non-zero so the postmaster restarts us
    if (sh->database_dropped) proc_exit(1);
}

}  // namespace

void register_launcher() {
    BackgroundWorker w;
    memset(&w, 0, sizeof(w));
    w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    // after recovery: on a hot standby it waits, and starts when promoted
    w.bgw_start_time = BgWorkerStart_RecoveryFinished;
    w.bgw_restart_time = 5;
    strlcpy(w.bgw_library_name, "realmap", BGW_MAXLEN);
    strlcpy(w.bgw_function_name, "realmap_launcher_main", BGW_MAXLEN);
    strlcpy(w.bgw_name, "realmap launcher", BGW_MAXLEN);
    strlcpy(w.bgw_type, "realmap launcher", BGW_MAXLEN);
    RegisterBackgroundWorker(&w);
}

}  // namespace realmap::pg

extern "C" void realmap_launcher_main(Datum) {
    realmap::pg::cpp_boundary_void("realmap launcher", [] { realmap::pg::launcher_loop(); });
}

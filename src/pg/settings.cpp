#include "pg/settings.hpp"

#include "pg/pg_headers.hpp"

namespace realmap::pg {

char *setting_database_name = nullptr;
int setting_max_workers = 4;
bool setting_enabled = true;
int setting_worker_idle_timeout_ms = 60000;
int setting_worker_batch_size = 200;
bool setting_debug_unsafe_counters = false;
int setting_debug_resolve_delay_ms = 0;
char *setting_history_retention = nullptr;

void define_settings() {
    // PGC_POSTMASTER settings may only be created at server start; _PG_init refuses
    // any other load, so this runs only while shared_preload_libraries is processed.
    Assert(process_shared_preload_libraries_in_progress);

    DefineCustomStringVariable(
        "realmap.database_name",
        "Database in which realmap's launcher runs and serves DAG runs.",
        "CREATE EXTENSION realmap in this database; runs created in other databases are "
        "never executed.",
        &setting_database_name, "postgres", PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);

    DefineCustomIntVariable(
        "realmap.max_workers",
        "Maximum number of realmap worker processes running tasks at once.",
        "Workers are dynamic background workers and share max_worker_processes with "
        "pg_cron, parallel query and logical replication.",
        &setting_max_workers, 4, 1, 64, PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);

    DefineCustomBoolVariable(
        "realmap.enabled", "Runs DAG tasks when on; off pauses all work (maintenance, restores).",
        "Runs can still be created while paused; they start when realmap.enabled is on again.",
        &setting_enabled, true, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);

    DefineCustomIntVariable(
        "realmap.worker_idle_timeout", "How long an idle worker waits for work before it exits.",
        nullptr, &setting_worker_idle_timeout_ms, 60000, 100, 24 * 3600 * 1000, PGC_SIGHUP,
        GUC_UNIT_MS, nullptr, nullptr, nullptr);

    DefineCustomIntVariable(
        "realmap.worker_batch_size", "How many ready task instances a worker claims at once.",
        "Larger batches mean fewer transactions per task; a batch is cut short when the "
        "remaining tasks would not finish within their leases.",
        &setting_worker_batch_size, 200, 1, 10000, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);

    DefineCustomStringVariable(
        "realmap.history_retention",
        "How long finished runs (with their task instances, attempts and human tasks) are kept.",
        "The launcher deletes older finished runs; active runs are never deleted.",
        &setting_history_retention, "30 days", PGC_SIGHUP, 0, nullptr, nullptr, nullptr);

    DefineCustomBoolVariable(
        "realmap.debug_unsafe_counters",
        "Test only: decrement dependency counters without row locks (loses updates).",
        "Exists so the test suite can show that its race test fails without the locking.",
        &setting_debug_unsafe_counters, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);

    DefineCustomIntVariable(
        "realmap.debug_resolve_delay_ms",
        "Test only: sleep this long inside dependency resolution to force interleavings.",
        nullptr, &setting_debug_resolve_delay_ms, 0, 0, 10000, PGC_SUSET, 0, nullptr, nullptr,
        nullptr);

    MarkGUCPrefixReserved("realmap");
}

}  // namespace realmap::pg

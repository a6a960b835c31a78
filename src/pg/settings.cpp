#include "pg/settings.hpp"

#include "pg/pg_headers.hpp"

namespace realmap::pg {

char *setting_database_name = nullptr;
int setting_max_workers = 4;

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

    MarkGUCPrefixReserved("realmap");
}

}  // namespace realmap::pg

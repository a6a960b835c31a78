// DROP DATABASE of realmap.database_name must not hang on (or fail because of) the
// launcher and workers connected to it: before the drop runs, they are told to leave.
// The launcher then waits, connected to no database, until the database exists again.
#include <csignal>

#include "pg/guard.hpp"
#include "pg/pg_headers.hpp"
#include "pg/settings.hpp"
#include "pg/shmem.hpp"


extern "C" {
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/timestamp.h"
}

namespace realmap::pg {

namespace {

ProcessUtility_hook_type prev_utility_hook = nullptr;

// Signals the launcher and every worker to exit and waits (up to 10 s) until they have.
void evict_from_database() {
    EngineShared *sh = engine_shared();
    if (sh == nullptr) return;
    SpinLockAcquire(&sh->mutex);
    sh->database_dropped = true;
    pid_t pids[65];
    int n = 0;
    if (sh->launcher_pid > 0) pids[n++] = sh->launcher_pid;
    for (int i = 0; i < sh->max_workers && n < 65; i++)
        if (sh->workers[i].pid > 0) pids[n++] = sh->workers[i].pid;
    SpinLockRelease(&sh->mutex);
    for (int i = 0; i < n; i++) kill(pids[i], SIGTERM);
    TimestampTz deadline = GetCurrentTimestamp() + 10 * USECS_PER_SEC;
    for (;;) {
        bool any = false;
        for (int i = 0; i < n; i++)
            if (kill(pids[i], 0) == 0) any = true;
        if (!any || GetCurrentTimestamp() > deadline) break;
        pg_usleep(10000);
        CHECK_FOR_INTERRUPTS();
    }
}

void utility_hook(PlannedStmt *pstmt, const char *query, bool read_only, ProcessUtilityContext context,
                  ParamListInfo params, QueryEnvironment *env, DestReceiver *dest, QueryCompletion *qc) {
    Node *stmt = pstmt->utilityStmt;
    if (stmt != nullptr && IsA(stmt, DropdbStmt) && setting_database_name != nullptr &&
        strcmp(castNode(DropdbStmt, stmt)->dbname, setting_database_name) == 0)
        evict_from_database();
    if (prev_utility_hook)
        prev_utility_hook(pstmt, query, read_only, context, params, env, dest, qc);
    else
        standard_ProcessUtility(pstmt, query, read_only, context, params, env, dest, qc);
}

}  // namespace

void install_utility_hook() {
    prev_utility_hook = ProcessUtility_hook;
    ProcessUtility_hook = utility_hook;
}

}  // namespace realmap::pg

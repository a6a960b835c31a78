// A realmap worker: claims ready task instances in batches, runs each as its DAG's
// owner in a subtransaction, and completes it in the same transaction as the task's
// own writes (exactly-once effects), fenced by the attempt number of its claim.
//
// C-style on purpose: ereport may longjmp through any of this, so nothing here owns
// an object with a destructor (guard.hpp rule 3).  Entry goes through the boundary.
#include "pg/guard.hpp"
#include "pg/pg_headers.hpp"
#include "pg/settings.hpp"
#include "pg/shmem.hpp"
#include "pg/stage.hpp"
#include "pg/wakeup.hpp"
#include "pg/worker.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/jsonb.h"
#include "utils/regproc.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"
}

namespace realmap::pg {

namespace {

struct Claimed {
    int64 instance_id;
    int32 attempt;
    int64 run_id;
    char *dag;
    char *task;
    char *item;  // NULL for single tasks
    char *kind;
    char *function_name;
    char *stage;
    char *owner;
    TimestampTz lease_expires_at;
    int64 timeout_ms;
    bool expands;
    Datum context;  // jsonb
    const StageDef *stage_def;  // kind 'stage': the built-in stage (nullptr: unknown)
    void *prepared;             // what the stage's batch phase left for this instance
    ErrorData *prepare_error;   // the batch phase failed for this instance
    bool ended;                 // succeeded or failed for good in this batch: resolve downstream
    bool stale;                 // its completion was fenced off (the careful rerun skips it)
};

int my_slot = -1;
MemoryContext batch_context = nullptr;
// How many instances to claim next.  Adapted to how long tasks take: a batch should
// last about kBatchBudgetMs, so fast tasks go in large batches (few transactions per
// task) and slow ones one at a time (spread over the workers, and never sitting
// claimed behind a slow neighbour).
int claim_limit = 1;
constexpr double kBatchBudgetMs = 20.0;
bool more_ready = false;

SPIPlanPtr plan_claim, plan_complete, plan_has_downstream, plan_finish_runs, plan_fail, plan_park, plan_fenced, plan_check_items, plan_resolve,
    plan_release, plan_end_lease;

// Plans made once (generic): a custom plan for each batch's arrays of ids cost more to
// make than to run.
SPIPlanPtr prepare(const char *sql, int nargs, Oid *types) {
    SPIPlanPtr p = SPI_prepare_cursor(sql, nargs, types, CURSOR_OPT_GENERIC_PLAN);
    if (p == nullptr) elog(ERROR, "realmap worker: could not prepare %s: %s", sql, SPI_result_code_string(SPI_result));
    SPI_keepplan(p);
    return p;
}

void prepare_plans() {
    if (plan_claim != nullptr) return;
    Oid claim_t[2] = {INT4OID, INT4OID};
    plan_claim = prepare("SELECT * FROM realmap._claim($1, $2)", 2, claim_t);
    Oid complete_t[3] = {INT8OID, INT4OID, JSONBOID};
    // completions, a batch's in one statement, each with the time its task ended (a
    // task that says its item needs nothing done ends skipped, its downstream too)
    Oid batch_t[5] = {INT8ARRAYOID, INT4ARRAYOID, JSONBARRAYOID, BOOLARRAYOID, TIMESTAMPTZARRAYOID};
    plan_complete = prepare(
        "UPDATE realmap.task_instances t SET state = CASE WHEN u.skipped THEN 'skipped' ELSE 'succeeded' END, "
        "output = u.output, finished_at = u.finished_at, lease_expires_at = NULL, error_sqlstate = NULL, "
        "error_message = NULL, error_detail = NULL "
        "FROM unnest($1::bigint[], $2::int[], $3::jsonb[], $4::boolean[], $5::timestamptz[]) "
        "AS u(id, attempt, output, skipped, finished_at) "
        // "(...) IS TRUE": a bare state = 'running' could let the planner pick a
        // partial index that predicate matches (0.3.0 had one of running instances)
        // and filter it for the ids, scanning every entry; this way it goes by
        // primary key
        "WHERE t.instance_id = u.id AND (t.attempt = u.attempt AND t.state = 'running') IS TRUE "
        "RETURNING t.instance_id",
        5, batch_t);
    Oid fail_t[8] = {INT8OID, INT4OID, TEXTOID, TEXTOID, TEXTOID, BOOLOID, INTERVALOID, TEXTOID};
    plan_fail = prepare("SELECT realmap._fail($1, $2, $3, $4, $5, $6, $7, $8)", 8, fail_t);
    plan_park = prepare("SELECT realmap._park($1, $2, $3->'realmap_await_human')", 3, complete_t);
    Oid fenced_t[5] = {INT8OID, INT4OID, INT4OID, TIMESTAMPTZOID, TEXTOID};
    plan_fenced = prepare("SELECT realmap._record_fenced($1, $2, $3, $4, $5)", 5, fenced_t);
    Oid items_t[1] = {JSONBOID};
    plan_check_items = prepare("SELECT realmap._check_items($1)", 1, items_t);
    Oid resolve_t[1] = {INT8ARRAYOID};
    plan_resolve = prepare("SELECT realmap._resolve($1)", 1, resolve_t);
    plan_finish_runs = prepare("SELECT realmap._finish_runs($1)", 1, resolve_t);
    Oid edge_t[2] = {TEXTOID, TEXTOID};
    plan_has_downstream = prepare(
        "SELECT EXISTS (SELECT FROM realmap.dag_edges WHERE dag_name = $1 AND upstream = $2 AND edge_kind <> 'expand')",
        2, edge_t);
    Oid release_t[2] = {INT8ARRAYOID, INT4ARRAYOID};
    plan_release = prepare(
        "UPDATE realmap.task_instances t SET state = 'ready', attempt = t.attempt - 1, worker_pid = NULL, "
        "started_at = NULL, lease_expires_at = NULL FROM unnest($1::bigint[], $2::int[]) AS u(id, att) "
        "WHERE t.instance_id = u.id AND (t.attempt = u.att AND t.state = 'running') IS TRUE",
        2, release_t);
    // the lease row _claim wrote (0.4.0 on): none of its instances runs once the batch
    // commits, so it is emptied for the next claim.  A database whose extension is not
    // yet updated to the library's version has no lease rows; its claims write none.
    if (SPI_execute("SELECT to_regprocedure('realmap._end_lease(integer, integer)') IS NOT NULL", true, 1) ==
            SPI_OK_SELECT &&
        SPI_processed == 1) {
        bool isnull;
        if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull))) {
            Oid lease_t[2] = {INT4OID, INT4OID};
            plan_end_lease = prepare("SELECT realmap._end_lease($1, $2)", 2, lease_t);
        }
    }
}

// Executes one of the worker's own statements on task_instances with enable_seqscan
// off, as the engine's SQL functions do (90_privileges.sql): a plan made while the
// table was nearly empty would scan all of it once it has grown.
int execute_by_index(SPIPlanPtr plan, Datum *args) {
    int nest = NewGUCNestLevel();
    (void)set_config_option("enable_seqscan", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
    int rc = SPI_execute_plan(plan, args, nullptr, false, 0);
    AtEOXact_GUC(true, nest);
    return rc;
}

char *copy_text(HeapTuple tup, TupleDesc desc, int col) {
    char *v = SPI_getvalue(tup, desc, col);
    return v == nullptr ? nullptr : MemoryContextStrdup(batch_context, v);
}

// Transaction 1: claim a batch and commit, so the claims (attempt, lease) are
// visible and durable before any task runs.
int claim_batch(Claimed **out) {
    begin_spi_transaction("realmap: claiming tasks");
    prepare_plans();
    if (claim_limit > setting_worker_batch_size) claim_limit = setting_worker_batch_size;
    Datum args[2] = {Int32GetDatum(claim_limit), Int32GetDatum(MyProcPid)};
    int rc = SPI_execute_plan(plan_claim, args, nullptr, false, 0);
    if (rc != SPI_OK_SELECT) elog(ERROR, "realmap worker: claim failed: %s", SPI_result_code_string(rc));
    int n = static_cast<int>(SPI_processed);
    Claimed *c = n > 0 ? static_cast<Claimed *>(MemoryContextAllocZero(batch_context, sizeof(Claimed) * n)) : nullptr;
    TupleDesc desc = SPI_tuptable->tupdesc;
    for (int i = 0; i < n; i++) {
        HeapTuple tup = SPI_tuptable->vals[i];
        bool isnull;
        c[i].instance_id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
        c[i].attempt = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
        c[i].run_id = DatumGetInt64(SPI_getbinval(tup, desc, 3, &isnull));
        c[i].dag = copy_text(tup, desc, 4);
        c[i].task = copy_text(tup, desc, 5);
        c[i].item = copy_text(tup, desc, 6);
        c[i].kind = copy_text(tup, desc, 7);
        c[i].function_name = copy_text(tup, desc, 8);
        c[i].stage = copy_text(tup, desc, 9);
        c[i].owner = copy_text(tup, desc, 10);
        c[i].lease_expires_at = DatumGetTimestampTz(SPI_getbinval(tup, desc, 11, &isnull));
        c[i].timeout_ms = DatumGetInt64(SPI_getbinval(tup, desc, 12, &isnull));
        c[i].expands = DatumGetBool(SPI_getbinval(tup, desc, 13, &isnull));
        if (c[i].stage != nullptr) c[i].stage_def = find_stage(c[i].stage);
        if (i == 0) more_ready = DatumGetBool(SPI_getbinval(tup, desc, 16, &isnull));
        Datum ctx = SPI_getbinval(tup, desc, 15, &isnull);
        MemoryContext old = MemoryContextSwitchTo(batch_context);
        c[i].context = PointerGetDatum(PG_DETOAST_DATUM_COPY(ctx));
        MemoryContextSwitchTo(old);
    }
    // the launcher must wake when the first of these leases could run out
    TimestampTz first_lease = 0;
    for (int i = 0; i < n; i++)
        if (first_lease == 0 || c[i].lease_expires_at < first_lease) first_lease = c[i].lease_expires_at;
    if (n > 0) note_deadline_at_commit(first_lease);
    commit_spi_transaction();
    *out = c;
    return n;
}

bool is_retryable(const char *sqlstate) {
    // data exceptions (22), integrity violations (23) and definition errors (42:
    // syntax, missing objects, permissions) fail at once: retrying cannot fix them
    return !(strncmp(sqlstate, "22", 2) == 0 || strncmp(sqlstate, "23", 2) == 0 ||
             strncmp(sqlstate, "42", 2) == 0);
}

// Runs the task's SQL function as the DAG owner, restricted, in a fresh GUC nest
// level: its SETs, and its rights, end with it.
// The function, owner and permission of the previous task, reused while a batch
// runs the same task (name lookups parse and search catalogs; per task that adds up).
struct ResolvedFunction {
    char name[NAMEDATALEN * 2 + 16];
    char owner_name[NAMEDATALEN];
    Oid fn;
    Oid owner;
    FmgrInfo flinfo;
    bool valid;
};
ResolvedFunction last_fn;

// Runs (the rest of) a task as its DAG owner: restricted, in a fresh GUC nest level, so
// its SETs and its rights end with it.  The owner is the current user AND the role
// setting: realmap._invoker() reads the latter to learn who called a SECURITY DEFINER
// API function, so without it a task's realmap.create_dag or realmap.run would count
// as the worker's own call, a superuser's.  The role is set before the restriction (it
// cannot be set inside a security-restricted operation) and reset after it ends (an
// error's subtransaction abort undoes both in that order too).
struct OwnerScope {
    Oid save_uid;
    int save_ctx;
    int nest;
};

void enter_owner(const char *owner_name, Oid owner, OwnerScope *scope) {
    GetUserIdAndSecContext(&scope->save_uid, &scope->save_ctx);
    scope->nest = NewGUCNestLevel();
    (void)set_config_option("role", owner_name, PGC_SUSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
    SetUserIdAndSecContext(owner, scope->save_ctx | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
}

void enter_owner(const char *owner_name, OwnerScope *scope) {
    enter_owner(owner_name, get_role_oid(owner_name, false), scope);
}

void leave_owner(OwnerScope *scope) {
    SetUserIdAndSecContext(scope->save_uid, scope->save_ctx);
    AtEOXact_GUC(false, scope->nest);
}

Datum call_task_function(Claimed *c, bool *isnull) {
    if (!last_fn.valid || strcmp(last_fn.name, c->function_name) != 0 || strcmp(last_fn.owner_name, c->owner) != 0) {
        last_fn.valid = false;
        Oid fn = DatumGetObjectId(DirectFunctionCall1(regprocedurein, CStringGetDatum(c->function_name)));
        Oid owner = get_role_oid(c->owner, false);
        if (pg_proc_aclcheck(fn, owner, ACL_EXECUTE) != ACLCHECK_OK)
            ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                            errmsg("permission denied: DAG owner %s may not execute %s", c->owner, c->function_name)));
        fmgr_info_cxt(fn, &last_fn.flinfo, batch_context);
        last_fn.fn = fn;
        last_fn.owner = owner;
        strlcpy(last_fn.name, c->function_name, sizeof(last_fn.name));
        strlcpy(last_fn.owner_name, c->owner, sizeof(last_fn.owner_name));
        last_fn.valid = true;
    }
    OwnerScope scope;
    enter_owner(c->owner, last_fn.owner, &scope);
    long remaining_ms = (long)((c->lease_expires_at - GetCurrentTimestamp()) / 1000);
    long timeout_ms = c->timeout_ms < remaining_ms ? (long)c->timeout_ms : remaining_ms;
    enable_timeout_after(STATEMENT_TIMEOUT, timeout_ms > 1 ? (int)timeout_ms : 1);
    LOCAL_FCINFO(fcinfo, 1);
    InitFunctionCallInfoData(*fcinfo, &last_fn.flinfo, 1, InvalidOid, nullptr, nullptr);
    fcinfo->args[0].value = c->context;
    fcinfo->args[0].isnull = false;
    Datum result = FunctionCallInvoke(fcinfo);
    *isnull = fcinfo->isnull;
    disable_timeout(STATEMENT_TIMEOUT, false);
    leave_owner(&scope);
    return result;
}

StageTask stage_task_of(Claimed *c) {
    StageTask t = {c->instance_id, c->attempt, c->run_id, c->task, c->item, c->context, c->prepared};
    return t;
}

Datum call_stage(Claimed *c) {
    if (c->stage_def == nullptr)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("built-in stage \"%s\" is not available in this build of realmap", c->stage)));
    if (c->prepare_error != nullptr) ThrowErrorData(c->prepare_error);
    OwnerScope scope;
    enter_owner(c->owner, &scope);
    long remaining_ms = (long)((c->lease_expires_at - GetCurrentTimestamp()) / 1000);
    long timeout_ms = c->timeout_ms < remaining_ms ? (long)c->timeout_ms : remaining_ms;
    enable_timeout_after(STATEMENT_TIMEOUT, timeout_ms > 1 ? (int)timeout_ms : 1);
    StageTask t = stage_task_of(c);
    Datum result = c->stage_def->run(&t);
    disable_timeout(STATEMENT_TIMEOUT, false);
    leave_owner(&scope);
    return result;
}

// The batch phase of the stages in this batch: once per (stage, owner), for all of
// their instances, in a subtransaction.  An ERROR there is kept for each instance of
// the group, which then fails with it.
void prepare_stages(Claimed *c, int n) {
    bool *done = static_cast<bool *>(palloc0(sizeof(bool) * n));
    StageTask **group = static_cast<StageTask **>(palloc(sizeof(StageTask *) * n));
    int *members = static_cast<int *>(palloc(sizeof(int) * n));
    for (int i = 0; i < n; i++) {
        if (done[i] || c[i].stage_def == nullptr || c[i].stage_def->prepare == nullptr) continue;
        int k = 0;
        for (int j = i; j < n; j++) {
            if (done[j] || c[j].stage_def != c[i].stage_def || strcmp(c[j].owner, c[i].owner) != 0) continue;
            done[j] = true;
            group[k] = static_cast<StageTask *>(palloc(sizeof(StageTask)));
            *group[k] = stage_task_of(&c[j]);
            members[k++] = j;
        }
        pgstat_report_activity(STATE_RUNNING, psprintf("realmap: %s for %d instances", c[i].stage, k));
        MemoryContext outer_context = CurrentMemoryContext;
        ResourceOwner outer_owner = CurrentResourceOwner;
        BeginInternalSubTransaction(nullptr);
        MemoryContextSwitchTo(outer_context);
        PG_TRY();
        {
            OwnerScope scope;
            enter_owner(c[i].owner, &scope);
            c[i].stage_def->prepare(group, k);
            leave_owner(&scope);
            ReleaseCurrentSubTransaction();
            MemoryContextSwitchTo(outer_context);
            CurrentResourceOwner = outer_owner;
            for (int m = 0; m < k; m++) c[members[m]].prepared = group[m]->prepared;
        }
        PG_CATCH();
        {
            MemoryContextSwitchTo(batch_context);
            ErrorData *ed = CopyErrorData();
            FlushErrorState();
            RollbackAndReleaseCurrentSubTransaction();
            MemoryContextSwitchTo(outer_context);
            CurrentResourceOwner = outer_owner;
            for (int m = 0; m < k; m++) c[members[m]].prepare_error = ed;
        }
        PG_END_TRY();
    }
}

bool jsonb_has_top_key(Datum jb_datum, const char *key) {
    Jsonb *jb = DatumGetJsonbP(jb_datum);
    if (!JB_ROOT_IS_OBJECT(jb)) return false;
    return getKeyJsonValueFromContainer(&jb->root, key, strlen(key), nullptr) != nullptr;
}

enum Outcome { kSucceeded, kFailedFinal, kContinues };

void record_failure(Claimed *c, ErrorData *ed, bool *terminal) {
    char sqlstate[6];
    strlcpy(sqlstate, unpack_sql_state(ed->sqlerrcode), sizeof(sqlstate));
    bool timed_out = ed->sqlerrcode == ERRCODE_QUERY_CANCELED && ed->message != nullptr &&
                     strstr(ed->message, "statement timeout") != nullptr;
    char *message = timed_out ? psprintf("task timed out after %lld ms", (long long)c->timeout_ms)
                              : (ed->message != nullptr ? ed->message : pstrdup("error"));
    Datum args[8] = {Int64GetDatum(c->instance_id), Int32GetDatum(c->attempt), CStringGetTextDatum(sqlstate),
                     CStringGetTextDatum(message), ed->detail ? CStringGetTextDatum(ed->detail) : (Datum)0,
                     BoolGetDatum(is_retryable(sqlstate)), (Datum)0,
                     CStringGetTextDatum(timed_out ? "timed_out" : "failed")};
    char nulls[8] = {' ', ' ', ' ', ' ', ed->detail ? ' ' : 'n', ' ', 'n', ' '};
    // a built-in stage classified its own error (and may carry the server's Retry-After)
    if (stage_failure_hint.set && !timed_out) {
        args[5] = BoolGetDatum(stage_failure_hint.retryable);
        if (stage_failure_hint.retry_after_ms >= 0) {
            args[6] = DirectFunctionCall3(interval_in, CStringGetDatum(psprintf("%lld milliseconds",
                                                                              (long long)stage_failure_hint.retry_after_ms)),
                                          ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
            nulls[6] = ' ';
        }
    }
    stage_failure_hint.set = false;
    SPI_execute_plan(plan_fail, args, nulls, false, 1);
    bool isnull = true;
    Datum st = SPI_processed > 0 ? SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull) : (Datum)0;
    *terminal = !isnull && strcmp(TextDatumGetCString(st), "failed") == 0;
}

void record_fenced(Claimed *c) {
    Datum args[5] = {Int64GetDatum(c->instance_id), Int32GetDatum(c->attempt), Int32GetDatum(MyProcPid),
                     TimestampTzGetDatum(GetCurrentTimestamp()),
                     CStringGetTextDatum("completion rejected: the claim of this attempt is no longer current "
                                         "(its lease expired or the run was cancelled)")};
    SPI_execute_plan(plan_fenced, args, nullptr, false, 0);
}

// Completions to apply in one statement: a batch's (its fast path) or one task's.
struct Deferred {
    int n;
    int open_subxacts;  // subtransactions of succeeded tasks, still open (see run_one)
    Claimed **claims;
    Datum *ids, *attempts, *outputs, *finished_at;
    bool *skipped;
};

Deferred make_deferred(int capacity) {
    Deferred d;
    d.n = 0;
    d.open_subxacts = 0;
    d.claims = static_cast<Claimed **>(palloc(sizeof(Claimed *) * capacity));
    d.ids = static_cast<Datum *>(palloc(sizeof(Datum) * capacity));
    d.attempts = static_cast<Datum *>(palloc(sizeof(Datum) * capacity));
    d.outputs = static_cast<Datum *>(palloc(sizeof(Datum) * capacity));
    d.finished_at = static_cast<Datum *>(palloc(sizeof(Datum) * capacity));
    d.skipped = static_cast<bool *>(palloc(sizeof(bool) * capacity));
    return d;
}

void add_completion(Deferred *d, Claimed *c, Datum output, bool skipped) {
    MemoryContext old = MemoryContextSwitchTo(batch_context);
    int k = d->n++;
    d->claims[k] = c;
    d->ids[k] = Int64GetDatum(c->instance_id);
    d->attempts[k] = Int32GetDatum(c->attempt);
    d->outputs[k] = PointerGetDatum(PG_DETOAST_DATUM_COPY(output));
    d->finished_at[k] = TimestampTzGetDatum(GetCurrentTimestamp());
    d->skipped[k] = skipped;
    MemoryContextSwitchTo(old);
}

// Applies the completions in one statement and marks them ended.  Returns false when
// one of them was fenced off (its claim is no longer current), and marks which stale.
bool apply_completions(Deferred *d) {
    Datum *flags = static_cast<Datum *>(palloc(sizeof(Datum) * d->n));
    for (int i = 0; i < d->n; i++) flags[i] = BoolGetDatum(d->skipped[i]);
    Datum args[5] = {PointerGetDatum(construct_array(d->ids, d->n, INT8OID, 8, true, TYPALIGN_DOUBLE)),
                     PointerGetDatum(construct_array(d->attempts, d->n, INT4OID, 4, true, TYPALIGN_INT)),
                     PointerGetDatum(construct_array(d->outputs, d->n, JSONBOID, -1, false, TYPALIGN_INT)),
                     PointerGetDatum(construct_array(flags, d->n, BOOLOID, 1, true, TYPALIGN_CHAR)),
                     PointerGetDatum(construct_array(d->finished_at, d->n, TIMESTAMPTZOID, 8, true, TYPALIGN_DOUBLE))};
    execute_by_index(plan_complete, args);
    if ((int)SPI_processed == d->n) {
        for (int i = 0; i < d->n; i++) d->claims[i]->ended = true;
        return true;
    }
    for (int i = 0; i < d->n; i++) d->claims[i]->stale = true;
    for (uint64 r = 0; r < SPI_processed; r++) {  // the ones applied (the whole batch is rolled back)
        bool isnull;
        int64 id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull));
        for (int i = 0; i < d->n; i++)
            if (d->claims[i]->instance_id == id) d->claims[i]->stale = false;
    }
    return false;
}

// Releases the open subtransactions of the batch's succeeded tasks into the batch's
// own (which keeps their writes, to commit or roll back with the batch).  Also after a
// task's error: a SQL function's cached state counts as valid while the subtransaction
// that built it is active, and an error in a later task, inside it, leaves that state
// mid-statement (the next call would resume after the statement that failed, skipping
// the ones before it).  Once the subtransaction has ended the cache is rebuilt.
void close_task_subxacts(Deferred *d, MemoryContext context) {
    for (; d->open_subxacts > 0; d->open_subxacts--) ReleaseCurrentSubTransaction();
    MemoryContextSwitchTo(context);
}

enum RunResult { kOpen, kEnded, kDeferred };

// Runs one claimed instance inside a subtransaction.  kEnded: it failed for good, or
// (defer == nullptr) succeeded and is completed; kDeferred: it succeeded and its
// completion was added to `defer`; kOpen: it retries, waits for a human, or its claim
// was stale.  Either ended kind must have its downstream resolved.
RunResult run_one(Claimed *c, Deferred *defer) {
    MemoryContext outer_context = CurrentMemoryContext;
    ResourceOwner outer_owner = CurrentResourceOwner;
    volatile bool terminal = false;
    volatile bool fenced = false;
    volatile bool deferred = false;

    pgstat_report_activity(STATE_RUNNING,
                           psprintf("realmap: run %lld %s%s%s%s attempt %d", (long long)c->run_id, c->task,
                                    c->item ? "[" : "", c->item ? c->item : "", c->item ? "]" : "", c->attempt));
    EngineShared *sh = engine_shared();
    if (my_slot >= 0) {
        SpinLockAcquire(&sh->mutex);
        sh->workers[my_slot].run_id = c->run_id;
        SpinLockRelease(&sh->mutex);
    }
    stage_failure_hint.set = false;
    BeginInternalSubTransaction(nullptr);
    MemoryContextSwitchTo(outer_context);
    PG_TRY();
    {
        bool isnull = false;
        Datum result = strcmp(c->kind, "stage") == 0 ? call_stage(c) : call_task_function(c, &isnull);
        if (isnull) result = DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"));
        Datum args[3] = {Int64GetDatum(c->instance_id), Int32GetDatum(c->attempt), result};
        if (jsonb_has_top_key(result, "realmap_await_human")) {
            SPI_execute_plan(plan_park, args, nullptr, false, 1);
            bool hnull = true;
            if (SPI_processed > 0) SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &hnull);
            fenced = hnull;
        } else {
            if (c->expands) {
                Datum a[1] = {result};
                SPI_execute_plan(plan_check_items, a, nullptr, false, 1);
            }
            bool skipped = jsonb_has_top_key(result, "realmap_skip");
            if (defer != nullptr) {
                add_completion(defer, c, result, skipped);
                deferred = true;
            } else {  // the careful way: completed now, inside its own subtransaction
                Deferred one = make_deferred(1);
                add_completion(&one, c, result, skipped);
                fenced = !apply_completions(&one);
                terminal = !fenced;
            }
        }
        if (deferred) {
            // Left open: the next task's subtransaction nests inside this one, and the
            // batch closes them all at its end.  A SQL-language function keeps its
            // parsed and planned body only while the subtransaction that built it is
            // active (fmgr_sql), so closing each task's would make every task of a
            // batch parse and plan its function again.  A later task's error rolls
            // back only its own subtransaction, and closes these (close_task_subxacts).
            defer->open_subxacts++;
            MemoryContextSwitchTo(outer_context);
        } else {
            if (fenced)
                RollbackAndReleaseCurrentSubTransaction();  // a stale claim: its writes are discarded
            else
                ReleaseCurrentSubTransaction();
            MemoryContextSwitchTo(outer_context);
            CurrentResourceOwner = outer_owner;
        }
    }
    PG_CATCH();
    {
        disable_timeout(STATEMENT_TIMEOUT, false);
        MemoryContextSwitchTo(batch_context);
        ErrorData *ed = CopyErrorData();
        FlushErrorState();
        RollbackAndReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(outer_context);
        CurrentResourceOwner = outer_owner;
        if (defer != nullptr) close_task_subxacts(defer, outer_context);
        bool t = false;
        record_failure(c, ed, &t);
        terminal = t;
    }
    PG_END_TRY();
    if (fenced) record_fenced(c);
    if (my_slot >= 0) {
        SpinLockAcquire(&sh->mutex);
        sh->workers[my_slot].run_id = 0;
        SpinLockRelease(&sh->mutex);
    }
    return deferred ? kDeferred : (terminal ? kEnded : kOpen);
}

Datum int8_array(int64 *values, int n) {
    Datum *d = static_cast<Datum *>(palloc(sizeof(Datum) * (n > 0 ? n : 1)));
    for (int i = 0; i < n; i++) d[i] = Int64GetDatum(values[i]);
    return PointerGetDatum(construct_array(d, n, INT8OID, 8, true, TYPALIGN_DOUBLE));
}

// Runs c[0..n) in order while the leases allow; returns how many it started.
int run_tasks(Claimed *c, int n, Deferred *defer) {
    int next = 0;
    for (; next < n; next++) {
        if (got_sigterm || !setting_enabled) break;
        // a task that could not finish within its lease is left for a fresh claim
        long lease_left_ms = (long)((c[next].lease_expires_at - GetCurrentTimestamp()) / 1000);
        if (next > 0 && lease_left_ms < c[next].timeout_ms && c[next].prepared == nullptr) break;
        if (run_one(&c[next], defer) == kEnded) c[next].ended = true;
    }
    return next;
}

// Whether (dag, task) has tasks downstream of it (other than a map it expands),
// looked up once per batch for each task that ended in it.
struct DownstreamOf {
    const char *dag;
    const char *task;
    bool any;
};

bool has_downstream(Claimed *e, DownstreamOf *known, int *n_known) {
    for (int i = 0; i < *n_known; i++)
        if (strcmp(known[i].dag, e->dag) == 0 && strcmp(known[i].task, e->task) == 0) return known[i].any;
    Datum args[2] = {CStringGetTextDatum(e->dag), CStringGetTextDatum(e->task)};
    SPI_execute_plan(plan_has_downstream, args, nullptr, true, 1);
    bool isnull;
    bool any = SPI_processed == 1 && DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    known[*n_known] = {e->dag, e->task, any};
    (*n_known)++;
    return any;
}

// Moves on what ended in this batch: realmap._resolve for instances with downstream
// tasks or a map to expand; for the others (the items of a map nothing follows: most
// of a large map) only whether their runs are over (realmap._finish_runs).  Resolving
// them would look up each one's downstream to find none.
void resolve_ended(Claimed *c, int n) {
    int64 *with_downstream = static_cast<int64 *>(palloc(sizeof(int64) * n));
    int64 *runs = static_cast<int64 *>(palloc(sizeof(int64) * n));
    DownstreamOf *known = static_cast<DownstreamOf *>(palloc(sizeof(DownstreamOf) * n));
    int n_down = 0, n_runs = 0, n_known = 0;
    for (int i = 0; i < n; i++) {
        if (!c[i].ended) continue;
        if (c[i].expands || has_downstream(&c[i], known, &n_known)) {
            with_downstream[n_down++] = c[i].instance_id;
            continue;
        }
        bool seen = false;
        for (int r = 0; r < n_runs && !seen; r++) seen = runs[r] == c[i].run_id;
        if (!seen) runs[n_runs++] = c[i].run_id;
    }
    if (n_down == 0 && n_runs == 0) return;
    pgstat_report_activity(STATE_RUNNING, "realmap: resolving downstream tasks");
    if (n_down > 0) {
        Datum args[1] = {int8_array(with_downstream, n_down)};
        SPI_execute_plan(plan_resolve, args, nullptr, false, 0);
    }
    if (n_runs > 0) {
        Datum args[1] = {int8_array(runs, n_runs)};
        SPI_execute_plan(plan_finish_runs, args, nullptr, false, 0);
    }
}

// Transaction 2: run the batch, complete it, resolve downstream, commit.
//
// The fast path runs the whole batch in one subtransaction, each task in its own
// inside it (nested in the one of the last task that succeeded: see run_one), and
// completes every task that succeeded in one statement at the end:
// one UPDATE per batch instead of one per task, and a task that writes nothing needs
// no subtransaction id.  When a completion is fenced off there (a lease ran out or
// the run was cancelled meanwhile; rare), the whole batch is rolled back and run
// again the careful way, each task completing inside its own subtransaction, so only
// the stale task's writes are discarded.  Stale tasks are not run again.
void run_batch(Claimed *c, int n) {
    begin_spi_transaction(nullptr);
    prepare_stages(c, n);
    Deferred d = make_deferred(n);
    MemoryContext outer_context = CurrentMemoryContext;
    ResourceOwner outer_owner = CurrentResourceOwner;
    BeginInternalSubTransaction(nullptr);
    MemoryContextSwitchTo(outer_context);
    int next = run_tasks(c, n, &d);
    // the succeeded tasks' subtransactions end first: every check whether a row is
    // the transaction's own walks the whole stack of open subtransactions
    close_task_subxacts(&d, outer_context);
    bool applied = d.n == 0 || apply_completions(&d);
    if (applied)
        ReleaseCurrentSubTransaction();
    else
        RollbackAndReleaseCurrentSubTransaction();
    MemoryContextSwitchTo(outer_context);
    CurrentResourceOwner = outer_owner;
    if (!applied) {
        for (int i = 0; i < n; i++) c[i].ended = false;
        int done = 0;
        for (; done < next; done++) {
            if (got_sigterm || !setting_enabled) break;
            if (c[done].stale) {
                record_fenced(&c[done]);
                continue;
            }
            if (run_one(&c[done], nullptr) == kEnded) c[done].ended = true;
        }
        next = done;
    }
    if (next < n) {  // release what was claimed but not started
        Datum *ids = static_cast<Datum *>(palloc(sizeof(Datum) * (n - next)));
        Datum *atts = static_cast<Datum *>(palloc(sizeof(Datum) * (n - next)));
        for (int i = next; i < n; i++) {
            ids[i - next] = Int64GetDatum(c[i].instance_id);
            atts[i - next] = Int32GetDatum(c[i].attempt);
        }
        Datum args[2] = {PointerGetDatum(construct_array(ids, n - next, INT8OID, 8, true, TYPALIGN_DOUBLE)),
                         PointerGetDatum(construct_array(atts, n - next, INT4OID, 4, true, TYPALIGN_INT))};
        execute_by_index(plan_release, args);
        wake_workers_at_commit();  // others may take them once this commits
    }
    if (plan_end_lease != nullptr) {
        Datum args[2] = {Int32GetDatum(MyProcPid), Int32GetDatum(n)};
        SPI_execute_plan(plan_end_lease, args, nullptr, false, 0);
    }
    resolve_ended(c, n);
    commit_spi_transaction();
}

// At a clean exit: the worker's lease row goes with it (each batch only empties it),
// unless it holds instances restored from a dump under this pid, which keep their
// lease.  Not after DROP EXTENSION or DROP DATABASE, nor against a database whose
// extension predates lease rows.
void drop_lease_row() {
    if (plan_end_lease == nullptr || engine_shared()->database_dropped || !realmap_installed()) return;
    begin_spi_transaction("realmap: worker exiting");
    Datum args[1] = {Int32GetDatum(MyProcPid)};
    Oid types[1] = {INT4OID};
    SPI_execute_with_args("SELECT realmap._prune_lease($1)", 1, types, args, nullptr, false, 0);
    commit_spi_transaction();
}

void release_slot(int, Datum) {
    EngineShared *sh = engine_shared();
    if (sh == nullptr || my_slot < 0) return;
    SpinLockAcquire(&sh->mutex);
    if (!sh->workers[my_slot].clean_exit) sh->workers[my_slot].dead_pid = MyProcPid;
    sh->workers[my_slot].pid = 0;
    sh->workers[my_slot].idle = false;
    sh->workers[my_slot].proc = nullptr;
    SpinLockRelease(&sh->mutex);
    // the launcher recovers what this worker was running
    if (sh->launcher_proc != nullptr) SetLatch(&sh->launcher_proc->procLatch);
}

void set_idle(bool idle) {
    EngineShared *sh = engine_shared();
    SpinLockAcquire(&sh->mutex);
    sh->workers[my_slot].idle = idle;
    SpinLockRelease(&sh->mutex);
}

void worker_loop(int slot) {
    install_worker_signal_handlers();
    BackgroundWorkerInitializeConnection(setting_database_name, nullptr, 0);
    EngineShared *sh = engine_shared();
    my_slot = slot;
    SpinLockAcquire(&sh->mutex);
    sh->workers[slot].pid = MyProcPid;
    sh->workers[slot].proc = MyProc;
    sh->workers[slot].idle = false;
    sh->workers[slot].clean_exit = false;
    sh->workers[slot].dead_pid = 0;
    SpinLockRelease(&sh->mutex);
    on_shmem_exit(release_slot, (Datum)0);
    batch_context = AllocSetContextCreate(TopMemoryContext, "realmap worker batch", ALLOCSET_DEFAULT_SIZES);
    pgstat_report_appname("realmap worker");

    TimestampTz idle_since = 0;
    while (!got_sigterm) {
        // before looking for work: a wake-up from here on makes the wait below return
        // at once (wakers set every worker's latch, busy or not)
        ResetLatch(MyLatch);
        if (got_sighup) {
            got_sighup = 0;
            ProcessConfigFile(PGC_SIGHUP);
        }
        if (!setting_enabled || engine_shared()->database_dropped) break;
        if (idle_since != 0 && !realmap_installed()) break;  // DROP EXTENSION while idle
        MemoryContextReset(batch_context);
        last_fn.valid = false;  // its FmgrInfo lived in the batch context
        Claimed *claimed = nullptr;
        int n = claim_batch(&claimed);
        if (n > 0) {
            idle_since = 0;
            // more ready work than this batch: let idle peers (or the launcher) help
            if (more_ready) wake_for_ready_work();
            TimestampTz t0 = GetCurrentTimestamp();
            run_batch(claimed, n);
            double per_task_ms = (double)(GetCurrentTimestamp() - t0) / 1000.0 / n;
            double next = per_task_ms > 0 ? kBatchBudgetMs / per_task_ms : setting_worker_batch_size;
            // network stages wait rather than work: claim as many as they can keep in flight
            for (int i = 0; i < n; i++)
                if (claimed[i].stage_def != nullptr && claimed[i].stage_def->claim_hint != nullptr) {
                    int hint = claimed[i].stage_def->claim_hint();
                    if (hint > next) next = hint;
                }
            claim_limit = next < 1 ? 1 : (next > setting_worker_batch_size ? setting_worker_batch_size : (int)next);
            continue;
        }
        TimestampTz now = GetCurrentTimestamp();
        if (idle_since == 0) idle_since = now;
        long idle_left = setting_worker_idle_timeout_ms - (long)((now - idle_since) / 1000);
        if (idle_left <= 0) break;
        set_idle(true);
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, idle_left, PG_WAIT_EXTENSION);
        set_idle(false);
        CHECK_FOR_INTERRUPTS();
    }
    drop_lease_row();
    SpinLockAcquire(&sh->mutex);
    sh->workers[slot].clean_exit = true;
    SpinLockRelease(&sh->mutex);
}

}  // namespace
}  // namespace realmap::pg

extern "C" void realmap_worker_main(Datum main_arg) {
    realmap::pg::cpp_boundary_void("realmap worker",
                                   [main_arg] { realmap::pg::worker_loop(DatumGetInt32(main_arg)); });
}

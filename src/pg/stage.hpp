// Built-in stages: C++ tasks a DAG names by stage instead of a SQL function.
//
// The worker hands a stage the instances of a batch.  A stage may have a batch phase
// (`prepare`), run once for all of the batch's instances of that stage before any of
// them: network I/O for many instances at once, through one HTTP multi handle.  Then
// `run` completes each instance inside its own subtransaction, as the DAG owner, like
// a SQL task: its writes and its completion commit together.
//
// C-style (ereport may longjmp through it): stage code owns no C++ object across
// PostgreSQL calls; its pure C++ parts run inside cpp_boundary (guard.hpp).
#pragma once

#include "core/task_error.hpp"
#include "pg/guard.hpp"
#include "pg/pg_headers.hpp"
#include "pg/sql_json.hpp"

namespace realmap::pg {

struct StageTask {
    int64 instance_id;
    int32 attempt;
    int64 run_id;
    const char *task;
    const char *item;  // the map key, or nullptr
    Datum context;     // jsonb: the task context of DESIGN.md
    void *prepared;    // what `prepare` left for this instance (palloc'd), or nullptr
};

struct StageDef {
    const char *name;
    // Optional.  Runs in the batch's transaction, outside the instances'
    // subtransactions; an ERROR here fails every instance of the stage in the batch
    // (the worker records it for each), so it should leave per-instance errors in
    // `prepared` instead.
    void (*prepare)(StageTask **tasks, int n);
    // Completes one instance and returns its output (jsonb).  An ERROR fails this
    // attempt.  Returning realmap.await_human(...)'s shape parks it for a human.
    Datum (*run)(StageTask *task);
    // How many instances of this stage a worker should claim at once when they take
    // wall-clock time without CPU (network stages); 0: the worker's adaptive batch.
    int (*claim_hint)();
};

// The stage called `name`, or nullptr.
const StageDef *find_stage(const char *name);

// How a stage wants its ERROR classified.  A stage sets this just before it raises;
// the worker reads and clears it when it records the failure.  Without it, the
// SQLSTATE decides (as for SQL tasks).
struct StageFailureHint {
    bool set;
    bool retryable;
    int64 retry_after_ms;  // < 0: none (the server's Retry-After, when it sent one)
};
extern StageFailureHint stage_failure_hint;

// Sets the hint and raises the error (never returns).
[[noreturn]] void raise_stage_error(const char *sqlstate, bool retryable, int64 retry_after_ms, const char *message,
                                    const char *detail);

// Runs a stage's pure C++ part inside the boundary; a TaskError leaves its
// classification in stage_failure_hint before it becomes the ERROR.
template <typename Fn>
void stage_cpp(const char *where, Fn &&fn) {
    cpp_boundary_void(where, [&fn] {
        try {
            fn();
        } catch (const TaskError &e) {
            stage_failure_hint.set = true;
            stage_failure_hint.retryable = e.retryable();
            stage_failure_hint.retry_after_ms = e.retry_after_ms();
            throw;
        }
    });
}

// Helpers shared by the stages.
// The run's stored configuration (realmap.runs.config) as JSON text (palloc'd).
char *run_config_json(int64 run_id);

}  // namespace realmap::pg

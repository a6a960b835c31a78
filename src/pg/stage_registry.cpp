// The built-in stages and what they share.  Each stage lives in its own stage_*.cpp.
#include "pg/pg_headers.hpp"
#include "pg/stage.hpp"

extern "C" {
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
}

namespace realmap::pg {

extern const StageDef init_session_stage;
extern const StageDef scrape_listings_stage;
extern const StageDef fetch_details_stage;

namespace {
const StageDef *const all_stages[] = {&init_session_stage, &scrape_listings_stage, &fetch_details_stage};
}

StageFailureHint stage_failure_hint = {false, false, -1};

const StageDef *find_stage(const char *name) {
    for (const StageDef *s : all_stages)
        if (strcmp(s->name, name) == 0) return s;
    return nullptr;
}

void raise_stage_error(const char *sqlstate, bool retryable, int64 retry_after_ms, const char *message,
                       const char *detail) {
    stage_failure_hint.set = true;
    stage_failure_hint.retryable = retryable;
    stage_failure_hint.retry_after_ms = retry_after_ms;
    const char *s = (sqlstate != nullptr && strlen(sqlstate) == 5) ? sqlstate : "38000";
    int code = MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4]);
    if (detail != nullptr && detail[0] != '\0')
        ereport(ERROR, (errcode(code), errmsg("%s", message), errdetail("%s", detail)));
    ereport(ERROR, (errcode(code), errmsg("%s", message)));
    pg_unreachable();
}

char *run_config_json(int64 run_id) {
    MemoryContext caller = CurrentMemoryContext;
    Oid types[1] = {INT8OID};
    Datum args[1] = {Int64GetDatum(run_id)};
    SPI_connect();
    int rc = SPI_execute_with_args("SELECT config::text FROM realmap.runs WHERE run_id = $1", 1, types, args,
                                   nullptr, true, 1);
    if (rc != SPI_OK_SELECT || SPI_processed == 0) elog(ERROR, "realmap: run %lld does not exist", (long long)run_id);
    char *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
    char *out = MemoryContextStrdup(caller, v != nullptr ? v : "{}");
    SPI_finish();
    return out;
}

}  // namespace realmap::pg

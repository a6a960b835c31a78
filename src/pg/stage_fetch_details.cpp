// fetch_details[i]: one project's detail page into realmap.raw_pages.  The batch
// phase fetches the pages of all of a batch's instances at once (one multi handle,
// within the per-host limits); each instance then stores its page, or fails with
// its own error, in its own subtransaction.
#include <nlohmann/json.hpp>

#include "core/portal/detail_fetch.hpp"
#include "core/portal/portal_config.hpp"
#include "pg/http_process_client.hpp"
#include "pg/pg_headers.hpp"
#include "pg/stage.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
}

namespace realmap::pg {

namespace {

// One instance's fetched page or error (palloc'd; lives until the batch commits).
struct PreparedFetch {
    bool ok;
    char *body;
    int64 body_len;
    int status;
    char *method;
    char *url;
    char *final_url;
    double elapsed_ms;
    char sqlstate[6];
    char *message;
    bool retryable;
    int64 retry_after_ms;
    const char *skip_reason;  // delta mode: not fetched, for this reason
};

int batch_size_hint = 64;

struct ListingRef {
    char *registration_number;
    char *my_id;
    char *postback_target;
};

PreparedFetch *prepared_error(const char *sqlstate, const char *message, bool retryable) {
    PreparedFetch *p = static_cast<PreparedFetch *>(palloc0(sizeof(PreparedFetch)));
    strlcpy(p->sqlstate, sqlstate, sizeof(p->sqlstate));
    p->message = pstrdup(message);
    p->retryable = retryable;
    p->retry_after_ms = -1;
    return p;
}

// Fetches the pages of the instances of one run.
void prepare_run(StageTask **tasks, int n, int64 run_id) {
    MemoryContext caller = CurrentMemoryContext;
    char *config = run_config_json(run_id);
    // the run's session and the listing rows of these items
    Datum *keys = static_cast<Datum *>(palloc(sizeof(Datum) * n));
    for (int i = 0; i < n; i++) keys[i] = CStringGetTextDatum(tasks[i]->item != nullptr ? tasks[i]->item : "");
    ArrayType *key_array = construct_array(keys, n, TEXTOID, -1, false, TYPALIGN_INT);
    SPI_connect();
    Oid t1[1] = {INT8OID};
    Datum a1[1] = {Int64GetDatum(run_id)};
    SPI_execute_with_args("SELECT listing_url, cookies, hidden_fields::text FROM realmap.portal_sessions WHERE run_id = $1",
                          1, t1, a1, nullptr, true, 1);
    bool have_session = SPI_processed > 0;
    char *listing_url = nullptr, *cookies = nullptr, *hidden = nullptr;
    if (have_session) {
        listing_url = MemoryContextStrdup(caller, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
        cookies = MemoryContextStrdup(caller, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2));
        hidden = MemoryContextStrdup(caller, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3));
    }
    Oid t2[2] = {INT8OID, TEXTARRAYOID};
    Datum a2[2] = {Int64GetDatum(run_id), PointerGetDatum(key_array)};
    SPI_execute_with_args("SELECT registration_number, coalesce(my_id, ''), coalesce(postback_target, '') "
                          "FROM realmap.listings WHERE run_id = $1 AND registration_number = ANY ($2)",
                          2, t2, a2, nullptr, true, 0);
    int n_refs = static_cast<int>(SPI_processed);
    ListingRef *refs = static_cast<ListingRef *>(MemoryContextAlloc(caller, sizeof(ListingRef) * (n_refs + 1)));
    for (int r = 0; r < n_refs; r++) {
        HeapTuple tup = SPI_tuptable->vals[r];
        refs[r].registration_number = MemoryContextStrdup(caller, SPI_getvalue(tup, SPI_tuptable->tupdesc, 1));
        refs[r].my_id = MemoryContextStrdup(caller, SPI_getvalue(tup, SPI_tuptable->tupdesc, 2));
        refs[r].postback_target = MemoryContextStrdup(caller, SPI_getvalue(tup, SPI_tuptable->tupdesc, 3));
    }
    // delta mode: unchanged listing rows whose page is fresh enough are not fetched
    Oid t3[2] = {INT8OID, TEXTARRAYOID};
    SPI_execute_with_args(
        "SELECT l.registration_number FROM realmap.runs r JOIN realmap.listings l ON l.run_id = r.run_id "
        " WHERE r.run_id = $1 AND r.params->>'mode' = 'delta' AND l.registration_number = ANY ($2) "
        "   AND l.row_hash = (SELECT p.row_hash FROM realmap.listings p WHERE p.registration_number = l.registration_number "
        "                        AND p.run_id < l.run_id ORDER BY p.run_id DESC LIMIT 1) "
        "   AND (SELECT max(g.last_fetched_at) FROM realmap.raw_pages g WHERE g.registration_number = l.registration_number) "
        "       > now() - coalesce(r.config->>'fetch.delta_max_age', '7 days')::interval",
        2, t3, a2, nullptr, true, 0);
    int n_fresh = static_cast<int>(SPI_processed);
    char **fresh = static_cast<char **>(MemoryContextAlloc(caller, sizeof(char *) * (n_fresh + 1)));
    for (int f = 0; f < n_fresh; f++)
        fresh[f] = MemoryContextStrdup(caller, SPI_getvalue(SPI_tuptable->vals[f], SPI_tuptable->tupdesc, 1));
    SPI_finish();

    for (int i = 0; i < n; i++)
        for (int f = 0; f < n_fresh; f++)
            if (tasks[i]->item != nullptr && strcmp(fresh[f], tasks[i]->item) == 0) {
                PreparedFetch *p = static_cast<PreparedFetch *>(palloc0(sizeof(PreparedFetch)));
                p->skip_reason = "delta mode: the listing row is unchanged and the page was fetched recently";
                tasks[i]->prepared = p;
            }
    if (!have_session) {
        for (int i = 0; i < n; i++)
            tasks[i]->prepared = prepared_error(
                "55000", psprintf("run %lld has no portal session (init_session has not run)", (long long)run_id), false);
        return;
    }
    // which tasks have a listing row, and which row
    int *ref_of = static_cast<int *>(palloc(sizeof(int) * n));
    for (int i = 0; i < n; i++) {
        ref_of[i] = -1;
        if (tasks[i]->prepared != nullptr) continue;  // skipped (delta)
        for (int r = 0; r < n_refs && tasks[i]->item != nullptr; r++)
            if (strcmp(refs[r].registration_number, tasks[i]->item) == 0) ref_of[i] = r;
        if (ref_of[i] < 0)
            tasks[i]->prepared = prepared_error(
                "22023", psprintf("registration %s is not in run %lld's listing", tasks[i]->item ? tasks[i]->item : "(none)",
                                  (long long)run_id), false);
    }
    PreparedFetch **results = static_cast<PreparedFetch **>(palloc0(sizeof(PreparedFetch *) * n));
    stage_cpp("fetch_details", [&] {
        nlohmann::json cfg = nlohmann::json::parse(config);
        portal::PortalConfig pc = portal::portal_config_from(cfg);
        batch_size_hint = pc.fetch_batch_size;
        portal::SessionState session;
        session.listing_url = listing_url;
        session.cookies = cookies;
        nlohmann::json h = nlohmann::json::parse(hidden);
        for (auto it = h.begin(); it != h.end(); ++it)
            if (it.value().is_string()) session.hidden_fields[it.key()] = it.value().get<std::string>();
        std::vector<portal::DetailItem> items;
        std::vector<int> task_of;
        for (int i = 0; i < n; i++) {
            if (ref_of[i] < 0) continue;
            const ListingRef &r = refs[ref_of[i]];
            items.push_back({r.registration_number, r.my_id, r.postback_target});
            task_of.push_back(i);
        }
        net::HttpClient &client = process_http_client(portal::http_options_from(cfg));
        std::vector<portal::DetailOutcome> out =
            portal::fetch_detail_pages(client, session, pc.detail_url, items, postgres_interrupt_pending);
        for (std::size_t k = 0; k < out.size(); k++) {
            const portal::DetailOutcome &o = out[k];
            PreparedFetch *p = pg_call([] { return static_cast<PreparedFetch *>(palloc0(sizeof(PreparedFetch))); });
            p->ok = o.ok;
            p->body = palloc_copy(o.body);
            p->body_len = static_cast<int64>(o.body.size());
            p->status = static_cast<int>(o.status);
            p->method = palloc_copy(o.method);
            p->url = palloc_copy(o.url);
            p->final_url = palloc_copy(o.final_url.empty() ? o.url : o.final_url);
            p->elapsed_ms = o.elapsed_ms;
            snprintf(p->sqlstate, sizeof(p->sqlstate), "%s", o.sqlstate.c_str());
            p->message = palloc_copy(o.message);
            p->retryable = o.retryable;
            p->retry_after_ms = o.retry_after_ms;
            results[task_of[k]] = p;
        }
    });
    for (int i = 0; i < n; i++)
        if (results[i] != nullptr) tasks[i]->prepared = results[i];
}

void prepare_fetch(StageTask **tasks, int n) {
    bool *done = static_cast<bool *>(palloc0(sizeof(bool) * n));
    StageTask **group = static_cast<StageTask **>(palloc(sizeof(StageTask *) * n));
    for (int i = 0; i < n; i++) {
        if (done[i]) continue;
        int k = 0;
        for (int j = i; j < n; j++)
            if (!done[j] && tasks[j]->run_id == tasks[i]->run_id) {
                done[j] = true;
                group[k++] = tasks[j];
            }
        prepare_run(group, k, tasks[i]->run_id);
    }
}

bool delta_run(Datum context) {
    Jsonb *jb = DatumGetJsonbP(context);
    JsonbValue *params = getKeyJsonValueFromContainer(&jb->root, "params", 6, nullptr);
    if (params == nullptr || params->type != jbvBinary) return false;
    JsonbValue *mode = getKeyJsonValueFromContainer(params->val.binary.data, "mode", 4, nullptr);
    return mode != nullptr && mode->type == jbvString && mode->val.string.len == 5 &&
           strncmp(mode->val.string.val, "delta", 5) == 0;
}

Datum run_fetch(StageTask *task) {
    PreparedFetch *p = static_cast<PreparedFetch *>(task->prepared);
    if (p == nullptr) raise_stage_error("XX000", true, -1, "fetch_details ran without its batch phase", nullptr);
    if (p->skip_reason != nullptr)
        return jsonb_from_cstring(psprintf("{\"realmap_skip\": %s, \"fetched\": false}", json_quote(p->skip_reason)));
    if (!p->ok) raise_stage_error(p->sqlstate, p->retryable, p->retry_after_ms, p->message, nullptr);
    if (memchr(p->body, '\0', p->body_len) != nullptr || !pg_verifymbstr(p->body, static_cast<int>(p->body_len), true))
        raise_stage_error("22021", false, -1,
                          psprintf("%s %s: the page is not valid UTF-8 text; not stored", p->method, p->url), nullptr);
    Oid types[8] = {INT8OID, TEXTOID, TEXTOID, INT4OID, FLOAT8OID, TEXTOID, TEXTOID, TEXTOID};
    Datum args[8] = {Int64GetDatum(task->run_id),
                     CStringGetTextDatum(task->item),
                     PointerGetDatum(cstring_to_text_with_len(p->body, static_cast<int>(p->body_len))),
                     Int32GetDatum(p->status),
                     Float8GetDatum(p->elapsed_ms),
                     CStringGetTextDatum(p->method),
                     CStringGetTextDatum(p->url),
                     CStringGetTextDatum(p->final_url)};
    SPI_connect();
    SPI_execute_with_args("SELECT page_id, changed FROM realmap._store_page($1, $2, $3, $4, $5, $6, $7, $8)", 8, types,
                          args, nullptr, false, 1);
    bool isnull;
    int64 page_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    bool changed = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
    SPI_finish();
    // delta mode: a page that did not change needs no extraction and loading
    bool delta = delta_run(task->context);
    char *json = psprintf("{\"page_id\": %lld, \"changed\": %s, \"http_status\": %d, \"bytes\": %lld, "
                          "\"method\": %s, \"elapsed_ms\": %.1f%s}",
                          (long long)page_id, changed ? "true" : "false", p->status, (long long)p->body_len,
                          json_quote(p->method), p->elapsed_ms,
                          delta && !changed ? ", \"realmap_skip\": \"delta mode: the page is unchanged\"" : "");
    return jsonb_from_cstring(json);
}

int fetch_claim_hint() { return batch_size_hint; }

}  // namespace

extern const StageDef fetch_details_stage = {"fetch_details", prepare_fetch, run_fetch, fetch_claim_hint};

}  // namespace realmap::pg

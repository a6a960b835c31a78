// scrape_listings: reads the project list into realmap.listings and returns the
// registration numbers as the map items of fetch_details.  Filters in the run's
// parameters go to the portal's Search; where the portal checks a CAPTCHA the task
// parks for a human (realmap.solve_captcha) and runs again with the answer.
#include <nlohmann/json.hpp>

#include "core/portal/portal_config.hpp"
#include "core/portal/portal_session.hpp"
#include "core/portal/search_plan.hpp"
#include "pg/http_process_client.hpp"
#include "pg/pg_headers.hpp"
#include "pg/stage.hpp"

extern "C" {
#include "executor/spi.h"
#include "utils/builtins.h"
}

namespace realmap::pg {

namespace {

char *session_json_of(int64 run_id) {
    MemoryContext caller = CurrentMemoryContext;
    Oid types[1] = {INT8OID};
    Datum args[1] = {Int64GetDatum(run_id)};
    SPI_connect();
    SPI_execute_with_args(
        "SELECT jsonb_build_object('base_url', base_url, 'listing_url', listing_url, 'cookies', cookies, "
        "'hidden_fields', hidden_fields, 'filter_options', filter_options, 'captcha_server', captcha_server)::text "
        "FROM realmap.portal_sessions WHERE run_id = $1",
        1, types, args, nullptr, true, 1);
    char *out = SPI_processed > 0
                    ? MemoryContextStrdup(caller, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1))
                    : nullptr;
    SPI_finish();
    return out;
}

void save_session(int64 run_id, const char *session_json) {
    Oid types[2] = {INT8OID, JSONBOID};
    Datum args[2] = {Int64GetDatum(run_id), jsonb_from_cstring(session_json)};
    SPI_connect();
    SPI_execute_with_args("UPDATE realmap.portal_sessions SET cookies = $2->>'cookies', "
                          "hidden_fields = $2->'hidden_fields', filter_options = $2->'filter_options', "
                          "captcha_server = ($2->>'captcha_server')::boolean, updated_at = now() WHERE run_id = $1",
                          2, types, args, nullptr, false, 0);
    SPI_finish();
}

void save_listings(int64 run_id, const char *rows_json) {
    Oid types[2] = {INT8OID, JSONBOID};
    Datum args[2] = {Int64GetDatum(run_id), jsonb_from_cstring(rows_json)};
    SPI_connect();
    // a retried attempt replaces what an earlier one wrote
    SPI_execute_with_args("DELETE FROM realmap.listings WHERE run_id = $1", 1, types, args, nullptr, false, 0);
    SPI_execute_with_args(
        "INSERT INTO realmap.listings SELECT (jsonb_populate_record(NULL::realmap.listings, e || jsonb_build_object("
        "'run_id', $1, 'scraped_at', now(), "
        "'row_hash', md5((e - 'sn' - 'row_index' - 'postback_target' - 'detail_url')::text)))).* "
        "FROM jsonb_array_elements($2) e",
        2, types, args, nullptr, false, 0);
    SPI_finish();
}

Datum run_scrape(StageTask *task) {
    char *config = run_config_json(task->run_id);
    char *session = session_json_of(task->run_id);
    if (session == nullptr)
        raise_stage_error("55000", false, -1,
                          psprintf("run %lld has no portal session (init_session has not run)", (long long)task->run_id),
                          nullptr);
    char *context = jsonb_to_cstring(task->context);
    char *session_out = nullptr, *rows_json = nullptr, *output_json = nullptr;
    bool parked = false;
    stage_cpp("scrape_listings", [&] {
        nlohmann::json cfg = nlohmann::json::parse(config);
        nlohmann::json ctx = nlohmann::json::parse(context);
        portal::SessionState s = portal::session_from_json(nlohmann::json::parse(session));
        nlohmann::json params = ctx.value("params", nlohmann::json::object());
        bool delta = portal::delta_mode(params);
        portal::ListingFilters filters = portal::filters_from_params(params);
        // an unknown name fails here, before any request: the valid names are known
        portal::SearchPlan plan = portal::plan_search(filters, s.options);
        std::optional<std::string> answer;
        if (ctx.contains("human") && ctx["human"].is_object() && ctx["human"].value("state", "") == "answered") {
            const auto &a = ctx["human"]["answer"];
            answer = a.is_string() ? a.get<std::string>() : a.dump();
        }
        net::HttpClient &client = process_http_client(portal::http_options_from(cfg));
        portal::ListingResult r =
            portal::read_listing(client, s, plan, filters.max_listings, answer, postgres_interrupt_pending);
        session_out = palloc_copy(portal::session_to_json(s).dump());
        if (r.needs_captcha) {
            parked = true;
            std::string timeout = cfg.contains("captcha.timeout") && cfg["captcha.timeout"].is_string()
                                      ? cfg["captcha.timeout"].get<std::string>()
                                      : "30 minutes";
            nlohmann::json req = {
                {"realmap_await_human",
                 {{"kind", "captcha"},
                  {"prompt", "The portal asks for the text in this image before it searches. Answer with "
                             "SELECT realmap.solve_captcha(" + std::to_string(task->run_id) + ", '<text>');"},
                  {"payload",
                   {{"image_base64", r.captcha_image_base64},
                    {"content_type", r.captcha_content_type},
                    {"image_url", r.captcha_image_url}}},
                  {"timeout", timeout}}}};
            output_json = palloc_copy(req.dump());
            return;
        }
        nlohmann::json items = nlohmann::json::array();
        for (const auto &row : r.rows) items.push_back(row["registration_number"]);
        rows_json = palloc_copy(r.rows.dump());
        nlohmann::json out = {{"items", items},
                              {"listed", r.rows.size()},
                              {"portal_rows", r.portal_rows},
                              {"filtered_out", r.filtered_out},
                              {"cut_by_max_listings", r.cut_by_max},
                              {"positions_missing", r.positions_missing},
                              {"duplicate_rows", r.duplicate_rows},
                              {"searched", r.searched},
                              {"mode", delta ? "delta" : "full"}};
        output_json = palloc_copy(out.dump());
    });
    save_session(task->run_id, session_out);
    if (!parked) save_listings(task->run_id, rows_json);
    return jsonb_from_cstring(output_json);
}

}  // namespace

extern const StageDef scrape_listings_stage = {"scrape_listings", nullptr, run_scrape, nullptr};

}  // namespace realmap::pg

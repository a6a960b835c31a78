// init_session: opens the portal for the run (the cookie jar and the ASP.NET hidden
// fields of its form) and keeps the session in realmap.portal_sessions.
#include <nlohmann/json.hpp>

#include "core/portal/portal_config.hpp"
#include "core/portal/portal_session.hpp"
#include "pg/http_process_client.hpp"
#include "pg/pg_headers.hpp"
#include "pg/stage.hpp"

extern "C" {
#include "executor/spi.h"
}

namespace realmap::pg {

namespace {

Datum run_init_session(StageTask *task) {
    char *config = run_config_json(task->run_id);
    char *session_json = nullptr;
    char *output_json = nullptr;
    stage_cpp("init_session", [&] {
        nlohmann::json cfg = nlohmann::json::parse(config);
        portal::PortalConfig pc = portal::portal_config_from(cfg);
        net::HttpClient &client = process_http_client(portal::http_options_from(cfg));
        portal::SessionState s = portal::open_session(client, pc, postgres_interrupt_pending);
        session_json = palloc_copy(portal::session_to_json(s).dump());
        nlohmann::json out = {{"listing_url", s.listing_url},
                              {"captcha_server", s.captcha_server},
                              {"filter_options", portal::session_to_json(s)["filter_options"]}};
        output_json = palloc_copy(out.dump());
    });
    Oid types[2] = {INT8OID, JSONBOID};
    Datum args[2] = {Int64GetDatum(task->run_id), jsonb_from_cstring(session_json)};
    SPI_connect();
    SPI_execute_with_args(
        "INSERT INTO realmap.portal_sessions AS s (run_id, base_url, listing_url, cookies, hidden_fields, "
        "filter_options, captcha_server) "
        "SELECT $1, j->>'base_url', j->>'listing_url', j->>'cookies', j->'hidden_fields', j->'filter_options', "
        "(j->>'captcha_server')::boolean FROM (SELECT $2 AS j) x "
        "ON CONFLICT (run_id) DO UPDATE SET base_url = EXCLUDED.base_url, listing_url = EXCLUDED.listing_url, "
        "cookies = EXCLUDED.cookies, hidden_fields = EXCLUDED.hidden_fields, filter_options = EXCLUDED.filter_options, "
        "captcha_server = EXCLUDED.captcha_server, opened_at = now(), updated_at = now()",
        2, types, args, nullptr, false, 0);
    SPI_finish();
    return jsonb_from_cstring(output_json);
}

}  // namespace

extern const StageDef init_session_stage = {"init_session", nullptr, run_init_session, nullptr};

}  // namespace realmap::pg

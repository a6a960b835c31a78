// The enrichment functions of sql/src/60_enrichment.sql: geocoding (address
// normalisation, candidates, the Nominatim request and its answer, the choice of a
// position), amenities (the Overpass query, its request and answer, the stats) and
// scoring.  Thin wrappers of pure C++ (core/geo, core/amenities, core/scoring); the
// two fetch functions are the only ones that leave the process, through the client
// every stage uses (allowed hosts, timeouts) under their service's own limits.
#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "core/amenities/amenity_categories.hpp"
#include "core/amenities/amenity_stats.hpp"
#include "core/amenities/overpass_answer.hpp"
#include "core/amenities/overpass_query.hpp"
#include "core/error.hpp"
#include "core/geo/geo_json.hpp"
#include "core/geo/location_choice.hpp"
#include "core/geo/nominatim_answer.hpp"
#include "core/geo/nominatim_query.hpp"
#include "core/portal/portal_config.hpp"
#include "core/scoring/score_from_stats.hpp"
#include "core/scoring/value_score.hpp"
#include "core/task_error.hpp"
#include "net/form.hpp"
#include "pg/guard.hpp"
#include "pg/json_text.hpp"
#include "pg/http_process_client.hpp"
#include "pg/pg_headers.hpp"
#include "pg/secrets.hpp"
#include "pg/sql_json.hpp"

extern "C" {
#include "utils/builtins.h"
#include "utils/jsonb.h"
}

namespace {

using nlohmann::json;
using realmap::pg::dump_json;
using realmap::pg::jsonb_arg;
using realmap::pg::jsonb_from_cstring;
using realmap::pg::parse_json_arg;
using realmap::pg::text_arg;

// The categories argument: rows of realmap.amenity_categories as jsonb, or the defaults.
std::vector<realmap::amenities::AmenityTag> categories_of(const char *rows) {
    if (rows == nullptr) return realmap::amenities::default_amenity_tags();
    return realmap::amenities::amenity_tags_from_json(parse_json_arg(rows, "categories"));
}

double coordinate_arg(FunctionCallInfo fcinfo, int n, const char *name) {
    if (PG_ARGISNULL(n))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not be NULL", name)));
    return PG_GETARG_FLOAT8(n);
}

// One request of a service with its own limits; a failure is the TaskError of its
// classification (retryable or not, the server's Retry-After).
realmap::net::HttpResponse service_fetch(const json &config, const realmap::portal::ServiceConfig &service,
                                         realmap::net::HttpRequest request, const char *group) {
    realmap::net::HttpClient &client =
        realmap::pg::process_http_client(realmap::portal::http_options_from(config));
    request.limit_group = group;
    request.limits = service.limits;
    if (!service.user_agent.empty()) request.headers.push_back("User-Agent: " + service.user_agent);
    if (!service.secret.empty()) {
        realmap::pg::SecretHeader secret = realmap::pg::pg_call(realmap::pg::secret_header, service.secret.c_str());
        request.credential_headers.push_back(secret.line);
        request.credential_host = secret.host;
    }
    return client.fetch(request, realmap::pg::postgres_interrupt_pending);
}

}  // namespace

// realmap.score_from_stats(stats jsonb) -> jsonb
REALMAP_FUNCTION(realmap_score_from_stats) {
    char *stats = jsonb_arg(fcinfo, 0);
    char *out = nullptr;
    { out = dump_json(realmap::scoring::score_from_stats(parse_json_arg(stats, "stats"))); }
    PG_RETURN_DATUM(jsonb_from_cstring(out));
}

// realmap.value_score(overall_score float8, price_inr float8, median_price_inr float8) -> float8
REALMAP_FUNCTION(realmap_value_score) {
    std::optional<double> overall, price, median;
    if (!PG_ARGISNULL(0)) overall = PG_GETARG_FLOAT8(0);
    if (!PG_ARGISNULL(1)) price = PG_GETARG_FLOAT8(1);
    if (PG_NARGS() > 2 && !PG_ARGISNULL(2)) median = PG_GETARG_FLOAT8(2);
    std::optional<double> v = realmap::scoring::value_score(overall, price, median);
    if (!v) PG_RETURN_NULL();
    PG_RETURN_FLOAT8(*v);
}

// realmap.value_bucket(value_score float8) -> text
REALMAP_FUNCTION(realmap_value_bucket) {
    std::optional<double> v;
    if (!PG_ARGISNULL(0)) v = PG_GETARG_FLOAT8(0);
    char *out = nullptr;
    { out = realmap::pg::palloc_copy(realmap::scoring::value_bucket(v)); }
    PG_RETURN_TEXT_P(cstring_to_text(out));
}

// realmap.normalize_address(parts jsonb) -> jsonb
REALMAP_FUNCTION(realmap_normalize_address) {
    char *parts = jsonb_arg(fcinfo, 0);
    char *out = nullptr;
    {
        namespace geo = realmap::geo;
        out = dump_json(geo::to_json(geo::normalize_address(geo::address_parts_from_json(parse_json_arg(parts, "parts")))));
    }
    PG_RETURN_DATUM(jsonb_from_cstring(out));
}

// realmap.geocode_candidates(parts jsonb) -> jsonb
REALMAP_FUNCTION(realmap_geocode_candidates) {
    char *parts = jsonb_arg(fcinfo, 0);
    char *out = nullptr;
    { out = dump_json(realmap::geo::geocode_candidates_json(parse_json_arg(parts, "parts"))); }
    PG_RETURN_DATUM(jsonb_from_cstring(out));
}

// realmap.choose_location(candidates jsonb) -> jsonb
REALMAP_FUNCTION(realmap_choose_location) {
    char *candidates = jsonb_arg(fcinfo, 0);
    char *out = nullptr;
    { out = dump_json(realmap::geo::choose_location_json(parse_json_arg(candidates, "candidates"))); }
    PG_RETURN_DATUM(jsonb_from_cstring(out));
}

// realmap._read_nominatim(body text, level text, expected_district text) -> jsonb
//   {found, place?, precision?, implausible: reason or null}
REALMAP_FUNCTION(realmap_read_nominatim) {
    char *body = text_arg(fcinfo, 0);
    char *level = text_arg(fcinfo, 1);
    char *district = text_arg(fcinfo, 2);
    char *out = nullptr;
    {
        namespace geo = realmap::geo;
        if (body == nullptr) throw realmap::Error("22004", "the Nominatim answer must not be NULL");
        std::optional<geo::NominatimPlace> place = geo::parse_nominatim_answer(std::string(body));
        json r = {{"found", place.has_value()}};
        if (place) {
            std::string why = geo::implausible_answer_reason(*place, geo::geocode_level_from_name(level ? level : ""),
                                                             district ? district : "");
            r["place"] = geo::to_json(*place);
            r["precision"] = geo::precision_name(place->precision);
            r["implausible"] = why.empty() ? json(nullptr) : json(why);
        }
        out = dump_json(r);
    }
    PG_RETURN_DATUM(jsonb_from_cstring(out));
}

// realmap._nominatim_fetch(query text, config jsonb) -> jsonb {url, status, body, elapsed_ms}
// One search request under the geocode.* settings.  A failed request raises its
// classified error (a network error, 5xx or 429 may be retried; 4xx may not).
REALMAP_FUNCTION(realmap_nominatim_fetch) {
    char *query = text_arg(fcinfo, 0);
    char *config = jsonb_arg(fcinfo, 1);
    char *out = nullptr;
    {
        if (query == nullptr || query[0] == '\0') throw realmap::Error("22023", "the geocoding query must not be empty");
        json cfg = config ? parse_json_arg(config, "config") : json::object();
        realmap::portal::ServiceConfig service = realmap::portal::geocode_config_from(cfg);
        realmap::net::HttpRequest req;
        req.url = realmap::geo::nominatim_search_url(service.url, query);
        if (!service.email.empty()) req.url += "&email=" + realmap::geo::percent_encode(service.email);
        realmap::net::HttpResponse res = service_fetch(cfg, service, req, "nominatim");
        if (!res.ok()) throw realmap::http_task_error(res);
        out = dump_json({{"url", req.url}, {"status", res.status}, {"body", res.body}, {"elapsed_ms", res.total_ms}});
    }
    PG_RETURN_DATUM(jsonb_from_cstring(out));
}

// realmap.overpass_query(lat float8, lon float8, categories jsonb DEFAULT NULL,
//                        timeout_s int DEFAULT 60) -> text
REALMAP_FUNCTION(realmap_overpass_query) {
    double lat = coordinate_arg(fcinfo, 0, "lat");
    double lon = coordinate_arg(fcinfo, 1, "lon");
    char *rows = jsonb_arg(fcinfo, 2);
    int timeout_s = (PG_NARGS() > 3 && !PG_ARGISNULL(3)) ? PG_GETARG_INT32(3) : 60;
    char *out = nullptr;
    {
        realmap::amenities::OverpassQueryOptions options;
        options.timeout_s = timeout_s;
        out = realmap::pg::palloc_copy(realmap::amenities::overpass_query(lat, lon, categories_of(rows), options));
    }
    PG_RETURN_TEXT_P(cstring_to_text(out));
}

// realmap._overpass_fetch(query text, categories jsonb, config jsonb, lat float8, lon float8)
//   -> jsonb {pois (the cache's form), stats (amenity_stats around lat/lon), elements,
//             skipped_elements, elapsed_ms, bytes}
// (the stats come with the answer: the POIs are parsed once, not once more from jsonb)
// An error Overpass reports (in an HTML page, a JSON remark, or a body that is
// neither) raises the OverpassError of its kind; never zero POIs for an error.
REALMAP_FUNCTION(realmap_overpass_fetch) {
    char *query = text_arg(fcinfo, 0);
    char *rows = jsonb_arg(fcinfo, 1);
    char *config = jsonb_arg(fcinfo, 2);
    double lat = coordinate_arg(fcinfo, 3, "lat");
    double lon = coordinate_arg(fcinfo, 4, "lon");
    char *out = nullptr;
    {
        namespace am = realmap::amenities;
        if (query == nullptr || query[0] == '\0') throw realmap::Error("22023", "the Overpass query must not be empty");
        json cfg = config ? parse_json_arg(config, "config") : json::object();
        std::vector<am::AmenityTag> tags = categories_of(rows);
        realmap::portal::ServiceConfig service = realmap::portal::overpass_config_from(cfg);
        realmap::net::HttpRequest req;
        req.method = "POST";
        req.url = service.url;
        req.body = realmap::net::form_urlencode({{"data", query}});
        req.content_type = "application/x-www-form-urlencoded";
        realmap::net::HttpResponse res = service_fetch(cfg, service, req, "overpass");
        if (!res.ok()) {
            // Overpass explains a 400, 429 or 504 in its body: that says more than the status
            am::OverpassErrorReport report = am::overpass_error_in(res.body);
            if (report.is_error && report.kind != am::OverpassErrorKind::Malformed && res.status >= 400)
                throw realmap::TaskError(am::OverpassError(report.kind, report.message).sqlstate(),
                                         res.message + ": " + report.message,
                                         report.kind != am::OverpassErrorKind::QueryError, res.retry_after_ms);
            throw realmap::http_task_error(res);
        }
        am::OverpassResult result = am::parse_overpass_answer(res.body, tags);
        out = dump_json({{"pois", am::to_cache_json(result.pois)},
                         {"stats", am::to_json(am::amenity_stats(lat, lon, result.pois, tags))},
                         {"elements", result.pois.size() + result.skipped_elements + result.duplicate_elements},
                         {"skipped_elements", result.skipped_elements},
                         {"elapsed_ms", res.total_ms},
                         {"bytes", res.body.size()}});
    }
    PG_RETURN_DATUM(jsonb_from_cstring(out));
}

// realmap.amenity_stats(lat float8, lon float8, pois jsonb, categories jsonb DEFAULT NULL) -> jsonb
REALMAP_FUNCTION(realmap_amenity_stats) {
    double lat = coordinate_arg(fcinfo, 0, "lat");
    double lon = coordinate_arg(fcinfo, 1, "lon");
    char *pois = jsonb_arg(fcinfo, 2);
    char *rows = jsonb_arg(fcinfo, 3);
    char *out = nullptr;
    {
        namespace am = realmap::amenities;
        if (pois == nullptr) throw realmap::Error("22004", "pois must not be NULL");
        if (!realmap::geo::valid_coordinates(lat, lon))
            throw realmap::Error("22023", "amenity_stats: invalid coordinates " + std::to_string(lat) + ", " +
                                              std::to_string(lon));
        out = dump_json(am::to_json(am::amenity_stats(lat, lon, am::pois_from_json(parse_json_arg(pois, "pois")),
                                                      categories_of(rows))));
    }
    PG_RETURN_DATUM(jsonb_from_cstring(out));
}

// realmap.default_amenity_categories() -> jsonb: the original's 12 categories as rows
// (what realmap.amenity_categories is seeded with).
REALMAP_FUNCTION(realmap_default_amenity_categories) {
    char *out = nullptr;
    { out = dump_json(realmap::amenities::to_json(realmap::amenities::default_amenity_tags())); }
    PG_RETURN_DATUM(jsonb_from_cstring(out));
}

// realmap.chhattisgarh_box() -> jsonb {min_lat, max_lat, min_lon, max_lon}: the box a
// position must lie in (core/geo/cg_bbox.hpp), for the SQL that draws or filters by it.
REALMAP_FUNCTION(realmap_chhattisgarh_box) {
    const realmap::geo::BoundingBox &b = realmap::geo::kChhattisgarhBox;
    char *out = psprintf("{\"min_lat\": %.6f, \"max_lat\": %.6f, \"min_lon\": %.6f, \"max_lon\": %.6f}", b.min_lat,
                         b.max_lat, b.min_lon, b.max_lon);
    PG_RETURN_DATUM(jsonb_from_cstring(out));
}

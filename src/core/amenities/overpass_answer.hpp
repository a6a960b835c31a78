// Reading an Overpass answer (out:json, out center) into POIs, and telling an error from
// an empty result.
//
// The original treated every failure as "no POIs" and wrote count-0 rows, so a project
// whose query timed out looked like one in open country.  Overpass reports errors in
// three ways, all detected here and raised as OverpassError, never returned as zero POIs:
//   * an HTML page (status 400, 429, 504, but also 200) with
//     <strong style="color:#FF0000">Error</strong>: <message>;
//   * a JSON answer whose "remark" contains "runtime error" or "timeout" (the query ran
//     out of time or memory; "elements" is then partial or empty);
//   * a body that is neither (truncated JSON, a proxy's page).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/amenities/amenity_categories.hpp"
#include "core/error.hpp"

namespace realmap::amenities {

enum class OverpassErrorKind {
    Timeout,       // the query or the server's queue timed out: retry later
    RateLimited,   // "rate_limited": retry after the server's quota allows
    RuntimeError,  // out of memory, other runtime errors: retry (maybe with less)
    QueryError,    // "parse error" / "static error": the query is wrong, a retry cannot help
    Malformed,     // neither a result nor an error report: retry
};

const char *overpass_error_kind_name(OverpassErrorKind kind);

// SQLSTATE by kind: Timeout 57014 (query_canceled), QueryError 42601 (syntax_error),
// Malformed 08P01 (protocol_violation), RateLimited and RuntimeError 38000.
class OverpassError : public Error {
public:
    OverpassError(OverpassErrorKind kind, const std::string &server_message);
    OverpassErrorKind kind() const noexcept { return kind_; }
    bool retryable() const noexcept { return kind_ != OverpassErrorKind::QueryError; }
    const std::string &server_message() const noexcept { return server_message_; }

private:
    OverpassErrorKind kind_;
    std::string server_message_;
};

struct Poi {
    std::string osm_type;  // "node", "way", "relation"
    std::int64_t osm_id = 0;
    double lat = 0.0;      // a node's position, a way's or relation's center
    double lon = 0.0;
    std::map<std::string, std::string> tags;
    std::vector<std::string> categories;  // every category one of whose tags matches, in tag order
};

struct OverpassResult {
    std::vector<Poi> pois;      // unique by (osm_type, osm_id), in answer order
    int skipped_elements = 0;   // elements without a position (a way without center)
    int duplicate_elements = 0;
};

// The POIs of an answer body; categories are assigned from `tags`.  Throws OverpassError.
OverpassResult parse_overpass_answer(const std::string &body, const std::vector<AmenityTag> &tags);
OverpassResult parse_overpass_answer(const std::string &body);  // the default categories

// The error an answer body reports, classified; "" message when it reports none.
// (Exposed for the HTTP layer: a 4xx/5xx body says more than its status.)
struct OverpassErrorReport {
    bool is_error = false;
    OverpassErrorKind kind = OverpassErrorKind::Malformed;
    std::string message;
};
OverpassErrorReport overpass_error_in(const std::string &body);

// [{osm_type, osm_id, provider_place_id "node/123", lat, lon, name, categories, tags}].
nlohmann::json to_json(const std::vector<Poi> &pois);
// The same without tags and provider_place_id: what the POI cache keeps.
nlohmann::json to_cache_json(const std::vector<Poi> &pois);
// The inverse of either (tags optional): realmap::Error 22023 naming the element and
// the field when one lacks osm_type, osm_id, finite lat/lon or a categories array.
std::vector<Poi> pois_from_json(const nlohmann::json &pois);

}  // namespace realmap::amenities

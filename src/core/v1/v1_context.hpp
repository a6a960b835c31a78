// What map_v1 knows beyond the page: the listing row that linked it (realmap.listings),
// where and when the page was fetched, and by which run.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace realmap::v1 {

// A realmap.listings row (the listing table merged with the map payload).
struct ListingRow {
    std::string registration_number;  // as listed (a "** " prefix is dropped when compared)
    std::optional<std::string> project_name, promoter_name, project_type, project_status, district, tehsil,
        project_address, website;
    std::optional<std::string> approved_on, proposed_end, extended_end;  // ISO dates
    std::optional<bool> completed;                                       // the "**" marker
    std::optional<double> latitude, longitude;  // null for the portal's placeholders
};

struct MapContext {
    std::optional<ListingRow> listing;
    std::string source_url;          // "" = the raw document's
    std::optional<long long> run_id;
    std::string scraped_at;          // ISO 8601 ("2026-12-01T02:00:00Z"), "" = unknown
    std::string page_content_hash;   // sha256 hex of the page, "" = unknown
};

// From {"listing": {<realmap.listings columns>}, "source_url", "run_id", "scraped_at",
// "page_content_hash"} (every key optional; null is absent).  Listing dates may be ISO
// or as the portal writes them ("16 Feb 2018"); coordinates numbers or numeric strings.
// Throws realmap::Error 22023 naming the key for a value of the wrong type.
MapContext map_context_from_json(const nlohmann::json &context);

}  // namespace realmap::v1

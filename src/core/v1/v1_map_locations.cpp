// rera_locations, in the original's order: the amenity rows with a position, their
// centroid, the Google Maps iframe, then the listing's map pin (context).  A position
// is a pair of numbers, neither 0 (the portal writes 0 or nothing for "unknown"), inside
// the India box the original used (lat 6..36, lon 68..98).  Whether it lies in
// Chhattisgarh is validate_v1's question (a QA flag, not a reason to drop it).
#include <cmath>

#include "core/v1/v1_map_state.hpp"
#include "core/v1/v1_numbers.hpp"
#include "core/v1/v1_text.hpp"

namespace realmap::v1 {

using nlohmann::json;

namespace {

std::optional<double> coordinate(const json &obj, const char *number_key, const char *text_key) {
    auto n = obj.find(number_key);
    if (n != obj.end() && n->is_number()) return n->get<double>();
    std::string t = clean_text(str_of(obj, text_key));
    if (t.empty()) return std::nullopt;
    for (char &c : t)
        if (c == ',') c = '.';
    std::string rest;
    auto digits = first_number_text(t, &rest);
    if (!digits || !clean_text(rest).empty()) return std::nullopt;
    return parse_number(*digits);
}

// "" when (lat, lon) is a position, else why not.
std::string position_problem(std::optional<double> lat, std::optional<double> lon) {
    if (!lat || !lon) return "no coordinates";
    if (!std::isfinite(*lat) || !std::isfinite(*lon)) return "no coordinates";
    if (*lat == 0 || *lon == 0) return "coordinates 0";
    if (*lat < 6 || *lat > 36 || *lon < 68 || *lon > 98) return "outside India";
    return {};
}

std::string pair_text(std::optional<double> lat, std::optional<double> lon) {
    auto s = [](std::optional<double> v) { return v ? json(*v).dump() : std::string("?"); };
    return s(lat) + ", " + s(lon);
}

}  // namespace

json map_locations(MapState &state) {
    json out = json::array();
    int unplaced = 0;
    double sum_lat = 0, sum_lon = 0;
    int placed = 0;
    auto amenities = state.raw.find("amenities");
    if (amenities != state.raw.end() && amenities->is_object()) {
        const json rows = amenities->value("rows", json::array());
        for (const json &r : rows) {
            if (!r.is_object()) continue;
            bool has_columns = r.contains("latitude_text") && !r["latitude_text"].is_null();
            auto lat = coordinate(r, "latitude", "latitude_text");
            auto lon = coordinate(r, "longitude", "longitude_text");
            std::string why = position_problem(lat, lon);
            std::string particulars = clean_text(str_of(r, "particulars"));
            if (!why.empty()) {
                if (!has_columns) continue;
                if (why == "outside India")
                    state.note("rera_locations: amenity \"" + particulars + "\" at " + pair_text(lat, lon) +
                               " is outside India; left out");
                else
                    ++unplaced;
                continue;
            }
            json e = {{"source_type", "amenity"}, {"latitude", *lat}, {"longitude", *lon}};
            if (!particulars.empty()) e["particulars"] = particulars;
            std::string image = clean_text(str_of(r, "image"));
            if (is_file_link(image)) e["image_url"] = image;
            for (const char *k : {"from_date", "to_date"}) {
                std::string t = clean_text(str_of(r, k));
                if (!t.empty()) e[k] = t;  // as written ("01 Apr 2022")
            }
            if (auto p = parse_number(str_of(r, "progress"))) e["progress_percent"] = number_json(*p);
            out.push_back(std::move(e));
            sum_lat += *lat;
            sum_lon += *lon;
            ++placed;
        }
    }
    if (unplaced)
        state.note("rera_locations: " + std::to_string(unplaced) +
                   " amenity row(s) without a position (coordinates 0, empty or unreadable) left out");
    if (placed)
        out.push_back({{"source_type", "amenity_centroid"},
                       {"latitude", sum_lat / placed},
                       {"longitude", sum_lon / placed},
                       {"particulars", "Computed centroid of amenity locations"}});

    auto iframes = state.raw.find("map_iframes");
    if (iframes != state.raw.end() && iframes->is_array()) {
        bool have = false;
        for (const json &f : *iframes) {
            if (!f.is_object()) continue;
            auto lat = coordinate(f, "latitude", "latitude_text");
            auto lon = coordinate(f, "longitude", "longitude_text");
            std::string why = position_problem(lat, lon);
            if (!why.empty()) {
                state.note("rera_locations: the map iframe's position " + pair_text(lat, lon) + " is no position (" +
                           why + "); left out");
                continue;
            }
            if (have) {
                state.note("rera_locations: a further map iframe at " + pair_text(lat, lon) + " left out (the first kept)");
                continue;
            }
            out.push_back({{"source_type", "map_iframe"}, {"latitude", *lat}, {"longitude", *lon}});
            have = true;
        }
    }

    if (state.listing_applies && state.ctx.listing) {
        const ListingRow &l = *state.ctx.listing;
        if (l.latitude || l.longitude) {
            std::string why = position_problem(l.latitude, l.longitude);
            if (why.empty())
                out.push_back({{"source_type", "listing_map"}, {"latitude", *l.latitude}, {"longitude", *l.longitude}});
            else
                state.note("rera_locations: the listing's map position " + pair_text(l.latitude, l.longitude) +
                           " is no position (" + why + "); left out");
        }
    }
    return out;
}

}  // namespace realmap::v1

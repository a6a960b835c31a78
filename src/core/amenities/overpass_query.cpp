#include "core/amenities/overpass_query.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <utility>

#include "core/error.hpp"
#include "core/geo/cg_bbox.hpp"

namespace realmap::amenities {

namespace {

std::string fixed7(double value) {
    char buffer[64];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, 7);
    return std::string(buffer, result.ptr);
}

}  // namespace

long long around_metres(double radius_km) {
    double metres = std::ceil(radius_km * 1000.0 - 1e-6);
    return std::max(1LL, static_cast<long long>(metres));
}

std::string overpass_string(const std::string &text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '\\' || c == '"') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string overpass_query(double lat, double lon, const std::vector<AmenityTag> &tags,
                           const OverpassQueryOptions &options) {
    if (!geo::valid_coordinates(lat, lon))
        throw Error("22023", "overpass query: invalid coordinates " + fixed7(lat) + ", " + fixed7(lon));
    if (options.timeout_s < 1 || options.timeout_s > 3600)
        throw Error("22023", "overpass query: timeout must be between 1 and 3600 seconds, got " +
                                 std::to_string(options.timeout_s));
    if (tags.empty()) throw Error("22023", "overpass query: no amenity categories");
    validate_amenity_tags(tags);

    double largest_of_all = 0.0;
    std::map<std::string, double> category_largest;
    for (const AmenityTag &t : tags) {
        double largest = *std::max_element(t.radii_km.begin(), t.radii_km.end());
        category_largest[t.category] = std::max(category_largest[t.category], largest);
        largest_of_all = std::max(largest_of_all, largest);
    }
    // One statement per distinct tag, in first-appearance order.
    std::vector<std::pair<std::pair<std::string, std::string>, double>> statements;
    for (const AmenityTag &t : tags) {
        double radius = options.one_radius_for_all ? largest_of_all : category_largest[t.category];
        auto tag = std::make_pair(t.key, t.value);
        auto it = std::find_if(statements.begin(), statements.end(), [&](const auto &s) { return s.first == tag; });
        if (it == statements.end())
            statements.emplace_back(tag, radius);
        else
            it->second = std::max(it->second, radius);
    }

    std::string around_tail = "," + fixed7(lat) + "," + fixed7(lon) + ");";
    std::string query = "[out:json][timeout:" + std::to_string(options.timeout_s) + "];(";
    for (const auto &[tag, radius] : statements)
        query += "nwr[" + overpass_string(tag.first) + "=" + overpass_string(tag.second) +
                 "](around:" + std::to_string(around_metres(radius)) + around_tail;
    return query + ");out center;";
}

std::string overpass_query(double lat, double lon) { return overpass_query(lat, lon, default_amenity_tags()); }

}  // namespace realmap::amenities

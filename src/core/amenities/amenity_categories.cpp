#include "core/amenities/amenity_categories.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <initializer_list>

#include "core/error.hpp"

namespace realmap::amenities {

namespace {

using nlohmann::json;

constexpr double kMaxRadiusKm = 50.0;

[[noreturn]] void bad_row(std::size_t index, const std::string &message) {
    throw Error("22023", "amenity categories: row " + std::to_string(index) + ": " + message);
}

// The shortest text that reads back as r: -1, 0.5, 1e+100.
std::string shortest(double r) {
    char buffer[32];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, r);
    return std::string(buffer, result.ptr);
}

}  // namespace

const std::vector<AmenityTag> &default_amenity_tags() {
    static const std::vector<AmenityTag> tags{
        {"school", "amenity", "school", {1, 3, 5}},
        {"college_university", "amenity", "college", {3, 5, 8}},
        {"college_university", "amenity", "university", {3, 5, 8}},
        {"hospital", "amenity", "hospital", {1, 3, 5}},
        {"clinic", "amenity", "clinic", {1, 3}},
        {"clinic", "amenity", "doctors", {1, 3}},
        {"pharmacy", "amenity", "pharmacy", {0.5, 1, 2}},
        {"supermarket", "shop", "supermarket", {1, 3}},
        {"grocery_convenience", "shop", "convenience", {0.5, 1, 2}},
        {"grocery_convenience", "shop", "grocery", {0.5, 1, 2}},
        {"mall", "shop", "mall", {3, 5, 8}},
        {"bank_atm", "amenity", "bank", {0.5, 1, 2}},
        {"bank_atm", "amenity", "atm", {0.5, 1, 2}},
        {"restaurant_cafe", "amenity", "restaurant", {1, 3, 5}},
        {"restaurant_cafe", "amenity", "cafe", {1, 3, 5}},
        {"restaurant_cafe", "amenity", "fast_food", {1, 3, 5}},
        {"park_playground", "leisure", "park", {1, 3, 5}},
        {"park_playground", "leisure", "playground", {1, 3, 5}},
        {"transit_stop", "public_transport", "station", {1, 3, 5, 10}},
        {"transit_stop", "public_transport", "stop_position", {1, 3, 5, 10}},
        {"transit_stop", "railway", "station", {1, 3, 5, 10}},
        {"transit_stop", "railway", "halt", {1, 3, 5, 10}},
        {"transit_stop", "highway", "bus_stop", {1, 3, 5, 10}},
        {"transit_stop", "railway", "stop", {1, 3, 5, 10}},
        {"transit_stop", "railway", "tram_stop", {1, 3, 5, 10}},
    };
    return tags;
}

std::vector<std::string> category_names(const std::vector<AmenityTag> &tags) {
    std::vector<std::string> names;
    for (const AmenityTag &t : tags)
        if (std::find(names.begin(), names.end(), t.category) == names.end()) names.push_back(t.category);
    return names;
}

std::vector<double> category_radii_km(const std::vector<AmenityTag> &tags, const std::string &category) {
    std::vector<double> radii;
    for (const AmenityTag &t : tags)
        if (t.category == category) radii.insert(radii.end(), t.radii_km.begin(), t.radii_km.end());
    std::sort(radii.begin(), radii.end());
    radii.erase(std::unique(radii.begin(), radii.end()), radii.end());
    return radii;
}

void validate_amenity_tags(const std::vector<AmenityTag> &tags) {
    for (std::size_t i = 0; i < tags.size(); ++i) {
        const AmenityTag &t = tags[i];
        if (t.category.empty()) bad_row(i, "category must be a non-empty text");
        if (t.key.empty()) bad_row(i, "key must be a non-empty text");
        if (t.value.empty()) bad_row(i, "value must be a non-empty text");
        if (t.radii_km.empty()) bad_row(i, "radii_km must list at least one radius");
        for (double r : t.radii_km)
            if (!std::isfinite(r) || r <= 0.0 || r > kMaxRadiusKm)
                bad_row(i, "radii_km must be numbers above 0 and at most 50 km, got " + shortest(r));
    }
}

std::vector<AmenityTag> amenity_tags_from_json(const json &rows) {
    if (!rows.is_array())
        throw Error("22023", std::string("amenity categories: expected a JSON array of rows, got ") + rows.type_name());
    std::vector<AmenityTag> tags;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const json &row = rows[i];
        if (!row.is_object()) bad_row(i, "must be an object");
        auto text = [&](std::initializer_list<const char *> keys) -> std::string {
            for (const char *key : keys) {
                auto it = row.find(key);
                if (it == row.end() || it->is_null()) continue;
                if (!it->is_string()) bad_row(i, std::string(key) + " must be a text");
                return it->get<std::string>();
            }
            return "";
        };
        AmenityTag t;
        t.category = text({"category", "amenity_type"});
        t.key = text({"key"});
        t.value = text({"value"});
        auto radii = row.find("radii_km");
        if (radii == row.end() || !radii->is_array()) bad_row(i, "radii_km must be an array of numbers");
        for (const json &r : *radii) {
            if (!r.is_number()) bad_row(i, "radii_km must be an array of numbers, got " + r.dump());
            t.radii_km.push_back(r.get<double>());
        }
        tags.push_back(std::move(t));
    }
    validate_amenity_tags(tags);
    return tags;
}

json to_json(const std::vector<AmenityTag> &tags) {
    json rows = json::array();
    for (const AmenityTag &t : tags)
        rows.push_back({{"category", t.category}, {"key", t.key}, {"value", t.value}, {"radii_km", t.radii_km}});
    return rows;
}

}  // namespace realmap::amenities

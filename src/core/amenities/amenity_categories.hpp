// Amenity categories as data: which OSM tags make a POI a member of a category, and at
// which radii the category is counted.  The SQL layer keeps them in a table; the
// default set is the original's (original-pipeline.md §3.9): 12 categories, 25 tags,
// 35 (category, radius) slices.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace realmap::amenities {

// One tag of a category: a POI whose tag `key` equals `value` belongs to `category`.
// A category with several tags has one row per tag; its radii are the union of its
// rows' radii.
struct AmenityTag {
    std::string category;
    std::string key;
    std::string value;
    std::vector<double> radii_km;
};

const std::vector<AmenityTag> &default_amenity_tags();

// The categories in first-appearance order.
std::vector<std::string> category_names(const std::vector<AmenityTag> &tags);
// A category's radii: the union over its rows, ascending, without repeats.
std::vector<double> category_radii_km(const std::vector<AmenityTag> &tags, const std::string &category);

// Rows [{category|amenity_type, key, value, radii_km: [..]}] (the SQL table as jsonb).
// Bad rows (missing text, no radius, a radius <= 0 or above 50 km) raise realmap::Error
// 22023 naming the row and the field.
std::vector<AmenityTag> amenity_tags_from_json(const nlohmann::json &rows);
nlohmann::json to_json(const std::vector<AmenityTag> &tags);

// The checks of amenity_tags_from_json, for tags built in C++.
void validate_amenity_tags(const std::vector<AmenityTag> &tags);

}  // namespace realmap::amenities

// The Overpass query for one project: ONE request for all categories (the original sent
// one per category, 12 per project), as a union of one statement per tag:
//
//   [out:json][timeout:60];(nwr["amenity"="school"](around:5000,21.2380912,81.6336993);
//   nwr["amenity"="college"](around:8000,21.2380912,81.6336993);...);out center;
//
// Each statement's radius is the largest radius of its category (metres, rounded up),
// so no POI a slice needs is missing and no category drags in POIs far beyond its own
// slices (restaurants 10 km around a Raipur project would be thousands).  With
// one_radius_for_all the largest radius of all categories is used for every statement.
// A tag used by several categories gets one statement at the largest of their radii.
// `out center;` gives ways and relations a center point; [timeout:N] bounds the
// server's work (the original set none, and Overpass's default is 180 s).
// Coordinates are written with 7 decimals (about 1 cm), independent of the C locale.
#pragma once

#include <string>
#include <vector>

#include "core/amenities/amenity_categories.hpp"

namespace realmap::amenities {

inline constexpr const char *kOverpassUrl = "https://overpass-api.de/api/interpreter";

struct OverpassQueryOptions {
    int timeout_s = 60;               // 1..3600
    bool one_radius_for_all = false;
};

// realmap::Error 22023 for invalid coordinates, tags or timeout.
std::string overpass_query(double lat, double lon, const std::vector<AmenityTag> &tags,
                           const OverpassQueryOptions &options = {});

// The query for the default categories.
std::string overpass_query(double lat, double lon);

// Metres for an around: filter: ceil(radius_km * 1000), at least 1 (a hair of binary
// error is forgiven: 1.1 km is 1100 m, not 1101).
long long around_metres(double radius_km);

// A key or value as an Overpass QL string literal: "..." with \ and " escaped.
std::string overpass_string(const std::string &text);

}  // namespace realmap::amenities

#include "core/geo/geocode_candidates.hpp"

#include <algorithm>
#include <initializer_list>

namespace realmap::geo {

namespace {

std::string join_unique(std::initializer_list<const std::string *> parts) {
    std::string out;
    std::vector<std::string> keys;
    for (const std::string *part : parts) {
        if (part->empty()) continue;
        std::string key = address_key(*part);
        if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
        keys.push_back(key);
        out += (out.empty() ? "" : ", ") + *part;
    }
    return out;
}

}  // namespace

const char *geocode_level_name(GeocodeLevel level) {
    switch (level) {
    case GeocodeLevel::Address: return "address";
    case GeocodeLevel::Locality: return "locality";
    case GeocodeLevel::Tehsil: return "tehsil";
    case GeocodeLevel::District: return "district";
    }
    return "district";
}

GeocodeLevel geocode_level_from_name(const std::string &name) {
    if (name == "address") return GeocodeLevel::Address;
    if (name == "locality") return GeocodeLevel::Locality;
    if (name == "tehsil") return GeocodeLevel::Tehsil;
    return GeocodeLevel::District;
}

Precision precision_limit(GeocodeLevel level) {
    switch (level) {
    case GeocodeLevel::Address: return Precision::House;
    case GeocodeLevel::Locality: return Precision::Suburb;
    case GeocodeLevel::Tehsil: return Precision::Tehsil;
    case GeocodeLevel::District: return Precision::District;
    }
    return Precision::District;
}

std::vector<GeocodeCandidate> geocode_candidates(const NormalizedAddress &a) {
    std::vector<GeocodeCandidate> out;
    std::vector<std::string> keys;
    auto add = [&](bool wanted, GeocodeLevel level, std::string query) {
        if (!wanted) return;
        std::string key = address_key(query);
        if (std::find(keys.begin(), keys.end(), key) != keys.end()) return;
        keys.push_back(key);
        out.push_back({std::move(query), level});
    };
    // The locality is left out of the address-level query when the line already names it.
    static const std::string none;
    bool line_names_locality = address_key(a.address_line).find(address_key(a.locality)) != std::string::npos;
    const std::string &locality_part = line_names_locality ? none : a.locality;
    add(!a.address_line.empty(), GeocodeLevel::Address,
        join_unique({&a.address_line, &locality_part, &a.tehsil, &a.district, &a.state, &a.pincode, &a.country}));
    add(!a.locality.empty(), GeocodeLevel::Locality,
        join_unique({&a.locality, &a.tehsil, &a.district, &a.state, &a.country}));
    add(!a.tehsil.empty(), GeocodeLevel::Tehsil, join_unique({&a.tehsil, &a.district, &a.state, &a.country}));
    add(!a.district.empty(), GeocodeLevel::District, join_unique({&a.district, &a.state, &a.country}));
    return out;
}

std::vector<GeocodeCandidate> geocode_candidates(const AddressParts &parts) {
    return geocode_candidates(normalize_address(parts));
}

}  // namespace realmap::geo

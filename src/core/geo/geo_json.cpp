#include "core/geo/geo_json.hpp"

#include <cstdint>
#include <initializer_list>

#include "core/error.hpp"
#include "core/geo/geocode_candidates.hpp"
#include "core/geo/nominatim_query.hpp"

namespace realmap::geo {

namespace {

using nlohmann::json;

std::string text(const json &parts, std::initializer_list<const char *> keys) {
    for (const char *key : keys) {
        auto it = parts.find(key);
        if (it == parts.end() || it->is_null()) continue;
        if (it->is_string()) return it->get<std::string>();
        if (std::string(key) == "pincode" && it->is_number_integer() && it->get<std::int64_t>() >= 0)
            return std::to_string(it->get<std::int64_t>());
        throw Error("22023", std::string("geocode candidates: ") + key + " must be a text or null, got " + it->dump());
    }
    return "";
}

}  // namespace

AddressParts address_parts_from_json(const json &parts) {
    if (!parts.is_object())
        throw Error("22023", std::string("geocode candidates: expected a JSON object of address parts, got ") +
                                 parts.type_name());
    AddressParts p;
    p.address = text(parts, {"address", "project_address", "full_address"});
    p.locality = text(parts, {"locality", "village_or_locality"});
    p.tehsil = text(parts, {"tehsil"});
    p.district = text(parts, {"district"});
    p.pincode = text(parts, {"pincode"});
    p.state = text(parts, {"state"});
    return p;
}

json to_json(const NormalizedAddress &a) {
    return {{"address_line", a.address_line}, {"locality", a.locality}, {"tehsil", a.tehsil},
            {"district", a.district},         {"state", a.state},       {"pincode", a.pincode},
            {"country", a.country},           {"full", a.full},         {"low_confidence", a.low_confidence}};
}

json geocode_candidates_json(const json &parts) {
    NormalizedAddress normalized = normalize_address(address_parts_from_json(parts));
    json candidates = json::array();
    for (const GeocodeCandidate &c : geocode_candidates(normalized)) {
        json params = json::object();
        for (const auto &[name, value] : nominatim_search_params(c.query)) params[name] = value;
        candidates.push_back({{"query", c.query}, {"level", geocode_level_name(c.level)}, {"url_params", params}});
    }
    return {{"normalized", to_json(normalized)}, {"candidates", candidates}};
}

}  // namespace realmap::geo

// Reading a Nominatim /search answer (format=json, addressdetails=1, limit=1): the JSON
// array whose first element is the place found; an empty array is a miss.
//
// Precision comes from the element's class, type, addresstype and place_rank, in that
// order of trust:
//   class "place": type house → house, city_block/suburb/neighbourhood/quarter/borough →
//       suburb, hamlet/isolated_dwelling/farm/locality/village → village, town, city
//       and municipality → city, county (a tahsil in India) → tehsil, state_district and
//       district → district, state/province/region, country
//   class "boundary": the same words applied to addresstype, else place_rank
//   class "highway" → street, "building" → building
//   amenity, shop, tourism, leisure, office, healthcare, craft, historic, man_made,
//       emergency, railway, aeroway, public_transport, natural, waterway → poi (a named
//       feature: "agrwal hospital, mungeli" for the query "MUNGELI, Mungeli, ...")
//   anything else: addresstype, else place_rank (≤4 country, ≤9 state, ≤12 district,
//       ≤16 city, ≤18 town, 19 village, ≤25 suburb, ≤27 street, else house)
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/geo/geo_precision.hpp"
#include "core/geo/geocode_candidates.hpp"

namespace realmap::geo {

struct NominatimPlace {
    double lat = 0.0;
    double lon = 0.0;
    Precision precision = Precision::Unknown;
    std::string display_name;
    std::optional<double> importance;
    std::string osm_class;    // "class" ("category" in format=jsonv2)
    std::string osm_type;     // "type", e.g. "city", "hospital"
    std::string addresstype;
    std::optional<int> place_rank;
    std::string district;     // address.state_district (or address.district)
    std::string state;        // address.state
};

// The place of an answer body, nullopt for a miss ("[]").  A body that is not JSON, a
// Nominatim error object ({"error": ...}) or an element without usable lat/lon raises
// realmap::Error 08P01 (protocol violation: the service answered something else than a
// search result; worth a retry, unlike a miss).
std::optional<NominatimPlace> parse_nominatim_answer(const std::string &body);
std::optional<NominatimPlace> parse_nominatim_answer(const nlohmann::json &answer);

Precision nominatim_precision(const std::string &osm_class, const std::string &type, const std::string &addresstype,
                              std::optional<int> place_rank);

// Why an answer cannot be what a query of this level asked for, or "" when it can be:
//  * a named feature (poi) answering a locality/tehsil/district query: the geocoder
//    matched words of some feature's address, not the place (the MUNGELI hospital);
//  * an answer coarser than a district (state, country);
//  * an answer in another district than expected_district (when both are known;
//    compared by address_key, one containing the other counts as the same).
// The geocoding stage tries the next candidate when this is not empty.
std::string implausible_answer_reason(const NominatimPlace &place, GeocodeLevel level,
                                      const std::string &expected_district = {});

nlohmann::json to_json(const NominatimPlace &place);

}  // namespace realmap::geo

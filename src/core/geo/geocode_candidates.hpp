// The geocoding fallback candidates: from the full address down to district level, tried
// in order until the geocoder answers (original-pipeline.md §3.8, fixed).
//
//   address   cleaned line, locality, tehsil, district, state, PIN, India
//   locality  locality, tehsil, district, state, India
//   tehsil    tehsil, district, state, India
//   district  district, state, India
//
// Fixes against the original:
//  * the line is cleaned first (address_normalize.hpp), and a locality is found in it
//    ("Village X"), so the locality level exists (the original's was always empty);
//  * a component that repeats an earlier one is left out: "Raipur, Raipur,
//    Chhattisgarh, India" becomes "Raipur, Chhattisgarh, India".  The original's
//    repeat made Nominatim match "MUNGELI, Mungeli, ..." to "agrwal hospital, mungeli"
//    (an address with Mungeli twice) instead of the town;
//  * the PIN goes only into the address-level query: a PIN the geocoder does not know
//    makes a query fail, and the coarser levels are the fallbacks for exactly that;
//  * no state-level candidate: a position "somewhere in Chhattisgarh" is no position.
// Candidates are unique (compared by address_key of the whole query); a level whose
// component is missing is skipped.  No district and no tehsil gives at most the
// address and locality levels.
#pragma once

#include <string>
#include <vector>

#include "core/geo/address_normalize.hpp"
#include "core/geo/geo_precision.hpp"

namespace realmap::geo {

enum class GeocodeLevel { Address, Locality, Tehsil, District };

// "address", "locality", "tehsil", "district".
const char *geocode_level_name(GeocodeLevel level);
// Unknown names give District (the coarsest).
GeocodeLevel geocode_level_from_name(const std::string &name);

// The finest precision an answer to a query of this level can honestly claim: a query
// that names only a tehsil locates the project somewhere in that tehsil, even when the
// geocoder answers with the point of the tehsil's head town.
//   address → House (no limit), locality → Suburb, tehsil → Tehsil, district → District
Precision precision_limit(GeocodeLevel level);

struct GeocodeCandidate {
    std::string query;
    GeocodeLevel level;
};

std::vector<GeocodeCandidate> geocode_candidates(const NormalizedAddress &address);
std::vector<GeocodeCandidate> geocode_candidates(const AddressParts &parts);

}  // namespace realmap::geo

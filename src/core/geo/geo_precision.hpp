// How precise a position is, finest first.  Used for geocoder answers (from Nominatim's
// class/type/addresstype/place_rank) and for ranking candidate positions.
#pragma once

#include <string>

namespace realmap::geo {

enum class Precision {
    Site,      // the project's own site: a RERA pin or on-site amenity marker, a manual pin
    House,     // an address point or house
    Building,  // a building outline
    Poi,       // a named feature (amenity, shop, ...): a point, but maybe not the place asked for
    Street,
    Suburb,    // suburb, neighbourhood, quarter (a locality of a town)
    Village,   // village, hamlet
    Town,
    City,
    Tehsil,    // a tahsil (Nominatim's "county" in India)
    District,
    State,
    Country,
    Unknown,
};

// "site", "house", ..., "unknown".
const char *precision_name(Precision precision);
// The inverse of precision_name; Unknown for anything else.
Precision precision_from_name(const std::string &name);

// The coarser (less precise) of two precisions.
Precision coarser(Precision a, Precision b);
// True when a is strictly finer than b.
bool finer_than(Precision a, Precision b);

}  // namespace realmap::geo

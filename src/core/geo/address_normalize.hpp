// Address normalisation for geocoding: RERA addresses as typed by promoters, turned into
// components a geocoder can match.
//
// The original (original-pipeline.md §3.8) only replaced commas, collapsed whitespace
// and rewrote "Tah X"/"Dist X" to "Tehsil X"/"District X", then sent the whole address
// line to Nominatim.  Real lines look like
//   "District Raipur  Tehsil Raipur  Villege  Sakari  Patwari Halka  75"
//   "VILLAGE   MARKEL P H NO  024  TAHSIL   DIVISION   JAGDALPUR BASTAR  C G   494001"
// and Nominatim needs every word of a query to match something, so such lines never
// resolve and the original fell back to tehsil level.  realmap cleans the line:
//   * Devanagari words are dropped when the line also has Latin words (the simulator's
//     and the portal's Hindi is a repeat of the district, e.g. "रायपुर (छ.ग.)");
//   * state and country mentions ("C G", "C.G.", "Chhattisgarh", "India") are dropped;
//   * a 6-digit PIN (and a "Pin"/"Pin Code" before it) is dropped from the line and
//     becomes the pincode if none is given;
//   * numbers go, with the words that introduce them ("Ward No 52", "P H No 024",
//     "Patwari Halka 75", "Kh No 841", "Plot n B 69", "Sector 30");
//   * "Tehsil/Tahsil/Tah X" and "District/Distt/Dist X" mentions go (the tehsil and
//     district are components of their own), unless the marker names a street or
//     office ("Tahsil Road");
//   * "Village/Vill/Villege/Mauza/Gram X" marks the locality: X becomes the locality
//     when none is given (the original's village_or_locality was always NULL);
//   * trailing repeats of the tehsil or district name go ("Deopuri Raipur" with district
//     Raipur is "Deopuri"; "Naya Raipur" stays);
//   * "near", "opp.", "in front of", "part of", "at" go (Nominatim reads "near" as an
//     operator; "At" is the Indian "at/post" prefix);
// Tehsil and district values lose their "Tahsil"/"Dist." prefixes (not rewritten to
// "Tehsil X": the bare name is what OSM's place nodes carry).  Components written in
// one case only ("RAIPUR", "sakari") are title-cased; mixed case is kept.
#pragma once

#include <string>

namespace realmap::geo {

// What the project's data says (any part may be empty).
struct AddressParts {
    std::string address;   // the address line (projects.full_address)
    std::string locality;  // village_or_locality
    std::string tehsil;
    std::string district;
    std::string pincode;
    std::string state;     // "" or "CG" mean Chhattisgarh
};

struct NormalizedAddress {
    std::string address_line;  // the cleaned line; "" when nothing specific is left
    std::string locality;
    std::string tehsil;
    std::string district;
    std::string state;
    std::string pincode;       // 6 digits or ""
    std::string country;       // "India"
    // All components joined with ", ", repeats left out (projects.normalized_address).
    std::string full;
    // No district, or none of address line / locality / tehsil: at best a district-level
    // position (the original's is_low_confidence, without its "fewer than 3 components"
    // clause, which state and country made redundant).
    bool low_confidence = true;
};

NormalizedAddress normalize_address(const AddressParts &parts);

// Commas, semicolons and every kind of whitespace (U+00A0 too) to one space, trimmed.
std::string clean_component(const std::string &text);
// "Tahsil Arang", "Tah. Arang", "Arang Tehsil" → "Arang".
std::string strip_tehsil_marker(const std::string &tehsil);
// "Dist. Raipur", "District Raipur", "Raipur District", "Zila Raipur" → "Raipur".
std::string strip_district_marker(const std::string &district);
// Lower-case ASCII letters and digits only: the key under which two spellings of a
// component are the same ("Janjgir-Champa" == "JANJGIR CHAMPA").  Other bytes (UTF-8)
// are kept as they are.
std::string address_key(const std::string &text);

}  // namespace realmap::geo

#include "core/scoring/onsite_amenity_score.hpp"

#include <algorithm>
#include <set>

namespace realmap::scoring {

namespace {

// " word word " for matching whole words: letters and digits kept (ASCII lower-cased),
// every other byte a separator.  Devanagari bytes (>= 0x80) are kept, so a Hindi text is
// one opaque word and simply unrecognised.
std::string padded_words(const std::string &text) {
    std::string out = " ";
    for (unsigned char c : text) {
        bool word_byte = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
        if (c >= 'A' && c <= 'Z') {
            out += static_cast<char>(c - 'A' + 'a');
        } else if (word_byte) {
            out += static_cast<char>(c);
        } else if (out.back() != ' ') {
            out += ' ';
        }
    }
    if (out.back() != ' ') out += ' ';
    return out;
}

bool has_phrase(const std::string &padded, const char *phrase) {
    return padded.find(" " + std::string(phrase) + " ") != std::string::npos;
}

}  // namespace

const std::vector<OnsiteAmenityKind> &onsite_amenity_kinds() {
    static const std::vector<OnsiteAmenityKind> kinds{
        {"internal_roads", 8, {"road", "roads", "footpath", "footpaths", "pathway", "pathways"}},
        {"water_supply", 8, {"water supply", "drinking water", "overhead tank", "water tank"}},
        {"sewerage", 8, {"sewerage", "sewage", "sullage", "sewer", "stp"}},
        {"storm_water_drainage", 6, {"storm water", "stormwater", "drain", "drains", "drainage"}},
        {"street_lighting", 6, {"street light", "street lights", "street lighting", "lighting"}},
        {"electrical", 6, {"electric", "electrical", "electricity", "electrification", "sub station",
                           "substation", "transformer", "power supply", "power backup"}},
        {"boundary_wall", 5, {"boundary wall", "compound wall", "boundary"}},
        {"security", 5, {"security", "cctv", "guard", "gated"}},
        {"fire_safety", 5, {"fire"}},
        {"landscaping", 5, {"landscaping", "landscape", "tree planting", "tree plantation", "plantation"}},
        {"rain_water_harvesting", 5, {"rain water", "rainwater", "water conservation", "harvesting"}},
        {"solid_waste", 4, {"solid waste", "waste management", "garbage"}},
        {"energy", 4, {"energy", "solar"}},
        {"club_house", 6, {"club house", "clubhouse", "club", "community building", "community buildings",
                           "community hall", "community centre", "community center", "multipurpose hall"}},
        {"swimming_pool", 5, {"swimming pool", "swimming", "pool"}},
        {"gym", 4, {"gym", "gymnasium", "fitness"}},
        {"park_playground", 4, {"park", "garden", "playground", "play area", "children play", "jogging track",
                                "open space"}},
        {"place_of_worship", 3, {"worship", "temple", "mandir"}},
        {"parking", 3, {"parking"}},
    };
    return kinds;
}

std::vector<std::string> classify_onsite_amenity(const std::string &particulars) {
    std::string padded = padded_words(particulars);
    std::vector<std::string> kinds;
    for (const OnsiteAmenityKind &kind : onsite_amenity_kinds())
        if (std::any_of(kind.phrases.begin(), kind.phrases.end(),
                        [&](const char *phrase) { return has_phrase(padded, phrase); }))
            kinds.emplace_back(kind.name);
    return kinds;
}

OnsiteAmenityScore score_onsite_amenities(const std::vector<std::string> &particulars) {
    std::set<std::string> declared;
    OnsiteAmenityScore result;
    std::set<std::string> unrecognised_seen;
    for (const std::string &text : particulars) {
        std::vector<std::string> kinds = classify_onsite_amenity(text);
        if (kinds.empty() && unrecognised_seen.insert(padded_words(text)).second)
            result.unrecognised.push_back(text);
        declared.insert(kinds.begin(), kinds.end());
    }
    for (const OnsiteAmenityKind &kind : onsite_amenity_kinds()) {
        if (declared.count(kind.name) == 0) continue;
        result.kinds.emplace_back(kind.name);
        result.score += kind.weight;
    }
    return result;
}

}  // namespace realmap::scoring

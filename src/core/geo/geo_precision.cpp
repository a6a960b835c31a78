#include "core/geo/geo_precision.hpp"

#include <array>

namespace realmap::geo {

namespace {
constexpr std::array<const char *, 14> kNames{"site",    "house", "building", "poi",    "street",
                                              "suburb",  "village", "town",   "city",   "tehsil",
                                              "district", "state", "country",  "unknown"};
}  // namespace

const char *precision_name(Precision precision) { return kNames[static_cast<std::size_t>(precision)]; }

Precision precision_from_name(const std::string &name) {
    for (std::size_t i = 0; i < kNames.size(); ++i)
        if (name == kNames[i]) return static_cast<Precision>(i);
    return Precision::Unknown;
}

Precision coarser(Precision a, Precision b) { return static_cast<int>(a) >= static_cast<int>(b) ? a : b; }

bool finer_than(Precision a, Precision b) { return static_cast<int>(a) < static_cast<int>(b); }

}  // namespace realmap::geo

// The map payload's "location" ("<lat>|<lon>") read, placeholders recognised.
#pragma once

#include <optional>
#include <string_view>

#include "core/listing/listing_page.hpp"

namespace realmap::listing {

struct MapPosition {
    PositionIssue issue = PositionIssue::kEmpty;
    std::optional<double> latitude;   // set only when issue == kNone
    std::optional<double> longitude;
};

// Classifies a raw location.  Rules, in order: "" -> empty; no '|' -> lone_zero when
// it reads as 0, else unparseable; more than one '|' or a side that is not a plain
// decimal number (or not finite) -> unparseable; a side exactly 0 -> zero; |lat| > 90 or
// |lon| > 180 -> out_of_range; |lat - lon| < 1 degree -> lat_repeated (no place where
// the portal operates has latitude and longitude that close: it is the latitude typed
// twice); otherwise a position.  No region check here: that is geocoding's job.
MapPosition classify_position(std::string_view raw);

// A decimal number in C-locale form ("21.28", "-0.5", "+81"), the whole text or
// nothing; surrounding ASCII whitespace allowed.
std::optional<double> parse_decimal(std::string_view text);

}  // namespace realmap::listing

// The date spellings the portal uses, as ISO 8601 (YYYY-MM-DD).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace realmap::listing {

// "16 Feb 2018" (the grid), "16-Feb-2018", "16 February 2018", "16/02/2018",
// "16-02-2018", "16.02.2018" (day first, as everywhere in India) and "2018-02-16".
// Surrounding whitespace is ignored.  nullopt for "", "-", "NA" and anything that is
// not a real calendar date (31 Feb).
std::optional<std::string> portal_date_to_iso(std::string_view text);

}  // namespace realmap::listing

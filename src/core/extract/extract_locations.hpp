// Coordinates in the page's Google Maps embeds:
// <iframe src="https://www.google.com/maps/embed?pb=...!2d<lon>!3d<lat>...">.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/extract/extract_page_index.hpp"

namespace realmap::extract {

struct EmbedPosition {
    std::string latitude_text, longitude_text;  // as written
    std::optional<double> latitude, longitude;  // when they read as numbers
};

// The position in a maps URL: "!2d<lon>!3d<lat>" (note the order: 2d is the
// longitude), else "!3d<lat>...!2d<lon>", else "q=" / "ll=" / "center=" "<lat>,<lon>",
// else "@<lat>,<lon>".  nullopt when the URL holds none.
std::optional<EmbedPosition> maps_url_position(std::string_view url);

// [{"src", "section", "latitude_text", "longitude_text", "latitude", "longitude"}] for
// every iframe showing Google Maps.  Placeholders (0, broken pairs) are kept as
// written: judging them is the mapper's job (the listing's rules apply).
nlohmann::json read_map_iframes(const PageIndex &index);

}  // namespace realmap::extract

#include "core/extract/extract_locations.hpp"

#include "core/html/html_text.hpp"
#include "core/html/url_resolve.hpp"
#include "core/listing/listing_position.hpp"

namespace realmap::extract {

namespace {

bool is_number_char(char c) { return (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'; }

// The number right after `marker` (first occurrence at or after `from`); sets *end.
std::optional<std::string> number_after(std::string_view s, std::string_view marker, std::size_t from,
                                        std::size_t *at = nullptr, std::size_t *end = nullptr) {
    std::size_t i = s.find(marker, from);
    if (i == std::string_view::npos) return std::nullopt;
    std::size_t j = i + marker.size(), k = j;
    while (k < s.size() && is_number_char(s[k])) ++k;
    if (k == j) return std::nullopt;
    if (at) *at = i;
    if (end) *end = k;
    return std::string(s.substr(j, k - j));
}

EmbedPosition make(std::string lat, std::string lon) {
    EmbedPosition p;
    p.latitude_text = std::move(lat);
    p.longitude_text = std::move(lon);
    p.latitude = listing::parse_decimal(p.latitude_text);
    p.longitude = listing::parse_decimal(p.longitude_text);
    return p;
}

std::optional<EmbedPosition> pair_in(std::string_view text) {
    std::size_t comma = text.find(',');
    if (comma == std::string_view::npos) return std::nullopt;
    std::string_view a = html::trim_ascii(text.substr(0, comma)), b = html::trim_ascii(text.substr(comma + 1));
    std::size_t k = 0;
    while (k < b.size() && is_number_char(b[k])) ++k;
    b = b.substr(0, k);
    if (a.empty() || b.empty() || !listing::parse_decimal(a) || !listing::parse_decimal(b)) return std::nullopt;
    return make(std::string(a), std::string(b));
}

}  // namespace

std::optional<EmbedPosition> maps_url_position(std::string_view url) {
    // "!2d<lon>!3d<lat>" adjacent, as the embed API writes it
    std::size_t from = 0, at = 0, end = 0;
    while (auto lon = number_after(url, "!2d", from, &at, &end)) {
        if (url.substr(end, 3) == "!3d")
            if (auto lat = number_after(url, "!3d", end)) return make(*lat, *lon);
        from = at + 3;
    }
    std::size_t lat_end = 0;
    if (auto lat = number_after(url, "!3d", 0, nullptr, &lat_end))
        if (auto lon = number_after(url, "!2d", lat_end)) return make(*lat, *lon);
    for (const char *param : {"q", "ll", "center"}) {
        bool found = false;
        std::string v = html::query_parameter(url, param, &found);
        if (found)
            if (auto p = pair_in(v)) return p;
    }
    std::size_t atsign = url.find('@');
    if (atsign != std::string_view::npos)
        if (auto p = pair_in(url.substr(atsign + 1))) return p;
    return std::nullopt;
}

nlohmann::json read_map_iframes(const PageIndex &index) {
    nlohmann::json out = nlohmann::json::array();
    for (const Placed &p : index.iframes) {
        std::string src(html::trim_ascii(p.node.attr_or("src")));
        if (html::ifind_ascii(src, "google.com/maps") == std::string::npos &&
            html::ifind_ascii(src, "maps.google.") == std::string::npos)
            continue;
        nlohmann::json j = {{"src", src}, {"section", p.section}, {"latitude_text", nullptr},
                            {"longitude_text", nullptr}, {"latitude", nullptr}, {"longitude", nullptr}};
        if (auto pos = maps_url_position(src)) {
            j["latitude_text"] = pos->latitude_text;
            j["longitude_text"] = pos->longitude_text;
            if (pos->latitude) j["latitude"] = *pos->latitude;
            if (pos->longitude) j["longitude"] = *pos->longitude;
        }
        out.push_back(std::move(j));
    }
    return out;
}

}  // namespace realmap::extract

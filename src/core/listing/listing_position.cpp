#include "core/listing/listing_position.hpp"

#include <charconv>
#include <cmath>

#include "core/html/html_text.hpp"

namespace realmap::listing {

std::optional<double> parse_decimal(std::string_view text) {
    text = html::trim_ascii(text);
    if (!text.empty() && text[0] == '+') text.remove_prefix(1);
    if (text.empty()) return std::nullopt;
    // from_chars, not strtod: no locale (a backend may run with any LC_NUMERIC), and
    // no "nan"/"inf"/hex spellings sneaking in as numbers.
    for (char c : text)
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == 'e' || c == 'E')) return std::nullopt;
    double v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

MapPosition classify_position(std::string_view raw) {
    MapPosition p;
    std::string_view s = html::trim_ascii(raw);
    if (s.empty()) {
        p.issue = PositionIssue::kEmpty;
        return p;
    }
    std::size_t bar = s.find('|');
    if (bar == std::string_view::npos) {
        auto v = parse_decimal(s);
        p.issue = (v && *v == 0.0) ? PositionIssue::kLoneZero : PositionIssue::kUnparseable;
        return p;
    }
    if (s.find('|', bar + 1) != std::string_view::npos) {
        p.issue = PositionIssue::kUnparseable;
        return p;
    }
    auto lat = parse_decimal(s.substr(0, bar));
    auto lon = parse_decimal(s.substr(bar + 1));
    if (!lat || !lon) {
        p.issue = PositionIssue::kUnparseable;
        return p;
    }
    if (*lat == 0.0 || *lon == 0.0) {
        p.issue = PositionIssue::kZero;
        return p;
    }
    if (std::fabs(*lat) > 90.0 || std::fabs(*lon) > 180.0) {
        p.issue = PositionIssue::kOutOfRange;
        return p;
    }
    if (std::fabs(*lat - *lon) < 1.0) {
        p.issue = PositionIssue::kLatRepeated;
        return p;
    }
    p.issue = PositionIssue::kNone;
    p.latitude = lat;
    p.longitude = lon;
    return p;
}

const char *position_issue_name(PositionIssue issue) {
    switch (issue) {
        case PositionIssue::kNone: return "";
        case PositionIssue::kNotInMap: return "not_in_map";
        case PositionIssue::kEmpty: return "empty";
        case PositionIssue::kZero: return "zero";
        case PositionIssue::kLoneZero: return "lone_zero";
        case PositionIssue::kLatRepeated: return "lat_repeated";
        case PositionIssue::kUnparseable: return "unparseable";
        case PositionIssue::kOutOfRange: return "out_of_range";
    }
    return "unparseable";
}

}  // namespace realmap::listing

#include "core/amenities/overpass_answer.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

namespace realmap::amenities {

namespace {

using nlohmann::json;

const char *sqlstate_for(OverpassErrorKind kind) {
    switch (kind) {
    case OverpassErrorKind::Timeout: return "57014";
    case OverpassErrorKind::QueryError: return "42601";
    case OverpassErrorKind::Malformed: return "08P01";
    case OverpassErrorKind::RateLimited:
    case OverpassErrorKind::RuntimeError: return "38000";
    }
    return "38000";
}

// ASCII only, never <cctype>: the server's LC_CTYPE may be a single-byte locale.
bool is_ascii_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

std::string lower(std::string text) {
    for (char &c : text)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return text;
}

bool contains(const std::string &haystack_lower, const char *needle) {
    return haystack_lower.find(needle) != std::string::npos;
}

OverpassErrorKind classify(const std::string &message) {
    std::string m = lower(message);
    if (contains(m, "rate_limited") || contains(m, "too many requests")) return OverpassErrorKind::RateLimited;
    if (contains(m, "timeout") || contains(m, "timed out")) return OverpassErrorKind::Timeout;
    if (contains(m, "parse error") || contains(m, "static error")) return OverpassErrorKind::QueryError;
    return OverpassErrorKind::RuntimeError;
}

// Text without tags and with the common entities decoded, whitespace collapsed.
std::string html_text(const std::string &html) {
    std::string out;
    bool in_tag = false;
    for (char c : html) {
        if (c == '<') in_tag = true;
        else if (c == '>') in_tag = false;
        else if (!in_tag) out += (is_ascii_space(c) ? ' ' : c);
    }
    static const std::pair<std::string, std::string> kEntities[] = {
        {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}};
    for (const auto &[entity, text] : kEntities)
        for (std::size_t at = out.find(entity); at != std::string::npos; at = out.find(entity, at + 1))
            out.replace(at, entity.size(), text);
    std::string collapsed;
    for (char c : out)
        if (!(c == ' ' && (collapsed.empty() || collapsed.back() == ' '))) collapsed += c;
    while (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
    return collapsed;
}

std::size_t first_non_space(const std::string &body) {
    std::size_t i = body.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
    while (i < body.size() && is_ascii_space(body[i])) ++i;
    return i;
}

OverpassErrorReport html_error(const std::string &body) {
    OverpassErrorReport report;
    report.is_error = true;
    // Every <strong style="color:#FF0000">Error</strong>: ... </p> of the page.
    const std::string marker = "color:#FF0000\">Error</strong>";
    std::string messages;
    for (std::size_t at = body.find(marker); at != std::string::npos; at = body.find(marker, at + 1)) {
        std::size_t start = at + marker.size();
        std::size_t end = body.find("</p>", start);
        std::string text = html_text(body.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (!text.empty() && text[0] == ':') text = text.substr(1);
        while (!text.empty() && text[0] == ' ') text.erase(0, 1);
        messages += (messages.empty() ? "" : "; ") + text;
    }
    if (messages.empty()) {
        report.kind = OverpassErrorKind::Malformed;
        report.message = "an HTML page instead of JSON: " + html_text(body).substr(0, 200);
    } else {
        report.kind = classify(messages);
        report.message = messages;
    }
    return report;
}

// Tag values must be texts; anything else is kept as its JSON text.
std::map<std::string, std::string> read_tags(const json &element) {
    std::map<std::string, std::string> tags;
    auto it = element.find("tags");
    if (it == element.end() || !it->is_object()) return tags;
    for (const auto &[key, value] : it->items()) tags[key] = value.is_string() ? value.get<std::string>() : value.dump();
    return tags;
}

bool read_position(const json &element, double &lat, double &lon) {
    const json *holder = &element;
    auto center = element.find("center");
    if (!(element.contains("lat") && element.contains("lon")) && center != element.end() && center->is_object())
        holder = &*center;
    auto la = holder->find("lat"), lo = holder->find("lon");
    if (la == holder->end() || lo == holder->end() || !la->is_number() || !lo->is_number()) return false;
    lat = la->get<double>();
    lon = lo->get<double>();
    return std::isfinite(lat) && std::isfinite(lon);
}

}  // namespace

const char *overpass_error_kind_name(OverpassErrorKind kind) {
    switch (kind) {
    case OverpassErrorKind::Timeout: return "timeout";
    case OverpassErrorKind::RateLimited: return "rate_limited";
    case OverpassErrorKind::RuntimeError: return "runtime_error";
    case OverpassErrorKind::QueryError: return "query_error";
    case OverpassErrorKind::Malformed: return "malformed";
    }
    return "malformed";
}

OverpassError::OverpassError(OverpassErrorKind kind, const std::string &server_message)
    : Error(sqlstate_for(kind), std::string("overpass: ") + overpass_error_kind_name(kind) + ": " + server_message),
      kind_(kind),
      server_message_(server_message) {}

OverpassErrorReport overpass_error_in(const std::string &body) {
    std::size_t start = first_non_space(body);
    if (start >= body.size()) return {true, OverpassErrorKind::Malformed, "an empty answer"};
    if (body[start] == '<') return html_error(body);
    json answer = json::parse(body.begin() + static_cast<std::ptrdiff_t>(start), body.end(), nullptr, false);
    if (answer.is_discarded())
        return {true, OverpassErrorKind::Malformed, "the answer is not JSON (truncated?), " + std::to_string(body.size()) + " bytes"};
    if (!answer.is_object() || !answer.contains("elements") || !answer["elements"].is_array())
        return {true, OverpassErrorKind::Malformed, "a JSON answer without an \"elements\" array"};
    auto remark = answer.find("remark");
    if (remark != answer.end() && remark->is_string()) {
        std::string text = remark->get<std::string>(), m = lower(text);
        if (contains(m, "runtime error") || contains(m, "timeout") || contains(m, "timed out"))
            return {true, classify(text), text};
    }
    return {};
}

OverpassResult parse_overpass_answer(const std::string &body, const std::vector<AmenityTag> &tags) {
    OverpassErrorReport report = overpass_error_in(body);
    if (report.is_error) throw OverpassError(report.kind, report.message);
    std::size_t start = first_non_space(body);
    json answer = json::parse(body.begin() + static_cast<std::ptrdiff_t>(start), body.end(), nullptr, false);

    OverpassResult result;
    std::set<std::pair<std::string, std::int64_t>> seen;
    for (const json &element : answer["elements"]) {
        if (!element.is_object()) {
            ++result.skipped_elements;
            continue;
        }
        Poi poi;
        auto type = element.find("type");
        auto id = element.find("id");
        if (type == element.end() || !type->is_string() || id == element.end() || !id->is_number_integer() ||
            !read_position(element, poi.lat, poi.lon)) {
            ++result.skipped_elements;
            continue;
        }
        poi.osm_type = type->get<std::string>();
        poi.osm_id = id->get<std::int64_t>();
        if (!seen.emplace(poi.osm_type, poi.osm_id).second) {
            ++result.duplicate_elements;
            continue;
        }
        poi.tags = read_tags(element);
        for (const AmenityTag &t : tags) {
            auto value = poi.tags.find(t.key);
            if (value != poi.tags.end() && value->second == t.value &&
                std::find(poi.categories.begin(), poi.categories.end(), t.category) == poi.categories.end())
                poi.categories.push_back(t.category);
        }
        result.pois.push_back(std::move(poi));
    }
    return result;
}

OverpassResult parse_overpass_answer(const std::string &body) {
    return parse_overpass_answer(body, default_amenity_tags());
}

json to_json(const std::vector<Poi> &pois) {
    json out = json::array();
    for (const Poi &p : pois) {
        auto name = p.tags.find("name");
        if (name == p.tags.end()) name = p.tags.find("operator");
        out.push_back({{"osm_type", p.osm_type},
                       {"osm_id", p.osm_id},
                       {"provider_place_id", p.osm_type + "/" + std::to_string(p.osm_id)},
                       {"lat", p.lat},
                       {"lon", p.lon},
                       {"name", name == p.tags.end() ? json(nullptr) : json(name->second)},
                       {"categories", p.categories},
                       {"tags", p.tags}});
    }
    return out;
}

json to_cache_json(const std::vector<Poi> &pois) {
    json out = json::array();
    for (const Poi &p : pois) {
        auto name = p.tags.find("name");
        out.push_back({{"osm_type", p.osm_type},
                       {"osm_id", p.osm_id},
                       {"lat", p.lat},
                       {"lon", p.lon},
                       {"name", name == p.tags.end() ? json(nullptr) : json(name->second)},
                       {"categories", p.categories}});
    }
    return out;
}

std::vector<Poi> pois_from_json(const json &pois) {
    if (!pois.is_array()) throw Error("22023", "POIs must be a JSON array, got " + std::string(pois.type_name()));
    std::vector<Poi> out;
    out.reserve(pois.size());
    for (std::size_t i = 0; i < pois.size(); i++) {
        const json &e = pois[i];
        auto bad = [i](const std::string &what) {
            return Error("22023", "pois[" + std::to_string(i) + "]: " + what);
        };
        if (!e.is_object()) throw bad("must be an object");
        Poi p;
        if (!e.contains("osm_type") || !e["osm_type"].is_string()) throw bad("osm_type must be a text");
        p.osm_type = e["osm_type"].get<std::string>();
        if (!e.contains("osm_id") || !e["osm_id"].is_number_integer()) throw bad("osm_id must be an integer");
        p.osm_id = e["osm_id"].get<std::int64_t>();
        for (const char *k : {"lat", "lon"})
            if (!e.contains(k) || !e[k].is_number() || !std::isfinite(e[k].get<double>()))
                throw bad(std::string(k) + " must be a finite number");
        p.lat = e["lat"].get<double>();
        p.lon = e["lon"].get<double>();
        if (!e.contains("categories") || !e["categories"].is_array()) throw bad("categories must be an array");
        for (const json &c : e["categories"]) {
            if (!c.is_string()) throw bad("categories must hold texts");
            p.categories.push_back(c.get<std::string>());
        }
        if (e.contains("tags") && e["tags"].is_object())
            for (auto it = e["tags"].begin(); it != e["tags"].end(); ++it)
                if (it.value().is_string()) p.tags[it.key()] = it.value().get<std::string>();
        if (e.contains("name") && e["name"].is_string() && !p.tags.count("name"))
            p.tags["name"] = e["name"].get<std::string>();
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace realmap::amenities

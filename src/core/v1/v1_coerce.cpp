// Coercion by the V1 schema's type, and the small helpers every part of the mapper uses.
#include <cmath>

#include "core/v1/v1_dates.hpp"
#include "core/v1/v1_map_state.hpp"
#include "core/v1/v1_numbers.hpp"
#include "core/v1/v1_text.hpp"

namespace realmap::v1 {

using nlohmann::json;

namespace {

std::string in_quotes(const std::string &text) {
    std::string t = text.size() > 80 ? text.substr(0, 77) + "..." : text;
    return "\"" + t + "\"";
}

bool same_value(const json &a, const json &b) {
    if (a.is_string() && b.is_string())
        return lower_ascii(clean_text(a.get<std::string>())) == lower_ascii(clean_text(b.get<std::string>()));
    if (a.is_number() && b.is_number()) {
        double x = a.get<double>(), y = b.get<double>();
        return std::fabs(x - y) <= 1e-9 * std::max(1.0, std::fabs(x));
    }
    return a == b;
}

std::string shown(const json &v) { return v.is_string() ? in_quotes(v.get<std::string>()) : v.dump(); }

}  // namespace

json number_json(double v) {
    if (std::floor(v) == v && std::fabs(v) < 9.0e15) return static_cast<long long>(v);
    return v;
}

json coerce_value(const std::string &text_in, V1Type type, const std::string &path, MapState &state) {
    std::string text = clean_text(text_in);
    if (is_blank_value(text)) return nullptr;
    switch (type) {
    case V1Type::Text:
        return text;
    case V1Type::Integer:
        if (auto v = parse_integer(text)) return *v;
        state.note(path + ": " + in_quotes(text) + " is not a whole number; left out");
        return nullptr;
    case V1Type::Number:
        if (auto v = parse_number(text, true)) return number_json(*v);
        state.note(path + ": " + in_quotes(text) + " is not a number; left out");
        return nullptr;
    case V1Type::Area: {
        std::string note;
        if (auto v = parse_area_sq_m(text, &note)) {
            if (!note.empty()) state.note(path + ": " + in_quotes(text) + ": " + note);
            return number_json(*v);
        }
        state.note(path + ": " + in_quotes(text) + " is not an area; left out");
        return nullptr;
    }
    case V1Type::Date:
        if (auto v = parse_date_iso(text)) return *v;
        state.note(path + ": " + in_quotes(text) + " is not a date; left out");
        return nullptr;
    }
    return nullptr;
}

void put_first(json &record, const std::string &key, const json &value, const std::string &path,
               const char *first_source, const char *second_source, MapState &state) {
    if (value.is_null()) return;
    auto it = record.find(key);
    if (it == record.end() || it->is_null()) {
        record[key] = value;
        return;
    }
    if (!same_value(*it, value))
        state.note(path + ": " + first_source + " says " + shown(*it) + ", " + second_source + " says " +
                   shown(value) + "; the " + first_source + "'s value is kept");
}

bool is_file_link(const std::string &href_in) {
    std::string href = clean_text(href_in);
    if (href.empty() || is_blank_value(href) || href == "#") return false;
    if (lower_ascii(href).rfind("javascript:", 0) == 0) return false;
    return href.back() != '/' && href.back() != '\\';
}

std::string str_of(const json &obj, const char *key) {
    if (!obj.is_object()) return {};
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_string()) return {};
    return it->get<std::string>();
}

}  // namespace realmap::v1

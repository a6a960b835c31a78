#include "core/extract/extract_value_type.hpp"

#include <string>

#include "core/html/html_text.hpp"
#include "core/listing/portal_date.hpp"

namespace realmap::extract {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// -?digits(,ddd)*(.digits)? or -?.digits
bool is_number(std::string_view s) {
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    std::size_t int_start = i;
    while (i < s.size() && (is_digit(s[i]) || s[i] == ',')) ++i;
    std::string_view int_part = s.substr(int_start, i - int_start);
    if (!int_part.empty() && (int_part.front() == ',' || int_part.back() == ',')) return false;
    bool frac = false;
    if (i < s.size() && s[i] == '.') {
        ++i;
        std::size_t f = i;
        while (i < s.size() && is_digit(s[i])) ++i;
        frac = i > f;
        if (!frac) return false;
    }
    return i == s.size() && (!int_part.empty() || frac);
}

// The first dd/mm/yyyy-like or yyyy-mm-dd-like token of s that is a real date.
bool holds_date(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (!is_digit(s[i]) || (i > 0 && is_digit(s[i - 1]))) continue;
        std::size_t j = i;
        while (j < s.size() && (is_digit(s[j]) || s[j] == '/' || s[j] == '-' || s[j] == '.')) ++j;
        std::string_view token = s.substr(i, j - i);
        while (!token.empty() && (token.back() == '.' || token.back() == '-' || token.back() == '/'))
            token.remove_suffix(1);
        if (token.size() >= 8 && token.size() <= 10 && listing::portal_date_to_iso(token)) return true;
        i = j;
    }
    return false;
}

}  // namespace

const char *guess_value_type(std::string_view value, bool has_links) {
    std::string_view v = html::trim_ascii(value);
    if (v.empty()) return "UNKNOWN";
    if (html::istarts_with_ascii(v, "http://") || html::istarts_with_ascii(v, "https://")) return "URL";
    if (is_number(v)) return "NUMBER";
    if (holds_date(v)) return "DATE";
    if (has_links) return "URL";
    return "TEXT";
}

}  // namespace realmap::extract

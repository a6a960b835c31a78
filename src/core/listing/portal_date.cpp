#include "core/listing/portal_date.hpp"

#include <array>

#include "core/html/html_text.hpp"

namespace realmap::listing {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads 1..max_digits digits at s[i]; advances i.  -1 when none.
int read_number(std::string_view s, std::size_t &i, std::size_t max_digits) {
    std::size_t start = i;
    int v = 0;
    while (i < s.size() && is_digit(s[i]) && i - start < max_digits) v = v * 10 + (s[i++] - '0');
    return i == start ? -1 : v;
}

int month_from_name(std::string_view name) {
    static const std::array<const char *, 12> names = {"january", "february", "march", "april",
                                                       "may", "june", "july", "august",
                                                       "september", "october", "november",
                                                       "december"};
    std::string lower = html::ascii_lower(name);
    if (lower == "sept") lower = "sep";
    for (std::size_t m = 0; m < names.size(); ++m) {
        std::string_view full = names[m];
        if (lower == full || (lower.size() == 3 && full.substr(0, 3) == lower)) return static_cast<int>(m) + 1;
    }
    return 0;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

std::optional<std::string> make(int y, int m, int d) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1) return std::nullopt;
    int limit = days[m - 1] + (m == 2 && leap(y) ? 1 : 0);
    if (d > limit) return std::nullopt;
    std::string iso = "0000-00-00";  // y, m, d are range-checked above
    auto put = [&](std::size_t at, int v, int width) {
        for (int k = width - 1; k >= 0; --k, v /= 10) iso[at + k] = static_cast<char>('0' + v % 10);
    };
    put(0, y, 4);
    put(5, m, 2);
    put(8, d, 2);
    return iso;
}

}  // namespace

std::optional<std::string> portal_date_to_iso(std::string_view text) {
    std::string collapsed = html::collapse_whitespace(text);
    std::string_view s = collapsed;
    if (s.empty() || s == "-" || html::iequals_ascii(s, "NA") || html::iequals_ascii(s, "N/A"))
        return std::nullopt;
    std::size_t i = 0;
    int first = read_number(s, i, 4);
    if (first < 0 || i >= s.size()) return std::nullopt;
    if (i == 4) {  // yyyy-mm-dd
        if (s[i] != '-') return std::nullopt;
        ++i;
        int m = read_number(s, i, 2);
        if (m < 0 || i >= s.size() || s[i] != '-') return std::nullopt;
        ++i;
        int d = read_number(s, i, 2);
        if (d < 0 || i != s.size()) return std::nullopt;
        return make(first, m, d);
    }
    if (i > 2) return std::nullopt;
    char sep = s[i];
    if (sep != ' ' && sep != '-' && sep != '/' && sep != '.') return std::nullopt;
    ++i;
    int month = 0;
    if (i < s.size() && is_digit(s[i])) {
        if (sep == ' ') return std::nullopt;
        month = read_number(s, i, 2);
    } else {
        std::size_t start = i;
        while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) ++i;
        month = month_from_name(s.substr(start, i - start));
        if (month == 0) return std::nullopt;
        if (i < s.size() && s[i] == ',') ++i;  // "16 Feb, 2018"
    }
    if (i >= s.size() || (s[i] != sep && !(sep == ' ' && s[i] == ' '))) return std::nullopt;
    ++i;
    std::size_t year_start = i;
    int year = read_number(s, i, 4);
    if (year < 0 || i != s.size() || i - year_start != 4) return std::nullopt;
    return make(year, month, first);
}

}  // namespace realmap::listing

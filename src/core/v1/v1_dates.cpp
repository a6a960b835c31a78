#include "core/v1/v1_dates.hpp"

#include <cctype>
#include <cstdio>

namespace realmap::v1 {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Reads min..max digits at i (not followed by another digit); advances i.
std::optional<int> read_digits(std::string_view t, std::size_t &i, std::size_t min, std::size_t max) {
    std::size_t j = i;
    int v = 0;
    while (j < t.size() && is_digit(t[j]) && j - i < max) v = v * 10 + (t[j++] - '0');
    std::size_t n = j - i;
    if (n < min || (j < t.size() && is_digit(t[j]))) return std::nullopt;
    i = j;
    return v;
}

std::optional<int> year_of(int y, std::size_t digits) {
    if (digits == 2) return y > 50 ? 1900 + y : 2000 + y;
    if (digits == 4 && y >= 1800 && y <= 2200) return y;
    return std::nullopt;
}

// "jan", "january", "sept" ... -> 1..12 (the letters at i, advancing i).
int read_month_name(std::string_view t, std::size_t &i) {
    static const char *const names[] = {"january", "february", "march",     "april",   "may",      "june",
                                        "july",    "august",   "september", "october", "november", "december"};
    std::size_t j = i;
    std::string word;
    while (j < t.size() && is_alpha(t[j])) word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(t[j++]))));
    if (word.size() < 3) return 0;
    for (int m = 0; m < 12; ++m) {
        std::string full = names[m];
        if (word == full || word == full.substr(0, 3) || (m == 8 && word == "sept")) {
            i = j;
            if (i < t.size() && t[i] == '.') ++i;  // "Feb."
            return m + 1;
        }
    }
    return 0;
}

void skip(std::string_view t, std::size_t &i, std::string_view chars) {
    while (i < t.size() && chars.find(t[i]) != std::string_view::npos) ++i;
}

std::optional<CivilDate> make(int y, int m, int d) {
    if (!valid_civil_date(y, m, d)) return std::nullopt;
    return CivilDate{y, m, d};
}

// A date in numbers starting at i (a digit not preceded by a digit).
std::optional<CivilDate> numeric_at(std::string_view t, std::size_t i) {
    std::size_t j = i;
    std::size_t start = j;
    auto a = read_digits(t, j, 1, 4);
    if (!a) return std::nullopt;
    std::size_t a_len = j - start;
    if (j >= t.size()) return std::nullopt;
    char sep = t[j];
    if (sep != '-' && sep != '/' && sep != '.') return std::nullopt;
    ++j;
    auto b = read_digits(t, j, 1, 2);
    if (!b || j >= t.size() || t[j] != sep) return std::nullopt;
    ++j;
    start = j;
    if (a_len == 4) {  // yyyy-mm-dd
        auto c = read_digits(t, j, 1, 2);
        if (!c) return std::nullopt;
        return make(*a, *b, *c);
    }
    if (a_len > 2) return std::nullopt;
    auto c = read_digits(t, j, 2, 4);
    if (!c) return std::nullopt;
    auto y = year_of(*c, j - start);
    if (!y) return std::nullopt;
    if (auto d = make(*y, *b, *a)) return d;          // dd/mm/yyyy
    if (sep == '/') return make(*y, *a, *b);          // mm/dd/yyyy, the original's last try
    return std::nullopt;
}

// "16 Feb 2018", "16-Feb-2018", "16 February, 2018" starting at i (a digit).
std::optional<CivilDate> day_month_name_at(std::string_view t, std::size_t i) {
    std::size_t j = i;
    auto d = read_digits(t, j, 1, 2);
    if (!d) return std::nullopt;
    skip(t, j, " -");
    if (j < t.size() && (t.substr(j, 2) == "st" || t.substr(j, 2) == "nd" || t.substr(j, 2) == "rd" ||
                         t.substr(j, 2) == "th"))
        j += 2, skip(t, j, " -");
    int m = read_month_name(t, j);
    if (m == 0) return std::nullopt;
    skip(t, j, " -,");
    std::size_t start = j;
    auto y = read_digits(t, j, 2, 4);
    if (!y) return std::nullopt;
    auto year = year_of(*y, j - start);
    if (!year) return std::nullopt;
    return make(*year, m, *d);
}

// "Feb 16, 2018" starting at i (a letter not preceded by a letter).
std::optional<CivilDate> month_name_day_at(std::string_view t, std::size_t i) {
    std::size_t j = i;
    int m = read_month_name(t, j);
    if (m == 0) return std::nullopt;
    skip(t, j, " ");
    auto d = read_digits(t, j, 1, 2);
    if (!d) return std::nullopt;
    skip(t, j, " ,");
    std::size_t start = j;
    auto y = read_digits(t, j, 4, 4);
    if (!y) return std::nullopt;
    auto year = year_of(*y, j - start);
    if (!year) return std::nullopt;
    return make(*year, m, *d);
}

}  // namespace

bool valid_civil_date(int year, int month, int day) {
    if (year < 1 || month < 1 || month > 12 || day < 1) return false;
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int max = days[month - 1] + (month == 2 && leap ? 1 : 0);
    return day <= max;
}

std::string iso_date(const CivilDate &d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year % 10000, d.month % 100, d.day % 100);
    return buf;
}

std::optional<std::string> parse_date_iso(std::string_view t) {
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (is_digit(t[i]) && (i == 0 || !is_digit(t[i - 1]))) {
            if (auto d = numeric_at(t, i)) return iso_date(*d);
            if (auto d = day_month_name_at(t, i)) return iso_date(*d);
        } else if (is_alpha(t[i]) && (i == 0 || !is_alpha(t[i - 1]))) {
            if (auto d = month_name_day_at(t, i)) return iso_date(*d);
        }
    }
    return std::nullopt;
}

std::optional<CivilDate> parse_iso_date(std::string_view t) {
    if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (!is_digit(t[i])) return std::nullopt;
    int y = (t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0');
    int m = (t[5] - '0') * 10 + (t[6] - '0');
    int d = (t[8] - '0') * 10 + (t[9] - '0');
    return make(y, m, d);
}

int quarter_of_month(int month) { return (month - 1) / 3 + 1; }

CivilDate quarter_start(int year, int quarter) { return CivilDate{year, (quarter - 1) * 3 + 1, 1}; }

CivilDate quarter_end(int year, int quarter) {
    int m = quarter * 3;
    return CivilDate{year, m, (m == 6 || m == 9) ? 30 : 31};
}

}  // namespace realmap::v1

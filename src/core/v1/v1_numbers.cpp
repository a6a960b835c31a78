#include "core/v1/v1_numbers.hpp"

#include <charconv>
#include <cmath>

#include "core/v1/v1_text.hpp"

namespace realmap::v1 {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::optional<double> to_double(const std::string &s) {
    double v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

// The unit after a number: its letters in lower case ASCII, up to a bracket, a
// separator or another number ("Sq.Mt." -> "sqmt", "m2" -> "m2", "Ha (approx)" -> "ha").
std::string unit_letters(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c >= 'A' && c <= 'Z') out.push_back(static_cast<char>(c - 'A' + 'a'));
        else if (c >= 'a' && c <= 'z') out.push_back(c);
        else if (c == '2' && !out.empty() && (out.back() == 'm' || out.back() == 't')) out.push_back(c);
        else if (is_digit(c) || c == '(' || c == '[' || c == ',' || c == ';' || c == '/') break;
    }
    return out;
}

// The first word of text's letters ("lakh only" -> "lakh").
std::string first_word(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size() && !((text[i] >= 'a' && text[i] <= 'z') || (text[i] >= 'A' && text[i] <= 'Z'))) {
        if (is_digit(text[i])) return {};
        ++i;
    }
    std::string w;
    while (i < text.size() && ((text[i] >= 'a' && text[i] <= 'z') || (text[i] >= 'A' && text[i] <= 'Z')))
        w.push_back(static_cast<char>(text[i] >= 'A' && text[i] <= 'Z' ? text[i] - 'A' + 'a' : text[i])), ++i;
    return w;
}

}  // namespace

std::optional<std::string> first_number_text(std::string_view t, std::string *rest) {
    for (std::size_t i = 0; i < t.size(); ++i) {
        bool starts = is_digit(t[i]) || (t[i] == '.' && i + 1 < t.size() && is_digit(t[i + 1]));
        if (!starts) continue;
        std::string out;
        if (i > 0 && t[i - 1] == '-' && (i < 2 || !is_digit(t[i - 2]))) out.push_back('-');
        std::size_t j = i;
        bool point = false;
        while (j < t.size()) {
            char c = t[j];
            if (is_digit(c)) {
                out.push_back(c);
            } else if (c == ',' && j + 1 < t.size() && is_digit(t[j + 1]) && !point && j > i) {
                // grouping comma
            } else if (c == '.' && !point && j + 1 < t.size() && is_digit(t[j + 1])) {
                point = true;
                out.push_back(c);
            } else {
                break;
            }
            ++j;
        }
        if (rest) *rest = std::string(t.substr(j));
        return out;
    }
    return std::nullopt;
}

double shift_decimal(const std::string &digits, int shift) {
    std::string s = digits;
    bool neg = !s.empty() && s[0] == '-';
    if (neg) s.erase(0, 1);
    std::size_t point = s.find('.');
    std::string intpart = point == std::string::npos ? s : s.substr(0, point);
    std::string frac = point == std::string::npos ? "" : s.substr(point + 1);
    while (shift > 0) {
        intpart.push_back(frac.empty() ? '0' : frac[0]);
        if (!frac.empty()) frac.erase(0, 1);
        --shift;
    }
    std::string joined = intpart + (frac.empty() ? "" : "." + frac);
    auto v = to_double(joined.empty() ? "0" : joined);
    double r = v ? *v : 0.0;
    return neg ? -r : r;
}

std::optional<double> parse_number(std::string_view text, bool multipliers) {
    std::string rest;
    auto digits = first_number_text(text, &rest);
    if (!digits) return std::nullopt;
    if (multipliers) {
        std::string w = first_word(rest);
        if (w == "lakh" || w == "lakhs" || w == "lac" || w == "lacs") return shift_decimal(*digits, 5);
        if (w == "crore" || w == "crores" || w == "cr") return shift_decimal(*digits, 7);
    }
    return to_double(*digits);
}

std::optional<long long> parse_integer(std::string_view text) {
    auto v = parse_number(text);
    if (!v || *v != std::floor(*v) || std::fabs(*v) > 9.0e15) return std::nullopt;
    return static_cast<long long>(*v);
}

std::optional<double> parse_area_sq_m(std::string_view text, std::string *unit_note) {
    std::string rest;
    auto digits = first_number_text(text, &rest);
    if (!digits) return std::nullopt;
    std::string unit = unit_letters(rest);
    if (unit == "ha" || unit == "hect" || unit == "hectare" || unit == "hectares" || unit == "hec" ||
        unit == "hectr" || unit == "hectre" || unit == "hectres")
        return shift_decimal(*digits, 4);
    auto v = to_double(*digits);
    if (!v) return std::nullopt;
    if (unit == "acre" || unit == "acres" || unit == "ac") return std::round(*v * 4046.8564224 * 1e4) / 1e4;
    if (unit == "sqft" || unit == "sqfeet" || unit == "squarefeet" || unit == "squarefoot" || unit == "ft2" ||
        unit == "sft")
        return std::round(*v * 0.09290304 * 1e4) / 1e4;
    static const char *const metres[] = {"",        "sqm",        "sqmt",        "sqmts",        "sqmtr",
                                         "sqmtrs",  "sqmeter",    "sqmeters",    "sqmetre",      "sqmetres",
                                         "m2",      "sqm2",       "squaremeter", "squaremeters", "squaremetre",
                                         "squaremetres", "sqmetr", "mtr2",      "sqmtrs2",       "meter2"};
    for (const char *m : metres)
        if (unit == m) return v;
    if (unit_note) *unit_note = "unit \"" + clean_text(rest) + "\" not recognised; read as square metres";
    return v;
}

std::optional<std::string> pincode_in(std::string_view t) {
    auto word = [&](std::size_t i) {
        unsigned char c = static_cast<unsigned char>(t[i]);
        return is_digit(t[i]) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
    };
    for (std::size_t i = 0; i + 6 <= t.size(); ++i) {
        if (!is_digit(t[i]) || (i > 0 && word(i - 1))) continue;
        std::size_t j = i;
        while (j < t.size() && is_digit(t[j])) ++j;
        if (j - i == 6 && (j == t.size() || !word(j))) return std::string(t.substr(i, 6));
        i = j;
    }
    return std::nullopt;
}

}  // namespace realmap::v1

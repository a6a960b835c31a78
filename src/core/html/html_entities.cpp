#include "core/html/html_entities.hpp"

#include <cstdint>

#include "core/html/html_text.hpp"

namespace realmap::html {

namespace {

struct Named {
    const char *name;
    std::uint32_t code_point;
    bool semicolon_optional;  // legacy references browsers accept without ';'
};

const Named kNamed[] = {
    {"amp", '&', true},       {"lt", '<', true},        {"gt", '>', true},
    {"quot", '"', true},      {"apos", '\'', false},    {"nbsp", 0xA0, true},
    {"copy", 0xA9, true},     {"reg", 0xAE, true},      {"trade", 0x2122, false},
    {"ndash", 0x2013, false}, {"mdash", 0x2014, false}, {"hellip", 0x2026, false},
    {"lsquo", 0x2018, false}, {"rsquo", 0x2019, false}, {"ldquo", 0x201C, false},
    {"rdquo", 0x201D, false}, {"bull", 0x2022, false},  {"middot", 0xB7, true},
    {"deg", 0xB0, true},      {"times", 0xD7, true},    {"laquo", 0xAB, true},
    {"raquo", 0xBB, true},
};

// Decodes the reference at text[i] == '&'; returns the characters consumed (0: none).
std::size_t decode_one(std::string_view text, std::size_t i, std::string &out) {
    std::size_t j = i + 1;
    if (j < text.size() && text[j] == '#') {
        ++j;
        bool hex = j < text.size() && (text[j] == 'x' || text[j] == 'X');
        if (hex) ++j;
        std::size_t start = j;
        std::uint32_t v = 0;
        while (j < text.size()) {
            char c = text[j];
            int d = (c >= '0' && c <= '9') ? c - '0'
                    : (hex && c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (hex && c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                     : -1;
            if (d < 0) break;
            if (v <= 0x10FFFF) v = v * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
            ++j;
        }
        if (j == start) return 0;
        if (j < text.size() && text[j] == ';') ++j;
        append_utf8(out, v);
        return j - i;
    }
    for (const Named &n : kNamed) {
        std::string_view name = n.name;
        if (text.compare(j, name.size(), name) != 0) continue;
        std::size_t end = j + name.size();
        bool semicolon = end < text.size() && text[end] == ';';
        if (!semicolon && !n.semicolon_optional) continue;
        append_utf8(out, n.code_point);
        return end + (semicolon ? 1 : 0) - i;
    }
    return 0;
}

}  // namespace

std::string decode_html_entities(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] == '&') {
            std::size_t used = decode_one(text, i, out);
            if (used > 0) {
                i += used;
                continue;
            }
        }
        out.push_back(text[i++]);
    }
    return out;
}

}  // namespace realmap::html

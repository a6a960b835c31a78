#include "core/html/js_string_literal.hpp"

#include <cstdint>

#include "core/html/html_text.hpp"

namespace realmap::html {

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Reads exactly `count` hex digits at text[i]; -1 if they are not there.
long read_hex(std::string_view text, std::size_t i, std::size_t count) {
    if (i + count > text.size()) return -1;
    long v = 0;
    for (std::size_t k = 0; k < count; ++k) {
        int d = hex_digit(text[i + k]);
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

bool is_ident_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$';
}

}  // namespace

JsStringLiteral decode_js_string_literal(std::string_view text, std::size_t start) {
    JsStringLiteral r;
    if (start >= text.size()) {
        r.end = text.size();
        return r;
    }
    const char quote = text[start];
    std::string &out = r.value;
    std::size_t i = start + 1;
    while (i < text.size()) {
        char c = text[i];
        if (c == quote) {
            r.terminated = true;
            r.end = i + 1;
            return r;
        }
        if (c != '\\') {
            out.push_back(c);
            ++i;
            continue;
        }
        if (i + 1 >= text.size()) {  // a lone backslash at the very end
            ++i;
            break;
        }
        char e = text[i + 1];
        i += 2;
        switch (e) {
            case 'n': out.push_back('\n'); break;
            case 'r': out.push_back('\r'); break;
            case 't': out.push_back('\t'); break;
            case 'b': out.push_back('\b'); break;
            case 'f': out.push_back('\f'); break;
            case 'v': out.push_back('\v'); break;
            case '\n': break;  // line continuation
            case '\r':
                if (i < text.size() && text[i] == '\n') ++i;
                break;
            case 'x': {
                long v = read_hex(text, i, 2);
                if (v < 0) {
                    out.push_back('x');
                } else {
                    append_utf8(out, static_cast<std::uint32_t>(v));
                    i += 2;
                }
                break;
            }
            case 'u': {
                long v = -1;
                if (i < text.size() && text[i] == '{') {
                    std::size_t close = text.find('}', i);
                    if (close != std::string_view::npos && close > i + 1 && close - i - 1 <= 6) {
                        v = read_hex(text, i + 1, close - i - 1);
                        if (v >= 0) i = close + 1;
                    }
                } else {
                    v = read_hex(text, i, 4);
                    if (v >= 0) {
                        i += 4;
                        // a high surrogate followed by \uDCxx: one code point
                        if (v >= 0xD800 && v <= 0xDBFF && i + 1 < text.size() && text[i] == '\\' &&
                            text[i + 1] == 'u') {
                            long low = read_hex(text, i + 2, 4);
                            if (low >= 0xDC00 && low <= 0xDFFF) {
                                v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00);
                                i += 6;
                            }
                        }
                    }
                }
                if (v < 0)
                    out.push_back('u');
                else
                    append_utf8(out, static_cast<std::uint32_t>(v));
                break;
            }
            default:
                if (e >= '0' && e <= '7') {
                    // \0 alone is NUL; \1..\377 are legacy octal escapes
                    long v = e - '0';
                    int digits = 1;
                    while (digits < 3 && i < text.size() && text[i] >= '0' && text[i] <= '7' &&
                           v * 8 + (text[i] - '0') <= 0377) {
                        v = v * 8 + (text[i] - '0');
                        ++i;
                        ++digits;
                    }
                    append_utf8(out, static_cast<std::uint32_t>(v));
                } else if (static_cast<unsigned char>(e) == 0xE2 && i + 1 < text.size() &&
                           static_cast<unsigned char>(text[i]) == 0x80 &&
                           (static_cast<unsigned char>(text[i + 1]) == 0xA8 ||
                            static_cast<unsigned char>(text[i + 1]) == 0xA9)) {
                    i += 2;  // line continuation over U+2028/U+2029
                } else {
                    out.push_back(e);  // \' \" \\ \/ and any other character itself
                }
        }
    }
    r.end = text.size();
    return r;
}

std::vector<std::string> js_call_string_arguments(std::string_view code,
                                                  std::string_view function_name) {
    std::size_t from = 0;
    while (true) {
        std::size_t at = code.find(function_name, from);
        if (at == std::string_view::npos) return {};
        from = at + function_name.size();
        if (at > 0 && is_ident_char(code[at - 1])) continue;  // part of a longer name
        std::size_t i = from;
        while (i < code.size() && is_space(code[i])) ++i;
        if (i >= code.size() || code[i] != '(') continue;
        ++i;
        // A call whose first argument is no string literal (such as the definition
        // "function map_init(markers1, ...)") is passed over.
        std::vector<std::string> args;
        while (true) {
            while (i < code.size() && is_space(code[i])) ++i;
            if (i >= code.size() || (code[i] != '\'' && code[i] != '"' && code[i] != '`')) break;
            JsStringLiteral lit = decode_js_string_literal(code, i);
            args.push_back(std::move(lit.value));
            if (!lit.terminated) break;
            i = lit.end;
            while (i < code.size() && is_space(code[i])) ++i;
            if (i >= code.size() || code[i] != ',') break;
            ++i;
        }
        if (!args.empty()) return args;
    }
}

}  // namespace realmap::html

// Text helpers shared by the HTML readers: whitespace the way Python's str.split()
// sees it (the ground truth is built with " ".join(text.split())), ASCII case.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace realmap::html {

// Collapses every run of whitespace -- ASCII whitespace, U+001C..U+001F, U+0085,
// U+00A0 (&nbsp;), U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 --
// into one ASCII space and trims both ends.
std::string collapse_whitespace(std::string_view text);

// Trims ASCII whitespace only (cheap; for attribute values and tokens).
std::string_view trim_ascii(std::string_view text);

std::string ascii_lower(std::string_view text);

// Text PostgreSQL can store and nlohmann::json can dump: every invalid UTF-8 sequence
// and every NUL (text columns and jsonb refuse U+0000) becomes U+FFFD.  For text that
// did not come through the HTML parser (percent-decoded URLs, JavaScript escapes, JSON).
std::string sanitize_utf8(std::string_view text);

// At most max_bytes of text, cut before a code point (never inside one), with "..."
// appended when something was cut.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes);
// Appends code point cp as UTF-8; NUL, surrogates and values past U+10FFFF become
// U+FFFD (what HTML does with them, and PostgreSQL text cannot hold NUL).
void append_utf8(std::string &out, std::uint32_t cp);

// Position just past the '>' that ends the tag whose attributes start at i, honouring
// quoted attribute values; html.size() when the tag never ends.  For the readers that
// scan markup without the parser.
std::size_t tag_end(std::string_view html, std::size_t i);

bool iequals_ascii(std::string_view a, std::string_view b);
bool istarts_with_ascii(std::string_view text, std::string_view prefix);
// Case-insensitive substring search; npos when absent.
std::size_t ifind_ascii(std::string_view haystack, std::string_view needle);

}  // namespace realmap::html

// Decoding JavaScript string literals found in the portal's inline scripts and
// onclick handlers: map_init('<JSON>', ...), OpenModel('<url>'), __doPostBack('<target>','').
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace realmap::html {

struct JsStringLiteral {
    std::string value;        // the decoded string
    std::size_t end = 0;      // offset just past the closing quote (or text.size())
    bool terminated = false;  // false: the text ended inside the literal
};

// Decodes the literal whose opening quote (', " or `) is text[start], as a JavaScript
// engine would: \' \" \\ \/ \n \r \t \b \f \v \0, \xHH, \uHHHH (surrogate pairs joined,
// lone surrogates become U+FFFD), \u{H...}, legacy octal, line continuations; any
// other escaped character stands for itself.  Lenient: a raw newline stays in.
// NUL, however written, becomes U+FFFD (PostgreSQL text cannot hold it).
JsStringLiteral decode_js_string_literal(std::string_view text, std::size_t start);

// The string arguments of the first call of `function_name` in `code`
// (e.g. "OpenModel" in "OpenModel('../Content/x.pdf')"), decoded, in order, up to
// the first argument that is not a string literal.  Empty when there is no call.
std::vector<std::string> js_call_string_arguments(std::string_view code,
                                                  std::string_view function_name);

}  // namespace realmap::html

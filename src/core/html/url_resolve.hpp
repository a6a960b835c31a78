// Resolving the portal's relative links ("../Content/ProjectDocuments/...",
// "Promoter_Reg_Only_View_Application_new.aspx?MyID=MQ==") against the page URL,
// as a browser would (RFC 3986 section 5.2, plus the browser habits that matter here).
#pragma once

#include <string>
#include <string_view>

namespace realmap::html {

// `reference` resolved against `base`.
//  * Leading/trailing whitespace and embedded tabs/newlines are dropped (browsers do).
//  * A reference with a scheme (http:, javascript:, mailto:) is returned as is,
//    apart from dot-segment removal for http(s).
//  * Dot segments are removed; ".." never climbs above the root.
//  * Spaces, control characters, non-ASCII bytes and "<>\"`" are percent-encoded.
//  * When `base` is not an absolute URL, the cleaned reference is returned unresolved.
std::string resolve_url(std::string_view base, std::string_view reference);

// Whether `url` starts with a scheme ("javascript:", "http:").
bool has_url_scheme(std::string_view url);

// The value of query parameter `name` (ASCII case-insensitive, as IIS treats them),
// percent-decoded; "" when absent.  `found` tells absent from empty.
std::string query_parameter(std::string_view url, std::string_view name, bool *found = nullptr);

// %XX sequences decoded ('+' is left alone: these are URLs, not form bodies); the
// result is sanitised (sanitize_utf8): %FF or %00 become U+FFFD.
std::string percent_decode(std::string_view text);

}  // namespace realmap::html

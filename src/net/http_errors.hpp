// How a failed HTTP request is classified: what went wrong, and whether trying the
// same request again later may succeed.  Pure C++ (no PostgreSQL headers, no curl
// headers); the engine decides about retries from `retryable` and retry_after_ms.
#pragma once

#include <cstdint>
#include <string>

namespace realmap::net {

enum class HttpErrorKind {
    None,         // a final response with status 1xx-3xx
    Network,      // DNS, connect, reset, truncated or garbage response, TLS
    Timeout,      // connect or total timeout
    HttpStatus,   // the server answered 4xx/5xx (or too many redirects)
    TooLarge,     // the body exceeds max_body_bytes (announced or received)
    NotAllowed,   // refused before (or instead of) connecting: host, scheme, address, URL
    Interrupted,  // the caller's interrupted() returned true
};

// "None", "Network", ... (for logs and SQL).
const char *http_error_kind_name(HttpErrorKind kind) noexcept;

// 5xx, 429 and 408 (the server says it gave up waiting) may succeed later.
bool http_status_retryable(long status) noexcept;

// The standard reason phrase ("Service Unavailable"), "" for unknown codes.  HTTP/2
// sends none, so messages use this when the status line has no phrase.
const char *http_reason_phrase(long status) noexcept;

// Milliseconds to wait according to a Retry-After value: delta-seconds ("120") or an
// HTTP date ("Fri, 31 Dec 1999 23:59:59 GMT", compared with now_epoch_s; a date in the
// past gives 0).  -1 when the value is neither.
int64_t parse_retry_after_ms(const std::string &value, int64_t now_epoch_s);

// The classification of a libcurl result code (CURLcode as int) that the client has
// no more specific knowledge about.  `reason` is meant to follow "METHOD URL: " and
// includes curl's own text (curl_text, its error buffer) in parentheses.
struct CurlErrorClass {
    HttpErrorKind kind;
    bool retryable;
    std::string reason;
};
CurlErrorClass classify_curl_error(int curl_code, const std::string &curl_text);

}  // namespace realmap::net

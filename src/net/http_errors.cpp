#include "net/http_errors.hpp"

#include <curl/curl.h>

#include <cctype>
#include <ctime>
#include <limits>

namespace realmap::net {

const char *http_error_kind_name(HttpErrorKind kind) noexcept {
    switch (kind) {
    case HttpErrorKind::None: return "None";
    case HttpErrorKind::Network: return "Network";
    case HttpErrorKind::Timeout: return "Timeout";
    case HttpErrorKind::HttpStatus: return "HttpStatus";
    case HttpErrorKind::TooLarge: return "TooLarge";
    case HttpErrorKind::NotAllowed: return "NotAllowed";
    case HttpErrorKind::Interrupted: return "Interrupted";
    }
    return "Unknown";
}

bool http_status_retryable(long status) noexcept {
    return status >= 500 || status == 429 || status == 408;
}

const char *http_reason_phrase(long status) noexcept {
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
    }
}

int64_t parse_retry_after_ms(const std::string &value, int64_t now_epoch_s) {
    std::size_t b = 0, e = value.size();
    while (b < e && std::isspace(static_cast<unsigned char>(value[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(value[e - 1]))) --e;
    if (b == e) return -1;

    bool all_digits = true;
    for (std::size_t i = b; i < e; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(value[i]))) all_digits = false;
    }
    if (all_digits) {
        // A server asking for days is capped rather than overflowing.
        constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1000;
        int64_t seconds = 0;
        for (std::size_t i = b; i < e; ++i) {
            if (seconds > (kMaxSeconds - 9) / 10) return kMaxSeconds * 1000;
            seconds = seconds * 10 + (value[i] - '0');
        }
        return seconds * 1000;
    }

    std::string text = value.substr(b, e - b);
    time_t now = static_cast<time_t>(now_epoch_s);
    time_t when = curl_getdate(text.c_str(), &now);
    // curl_getdate accepts almost anything date-like; a plain word is rejected (-1).
    if (when == static_cast<time_t>(-1)) return -1;
    int64_t delta = static_cast<int64_t>(when) - now_epoch_s;
    return delta <= 0 ? 0 : delta * 1000;
}

namespace {

std::string with_curl_text(const char *what, const std::string &curl_text) {
    std::string out = what;
    if (!curl_text.empty()) out += " (" + curl_text + ")";
    return out;
}

}  // namespace

CurlErrorClass classify_curl_error(int curl_code, const std::string &curl_text) {
    using K = HttpErrorKind;
    switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_OK:
        return {K::None, false, ""};
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return {K::Network, true, with_curl_text("could not resolve the host", curl_text)};
    case CURLE_COULDNT_CONNECT:
        return {K::Network, true, with_curl_text("could not connect", curl_text)};
    case CURLE_OPERATION_TIMEDOUT:
        return {K::Timeout, true, with_curl_text("timed out", curl_text)};
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
        return {K::Network, true, with_curl_text("connection failed", curl_text)};
    case CURLE_GOT_NOTHING:
        return {K::Network, true, with_curl_text("connection closed without a response", curl_text)};
    case CURLE_PARTIAL_FILE:
        return {K::Network, true, with_curl_text("truncated body", curl_text)};
    // Garbage where a status line belongs: curl calls it HTTP/0.9 (which it refuses)
    // or a weird reply.  Often a broken proxy or an overloaded server; may pass.
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return {K::Network, true, with_curl_text("not an HTTP response", curl_text)};
    case CURLE_BAD_CONTENT_ENCODING:
        return {K::Network, true, with_curl_text("could not decode the body", curl_text)};
    case CURLE_SSL_CONNECT_ERROR:
        return {K::Network, true, with_curl_text("TLS handshake failed", curl_text)};
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
        return {K::Network, false, with_curl_text("TLS verification failed", curl_text)};
    case CURLE_URL_MALFORMAT:
        return {K::NotAllowed, false, with_curl_text("invalid URL", curl_text)};
    case CURLE_ABORTED_BY_CALLBACK:
        return {K::Interrupted, true, "interrupted"};
    default:
        // Unknown failures are not retried: retrying what nobody understood tends to
        // repeat it.  The text tells what to add here.
        return {K::Network, false,
                with_curl_text(("curl error " + std::to_string(curl_code)).c_str(), curl_text)};
    }
}

}  // namespace realmap::net

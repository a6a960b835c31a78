// realmap's HTTP client: many concurrent requests through one libcurl multi handle,
// with the safety rules every fetch of an outside site must follow.  Pure C++ (no
// PostgreSQL headers); the glue runs it in backends and background workers.
//
// What one HttpClient gives every request:
//  * keep-alive: the multi handle and its connection cache live as long as the
//    client, so connections are reused across perform() calls;
//  * compressed responses (gzip, deflate, br, zstd) decoded transparently;
//  * one cookie jar per client, exportable/importable as Netscape cookie-file text
//    (to keep an ASP.NET session in the database between tasks);
//  * connect and total timeouts; a maximum body size (announced by Content-Length
//    or received, decoded, whichever is first);
//  * TLS verification, always; only http and https;
//  * allowed hosts only, checked on the URL before anything else and on every
//    redirect hop (redirects are followed here, not by libcurl);
//  * no connection to link-local or cloud-metadata addresses (169.254.0.0/16,
//    fe80::/10, fd00:ec2::254, ...), whatever name resolved to them; loopback is fine;
//  * no proxy (environment proxies are ignored: the address rule must see the peer);
//  * per-host concurrency and rate limits through a HostLimiter (which can hold
//    across processes): a slot is taken right before each transfer (redirect hops
//    included) and given back when it ends; requests waiting for one stay queued,
//    and that wait does not count against the timeouts (interrupted() ends it).
//
// Errors never throw: each response says what went wrong (HttpErrorKind), whether a
// later retry may succeed, and a message "METHOD URL: reason".  The client itself
// never retries.
//
// Threads: one HttpClient must be used by one thread at a time.  Clients on different
// threads are independent, except for a HostLimiter they share (which must then be
// thread-safe, as LocalHostLimiter is).  libcurl runs with CURLOPT_NOSIGNAL (no
// SIGALRM, no SIGPIPE): safe inside a PostgreSQL backend.  perform() blocks the
// calling thread until all requests are done or interrupted() returns true.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "net/host_limit.hpp"
#include "net/http_errors.hpp"

namespace realmap::net {

struct HttpRequest {
    std::string method = "GET";         // GET, POST, HEAD, PUT, DELETE, PATCH, ...
    std::string url;                    // http:// or https://
    std::string body;                   // sent when not empty (POST sends it even when empty)
    std::string content_type;           // the Content-Type header, when not empty
    std::vector<std::string> headers;   // extra header lines, "Name: value"
    // Header lines carrying a credential (an API key) meant for credential_host only: a
    // request to another host is refused, a redirect elsewhere goes without them, and
    // they are never part of a message.
    std::vector<std::string> credential_headers;
    std::string credential_host;
    std::size_t user_index = 0;         // copied to the response, for the caller's bookkeeping
    // Politeness of its own: a service with a policy of its own (Nominatim asks for one
    // request per second) names a group, and its requests are counted under
    // "<limit_group>@<host>" against `limits` instead of the client's per-host limits.
    // A group keeps its budget apart from other traffic to the same host (the test
    // simulator serves the portal, Nominatim and Overpass from one host).
    std::string limit_group;            // "": the client's per-host limits
    HostLimits limits;                  // used when limit_group is not empty
};

struct HttpResponse {
    long status = 0;          // of the last response received (0: none)
    std::string body;         // decoded; kept for successes and HTTP status errors only
    std::string final_url;    // the URL of the last hop
    std::string content_type;
    std::vector<std::pair<std::string, std::string>> headers;  // of the last response, in order
    double total_ms = 0;      // time on the wire over all hops (time queued for a slot excluded)
    double connect_ms = 0;    // connect time of the last hop (about 0 on a reused connection)
    std::size_t bytes = 0;    // body bytes of the last hop as received (compressed size)
    int redirects = 0;        // redirects followed
    HttpErrorKind error = HttpErrorKind::None;
    bool retryable = false;   // a later attempt of the same request may succeed
    int64_t retry_after_ms = -1;  // from Retry-After of a 429 or 503; -1: none
    std::string message;      // "GET http://host/path: HTTP 503 Service Unavailable"; "" when ok
    std::size_t user_index = 0;   // the request's

    bool ok() const { return error == HttpErrorKind::None; }
    // The first header of that name (case-insensitive), "" when absent.
    std::string header(const std::string &name) const;
};

struct HttpClientOptions {
    std::string user_agent;                 // empty: "realmap/<version>"
    // Host names a URL may name: "example.org" (any port), "example.org:8080",
    // "*.example.org" (subdomains only, not example.org itself), "[::1]", or "*"
    // (any host).  Case-insensitive.  Empty: every URL is refused.
    std::vector<std::string> allowed_hosts;
    long connect_timeout_ms = 10000;
    long total_timeout_ms = 60000;          // per request, all redirect hops together
    std::size_t max_body_bytes = 32u << 20; // decoded body; a larger Content-Length is refused early
    int max_redirects = 5;
    int max_concurrent_per_host = 4;        // <= 0: no limit
    double max_requests_per_second_per_host = 2.0;  // <= 0: no limit
    int max_concurrent_total = 64;          // transfers at once over all hosts (bounds sockets)
};

class HttpClient {
public:
    // limiter: where per-host slots come from (shared memory in PostgreSQL); it must
    // outlive the client.  nullptr: a private LocalHostLimiter.  Throws realmap::Error
    // (22023) for invalid options, and when libcurl cannot be set up.
    explicit HttpClient(HttpClientOptions options, HostLimiter *limiter = nullptr);
    ~HttpClient();
    HttpClient(const HttpClient &) = delete;
    HttpClient &operator=(const HttpClient &) = delete;

    // Runs all requests concurrently within the limits; result i belongs to request i.
    // interrupted (may be empty) is called at least every 50 ms; once it returns true
    // every unfinished request is aborted at once and reported as Interrupted.
    // Throws only std::bad_alloc.
    std::vector<HttpResponse> perform(const std::vector<HttpRequest> &requests,
                                      const std::function<bool()> &interrupted = {});

    // One request: perform({request})[0].
    HttpResponse fetch(const HttpRequest &request, const std::function<bool()> &interrupted = {});

    // The cookie jar as a Netscape cookie file (session cookies included).
    std::string export_cookies() const;
    // Replaces the jar by the cookies of a Netscape cookie file (export_cookies' output);
    // comment and empty lines are skipped.
    void import_cookies(const std::string &cookie_file);

    const HttpClientOptions &options() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The policy checks the client applies, exposed for tests and for validating settings.

// True when a URL naming host (any case; IPv6 in brackets) and port may be fetched
// under allowed_hosts (the HttpClientOptions::allowed_hosts syntax).
bool host_is_allowed(const std::vector<std::string> &allowed_hosts, const std::string &host,
                     long port);

// Why a numeric address must not be connected to ("link-local", "cloud metadata"),
// or "" when it may.  Understands IPv4, IPv6, IPv4-mapped IPv6.
std::string forbidden_address_reason(const std::string &numeric_address);

}  // namespace realmap::net

#include "net/http_client.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <list>
#include <mutex>
#include <new>
#include <string_view>

#include "core/error.hpp"
#include "core/version.hpp"

namespace realmap::net {

namespace {

// interrupted() and queued requests are looked at least this often.
constexpr long kPollMs = 50;

// ---------------------------------------------------------------- small text helpers

std::string lower(std::string_view s) {
    std::string out(s);
    for (char &c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' ||
                          s.front() == '\n'))
        s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

// The name of a "Name: value" header line.
std::string_view header_name(std::string_view line) {
    std::size_t colon = line.find(':');
    return trim(colon == std::string_view::npos ? line : line.substr(0, colon));
}

std::string normalized_method(const HttpRequest &request) {
    std::string m = request.method.empty() ? "GET" : request.method;
    for (char &c : m) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return m;
}

int64_t steady_now_us() {
    using namespace std::chrono;
    return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

void curl_global_init_once() {
    static std::once_flag once;
    static CURLcode result = CURLE_OK;
    std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (result != CURLE_OK) {
        throw Error(sqlstate::kExternalRoutineException,
                    std::string("libcurl could not be initialised: ") + curl_easy_strerror(result));
    }
}

// ---------------------------------------------------------------- allowed hosts

struct HostRule {
    std::string host;         // lower case; IPv6 in brackets; for subdomains ".example.org"
    long port = -1;           // -1: any
    bool subdomains = false;
    bool any_host = false;
};

// Parses one allowed_hosts entry; false with *why set for an entry that is not a host.
bool parse_host_rule(const std::string &entry, HostRule &rule, std::string *why) {
    std::string s = lower(trim(entry));
    auto bad = [&](const char *reason) {
        if (why) *why = reason;
        return false;
    };
    if (s.empty()) return bad("empty");
    if (s.find_first_of("/@ \t?#") != std::string::npos)
        return bad("give a host name, host:port or *.domain, not a URL");
    if (s == "*") {
        rule.any_host = true;
        return true;
    }
    if (s.rfind("*.", 0) == 0) {
        rule.subdomains = true;
        s.erase(0, 1);  // keep the dot: ".example.org" must end the name
    }
    std::string port_text;
    bool has_port = false;
    if (!s.empty() && s[0] == '[') {
        std::size_t close = s.find(']');
        if (close == std::string::npos) return bad("unclosed [");
        if (close + 1 < s.size()) {
            if (s[close + 1] != ':') return bad("junk after ]");
            has_port = true;
            port_text = s.substr(close + 2);
        }
        s.resize(close + 1);
    } else {
        std::size_t colons = std::count(s.begin(), s.end(), ':');
        if (colons == 1) {
            has_port = true;
            port_text = s.substr(s.find(':') + 1);
            s.resize(s.find(':'));
        } else if (colons > 1) {
            s = "[" + s + "]";  // a bare IPv6 address; URLs carry it in brackets
        }
    }
    if (s.find('*') != std::string::npos) return bad("* only as *.domain or alone");
    if (!s.empty() && s.back() == '.' && s[0] != '[') s.pop_back();
    if (s.empty() || s == ".") return bad("no host name");
    if (has_port) {
        if (port_text.empty() || port_text.size() > 5 ||
            port_text.find_first_not_of("0123456789") != std::string::npos)
            return bad("invalid port");
        long port = std::stol(port_text);
        if (port < 1 || port > 65535) return bad("invalid port");
        rule.port = port;
    }
    rule.host = s;
    return true;
}

std::string normalize_url_host(const std::string &host) {
    std::string h = lower(host);
    if (!h.empty() && h.back() == '.' && h[0] != '[') h.pop_back();
    return h;
}

bool rule_matches_host(const HostRule &rule, const std::string &host) {
    if (rule.any_host) return true;
    if (rule.subdomains) {
        return host.size() > rule.host.size() &&
               host.compare(host.size() - rule.host.size(), rule.host.size(), rule.host) == 0;
    }
    return host == rule.host;
}

bool rules_allow(const std::vector<HostRule> &rules, const std::string &host, long port) {
    for (const HostRule &rule : rules) {
        if (rule_matches_host(rule, host) && (rule.port < 0 || rule.port == port)) return true;
    }
    return false;
}

// ---------------------------------------------------------------- forbidden addresses

const char *forbidden_v4(uint32_t a) {  // a in host byte order
    if (a == 0xA9FEA9FEu) return "cloud metadata";   // 169.254.169.254 (AWS, GCP, Azure, ...)
    if (a == 0x646464C8u) return "cloud metadata";   // 100.100.100.200 (Alibaba)
    if ((a >> 16) == 0xA9FEu) return "link-local";   // 169.254.0.0/16
    return nullptr;
}

const char *forbidden_v6(const unsigned char *b) {
    static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    static const unsigned char kEc2[16] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0,
                                           0,    0,    0,    0,    0, 0, 0x02, 0x54};
    // An IPv4 address in IPv6 clothes reaches the same machine.
    if (std::memcmp(b, kMapped, 12) == 0 || std::memcmp(b, kNat64, 12) == 0) {
        uint32_t a = (uint32_t(b[12]) << 24) | (uint32_t(b[13]) << 16) | (uint32_t(b[14]) << 8) |
                     uint32_t(b[15]);
        return forbidden_v4(a);
    }
    if (std::memcmp(b, kEc2, 16) == 0) return "cloud metadata";     // fd00:ec2::254
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "link-local";  // fe80::/10
    return nullptr;
}

const char *forbidden_sockaddr(const struct sockaddr *sa) {
    if (sa->sa_family == AF_INET) {
        const auto *in = reinterpret_cast<const struct sockaddr_in *>(sa);
        return forbidden_v4(ntohl(in->sin_addr.s_addr));
    }
    if (sa->sa_family == AF_INET6) {
        const auto *in6 = reinterpret_cast<const struct sockaddr_in6 *>(sa);
        return forbidden_v6(in6->sin6_addr.s6_addr);
    }
    return nullptr;
}

// ---------------------------------------------------------------- URLs

struct UrlParts {
    std::string scheme;
    std::string host;  // lower case, IPv6 in brackets
    long port = 0;
};

struct CurlUrlDeleter {
    void operator()(CURLU *u) const { curl_url_cleanup(u); }
};

// "" when url parses, else why not.
std::string parse_url(const std::string &url, UrlParts &out) {
    std::unique_ptr<CURLU, CurlUrlDeleter> handle(curl_url());
    if (!handle) throw std::bad_alloc();
    // Any scheme parses, so that ftp:// is refused for its scheme, not as "malformed".
    CURLUcode rc = curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME);
    if (rc == CURLUE_OUT_OF_MEMORY) throw std::bad_alloc();
    if (rc != CURLUE_OK) return std::string("invalid URL (") + curl_url_strerror(rc) + ")";
    auto get = [&](CURLUPart part, unsigned flags, std::string &value) {
        char *text = nullptr;
        CURLUcode c = curl_url_get(handle.get(), part, &text, flags);
        if (c == CURLUE_OUT_OF_MEMORY) throw std::bad_alloc();
        if (c == CURLUE_OK && text) value = text;
        curl_free(text);
        return c == CURLUE_OK;
    };
    if (!get(CURLUPART_SCHEME, 0, out.scheme)) return "invalid URL (no scheme)";
    out.scheme = lower(out.scheme);
    get(CURLUPART_HOST, 0, out.host);  // file:// has none; refused for its scheme
    out.host = normalize_url_host(out.host);
    std::string port;
    if (get(CURLUPART_PORT, CURLU_DEFAULT_PORT, port)) out.port = std::atol(port.c_str());
    return "";
}

bool is_redirect_status(long status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// ---------------------------------------------------------------- the client's machinery

struct CurlMultiDeleter {
    void operator()(CURLM *m) const { curl_multi_cleanup(m); }
};
struct CurlShareDeleter {
    void operator()(CURLSH *s) const { curl_share_cleanup(s); }
};
struct CurlEasyDeleter {
    void operator()(CURL *e) const { curl_easy_cleanup(e); }
};

class ClientCore;

// One request from queueing to its result; one easy handle per hop.
class Transfer {
public:
    Transfer(ClientCore &core, std::size_t index, const HttpRequest &request, std::string host);
    ~Transfer() { detach(); }
    Transfer(const Transfer &) = delete;
    Transfer &operator=(const Transfer &) = delete;

    // Creates the easy handle for the current hop and adds it to the multi handle.
    // "" on success, else why it could not start.
    std::string start();
    // Removes the hop from the multi handle and gives its slot back.  Idempotent.
    void detach() noexcept;
    // Points the transfer at a redirect target (its host already checked).
    void follow(const std::string &target, const std::string &target_host, long status);

    // "GET http://host/path" (plus where a redirect came from), the message prefix.
    std::string what() const;

    static size_t on_body(char *data, size_t size, size_t count, void *user) noexcept;
    static size_t on_header(char *data, size_t size, size_t count, void *user) noexcept;
    static curl_socket_t on_open_socket(void *user, curlsocktype purpose,
                                        struct curl_sockaddr *address) noexcept;

    ClientCore &core;
    const std::size_t index;
    const HttpRequest &request;

    // The hop being made.
    std::string url;
    std::string method;
    std::string host;            // the limiter's key
    bool send_body;
    std::vector<std::string> extra_headers;
    bool send_credentials = true;  // false once a redirect left the request's host
    std::unique_ptr<CURL, CurlEasyDeleter> easy;
    curl_slist *header_list = nullptr;
    bool in_multi = false;
    std::string slot_host;       // the host whose slot this hop holds; "" = none

    // The response of the hop.
    std::string body;
    std::vector<std::pair<std::string, std::string>> response_headers;
    std::string reason_phrase;
    bool body_too_large = false;
    bool out_of_memory = false;
    char refused_address[INET6_ADDRSTRLEN + 40] = {0};
    char error_buffer[CURL_ERROR_SIZE] = {0};

    // The request so far.
    int redirects = 0;
    double spent_ms = 0;
};

class ClientCore {
public:
    ClientCore(HttpClientOptions options, HostLimiter *limiter);
    ~ClientCore();

    std::vector<HttpResponse> perform(const std::vector<HttpRequest> &requests,
                                      const std::function<bool()> &interrupted);
    std::string export_cookies() const;
    void import_cookies(const std::string &cookie_file);

    // "" when url may be fetched; else why not.  Sets *host to the limiter key.
    std::string check_url(const std::string &url, std::string *host) const;

    const HttpClientOptions options;
    std::vector<HostRule> rules;
    std::string user_agent;
    HostLimits limits;
    std::unique_ptr<LocalHostLimiter> own_limiter;
    HostLimiter *limiter;
    std::unique_ptr<CURLSH, CurlShareDeleter> share;
    std::unique_ptr<CURLM, CurlMultiDeleter> multi;
    std::unique_ptr<CURL, CurlEasyDeleter> cookie_handle;  // reads and writes the shared jar

private:
    using Queue = std::list<std::unique_ptr<Transfer>>;
    void start_ready(Queue &queue, Queue &active, std::vector<HttpResponse> &results,
                     int64_t *wait_us);
    int collect_finished(Queue &queue, Queue &active, std::vector<HttpResponse> &results);
    // Fills the result of a finished hop, or prepares the next hop (returns true).
    bool finish_hop(Transfer &t, CURLcode code, HttpResponse &r);
};

// ---------------------------------------------------------------- Transfer

Transfer::Transfer(ClientCore &core_, std::size_t index_, const HttpRequest &request_,
                   std::string host_)
    : core(core_), index(index_), request(request_), url(request_.url),
      method(normalized_method(request_)), host(std::move(host_)),
      send_body(method == "POST" || !request_.body.empty()), extra_headers(request_.headers) {}

std::string Transfer::what() const {
    std::string out = method + " " + url;
    if (redirects > 0) out += " (redirected from " + request.url + ")";
    return out;
}

void Transfer::detach() noexcept {
    if (in_multi) {
        curl_multi_remove_handle(core.multi.get(), easy.get());
        in_multi = false;
    }
    easy.reset();
    if (header_list) {
        curl_slist_free_all(header_list);
        header_list = nullptr;
    }
    if (!slot_host.empty()) {
        std::string held = std::move(slot_host);
        slot_host.clear();
        try {
            core.limiter->release(held);
        } catch (...) {
            // A limiter that throws on release cannot be helped from here.
        }
    }
}

void Transfer::follow(const std::string &target, const std::string &target_host, long status) {
    bool to_get = (status == 303 && method != "HEAD") ||
                  ((status == 301 || status == 302) && method == "POST");  // as browsers do
    if (to_get) {
        method = "GET";
        send_body = false;
    }
    if (target_host != host) {
        // Credentials meant for one host are not handed to another (curl does the same).
        send_credentials = false;
        extra_headers.erase(std::remove_if(extra_headers.begin(), extra_headers.end(),
                                           [](const std::string &line) {
                                               auto name = header_name(line);
                                               return iequals(name, "Authorization") ||
                                                      iequals(name, "Cookie");
                                           }),
                            extra_headers.end());
    }
    url = target;
    host = target_host;
    redirects += 1;
    body.clear();
    response_headers.clear();
    reason_phrase.clear();
    body_too_large = false;
    refused_address[0] = '\0';
    error_buffer[0] = '\0';
}

size_t Transfer::on_body(char *data, size_t size, size_t count, void *user) noexcept {
    auto *t = static_cast<Transfer *>(user);
    size_t n = size * count;
    if (n > t->core.options.max_body_bytes - t->body.size()) {
        t->body_too_large = true;
        return 0;  // anything but n makes curl abort the transfer (CURLE_WRITE_ERROR)
    }
    try {
        t->body.append(data, n);
    } catch (...) {
        t->out_of_memory = true;
        return 0;
    }
    return n;
}

size_t Transfer::on_header(char *data, size_t size, size_t count, void *user) noexcept {
    auto *t = static_cast<Transfer *>(user);
    size_t n = size * count;
    try {
        std::string_view line = trim(std::string_view(data, n));
        if (line.rfind("HTTP/", 0) == 0) {
            // A new response (after 100 Continue, or the next hop): its own headers only.
            t->response_headers.clear();
            t->reason_phrase.clear();
            std::size_t sp1 = line.find(' ');
            std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
            if (sp2 != std::string_view::npos) t->reason_phrase = std::string(trim(line.substr(sp2)));
        } else if (!line.empty()) {
            std::size_t colon = line.find(':');
            if (colon != std::string_view::npos) {
                t->response_headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                                 std::string(trim(line.substr(colon + 1))));
            }
        }
    } catch (...) {
        t->out_of_memory = true;
        return 0;
    }
    return n;
}

curl_socket_t Transfer::on_open_socket(void *user, curlsocktype purpose,
                                       struct curl_sockaddr *address) noexcept {
    auto *t = static_cast<Transfer *>(user);
    if (purpose == CURLSOCKTYPE_IPCXN) {
        // Checked here, on the address actually connected to, so that a permitted name
        // resolving to a metadata address (DNS rebinding included) is caught too.
        if (const char *why = forbidden_sockaddr(&address->addr)) {
            char ip[INET6_ADDRSTRLEN] = "?";
            if (address->family == AF_INET) {
                inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in *>(&address->addr)->sin_addr, ip,
                          sizeof(ip));
            } else if (address->family == AF_INET6) {
                inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6 *>(&address->addr)->sin6_addr,
                          ip, sizeof(ip));
            }
            std::snprintf(t->refused_address, sizeof(t->refused_address), "%s (%s)", ip, why);
            return CURL_SOCKET_BAD;
        }
    }
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

std::string Transfer::start() {
    easy.reset(curl_easy_init());
    if (!easy) throw std::bad_alloc();
    CURL *e = easy.get();
    const HttpClientOptions &o = core.options;

    long remaining_ms = o.total_timeout_ms - static_cast<long>(spent_ms);
    if (remaining_ms < 1) remaining_ms = 1;

    header_list = nullptr;
    bool has_expect = false, has_content_type = false;
    for (const std::string &line : extra_headers) {
        auto name = header_name(line);
        has_expect = has_expect || iequals(name, "Expect");
        has_content_type = has_content_type || iequals(name, "Content-Type");
    }
    auto add_header = [&](const std::string &line) {
        curl_slist *next = curl_slist_append(header_list, line.c_str());
        if (!next) throw std::bad_alloc();
        header_list = next;
    };
    for (const std::string &line : extra_headers) add_header(line);
    if (send_credentials)
        for (const std::string &line : request.credential_headers) add_header(line);
    if (send_body && !request.content_type.empty() && !has_content_type)
        add_header("Content-Type: " + request.content_type);
    // Without this curl waits for "100 Continue" before large bodies: a round trip
    // (or a second when the server ignores it) per postback.
    if (!has_expect) add_header("Expect:");

    CURLcode rc = CURLE_OK;
    auto set = [&rc](CURLcode c) {
        if (rc == CURLE_OK) rc = c;
    };
    set(curl_easy_setopt(e, CURLOPT_URL, url.c_str()));
    set(curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L));
    set(curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https"));
    set(curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"));
    set(curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L));
    // No proxy, not even from http_proxy/https_proxy in the server's environment:
    // behind a proxy the address check would only ever see the proxy.
    set(curl_easy_setopt(e, CURLOPT_PROXY, ""));
    set(curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L));
    set(curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L));
    set(curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""));
    set(curl_easy_setopt(e, CURLOPT_SHARE, core.share.get()));
    set(curl_easy_setopt(e, CURLOPT_COOKIEFILE, ""));
    set(curl_easy_setopt(e, CURLOPT_USERAGENT, core.user_agent.c_str()));
    set(curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o.connect_timeout_ms));
    set(curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, remaining_ms));
    set(curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(o.max_body_bytes)));
    set(curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::on_body));
    set(curl_easy_setopt(e, CURLOPT_WRITEDATA, static_cast<void *>(this)));
    set(curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Transfer::on_header));
    set(curl_easy_setopt(e, CURLOPT_HEADERDATA, static_cast<void *>(this)));
    set(curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, &Transfer::on_open_socket));
    set(curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, static_cast<void *>(this)));
    set(curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error_buffer));
    set(curl_easy_setopt(e, CURLOPT_HTTPHEADER, header_list));
    if (method == "GET" && !send_body) {
        set(curl_easy_setopt(e, CURLOPT_HTTPGET, 1L));
    } else if (method == "HEAD") {
        set(curl_easy_setopt(e, CURLOPT_NOBODY, 1L));
    } else {
        if (method != "POST") set(curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method.c_str()));
        if (send_body) {
            // The caller's request outlives perform(): no copy of large postbacks.
            set(curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                                 static_cast<curl_off_t>(request.body.size())));
            set(curl_easy_setopt(e, CURLOPT_POSTFIELDS, request.body.data()));
        }
    }
    if (rc == CURLE_OUT_OF_MEMORY) throw std::bad_alloc();
    if (rc != CURLE_OK) return std::string("curl setup failed (") + curl_easy_strerror(rc) + ")";

    CURLMcode mc = curl_multi_add_handle(core.multi.get(), e);
    if (mc == CURLM_OUT_OF_MEMORY) throw std::bad_alloc();
    if (mc != CURLM_OK) return std::string("curl could not start (") + curl_multi_strerror(mc) + ")";
    in_multi = true;
    return "";
}

// ---------------------------------------------------------------- ClientCore

ClientCore::ClientCore(HttpClientOptions options_, HostLimiter *limiter_)
    : options(std::move(options_)), limiter(limiter_) {
    auto invalid = [](const std::string &what) {
        return Error(sqlstate::kInvalidParameterValue, "invalid HTTP client option: " + what);
    };
    for (const std::string &entry : options.allowed_hosts) {
        HostRule rule;
        std::string why;
        if (!parse_host_rule(entry, rule, &why))
            throw invalid("allowed host \"" + entry + "\": " + why);
        rules.push_back(rule);
    }
    if (options.connect_timeout_ms < 1) throw invalid("connect_timeout_ms must be positive");
    if (options.total_timeout_ms < 1) throw invalid("total_timeout_ms must be positive");
    if (options.max_body_bytes < 1) throw invalid("max_body_bytes must be positive");
    if (options.max_redirects < 0) throw invalid("max_redirects must not be negative");
    if (options.max_concurrent_total < 1) throw invalid("max_concurrent_total must be positive");

    user_agent = options.user_agent.empty() ? std::string("realmap/") + kLibraryVersion
                                            : options.user_agent;
    limits.max_concurrent = options.max_concurrent_per_host;
    limits.max_per_second = options.max_requests_per_second_per_host;
    if (!limiter) {
        own_limiter = std::make_unique<LocalHostLimiter>();
        limiter = own_limiter.get();
    }

    curl_global_init_once();
    share.reset(curl_share_init());
    multi.reset(curl_multi_init());
    cookie_handle.reset(curl_easy_init());
    if (!share || !multi || !cookie_handle) throw std::bad_alloc();
    bool ok = curl_share_setopt(share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE) == CURLSHE_OK &&
              curl_share_setopt(share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) ==
                  CURLSHE_OK &&
              curl_easy_setopt(cookie_handle.get(), CURLOPT_SHARE, share.get()) == CURLE_OK &&
              curl_easy_setopt(cookie_handle.get(), CURLOPT_COOKIEFILE, "") == CURLE_OK;
    // Idle connections kept for reuse: enough for every host's slots several times.
    long cache = std::max<long>(16, static_cast<long>(options.max_concurrent_total));
    ok = ok && curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS, cache) == CURLM_OK;
    if (!ok) throw Error(sqlstate::kExternalRoutineException, "libcurl could not be set up");
}

ClientCore::~ClientCore() {
    // The share must be the last to go: handles using it keep references.
    multi.reset();
    cookie_handle.reset();
    share.reset();
}

std::string ClientCore::check_url(const std::string &url, std::string *host) const {
    UrlParts parts;
    std::string why = parse_url(url, parts);
    if (!why.empty()) return why;
    if (parts.scheme != "http" && parts.scheme != "https")
        return "scheme \"" + parts.scheme + "\" is not allowed (only http and https)";
    if (parts.host.empty()) return "invalid URL (no host)";
    if (!rules_allow(rules, parts.host, parts.port)) {
        std::string allowed;
        for (const std::string &entry : options.allowed_hosts)
            allowed += (allowed.empty() ? "" : ", ") + entry;
        bool host_known = false;
        for (const HostRule &rule : rules) host_known = host_known || rule_matches_host(rule, parts.host);
        std::string subject = host_known ? "port " + std::to_string(parts.port) + " of host \"" +
                                               parts.host + "\""
                                         : "host \"" + parts.host + "\"";
        return subject + " is not allowed (allowed: " + (allowed.empty() ? "none" : allowed) + ")";
    }
    if (host) *host = parts.host;
    return "";
}

void ClientCore::start_ready(Queue &queue, Queue &active, std::vector<HttpResponse> &results,
                             int64_t *wait_us) {
    std::vector<std::string> blocked;  // hosts that said "not now" in this pass
    int64_t now = steady_now_us();
    for (auto it = queue.begin(); it != queue.end();) {
        if (static_cast<int>(active.size()) >= options.max_concurrent_total) break;
        Transfer &t = **it;
        const bool grouped = !t.request.limit_group.empty();
        // copied before: nothing may throw between acquire and owning
        std::string key = grouped ? t.request.limit_group + "@" + t.host : t.host;
        if (std::find(blocked.begin(), blocked.end(), key) != blocked.end()) {
            ++it;
            continue;
        }
        int64_t retry_in = 0;
        if (!limiter->try_acquire(key, grouped ? t.request.limits : limits, now, &retry_in)) {
            blocked.push_back(std::move(key));
            *wait_us = std::min(*wait_us, std::max<int64_t>(retry_in, 1000));
            ++it;
            continue;
        }
        t.slot_host.swap(key);  // from here the transfer gives the slot back, whatever happens
        std::string failure = t.start();
        if (!failure.empty()) {
            HttpResponse &r = results[t.index];
            r.final_url = t.url;
            r.redirects = t.redirects;
            r.error = HttpErrorKind::Network;
            r.message = t.what() + ": " + failure;
            it = queue.erase(it);  // detaches and releases the slot
            continue;
        }
        active.splice(active.end(), queue, it++);
    }
}

bool ClientCore::finish_hop(Transfer &t, CURLcode code, HttpResponse &r) {
    CURL *e = t.easy.get();
    long status = 0;
    curl_off_t total_us = 0, connect_us = 0, received = 0;
    char *content_type = nullptr;
    char *redirect_url = nullptr;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total_us);
    curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &connect_us);
    curl_easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &received);
    curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &content_type);
    curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &redirect_url);
    if (t.out_of_memory) throw std::bad_alloc();

    t.spent_ms += static_cast<double>(total_us) / 1000.0;
    r.status = status;
    r.final_url = t.url;
    r.content_type = content_type ? content_type : "";
    r.headers = std::move(t.response_headers);
    t.response_headers.clear();
    r.total_ms = t.spent_ms;
    r.connect_ms = static_cast<double>(connect_us) / 1000.0;
    r.bytes = static_cast<std::size_t>(received);
    r.redirects = t.redirects;

    auto fail = [&](HttpErrorKind kind, bool retryable, const std::string &reason) {
        r.error = kind;
        r.retryable = retryable;
        r.message = t.what() + ": " + reason;
        return false;
    };
    const std::string limit_text =
        "body exceeds the limit of " + std::to_string(options.max_body_bytes) + " bytes";

    if (code != CURLE_OK) {
        if (t.body_too_large || code == CURLE_FILESIZE_EXCEEDED)
            return fail(HttpErrorKind::TooLarge, false, limit_text);
        if (t.refused_address[0] != '\0' && code == CURLE_COULDNT_CONNECT)
            return fail(HttpErrorKind::NotAllowed, false,
                        std::string("address ") + t.refused_address + " is not allowed");
        std::string curl_text = t.error_buffer[0] ? t.error_buffer : curl_easy_strerror(code);
        CurlErrorClass c = classify_curl_error(code, curl_text);
        return fail(c.kind, c.retryable, c.reason);
    }

    if (is_redirect_status(status) && redirect_url && *redirect_url) {
        std::string target = redirect_url;
        if (t.redirects >= options.max_redirects)
            return fail(HttpErrorKind::HttpStatus, false,
                        "too many redirects (more than " + std::to_string(options.max_redirects) +
                            "), the last to " + target);
        std::string target_host;
        std::string why = check_url(target, &target_host);
        if (!why.empty())
            return fail(HttpErrorKind::NotAllowed, false, "redirect to " + target + " refused: " + why);
        t.follow(target, target_host, status);
        return true;
    }

    if (status >= 400) {
        const char *phrase = t.reason_phrase.empty() ? http_reason_phrase(status)
                                                     : t.reason_phrase.c_str();
        std::string reason = "HTTP " + std::to_string(status);
        if (*phrase) reason += std::string(" ") + phrase;
        if (status == 429 || status == 503) {
            for (const auto &[name, value] : r.headers) {
                if (iequals(name, "Retry-After")) {
                    r.retry_after_ms = parse_retry_after_ms(value, static_cast<int64_t>(std::time(nullptr)));
                    break;
                }
            }
        }
        r.body = std::move(t.body);
        return fail(HttpErrorKind::HttpStatus, http_status_retryable(status), reason);
    }
    r.body = std::move(t.body);
    r.error = HttpErrorKind::None;
    return false;
}

int ClientCore::collect_finished(Queue &queue, Queue &active, std::vector<HttpResponse> &results) {
    int finished = 0;
    int left = 0;
    while (CURLMsg *msg = curl_multi_info_read(multi.get(), &left)) {
        if (msg->msg != CURLMSG_DONE) continue;
        // Copied first: the message dies with curl_multi_remove_handle.
        CURL *easy = msg->easy_handle;
        CURLcode code = msg->data.result;
        auto it = std::find_if(active.begin(), active.end(),
                               [easy](const std::unique_ptr<Transfer> &t) { return t->easy.get() == easy; });
        if (it == active.end()) continue;
        Transfer &t = **it;
        ++finished;
        bool next_hop = finish_hop(t, code, results[t.index]);
        t.detach();  // the slot is free before the next hop queues for one
        if (next_hop) {
            // Already under way: ahead of requests that have not started.
            queue.splice(queue.begin(), active, it);
        } else {
            active.erase(it);
        }
    }
    return finished;
}

std::vector<HttpResponse> ClientCore::perform(const std::vector<HttpRequest> &requests,
                                              const std::function<bool()> &interrupted) {
    std::vector<HttpResponse> results(requests.size());
    Queue queue, active;

    auto give_up_unfinished = [&](HttpErrorKind kind, bool retryable, const std::string &reason) {
        for (Queue *list : {&active, &queue}) {
            for (const auto &t : *list) {
                HttpResponse &r = results[t->index];
                r.final_url = t->url;
                r.redirects = t->redirects;
                r.total_ms = t->spent_ms;
                r.error = kind;
                r.retryable = retryable;
                r.message = t->what() + ": " + reason;
            }
            list->clear();  // detaches: transfers aborted, slots given back
        }
    };

    try {
        for (std::size_t i = 0; i < requests.size(); ++i) {
            HttpResponse &r = results[i];
            r.user_index = requests[i].user_index;
            r.final_url = requests[i].url;
            std::string host;
            std::string why = check_url(requests[i].url, &host);
            for (const std::string &line : requests[i].headers)
                if (why.empty() && line.find_first_of("\r\n") != std::string::npos)
                    why = "header \"" + std::string(header_name(line)) + "\" contains a line break";
            for (const std::string &line : requests[i].credential_headers)
                if (why.empty() && line.find_first_of("\r\n") != std::string::npos)
                    why = "a credential header contains a line break";  // its name may be a secret too
            if (why.empty() && !requests[i].credential_headers.empty() && !iequals(host, requests[i].credential_host))
                why = "its credential is for host \"" + requests[i].credential_host + "\", not \"" + host + "\"";
            if (!why.empty()) {
                r.error = HttpErrorKind::NotAllowed;
                r.message = normalized_method(requests[i]) + " " + requests[i].url + ": " + why;
                continue;
            }
            queue.push_back(std::make_unique<Transfer>(*this, i, requests[i], std::move(host)));
        }

        while (!queue.empty() || !active.empty()) {
            if (interrupted && interrupted()) {
                give_up_unfinished(HttpErrorKind::Interrupted, true, "interrupted");
                break;
            }
            int64_t wait_us = kPollMs * 1000;
            start_ready(queue, active, results, &wait_us);

            int running = 0;
            CURLMcode mc = curl_multi_perform(multi.get(), &running);
            if (mc == CURLM_OUT_OF_MEMORY) throw std::bad_alloc();
            if (mc != CURLM_OK) {
                give_up_unfinished(HttpErrorKind::Network, false,
                                   std::string("curl failed (") + curl_multi_strerror(mc) + ")");
                break;
            }
            // A finished transfer freed a slot: start the next one without sleeping.
            if (collect_finished(queue, active, results) > 0) continue;
            if (queue.empty() && active.empty()) break;

            int wait_ms = static_cast<int>(std::max<int64_t>(1, (wait_us + 999) / 1000));
            mc = curl_multi_poll(multi.get(), nullptr, 0, wait_ms, nullptr);
            if (mc == CURLM_OUT_OF_MEMORY) throw std::bad_alloc();
            if (mc != CURLM_OK) {
                give_up_unfinished(HttpErrorKind::Network, false,
                                   std::string("curl failed (") + curl_multi_strerror(mc) + ")");
                break;
            }
        }
    } catch (const std::bad_alloc &) {
        throw;  // unwinding detaches every transfer
    } catch (const std::exception &e) {
        // From interrupted() or a limiter: the requests cannot go on, the caller learns why.
        give_up_unfinished(HttpErrorKind::Network, false, std::string("internal error: ") + e.what());
    } catch (...) {
        give_up_unfinished(HttpErrorKind::Network, false, "internal error: unknown exception");
    }
    return results;
}

std::string ClientCore::export_cookies() const {
    curl_slist *list = nullptr;
    CURLcode rc = curl_easy_getinfo(cookie_handle.get(), CURLINFO_COOKIELIST, &list);
    if (rc == CURLE_OUT_OF_MEMORY) throw std::bad_alloc();
    std::string out = "# Netscape HTTP Cookie File\n";
    try {
        for (curl_slist *p = list; p; p = p->next) {
            out += p->data;
            out += '\n';
        }
    } catch (...) {
        curl_slist_free_all(list);
        throw;
    }
    curl_slist_free_all(list);
    return out;
}

void ClientCore::import_cookies(const std::string &cookie_file) {
    // Checked first, so that a bad jar leaves the current one untouched.
    std::vector<std::string> lines;
    std::size_t line_no = 0;
    for (std::size_t pos = 0; pos <= cookie_file.size();) {
        std::size_t end = cookie_file.find('\n', pos);
        if (end == std::string::npos) end = cookie_file.size();
        std::string line = cookie_file.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (trim(line).empty()) continue;
        if (line[0] == '#' && line.rfind("#HttpOnly_", 0) != 0) continue;
        if (std::count(line.begin(), line.end(), '\t') != 6) {
            throw Error(sqlstate::kInvalidParameterValue,
                        "invalid cookie jar: line " + std::to_string(line_no) +
                            " is not a Netscape cookie line (7 tab-separated fields)");
        }
        lines.push_back(std::move(line));
    }
    CURL *e = cookie_handle.get();
    CURLcode rc = curl_easy_setopt(e, CURLOPT_COOKIELIST, "ALL");
    for (const std::string &line : lines) {
        if (rc != CURLE_OK) break;
        rc = curl_easy_setopt(e, CURLOPT_COOKIELIST, line.c_str());
    }
    if (rc == CURLE_OUT_OF_MEMORY) throw std::bad_alloc();
    if (rc != CURLE_OK)
        throw Error(sqlstate::kExternalRoutineException,
                    std::string("cookie jar could not be loaded: ") + curl_easy_strerror(rc));
}

}  // namespace

// ---------------------------------------------------------------- public API

std::string HttpResponse::header(const std::string &name) const {
    for (const auto &[n, v] : headers) {
        if (iequals(n, name)) return v;
    }
    return "";
}

struct HttpClient::Impl {
    Impl(HttpClientOptions options, HostLimiter *limiter) : core(std::move(options), limiter) {}
    ClientCore core;
};

HttpClient::HttpClient(HttpClientOptions options, HostLimiter *limiter)
    : impl_(std::make_unique<Impl>(std::move(options), limiter)) {}

HttpClient::~HttpClient() = default;

std::vector<HttpResponse> HttpClient::perform(const std::vector<HttpRequest> &requests,
                                              const std::function<bool()> &interrupted) {
    return impl_->core.perform(requests, interrupted);
}

HttpResponse HttpClient::fetch(const HttpRequest &request, const std::function<bool()> &interrupted) {
    std::vector<HttpResponse> results = perform({request}, interrupted);
    return std::move(results.front());
}

std::string HttpClient::export_cookies() const { return impl_->core.export_cookies(); }

void HttpClient::import_cookies(const std::string &cookie_file) {
    impl_->core.import_cookies(cookie_file);
}

const HttpClientOptions &HttpClient::options() const { return impl_->core.options; }

bool host_is_allowed(const std::vector<std::string> &allowed_hosts, const std::string &host,
                     long port) {
    std::vector<HostRule> rules;
    for (const std::string &entry : allowed_hosts) {
        HostRule rule;
        if (parse_host_rule(entry, rule, nullptr)) rules.push_back(rule);
    }
    return rules_allow(rules, normalize_url_host(host), port);
}

std::string forbidden_address_reason(const std::string &numeric_address) {
    unsigned char buf[16];
    if (inet_pton(AF_INET, numeric_address.c_str(), buf) == 1) {
        uint32_t a = (uint32_t(buf[0]) << 24) | (uint32_t(buf[1]) << 16) | (uint32_t(buf[2]) << 8) |
                     uint32_t(buf[3]);
        const char *why = forbidden_v4(a);
        return why ? why : "";
    }
    std::string text = numeric_address;
    if (text.size() > 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
    if (inet_pton(AF_INET6, text.c_str(), buf) == 1) {
        const char *why = forbidden_v6(buf);
        return why ? why : "";
    }
    return "";
}

}  // namespace realmap::net

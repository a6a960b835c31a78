// The HTTP client against the portal simulator (test/portal/server.py), plus its pure
// helpers: what a user of the client would notice, each assertion able to fail.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "net/form.hpp"
#include "net/host_limit.hpp"
#include "net/http_client.hpp"
#include "net/http_errors.hpp"
#include "sim_server.hpp"

using namespace realmap::net;
using realmap::test::sim;
using Json = nlohmann::json;

namespace {

const std::string kDetail = "/Promoter_Reg_Only_View_Application_new.aspx?MyID=MQ==";
const std::string kNotFound = "/other";  // the simulator's `other` endpoint: 404

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

bool contains(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

// Counts the slots the client takes and gives back.
class CountingLimiter : public HostLimiter {
public:
    bool try_acquire(const std::string &host, const HostLimits &limits, int64_t now_us,
                     int64_t *retry_in_us) override {
        bool ok = inner.try_acquire(host, limits, now_us, retry_in_us);
        if (ok) {
            ++acquired;
            hosts.push_back(host);
        }
        return ok;
    }
    void release(const std::string &host) override {
        ++released;
        inner.release(host);
    }
    LocalHostLimiter inner;
    int acquired = 0, released = 0;
    std::vector<std::string> hosts;
};

class HttpClientTest : public ::testing::Test {
protected:
    // Also starts the simulator on first use, from the main thread.
    void SetUp() override { sim().reset(); }

    static std::string url(const std::string &path) { return sim().base_url() + path; }

    static HttpRequest get(const std::string &path, std::size_t user_index = 0) {
        HttpRequest r;
        r.url = url(path);
        r.user_index = user_index;
        return r;
    }

    // Limits out of the way unless a test is about them.
    static HttpClientOptions options() {
        HttpClientOptions o;
        o.user_agent = "realmap-unit-test";
        o.allowed_hosts = {"127.0.0.1"};
        o.connect_timeout_ms = 5000;
        o.total_timeout_ms = 20000;
        o.max_concurrent_per_host = 8;
        o.max_requests_per_second_per_host = 0;
        return o;
    }
};

}  // namespace

// ------------------------------------------------------------------ pure helpers

TEST(HttpForm, EncodesAspNetFieldNamesAndValuesLikeABrowser) {
    EXPECT_EQ(form_urlencode({{"ctl00$ContentPlaceHolder1$District_Name", "14"},
                              {"__EVENTTARGET", ""},
                              {"q", "a b&c=d/é"}}),
              "ctl00%24ContentPlaceHolder1%24District_Name=14&__EVENTTARGET=&q=a+b%26c%3Dd%2F%C3%A9");
    EXPECT_EQ(form_urlencode_component("AZaz09*-._~+"), "AZaz09*-._%7E%2B");
    EXPECT_EQ(form_urlencode({}), "");
}

TEST(HttpErrors, RetryAfterAsSecondsOrHttpDate) {
    const int64_t now = 946684800;  // Sat, 01 Jan 2000 00:00:00 GMT
    EXPECT_EQ(parse_retry_after_ms("2", now), 2000);
    EXPECT_EQ(parse_retry_after_ms(" 120 ", now), 120000);
    EXPECT_EQ(parse_retry_after_ms("Sat, 01 Jan 2000 00:01:30 GMT", now), 90000);
    EXPECT_EQ(parse_retry_after_ms("Fri, 31 Dec 1999 23:59:59 GMT", now), 0) << "past: now";
    EXPECT_EQ(parse_retry_after_ms("", now), -1);
    EXPECT_EQ(parse_retry_after_ms("soon", now), -1);
    EXPECT_EQ(parse_retry_after_ms("-5", now), -1);
}

TEST(HttpErrors, WhichStatusesAreWorthRetrying) {
    for (long s : {500L, 502L, 503L, 504L, 429L, 408L}) EXPECT_TRUE(http_status_retryable(s)) << s;
    for (long s : {400L, 401L, 403L, 404L, 410L, 413L}) EXPECT_FALSE(http_status_retryable(s)) << s;
    EXPECT_STREQ(http_reason_phrase(503), "Service Unavailable");
}

TEST(HttpPolicy, AllowedHostsMatchExactlyByPortAndByWildcard) {
    const std::vector<std::string> allowed = {"Portal.Example.ORG", "api.example.net:8443",
                                              "*.tiles.example.com", "[::1]"};
    EXPECT_TRUE(host_is_allowed(allowed, "portal.example.org", 443));
    EXPECT_TRUE(host_is_allowed(allowed, "PORTAL.example.org", 80)) << "case-insensitive, any port";
    EXPECT_TRUE(host_is_allowed(allowed, "portal.example.org.", 80)) << "trailing dot";
    EXPECT_FALSE(host_is_allowed(allowed, "evil-portal.example.org", 80));
    EXPECT_FALSE(host_is_allowed(allowed, "portal.example.org.evil.net", 80));
    EXPECT_TRUE(host_is_allowed(allowed, "api.example.net", 8443));
    EXPECT_FALSE(host_is_allowed(allowed, "api.example.net", 443)) << "port pinned";
    EXPECT_TRUE(host_is_allowed(allowed, "a.tiles.example.com", 443));
    EXPECT_TRUE(host_is_allowed(allowed, "b.a.tiles.example.com", 443));
    EXPECT_FALSE(host_is_allowed(allowed, "tiles.example.com", 443)) << "subdomains only";
    EXPECT_FALSE(host_is_allowed(allowed, "xtiles.example.com", 443));
    EXPECT_TRUE(host_is_allowed(allowed, "[::1]", 80));
    EXPECT_FALSE(host_is_allowed({}, "portal.example.org", 80)) << "empty list: nothing";
    EXPECT_TRUE(host_is_allowed({"*"}, "anything.example", 80));
}

TEST(HttpPolicy, LinkLocalAndMetadataAddressesAreForbiddenLoopbackIsNot) {
    EXPECT_EQ(forbidden_address_reason("169.254.169.254"), "cloud metadata");
    EXPECT_EQ(forbidden_address_reason("fd00:ec2::254"), "cloud metadata");
    EXPECT_EQ(forbidden_address_reason("169.254.1.1"), "link-local");
    EXPECT_EQ(forbidden_address_reason("fe80::1"), "link-local");
    EXPECT_EQ(forbidden_address_reason("febf::1"), "link-local");
    EXPECT_EQ(forbidden_address_reason("::ffff:169.254.169.254"), "cloud metadata");
    EXPECT_EQ(forbidden_address_reason("127.0.0.1"), "");
    EXPECT_EQ(forbidden_address_reason("::1"), "");
    EXPECT_EQ(forbidden_address_reason("169.253.255.255"), "");
    EXPECT_EQ(forbidden_address_reason("fec0::1"), "");
    EXPECT_EQ(forbidden_address_reason("93.184.216.34"), "");
}

TEST(HttpPolicy, InvalidOptionsAreRefusedAtConstruction) {
    for (const char *bad : {"http://portal.example.org", "portal.example.org/path", "", "host:0",
                            "host:99999", "host:", "por*tal.example.org"}) {
        HttpClientOptions o;
        o.allowed_hosts = {bad};
        try {
            HttpClient client(o);
            ADD_FAILURE() << "accepted allowed host \"" << bad << "\"";
        } catch (const realmap::Error &e) {
            EXPECT_EQ(e.sqlstate(), "22023");
            EXPECT_TRUE(contains(e.what(), bad)) << e.what();
        }
    }
    HttpClientOptions o;
    o.total_timeout_ms = 0;
    EXPECT_THROW(HttpClient client(o), realmap::Error);
}

// ------------------------------------------------------------------ against the simulator

TEST_F(HttpClientTest, GzipBodyIsDecoded) {
    HttpClient client(options());
    HttpResponse r = client.fetch(get(kDetail));
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("content-encoding"), "gzip");
    EXPECT_TRUE(contains(r.body, "Project Detail"));
    EXPECT_LT(r.bytes * 2, r.body.size()) << "compressed on the wire, decoded in body";
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(r.final_url, url(kDetail));
    EXPECT_TRUE(r.message.empty());
}

TEST_F(HttpClientTest, KeepAliveReusesConnectionsAcrossPerformCalls) {
    HttpClientOptions o = options();
    o.max_concurrent_per_host = 2;
    HttpClient client(o);
    const std::vector<HttpRequest> batch(10, get(kNotFound));
    for (int round = 0; round < 3; ++round) {
        for (const HttpResponse &r : client.perform(batch)) ASSERT_EQ(r.status, 404) << r.message;
    }
    Json stats = sim().stats("other");
    std::set<std::string> connections;
    for (const Json &t : stats["timestamps"]) connections.insert(t["client"].get<std::string>());
    EXPECT_EQ(stats["timestamps"].size(), 30u);
    EXPECT_LE(connections.size(), 2u) << "30 requests, 3 perform() calls, 2 slots";
    EXPECT_LE(stats["peak_concurrent_connections"].get<int>(), 2);
}

TEST_F(HttpClientTest, CookieJarSendsTheSessionBackAndSurvivesExportImport) {
    HttpClient client(options());
    HttpResponse first = client.fetch(get(kDetail));
    ASSERT_TRUE(first.ok()) << first.message;
    const std::string set_cookie = first.header("Set-Cookie");
    ASSERT_EQ(set_cookie.rfind("ASP.NET_SessionId=", 0), 0u) << set_cookie;
    const std::string session = set_cookie.substr(18, set_cookie.find(';') - 18);

    // The simulator issues a session to every request that does not bring one.
    EXPECT_EQ(client.fetch(get(kDetail)).header("Set-Cookie"), "") << "session not sent back";

    const std::string jar = client.export_cookies();
    EXPECT_TRUE(contains(jar, "ASP.NET_SessionId\t" + session)) << jar;
    EXPECT_TRUE(contains(jar, "#HttpOnly_127.0.0.1")) << jar;

    HttpClient restored(options());
    restored.import_cookies(jar);
    EXPECT_EQ(restored.export_cookies(), jar);
    EXPECT_EQ(restored.fetch(get(kDetail)).header("Set-Cookie"), "") << "imported session not sent";

    HttpClient fresh(options());
    EXPECT_NE(fresh.fetch(get(kDetail)).header("Set-Cookie"), "") << "control: a new client has none";
    EXPECT_THROW(fresh.import_cookies("not a cookie line\n"), realmap::Error);
    restored.import_cookies("");
    EXPECT_FALSE(contains(restored.export_cookies(), "ASP.NET_SessionId")) << "import replaces";
}

TEST_F(HttpClientTest, PostSendsAFormBody) {
    HttpClient client(options());
    HttpRequest req;
    req.method = "POST";
    req.url = url("/api/interpreter");
    req.content_type = kFormContentType;
    req.body = form_urlencode(
        {{"data", "[out:json];node[\"amenity\"=\"school\"](around:2000,21.25,81.63);out;"}});
    HttpResponse r = client.fetch(req);
    ASSERT_TRUE(r.ok()) << r.message << "\n" << r.body.substr(0, 300);
    EXPECT_TRUE(contains(r.body, "\"elements\"")) << r.body.substr(0, 300);
}

TEST_F(HttpClientTest, ServerErrorIsRetryableAndNamesTheUrl) {
    sim().set_faults({{"detail", {{"error_rate", 1}, {"error_status", 500}}}});
    HttpClient client(options());
    HttpResponse r = client.fetch(get(kDetail));
    EXPECT_EQ(r.error, HttpErrorKind::HttpStatus);
    EXPECT_EQ(r.status, 500);
    EXPECT_TRUE(r.retryable);
    EXPECT_EQ(r.message, "GET " + url(kDetail) + ": HTTP 500 Internal Server Error");
    EXPECT_FALSE(r.body.empty()) << "the error page is kept for diagnosis";

    sim().set_faults({{"detail", {{"error_rate", 1}}}});  // 503 by default
    r = client.fetch(get(kDetail));
    EXPECT_EQ(r.message, "GET " + url(kDetail) + ": HTTP 503 Service Unavailable");
    EXPECT_TRUE(r.retryable);
}

TEST_F(HttpClientTest, NotFoundIsNotRetryable) {
    HttpClient client(options());
    HttpResponse r = client.fetch(get(kNotFound));
    EXPECT_EQ(r.error, HttpErrorKind::HttpStatus);
    EXPECT_EQ(r.status, 404);
    EXPECT_FALSE(r.retryable);
    EXPECT_EQ(r.message, "GET " + url(kNotFound) + ": HTTP 404 Not Found");
}

TEST_F(HttpClientTest, TooManyRequestsCarriesRetryAfter) {
    sim().set_faults({{"detail", {{"rate_429", 1}, {"retry_after", 7}}}});
    HttpClient client(options());
    HttpResponse r = client.fetch(get(kDetail));
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.error, HttpErrorKind::HttpStatus);
    EXPECT_TRUE(r.retryable);
    EXPECT_EQ(r.retry_after_ms, 7000);
    EXPECT_TRUE(contains(r.message, "HTTP 429 Too Many Requests")) << r.message;
}

TEST_F(HttpClientTest, ConnectionResetIsARetryableNetworkError) {
    sim().set_faults({{"detail", {{"reset_rate", 1}}}});
    HttpClient client(options());
    HttpResponse r = client.fetch(get(kDetail));
    EXPECT_EQ(r.error, HttpErrorKind::Network);
    EXPECT_TRUE(r.retryable);
    EXPECT_EQ(r.message.rfind("GET " + url(kDetail) + ": connection", 0), 0u) << r.message;
}

TEST_F(HttpClientTest, GarbageIsNotAnHttpResponse) {
    sim().set_faults({{"detail", {{"garbage_rate", 1}}}});
    HttpClient client(options());
    HttpResponse r = client.fetch(get(kDetail));
    EXPECT_EQ(r.error, HttpErrorKind::Network);
    EXPECT_TRUE(r.retryable);
    EXPECT_EQ(r.message.rfind("GET " + url(kDetail) + ": not an HTTP response", 0), 0u) << r.message;
}

TEST_F(HttpClientTest, TruncatedBodyIsARetryableNetworkError) {
    sim().set_faults({{"detail", {{"truncate_rate", 1}}}});
    HttpClient client(options());
    HttpResponse r = client.fetch(get(kDetail));
    EXPECT_EQ(r.error, HttpErrorKind::Network);
    EXPECT_TRUE(r.retryable);
    EXPECT_EQ(r.message.rfind("GET " + url(kDetail) + ": truncated body", 0), 0u) << r.message;
    EXPECT_TRUE(r.body.empty()) << "half a page is not a page";
}

TEST_F(HttpClientTest, ConnectionRefusedIsARetryableNetworkError) {
    HttpClient client(options());
    HttpRequest req;
    req.url = "http://127.0.0.1:1/x";
    HttpResponse r = client.fetch(req);
    EXPECT_EQ(r.error, HttpErrorKind::Network);
    EXPECT_TRUE(r.retryable);
    EXPECT_TRUE(contains(r.message, "http://127.0.0.1:1/x: could not connect")) << r.message;
}

TEST_F(HttpClientTest, TotalTimeoutIsARetryableTimeout) {
    sim().set_faults({{"captcha", {{"latency_ms", 3000}}}});
    HttpClientOptions o = options();
    o.total_timeout_ms = 300;
    HttpClient client(o);
    auto t0 = Clock::now();
    HttpResponse r = client.fetch(get("/CaptchaImage.ashx"));
    EXPECT_LT(ms_since(t0), 2500);
    EXPECT_EQ(r.error, HttpErrorKind::Timeout);
    EXPECT_TRUE(r.retryable);
    EXPECT_TRUE(contains(r.message, ": timed out")) << r.message;
}

TEST_F(HttpClientTest, AnnouncedOversizeBodyIsRefusedEarly) {
    sim().set_faults({{"detail", {{"oversize_rate", 1}}}});  // 64 MiB, Content-Length set
    HttpClientOptions o = options();
    o.max_body_bytes = 1 << 20;
    HttpClient client(o);
    HttpResponse r = client.fetch(get(kDetail));
    EXPECT_EQ(r.error, HttpErrorKind::TooLarge);
    EXPECT_FALSE(r.retryable);
    EXPECT_EQ(r.message, "GET " + url(kDetail) + ": body exceeds the limit of 1048576 bytes");
    EXPECT_TRUE(r.body.empty());
    EXPECT_LT(r.bytes, 2u << 20) << "aborted, not downloaded";
}

TEST_F(HttpClientTest, DecodedBodyOverTheLimitIsRefused) {
    // About 9 kB gzip on the wire (under the limit), 46 kB decoded (over it).
    HttpClientOptions o = options();
    o.max_body_bytes = 20000;
    HttpClient client(o);
    HttpResponse r = client.fetch(get(kDetail));
    EXPECT_EQ(r.error, HttpErrorKind::TooLarge);
    EXPECT_TRUE(contains(r.message, "body exceeds the limit of 20000 bytes")) << r.message;
}

TEST_F(HttpClientTest, RedirectToAnotherHostIsRefusedNamingBoth) {
    sim().set_faults({{"detail", {{"redirect_rate", 1}}}});  // to http://portal-mirror.invalid
    CountingLimiter limiter;
    HttpClient client(options(), &limiter);
    HttpResponse r = client.fetch(get(kDetail));
    EXPECT_EQ(r.error, HttpErrorKind::NotAllowed);
    EXPECT_FALSE(r.retryable);
    EXPECT_EQ(r.status, 302);
    EXPECT_EQ(r.message, "GET " + url(kDetail) + ": redirect to http://portal-mirror.invalid" + kDetail +
                             " refused: host \"portal-mirror.invalid\" is not allowed (allowed: 127.0.0.1)");
    EXPECT_EQ(limiter.acquired, 1) << "no slot for the refused host";
    EXPECT_EQ(limiter.released, 1);
}

TEST_F(HttpClientTest, RedirectWithinAllowedHostsTakesASlotPerHop) {
    sim().set_faults({{"detail", {{"redirect_rate", 1},
                                  {"redirect_to", "http://localhost:" + std::to_string(sim().port())},
                                  {"times", 1}}}});
    HttpClientOptions o = options();
    o.allowed_hosts = {"127.0.0.1", "LOCALHOST"};
    CountingLimiter limiter;
    HttpClient client(o, &limiter);
    HttpResponse r = client.fetch(get(kDetail));
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.redirects, 1);
    EXPECT_EQ(r.final_url, "http://localhost:" + std::to_string(sim().port()) + kDetail);
    EXPECT_TRUE(contains(r.body, "Project Detail"));
    EXPECT_EQ(limiter.hosts, (std::vector<std::string>{"127.0.0.1", "localhost"}));
    EXPECT_EQ(limiter.released, 2);
    EXPECT_EQ(limiter.inner.inflight("127.0.0.1") + limiter.inner.inflight("localhost"), 0);
}

TEST_F(HttpClientTest, CredentialHeadersGoToTheRequestsHostOnly) {
    const std::string key = "X-Api-Key: k-7f3a";
    HttpClientOptions o = options();
    o.allowed_hosts = {"127.0.0.1", "localhost"};
    HttpClient client(o);
    HttpRequest with_key = get(kDetail);
    with_key.credential_headers = {key};
    with_key.credential_host = "127.0.0.1";
    // the "gateway" asks every request for the key
    sim().set_faults({{"*", {{"require_header", key}}}});
    EXPECT_EQ(client.fetch(get(kDetail)).status, 401);
    HttpResponse direct = client.fetch(with_key);
    ASSERT_TRUE(direct.ok()) << direct.message;
    // a redirect within the same host keeps the key
    sim().set_faults({{"*", {{"require_header", key}}},
                      {"detail", {{"redirect_rate", 1}, {"redirect_to", sim().base_url()}, {"times", 1}}}});
    HttpResponse same = client.fetch(with_key);
    EXPECT_TRUE(same.ok()) << same.message;
    EXPECT_EQ(same.redirects, 1);
    // a redirect to another (allowed) host does not get it
    sim().set_faults({{"*", {{"require_header", key}}},
                      {"detail", {{"redirect_rate", 1},
                                  {"redirect_to", "http://localhost:" + std::to_string(sim().port())},
                                  {"times", 1}}}});
    HttpResponse other = client.fetch(with_key);
    EXPECT_EQ(other.redirects, 1);
    EXPECT_EQ(other.status, 401) << "the key was handed to another host";
    EXPECT_EQ(other.message.find("k-7f3a"), std::string::npos) << other.message;
    // a request to another host than the credential's is refused before it is sent
    sim().reset();
    HttpRequest elsewhere = with_key;
    elsewhere.url = "http://localhost:" + std::to_string(sim().port()) + kDetail;
    HttpResponse refused = client.fetch(elsewhere);
    EXPECT_EQ(refused.error, HttpErrorKind::NotAllowed);
    EXPECT_EQ(refused.message, "GET " + elsewhere.url + ": its credential is for host \"127.0.0.1\", not \"localhost\"");
    EXPECT_EQ(sim().stats("detail")["total_requests"].get<int>(), 0);
}

TEST_F(HttpClientTest, HeaderLinesWithLineBreaksAreRefusedWithoutShowingThem) {
    HttpClient client(options());
    HttpRequest r = get(kDetail);
    r.credential_headers = {"X-Api-Key: k-7f3a\r\nX-Injected: 1"};
    r.credential_host = "127.0.0.1";
    HttpResponse res = client.fetch(r);
    EXPECT_EQ(res.error, HttpErrorKind::NotAllowed);
    EXPECT_EQ(res.message, "GET " + url(kDetail) + ": a credential header contains a line break");
    r = get(kDetail);
    r.headers = {"X-Note: a\nX-Injected: 1"};
    res = client.fetch(r);
    EXPECT_EQ(res.error, HttpErrorKind::NotAllowed);
    EXPECT_EQ(res.message, "GET " + url(kDetail) + ": header \"X-Note\" contains a line break");
}

TEST_F(HttpClientTest, RedirectLoopStopsAfterMaxRedirects) {
    sim().set_faults({{"detail", {{"redirect_rate", 1}, {"redirect_to", sim().base_url()}}}});
    HttpClientOptions o = options();
    o.max_redirects = 3;
    HttpClient client(o);
    HttpResponse r = client.fetch(get(kDetail));
    EXPECT_EQ(r.error, HttpErrorKind::HttpStatus);
    EXPECT_FALSE(r.retryable);
    EXPECT_EQ(r.redirects, 3);
    EXPECT_TRUE(contains(r.message, "too many redirects (more than 3)")) << r.message;
    EXPECT_EQ(sim().stats("detail")["by_endpoint"]["detail"]["302"].get<int>(), 4);
}

TEST_F(HttpClientTest, DisallowedHostIsRefusedBeforeAnyRequest) {
    HttpClientOptions o = options();
    o.allowed_hosts = {"localhost", "*.example.org"};
    HttpClient client(o);
    HttpResponse r = client.fetch(get(kDetail));
    EXPECT_EQ(r.error, HttpErrorKind::NotAllowed);
    EXPECT_FALSE(r.retryable);
    EXPECT_EQ(r.message, "GET " + url(kDetail) +
                             ": host \"127.0.0.1\" is not allowed (allowed: localhost, *.example.org)");

    o.allowed_hosts = {"127.0.0.1:1"};
    HttpClient pinned(o);
    r = pinned.fetch(get(kDetail));
    EXPECT_EQ(r.error, HttpErrorKind::NotAllowed);
    EXPECT_TRUE(contains(r.message, "port " + std::to_string(sim().port()) + " of host \"127.0.0.1\""))
        << r.message;
    EXPECT_EQ(sim().stats()["total_requests"].get<int>(), 0);
}

TEST_F(HttpClientTest, OnlyHttpAndHttpsSchemes) {
    HttpClient client(options());
    for (const char *u : {"ftp://127.0.0.1/x", "file:///etc/passwd", "gopher://127.0.0.1/"}) {
        HttpRequest req;
        req.url = u;
        HttpResponse r = client.fetch(req);
        EXPECT_EQ(r.error, HttpErrorKind::NotAllowed) << u;
        EXPECT_TRUE(contains(r.message, "is not allowed (only http and https)")) << r.message;
    }
    HttpRequest junk;
    junk.url = "not a url";
    HttpResponse r = client.fetch(junk);
    EXPECT_EQ(r.error, HttpErrorKind::NotAllowed);
    EXPECT_TRUE(contains(r.message, "invalid URL")) << r.message;
}

TEST_F(HttpClientTest, MetadataAndLinkLocalAddressesAreRefusedEvenWhenAllowed) {
    HttpClientOptions o = options();
    o.allowed_hosts = {"169.254.169.254", "169.254.1.1"};
    HttpClient client(o);
    HttpRequest metadata, link_local;
    metadata.url = "http://169.254.169.254/latest/meta-data/";
    link_local.url = "http://169.254.1.1/";
    std::vector<HttpResponse> rs = client.perform({metadata, link_local});
    EXPECT_EQ(rs[0].error, HttpErrorKind::NotAllowed);
    EXPECT_FALSE(rs[0].retryable);
    EXPECT_EQ(rs[0].message,
              "GET http://169.254.169.254/latest/meta-data/: address 169.254.169.254 (cloud metadata) "
              "is not allowed");
    EXPECT_EQ(rs[1].error, HttpErrorKind::NotAllowed);
    EXPECT_TRUE(contains(rs[1].message, "address 169.254.1.1 (link-local)")) << rs[1].message;
}

TEST_F(HttpClientTest, MetadataIpv6AddressIsRefused) {
    int probe = socket(AF_INET6, SOCK_STREAM, 0);
    if (probe < 0) GTEST_SKIP() << "no IPv6 sockets on this machine";
    close(probe);
    HttpClientOptions o = options();
    o.allowed_hosts = {"fd00:ec2::254"};
    HttpClient client(o);
    HttpRequest req;
    req.url = "http://[fd00:ec2::254]/latest/meta-data/";
    HttpResponse r = client.fetch(req);
    EXPECT_EQ(r.error, HttpErrorKind::NotAllowed);
    EXPECT_TRUE(contains(r.message, "address fd00:ec2::254 (cloud metadata) is not allowed")) << r.message;
}

TEST_F(HttpClientTest, InterruptAbortsHeldTransfersQuickly) {
    sim().set_faults({{"documents", {{"latency_ms", 5000}}}});
    HttpClientOptions o = options();
    o.max_concurrent_per_host = 1;  // one on the wire, two waiting in the queue
    HttpClient client(o);
    const HttpRequest slow = get("/Content/ProjectDocuments/Application_1/x.pdf");
    int calls = 0;
    auto t0 = Clock::now();
    std::vector<HttpResponse> rs = client.perform({slow, slow, slow}, [&] {
        ++calls;
        return ms_since(t0) > 100;
    });
    double elapsed = ms_since(t0);
    EXPECT_LT(elapsed, 1500) << "held for 5 s by the server";
    EXPECT_GE(calls, 2);
    for (const HttpResponse &r : rs) {
        EXPECT_EQ(r.error, HttpErrorKind::Interrupted);
        EXPECT_EQ(r.message, "GET " + slow.url + ": interrupted");
    }
}

TEST_F(HttpClientTest, ResultsFollowRequestOrder) {
    HttpClient client(options());
    HttpRequest ftp;
    ftp.url = "ftp://127.0.0.1/x";
    ftp.user_index = 9;
    std::vector<HttpResponse> rs = client.perform({get(kNotFound, 7), get(kDetail, 8), ftp});
    ASSERT_EQ(rs.size(), 3u);
    EXPECT_EQ(rs[0].status, 404);
    EXPECT_EQ(rs[0].user_index, 7u);
    EXPECT_TRUE(rs[1].ok()) << rs[1].message;
    EXPECT_EQ(rs[1].user_index, 8u);
    EXPECT_EQ(rs[2].error, HttpErrorKind::NotAllowed);
    EXPECT_EQ(rs[2].user_index, 9u);
    EXPECT_TRUE(client.perform({}).empty());
}

TEST_F(HttpClientTest, PerHostConcurrencyLimitHolds) {
    sim().set_faults({{"detail", {{"latency_ms", 200}}}});
    HttpClient client(options());  // 8 per host
    std::vector<HttpResponse> rs = client.perform(std::vector<HttpRequest>(64, get(kDetail)));
    for (const HttpResponse &r : rs) ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(sim().stats("detail")["peak_inflight"]["detail"].get<int>(), 8);
}

TEST_F(HttpClientTest, ConcurrencyLimitHoldsAcrossTwoClientsSharingALimiter) {
    sim().set_faults({{"other", {{"latency_ms", 200}}}});
    LocalHostLimiter shared;  // stands for the table in shared memory
    const std::vector<HttpRequest> batch(32, get(kNotFound));
    std::vector<HttpResponse> a, b;
    auto run = [&](std::vector<HttpResponse> *out) {
        HttpClient client(options(), &shared);
        *out = client.perform(batch);
    };
    std::thread one(run, &a), two(run, &b);
    one.join();
    two.join();
    for (const auto *rs : {&a, &b}) {
        ASSERT_EQ(rs->size(), 32u);
        for (const HttpResponse &r : *rs) ASSERT_EQ(r.status, 404) << r.message;
    }
    EXPECT_EQ(sim().stats("other")["peak_inflight"]["other"].get<int>(), 8);
    EXPECT_EQ(shared.inflight("127.0.0.1"), 0);
}

TEST_F(HttpClientTest, RateLimitSpacesRequests) {
    HttpClientOptions o = options();
    o.max_requests_per_second_per_host = 20;
    HttpClient client(o);
    std::vector<HttpResponse> rs = client.perform(std::vector<HttpRequest>(40, get(kNotFound)));
    for (const HttpResponse &r : rs) ASSERT_EQ(r.status, 404) << r.message;
    std::vector<double> t;
    const Json stats = sim().stats("other");
    for (const Json &e : stats["timestamps"]) t.push_back(e["t"].get<double>());
    ASSERT_EQ(t.size(), 40u);
    auto [lo, hi] = std::minmax_element(t.begin(), t.end());
    EXPECT_GE(*hi - *lo, 1.9) << "39 gaps of 50 ms at the server";
}

TEST_F(HttpClientTest, LimitGroupHasItsOwnBudgetOnTheSameHost) {
    // The portal's pages at the client's limit (8) and a grouped service at 1 in flight,
    // 10 starts per second, on one host: each keeps its own budget.
    sim().set_faults({{"detail", {{"latency_ms", 200}}}, {"nominatim", {{"latency_ms", 50}}}});
    LocalHostLimiter shared;
    HttpClient client(options(), &shared);
    std::vector<HttpRequest> batch(32, get(kDetail));
    for (int i = 0; i < 6; i++) {
        HttpRequest r = get("/search?q=Raipur&format=json&limit=1");
        r.limit_group = "nominatim";
        r.limits.max_concurrent = 1;
        r.limits.max_per_second = 10;
        batch.push_back(r);
    }
    std::vector<HttpResponse> rs = client.perform(batch);
    for (const HttpResponse &r : rs) ASSERT_TRUE(r.ok()) << r.message;
    const Json stats = sim().stats();
    EXPECT_EQ(stats["peak_inflight"]["detail"].get<int>(), 8);
    EXPECT_EQ(stats["peak_inflight"]["nominatim"].get<int>(), 1);
    std::vector<double> t;
    for (const Json &e : stats["timestamps"])
        if (e["endpoint"] == "nominatim") t.push_back(e["t"].get<double>());
    ASSERT_EQ(t.size(), 6u) << stats.dump();
    auto [lo, hi] = std::minmax_element(t.begin(), t.end());
    EXPECT_GE(*hi - *lo, 0.45) << "5 gaps of at least 100 ms";
    EXPECT_EQ(shared.inflight("nominatim@127.0.0.1"), 0);
}

#include "pg/http_process_client.hpp"

#include "pg/guard.hpp"
#include "pg/host_limit_shmem.hpp"
#include "pg/pg_headers.hpp"
#include "pg/worker.hpp"

extern "C" {
#include "miscadmin.h"
}

namespace realmap::pg {

namespace {

net::HttpClient *client = nullptr;

bool same_options(const net::HttpClientOptions &a, const net::HttpClientOptions &b) {
    return a.user_agent == b.user_agent && a.allowed_hosts == b.allowed_hosts &&
           a.connect_timeout_ms == b.connect_timeout_ms && a.total_timeout_ms == b.total_timeout_ms &&
           a.max_body_bytes == b.max_body_bytes && a.max_redirects == b.max_redirects &&
           a.max_concurrent_per_host == b.max_concurrent_per_host &&
           a.max_requests_per_second_per_host == b.max_requests_per_second_per_host &&
           a.max_concurrent_total == b.max_concurrent_total;
}

}  // namespace

net::HttpClient &process_http_client(const net::HttpClientOptions &options) {
    if (client != nullptr && same_options(client->options(), options)) return *client;
    delete client;
    client = nullptr;
    client = new net::HttpClient(options, shared_host_limiter());
    return *client;
}

bool postgres_interrupt_pending() { return QueryCancelPending || ProcDiePending || got_sigterm; }

char *palloc_copy(const std::string &s) {
    const char *data = s.data();
    Size len = s.size();
    return pg_call([data, len]() { return pnstrdup(data, len); });
}

}  // namespace realmap::pg

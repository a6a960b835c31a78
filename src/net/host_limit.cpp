#include "net/host_limit.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace realmap::net {

namespace {

// The table key of a host: lower case, cut to fit.  Cutting can only make two very
// long names share one limit, which errs on the polite side.
void host_key(const char *host, char (&out)[kHostLimitHostSize]) {
    std::size_t i = 0;
    for (; host[i] != '\0' && i + 1 < kHostLimitHostSize; ++i) {
        char c = host[i];
        out[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    out[i] = '\0';
}

HostLimitEntry *find_entry(HostLimitTable *table, const char (&key)[kHostLimitHostSize]) {
    for (int32_t i = 0; i < table->used; ++i) {
        if (std::strcmp(table->entries[i].host, key) == 0) return &table->entries[i];
    }
    return nullptr;
}

// An entry that no longer constrains anyone: nothing in flight, rate interval over.
// Reusing it keeps a long-running cluster from filling the table with hosts it
// talked to once.
HostLimitEntry *reusable_entry(HostLimitTable *table, int64_t now_us) {
    for (int32_t i = 0; i < table->used; ++i) {
        HostLimitEntry &e = table->entries[i];
        if (e.inflight <= 0 && e.next_start_us <= now_us) return &e;
    }
    return nullptr;
}

HostLimitEntry *claim_entry(HostLimitTable *table, const char (&key)[kHostLimitHostSize],
                            int64_t now_us) {
    HostLimitEntry *e = nullptr;
    if (table->used < table->capacity) {
        e = &table->entries[table->used++];
    } else {
        e = reusable_entry(table, now_us);
        if (!e) return nullptr;
    }
    std::memcpy(e->host, key, sizeof(e->host));
    e->inflight = 0;
    e->next_start_us = 0;
    return e;
}

int64_t rate_interval_us(double max_per_second) {
    if (!(max_per_second > 0)) return 0;  // also catches NaN
    double us = 1e6 / max_per_second;
    return us >= 9e18 ? INT64_MAX / 4 : static_cast<int64_t>(std::llround(us));
}

}  // namespace

std::size_t host_limit_table_size(int capacity) {
    std::size_t n = capacity < 1 ? 1 : static_cast<std::size_t>(capacity);
    return offsetof(HostLimitTable, entries) + n * sizeof(HostLimitEntry);
}

void host_limit_table_init(HostLimitTable *table, int capacity) {
    std::memset(static_cast<void *>(table), 0, host_limit_table_size(capacity));
    table->capacity = capacity < 1 ? 1 : capacity;
    table->used = 0;
}

bool host_limit_try_acquire(HostLimitTable *table, const char *host, int max_concurrent,
                            double max_per_second, int64_t now_us, int64_t *retry_in_us) {
    if (retry_in_us) *retry_in_us = 0;
    char key[kHostLimitHostSize];
    host_key(host, key);
    HostLimitEntry *e = find_entry(table, key);
    if (!e) e = claim_entry(table, key, now_us);
    if (!e) return true;  // table full: no limit rather than no traffic

    if (max_concurrent > 0 && e->inflight >= max_concurrent) {
        if (retry_in_us) *retry_in_us = kHostLimitSlotPollUs;
        return false;
    }
    if (now_us < e->next_start_us) {
        if (retry_in_us) *retry_in_us = e->next_start_us - now_us;
        return false;
    }
    e->inflight += 1;
    // Two starts are never closer than 1/rate, even when this one is late (strict
    // servers such as Nominatim check the gap, not the average), and an idle spell
    // does not bank a burst.
    int64_t interval = rate_interval_us(max_per_second);
    e->next_start_us = std::max(now_us, e->next_start_us) + interval;
    return true;
}

void host_limit_release(HostLimitTable *table, const char *host) {
    char key[kHostLimitHostSize];
    host_key(host, key);
    HostLimitEntry *e = find_entry(table, key);
    if (e && e->inflight > 0) e->inflight -= 1;
}

LocalHostLimiter::LocalHostLimiter(int capacity)
    : storage_((host_limit_table_size(capacity) + sizeof(int64_t) - 1) / sizeof(int64_t)) {
    host_limit_table_init(table(), capacity);
}

bool LocalHostLimiter::try_acquire(const std::string &host, const HostLimits &limits,
                                   int64_t now_us, int64_t *retry_in_us) {
    std::lock_guard<std::mutex> lock(mutex_);
    return host_limit_try_acquire(table(), host.c_str(), limits.max_concurrent,
                                   limits.max_per_second, now_us, retry_in_us);
}

void LocalHostLimiter::release(const std::string &host) {
    std::lock_guard<std::mutex> lock(mutex_);
    host_limit_release(table(), host.c_str());
}

int LocalHostLimiter::inflight(const std::string &host) const {
    std::lock_guard<std::mutex> lock(mutex_);
    char key[kHostLimitHostSize];
    host_key(host.c_str(), key);
    const HostLimitTable *t = table();
    for (int32_t i = 0; i < t->used; ++i) {
        if (std::strcmp(t->entries[i].host, key) == 0) return t->entries[i].inflight;
    }
    return 0;
}

}  // namespace realmap::net

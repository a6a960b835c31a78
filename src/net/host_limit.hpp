// Per-host politeness limits (concurrency and request rate) that can hold across
// processes.  Pure C++ (no PostgreSQL headers).
//
// The algorithm works on a plain POD table so that the PostgreSQL glue can place the
// table in shared memory and call it under a spinlock; every function here is
// short, allocation-free, never throws and never blocks, which is what code under a
// spinlock must be.  LocalHostLimiter wraps the same table with a std::mutex for
// standalone use and tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace realmap::net {

inline constexpr std::size_t kHostLimitHostSize = 128;  // host names are cut to 127 bytes

// One host's state.  POD: lives in shared memory, no pointers, no constructors.
struct HostLimitEntry {
    char host[kHostLimitHostSize];  // lower case, NUL-terminated; "" = never used
    int32_t inflight;               // requests started and not yet released
    int64_t next_start_us;          // the rate limit allows the next start at this time
};

// A fixed-capacity table of hosts.  Allocate host_limit_table_size(capacity) bytes and
// call host_limit_table_init on them once.
struct HostLimitTable {
    int32_t capacity;
    int32_t used;                // entries[0..used) have held a host
    HostLimitEntry entries[1];   // really `capacity` entries
};

std::size_t host_limit_table_size(int capacity);
void host_limit_table_init(HostLimitTable *table, int capacity);

// How long a caller waiting for a concurrency slot should sleep before asking again
// (a slot freed by another process is not signalled).
inline constexpr int64_t kHostLimitSlotPollUs = 20000;

// Tries to start one request to `host` (case-insensitive) at now_us.  Succeeds when
// inflight < max_concurrent (<= 0: no concurrency limit) and the rate allows
// (max_per_second <= 0: no rate limit; otherwise two starts are at least 1/rate
// apart); then inflight is incremented.  On failure *retry_in_us (if not null) says
// how long until it may succeed: the rest of the rate interval, or
// kHostLimitSlotPollUs when it waits for a slot.  now_us must come from one clock
// shared by all callers (CLOCK_MONOTONIC = std::chrono::steady_clock on Linux).  When
// the table has no entry left for a new host (all hold a host that is in use or within
// its rate interval), the request is allowed: a full table must not stop all traffic.
// Entries of idle hosts are reused, so the table only fills with hosts in use.
bool host_limit_try_acquire(HostLimitTable *table, const char *host, int max_concurrent,
                            double max_per_second, int64_t now_us, int64_t *retry_in_us);

// Ends one request started by host_limit_try_acquire.  A host without an entry (it was
// allowed because the table was full) is ignored; inflight never goes below zero.
void host_limit_release(HostLimitTable *table, const char *host);

// The limits one request is checked against.  Each caller passes its own (HttpClient
// passes its options), so callers with different settings for one host each see
// their own limit enforced.
struct HostLimits {
    int max_concurrent = 4;       // <= 0: no concurrency limit
    double max_per_second = 2.0;  // <= 0: no rate limit
};

// What HttpClient calls before each transfer (every redirect hop included) and after
// it.  Implementations must be callable from several threads if clients on several
// threads share one.
class HostLimiter {
public:
    virtual ~HostLimiter() = default;
    virtual bool try_acquire(const std::string &host, const HostLimits &limits, int64_t now_us,
                             int64_t *retry_in_us) = 0;
    virtual void release(const std::string &host) = 0;
};

// In-process limiter over its own table, guarded by a mutex: for tests, standalone
// use, and several clients (threads) of one process sharing limits.
class LocalHostLimiter : public HostLimiter {
public:
    explicit LocalHostLimiter(int capacity = 64);

    bool try_acquire(const std::string &host, const HostLimits &limits, int64_t now_us,
                     int64_t *retry_in_us) override;
    void release(const std::string &host) override;

    // Requests currently counted for host (for tests and diagnostics).
    int inflight(const std::string &host) const;

private:
    HostLimitTable *table() { return reinterpret_cast<HostLimitTable *>(storage_.data()); }
    const HostLimitTable *table() const {
        return reinterpret_cast<const HostLimitTable *>(storage_.data());
    }

    mutable std::mutex mutex_;
    std::vector<int64_t> storage_;  // int64_t elements: aligned for the table
};

}  // namespace realmap::net

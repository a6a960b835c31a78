#include "pg/host_limit_shmem.hpp"

extern "C" {
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
}

namespace realmap::pg {

namespace {

// Hosts realmap talks to are few (the portal, Nominatim, Overpass, test servers).
constexpr int kHostCapacity = 64;
constexpr int64_t kSlotPollUs = 2000;

struct SharedHostLimits {
    slock_t lock;
    // the table follows, aligned as its int64 members need
};

SharedHostLimits *shared = nullptr;

net::HostLimitTable *shared_table() {
    return reinterpret_cast<net::HostLimitTable *>(reinterpret_cast<char *>(shared) +
                                                    MAXALIGN(sizeof(SharedHostLimits)));
}

class SharedMemoryHostLimiter final : public net::HostLimiter {
public:
    bool try_acquire(const std::string &host, const net::HostLimits &limits, int64_t now_us,
                     int64_t *retry_in_us) override {
        if (shared == nullptr) return true;  // not preloaded (cannot happen: _PG_init refuses)
        SpinLockAcquire(&shared->lock);
        bool ok = net::host_limit_try_acquire(shared_table(), host.c_str(), limits.max_concurrent, limits.max_per_second,
                                              now_us, retry_in_us);
        SpinLockRelease(&shared->lock);
        // A slot freed by another process is not signalled: the client asks again after
        // retry_in_us.  The table's default (20 ms) left slots idle for a fifth of a
        // 100 ms request; asking every 2 ms costs a spinlock 500 times a second, and only
        // while requests wait.
        if (!ok && retry_in_us != nullptr && *retry_in_us == net::kHostLimitSlotPollUs) *retry_in_us = kSlotPollUs;
        return ok;
    }
    void release(const std::string &host) override {
        if (shared == nullptr) return;
        SpinLockAcquire(&shared->lock);
        net::host_limit_release(shared_table(), host.c_str());
        SpinLockRelease(&shared->lock);
    }
};

SharedMemoryHostLimiter limiter;

}  // namespace

Size host_limit_shmem_size() {
    return add_size(MAXALIGN(sizeof(SharedHostLimits)), net::host_limit_table_size(kHostCapacity));
}

void host_limit_shmem_init() {
    bool found = false;
    shared = static_cast<SharedHostLimits *>(ShmemInitStruct("realmap host limits", host_limit_shmem_size(), &found));
    if (!found) {
        SpinLockInit(&shared->lock);
        net::host_limit_table_init(shared_table(), kHostCapacity);
    }
}

net::HostLimiter *shared_host_limiter() { return &limiter; }

}  // namespace realmap::pg

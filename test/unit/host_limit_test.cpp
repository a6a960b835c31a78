// The per-host politeness algorithm on its plain table (the form it takes in shared
// memory), and the in-process limiter over it.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "net/host_limit.hpp"

using realmap::net::HostLimits;
using realmap::net::HostLimitTable;
using realmap::net::kHostLimitSlotPollUs;
using realmap::net::LocalHostLimiter;

namespace {

constexpr int64_t kMs = 1000;
constexpr int64_t kSec = 1000 * kMs;

// A table in plain memory, as the glue puts one in shared memory.
class Table {
public:
    explicit Table(int capacity)
        : storage_(realmap::net::host_limit_table_size(capacity) / sizeof(int64_t) + 1) {
        realmap::net::host_limit_table_init(table(), capacity);
    }
    HostLimitTable *table() { return reinterpret_cast<HostLimitTable *>(storage_.data()); }

    bool acquire(const char *host, HostLimits limits, int64_t now_us, int64_t *retry = nullptr) {
        return realmap::net::host_limit_try_acquire(table(), host, limits.max_concurrent,
                                                    limits.max_per_second, now_us, retry);
    }
    void release(const char *host) { realmap::net::host_limit_release(table(), host); }

private:
    std::vector<int64_t> storage_;
};

HostLimits concurrency(int n) { return HostLimits{n, 0.0}; }
HostLimits rate(double per_second) { return HostLimits{0, per_second}; }

}  // namespace

TEST(HostLimitTable, ConcurrencyLimitThenReleaseFreesASlot) {
    Table t(8);
    int64_t retry = -1;
    EXPECT_TRUE(t.acquire("a.example", concurrency(2), 0));
    EXPECT_TRUE(t.acquire("a.example", concurrency(2), 0));
    EXPECT_FALSE(t.acquire("a.example", concurrency(2), 0, &retry));
    EXPECT_EQ(retry, kHostLimitSlotPollUs);  // waits for a slot: poll, no rate interval
    EXPECT_TRUE(t.acquire("b.example", concurrency(2), 0)) << "another host has its own slots";
    t.release("a.example");
    EXPECT_TRUE(t.acquire("a.example", concurrency(2), 0));
    EXPECT_FALSE(t.acquire("a.example", concurrency(2), 0));
}

TEST(HostLimitTable, RateSpacesStartsOneIntervalApart) {
    Table t(8);
    int64_t retry = -1;
    ASSERT_TRUE(t.acquire("a", rate(4), 0));  // 250 ms apart
    EXPECT_FALSE(t.acquire("a", rate(4), 100 * kMs, &retry));
    EXPECT_EQ(retry, 150 * kMs);
    EXPECT_TRUE(t.acquire("a", rate(4), 250 * kMs));
    EXPECT_FALSE(t.acquire("a", rate(4), 400 * kMs, &retry));
    EXPECT_EQ(retry, 100 * kMs);
    // Started 10 ms late: the next start is 250 ms after this one, never closer
    // (strict servers check the gap between two requests).
    EXPECT_TRUE(t.acquire("a", rate(4), 510 * kMs));
    EXPECT_FALSE(t.acquire("a", rate(4), 750 * kMs, &retry));
    EXPECT_EQ(retry, 10 * kMs);
    // After an idle spell no burst is allowed: still one per interval.
    EXPECT_TRUE(t.acquire("a", rate(4), 10 * kSec));
    EXPECT_FALSE(t.acquire("a", rate(4), 10 * kSec + 1, &retry));
    EXPECT_EQ(retry, 250 * kMs - 1);
}

TEST(HostLimitTable, RateAndConcurrencyTogether) {
    Table t(8);
    HostLimits both{1, 10.0};
    int64_t retry = -1;
    ASSERT_TRUE(t.acquire("a", both, 0));
    EXPECT_FALSE(t.acquire("a", both, 200 * kMs, &retry)) << "rate allows, the slot is taken";
    EXPECT_EQ(retry, kHostLimitSlotPollUs);
    t.release("a");
    EXPECT_TRUE(t.acquire("a", both, 200 * kMs));
    t.release("a");
    EXPECT_FALSE(t.acquire("a", both, 250 * kMs, &retry)) << "slot free, rate does not allow";
    EXPECT_EQ(retry, 50 * kMs);
}

TEST(HostLimitTable, NoLimitsMeansAlwaysAllowed) {
    Table t(4);
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(t.acquire("a", HostLimits{0, 0.0}, 0));
}

TEST(HostLimitTable, HostsAreCaseInsensitive) {
    Table t(8);
    ASSERT_TRUE(t.acquire("Portal.Example.ORG", concurrency(1), 0));
    EXPECT_FALSE(t.acquire("portal.example.org", concurrency(1), 0));
    t.release("PORTAL.EXAMPLE.ORG");
    EXPECT_TRUE(t.acquire("portal.example.org", concurrency(1), 0));
    EXPECT_EQ(t.table()->used, 1);
}

TEST(HostLimitTable, ReleaseNeverGoesBelowZero) {
    Table t(8);
    t.release("never.seen");  // harmless
    ASSERT_TRUE(t.acquire("a", concurrency(1), 0));
    t.release("a");
    t.release("a");  // one too many must not create a spare slot
    EXPECT_TRUE(t.acquire("a", concurrency(1), 0));
    EXPECT_FALSE(t.acquire("a", concurrency(1), 0));
}

TEST(HostLimitTable, FullTableAllowsNewHostsAndReusesIdleEntries) {
    Table t(2);
    ASSERT_TRUE(t.acquire("a", concurrency(1), 0));
    ASSERT_TRUE(t.acquire("b", concurrency(1), 0));
    // No entry for c: allowed without a limit rather than refused forever.
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(t.acquire("c", concurrency(1), 0));
    t.release("c");  // c has no entry: must not touch a or b
    EXPECT_FALSE(t.acquire("a", concurrency(1), 0));
    EXPECT_FALSE(t.acquire("b", concurrency(1), 0));
    // Once a is idle its entry goes to c, which is limited from then on.
    t.release("a");
    EXPECT_TRUE(t.acquire("c", concurrency(1), 0));
    EXPECT_FALSE(t.acquire("c", concurrency(1), 0));
    EXPECT_EQ(t.table()->used, 2);
}

TEST(HostLimitTable, EntryInItsRateIntervalIsNotReused) {
    Table t(1);
    ASSERT_TRUE(t.acquire("a", rate(1), 0));
    t.release("a");
    // a is idle but may not start again before 1 s: its entry keeps that.
    EXPECT_TRUE(t.acquire("b", rate(1), 500 * kMs)) << "no room for b: unlimited";
    int64_t retry = -1;
    EXPECT_FALSE(t.acquire("a", rate(1), 500 * kMs, &retry));
    EXPECT_EQ(retry, 500 * kMs);
}

TEST(HostLimitTable, OverlongHostNamesShareTheirCutKey) {
    Table t(8);
    std::string common(200, 'x');
    std::string one = common + ".one", two = common + ".two";
    ASSERT_TRUE(t.acquire(one.c_str(), concurrency(1), 0));
    EXPECT_FALSE(t.acquire(two.c_str(), concurrency(1), 0)) << "cut to 127 bytes: the same key";
    EXPECT_EQ(std::string(t.table()->entries[0].host).size(), 127u);
}

TEST(HostLimitTable, SizeIsOneEntryPerCapacity) {
    using realmap::net::host_limit_table_size;
    EXPECT_EQ(host_limit_table_size(11) - host_limit_table_size(1),
              10 * sizeof(realmap::net::HostLimitEntry));
    EXPECT_GE(host_limit_table_size(1), sizeof(HostLimitTable));
}

TEST(HostLimiterLocal, ThreadsNeverExceedTheLimit) {
    LocalHostLimiter limiter;
    const HostLimits limits{3, 0.0};
    std::atomic<int> current{0}, peak{0};
    auto worker = [&] {
        for (int i = 0; i < 2000; ++i) {
            int64_t retry = 0;
            while (!limiter.try_acquire("host", limits, 0, &retry)) std::this_thread::yield();
            int now = ++current;
            int seen = peak.load();
            while (now > seen && !peak.compare_exchange_weak(seen, now)) {
            }
            --current;
            limiter.release("HOST");
        }
    };
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) threads.emplace_back(worker);
    for (auto &th : threads) th.join();
    EXPECT_LE(peak.load(), 3);
    EXPECT_GE(peak.load(), 1);
    EXPECT_EQ(limiter.inflight("host"), 0);
}

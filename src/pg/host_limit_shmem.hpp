// The per-host politeness limits of every realmap process, in shared memory: the
// table of net/host_limit.hpp under one spinlock, so that the concurrency and rate
// limits of a host hold across all workers and backends together.
#pragma once

#include "net/host_limit.hpp"
#include "pg/pg_headers.hpp"

namespace realmap::pg {

// Called from shmem.cpp's request and startup hooks.
Size host_limit_shmem_size();
void host_limit_shmem_init();

// The limiter HttpClient calls in this process.  Its calls take a spinlock for a few
// instructions and never ereport.  No request can stay counted when a process ends:
// a transfer ends (and releases) before control returns to PostgreSQL, and a process
// that dies in between takes the postmaster's crash restart, which resets the table.
net::HostLimiter *shared_host_limiter();

}  // namespace realmap::pg

// Wake-ups that must happen after commit, never before: a worker woken before the
// commit that made work ready would look, find nothing and sleep again.
#pragma once

#include "pg/pg_headers.hpp"

namespace realmap::pg {

// Registers the transaction callback (from _PG_init, in every backend).
void install_wakeup_callback();

// Ask for a wake-up when the current transaction commits.
void wake_workers_at_commit();
void wake_waiters_at_commit(int64 run_id);
void interrupt_worker_at_commit(int pid);
void note_deadline_at_commit(TimestampTz when);

}  // namespace realmap::pg

// realmap's settings (GUCs).  Every one is documented in README.md "Settings".
#pragma once

namespace realmap::pg {

// The database the launcher connects to and serves (PGC_POSTMASTER).
extern char *setting_database_name;
// The most dynamic worker processes realmap runs at once (PGC_POSTMASTER: it sizes
// the worker slots in shared memory).
extern int setting_max_workers;

// Pauses all work when off (PGC_SIGHUP).
extern bool setting_enabled;
// How long a worker with nothing to do stays up before exiting (ms, PGC_SIGHUP).
extern int setting_worker_idle_timeout_ms;
// Instances a worker claims per transaction (PGC_SIGHUP).
extern int setting_worker_batch_size;
// Test-only: remove the remaining-dependencies counter's locking (PGC_SUSET).
extern bool setting_debug_unsafe_counters;
extern int setting_debug_resolve_delay_ms;
extern char *setting_history_retention;

// Defines the settings; only valid while shared_preload_libraries is processed.
void define_settings();

}  // namespace realmap::pg

// realmap's settings (GUCs).  Every one is documented in README.md "Settings".
#pragma once

namespace realmap::pg {

// The database the launcher connects to and serves (PGC_POSTMASTER).
extern char *setting_database_name;
// The most dynamic worker processes realmap runs at once (PGC_POSTMASTER: it sizes
// the worker slots in shared memory).
extern int setting_max_workers;

// Defines the settings; only valid while shared_preload_libraries is processed.
void define_settings();

}  // namespace realmap::pg

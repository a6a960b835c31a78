// Background processes: the launcher (one, started at server start) and the workers
// (dynamic, at most realmap.max_workers).
#pragma once

#include "pg/pg_headers.hpp"

extern "C" {
PGDLLEXPORT void realmap_launcher_main(Datum main_arg);
PGDLLEXPORT void realmap_worker_main(Datum main_arg);
}

namespace realmap::pg {

// Registers the launcher (from _PG_init).
void register_launcher();

// Common signal set-up: SIGTERM and SIGHUP only set flags and the latch.
void install_worker_signal_handlers();
extern volatile sig_atomic_t got_sigterm;
extern volatile sig_atomic_t got_sighup;

// Short transactions with SPI, as background workers need them (pitfall P17).
void begin_spi_transaction(const char *activity);
void commit_spi_transaction();

// True when the extension is installed in the connected database.
bool realmap_installed();

}  // namespace realmap::pg

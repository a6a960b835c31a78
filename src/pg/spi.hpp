// Plain C-style SPI helpers.  They own no C++ objects (an ERROR inside may longjmp
// straight through them), take and return POD or palloc'd data, and are called from
// C++ code only through pg_call() (guard.hpp).
#pragma once

namespace realmap::pg {

// Runs a read-only query; returns the first column of its first row as a string
// palloc'd in the caller's memory context, or nullptr when there is no row or the
// value is NULL.
char *spi_query_text(const char *sql);

// Runs one SQL statement (read-write) and discards its result.
void spi_execute_command(const char *sql);

}  // namespace realmap::pg

// The HTTP client of this process (a backend or a worker): one per process, so its
// connections stay alive from one batch to the next, under the per-host limits in
// shared memory.  Rebuilt when the settings it was made with change.
#pragma once

#include <functional>
#include <string>

#include "net/http_client.hpp"

namespace realmap::pg {

// Only from C++ code inside cpp_boundary (it may throw realmap::Error).
net::HttpClient &process_http_client(const net::HttpClientOptions &options);

// Whether PostgreSQL wants this process to stop what it does: a cancel (SIGINT:
// realmap.cancel, a statement timeout), a terminate, or a worker's SIGTERM.  Only
// reads flags that signal handlers set; safe to call from libcurl's loop.
bool postgres_interrupt_pending();

// palloc'd copy of a C++ string (for results that must outlive the C++ objects).
char *palloc_copy(const std::string &s);

}  // namespace realmap::pg

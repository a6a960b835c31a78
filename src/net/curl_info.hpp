// What libcurl this process runs with.  Pure C++ (no PostgreSQL headers).
#pragma once

#include <string>

namespace realmap::net {

// The runtime libcurl version, e.g. "7.88.1" (the library loaded, not the headers
// compiled against: a security update of libcurl changes it without a rebuild).
std::string libcurl_version();

// The TLS backend libcurl was built with, e.g. "OpenSSL/3.0.15".
std::string libcurl_ssl_version();

}  // namespace realmap::net

// The library's own version.  REALMAP_VERSION comes from the build (Makefile and
// CMakeLists.txt read default_version from realmap.control), so the .so, the SQL
// script and the control file can never disagree about what was built.
#pragma once

#ifndef REALMAP_VERSION
#error "REALMAP_VERSION must be defined by the build (from realmap.control)"
#endif

namespace realmap {

inline constexpr const char *kLibraryVersion = REALMAP_VERSION;

}  // namespace realmap

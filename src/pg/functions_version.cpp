// realmap.version(): what is running, so an operator can tell a stale library (the
// server was not restarted after an upgrade) from a stale SQL script.
#include <string>

#include "core/version.hpp"
#include "net/curl_info.hpp"
#include "pg/guard.hpp"
#include "pg/pg_headers.hpp"
#include "pg/spi.hpp"

namespace {

// PostgreSQL-only epilogue: builds the result row and warns about a version mismatch.
Datum version_row(FunctionCallInfo fcinfo, const char *library, const char *extension,
                  const char *server, const char *curl) {
    TupleDesc tupdesc;
    if (get_call_result_type(fcinfo, nullptr, &tupdesc) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "realmap.version: return type must be a row type");
    if (extension != nullptr && strcmp(library, extension) != 0)
        ereport(WARNING,
                (errmsg("realmap library version %s does not match the installed extension "
                        "version %s",
                        library, extension),
                 errhint("Run ALTER EXTENSION realmap UPDATE, or restart the server if the "
                         "library was upgraded after it started.")));
    Datum values[4];
    bool nulls[4] = {false, extension == nullptr, false, false};
    values[0] = CStringGetTextDatum(library);
    values[1] = extension != nullptr ? CStringGetTextDatum(extension) : (Datum)0;
    values[2] = CStringGetTextDatum(server);
    values[3] = CStringGetTextDatum(curl);
    HeapTuple tuple = heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls);
    return HeapTupleGetDatum(tuple);
}

}  // namespace

REALMAP_FUNCTION(realmap_version) {
    // PostgreSQL-only prologue: no C++ object is alive yet.
    char *extension = realmap::pg::spi_query_text(
        "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'realmap'");
    const char *server = GetConfigOption("server_version", false, false);

    std::string curl = realmap::net::libcurl_version();

    return realmap::pg::pg_call(version_row, fcinfo, realmap::kLibraryVersion, extension,
                                server, curl.c_str());
}

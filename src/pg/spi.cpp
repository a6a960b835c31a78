#include "pg/spi.hpp"

#include "pg/pg_headers.hpp"

namespace realmap::pg {

char *spi_query_text(const char *sql) {
    MemoryContext caller_context = CurrentMemoryContext;
    char *result = nullptr;
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "realmap: SPI_connect failed");
    int rc = SPI_execute(sql, true, 1);
    if (rc != SPI_OK_SELECT) elog(ERROR, "realmap: query failed (%s): %s", SPI_result_code_string(rc), sql);
    if (SPI_processed > 0) {
        char *value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
        if (value != nullptr) result = MemoryContextStrdup(caller_context, value);
    }
    SPI_finish();
    return result;
}

void spi_execute_command(const char *sql) {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "realmap: SPI_connect failed");
    SPI_execute(sql, false, 0);  // an error in the statement raises an ERROR itself
    SPI_finish();
}

}  // namespace realmap::pg

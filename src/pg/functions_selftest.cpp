// Test-only entry points that prove the error boundary (guard.hpp).  They are not
// part of the extension script: test/pgtap/boundary.sql creates them from the library
// with CREATE FUNCTION ... LANGUAGE C, so users never see them.
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "pg/guard.hpp"
#include "pg/pg_headers.hpp"
#include "pg/spi.hpp"

namespace {

long destructor_count = 0;  // per backend

// Owns 256 kB of malloc'd memory, touched, so a skipped destructor shows in the
// backend's resident memory; counts its destructions.
struct Sentinel {
    std::vector<char> payload = std::vector<char>(256 * 1024, 'x');
    ~Sentinel() { ++destructor_count; }
};

}  // namespace

// realmap_selftest_throw(kind text): throws a C++ exception of the given kind while a
// Sentinel is alive.
REALMAP_FUNCTION(realmap_selftest_throw) {
    char *kind_c = text_to_cstring(PG_GETARG_TEXT_PP(0));
    Sentinel sentinel;
    std::string kind = kind_c;
    if (kind == "bad_alloc") throw std::bad_alloc();
    if (kind == "runtime") throw std::runtime_error("selftest runtime_error");
    if (kind == "invalid_argument") throw std::invalid_argument("selftest invalid_argument");
    if (kind == "length") throw std::length_error("selftest length_error");
    if (kind == "realmap")
        throw realmap::Error("22023", "selftest: unknown district \"Raipurr\"",
                             "valid districts: Bilaspur, Durg, Raipur",
                             "check the spelling in the run parameters");
    if (kind == "unknown") throw 42;
    PG_RETURN_TEXT_P(realmap::pg::pg_call(cstring_to_text, "no exception"));
}

// realmap_selftest_pg_error(sql text): runs `sql` through SPI (under pg_call) while a
// Sentinel is alive; an ERROR from it crosses the C++ frames as PgError.
REALMAP_FUNCTION(realmap_selftest_pg_error) {
    char *sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
    Sentinel sentinel;
    realmap::pg::pg_call(realmap::pg::spi_execute_command, sql);
    PG_RETURN_BOOL(true);
}

// Negative control: the same without pg_call, so an ERROR longjmps over the Sentinel
// and its 256 kB are never freed.  The memory test shows this leak, proving it would
// see one in the guarded functions.
REALMAP_FUNCTION(realmap_selftest_unguarded_pg_error) {
    char *sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
    Sentinel sentinel;
    realmap::pg::spi_execute_command(sql);
    PG_RETURN_BOOL(true);
}

REALMAP_FUNCTION(realmap_selftest_destructor_count) {
    PG_RETURN_INT64(destructor_count);
}

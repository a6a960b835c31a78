// The one boundary between PostgreSQL's error model (ereport -> siglongjmp) and
// C++'s (exceptions, destructors).  pg-cpp-engineering.md §3; the same design as
// pg_duckdb's PostgresFunctionGuard / InvokeCPPFunc.
//
//  * C++ -> PostgreSQL: every entry point PostgreSQL calls runs its body inside
//    cpp_boundary() (SQL functions through REALMAP_FUNCTION, background-worker mains
//    and callbacks through cpp_boundary_void).  Exceptions are described into a
//    fixed-size POD inside the catch; the ERROR is raised only after the try/catch has
//    closed, when no C++ object is alive, so the longjmp skips no destructor.
//  * PostgreSQL -> C++: a PostgreSQL function that may ereport, called while C++
//    objects are alive, goes through pg_call().  Its sigsetjmp lives in pg_call's own
//    frame; the longjmp only skips PostgreSQL's C frames below it.  The ERROR is
//    copied (CopyErrorData) and travels up as PgError; cpp_boundary re-throws it with
//    ReThrowError, so SQLSTATE, detail, hint and context arrive intact.
//
// Rules for callers: the function given to pg_call owns no object with a destructor;
// after catching a PgError, re-throw it (continuing is only safe inside a
// subtransaction that is then rolled back).
#pragma once

#include <exception>
#include <type_traits>
#include <utility>

#include "core/error.hpp"
#include "pg/pg_headers.hpp"

namespace realmap::pg {

// A PostgreSQL ERROR travelling through C++ frames.
class PgError : public std::exception {
public:
    explicit PgError(ErrorData *edata) noexcept : edata_(edata) {}
    const char *what() const noexcept override {
        return (edata_ != nullptr && edata_->message != nullptr) ? edata_->message
                                                                  : "PostgreSQL error";
    }
    ErrorData *edata() const noexcept { return edata_; }

private:
    ErrorData *edata_;  // palloc'd in the memory context current at pg_call()
};

// Raises the ERROR described by `report` (SQLSTATE, message, detail, hint).  Only
// call it where no C++ object is alive.  `where` names the entry point; it prefixes
// messages of exceptions that were not meant for users (anything but realmap::Error).
[[noreturn]] void raise_error_report(const char *where, const ErrorReport &report);

// Calls a PostgreSQL function that may ereport(ERROR) from C++ code.
template <typename Fn, typename... Args>
auto pg_call(Fn &&fn, Args &&...args) -> decltype(fn(std::forward<Args>(args)...)) {
    using Result = decltype(fn(std::forward<Args>(args)...));
    MemoryContext caller_context = CurrentMemoryContext;
    sigjmp_buf *saved_exception_stack = PG_exception_stack;
    ErrorContextCallback *saved_context_stack = error_context_stack;
    sigjmp_buf local;
    if (sigsetjmp(local, 0) == 0) {
        PG_exception_stack = &local;
        if constexpr (std::is_void_v<Result>) {
            fn(std::forward<Args>(args)...);
            PG_exception_stack = saved_exception_stack;
            error_context_stack = saved_context_stack;
            return;
        } else {
            Result result = fn(std::forward<Args>(args)...);
            PG_exception_stack = saved_exception_stack;
            error_context_stack = saved_context_stack;
            return result;
        }
    }
    // Landed here from errfinish(): the error data lives in ErrorContext.
    PG_exception_stack = saved_exception_stack;
    error_context_stack = saved_context_stack;
    MemoryContextSwitchTo(caller_context);
    ErrorData *edata = CopyErrorData();
    FlushErrorState();
    throw PgError(edata);
}

// Runs body() (returning Datum) and turns any exception into a PostgreSQL ERROR once
// every C++ object of the body is gone.
template <typename Body>
Datum cpp_boundary(const char *where, Body &&body) {
    ErrorData *pg_error = nullptr;
    ErrorReport report;
    report.sqlstate[0] = '\0';
    try {
        return body();
    } catch (const PgError &e) {
        pg_error = e.edata();
    } catch (...) {
        describe_exception(std::current_exception(), report);
    }
    // --- no C++ object of body() is alive here: a longjmp is safe from now on ---
    CHECK_FOR_INTERRUPTS();  // a pending cancel or terminate (often why C++ gave up) wins
    if (pg_error != nullptr) ReThrowError(pg_error);
    raise_error_report(where, report);
}

// The same for entry points without a result (background-worker mains, callbacks).
template <typename Body>
void cpp_boundary_void(const char *where, Body &&body) {
    cpp_boundary(where, [&body]() -> Datum {
        body();
        return (Datum)0;
    });
}

}  // namespace realmap::pg

// Defines an SQL-callable function whose body runs inside the boundary:
//     REALMAP_FUNCTION(realmap_version) { ...; PG_RETURN_...; }
// PG15's PG_FUNCTION_INFO_V1 exports only pg_finfo_<name>, hence the explicit
// PGDLLEXPORT declaration (P5).
#define REALMAP_FUNCTION(name)                                                       \
    extern "C" {                                                                     \
    PGDLLEXPORT Datum name(PG_FUNCTION_ARGS);                                        \
    PG_FUNCTION_INFO_V1(name);                                                       \
    }                                                                                \
    static Datum name##_body(FunctionCallInfo fcinfo);                               \
    extern "C" Datum name(PG_FUNCTION_ARGS) {                                        \
        return ::realmap::pg::cpp_boundary(#name, [fcinfo]() { return name##_body(fcinfo); }); \
    }                                                                                \
    static Datum name##_body(FunctionCallInfo fcinfo)

// realmap's own error type and the description of a C++ exception that the
// PostgreSQL boundary turns into an ERROR.  Pure C++: no PostgreSQL headers, so
// the classification below is unit-tested without a server.
#pragma once

#include <cstddef>
#include <exception>
#include <stdexcept>
#include <string>

namespace realmap {

// An error with a SQLSTATE chosen by the code that raised it.  Stage code throws
// this when it knows what went wrong ("unknown district 'Raipurr'", 22023), so the
// user sees that message and code instead of a generic "C++ exception".
class Error : public std::runtime_error {
public:
    Error(const std::string &sqlstate, const std::string &message, std::string detail = {},
          std::string hint = {});

    const std::string &sqlstate() const noexcept { return sqlstate_; }
    const std::string &detail() const noexcept { return detail_; }
    const std::string &hint() const noexcept { return hint_; }

private:
    std::string sqlstate_;
    std::string detail_;
    std::string hint_;
};

// Fixed-size, trivially destructible description of an exception.  The boundary
// fills it inside a catch block and raises the ERROR after the catch has closed, when
// no C++ object (the exception included) is alive any more: ereport's longjmp may
// then skip nothing.
struct ErrorReport {
    char sqlstate[6];    // five characters and a NUL, e.g. "38000"
    char message[1024];
    char detail[1024];   // empty: none
    char hint[512];      // empty: none
    bool from_realmap;   // thrown as realmap::Error (its message is meant for users)
};

// SQLSTATEs used by the classification (the same codes as PostgreSQL's errcodes.txt).
namespace sqlstate {
inline constexpr const char *kOutOfMemory = "53200";           // std::bad_alloc
inline constexpr const char *kProgramLimitExceeded = "54000";  // std::length_error
inline constexpr const char *kInvalidParameterValue = "22023"; // std::invalid_argument
inline constexpr const char *kExternalRoutineException = "38000";  // anything else
}  // namespace sqlstate

// True for five characters from [0-9A-Z], the form of every SQLSTATE.
bool is_valid_sqlstate(const std::string &code) noexcept;

// Copies at most cap-1 bytes of src into dst and NUL-terminates it, never cutting a
// UTF-8 sequence in half (a cut sequence would make the server reject the message as
// invalid in the database encoding).  cap must be at least 1.
void copy_utf8_truncated(char *dst, std::size_t cap, const char *src) noexcept;

// Describes the exception `error` (call it with std::current_exception() inside a
// catch block).  Never throws.
void describe_exception(const std::exception_ptr &error, ErrorReport &out) noexcept;

}  // namespace realmap

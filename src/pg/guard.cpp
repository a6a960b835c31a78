#include "pg/guard.hpp"

namespace realmap::pg {

namespace {

bool sqlstate_chars_ok(const char *s) {
    for (int i = 0; i < 5; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z'))) return false;
    return s[5] == '\0';
}

}  // namespace

void raise_error_report(const char *where, const ErrorReport &report) {
    const char *s = report.sqlstate;
    int code = sqlstate_chars_ok(s) ? MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4])
                                    : ERRCODE_EXTERNAL_ROUTINE_EXCEPTION;
    ereport(ERROR,
            (errcode(code),
             report.from_realmap ? errmsg_internal("%s", report.message)
                                 : errmsg_internal("%s: %s", where, report.message),
             report.detail[0] != '\0' ? errdetail_internal("%s", report.detail) : 0,
             report.hint[0] != '\0' ? errhint("%s", report.hint) : 0));
    pg_unreachable();
}

}  // namespace realmap::pg

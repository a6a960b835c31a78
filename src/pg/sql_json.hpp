// jsonb and text at the SQL boundary: arguments in, results out.  jsonb crosses the
// boundary as JSON text (pg/json_text.hpp turns it into nlohmann::json and back).
// One set of helpers for every SQL function and stage (C-style: they may raise, so
// call them where no C++ object is alive, or through pg_call).
#pragma once

#include "pg/pg_headers.hpp"

namespace realmap::pg {

// Argument n as JSON text (palloc'd), or nullptr for SQL NULL or a missing argument.
char *jsonb_arg(FunctionCallInfo fcinfo, int n);
// Argument n as a C string (palloc'd), or nullptr for SQL NULL or a missing argument.
char *text_arg(FunctionCallInfo fcinfo, int n);

// The jsonb value of a C string of JSON text.
Datum jsonb_from_cstring(const char *json);
// The text of a jsonb datum (palloc'd).
char *jsonb_to_cstring(Datum jsonb);
// A JSON string literal of s (palloc'd), for building outputs.
char *json_quote(const char *s);

}  // namespace realmap::pg

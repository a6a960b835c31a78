// JSON text from and to nlohmann::json for the SQL functions (the C++ side of
// pg/sql_json.hpp).  Pure C++ declarations: include before pg/pg_headers.hpp, like
// every C++ header.  Call inside cpp_boundary (they throw realmap::Error).
#pragma once

#include <nlohmann/json.hpp>

namespace realmap::pg {

// JSON text to json; text that is not JSON raises 22023 naming `what`.
nlohmann::json parse_json_arg(const char *text, const char *what);
// json to palloc'd text (invalid UTF-8 replaced, never thrown).
char *dump_json(const nlohmann::json &j);

}  // namespace realmap::pg

// Secrets at request time (sql/src/62_secrets.sql): the header a named secret is sent
// as, and the only host it may go to.
#pragma once

#include "pg/pg_headers.hpp"

namespace realmap::pg {

struct SecretHeader {
    char *line;  // "Name: value" (palloc'd)
    char *host;  // palloc'd
};

// Reads secret `name` through realmap._secret_header, with the extension owner's
// rights whoever the caller is (the caller never sees the value).  C-style: raises
// 42704 for a secret that does not exist; call through pg_call from C++.
SecretHeader secret_header(const char *name);

}  // namespace realmap::pg

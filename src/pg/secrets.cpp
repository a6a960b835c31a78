// realmap._secret_header is SECURITY DEFINER and executable by no role from SQL; an
// fmgr call checks no EXECUTE privilege, so only code in realmap.so reaches it.
#include "pg/secrets.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
}

namespace realmap::pg {

SecretHeader secret_header(const char *name) {
    List *fn_name = list_make2(makeString(pstrdup("realmap")), makeString(pstrdup("_secret_header")));
    Oid arg_types[1] = {TEXTOID};
    Oid fn = LookupFuncName(fn_name, 1, arg_types, false);
    Datum result = OidFunctionCall1(fn, CStringGetTextDatum(name));
    Datum *parts;
    bool *nulls;
    int n;
    deconstruct_array(DatumGetArrayTypeP(result), TEXTOID, -1, false, TYPALIGN_INT, &parts, &nulls, &n);
    if (n != 2 || nulls[0] || nulls[1]) elog(ERROR, "realmap._secret_header returned %d parts", n);
    return SecretHeader{TextDatumGetCString(parts[0]), TextDatumGetCString(parts[1])};
}

}  // namespace realmap::pg

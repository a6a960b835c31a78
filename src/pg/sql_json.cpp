#include "pg/sql_json.hpp"

extern "C" {
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
}

namespace realmap::pg {

char *jsonb_arg(FunctionCallInfo fcinfo, int n) {
    if (PG_NARGS() <= n || PG_ARGISNULL(n)) return nullptr;
    Jsonb *jb = PG_GETARG_JSONB_P(n);
    return JsonbToCString(nullptr, &jb->root, VARSIZE(jb));
}

char *text_arg(FunctionCallInfo fcinfo, int n) {
    if (PG_NARGS() <= n || PG_ARGISNULL(n)) return nullptr;
    return text_to_cstring(PG_GETARG_TEXT_PP(n));
}

Datum jsonb_from_cstring(const char *json) { return DirectFunctionCall1(jsonb_in, CStringGetDatum(json)); }

char *jsonb_to_cstring(Datum jsonb) {
    Jsonb *jb = DatumGetJsonbP(jsonb);
    return JsonbToCString(nullptr, &jb->root, VARSIZE(jb));
}

char *json_quote(const char *s) {
    StringInfoData buf;
    initStringInfo(&buf);
    escape_json(&buf, s != nullptr ? s : "");
    return buf.data;
}

}  // namespace realmap::pg

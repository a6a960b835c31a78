// The processing functions of sql/src/35_processing.sql: a detail page to the raw
// document, the raw document to V1, V1's normalisation and QA.  Thin wrappers of pure
// C++ (core/extract, core/v1); jsonb crosses the boundary as text.  Every PostgreSQL
// call that may raise runs where no C++ object is alive (before the inner block or
// after it) or through pg_call.
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/extract/extract_raw.hpp"
#include "core/v1/v1_context.hpp"
#include "core/v1/v1_label_variants.hpp"
#include "core/v1/v1_map.hpp"
#include "core/v1/v1_normalize.hpp"
#include "core/v1/v1_prepare.hpp"
#include "core/v1/v1_validate.hpp"
#include "pg/guard.hpp"
#include "pg/json_text.hpp"
#include "pg/http_process_client.hpp"
#include "pg/pg_headers.hpp"
#include "pg/sql_json.hpp"

extern "C" {
#include "utils/builtins.h"
#include "utils/jsonb.h"
}

namespace {

using nlohmann::json;
using realmap::pg::jsonb_arg;
using realmap::pg::text_arg;

using realmap::pg::dump_json;
using realmap::pg::jsonb_from_cstring;
using realmap::pg::parse_json_arg;

}  // namespace

// realmap.extract_raw(html text, page_url text DEFAULT NULL) -> jsonb
REALMAP_FUNCTION(realmap_extract_raw) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    text *html = PG_GETARG_TEXT_PP(0);
    char *page_url = text_arg(fcinfo, 1);
    const char *data = VARDATA_ANY(html);
    size_t len = VARSIZE_ANY_EXHDR(html);
    char *out = nullptr;
    {
        json raw = realmap::extract::extract_raw(std::string_view(data, len), page_url ? page_url : "");
        out = dump_json(raw);
    }
    PG_RETURN_DATUM(jsonb_from_cstring(out));
}

// realmap._map_v1(raw jsonb, variants jsonb, context jsonb DEFAULT NULL) -> jsonb
REALMAP_FUNCTION(realmap_map_v1) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    char *raw = jsonb_arg(fcinfo, 0);
    char *variants = jsonb_arg(fcinfo, 1);
    char *context = jsonb_arg(fcinfo, 2);
    char *out = nullptr;
    {
        if (!variants) throw realmap::Error("22023", "map_v1: the label variants must not be NULL");
        realmap::v1::LabelVariants lv = realmap::v1::label_variants_from_json(parse_json_arg(variants, "the label variants"));
        realmap::v1::MapContext ctx =
            context ? realmap::v1::map_context_from_json(parse_json_arg(context, "the context")) : realmap::v1::MapContext{};
        out = dump_json(realmap::v1::map_v1(parse_json_arg(raw, "the raw document"), lv, ctx));
    }
    PG_RETURN_DATUM(jsonb_from_cstring(out));
}

// realmap.normalize_v1(v1 jsonb) -> jsonb
REALMAP_FUNCTION(realmap_normalize_v1) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    char *v1 = jsonb_arg(fcinfo, 0);
    char *out = nullptr;
    {
        out = dump_json(realmap::v1::normalize_v1(parse_json_arg(v1, "the V1 document")));
    }
    PG_RETURN_DATUM(jsonb_from_cstring(out));
}

// realmap._validate_v1(v1 jsonb, checked_at text) -> jsonb
REALMAP_FUNCTION(realmap_validate_v1) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    char *v1 = jsonb_arg(fcinfo, 0);
    char *checked_at = text_arg(fcinfo, 1);
    char *out = nullptr;
    {
        if (!checked_at || !*checked_at) throw realmap::Error("22023", "validate_v1: checked_at must not be NULL");
        out = dump_json(realmap::v1::validate_v1(parse_json_arg(v1, "the V1 document"), checked_at));
    }
    PG_RETURN_DATUM(jsonb_from_cstring(out));
}

// realmap._prepare_v1(raw jsonb, variants jsonb, context jsonb, checked_at text) -> jsonb
REALMAP_FUNCTION(realmap_prepare_v1) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    char *raw = jsonb_arg(fcinfo, 0);
    char *variants = jsonb_arg(fcinfo, 1);
    char *context = jsonb_arg(fcinfo, 2);
    char *checked_at = text_arg(fcinfo, 3);
    char *out = nullptr;
    {
        if (!variants) throw realmap::Error("22023", "prepare_v1: the label variants must not be NULL");
        if (!checked_at || !*checked_at) throw realmap::Error("22023", "prepare_v1: checked_at must not be NULL");
        realmap::v1::LabelVariants lv = realmap::v1::label_variants_from_json(parse_json_arg(variants, "the label variants"));
        realmap::v1::MapContext ctx =
            context ? realmap::v1::map_context_from_json(parse_json_arg(context, "the context")) : realmap::v1::MapContext{};
        out = dump_json(realmap::v1::prepare_v1(parse_json_arg(raw, "the raw document"), lv, ctx, checked_at));
    }
    PG_RETURN_DATUM(jsonb_from_cstring(out));
}

// realmap._parse_listing_json(html, page_url): the listing parser as a pure SQL
// function (realmap.parse_listing_page names its columns).
#include "core/portal/listing_view.hpp"
#include "pg/guard.hpp"
#include "pg/http_process_client.hpp"
#include "pg/pg_headers.hpp"

extern "C" {
#include "utils/builtins.h"
#include "utils/jsonb.h"
}

REALMAP_FUNCTION(realmap_parse_listing_json) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    text *html = PG_GETARG_TEXT_PP(0);
    char *page_url = PG_ARGISNULL(1) ? pstrdup("") : text_to_cstring(PG_GETARG_TEXT_PP(1));
    const char *data = VARDATA_ANY(html);
    size_t len = VARSIZE_ANY_EXHDR(html);
    char *json = nullptr;
    {
        realmap::portal::ListingView v = realmap::portal::view_listing_page(std::string_view(data, len), page_url);
        json = realmap::pg::palloc_copy(realmap::portal::listing_view_json(v, false).dump());
    }
    PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
}

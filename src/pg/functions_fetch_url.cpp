// realmap.fetch_url(url, method, body, content_type): one request through the
// client every stage uses (allowed hosts, per-host limits, timeouts, size limit of
// realmap.config).  For operators: it is not executable by PUBLIC.
#include <nlohmann/json.hpp>

#include "core/portal/portal_config.hpp"
#include "core/task_error.hpp"
#include "pg/guard.hpp"
#include "pg/http_process_client.hpp"
#include "pg/pg_headers.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
}

namespace {

// What the request brought back, in palloc'd memory (it outlives the C++ objects).
struct FetchedUrl {
    int status;
    char *final_url;
    char *content_type;
    int64 bytes;
    double elapsed_ms;
    int redirects;
    char *headers_json;
    char *body;
    int64 body_len;
};

}  // namespace

REALMAP_FUNCTION(realmap_fetch_url) {
    if (PG_ARGISNULL(0)) ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("url must not be NULL")));
    char *url = text_to_cstring(PG_GETARG_TEXT_PP(0));
    char *method = PG_ARGISNULL(1) ? pstrdup("GET") : text_to_cstring(PG_GETARG_TEXT_PP(1));
    char *body = PG_ARGISNULL(2) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(2));
    char *content_type = PG_ARGISNULL(3) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(3));
    // both go into the request's first line and headers: a CR or LF would start another
    // (request splitting), so the method must be an HTTP token and the type one line
    if (method[0] == '\0' || strspn(method, "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") !=
                                  strlen(method))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("invalid HTTP method \"%s\"", method), errhint("A method is a token such as GET or POST.")));
    if (content_type != nullptr && strpbrk(content_type, "\r\n") != nullptr)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("the content type must be one line")));
    char *config = realmap::pg::pg_call(realmap::pg::spi_query_text,
                                        "SELECT coalesce(jsonb_object_agg(key, value), '{}')::text FROM realmap.config");

    FetchedUrl out;
    {
        nlohmann::json cfg = nlohmann::json::parse(config != nullptr ? config : "{}");
        realmap::net::HttpClient &client =
            realmap::pg::process_http_client(realmap::portal::http_options_from(cfg));
        client.import_cookies("");  // an operator's request carries no run's session
        realmap::net::HttpRequest req;
        req.method = method;
        req.url = url;
        if (body != nullptr) req.body = body;
        if (content_type != nullptr) req.content_type = content_type;
        realmap::net::HttpResponse res = client.fetch(req, realmap::pg::postgres_interrupt_pending);
        if (!res.ok()) throw realmap::http_task_error(res);
        nlohmann::json headers = nlohmann::json::object();
        for (const auto &h : res.headers) headers[h.first] = h.second;
        out.status = static_cast<int>(res.status);
        out.final_url = realmap::pg::palloc_copy(res.final_url);
        out.content_type = realmap::pg::palloc_copy(res.content_type);
        out.bytes = static_cast<int64>(res.body.size());
        out.elapsed_ms = res.total_ms;
        out.redirects = res.redirects;
        out.headers_json = realmap::pg::palloc_copy(headers.dump());
        out.body = realmap::pg::palloc_copy(res.body);
        out.body_len = static_cast<int64>(res.body.size());
    }

    TupleDesc desc;
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE) elog(ERROR, "fetch_url: not composite");
    desc = BlessTupleDesc(desc);
    Datum values[8];
    bool nulls[8] = {false, false, false, false, false, false, false, false};
    values[0] = Int32GetDatum(out.status);
    values[1] = CStringGetTextDatum(out.final_url);
    values[2] = CStringGetTextDatum(out.content_type);
    nulls[2] = out.content_type[0] == '\0';
    values[3] = Int64GetDatum(out.bytes);
    values[4] = Float8GetDatum(out.elapsed_ms);
    values[5] = Int32GetDatum(out.redirects);
    values[6] = DirectFunctionCall1(jsonb_in, CStringGetDatum(out.headers_json));
    // a body that is not text in the database encoding (an image, a PDF) comes back NULL
    if (memchr(out.body, '\0', out.body_len) == nullptr &&
        pg_verifymbstr(out.body, static_cast<int>(out.body_len), true)) {
        values[7] = PointerGetDatum(cstring_to_text_with_len(out.body, static_cast<int>(out.body_len)));
    } else {
        nulls[7] = true;
        ereport(NOTICE, (errmsg("the body of %s (%lld bytes, %s) is not text; body_out is NULL", out.final_url,
                                (long long)out.body_len, out.content_type[0] ? out.content_type : "no content type")));
    }
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

#include "core/portal/detail_fetch.hpp"

#include "core/html/html_entities.hpp"
#include "core/html/html_text.hpp"
#include "core/task_error.hpp"
#include "net/form.hpp"

namespace realmap::portal {

namespace {

// The portal's answer to an id it does not know: a 500 ASP.NET error page, or a
// 404 for the broken paths its own links use.  Another way (the postback) may work.
bool id_led_nowhere(const net::HttpResponse &r) {
    if (r.error != net::HttpErrorKind::HttpStatus) return false;
    if (r.status == 404) return true;
    return r.status == 500 && r.body.find("Runtime Error") != std::string::npos;
}

void fail(DetailOutcome &o, const std::string &sqlstate, const std::string &message, bool retryable,
          int64_t retry_after_ms = -1) {
    o.ok = false;
    o.body.clear();
    o.sqlstate = sqlstate;
    o.message = message;
    o.retryable = retryable;
    o.retry_after_ms = retry_after_ms;
}

// Fills `o` from a response to the request for `item`.
void judge(const DetailItem &item, const net::HttpRequest &req, net::HttpResponse &res, DetailOutcome &o) {
    o.method = req.method;
    o.url = req.url;
    o.final_url = res.final_url;
    o.status = res.status;
    o.elapsed_ms = res.total_ms;
    if (!res.ok()) {
        TaskError e = http_task_error(res);
        fail(o, e.sqlstate(), e.what(), e.retryable(), e.retry_after_ms());
        return;
    }
    std::string shown = detail_page_registration(res.body);
    if (shown.empty()) {
        fail(o, "22P02",
             req.method + " " + req.url + ": not a project detail page (it shows no registration number)", false);
        return;
    }
    if (shown != item.registration_number) {
        // the portal links some ids from two registrations; the page belongs to one
        fail(o, "22000",
             req.method + " " + req.url + ": the page shows registration " + shown + ", not the listing's " +
                 item.registration_number + "; not stored",
             false);
        return;
    }
    o.ok = true;
    o.body = std::move(res.body);
}

net::HttpRequest get_request(const std::string &detail_url, const DetailItem &item) {
    net::HttpRequest r;
    r.url = detail_url + "?MyID=" + net::form_urlencode_component(item.my_id);
    return r;
}

net::HttpRequest postback_request(const SessionState &s, const DetailItem &item) {
    return net::form_post(s.listing_url, postback_fields(s, item.postback_target));
}

}  // namespace

std::string detail_page_registration(std::string_view html) {
    // a scan, not a parse: the page is parsed once, later, by extract_raw
    std::size_t at = html::ifind_ascii(html, "lbl_reg_no");
    if (at == std::string_view::npos) return {};
    // `at` is inside the id attribute's value: the tag ends at the next '>'
    std::size_t open_end = html.find('>', at);
    if (open_end == std::string_view::npos) return {};
    open_end++;
    std::size_t close = html.find('<', open_end);
    std::string_view text = html.substr(open_end, close == std::string_view::npos ? std::string_view::npos : close - open_end);
    return html::collapse_whitespace(html::decode_html_entities(text));
}

std::vector<DetailOutcome> fetch_detail_pages(net::HttpClient &client, const SessionState &session,
                                              const std::string &detail_url, const std::vector<DetailItem> &items,
                                              const std::function<bool()> &interrupted) {
    std::vector<DetailOutcome> out(items.size());
    client.import_cookies(session.cookies);
    // round 1: GET by id
    std::vector<net::HttpRequest> requests;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < items.size(); i++)
        if (!items[i].my_id.empty()) {
            requests.push_back(get_request(detail_url, items[i]));
            which.push_back(i);
        }
    std::vector<bool> try_postback(items.size(), false);
    std::vector<net::HttpResponse> responses = client.perform(requests, interrupted);
    for (std::size_t k = 0; k < which.size(); k++) {
        std::size_t i = which[k];
        bool nowhere = id_led_nowhere(responses[k]);
        judge(items[i], requests[k], responses[k], out[i]);
        if (!out[i].ok && (nowhere || out[i].sqlstate == "22P02") && !items[i].postback_target.empty())
            try_postback[i] = true;
    }
    // round 2: the row's postback where there is no id or the id led nowhere
    requests.clear();
    which.clear();
    for (std::size_t i = 0; i < items.size(); i++) {
        if (items[i].my_id.empty() && items[i].postback_target.empty()) {
            fail(out[i], "22023", "listing row " + items[i].registration_number + " has neither a MyID nor a postback link",
                 false);
            continue;
        }
        if (items[i].my_id.empty() || try_postback[i]) {
            requests.push_back(postback_request(session, items[i]));
            which.push_back(i);
        }
    }
    if (requests.empty()) return out;
    if (session.hidden_fields.find("__VIEWSTATE") == session.hidden_fields.end()) {
        for (std::size_t i : which)
            if (items[i].my_id.empty())
                fail(out[i], "22023", "listing row " + items[i].registration_number +
                                          " has no MyID and the session holds no list to post back to", false);
        return out;
    }
    responses = client.perform(requests, interrupted);
    for (std::size_t k = 0; k < which.size(); k++) {
        std::size_t i = which[k];
        std::string first = out[i].message;
        judge(items[i], requests[k], responses[k], out[i]);
        if (!out[i].ok && !first.empty()) out[i].message = first + "; then " + out[i].message;
    }
    return out;
}

}  // namespace realmap::portal

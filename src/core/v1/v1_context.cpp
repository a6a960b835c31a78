#include "core/v1/v1_context.hpp"

#include "core/error.hpp"
#include "core/v1/v1_dates.hpp"
#include "core/v1/v1_numbers.hpp"
#include "core/v1/v1_text.hpp"

namespace realmap::v1 {

using nlohmann::json;

namespace {

const json *member(const json &obj, const char *key) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return nullptr;
    return &*it;
}

std::optional<std::string> text_of(const json &obj, const char *key, const std::string &where) {
    const json *v = member(obj, key);
    if (!v) return std::nullopt;
    if (v->is_string()) {
        std::string t = clean_text(v->get<std::string>());
        if (t.empty()) return std::nullopt;
        return t;
    }
    if (v->is_number()) return v->dump();
    throw Error("22023", "map_v1 context: " + where + key + " must be a string");
}

std::optional<std::string> date_of(const json &obj, const char *key, const std::string &where) {
    auto t = text_of(obj, key, where);
    if (!t) return std::nullopt;
    if (is_blank_value(*t)) return std::nullopt;
    auto iso = parse_date_iso(*t);
    if (!iso) throw Error("22023", "map_v1 context: " + where + key + " is not a date (got \"" + *t + "\")");
    return iso;
}

std::optional<double> coordinate_of(const json &obj, const char *key, const std::string &where) {
    const json *v = member(obj, key);
    if (!v) return std::nullopt;
    if (v->is_number()) return v->get<double>();
    if (v->is_string()) {
        std::string t = clean_text(v->get<std::string>());
        if (t.empty()) return std::nullopt;
        auto n = parse_number(t);
        if (n && first_number_text(t) && clean_text(t).size() == first_number_text(t)->size()) return n;
    }
    throw Error("22023", "map_v1 context: " + where + key + " must be a number");
}

}  // namespace

MapContext map_context_from_json(const json &context) {
    MapContext ctx;
    if (context.is_null()) return ctx;
    if (!context.is_object()) throw Error("22023", "map_v1 context must be a JSON object or null");
    ctx.source_url = text_of(context, "source_url", "").value_or("");
    ctx.scraped_at = text_of(context, "scraped_at", "").value_or("");
    if (!ctx.scraped_at.empty() && !parse_iso_date(ctx.scraped_at.substr(0, 10)))
        throw Error("22023", "map_v1 context: scraped_at must be an ISO 8601 timestamp (got \"" + ctx.scraped_at + "\")");
    ctx.page_content_hash = text_of(context, "page_content_hash", "").value_or("");
    if (const json *r = member(context, "run_id")) {
        if (!r->is_number_integer()) throw Error("22023", "map_v1 context: run_id must be an integer");
        ctx.run_id = r->get<long long>();
    }
    if (const json *l = member(context, "listing")) {
        if (!l->is_object()) throw Error("22023", "map_v1 context: listing must be an object (a realmap.listings row)");
        const std::string w = "listing.";
        ListingRow row;
        row.registration_number = text_of(*l, "registration_number", w).value_or("");
        row.project_name = text_of(*l, "project_name", w);
        row.promoter_name = text_of(*l, "promoter_name", w);
        row.project_type = text_of(*l, "project_type", w);
        row.project_status = text_of(*l, "project_status", w);
        row.district = text_of(*l, "district", w);
        row.tehsil = text_of(*l, "tehsil", w);
        row.project_address = text_of(*l, "project_address", w);
        row.website = text_of(*l, "website", w);
        row.approved_on = date_of(*l, "approved_on", w);
        row.proposed_end = date_of(*l, "proposed_end", w);
        row.extended_end = date_of(*l, "extended_end", w);
        if (const json *c = member(*l, "completed")) {
            if (!c->is_boolean()) throw Error("22023", "map_v1 context: listing.completed must be true or false");
            row.completed = c->get<bool>();
        }
        row.latitude = coordinate_of(*l, "latitude", w);
        row.longitude = coordinate_of(*l, "longitude", w);
        ctx.listing = std::move(row);
    }
    return ctx;
}

}  // namespace realmap::v1

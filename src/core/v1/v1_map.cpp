// map_v1: the parts assembled into the V1 document (sql/src/V1.md).
#include "core/v1/v1_map.hpp"

#include "core/error.hpp"
#include "core/version.hpp"
#include "core/v1/v1_map_state.hpp"
#include "core/v1/v1_normalize.hpp"
#include "core/v1/v1_text.hpp"

namespace realmap::v1 {

using nlohmann::json;

namespace {

std::string registration_key(const std::string &text) { return normalize_registration_number(text); }

void expect_type(const json &raw, const char *key, json::value_t type, const char *type_name) {
    auto it = raw.find(key);
    if (it == raw.end() || it->is_null()) return;
    if (it->type() != type)
        throw Error("22023", std::string("not a raw document: \"") + key + "\" must be " + type_name);
}

json metadata(MapState &state) {
    const json &raw = state.raw;
    json md = {{"schema_version", "1.0"}, {"state_code", "CG"}};
    std::string url = state.ctx.source_url.empty() ? clean_text(str_of(raw, "source_url")) : state.ctx.source_url;
    if (!url.empty()) md["source_url"] = url;
    if (!state.ctx.scraped_at.empty()) md["scraped_at"] = state.ctx.scraped_at;
    if (state.ctx.run_id) md["run_id"] = *state.ctx.run_id;
    if (!state.ctx.page_content_hash.empty()) md["page_content_hash"] = state.ctx.page_content_hash;
    std::string my_id = clean_text(str_of(raw, "my_id"));
    if (!my_id.empty()) md["my_id"] = my_id;
    if (auto a = raw.find("application_id"); a != raw.end() && a->is_number_integer()) md["application_id"] = *a;
    md["extraction_method"] = "realmap.extract_raw+map_v1";
    md["parser_version"] = kLibraryVersion;
    return md;
}

}  // namespace

void check_raw_document(const json &raw) {
    if (!raw.is_object()) throw Error("22023", "not a raw document: expected a JSON object (realmap.extract_raw's result)");
    auto schema = raw.find("schema");
    if (schema != raw.end() && !schema->is_null()) {
        std::string name = schema->is_string() ? schema->get<std::string>() : "";
        if (name != "realmap.raw/1" && name.rfind("realmap.raw/1.", 0) != 0)
            throw Error("22023", "not a raw document: schema is " + schema->dump() + ", expected \"realmap.raw/1\"");
    } else if (!raw.contains("sections") && !raw.contains("form_fields")) {
        throw Error("22023", "not a raw document: it has neither \"schema\" nor \"sections\" nor \"form_fields\"");
    }
    using vt = json::value_t;
    expect_type(raw, "form_fields", vt::object, "an object");
    expect_type(raw, "professionals", vt::object, "an object");
    expect_type(raw, "sections", vt::array, "an array");
    expect_type(raw, "grids", vt::object, "an object");
    expect_type(raw, "amenities", vt::object, "an object");
    expect_type(raw, "map_iframes", vt::array, "an array");
    expect_type(raw, "inventory", vt::object, "an object");
    expect_type(raw, "documents", vt::array, "an array");
    expect_type(raw, "empty_document_links", vt::array, "an array");
    expect_type(raw, "warnings", vt::array, "an array");
    expect_type(raw, "registration_number", vt::string, "a string");
}

json map_v1(const json &raw, const LabelVariants &variants, const MapContext &ctx) {
    check_raw_document(raw);
    MapState state{raw, variants, ctx, {}, false};
    for (const std::string &w : variants.warnings()) state.note("label variants: " + w);
    if (auto w = raw.find("warnings"); w != raw.end() && w->is_array())
        for (const json &m : *w)
            if (m.is_string()) state.note("page: " + m.get<std::string>());

    SectionReading reading = read_label_sections(state);

    // whose page is it?  The span first, then the label section, then the listing.
    std::string page_reg = clean_text(str_of(raw, "registration_number"));
    std::string label_reg;
    if (auto f = reading.fields.find("project_details"); f != reading.fields.end())
        if (auto r = f->second.find("registration_number"); r != f->second.end() && r->is_string())
            label_reg = r->get<std::string>();
    if (!page_reg.empty() && !label_reg.empty() && registration_key(page_reg) != registration_key(label_reg))
        state.note("project_details.registration_number: the page shows " + page_reg + ", its label section " +
                   label_reg + "; the page's is kept");
    std::string reg = !page_reg.empty() ? page_reg : label_reg;
    if (ctx.listing) {
        std::string listed = registration_key(ctx.listing->registration_number);
        if (reg.empty() || listed.empty() || registration_key(reg) == listed) {
            state.listing_applies = !listed.empty() || reg.empty();
        } else {
            state.note("the page belongs to registration " + registration_key(reg) + ", not to the listing's " +
                       listed + "; the listing's values are not used");
        }
    }

    json v1 = json::object();
    v1["metadata"] = metadata(state);
    json pd = map_project_details(state, reading);
    if (reg.empty() && state.listing_applies && ctx.listing) {
        std::string listed = registration_key(ctx.listing->registration_number);
        if (!listed.empty()) {
            pd["registration_number"] = listed;
            state.note("project_details.registration_number: not on the page; the listing's is used");
        }
    } else if (!reg.empty()) {
        pd["registration_number"] = reg;
    }
    if (!pd.contains("registration_number"))
        state.note("project_details.registration_number: neither the page nor the listing gives one");
    if (auto st = form_value(state, "State_Name"); st && lower_ascii(*st) != "chhattisgarh")
        state.note("the page's state is \"" + *st + "\", not Chhattisgarh; state_code CG kept");
    v1["project_details"] = std::move(pd);

    json professionals = map_professionals(state);
    if (!professionals.empty()) v1["professionals"] = std::move(professionals);
    v1["promoter_details"] = map_promoters(state, reading);
    v1["land_details"] = map_label_list(state, reading, "land_details");
    v1["building_details"] = map_label_list(state, reading, "building_details");
    v1["unit_types"] = map_label_list(state, reading, "unit_types");
    v1["bank_details"] = map_bank_accounts(state, reading);
    v1["documents"] = map_documents(state, reading);
    v1["quarterly_updates"] = map_quarterly(state, reading);
    v1["units"] = map_units(state, reading);
    v1["rera_locations"] = map_locations(state);

    json raw_data = {{"sections", reading.raw_sections},
                     {"tables", reading.raw_tables},
                     {"grids", json::object()},
                     {"unmapped_sections", reading.unmapped}};
    if (auto inv = raw.find("inventory"); inv != raw.end() && inv->is_object()) {
        std::string title = clean_text(str_of(*inv, "section"));
        raw_data["grids"][title.empty() ? "Inventory Status" : title] =
            json::array({{{"items", inv->value("items", json::array())}, {"legend", inv->value("legend", json::object())}}});
    }
    json form = json::object();
    if (auto ff = raw.find("form_fields"); ff != raw.end() && ff->is_object())
        for (const auto &[name, f] : ff->items())
            if (f.is_object() && f.contains("value") && f["value"].is_string()) form[name] = f["value"];
    raw_data["form_fields"] = std::move(form);
    v1["raw_data"] = std::move(raw_data);
    v1["previews"] = map_previews(state);
    v1["validation_messages"] = state.messages;
    return v1;
}

}  // namespace realmap::v1

// promoter_details, bank_details and the label-only lists (land, buildings, unit types):
// the form's record first, the label section's records merged into it or added.
#include "core/v1/v1_map_state.hpp"
#include "core/v1/v1_text.hpp"

namespace realmap::v1 {

using nlohmann::json;

namespace {

struct NamedField {
    const char *field;
    const char *key;
};

const NamedField kPromoterFields[] = {{"txt_p_name", "name"},
                                      {"DropDownList1", "organisation_type"},
                                      {"txt_p_registeredaddress", "address"},
                                      {"txt_pemail", "email"},
                                      {"txt_pmobile", "phone"}};

// TextBox2..TextBox6: the RERA designated account (portal-detail-page.md)
const NamedField kBankFields[] = {{"TextBox2", "account_number"},
                                  {"TextBox3", "account_name"},
                                  {"TextBox4", "bank_name"},
                                  {"TextBox5", "branch_name"},
                                  {"TextBox6", "ifsc_code"}};

json form_record(MapState &state, const NamedField *fields, std::size_t n) {
    json rec = json::object();
    for (std::size_t i = 0; i < n; ++i)
        if (auto v = form_value(state, fields[i].field)) rec[fields[i].key] = *v;  // all text in V1
    return rec;
}

std::string key_text(const json &rec, const char *key) {
    auto it = rec.find(key);
    if (it == rec.end() || !it->is_string()) return {};
    return lower_ascii(clean_text(it->get<std::string>()));
}

void merge_into(json &into, const json &from, const std::string &path, MapState &state) {
    for (const auto &[k, v] : from.items()) put_first(into, k, v, path + "." + k, "form", "label section", state);
}

// The form's record, then the label records: the label section's fields record merged
// into the form's, a table row with the same `identity` (name, account number) merged
// into that record, the others added.
json merge_lists(MapState &state, json form, const std::vector<json> &label_records, bool first_is_fields,
                 const char *identity, const std::string &section) {
    json out = json::array();
    if (!form.empty()) out.push_back(std::move(form));
    for (std::size_t i = 0; i < label_records.size(); ++i) {
        const json &rec = label_records[i];
        std::string id = key_text(rec, identity);
        json *target = nullptr;
        for (json &o : out) {
            std::string oid = key_text(o, identity);
            if (!id.empty() && id == oid) target = &o;
        }
        // the section's fields describe the form's party (the original's element 0): a
        // different name or account number there is a conflict, reported, not a second party
        if (!target && i == 0 && first_is_fields && !out.empty()) target = &out[0];
        if (target) merge_into(*target, rec, section + "[" + std::to_string(target - &out[0]) + "]", state);
        else out.push_back(rec);
    }
    return out;
}

}  // namespace

json map_promoters(MapState &state, const SectionReading &reading) {
    json form = form_record(state, kPromoterFields, std::size(kPromoterFields));
    bool has_fields = reading.fields.count("promoter_details") != 0;
    return merge_lists(state, std::move(form), reading.records("promoter_details"), has_fields, "name",
                       "promoter_details");
}

json map_bank_accounts(MapState &state, const SectionReading &reading) {
    json form = form_record(state, kBankFields, std::size(kBankFields));
    bool has_fields = reading.fields.count("bank_details") != 0;
    return merge_lists(state, std::move(form), reading.records("bank_details"), has_fields, "account_number",
                       "bank_details");
}

json map_label_list(MapState &, const SectionReading &reading, const std::string &section) {
    json out = json::array();
    for (const json &rec : reading.records(section)) out.push_back(rec);
    return out;
}

}  // namespace realmap::v1

#include "core/listing/listing_json.hpp"

namespace realmap::listing {

namespace {

template <class T>
nlohmann::json optional_json(const std::optional<T> &v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json listing_row_json(const ListingRow &r) {
    nlohmann::json j = nlohmann::json::object();
    j["registration_number"] = r.registration_number;
    j["completed"] = r.completed;
    j["sn"] = optional_json(r.sn);
    j["project_name"] = optional_json(r.project_name);
    j["promoter_name"] = optional_json(r.promoter_name);
    j["promoter_type"] = optional_json(r.promoter_type);
    j["authorised_name"] = optional_json(r.authorised_name);
    j["project_type"] = optional_json(r.project_type);
    j["district"] = optional_json(r.district);
    j["tehsil"] = optional_json(r.tehsil);
    j["approved_on"] = optional_json(r.approved_on);
    j["proposed_end"] = optional_json(r.proposed_end);
    j["extended_end"] = optional_json(r.extended_end);
    j["website"] = optional_json(r.website);
    j["detail_url"] = optional_json(r.detail_url);
    j["postback_target"] = optional_json(r.postback_target);
    j["certificate_postback_target"] = optional_json(r.certificate_postback_target);
    j["certificate_expired"] = r.certificate_expired;
    j["my_id"] = optional_json(r.my_id);
    j["application_id"] = optional_json(r.application_id);
    j["project_status"] = optional_json(r.project_status);
    j["development_type"] = optional_json(r.development_type);
    j["project_address"] = optional_json(r.project_address);
    j["latitude"] = optional_json(r.latitude);
    j["longitude"] = optional_json(r.longitude);
    j["position_raw"] = r.position_raw;
    j["position_issue"] = r.position_issue == PositionIssue::kNone
                              ? nlohmann::json(nullptr)
                              : nlohmann::json(position_issue_name(r.position_issue));
    j["in_table"] = r.in_table;
    j["in_map"] = r.in_map;
    return j;
}

nlohmann::json listing_page_json(const ListingPage &page, bool with_hidden_fields) {
    nlohmann::json j = nlohmann::json::object();
    nlohmann::json rows = nlohmann::json::array();
    for (const ListingRow &r : page.rows) rows.push_back(listing_row_json(r));
    j["rows"] = std::move(rows);
    j["table_rows"] = page.table_rows;
    j["map_entries"] = page.map_entries;
    j["duplicates"] = page.duplicates;
    j["rows_without_registration"] = page.rows_without_registration;
    j["has_grid"] = page.has_grid;
    j["has_map_init"] = page.has_map_init;
    j["no_records"] = page.no_records;
    j["total_shown"] = optional_json(page.total_shown);
    nlohmann::json options = nlohmann::json::object();
    for (const auto &[name, list] : page.select_options) {
        nlohmann::json arr = nlohmann::json::array();
        for (const SelectOption &o : list)
            arr.push_back({{"value", o.value}, {"label", o.label}, {"selected", o.selected}});
        options[name] = std::move(arr);
    }
    j["select_options"] = std::move(options);
    j["captcha_required"] = page.captcha_required;
    j["captcha_image_url"] = page.captcha_image_url;
    j["captcha_message"] = page.captcha_message;
    j["warnings"] = page.warnings;
    if (with_hidden_fields) j["hidden_fields"] = page.hidden_fields;
    return j;
}

}  // namespace realmap::listing

// The label variants: which section titles name which logical section, which labels
// (and table headers) name which canonical key, and each key's place and type in the
// V1 document.  Data, not code: the table realmap.label_variants (sql/src/35_processing.sql,
// seeded from the original's logical_sections_and_keys.json) is what operators extend;
// realmap.map_v1 hands its rows to the mapper as JSON.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace realmap::v1 {

// The V1 schema's type of a value -- the coercion goes by it, never by the key's name
// (the original's name-based coercion made account_number, khasra_numbers and year
// ints, and pydantic then dropped every bank, land and quarterly record).
enum class V1Type {
    Text,     // kept as written (whitespace collapsed): names, khasra numbers, account numbers, years
    Integer,  // total_units, number_of_floors
    Number,   // prices, costs, percentages ("1,25,000.50", "58 Lakh", "20%")
    Area,     // square metres; hectares, acres and square feet converted
    Date,     // ISO "YYYY-MM-DD"
};

std::optional<V1Type> v1_type_from_name(std::string_view name);  // "text", "integer", ...
const char *v1_type_name(V1Type type);

struct KeySpec {
    std::string section;        // logical section ("bank_details")
    std::string canonical_key;  // the original's key ("account_number", "project_website")
    std::string v1_key;         // where V1 keeps it ("project_website_url"); "" = raw_data only
    std::optional<V1Type> type; // set iff v1_key is
    std::vector<std::string> variants;  // as written, in position order ("account no", "a/c no")
    std::vector<std::string> norms;     // their match_norm()
};

class LabelVariants {
public:
    // The logical section a title names (exact match of match_norm), or nullopt.
    std::optional<std::string> section_of_title(std::string_view title) const;
    // The key of a section a label names (exact match of match_norm), or nullptr.
    const KeySpec *key_for_label(const std::string &section, std::string_view label) const;
    // A key by name, or nullptr.
    const KeySpec *key(const std::string &section, const std::string &canonical_key) const;
    // The keys of a section in position order (empty for an unknown section).
    const std::vector<KeySpec> &keys(const std::string &section) const;
    bool has_section(const std::string &section) const { return keys_.count(section) != 0; }
    std::size_t label_count() const;
    std::size_t title_count() const { return titles_.size(); }

    // Problems found while loading (a variant that names two keys of a section, a
    // variant with no letters or digits): the first wins, the rest is ignored.
    const std::vector<std::string> &warnings() const { return warnings_; }

    void add_title(const std::string &section, const std::string &variant);
    void add_label(const std::string &section, const std::string &canonical_key, const std::string &variant,
                   const std::string &v1_key, std::optional<V1Type> type);

private:
    std::map<std::string, std::string> titles_;           // norm -> section
    std::map<std::string, std::vector<KeySpec>> keys_;    // section -> keys (first variant's order)
    std::map<std::pair<std::string, std::string>, std::size_t> labels_;  // (section, norm) -> index in keys_[section]
    std::vector<std::string> warnings_;
};

// From {"sections": [{"section", "variant"}],
//       "labels": [{"section", "canonical_key", "variant", "v1_key", "v1_type", "position"}]}
// (the rows of realmap.section_variants and realmap.label_variants; rows are taken in
// "position" order, then as listed).  v1_key/v1_type null: the key is kept in
// raw_data.sections only.  Throws realmap::Error 22023 naming the bad row for anything else.
LabelVariants label_variants_from_json(const nlohmann::json &variants);

}  // namespace realmap::v1

// The mapper's shared state and its parts (internal to core/v1): each v1_map_*.cpp
// reads one part of the raw document into the V1 document being built.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/v1/v1_context.hpp"
#include "core/v1/v1_label_variants.hpp"

namespace realmap::v1 {

struct MapState {
    const nlohmann::json &raw;
    const LabelVariants &variants;
    const MapContext &ctx;
    std::vector<std::string> messages;
    // the listing row describes the page's project (same registration number)
    bool listing_applies = false;

    void note(std::string message) {
        if (messages.size() < 400) messages.push_back(std::move(message));
    }
};

// What the label sections say, by logical section.
struct SectionReading {
    // logical section -> the section's fields as one record (the original's element 0),
    // and one record per table row.  Values are coerced, keyed by the V1 key.
    std::map<std::string, nlohmann::json> fields;
    std::map<std::string, std::vector<nlohmann::json>> rows;
    // fields record first (when it has a value), then the rows: the original's list
    std::vector<nlohmann::json> records(const std::string &section) const;
    nlohmann::json raw_sections = nlohmann::json::object();  // raw_data.sections
    nlohmann::json raw_tables = nlohmann::json::object();    // raw_data.tables
    nlohmann::json unmapped = nlohmann::json::object();      // raw_data.unmapped_sections
};

// A value of the page coerced by its V1 type; null when blank or unreadable (then a
// message names `path` and the text).
nlohmann::json coerce_value(const std::string &text, V1Type type, const std::string &path, MapState &state);

// A number as JSON: an integral value as an integer (57037000, not 57037000.0).
nlohmann::json number_json(double v);

// Reads raw.sections (v1_map_sections.cpp).
SectionReading read_label_sections(MapState &state);

// Puts `value` at record[key] unless the record has one; a different value already
// there is reported (path names it), the first is kept.  Nulls are ignored.
void put_first(nlohmann::json &record, const std::string &key, const nlohmann::json &value, const std::string &path,
               const char *first_source, const char *second_source, MapState &state);

// The parts (each returns its V1 member).
nlohmann::json map_project_details(MapState &state, const SectionReading &reading);  // v1_map_project.cpp
nlohmann::json map_professionals(MapState &state);                                    // v1_map_project.cpp
nlohmann::json map_promoters(MapState &state, const SectionReading &reading);         // v1_map_parties.cpp
nlohmann::json map_bank_accounts(MapState &state, const SectionReading &reading);     // v1_map_parties.cpp
nlohmann::json map_label_list(MapState &state, const SectionReading &reading, const std::string &section);
nlohmann::json map_documents(MapState &state, const SectionReading &reading);         // v1_map_documents.cpp
nlohmann::json map_previews(MapState &state);                                         // v1_map_documents.cpp
nlohmann::json map_quarterly(MapState &state, const SectionReading &reading);         // v1_map_quarterly.cpp
nlohmann::json map_locations(MapState &state);                                        // v1_map_locations.cpp
nlohmann::json map_units(MapState &state, const SectionReading &reading);             // v1_map_units.cpp

// A form field's value as the page shows it (placeholder selects: none).
std::optional<std::string> form_value(MapState &state, const char *field);

// Whether a link names a file: not empty, not "NA", not javascript:, not a folder.
bool is_file_link(const std::string &href);

// The empty-safe string member of a raw object ("" when absent or not a string).
std::string str_of(const nlohmann::json &obj, const char *key);

}  // namespace realmap::v1

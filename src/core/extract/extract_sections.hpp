// The label-driven part of the detail page (the original's fallback reading, and the
// only reading of its label/value sections): every <label> with its value, grouped
// under its section, and the header tables (first row of <th>) that are not GridViews.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/extract/extract_links.hpp"
#include "core/extract/extract_page_index.hpp"

namespace realmap::extract {

struct LabelField {
    std::string section, heading;
    std::string label;    // the label's text, verbatim (whitespace collapsed)
    std::string caption;  // the same without a trailing ':' (the original's label)
    std::string value;    // whitespace collapsed
    std::string value_from;  // "cell", "sibling", "parent", "none"
    std::string control;     // the named control the value came from ("txt_proj_name"), or ""
    std::vector<PageLink> links;
    html::Node value_node;   // where the value came from (null for "parent"/"none")
};

// Every label of the page, in page order.  Value, first match wins:
//  1. the label sits in a <td>/<th>: the next cell of the row;
//  2. the label's following siblings: the first non-blank text, or the first element
//     that shows something (a control's value, or text);
//  3. the parent's text with the label's text taken out.
// From an element, a form control inside it gives the value (see control_value),
// else its text.
std::vector<LabelField> read_label_fields(const PageIndex &index, std::string_view page_url);

// The header tables (first row all <th>) that are not portal GridViews (no id
// ContentPlaceHolder1_*): {"section", "heading", "headers": [...], "rows": [[...]]},
// all-blank rows dropped.  Label/value layout tables are fields, not tables (the
// original took them for both and created junk child records from them).
nlohmann::json read_header_tables(const PageIndex &index, std::string_view page_url);

// Cells (td/th children) of each row of `table` that belongs to it (not to a nested table).
std::vector<std::vector<html::Node>> table_rows(html::Node table);

// {"title", "heading", "fields": [...], "tables": [...]} per section title, merged by
// title, in order of first appearance.
nlohmann::json sections_json(const std::vector<LabelField> &fields, const nlohmann::json &tables);

}  // namespace realmap::extract

// extract_raw: the detail page (Promoter_Reg_Only_View_Application_new.aspx?MyID=...)
// as the "raw" document -- everything the page shows, as text, with where it was,
// nothing interpreted yet.  The V1 mapping (map_v1) reads it; so it keeps field names,
// labels verbatim with their section titles, table headers and cells as text.
//
// The raw document (schema "realmap.raw/1"); every key is always present, missing
// values are null / [] / {}:
//
// {
//   "schema": "realmap.raw/1",
//   "source_url": page_url or null,
//   "page_title": "Real Estate Regulatory Authority",
//   "registration_number": span#ContentPlaceHolder1_lbl_reg_no, or null,
//   "my_id": "MTc4NQ==" (the form action's MyID, else page_url's), "application_id": 1785,
//
//   // the read-only form: every control named ctl00$ContentPlaceHolder1$<field>
//   "form_fields": { "<field>": { "value": "...",            // collapsed; "" = placeholder shown
//                                 "control": "input" | "select" | "textarea",
//                                 "label": "Project Name" | null, "section": "Project Detail",
//                                 "option_value": "1", "placeholder": false,   // selects only
//                                 "from_first_option": false } },              // selects only
//   "professionals": { "stat_ca_name", "stat_ca_mem_no", "quarter_ca_name", "quarter_ca_mem_no",
//                      "engineer_name", "engineer_lic_no", "arch_name", "arch_lic_no" } (present ones),
//   "named_spans": { "lbl_reg_no": "...", "lbl_stat_ca_name": "...", ... }  // every span#ContentPlaceHolder1_lbl_*
//
//   // label-driven reading, grouped by the nearest preceding h1..h6 / <strong>
//   "sections": [ { "title": "Project Details [ Registration No : X ] [ ... ]" (verbatim),
//                   "heading": nearest h1..h6 (for <strong> group titles),
//                   "fields": [ { "label": "Project Status:", "caption": "Project Status",
//                                 "value": "Ongoing", "value_type": "TEXT|NUMBER|DATE|URL|UNKNOWN",
//                                 "value_from": "cell|sibling|parent|none",
//                                 "control": "ApplicantType"?,                 // value from a named control
//                                 "links": [ {"href", "url", "text", "via", "preview_hint"?} ]?,
//                                 "preview_hint": "..."? } ],
//                   "tables": [ { "headers": [...], "rows": [[...]], "links"? } ] } ],  // header tables
//
//   // GridViews table#ContentPlaceHolder1_<name>: all rows as text (history kept)
//   "grids": { "grid_status" | "Single_grid_brief_plot" | "grid_brief_plot" | "Single_gv_ProjectList"
//              | "gv_ProjectList" | "grid_docs" | "grid_documents_amount_withdrawl" | ...:
//              { "position", "section", "heading", "headers": [...], "rows": [[...]], "no_data": bool,
//                "links": [ {"row", "column", "header", "href", "url", "text", "via"} ],
//                "images": [ {"row", "column", "header", "href", "url"} ] } },
//   "amenities": { "source": "Single_gv_ProjectList" | null,
//                  "rows": [ { "from_date", "to_date", "particulars", "progress", "latitude_text",
//                              "longitude_text", "latitude", "longitude", "image", "image_url" } ] },
//   "map_iframes": [ { "src", "section", "latitude_text", "longitude_text", "latitude", "longitude" } ],
//   "inventory": { "section", "items": [ {"class": "bg_lly", "text": "A-1"} ],
//                  "counts": {"bg_llg": n, "bg_lly": n}, "legend": {"bg_llg": "Available", ...} } | null,
//
//   "documents": [ { "label", "caption", "section" (document group), "heading", "href" (as written),
//                    "url" (resolved), "link_text", "via": "href|onclick", "file_name",
//                    "file_prefix": "Reg_Certi", "preview_hint"? } ],
//   "empty_document_links": [ { "label", "section", "href" } ],   // ".../Application_<id>/": no document
//   "grid_documents": [ { "grid", "row", "column", "header", "href", "url" } ],  // certificates in grids
//   "warnings": [ "..." ]
// }
//
// Coordinates are read, not judged: 0, empty and broken values stay as written (and as
// numbers where they parse); the India/Chhattisgarh box is the mapper's and geocoding's.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace realmap::extract {

// Throws realmap::Error 22P02 "not a detail page: ..." (naming what is missing and the
// page's title) for anything else -- e.g. the portal's 500 "Runtime Error" page or the
// listing; 54000/54001 for input over the HTML limits.  page_url (may be empty)
// resolves links.
nlohmann::json extract_raw(std::string_view html, std::string_view page_url);

}  // namespace realmap::extract

// Document links: a <label> followed by a link to a file under /Content/ (the
// portal's "View"/"Preview" anchors, plain or through onclick="OpenModel('...')").
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "core/extract/extract_sections.hpp"

namespace realmap::extract {

struct DocumentLinks {
    // [{"label", "caption", "section" (the <strong> group), "heading", "href" (as written,
    //   or the OpenModel URL), "url" (resolved), "link_text", "via", "file_name",
    //   "file_prefix" ("Reg_Certi", "DEVTEAM"), "preview_hint"?}] in page order
    nlohmann::json documents = nlohmann::json::array();
    // Labelled slots whose link names a directory (".../Application_336/") or goes
    // nowhere ("javascript:void(0)"): not documents.  [{"label", "section", "href"}]
    nlohmann::json empty = nlohmann::json::array();
};

// A labelled link counts when it points under /Content/ or at a file with a document
// extension, or when its label sits under a "Documents" heading.  Labels' other links
// (a project website) are not documents.
DocumentLinks read_documents(const std::vector<LabelField> &fields);

}  // namespace realmap::extract

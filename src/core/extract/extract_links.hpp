// Links on a detail page: <a href>, OpenModel('<url>') / window.open('<url>') in onclick
// handlers (the portal's preview buttons), <img src>.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/html/html_node.hpp"

namespace realmap::extract {

struct PageLink {
    std::string href;      // as written (the OpenModel argument for script links)
    std::string url;       // resolved against the page URL
    std::string text;      // the link's text ("View", "Preview", "NA")
    std::string via;       // "href", "onclick" (OpenModel / window.open) or "img"
    bool preview = false;  // text says "preview", or an OpenModel/window.open handler
    // The original's preview hint: "#id", else "tag.cls1.cls2", else the href, else the text.
    std::string preview_hint;
};

// The links in node's subtree (node included), in document order, without repeats
// (same url).  "javascript:" hrefs count only through an onclick URL; "#" and empty
// hrefs are skipped.
std::vector<PageLink> links_in(html::Node node, std::string_view page_url);

// <img src> in node's subtree, resolved.
std::vector<PageLink> images_in(html::Node node, std::string_view page_url);

// A link to a directory (".../Application_336/"): the portal's empty document slot.
bool is_empty_document_link(const PageLink &link);

// The file name of a link's path ("Reg_Certi_<uuid>.pdf"), "" for a directory.
std::string link_file_name(std::string_view url);

// The document type the portal encodes in the file name: the name without its
// extension and without a trailing "_<uuid>" (or "<uuid>"), trailing '_' removed:
// "Reg_Certi_0d9e...-...pdf" -> "Reg_Certi", "DEVTEAM_<uuid>.pdf" -> "DEVTEAM".
std::string document_file_prefix(std::string_view file_name);

nlohmann::json link_json(const PageLink &link);

}  // namespace realmap::extract

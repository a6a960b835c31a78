// The Map tab's payload: map_init('<JSON array>', '<lat>', '<lon>', '<zoom>') in an
// inline script of the listing page, one object per project of the result set:
// {"title", "location": "<lat>|<lon>", "development_type": "1".."7",
//  "description": "Promoter name : X(Company)<br/>Project name : ...<br/>... <a href=...>More info</a>"}.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/html/html_node.hpp"

namespace realmap::listing {

struct MapEntry {
    std::string title;
    std::string location;          // raw "lat|lon"
    std::string development_type;
    // The description's "Key : Value" lines, keys lower-cased and whitespace-collapsed
    // ("promoter name", "project name", "cg-rera registration no", "project status",
    // "project type", "project address", "district", "tahsil"); values decoded and
    // collapsed.
    std::map<std::string, std::string> fields;
    std::optional<std::string> detail_href;  // the "More info" link as written

    const std::string *field(const std::string &key) const {
        auto it = fields.find(key);
        return it == fields.end() ? nullptr : &it->second;
    }
};

struct MapInitPayload {
    bool found = false;  // a map_init('...') call with a string first argument
    std::vector<MapEntry> entries;
    std::vector<std::string> warnings;
};

// Finds the call in the page's <script> elements and reads its payload.  The first
// argument is decoded as the JavaScript string literal it is (\' \" \\ \/ \uXXXX ...)
// and then parsed as JSON -- what the page's own script does.  A payload cut short
// (a truncated page) keeps its complete entries, with a warning.
MapInitPayload read_map_init(html::Node scope);

// The same for the text of one script (exposed for tests).
MapInitPayload read_map_init_script(std::string_view script_text);

// One description's "Key : Value" lines and its link.
void parse_map_description(std::string_view description_html, MapEntry &entry);

}  // namespace realmap::listing

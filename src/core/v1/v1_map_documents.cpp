// documents and previews: the labelled document links the extractor found (an empty
// link -- ".../Application_336/", "javascript:" -- is no document), and a documents
// section's canonical fields (document name / type / url / uploaded on).
#include <set>

#include "core/v1/v1_map_state.hpp"
#include "core/v1/v1_text.hpp"

namespace realmap::v1 {

using nlohmann::json;

json map_documents(MapState &state, const SectionReading &reading) {
    json out = json::array();
    std::set<std::string> urls;
    int duplicates = 0;
    auto add = [&](json doc) {
        std::string url = doc["url"].get<std::string>();
        if (!urls.insert(url).second) {
            ++duplicates;
            return;
        }
        out.push_back(std::move(doc));
    };
    if (auto docs = state.raw.find("documents"); docs != state.raw.end() && docs->is_array()) {
        for (const json &d : *docs) {
            if (!d.is_object()) continue;
            std::string href = clean_text(str_of(d, "href"));
            if (!is_file_link(href)) continue;
            std::string name = clean_text(str_of(d, "caption"));
            if (name.empty()) name = clean_text(str_of(d, "label"));
            json doc = {{"url", href}};
            if (!name.empty()) doc["name"] = name;
            std::string prefix = clean_text(str_of(d, "file_prefix"));
            if (!prefix.empty()) doc["document_type"] = prefix;
            std::string section = clean_text(str_of(d, "section"));
            if (!section.empty()) doc["section"] = section;
            add(std::move(doc));
        }
    }
    if (auto f = reading.fields.find("documents"); f != reading.fields.end()) {
        const json &rec = f->second;
        std::string url = rec.contains("url") && rec["url"].is_string() ? rec["url"].get<std::string>() : "";
        if (is_file_link(url)) {
            json doc = rec;
            add(std::move(doc));
        } else if (!rec.empty()) {
            state.note("documents: a documents section names a document without a file; left out");
        }
    }
    if (duplicates) state.note("documents: " + std::to_string(duplicates) + " repeated link(s) left out (the first kept)");
    if (auto empty = state.raw.find("empty_document_links"); empty != state.raw.end() && empty->is_array() &&
                                                              !empty->empty()) {
        std::string labels;
        std::size_t shown = 0;
        for (const json &e : *empty) {
            if (shown == 5) {
                labels += ", ...";
                break;
            }
            labels += (shown++ ? ", " : "") + clean_text(str_of(e, "label"));
        }
        state.note("documents: " + std::to_string(empty->size()) +
                   " document slot(s) link no file and are no documents: " + labels);
    }
    return out;
}

json map_previews(MapState &state) {
    json out = json::object();
    auto docs = state.raw.find("documents");
    if (docs == state.raw.end() || !docs->is_array()) return out;
    for (const json &d : *docs) {
        if (!d.is_object()) continue;
        std::string hint = clean_text(str_of(d, "preview_hint"));
        if (hint.empty()) continue;
        std::string key = match_norm(str_of(d, "label"));
        if (key.empty() || out.contains(key)) continue;
        json files = json::array();
        std::string href = clean_text(str_of(d, "href"));
        if (is_file_link(href)) files.push_back(href);
        out[key] = {{"field_key", key}, {"artifact_type", "unknown"}, {"files", files}, {"notes", hint}};
    }
    return out;
}

}  // namespace realmap::v1

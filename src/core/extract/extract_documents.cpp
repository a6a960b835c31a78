#include "core/extract/extract_documents.hpp"

#include "core/html/html_text.hpp"
#include "core/html/url_resolve.hpp"

namespace realmap::extract {

namespace {

bool has_document_extension(const std::string &file) {
    std::string name = html::ascii_lower(file);
    for (const char *ext : {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".jpeg", ".png", ".zip"}) {
        std::string_view e = ext;
        if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) return true;
    }
    return false;
}

bool under_documents_heading(const LabelField &f) {
    return html::istarts_with_ascii(f.heading, "Documents") || html::istarts_with_ascii(f.section, "Documents");
}

bool looks_like_document(const LabelField &f, const PageLink &l) {
    if (html::ifind_ascii(l.url, "/Content/") != std::string::npos ||
        html::istarts_with_ascii(l.href, "../Content/") || html::istarts_with_ascii(l.href, "Content/"))
        return true;
    if (has_document_extension(link_file_name(l.url))) return true;
    // under the Documents heading a relative link is a document slot; an absolute one
    // (a website) is not
    return under_documents_heading(f) && !html::has_url_scheme(l.href);
}

}  // namespace

DocumentLinks read_documents(const std::vector<LabelField> &fields) {
    DocumentLinks out;
    for (const LabelField &f : fields) {
        bool any_document = false;
        for (const PageLink &l : f.links) {
            if (!looks_like_document(f, l)) continue;
            any_document = true;
            if (is_empty_document_link(l)) {
                out.empty.push_back({{"label", f.caption}, {"section", f.section}, {"href", l.href}});
                continue;
            }
            std::string file = link_file_name(l.url);
            nlohmann::json d = {{"label", f.label},       {"caption", f.caption},
                                {"section", f.section},   {"heading", f.heading},
                                {"href", l.href},         {"url", l.url},
                                {"link_text", l.text},    {"via", l.via},
                                {"file_name", file},      {"file_prefix", document_file_prefix(file)}};
            if (l.preview) d["preview_hint"] = l.preview_hint;
            out.documents.push_back(std::move(d));
        }
        // a slot under the Documents heading whose only link goes nowhere
        if (!any_document && under_documents_heading(f) && f.links.empty() && f.value_node &&
            f.value_node.is("a"))
            out.empty.push_back({{"label", f.caption}, {"section", f.section},
                                 {"href", std::string(f.value_node.attr_or("href"))}});
    }
    return out;
}

}  // namespace realmap::extract

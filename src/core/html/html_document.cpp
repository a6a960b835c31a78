#include "core/html/html_document.hpp"

#include <gumbo.h>

#include <new>
#include <utility>

#include "core/error.hpp"
#include "core/html/html_nesting_guard.hpp"

namespace realmap::html {

namespace {

GumboOptions parse_options() {
    GumboOptions options = kGumboDefaultOptions;
    // gumbo copies the whole open-element stack into every parse error it records,
    // so an unclosed-tag-heavy page costs memory quadratic in its depth (measured:
    // 20,000 nested <div>s took 3 GB).  Nobody reads the errors: record none.
    options.max_errors = 0;
    return options;
}

}  // namespace

Document::Document(std::string_view html, const ParseLimits &limits) {
    if (html.size() > limits.max_bytes)
        throw Error("54000", "HTML page too large: " + std::to_string(html.size()) +
                                 " bytes, the limit is " + std::to_string(limits.max_bytes));
    std::size_t depth = estimate_nesting_depth(html);
    if (depth > limits.max_nesting)
        throw Error("54001", "HTML page nests too deeply: about " + std::to_string(depth) +
                                 " open elements, the limit is " +
                                 std::to_string(limits.max_nesting));
    source_ = std::make_unique<std::string>(html);
    GumboOptions options = parse_options();
    output_ = gumbo_parse_with_options(&options, source_->data(), source_->size());
    if (output_ == nullptr) throw std::bad_alloc();
}

Document::~Document() {
    if (output_ != nullptr) {
        GumboOptions options = parse_options();
        gumbo_destroy_output(&options, output_);
    }
}

Document::Document(Document &&other) noexcept
    : source_(std::move(other.source_)), output_(std::exchange(other.output_, nullptr)) {}

Document &Document::operator=(Document &&other) noexcept {
    if (this != &other) {
        if (output_ != nullptr) {
            GumboOptions options = parse_options();
            gumbo_destroy_output(&options, output_);
        }
        source_ = std::move(other.source_);
        output_ = std::exchange(other.output_, nullptr);
    }
    return *this;
}

Node Document::document() const { return Node(output_ ? output_->document : nullptr); }
Node Document::root() const { return Node(output_ ? output_->root : nullptr); }

Node Document::body() const {
    Node r = root();
    for (Node c : r.element_children())
        if (c.is("body")) return c;
    return Node();
}

Node Document::head() const {
    Node r = root();
    for (Node c : r.element_children())
        if (c.is("head")) return c;
    return Node();
}

}  // namespace realmap::html

#include "core/html/html_node.hpp"

#include <gumbo.h>

#include "core/html/html_text.hpp"

namespace realmap::html {

namespace {

bool element_like(const GumboNode *n) {
    return n != nullptr && (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE);
}

const GumboVector *child_vector(const GumboNode *n) {
    if (n == nullptr) return nullptr;
    if (element_like(n)) return &n->v.element.children;
    if (n->type == GUMBO_NODE_DOCUMENT) return &n->v.document.children;
    return nullptr;
}

const GumboNode *child_at(const GumboNode *n, std::size_t i) {
    const GumboVector *v = child_vector(n);
    if (v == nullptr || i >= v->length) return nullptr;
    return static_cast<const GumboNode *>(v->data[i]);
}

const GumboNode *sibling(const GumboNode *n, long step) {
    if (n == nullptr || n->parent == nullptr) return nullptr;
    long i = static_cast<long>(n->index_within_parent) + step;
    if (i < 0) return nullptr;
    return child_at(n->parent, static_cast<std::size_t>(i));
}

bool is_text_type(const GumboNode *n) {
    return n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE ||
           n->type == GUMBO_NODE_CDATA;
}

// Pre-order walk of the text below `root`, iterative (sloppy pages nest deeply, and
// a backend's stack is not the place to find out how deep).  `skip_hidden` leaves
// out script/style/template contents.
template <class F>
void walk_text(const GumboNode *root, bool skip_hidden, F &&emit) {
    if (root == nullptr) return;
    if (is_text_type(root)) {
        emit(root->v.text.text);
        return;
    }
    const GumboNode *n = child_at(root, 0);
    while (n != nullptr) {
        bool descend = false;
        if (is_text_type(n)) {
            emit(n->v.text.text);
        } else if (element_like(n)) {
            GumboTag t = n->v.element.tag;
            bool hidden = n->type == GUMBO_NODE_TEMPLATE || t == GUMBO_TAG_SCRIPT ||
                          t == GUMBO_TAG_STYLE;
            descend = !(skip_hidden && hidden) && n->v.element.children.length > 0;
        }
        if (descend) {
            n = child_at(n, 0);
            continue;
        }
        // next sibling, or the next sibling of the nearest ancestor below root
        while (n != nullptr && n != root) {
            const GumboNode *next = sibling(n, 1);
            if (next != nullptr) {
                n = next;
                break;
            }
            n = n->parent;
        }
        if (n == root) break;
    }
}

}  // namespace

bool Node::is_element() const { return element_like(node_); }
bool Node::is_text() const { return node_ != nullptr && is_text_type(node_); }
bool Node::is_comment() const { return node_ != nullptr && node_->type == GUMBO_NODE_COMMENT; }
bool Node::is_document() const { return node_ != nullptr && node_->type == GUMBO_NODE_DOCUMENT; }

std::string Node::tag_name() const {
    if (!is_element()) return {};
    if (node_->v.element.tag != GUMBO_TAG_UNKNOWN)
        return gumbo_normalized_tagname(node_->v.element.tag);
    GumboStringPiece piece = node_->v.element.original_tag;
    if (piece.data == nullptr || piece.length == 0) return {};
    gumbo_tag_from_original_text(&piece);
    return ascii_lower(std::string_view(piece.data, piece.length));
}

bool Node::is(std::string_view name) const {
    if (!is_element()) return false;
    GumboTag wanted = gumbo_tagn_enum(name.data(), static_cast<unsigned>(name.size()));
    if (wanted != GUMBO_TAG_UNKNOWN) return node_->v.element.tag == wanted;
    return node_->v.element.tag == GUMBO_TAG_UNKNOWN && iequals_ascii(tag_name(), name);
}

bool Node::is_heading() const {
    if (!is_element()) return false;
    switch (node_->v.element.tag) {
        case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3:
        case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6:
            return true;
        default:
            return false;
    }
}

std::optional<std::string_view> Node::attr(std::string_view name) const {
    if (!is_element()) return std::nullopt;
    const GumboVector &attrs = node_->v.element.attributes;
    for (unsigned i = 0; i < attrs.length; ++i) {
        const auto *a = static_cast<const GumboAttribute *>(attrs.data[i]);
        if (iequals_ascii(a->name, name)) return std::string_view(a->value);
    }
    return std::nullopt;
}

std::string_view Node::attr_or(std::string_view name, std::string_view fallback) const {
    auto v = attr(name);
    return v ? *v : fallback;
}

namespace {
template <class Pred>
bool any_class(std::string_view classes, Pred &&pred) {
    std::size_t i = 0;
    while (i < classes.size()) {
        while (i < classes.size() && (classes[i] == ' ' || classes[i] == '\t' ||
                                      classes[i] == '\n' || classes[i] == '\r' || classes[i] == '\f'))
            ++i;
        std::size_t j = i;
        while (j < classes.size() && !(classes[j] == ' ' || classes[j] == '\t' ||
                                       classes[j] == '\n' || classes[j] == '\r' || classes[j] == '\f'))
            ++j;
        if (j > i && pred(classes.substr(i, j - i))) return true;
        i = j;
    }
    return false;
}
}  // namespace

bool Node::has_class(std::string_view cls) const {
    return any_class(attr_or("class"), [&](std::string_view c) { return c == cls; });
}

bool Node::has_class_prefix(std::string_view prefix) const {
    return any_class(attr_or("class"), [&](std::string_view c) {
        return c.size() >= prefix.size() && c.substr(0, prefix.size()) == prefix;
    });
}

std::vector<std::pair<std::string_view, std::string_view>> Node::attributes() const {
    std::vector<std::pair<std::string_view, std::string_view>> out;
    if (!is_element()) return out;
    const GumboVector &attrs = node_->v.element.attributes;
    for (unsigned i = 0; i < attrs.length; ++i) {
        const auto *a = static_cast<const GumboAttribute *>(attrs.data[i]);
        out.emplace_back(a->name, a->value);
    }
    return out;
}

Node Node::parent() const { return Node(node_ ? node_->parent : nullptr); }

std::size_t Node::child_count() const {
    const GumboVector *v = child_vector(node_);
    return v ? v->length : 0;
}

Node Node::child(std::size_t index) const { return Node(child_at(node_, index)); }

std::vector<Node> Node::children() const {
    std::vector<Node> out;
    std::size_t n = child_count();
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out.emplace_back(child_at(node_, i));
    return out;
}

std::vector<Node> Node::element_children() const {
    std::vector<Node> out;
    std::size_t n = child_count();
    for (std::size_t i = 0; i < n; ++i) {
        const GumboNode *c = child_at(node_, i);
        if (element_like(c)) out.emplace_back(c);
    }
    return out;
}

Node Node::first_element_child() const {
    std::size_t n = child_count();
    for (std::size_t i = 0; i < n; ++i) {
        const GumboNode *c = child_at(node_, i);
        if (element_like(c)) return Node(c);
    }
    return Node();
}

Node Node::next_sibling() const { return Node(sibling(node_, 1)); }
Node Node::prev_sibling() const { return Node(sibling(node_, -1)); }

Node Node::next_element_sibling() const {
    const GumboNode *n = sibling(node_, 1);
    while (n != nullptr && !element_like(n)) n = sibling(n, 1);
    return Node(n);
}

Node Node::prev_element_sibling() const {
    const GumboNode *n = sibling(node_, -1);
    while (n != nullptr && !element_like(n)) n = sibling(n, -1);
    return Node(n);
}

std::size_t Node::index_in_parent() const { return node_ ? node_->index_within_parent : 0; }

std::string_view Node::own_text() const {
    if (node_ == nullptr || element_like(node_) || node_->type == GUMBO_NODE_DOCUMENT) return {};
    return node_->v.text.text;
}

std::string Node::text_content() const {
    std::string out;
    walk_text(node_, false, [&](const char *t) { out += t; });
    return out;
}

std::string Node::text() const {
    std::string out;
    walk_text(node_, true, [&](const char *t) { out += t; });
    return collapse_whitespace(out);
}

std::size_t Node::source_offset() const {
    if (node_ == nullptr) return 0;
    if (element_like(node_)) return node_->v.element.start_pos.offset;
    if (node_->type == GUMBO_NODE_DOCUMENT) return 0;
    return node_->v.text.start_pos.offset;
}

}  // namespace realmap::html

// A read-only handle on one node of a parsed HTML document (see html_document.hpp).
// Cheap to copy (one pointer); valid while its Document lives.  A default-constructed
// Node is "null": every accessor on it is safe and answers empty/false/null.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct GumboInternalNode;  // gumbo's node type; gumbo.h stays out of this header

namespace realmap::html {

class Node {
public:
    Node() = default;
    explicit Node(const GumboInternalNode *node) : node_(node) {}

    explicit operator bool() const { return node_ != nullptr; }
    bool operator==(const Node &other) const { return node_ == other.node_; }
    bool operator!=(const Node &other) const { return node_ != other.node_; }

    bool is_element() const;   // an element (template elements included)
    bool is_text() const;      // text, whitespace-only text or CDATA
    bool is_comment() const;
    bool is_document() const;

    // Lower-case tag name ("td", "my-widget"); "" for non-elements.
    std::string tag_name() const;
    // Whether this is an element named `name` (ASCII case-insensitive).
    bool is(std::string_view name) const;
    // Whether this is an h1..h6 element.
    bool is_heading() const;

    // Attribute value (entities decoded), or nullopt when the attribute is absent.
    // Attribute names match ASCII case-insensitively.
    std::optional<std::string_view> attr(std::string_view name) const;
    std::string_view attr_or(std::string_view name, std::string_view fallback = {}) const;
    bool has_attr(std::string_view name) const { return attr(name).has_value(); }
    std::string_view id() const { return attr_or("id"); }
    // Whether the class attribute lists `cls` (exact, case-sensitive, as CSS does).
    bool has_class(std::string_view cls) const;
    // Whether some class in the class attribute starts with `prefix`.
    bool has_class_prefix(std::string_view prefix) const;
    std::vector<std::pair<std::string_view, std::string_view>> attributes() const;

    Node parent() const;
    std::size_t child_count() const;
    Node child(std::size_t index) const;
    std::vector<Node> children() const;          // every child node
    std::vector<Node> element_children() const;  // child elements only
    Node first_element_child() const;
    Node next_sibling() const;                   // any node
    Node prev_sibling() const;
    Node next_element_sibling() const;
    Node prev_element_sibling() const;
    std::size_t index_in_parent() const;

    // A text/comment node's own text (entities decoded); "" for elements.
    std::string_view own_text() const;
    // Everything a DOM textContent would give: the concatenated text of all
    // descendant text nodes, untouched (script contents included).
    std::string text_content() const;
    // The readable text: descendant text without script/style/template contents,
    // whitespace runs (Unicode ones and U+00A0 included) collapsed to one space and
    // trimmed -- the form the ground truth and the V1 document use.
    std::string text() const;

    // Byte offset of the node's start in the parsed input (0 when gumbo made the
    // element up, e.g. an implied <tbody>).
    std::size_t source_offset() const;

    const GumboInternalNode *raw() const { return node_; }

private:
    const GumboInternalNode *node_ = nullptr;
};

}  // namespace realmap::html

// A parsed HTML document: gumbo's HTML5 tree, owned (RAII) together with a copy of
// the input it points into.  gumbo keeps no global state, so documents may be parsed
// anywhere, concurrently, inside a PostgreSQL backend that also uses libxml2.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/html/html_node.hpp"

struct GumboInternalOutput;

namespace realmap::html {

struct ParseLimits {
    // Larger input is refused (SQLSTATE 54000): gumbo needs about 4-5 times the input
    // size in memory and does not survive a failed malloc.
    std::size_t max_bytes = 64u << 20;
    // Deeper estimated nesting is refused (SQLSTATE 54001); see html_nesting_guard.hpp.
    std::size_t max_nesting = 1000;
};

class Document {
public:
    // Parses `html` (UTF-8; invalid sequences become U+FFFD, never an error).  Throws
    // realmap::Error when a limit is exceeded.
    explicit Document(std::string_view html, const ParseLimits &limits = {});
    ~Document();
    Document(Document &&other) noexcept;
    Document &operator=(Document &&other) noexcept;
    Document(const Document &) = delete;
    Document &operator=(const Document &) = delete;

    Node document() const;  // the document node (parent of <html>)
    Node root() const;      // the <html> element (gumbo always makes one)
    Node body() const;      // the <body> element, or null
    Node head() const;      // the <head> element, or null

    // The input as parsed (source offsets index into it).
    std::string_view source() const { return source_ ? std::string_view(*source_) : std::string_view(); }

private:
    // gumbo's tree points into this buffer; held by pointer so that moving the
    // Document never relocates it (a short std::string moves its bytes).
    std::unique_ptr<std::string> source_;
    GumboInternalOutput *output_ = nullptr;
};

}  // namespace realmap::html

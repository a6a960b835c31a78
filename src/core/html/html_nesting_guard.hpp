// A cheap pre-scan that estimates how deeply a page nests its elements.
//
// Why: gumbo 0.10.1 spends time quadratic in the depth of open elements (a start tag
// such as <li> or <div> scans the whole open-element stack), so 200,000 nested
// <div>s -- a 1 MB page -- keep a backend busy for minutes, where no interrupt can
// reach it.  Real portal pages nest about 20 deep.  The estimate counts start tags of
// elements that stay open (not void, not ones the parser closes implicitly such as
// <p>, <li>, <td>, <tr>, <option>), minus end tags, and skips comments and raw text
// (script, style, textarea, title).  It is an estimate, not the parser's tree depth:
// it serves to refuse pathological input before parsing, nothing more.
#pragma once

#include <cstddef>
#include <string_view>

namespace realmap::html {

// The largest estimated nesting depth anywhere in `html`.
std::size_t estimate_nesting_depth(std::string_view html);

}  // namespace realmap::html

// One walk over a detail page that finds everything the extractor reads, each with
// the section it sits in.  A section is named by the nearest *preceding* h1..h6 or
// <strong> in document order (the original's rule: the portal titles its document
// groups with <strong>, its panels with <h4>), "General" before the first one.
#pragma once

#include <string>
#include <vector>

#include "core/html/html_node.hpp"

namespace realmap::extract {

struct Placed {
    html::Node node;
    std::string section;  // nearest preceding h1..h6 / <strong> text, verbatim (collapsed)
    std::string heading;  // nearest preceding h1..h6 only ("Documents" above "Project Specific")
};

struct PageIndex {
    std::vector<Placed> labels;    // every <label>
    std::vector<Placed> tables;    // every <table>
    std::vector<Placed> iframes;   // every <iframe>
    std::vector<Placed> inventory; // elements with a class starting "bg_ll"
    std::vector<Placed> controls;  // input/select/textarea named ctl00$ContentPlaceHolder1$...
    std::vector<Placed> id_spans;  // span#ContentPlaceHolder1_lbl_*
    std::vector<Placed> headings;  // the h1..h6 / <strong> elements themselves
    html::Node form;               // form#form1 (or the first form)
};

PageIndex index_detail_page(html::Node document);

// The portal's control name prefix.
inline constexpr const char *kControlPrefix = "ctl00$ContentPlaceHolder1$";
inline constexpr const char *kIdPrefix = "ContentPlaceHolder1_";

}  // namespace realmap::extract

// Values of form controls, the way the read-only ASP.NET form shows them.
#pragma once

#include <optional>
#include <string>

#include "core/html/html_node.hpp"

namespace realmap::extract {

struct ControlValue {
    std::string control;       // "input", "select", "textarea"
    std::string value;         // whitespace collapsed; "" for a select showing its placeholder
    std::optional<std::string> option_value;  // select: the chosen option's value attribute
    bool placeholder = false;  // select: the chosen option is "--Select--" and the like
    bool from_first_option = false;  // select: no option selected, the browser shows the first
};

// The value a control shows, or nullopt for controls that show none: inputs of type
// hidden/submit/button/reset/image/file/password, unchecked checkboxes and radios.
//  * input: its value attribute (checkbox/radio when checked: value or "on");
//  * textarea: its text;
//  * select: the selected option's text, else the first option's; a placeholder option
//    (text "select ...", "--select--", "please select", or empty text with value "",
//    "0" or "-1") gives "".
std::optional<ControlValue> control_value(html::Node control);

// Whether `node` is an input/select/textarea.
bool is_form_control(html::Node node);

// The first control in node's subtree (node included) that shows a value.
html::Node first_valued_control(html::Node node);

}  // namespace realmap::extract

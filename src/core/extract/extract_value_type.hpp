// The original extractor's guess of what a label's value is, kept so that the V1
// mapping can ask the same question the original asked.
#pragma once

#include <string_view>

namespace realmap::extract {

// "URL" when the value starts with http(s)://; "NUMBER" for an integer or decimal
// (thousands commas allowed); "DATE" when it holds dd/mm/yyyy or yyyy-mm-dd (also
// dd-mm-yyyy, dd.mm.yyyy) that is a real date; else "URL" when it carries links;
// "TEXT" otherwise; "UNKNOWN" when empty.
const char *guess_value_type(std::string_view value, bool has_links);

}  // namespace realmap::extract

// Character references in small HTML snippets read without the parser (the listing's
// map_init descriptions: 2,000 of them per page, where a gumbo parse each costs more
// than the whole JSON).
#pragma once

#include <string>
#include <string_view>

namespace realmap::html {

// Decodes &#NNN; &#xHH; and the common named references (amp lt gt quot apos nbsp
// copy reg trade ndash mdash hellip lsquo rsquo ldquo rdquo bull middot deg times
// laquo raquo); the semicolon may be missing after a numeric reference and after
// amp/lt/gt/quot/nbsp, as browsers allow.  Anything else is left as written.
std::string decode_html_entities(std::string_view text);

}  // namespace realmap::html

// Text helpers of the V1 mapping: the original's normal form for matching labels and
// titles, Python-like title case (the normaliser's), value placeholders.
#pragma once

#include <string>
#include <string_view>

namespace realmap::v1 {

// The original mapper's matching form (original-pipeline.md §3.5): every "[...]" and
// "(...)" segment removed (non-nested, as its regex \[[^\]]*\]|\([^)]*\)), lower case,
// everything but [a-z0-9] dropped.  "Project Details [ Registration No : X ]" ->
// "projectdetails", "Completion (%)" -> "completion", "Zip Code:" -> "zipcode".
// Devanagari and other non-ASCII text vanish ("Project Detail / परियोजना" -> "projectdetail").
std::string match_norm(std::string_view text);

// Whitespace collapsed (U+00A0 and the other Unicode spaces too) and trimmed.
std::string clean_text(std::string_view text);

// Python's str.title() on ASCII letters: a letter is upper case when the character
// before it is not a letter, lower case otherwise ("janjgir-champa" -> "Janjgir-Champa").
// Bytes of non-ASCII characters are left as they are and count as non-letters.
std::string title_case(std::string_view text);

std::string lower_ascii(std::string_view text);
std::string upper_ascii(std::string_view text);

// Whether a cell or field says "no value": "", "-", "--", "NA", "N/A", "N.A.", "Nil",
// "None", "null", "Not Available" (case-insensitive, after trimming).
bool is_blank_value(std::string_view text);

// Whether a grid cell is a placeholder: "", "-" or a zero ("0", "0.00", "0%").  A row
// of placeholder cells only is one of the portal's "0" rows.
bool is_placeholder_cell(std::string_view text);

}  // namespace realmap::v1

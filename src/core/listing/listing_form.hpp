// The ASP.NET form around the listing grid: the hidden state fields a postback must
// send back, the filter selects, the CAPTCHA, DataTables' "Showing ... of N entries".
#pragma once

#include <string_view>

#include "core/html/html_node.hpp"
#include "core/listing/listing_page.hpp"

namespace realmap::listing {

// Fills hidden_fields, select_options, captcha_*, total_shown of `page`.
void read_listing_form(html::Node document, std::string_view page_url, ListingPage &page);

// "Showing 1 to 10 of 1,988 entries" -> 1988.
std::optional<long> parse_entries_total(std::string_view info_text);

}  // namespace realmap::listing

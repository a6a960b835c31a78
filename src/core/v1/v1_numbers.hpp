// Numbers as the portal writes them: Indian digit grouping ("1,25,000.50"), units
// after the number ("50%", "12500 Sq.Mt.", "1.2500 Hectare"), lakh and crore.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace realmap::v1 {

// The first number in text, as written: commas between digits are grouping ("1,25,000.50"
// and "125,000.50" are 125000.5), a leading '-' counts when it touches the digits.
// `rest` (optional) receives the text after the number.  nullopt when there is none.
std::optional<std::string> first_number_text(std::string_view text, std::string *rest = nullptr);

// first_number_text as a double.  With lakh/crore after the number ("58 Lakh",
// "1.2 Cr") when multipliers is true: x 100,000 / x 10,000,000, exactly.
std::optional<double> parse_number(std::string_view text, bool multipliers = false);

// A whole number: parse_number, then it must be integral ("60", "1,234", "60 units");
// nullopt for "1.5" or no number.
std::optional<long long> parse_integer(std::string_view text);

// An area in square metres.  The unit after the number decides: hectares ("Hectare",
// "Hect.", "Ha", "hectares") x 10,000 (exact: the decimal point is moved), acres
// x 4,046.8564224, square feet x 0.09290304; square metres ("Sq.Mt.", "sq m", "sqm",
// "m2", "Sq. Metre") and no unit as written.  `unit_note` receives a description of a
// unit it did not recognise (the number is then read as square metres).
std::optional<double> parse_area_sq_m(std::string_view text, std::string *unit_note = nullptr);

// The number `digits` (as first_number_text gives it) times 10^shift, exactly.
double shift_decimal(const std::string &digits, int shift);

// The first run of exactly six ASCII digits standing alone (not touching another letter
// or digit): the PIN code in an address ("..., JAGDALPUR 494001" -> "494001").
std::optional<std::string> pincode_in(std::string_view text);

}  // namespace realmap::v1

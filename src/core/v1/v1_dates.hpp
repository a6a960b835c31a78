// Dates as the portal writes them, to ISO "YYYY-MM-DD" (original-pipeline.md §3.5,
// "Date normalization", widened to every form the portal and the simulator use).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace realmap::v1 {

struct CivilDate {
    int year = 0, month = 0, day = 0;
};

bool valid_civil_date(int year, int month, int day);
std::string iso_date(const CivilDate &d);

// The first date written in text, as ISO.  Forms, tried at each position from the left:
//   yyyy-mm-dd, yyyy/mm/dd, yyyy.mm.dd
//   dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy (and mm/dd/yyyy when dd/mm cannot be a date)
//   "16 Feb 2018", "16-Feb-2018", "16 February, 2018", "Feb 16, 2018"
// Two-digit years as the original: above 50 -> 19xx, otherwise 20xx.  Impossible dates
// (31/02/2020) are no dates; nullopt when the text holds none.
std::optional<std::string> parse_date_iso(std::string_view text);

// Exactly "YYYY-MM-DD" and a real date.
std::optional<CivilDate> parse_iso_date(std::string_view text);

// The calendar quarter (1..4) of a month, and the first/last day of a quarter.
int quarter_of_month(int month);
CivilDate quarter_start(int year, int quarter);
CivilDate quarter_end(int year, int quarter);

}  // namespace realmap::v1

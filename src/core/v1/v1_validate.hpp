// validate_v1: the QA of a V1 document, both layers of the original
// (original-pipeline.md §3.6) and what its docs claimed but it never did.
//
// Layer (a), the normaliser's messages (strings, as the original wrote them):
//   "Missing district in project details.", "Missing project status in project details.",
//   "Invalid pincode format (expected 6 digits)." (non-digits removed first),
//   "Land detail <n>: land_area_sq_m should be a positive number." (n from 1),
//   "Project total_area_sq_m should be a positive number."
// Layer (b), the loader's QA gate, as flags {flag_type, severity, message, field_name,
// expected_value, actual_value}:
//   missing_critical  error: rera_registration_number, project_name, district;
//                     warning: project_status, promoter_name (first promoter),
//                     approved_date (= launch_date)
//   price_below_min   warning: the lowest unit price below 100,000
//   price_above_max   error: the highest unit price above 10,000,000,000
//   data_inconsistency warning: proposed end before the approval; booked above total
//                     plots; info: extended end before the proposed end, a plot group's
//                     area that changes in one quarter (a typo on the portal)
// and, never run by the original:
//   price_outlier     per square foot (carpet, else built-up, else super built-up area):
//                     warning below 500, error above 100,000
//   bounds_exceeded   warning: a unit's area outside 100..100,000 sq ft; a percentage
//                     outside 0..100; a position outside Chhattisgarh (geo::kChhattisgarhBox)
//   invalid_format    warning: registration number (P[0-9]?CGRERA + 12 digits), PIN code,
//                     e-mail, mobile, IFSC, PAN; error: a value load_project would refuse
//                     (a number or date of the wrong JSON type or form)
// Status: any error -> "failed", else any warning -> "warning", else "passed" (info
// flags do not count).  The original let a failed project load; so does realmap.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace realmap::v1 {

inline constexpr const char *kValidatorVersion = "1.0.0";

// The QA object: {status, flags[], checked_at, validator_version, flag_count,
// error_count, warning_count, info_count, messages[] (layer a)}.  checked_at is an ISO
// 8601 timestamp ("" = now, UTC).  Throws realmap::Error 22023 when v1 is not an object.
nlohmann::json validate_v1(const nlohmann::json &v1, const std::string &checked_at);
nlohmann::json validate_v1(const nlohmann::json &v1);

// v1 with "qa" set (the QA object without its messages) and the layer (a) messages
// appended to validation_messages (each once).
nlohmann::json attach_qa(const nlohmann::json &v1, const nlohmann::json &qa);

// The current time as "YYYY-MM-DDTHH:MM:SSZ".
std::string utc_now_iso();

}  // namespace realmap::v1

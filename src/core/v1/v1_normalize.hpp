// normalize_v1: the original's normalisation of a V1 document (original-pipeline.md §3.6
// (a), quality/normalization.py), with its mistakes fixed.
//
//  * district: whitespace collapsed, title case (the original's known districts --
//    raipur, bilaspur, durg, korba, dhamtari, rajnandgaon -- and every other one alike).
//    A missing or empty district stays missing: the original made it "".
//  * project_status: ongoing / on-going / on going -> "Ongoing"; registered /
//    registration -> "Registered"; completed -> "Completed"; otherwise title case.
//  * project_type: residential, commercial, mixed use / mixed-use -> "Mixed Use",
//    residential and|& commercial -> "Residential and Commercial"; otherwise title case.
//  * registration_number: whitespace removed, repeated '-' collapsed, upper case, "-./*"
//    stripped at both ends (the listing's "** " marker never survives).
//  * every other string of project_details, of the lists' entries and of professionals:
//    whitespace collapsed; an empty string is removed (missing, not "").
// Idempotent.  Throws realmap::Error 22023 when v1 is not an object.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace realmap::v1 {

nlohmann::json normalize_v1(const nlohmann::json &v1);

std::string normalize_district(std::string_view district);
std::string normalize_project_status(std::string_view status);
std::string normalize_project_type(std::string_view type);
std::string normalize_registration_number(std::string_view reg);

}  // namespace realmap::v1

// map_v1: the raw document of a detail page (core/extract/extract_raw.hpp) as the V1
// document of sql/src/V1.md -- what realmap.load_project loads.
//
// Reading order, first value wins:
//  1. the live page's named form fields (txt_proj_name, DropDownList5, ApplicantType,
//     District_Name, Tehsil_Name, AadharNumber, txtenddate, txtecoc, txtecol, txt_p_*,
//     DropDownList1, TextBox2..TextBox6), the professionals' spans and the GridViews;
//  2. the original's label sections (titles and labels matched through the label
//     variants, after the original's normalisation), fallback and addition;
//  3. the listing row of the context (only when it has the page's registration number).
// Values are coerced by the V1 schema's type of their key (LabelVariants), never by the
// key's name: account_number, khasra_numbers and year stay strings.  Dates become ISO,
// numbers lose their Indian grouping, areas become square metres.
//
// A messy page never throws: every value it could not read, every placeholder or
// repeated grid row and every conflict between two readings is one line of
// validation_messages.  Only an input that is not a raw document throws (Error 22023).
#pragma once

#include <nlohmann/json.hpp>

#include "core/v1/v1_context.hpp"
#include "core/v1/v1_label_variants.hpp"

namespace realmap::v1 {

nlohmann::json map_v1(const nlohmann::json &raw, const LabelVariants &variants, const MapContext &ctx);

// The checks map_v1 makes before it reads anything: raw is an object with schema
// "realmap.raw/1" (or without a schema: then it needs "sections" or "form_fields") and
// the members it reads have the raw document's types.  Throws Error 22023.
void check_raw_document(const nlohmann::json &raw);

}  // namespace realmap::v1

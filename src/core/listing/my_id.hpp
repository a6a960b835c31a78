// The portal's MyID parameter: the base64 text of the numeric application id
// ("MzM2" = "336").
#pragma once

#include <optional>
#include <string_view>

namespace realmap::listing {

// The application id a MyID stands for; nullopt when it is not base64 of a decimal
// number (the portal answers such ids with its 500 "Runtime Error" page).
std::optional<long long> application_id_from_my_id(std::string_view my_id);

}  // namespace realmap::listing

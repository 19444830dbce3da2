// Root-cause hints for ephemeral-port contention, with the knobs' current values.
#pragma once
#include <optional>
#include <string>

#include "core/netns_knobs.h"

namespace tcpsight {
struct DestRow;
// "" when the destination shows no contention.
std::string port_hint(const DestRow& row, const std::string& daddr, const std::optional<NetnsKnobs>& knobs);
} // namespace tcpsight

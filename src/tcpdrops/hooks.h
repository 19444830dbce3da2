// tcpdrops's hooks and their attach ladders, as data.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/attach_ladder.h"

namespace tcpsight {

std::vector<HookSpec> tcpdrops_hooks();
// The hook whose rung produces a kind (for the `source` of summary rows).
std::string hook_of_kind(uint8_t kind);

} // namespace tcpsight

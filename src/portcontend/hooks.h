// portcontend's hooks and their attach ladders, as data.
#pragma once
#include <vector>

#include "core/attach_ladder.h"

namespace tcpsight {
std::vector<HookSpec> portcontend_hooks();
} // namespace tcpsight

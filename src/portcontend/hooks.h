// portcontend's hooks and their attach ladders, as data.
#pragma once
#include <vector>

#include "core/attach_ladder.h"
#include "core/fexit_slots.h"

namespace tcpsight {
std::vector<HookSpec> portcontend_hooks();
// Every function a portcontend fexit program is attached to (enum pc_fexit_target).
extern const FexitTarget kPortcontendFexitTargets[];
extern const size_t kPortcontendFexitTargetCount;
} // namespace tcpsight

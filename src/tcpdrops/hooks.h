// tcpdrops's hooks and their attach ladders, as data.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/attach_ladder.h"
#include "core/fexit_slots.h"

namespace tcpsight {

std::vector<HookSpec> tcpdrops_hooks();
// Every function a tcpdrops fexit program is attached to (enum ts_fexit_target).
extern const FexitTarget kTcpdropsFexitTargets[];
extern const size_t kTcpdropsFexitTargetCount;
// The hook whose rung produces a kind (for the `source` of summary rows).
std::string hook_of_kind(uint8_t kind);
// Every hook a kind needs loaded: its own, and those it learns from (conntrack's
// packet is reported at its kfree_skb; syn-drop's counter rungs tell final-ACK
// overflows and listeners from listen-overflow and SYN-ACK events). kfree-skb standing
// in for listen-overflow is added once that hook's rung is known (needs_kfree_skb).
std::vector<std::string> hooks_for_kind(uint8_t kind);
// The kfree-skb hook is needed for these kinds, given the listen-overflow rung chosen.
bool needs_kfree_skb(uint32_t kinds_mask, const RungSpec* listen_overflow_rung);

} // namespace tcpsight

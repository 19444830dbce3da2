// `--probes`: every hook, the rung it got (or why none), and what that rung cannot see.
#pragma once
#include <string>

#include "core/attach_ladder.h"

namespace tcpsight {
std::string probes_report(const AttachLadder& ladder);
// "retransmit=tracepoint kfree-skb=tracepoint syn-drop=counter" for --check.
std::string rungs_summary(const AttachLadder& ladder);
} // namespace tcpsight

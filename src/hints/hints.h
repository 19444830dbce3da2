// One-line root causes with the knob to turn and its current value in the netns where
// it happened. Keyed by tcpsight's kinds and by the kernel's reason *names* (read from
// BTF), never by reason numbers.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/netns_knobs.h"
#include "shared/events.h"

namespace tcpsight {

struct HintInput {
	uint8_t kind = 0;
	uint8_t sub = 0;    // retrans kind, ct entry or syn cause
	std::string reason; // kernel drop reason name, "" if none
	uint16_t lport = 0;
	bool has_queues = false;
	ts_queues q{};
	uint64_t wait_us = 0; // slow-accept
};

// "" when there is nothing useful to say.
std::string hint_for(const HintInput& in, const std::optional<NetnsKnobs>& knobs);

} // namespace tcpsight

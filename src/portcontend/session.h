// portcontend from start to exit: the same core as tcpdrops, with portcontend's hooks,
// records and per-destination summary.
#pragma once
#include <cstdint>
#include <string>

#include "cli/common_options.h"

namespace tcpsight {

struct PortcontendOptions {
	CommonOptions common;
	uint16_t dport = 0;
	std::string daddr;
	uint32_t pid = 0;
	bool events = false; // one line per connect() and per TIME_WAIT decision
};

int run_portcontend(const PortcontendOptions& o);

} // namespace tcpsight

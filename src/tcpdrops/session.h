// tcpdrops from start to exit: probe, load and attach through the ladder, then read,
// decode, aggregate and print until interrupted.
#pragma once
#include <cstdint>
#include <vector>

#include "cli/common_options.h"

namespace tcpsight {

struct TcpdropsOptions {
	CommonOptions common;
	std::vector<uint16_t> ports;
	std::vector<std::string> kinds; // names; empty = all
	bool all_reasons = false;       // include kfree_skb NOT_SPECIFIED drops
	unsigned accept_wait_ms = 100;  // slow-accept threshold (event mode)
};

int run_tcpdrops(const TcpdropsOptions& o);

} // namespace tcpsight

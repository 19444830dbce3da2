// Summary per destination: deltas of the kernel's cumulative `dest_summary` map.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "portcontend/decode.h"

namespace tcpsight {

class DestDiffer {
public:
	// Destinations whose counts moved since the previous call; `now` is cumulative
	// (PortCollector::counts()).
	std::vector<DestRow> diff(const std::vector<std::pair<pc_dest_key, pc_dest_val>>& now);

private:
	std::map<std::string, pc_dest_val> prev_; // keyed by the key's bytes
};

// Most EADDRNOTAVAIL first, then most connects; keeps `top` (0 = all).
void rank_destinations(std::vector<DestRow>& rows, size_t top);

} // namespace tcpsight

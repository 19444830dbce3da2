// What the lost events were, not only how many: the kernel counts ring-buffer losses
// per (kind, reason, local port, netns) in a small per-CPU map (lost_by_cause), and
// each notice names the top causes since the previous one.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "shared/events.h"

namespace tcpsight {

struct LostCause {
	std::string kind, reason;
	uint16_t lport = 0;
	uint32_t netns = 0;
	uint64_t count = 0;
};

// "drop NOT_SPECIFIED :9 netns 4026532177 (1903232); retrans rto :80 netns 1 (12)"
std::string describe_lost_causes(const std::vector<LostCause>& causes);

class LostCauseReader {
public:
	// `name` turns a key into (kind, reason) text.
	using Namer = std::function<std::pair<std::string, std::string>(const ts_agg_key&)>;
	LostCauseReader(int map_fd, Namer name) : fd_(map_fd), name_(std::move(name)) {}
	// Growth since the previous call, largest first, at most `top`.
	std::vector<LostCause> take(size_t top = 3);

private:
	static uint64_t pack(const ts_agg_key& k);
	int fd_;
	Namer name_;
	std::map<uint64_t, std::pair<ts_agg_key, uint64_t>> seen_; // totals at the last call
};

} // namespace tcpsight

#include "core/lost_causes.h"

#include <algorithm>
#include <bpf/bpf.h>
#include <cstring>

#include "core/map_entries.h"

namespace tcpsight {

std::string describe_lost_causes(const std::vector<LostCause>& causes)
{
	std::string s;
	for (const auto& c : causes) {
		if (!s.empty())
			s += "; ";
		s += c.kind + " " + c.reason + " :" + std::to_string(c.lport) + " netns " + std::to_string(c.netns) + " (" +
		     std::to_string(c.count) + ")";
	}
	return s;
}

uint64_t LostCauseReader::pack(const ts_agg_key& k)
{
	// netns and reason dominate; a collision only merges two rows of a notice.
	return (uint64_t)k.netns << 32 ^ (uint64_t)k.reason << 24 ^ (uint64_t)k.lport << 8 ^ (uint64_t)k.kind << 4 ^ k.sub;
}

std::vector<LostCause> LostCauseReader::take(size_t top)
{
	std::vector<std::pair<ts_agg_key, uint64_t>> grown;
	for (const auto& [key, total] : per_cpu_totals<ts_agg_key>(fd_)) {
		auto& slot = seen_[pack(key)];
		if (total > slot.second)
			grown.emplace_back(key, total - slot.second);
		slot = {key, total};
	}
	std::sort(grown.begin(), grown.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
	if (grown.size() > top)
		grown.resize(top);
	std::vector<LostCause> out;
	for (const auto& [k, n] : grown) {
		auto [kind, reason] = name_(k);
		out.push_back({kind, reason, k.lport, k.netns, n});
	}
	return out;
}

} // namespace tcpsight

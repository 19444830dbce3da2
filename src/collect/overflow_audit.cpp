#include "collect/overflow_audit.h"

#include <algorithm>

#include "core/net_counters.h"

namespace tcpsight {

ListenOverflowAudit::ListenOverflowAudit(NetnsDirectory& dir, std::optional<uint32_t> only)
    : dir_(dir), only_(only), base_(read_counters())
{
}

std::map<uint32_t, uint64_t> ListenOverflowAudit::read_counters()
{
	std::map<uint32_t, uint64_t> out;
	for (uint32_t ns : dir_.watched(only_)) {
		auto c = read_in_netns(dir_, ns, read_current_netns_counters);
		if (!c)
			continue; // gone, or not enterable: nothing to compare
		auto it = c->find("TcpExt.ListenOverflows");
		out[ns] = it == c->end() ? 0 : it->second;
	}
	return out;
}

void ListenOverflowAudit::note(const ts_event& e)
{
	// Both kinds of event the counter counts: the final-ACK overflow and, where
	// syn-drop has a tracing rung, the SYN refused at a full accept queue.
	if (e.kind == TS_KIND_LISTEN_OVERFLOW ||
	    (e.kind == TS_KIND_SYN_DROP && e.d.q.syn_cause == TS_SYN_ACCEPT_FULL))
		reported_[e.netns]++;
}

std::vector<std::pair<uint32_t, uint64_t>> ListenOverflowAudit::unreported()
{
	std::vector<std::pair<uint32_t, uint64_t>> out;
	for (const auto& [ns, now] : read_counters()) {
		auto b = base_.find(ns);
		uint64_t counted = now - std::min(now, b == base_.end() ? 0 : b->second);
		auto r = reported_.find(ns);
		uint64_t seen = r == reported_.end() ? 0 : r->second;
		if (counted > seen)
			out.emplace_back(ns, counted - seen);
	}
	return out;
}

} // namespace tcpsight

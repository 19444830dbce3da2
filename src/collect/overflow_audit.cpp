#include "collect/overflow_audit.h"

#include <algorithm>

#include "core/net_counters.h"

namespace tcpsight {

bool counted_as_listen_overflow(uint8_t kind, uint8_t syn_cause)
{
	return kind == TS_KIND_LISTEN_OVERFLOW || (kind == TS_KIND_SYN_DROP && syn_cause == TS_SYN_ACCEPT_FULL);
}

static std::optional<uint64_t> listen_overflows_in(NetnsDirectory& dir, uint32_t ns)
{
	auto c = read_in_netns(dir, ns, read_current_netns_counters);
	if (!c)
		return std::nullopt; // gone, or not enterable
	auto it = c->find("TcpExt.ListenOverflows");
	return it == c->end() ? 0 : it->second;
}

ListenOverflowAudit::ListenOverflowAudit(NetnsDirectory& dir, std::optional<uint32_t> only) : dir_(dir), only_(only)
{
	for (uint32_t ns : dir_.watched(only_))
		base_[ns] = listen_overflows_in(dir_, ns);
}

void ListenOverflowAudit::note(const ts_event& e)
{
	if (counted_as_listen_overflow(e.kind, e.d.q.syn_cause))
		noted_[e.netns]++;
}

void ListenOverflowAudit::sample()
{
	// Containers come and go: the /proc walk that finds them every 10th sample. One
	// found since the baseline counts from 0, as its counters do.
	if (samples_++ % 10 == 0)
		for (uint32_t ns : dir_.watched(only_))
			base_.try_emplace(ns, 0);
	for (const auto& [ns, base] : base_)
		if (base) // unreadable at the baseline: never audited
			if (auto now = listen_overflows_in(dir_, ns))
				counted_[ns] = *now - std::min(*now, *base);
}

std::vector<std::pair<uint32_t, uint64_t>> ListenOverflowAudit::unreported(const std::map<uint32_t, uint64_t>& reported)
{
	std::vector<std::pair<uint32_t, uint64_t>> out;
	for (const auto& [ns, counted] : counted_) {
		auto r = reported.find(ns);
		uint64_t seen = r == reported.end() ? 0 : r->second;
		uint64_t& u = unreported_[ns];
		// What was reported may include overflows after the sample: the difference
		// can only fall short of the truth, so the largest one seen is kept.
		u = std::max(u, counted > seen ? counted - seen : 0);
		if (u)
			out.emplace_back(ns, u);
	}
	return out;
}

} // namespace tcpsight

#include "collect/overflow_audit.h"

#include <algorithm>

namespace tcpsight {

bool counted_as_listen_overflow(uint8_t kind, uint8_t syn_cause)
{
	return kind == TS_KIND_LISTEN_OVERFLOW || (kind == TS_KIND_SYN_DROP && syn_cause == TS_SYN_ACCEPT_FULL);
}

ListenOverflowAudit::ListenOverflowAudit(NetnsDirectory& dir, std::optional<uint32_t> only) : counters_(dir, only) {}

void ListenOverflowAudit::note(const ts_event& e)
{
	if (counted_as_listen_overflow(e.kind, e.d.q.syn_cause))
		noted_[e.netns]++;
}

void ListenOverflowAudit::sample()
{
	counters_.sample();
	for (const auto& [ns, now] : counters_.latest())
		counted_[ns] = counters_.since_base(ns, now, "TcpExt.ListenOverflows");
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

#include "aggregate/summary.h"

#include <algorithm>

#include "core/map_entries.h"

namespace tcpsight {

std::vector<AggEntry> read_summary_map(int fd) { return map_entries<ts_agg_key, ts_agg_val>(fd); }

std::vector<AggEntry> read_hot_slots(int fd)
{
	std::vector<AggEntry> out;
	for (uint32_t i = 0; i < TS_HOT_SLOTS; i++) // a slot missing: the map was created at one entry
		for (const ts_hot_slot& s : per_cpu_values<ts_hot_slot>(fd, i)) {
			// Kind 0 is no key: a claim whose key was not all written yet when read.
			if (!s.count || s.key.kind == TS_KIND_NONE)
				continue;
			ts_agg_val v{};
			v.count = s.count;
			v.family = s.family;
			out.emplace_back(s.key, v);
		}
	return out;
}

SummaryRow summary_row_of(const ts_agg_key& k, const ts_agg_val& v)
{
	SummaryRow r;
	r.kind = k.kind;
	r.sub = k.sub;
	r.reason = k.reason;
	r.netns = k.netns;
	r.lport = k.lport;
	r.ephemeral = k.flags & TS_AGG_EPHEMERAL; // folded in the kernel
	r.family = v.family;
	r.count = v.count;
	r.sum_ns = v.sum_ns;
	r.has_queues = k.kind == TS_KIND_SYNACK_RETRANS || k.kind == TS_KIND_LISTEN_OVERFLOW ||
		       k.kind == TS_KIND_SYN_DROP;
	r.q = v.q;
	return r;
}

std::vector<SummaryRow> SummaryDiffer::diff(const std::vector<SummaryRow>& now)
{
	std::vector<SummaryRow> rows;
	for (const auto& r : now) {
		uint64_t& before = prev_[Key{r.netns, r.reason, r.lport, r.kind, r.sub, r.ephemeral}];
		if (r.count <= before)
			continue;
		rows.push_back(r);
		rows.back().count = r.count - before;
		rows.back().sum_ns = 0; // cumulative only (the exporter's histograms)
		before = r.count;
	}
	return rows;
}

static bool client_side_kind(uint8_t kind)
{
	return kind == TS_KIND_RETRANS || kind == TS_KIND_DROP || kind == TS_KIND_CONNTRACK;
}

std::vector<SummaryRow> fold_ephemeral(std::vector<SummaryRow> rows, const PortRangeOf& range)
{
	std::vector<SummaryRow> out;
	std::map<std::tuple<uint8_t, uint8_t, uint32_t, uint32_t, uint8_t>, size_t> folded;
	for (auto& r : rows) {
		auto pr = client_side_kind(r.kind) && range && !r.ephemeral ? range(r.netns) : std::nullopt;
		if (!r.ephemeral && (!pr || r.lport < pr->first || r.lport > pr->second)) {
			out.push_back(r);
			continue;
		}
		auto key = std::make_tuple(r.kind, r.sub, r.reason, r.netns, r.source);
		auto it = folded.find(key);
		if (it == folded.end()) {
			r.lport = 0;
			r.ephemeral = true;
			folded[key] = out.size();
			out.push_back(r);
		} else {
			out[it->second].count += r.count;
			out[it->second].sum_ns += r.sum_ns;
		}
	}
	return out;
}

void rank(std::vector<SummaryRow>& rows, size_t top)
{
	std::stable_sort(rows.begin(), rows.end(),
			 [](const SummaryRow& a, const SummaryRow& b) { return a.count > b.count; });
	if (top && rows.size() > top)
		rows.resize(top);
}

} // namespace tcpsight

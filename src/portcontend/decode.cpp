#include "portcontend/decode.h"

#include <cstring>

#include "core/event_reader.h"
#include "decode/addr.h"
#include "decode/names.h"
#include "portcontend/hints.h"
#include "portcontend/names.h"

namespace tcpsight {

std::optional<pc_event> pc_event_from_sample(const void* data, size_t size) { return sample_as<pc_event>(data, size); }

static std::string comm_of(const char comm[16])
{
	return std::string(comm, strnlen(comm, 16));
}

static void put_tw_rejections(Record& r, const __u64* by_reason)
{
	uint64_t total = 0;
	for (int i = 1; i < PC_TW_REASONS; i++)
		total += by_reason[i];
	r.set("tw_rejected", total);
	for (int i = 1; i < PC_TW_REASONS; i++)
		if (by_reason[i])
			r.set(std::string("tw_rejected_") + tw_reason_name(i), by_reason[i]);
}

Record decode_pc_event(const pc_event& e, const DecodeContext& ctx)
{
	Record r;
	put_event_header(r, e.ts_ns, e.kind == PC_KIND_CONNECT ? "connect" : "tw-decision", e.source, e.netns, e.t,
			 ctx);
	r.set("reason", e.kind == PC_KIND_CONNECT ? connect_result_name(e.result) : tw_reason_name(e.tw_reason));
	r.set("pid", e.pid);
	r.set("comm", comm_of(e.comm));
	r.set("cgroup", e.cgroup);
	r.set("bound", e.bound != 0);
	if (e.kind == PC_KIND_CONNECT) {
		r.set("result", connect_result_name(e.result));
		if (e.err)
			r.set("err", e.err);
		if (e.source != TS_SRC_TRACEPOINT) { // the tracepoint rung sees no search
			r.set("probes", e.c.probes);
			r.set("search_us", e.search_ns / 1000);
			r.set("tw_reused", e.c.tw_reused);
			__u64 rej[PC_TW_REASONS];
			for (int i = 0; i < PC_TW_REASONS; i++)
				rej[i] = e.c.tw_rejected[i];
			put_tw_rejections(r, rej);
			r.set("est_conflicts", e.c.est_conflicts);
		}
	}
	return r;
}

uint64_t hist_quantile_us(const __u64* hist, int buckets, double q)
{
	uint64_t total = 0;
	for (int i = 0; i < buckets; i++)
		total += hist[i];
	if (!total)
		return 0;
	uint64_t want = (uint64_t)(q * total + 0.999999), seen = 0;
	for (int i = 0; i < buckets; i++) {
		seen += hist[i];
		if (seen >= want)
			return (2ull << i) - 1; // bucket i holds [2^i, 2^(i+1)) µs (0 and 1 in bucket 0)
	}
	return (2ull << (buckets - 1)) - 1;
}

Record decode_dest_row(const DestRow& row, int64_t realtime_ns, const DecodeContext& ctx)
{
	const pc_dest_val& d = row.d;
	Record r;
	r.set("ts", rfc3339(realtime_ns));
	r.set("kind", "destination");
	r.set("source", source_name(row.source));
	r.set("netns", row.key.netns);
	r.set("family", family_name(row.key.family));
	r.set("daddr", format_addr(row.key.family, row.key.daddr));
	r.set("dport", row.key.dport);
	r.set("connects", d.connects);
	char rate[32];
	snprintf(rate, sizeof(rate), "%.1f", row.seconds > 0 ? d.connects / row.seconds : 0.0);
	r.set("connects_per_s", std::string(rate));
	r.set("ok", d.ok);
	r.set("eaddrnotavail", d.eaddrnotavail);
	bool searched = row.source != TS_SRC_TRACEPOINT;
	if (searched) {
		r.set("other_err", d.other_err);
		r.set("bound", d.bound);
		r.set("probes_mean", d.connects ? (double)d.probes_sum / d.connects : 0.0);
		r.set("probes_max", d.probes_max);
	}
	if (d.searches) { // every rung that times the search (the tracepoint rung: see --probes)
		r.set("search_us_mean", (double)d.search_ns_sum / d.searches / 1000.0);
		r.set("search_us_p99", hist_quantile_us(d.search_hist, PC_HIST_BUCKETS, 0.99));
	}
	if (searched) {
		r.set("tw_reused", d.tw_reused);
		put_tw_rejections(r, d.tw_rejected);
		r.set("est_conflicts", d.est_conflicts);
	}
	r.set("tw_recycled_netns", row.tw_recycled_netns);
	auto knobs = ctx.knobs ? ctx.knobs(row.key.netns) : std::nullopt;
	if (knobs && knobs->port_range_low && knobs->port_range_high)
		r.set("port_range", *knobs->port_range_high - *knobs->port_range_low + 1);
	if (row.held_tw)
		r.set("held_tw", *row.held_tw);
	if (row.held_est)
		r.set("held_est", *row.held_est);
	if (row.held_tw_first)
		r.set("held_tw_first_half", *row.held_tw_first);
	std::string h = port_hint(row, r.str("daddr"), knobs);
	if (!h.empty())
		r.set("hint", h);
	return r;
}

} // namespace tcpsight

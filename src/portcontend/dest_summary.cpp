#include "portcontend/dest_summary.h"

#include <algorithm>
#include <bpf/bpf.h>

namespace tcpsight {

static pc_dest_val minus(const pc_dest_val& a, const pc_dest_val& b)
{
	pc_dest_val d = a;
	d.connects -= b.connects;
	d.ok -= b.ok;
	d.eaddrnotavail -= b.eaddrnotavail;
	d.other_err -= b.other_err;
	d.bound -= b.bound;
	d.probes_sum -= b.probes_sum;
	d.search_ns_sum -= b.search_ns_sum;
	d.searches -= b.searches;
	d.tw_reused -= b.tw_reused;
	d.est_conflicts -= b.est_conflicts;
	for (int i = 0; i < PC_TW_REASONS; i++)
		d.tw_rejected[i] -= b.tw_rejected[i];
	for (int i = 0; i < PC_HIST_BUCKETS; i++)
		d.search_hist[i] -= b.search_hist[i];
	return d; // probes_max stays the running maximum
}

std::vector<DestRow> DestDiffer::diff(const std::vector<std::pair<pc_dest_key, pc_dest_val>>& now)
{
	std::vector<DestRow> rows;
	for (const auto& [k, v] : now) {
		std::string id(reinterpret_cast<const char*>(&k), sizeof(k));
		pc_dest_val& before = prev_[id];
		if (v.connects == before.connects)
			continue;
		DestRow r;
		r.key = k;
		r.d = minus(v, before);
		before = v;
		rows.push_back(r);
	}
	return rows;
}

void rank_destinations(std::vector<DestRow>& rows, size_t top)
{
	std::stable_sort(rows.begin(), rows.end(), [](const DestRow& a, const DestRow& b) {
		if (a.d.eaddrnotavail != b.d.eaddrnotavail)
			return a.d.eaddrnotavail > b.d.eaddrnotavail;
		return a.d.connects > b.d.connects;
	});
	if (top && rows.size() > top)
		rows.resize(top);
}

} // namespace tcpsight

#include "portcontend/hints.h"

#include "portcontend/decode.h"

namespace tcpsight {

static std::string val(const std::optional<NetnsKnobs>& k, std::optional<int64_t> NetnsKnobs::*f)
{
	return k && (*k).*f ? std::to_string(*((*k).*f)) : "?";
}

std::string port_hint(const DestRow& row, const std::string& daddr, const std::optional<NetnsKnobs>& k)
{
	const pc_dest_val& d = row.d;
	uint64_t rejected = 0, top_reason = 0;
	for (int i = 1; i < PC_TW_REASONS; i++) {
		rejected += d.tw_rejected[i];
		if (d.tw_rejected[i] > d.tw_rejected[top_reason])
			top_reason = i;
	}
	uint64_t range = k && k->port_range_low && k->port_range_high ? *k->port_range_high - *k->port_range_low + 1 : 0;
	double mean_probes = d.connects ? (double)d.probes_sum / d.connects : 0;
	bool exhausted = d.eaddrnotavail > 0 || (range && mean_probes > range / 2.0);
	bool slow = range && mean_probes > 8;
	if (!exhausted && !slow)
		return "";

	std::string dest = (row.key.family == 10 ? "[" + daddr + "]" : daddr) + ":" + std::to_string(row.key.dport);
	std::string range_s = range ? std::to_string(range) + "-port range" : "port range";
	std::string s = range_s + (exhausted ? " exhausted" : " crowded") + " toward " + dest;
	uint64_t probes = d.probes_sum;
	if (probes) {
		s += ": " + std::to_string((rejected + d.tw_reused) * 100 / probes) + "% of probes hit TIME_WAIT, " +
		     std::to_string(d.est_conflicts * 100 / probes) + "% live connections";
	} else if (row.held_tw || row.held_est) {
		s += ": " + std::to_string(row.held_tw.value_or(0)) + " TIME_WAIT and " +
		     std::to_string(row.held_est.value_or(0)) + " ESTABLISHED sockets hold ports toward it";
	}
	s += "; tcp_tw_reuse=" + val(k, &NetnsKnobs::tcp_tw_reuse) + ", ip_local_port_range " +
	     val(k, &NetnsKnobs::port_range_low) + "-" + val(k, &NetnsKnobs::port_range_high) + ": ";
	switch (top_reason) {
	case PC_TW_REUSE_OFF:
		return s + "enable tcp_tw_reuse (1), widen ip_local_port_range, or reuse connections";
	case PC_TW_NOT_LOOPBACK:
		return s + "tcp_tw_reuse=2 recycles TIME_WAIT on loopback only: set 1, widen the range, or pool connections";
	case PC_TW_NO_TIMESTAMPS:
		return s + "the peer sends no TCP timestamps (tcp_timestamps=" + val(k, &NetnsKnobs::tcp_timestamps) +
		       "), so TIME_WAIT cannot be recycled: enable timestamps on both ends or pool connections";
	case PC_TW_TOO_RECENT:
		return s + "TIME_WAIT sockets are younger than the 1 s reuse delay: connections churn faster than "
			   "reuse allows; pool connections or widen the range";
	case PC_TW_FIN_WAIT2:
		return s + "the peer does not close its side (FIN_WAIT2): fix the peer or shorten tcp_fin_timeout";
	default:
		if (d.est_conflicts > rejected)
			return s + "too many concurrent connections to one peer for the range: widen "
				   "ip_local_port_range, add source addresses, or pool connections";
		return s + "enable tcp_tw_reuse (1), widen ip_local_port_range, or reuse connections";
	}
}

} // namespace tcpsight

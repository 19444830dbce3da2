#include "portcontend/hints.h"

#include "portcontend/decode.h"

namespace tcpsight {

static std::string val(const std::optional<NetnsKnobs>& k, std::optional<int64_t> NetnsKnobs::*f)
{
	return k && (*k).*f ? std::to_string(*((*k).*f)) : "?";
}

// Below this many ports a wider ip_local_port_range is real relief; above it, the seed's
// lesson: widening moved EADDRNOTAVAIL into a slow, crowded search.
static constexpr uint64_t kNarrowRange = 10000;
// A port search normally takes microseconds; past this it is the bottleneck.
static constexpr double kSlowSearchUs = 500;
// A mean search past this share of the range has walked connect()'s whole half and most
// of the other: the range as a whole is held. Just past the half is still the crowded
// half: a connect() that walked all of it may meet one or two sockets the crowd left in
// the other half (its start moves on with every connect, and one earlier port freed and
// taken again moves it back into them).
static constexpr double kExhaustedShare = 0.75;
// Where TIME_WAIT can be recycled toward the destination, a crowd clears itself within
// a second: an interval's mean says "slow" only over this many connects, not one
// straggler that met sockets younger than the reuse delay.
static constexpr uint64_t kMinRecyclableSamples = 10;

static std::string us_text(double us)
{
	char b[32];
	if (us >= 1000)
		snprintf(b, sizeof(b), "%.1f ms", us / 1000);
	else
		snprintf(b, sizeof(b), "%.0f us", us);
	return b;
}

// connect() slowed by a crowded range, with no failure yet: the cost, the fill of the
// half it scans first, and the knob.
static std::string crowded_hint(const DestRow& row, const std::string& dest, const std::optional<NetnsKnobs>& k,
				uint64_t range, double search_us, const std::string& widen)
{
	std::string s = "connect() to " + dest;
	s += search_us > 0 ? " spends " + us_text(search_us) + " choosing a port" : " probes many ports for each connection";
	uint64_t half = (range & ~1ULL) / 2;
	if (row.held_tw && row.held_tw_first && half) {
		s += ": " + std::to_string(*row.held_tw) + " TIME_WAIT sockets toward it hold " +
		     std::to_string(*row.held_tw_first) + " of the " + std::to_string(half) +
		     " ports connect() tries first (half of ip_local_port_range " + val(k, &NetnsKnobs::port_range_low) + "-" +
		     val(k, &NetnsKnobs::port_range_high) +
		     ": since Linux 4.6 connect() scans the ports of the low end's parity first, leaving the others to "
		     "bind(), so once TIME_WAIT fills that half every connect() walks all of it)";
	}
	int64_t reuse = k && k->tcp_tw_reuse ? *k->tcp_tw_reuse : -1;
	s += "; tcp_tw_reuse=" + val(k, &NetnsKnobs::tcp_tw_reuse) + ": ";
	std::string keepalive = "keep connections to this destination alive (e.g. nginx upstream keepalive with "
				"fastcgi_keep_conn on)";
	if (reuse == 0)
		return s + "set it to 1, or " + keepalive + widen;
	if (reuse == 2)
		return s + "2 recycles TIME_WAIT on loopback only: set it to 1, or " + keepalive + widen;
	return s + "TIME_WAIT is recycled only with TCP timestamps and after 1 s: " + keepalive + widen;
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
	double search_us = d.searches ? (double)d.search_ns_sum / d.searches / 1000.0 : 0;
	bool exhausted = d.eaddrnotavail > 0 || (range && mean_probes > kExhaustedShare * (double)range);
	// The interval the collapse begins in mixes fast connects with slow ones: a mean
	// still under the threshold. But once TIME_WAIT holds the whole half and cannot be
	// recycled toward this destination (tcp_tw_reuse 0, or 2 off loopback), every later
	// connect() walks it: that with the slowest 1% past the threshold is enough.
	bool half_full = range > 1 && row.held_tw_first && *row.held_tw_first >= (range & ~1ULL) / 2;
	bool loopback = daddr.rfind("127.", 0) == 0 || daddr == "::1" || daddr.rfind("::ffff:127.", 0) == 0;
	int64_t reuse = k && k->tcp_tw_reuse ? *k->tcp_tw_reuse : -1;
	bool no_recycling = reuse == 0 || (reuse == 2 && !loopback);
	bool slow_tail = half_full && no_recycling &&
			 hist_quantile_us(d.search_hist, PC_HIST_BUCKETS, 0.99) >= kSlowSearchUs;
	bool recyclable = reuse == 1 || (reuse == 2 && loopback);
	bool sampled = !recyclable || d.connects >= kMinRecyclableSamples;
	bool slow = (sampled && ((range && mean_probes > 8) || search_us >= kSlowSearchUs)) || slow_tail;
	if (!exhausted && !slow)
		return "";

	std::string dest = (row.key.family == 10 ? "[" + daddr + "]" : daddr) + ":" + std::to_string(row.key.dport);
	std::string widen = range && range < kNarrowRange ? ", or widen ip_local_port_range" : "";
	if (!exhausted)
		return crowded_hint(row, dest, k, range, search_us, widen);

	std::string range_s = range ? std::to_string(range) + "-port range" : "port range";
	std::string s = range_s + " exhausted toward " + dest;
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
	std::string widen_mid = widen.empty() ? "" : ", widen ip_local_port_range";
	switch (top_reason) {
	case PC_TW_REUSE_OFF:
		return s + "enable tcp_tw_reuse (1)" + widen_mid + ", or reuse connections";
	case PC_TW_NOT_LOOPBACK:
		return s + "tcp_tw_reuse=2 recycles TIME_WAIT on loopback only: set 1" + widen_mid + ", or pool connections";
	case PC_TW_NO_TIMESTAMPS:
		return s + "the peer sends no TCP timestamps (tcp_timestamps=" + val(k, &NetnsKnobs::tcp_timestamps) +
		       "), so TIME_WAIT cannot be recycled: enable timestamps on both ends or pool connections";
	case PC_TW_TOO_RECENT:
		return s + "TIME_WAIT sockets are younger than the 1 s reuse delay: connections churn faster than "
			   "reuse allows; pool connections" + widen;
	case PC_TW_FIN_WAIT2:
		return s + "the peer does not close its side (FIN_WAIT2): fix the peer or shorten tcp_fin_timeout";
	default:
		if (d.est_conflicts > rejected)
			return s + "too many concurrent connections to one peer for the range: " +
			       (widen.empty() ? "" : "widen ip_local_port_range, ") + "add source addresses, or pool connections";
		return s + "enable tcp_tw_reuse (1)" + widen_mid + ", or reuse connections";
	}
}

} // namespace tcpsight

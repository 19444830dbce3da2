#include "tcpdrops/syn_drop_monitor.h"

#include <algorithm>

#include "core/netns_knobs.h"

namespace tcpsight {

SynDropTotals split_syn_drops(const CounterMap& base, const CounterMap& now, uint64_t ack_overflows)
{
	// tcp_conn_request(): a full SYN queue without cookies counts TCPReqQFullDrop and
	// ListenDrops; with cookies TCPReqQFullDoCookies (no drop). A full accept queue
	// counts ListenOverflows and ListenDrops, as does the final-ACK overflow in
	// syn_recv_sock, which the tracing hooks report themselves.
	SynDropTotals t;
	uint64_t rq = counter_delta(base, now, "TcpExt.TCPReqQFullDrop");
	uint64_t lo = counter_delta(base, now, "TcpExt.ListenOverflows");
	uint64_t ld = counter_delta(base, now, "TcpExt.ListenDrops");
	t.syn_queue_full = rq;
	t.cookie_sent = counter_delta(base, now, "TcpExt.TCPReqQFullDoCookies");
	t.accept_queue_full = lo > ack_overflows ? lo - ack_overflows : 0;
	t.other = ld > rq + lo ? ld - rq - lo : 0;
	return t;
}

SynDropMonitor::SynDropMonitor(NetnsDirectory& dir, const SocketSnapshot* snapshot, std::optional<uint32_t> only)
    : dir_(dir), snapshot_(snapshot), counters_(dir, only)
{
}

// A remembered full listener names the culprit for this many ticks (seconds).
static constexpr unsigned kRememberTicks = 10;

static void fill_from_listener(SynDropObservation& o, const ts_sock_rec& l)
{
	o.lport = l.t.lport;
	o.family = l.t.family;
	o.has_queues = true;
	o.q.accept_queue = l.accept_queue;
	o.q.accept_queue_max = l.accept_queue_max;
	o.q.syn_queue = l.syn_queue;
	o.q.syn_queue_max = l.accept_queue_max;
}

void SynDropMonitor::attribute(SynDropObservation& o, PerNetns& st, const std::vector<ts_sock_rec>& listeners,
			       const std::vector<uint16_t>& recent) const
{
	const ts_sock_rec* hit = nullptr;
	int hits = 0;
	for (const auto& l : listeners) {
		bool full = o.cause == TS_SYN_ACCEPT_FULL
				? l.accept_queue > 0 && l.accept_queue >= l.accept_queue_max
				: l.syn_queue > 0 && l.syn_queue >= l.accept_queue_max;
		if (full) {
			hit = &l;
			hits++;
		}
	}
	if (hits == 1) {
		fill_from_listener(o, *hit);
		st.last_full[o.cause] = {*hit, ticks_};
		return;
	}
	auto mem = st.last_full.find(o.cause);
	if (hits == 0 && mem != st.last_full.end() && ticks_ - mem->second.second <= kRememberTicks) {
		fill_from_listener(o, mem->second.first);
		return;
	}
	std::vector<uint16_t> ports = recent;
	std::sort(ports.begin(), ports.end());
	ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
	if (hits == 0 && ports.size() == 1)
		o.lport = ports[0];
}

void SynDropMonitor::sample()
{
	counters_.sample();
	sampled_ = true;
}

std::vector<SynDropObservation> SynDropMonitor::tick(const std::map<uint32_t, uint64_t>& ack_overflows,
						     const std::map<uint32_t, std::vector<uint16_t>>& recent_ports)
{
	if (!sampled_)
		sample();
	sampled_ = false;
	ticks_++;
	std::vector<SynDropObservation> out;
	for (const auto& [ns, now] : counters_.latest()) {
		PerNetns& st = netns_[ns];
		auto ack = ack_overflows.find(ns);
		SynDropTotals t = split_syn_drops(counters_.base(ns), now, ack == ack_overflows.end() ? 0 : ack->second);
		std::pair<uint8_t, uint64_t> deltas[] = {
		    {TS_SYN_QUEUE_FULL, t.syn_queue_full - std::min(t.syn_queue_full, st.reported.syn_queue_full)},
		    {TS_SYN_COOKIE_SENT, t.cookie_sent - std::min(t.cookie_sent, st.reported.cookie_sent)},
		    {TS_SYN_ACCEPT_FULL, t.accept_queue_full - std::min(t.accept_queue_full, st.reported.accept_queue_full)},
		    {TS_SYN_OTHER, t.other - std::min(t.other, st.reported.other)},
		};
		st.reported.syn_queue_full = std::max(st.reported.syn_queue_full, t.syn_queue_full);
		st.reported.cookie_sent = std::max(st.reported.cookie_sent, t.cookie_sent);
		st.reported.accept_queue_full = std::max(st.reported.accept_queue_full, t.accept_queue_full);
		st.reported.other = std::max(st.reported.other, t.other);

		bool any = false;
		for (auto& d : deltas)
			any = any || d.second;
		if (!any)
			continue;
		// Only pay for a snapshot (one pass over the netns's TCP tables) when needed.
		std::vector<ts_sock_rec> listeners;
		if (auto path = dir_.path_for(ns); path && snapshot_)
			listeners = snapshot_->read(*path);
		std::optional<NetnsKnobs> knobs = read_in_netns(dir_, ns, read_current_netns_knobs);
		auto recent = recent_ports.find(ns);
		for (auto& [cause_, count] : deltas) {
			uint8_t cause = cause_;
			if (!count)
				continue;
			SynDropObservation o;
			o.netns = ns;
			o.cause = cause;
			if (cause == TS_SYN_OTHER && knobs && knobs->tcp_syncookies == 0)
				o.cause = TS_SYN_LAST_QUARTER;
			o.count = count;
			attribute(o, st, listeners, recent == recent_ports.end() ? std::vector<uint16_t>{} : recent->second);
			if (knobs) {
				o.q.syncookies = (uint8_t)knobs->tcp_syncookies.value_or(0);
				o.q.abort_on_overflow = (uint8_t)knobs->tcp_abort_on_overflow.value_or(0);
			}
			out.push_back(o);
		}
	}
	return out;
}

} // namespace tcpsight

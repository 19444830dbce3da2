// syn-drop on kernels where no hook sees the refused SYN (tcp_conn_request drops it
// and the skb ends in consume_skb, not kfree_skb): the netns's own counters say how
// many SYNs were refused and why, and an iter/tcp snapshot says which listener was
// full. Reported as aggregated observations (source "counter"), never as invented
// per-packet events.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "core/counter_sampler.h"
#include "core/net_counters.h"
#include "core/netns.h"
#include "core/socket_snapshot.h"
#include "shared/events.h"

namespace tcpsight {

struct SynDropObservation {
	uint32_t netns = 0;
	uint8_t cause = TS_SYN_OTHER; // enum ts_syn_drop_cause
	uint64_t count = 0;
	uint16_t lport = 0; // 0: no single listener could be named
	uint8_t family = 0;
	bool has_queues = false;
	ts_queues q{};
};

// Cumulative counter totals split into causes (pure; unit-tested).
struct SynDropTotals {
	uint64_t syn_queue_full = 0, cookie_sent = 0, accept_queue_full = 0, other = 0;
};
// `base` and `now` are CounterMaps of one netns; `ack_overflows` is how many
// listen-overflow events (final-ACK drops, also counted in ListenOverflows) the
// tracing hooks saw in that netns since `base`.
SynDropTotals split_syn_drops(const CounterMap& base, const CounterMap& now, uint64_t ack_overflows);

class SynDropMonitor {
public:
	// `snapshot` may be null (no iter/tcp): causes are still counted, ports are not named.
	SynDropMonitor(NetnsDirectory& dir, const SocketSnapshot* snapshot, std::optional<uint32_t> only_netns);

	// Counter deltas since the last tick. `ack_overflows` is cumulative per netns;
	// `recent_ports` lists listener ports the tracing hooks named per netns since the
	// last tick (a fallback when the snapshot finds no full listener).
	// The snapshot arrives after start-up (loading its iterator is a third of it).
	void set_snapshot(const SocketSnapshot* snapshot) { snapshot_ = snapshot; }
	// Reads the counters for the next tick (which reads them itself without this):
	// taken before the final-ACK overflows are counted, so none counted by the kernel
	// before the reading is missing from `ack_overflows` and taken for a SYN drop.
	void sample();
	std::vector<SynDropObservation> tick(const std::map<uint32_t, uint64_t>& ack_overflows,
					     const std::map<uint32_t, std::vector<uint16_t>>& recent_ports);

private:
	struct PerNetns {
		SynDropTotals reported;
		// The last listener a snapshot found full, per cause, and when: queues drain
		// between a burst of drops and the next tick.
		std::map<uint8_t, std::pair<ts_sock_rec, unsigned>> last_full;
	};
	void attribute(SynDropObservation& o, PerNetns& st, const std::vector<ts_sock_rec>& listeners,
		       const std::vector<uint16_t>& recent) const;

	NetnsDirectory& dir_;
	const SocketSnapshot* snapshot_;
	CounterSampler counters_;
	bool sampled_ = false; // a reading waits for the next tick
	std::map<uint32_t, PerNetns> netns_;
	unsigned ticks_ = 0;
};

} // namespace tcpsight

// pc_event (kernel) -> Record, and per-destination summary rows -> Record.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "decode/event_decoder.h"
#include "shared/portcontend_events.h"

namespace tcpsight {

std::optional<pc_event> pc_event_from_sample(const void* data, size_t size);
Record decode_pc_event(const pc_event& e, const DecodeContext& ctx);

// One destination over one interval (counts are deltas), with what userspace adds.
struct DestRow {
	pc_dest_key key{};
	pc_dest_val d{};      // interval deltas (probes_max: largest since start)
	uint8_t source = 0;   // the port-search rung
	double seconds = 1;
	uint64_t tw_recycled_netns = 0; // TcpExt.TWRecycled of that netns over the interval
	std::optional<uint64_t> held_tw, held_est; // sockets toward the destination now
	// TIME_WAIT sockets on the ports connect() tries first: since 4.6 (1580ab63fc9a)
	// it scans the ports with ip_local_port_range's low end's parity before the others.
	std::optional<uint64_t> held_tw_first;
};

Record decode_dest_row(const DestRow& row, int64_t realtime_ns, const DecodeContext& ctx);

// Upper bound of the bucket holding the q-quantile of a log2-µs histogram (0 if empty).
uint64_t hist_quantile_us(const __u64* hist, int buckets, double q);

} // namespace tcpsight

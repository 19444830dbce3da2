// Listen overflows the kernel counted that no hook reported. TcpExt ListenOverflows
// counts every final-ACK overflow and every SYN refused at a full accept queue; on
// some kernels a few of them are seen by no BPF program (on the 6.18 host: about one
// overflow in 150-600; ftrace shows its drop and its retransmission, bpftrace misses both,
// and the kernel counts no run of ours and none skipped). Without the syn-drop monitor
// (which already splits the counter) the difference is counted here, per netns, so the
// tools say what they could not see instead of falling silently short of the kernel's
// count.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "core/counter_sampler.h"
#include "core/netns.h"
#include "shared/events.h"

namespace tcpsight {

// Both kinds of report the counter counts: the final-ACK overflow and, where syn-drop
// has a tracing rung, the SYN refused at a full accept queue.
bool counted_as_listen_overflow(uint8_t kind, uint8_t syn_cause);

class ListenOverflowAudit {
public:
	// Reads each watched netns's counter: the baseline. A netns that appears later
	// starts from 0, as its counters do; one that could not be read now is never audited
	// (its history since boot is not ours to report).
	ListenOverflowAudit(NetnsDirectory& dir, std::optional<uint32_t> only);
	// Event mode: every event the reader delivers, the reported overflows among them.
	void note(const ts_event& e);
	const std::map<uint32_t, uint64_t>& noted() const { return noted_; }
	// Reads the kernel's counters. Taken before what was reported is read (the summary
	// map, or the ring once drained): every overflow counted by then has been reported
	// by then, if any hook saw it, so the difference never counts one in flight.
	void sample();
	// Per netns, counted at the last sample and missing from `reported` (cumulative
	// since the baseline): never decreasing, only netns with some.
	std::vector<std::pair<uint32_t, uint64_t>> unreported(const std::map<uint32_t, uint64_t>& reported);

private:
	CounterSampler counters_;
	std::map<uint32_t, uint64_t> counted_;             // since the baseline, at the last sample
	std::map<uint32_t, uint64_t> unreported_;          // the largest difference seen
	std::map<uint32_t, uint64_t> noted_;
};

} // namespace tcpsight

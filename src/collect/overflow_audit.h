// Listen overflows the kernel counted that no hook reported. TcpExt ListenOverflows
// counts every final-ACK overflow and every SYN refused at a full accept queue; on
// some kernels a few of them reach no tracepoint at all (seen on 6.18: about one
// overflow in 200, invisible to bpftrace's tracepoints too, its retransmission and its
// drop both). Without the syn-drop monitor (which already splits the counter) the
// difference is counted here, per netns, so the tool says what it could not see
// instead of falling silently short of the kernel's count.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "core/netns.h"
#include "shared/events.h"

namespace tcpsight {

class ListenOverflowAudit {
public:
	// Reads each watched netns's counter: the baseline (a netns that appears later
	// starts from 0, as its counters do).
	ListenOverflowAudit(NetnsDirectory& dir, std::optional<uint32_t> only);
	// Every event the reader delivers: the overflows that were reported.
	void note(const ts_event& e);
	// Per netns, counted by the kernel since the baseline and not reported: read once
	// the ring is drained, so nothing still in flight is counted as unseen.
	std::vector<std::pair<uint32_t, uint64_t>> unreported();

private:
	std::map<uint32_t, uint64_t> read_counters();

	NetnsDirectory& dir_;
	std::optional<uint32_t> only_;
	std::map<uint32_t, uint64_t> base_;
	std::map<uint32_t, uint64_t> reported_;
};

} // namespace tcpsight

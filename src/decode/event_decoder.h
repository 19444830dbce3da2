// ts_event (kernel) -> Record (output). Also turns in-kernel summary rows and
// counter-derived observations into Records, so every output path shares one schema.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/btf_enums.h"
#include "core/clock.h"
#include "core/netns_knobs.h"
#include "decode/record.h"
#include "shared/events.h"

namespace tcpsight {

struct ListenerOwner;

struct DecodeContext {
	const EnumNames* names = nullptr;
	WallClock clock{0};
	// Names a kernel text address ("nf_hook_slow+0x4c"); may be empty.
	std::function<std::string(uint64_t)> symbolize;
	// Knobs of a netns (for ct_count, ct_max and hints); may be empty.
	std::function<std::optional<NetnsKnobs>(uint32_t)> knobs;
	// Who owns the listener on (netns, port) (owners/listener_owners.h); may be empty.
	std::function<const ListenerOwner*(uint32_t netns, uint16_t port)> listener_owner;
};

// Copies a ring-buffer sample; nullopt when its size is not a ts_event's.
std::optional<ts_event> event_from_sample(const void* data, size_t size);

Record decode_event(const ts_event& e, const DecodeContext& ctx);

// The fields every event starts with (both tools): ts, kind, source, netns, family,
// laddr, lport, raddr, rport.
void put_event_header(Record& r, uint64_t boot_ns, const std::string& kind, uint8_t source, uint32_t netns,
		      const ts_tuple& t, const DecodeContext& ctx);

// A summary row: counts of one (kind, sub, reason, netns, lport) over an interval.
struct SummaryRow {
	uint8_t kind = 0;
	uint8_t sub = 0;
	uint32_t reason = 0;
	uint32_t netns = 0;
	uint16_t lport = 0; // 0 with `ephemeral`: client ports folded together
	bool ephemeral = false;
	uint8_t family = 0;
	uint8_t source = 0;
	uint64_t count = 0;
	uint64_t sum_ns = 0; // slow-accept: the waits added up (cumulative rows only)
	bool has_queues = false;
	ts_queues q{};
};

Record decode_summary_row(const SummaryRow& row, int64_t realtime_ns, const DecodeContext& ctx);

// The `reason` field: the kernel's drop-reason name where it gives one, otherwise
// tcpsight's cause name for the kind ("rto", "syn_queue_full", ...).
std::string reason_text(uint8_t kind, uint8_t sub, uint32_t reason, const EnumNames* names);
// The same, and where the kernel has no drop-reason enum (before 5.17) the call site the
// BPF side put in `reason` (its low 32 bits), named: "tcp_v4_rcv", "nf_hook_slow".
std::string reason_text(uint8_t kind, uint8_t sub, uint32_t reason, const DecodeContext& ctx);

} // namespace tcpsight

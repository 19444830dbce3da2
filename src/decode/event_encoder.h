// The event path: one ts_event from the ring buffer, its fields in schema order
// (docs/json.md) to a sink. The sink decides the format: JSON Lines and text columns
// write straight into the output chunk (output/event_sinks.h), a RecordSink builds a
// Record (tests, summary rows). Names, call sites, knobs and hints are cached here and
// refreshed on the 1 s tick, so nothing is looked up, allocated or setns'd per event.
#pragma once
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "decode/event_decoder.h"
#include "decode/names.h"
#include "hints/hints.h"
#include "owners/listener_owners.h"

namespace tcpsight {

// "2026-11-21T06:02:09.000001Z": the part up to the second is formatted once a second.
class TimeText {
public:
	// Valid until the next call.
	std::string_view rfc3339(int64_t realtime_ns);

private:
	int64_t sec_ = INT64_MIN;
	char buf_[40] = {};
};

// The listener's owner, for the kinds that name a listener: `process`, `pid` (unless the
// event has its own pid), and `unit`, `container_id`, `pod_uid` when known.
template <typename Sink>
void put_listener_owner(Sink& s, const ListenerOwner& o, bool with_pid)
{
	s.str("process", o.process);
	if (with_pid)
		s.u64("pid", (uint64_t)o.pid);
	if (!o.unit.empty())
		s.str("unit", o.unit);
	if (!o.container_id.empty())
		s.str("container_id", o.container_id);
	if (!o.pod_uid.empty())
		s.str("pod_uid", o.pod_uid);
}

// Address text into a caller's buffer (no allocation): "127.0.0.1", "::1", "-".
std::string_view format_addr_to(char (&buf)[48], uint8_t family, const uint8_t addr[16]);

// The text of the last address formatted: a storm repeats one peer (16 bytes compared
// instead of four to_chars and a join). Valid until the next call.
class AddrText {
public:
	std::string_view of(uint8_t family, const uint8_t addr[16])
	{
		if (n_ == 0 || family != family_ || std::memcmp(addr, addr_, sizeof(addr_)) != 0) {
			family_ = family;
			std::memcpy(addr_, addr, sizeof(addr_));
			n_ = format_addr_to(buf_, family, addr).size();
		}
		return std::string_view(buf_, n_);
	}

private:
	uint8_t family_ = 0;
	uint8_t addr_[16] = {};
	char buf_[48] = {};
	size_t n_ = 0;
};

// Text by a 64-bit key, made once by `make`, that remembers its last hit: a storm
// repeats one key, and a comparison is cheaper than a hash and a probe. At most
// `bound` entries (then it starts again). Valid until the next get().
class TextByKey {
public:
	explicit TextByKey(size_t bound) : bound_(bound) {}
	template <typename Make>
	std::string_view get(uint64_t key, Make&& make)
	{
		if (last_ && key == last_key_)
			return *last_;
		auto it = map_.find(key);
		if (it == map_.end()) {
			if (map_.size() >= bound_)
				map_.clear();
			it = map_.emplace(key, make()).first;
		}
		last_key_ = key;
		last_ = &it->second; // a node's value stays put until the map is cleared
		return *last_;
	}

private:
	size_t bound_;
	std::unordered_map<uint64_t, std::string> map_;
	uint64_t last_key_ = 0;
	const std::string* last_ = nullptr;
};

class EventEncoder {
public:
	explicit EventEncoder(const DecodeContext& ctx) : ctx_(ctx) {}
	// Once a second: knob values (and the hints quoting them) may have changed.
	void tick();

	template <typename Sink>
	void encode(const ts_event& e, Sink& s);

	std::string_view reason(uint8_t kind, uint8_t sub, uint32_t reason);
	std::string_view state(uint8_t st);
	std::string_view location(uint64_t addr); // "" when unknown
	const std::optional<NetnsKnobs>& knobs(uint32_t netns);
	// The hint for an event (cached per input and netns until the tick); "" for none.
	// `drop_reason` stands in for in.reason, which is left empty (no copy per event).
	std::string_view hint(const HintInput& in, std::string_view drop_reason, uint32_t netns);
	TimeText& time() { return time_; }
	int64_t realtime_ns(uint64_t boot_ns) const { return ctx_.clock.to_realtime_ns(boot_ns); }

private:
	const DecodeContext& ctx_;
	TimeText time_;
	TextByKey reasons_{65536}; // (kind, sub, reason) -> text
	std::vector<std::optional<std::string>> states_;
	TextByKey locations_{65536}; // call sites are few; bound them all the same
	std::unordered_map<uint32_t, std::optional<NetnsKnobs>> knobs_;
	std::unordered_map<std::string, std::string> hints_;
	std::string hint_key_;
	// The last hint's inputs and text, like TextByKey's last hit (its key's appends cost
	// most of all); hints_.clear() resets it.
	struct HintMemo {
		HintInput in; // reason: the drop reason's text
		uint32_t netns = 0;
		const std::string* text = nullptr;
	} last_hint_;
	AddrText laddr_, raddr_;
};

// ---- the one field order of an event -------------------------------------------------
// Sinks implement: begin(); head(ts_text, kind, source, netns, family, laddr, lport,
// raddr, rport); state_reason(state, reason); u64/i64/boolean/str(key, value);
// count(n); hint(text); end().

template <typename Sink>
void EventEncoder::encode(const ts_event& e, Sink& s)
{
	uint8_t sub = 0;
	switch (e.kind) {
	case TS_KIND_RETRANS: sub = e.d.rtx.rtx_kind; break;
	case TS_KIND_CONNTRACK: sub = e.d.ct.cause; break;
	case TS_KIND_SYN_DROP: sub = e.d.q.syn_cause; break;
	default: break;
	}
	s.begin();
	s.head(time_.rfc3339(realtime_ns(e.ts_ns)), kind_name(e.kind), source_name(e.source), e.netns,
	       family_name(e.t.family), laddr_.of(e.t.family, e.t.laddr), e.t.lport, raddr_.of(e.t.family, e.t.raddr),
	       e.t.rport);
	std::string_view why = reason(e.kind, sub, e.reason);
	s.state_reason(state(e.t.state), why);

	bool has_queues = e.kind == TS_KIND_SYNACK_RETRANS || e.kind == TS_KIND_LISTEN_OVERFLOW ||
			  e.kind == TS_KIND_SYN_DROP || e.kind == TS_KIND_SLOW_ACCEPT;
	HintInput hin{e.kind, sub, "", e.t.lport, has_queues, e.d.q};
	auto queues = [&] {
		const ts_queues& q = e.d.q;
		s.u64("accept_queue", q.accept_queue);
		s.u64("accept_queue_max", q.accept_queue_max);
		s.u64("syn_queue", q.syn_queue);
		s.u64("syn_queue_max", q.syn_queue_max);
		if (e.kind == TS_KIND_SYNACK_RETRANS)
			s.u64("req_retrans", q.req_retrans);
		s.boolean("abort_on_overflow", q.abort_on_overflow != 0);
		s.u64("syncookies", q.syncookies);
	};
	switch (e.kind) {
	case TS_KIND_RETRANS:
		s.str("retrans_kind", retrans_kind_name(e.d.rtx.rtx_kind));
		s.u64("total_retrans", e.d.rtx.total_retrans);
		s.u64("srtt_us", e.d.rtx.srtt_us);
		s.u64("cwnd", e.d.rtx.cwnd);
		if (e.d.rtx.err)
			s.i64("err", e.d.rtx.err);
		if (e.d.rtx.segs)
			s.u64("segs", e.d.rtx.segs);
		break;
	case TS_KIND_SYN_DROP:
		s.count(1); // per-SYN rungs; counter rows carry their own count
		queues();
		break;
	case TS_KIND_SYNACK_RETRANS:
	case TS_KIND_LISTEN_OVERFLOW:
		queues();
		break;
	case TS_KIND_SLOW_ACCEPT:
		s.u64("wait_us", e.d.acc.wait_ns / 1000);
		s.u64("accept_queue", e.d.acc.accept_queue);
		s.u64("accept_queue_max", e.d.acc.accept_queue_max);
		s.u64("pid", e.d.acc.pid);
		hin.q.accept_queue = e.d.acc.accept_queue;
		hin.q.accept_queue_max = e.d.acc.accept_queue_max;
		hin.wait_us = e.d.acc.wait_ns / 1000;
		break;
	case TS_KIND_CONNTRACK: {
		s.str("ct_cause", ct_cause_name(e.d.ct.cause));
		s.str("ct_entry", ct_entry_name(e.d.ct.entry));
		s.u64("ct_zone", e.d.ct.zone);
		const auto& k = knobs(e.netns);
		if (k && k->nf_conntrack_count)
			s.i64("ct_count", *k->nf_conntrack_count);
		if (k && k->nf_conntrack_max)
			s.i64("ct_max", *k->nf_conntrack_max);
		if (e.d.ct.has_winner) {
			const ts_tuple& w = e.d.ct.winner;
			char wa[48];
			s.str("ct_winner_saddr", format_addr_to(wa, w.family, w.laddr));
			s.u64("ct_winner_sport", w.lport);
			s.str("ct_winner_daddr", format_addr_to(wa, w.family, w.raddr));
			s.u64("ct_winner_dport", w.rport);
		}
		break;
	}
	default:
		break;
	}
	if (has_queues && ctx_.listener_owner)
		if (const ListenerOwner* o = ctx_.listener_owner(e.netns, e.t.lport))
			put_listener_owner(s, *o, e.kind != TS_KIND_SLOW_ACCEPT);
	if (e.location) {
		std::string_view loc = location(e.location);
		if (!loc.empty())
			s.str("location", loc);
	}
	std::string_view h = hint(hin, e.kind == TS_KIND_DROP ? why : std::string_view(), e.netns);
	if (!h.empty())
		s.hint(h);
	s.end();
}

} // namespace tcpsight

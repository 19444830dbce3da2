#include "decode/event_decoder.h"

#include <cstring>

#include "core/event_reader.h"
#include "decode/addr.h"
#include "decode/event_encoder.h"
#include "decode/record_sink.h"
#include "decode/names.h"
#include "hints/hints.h"

namespace tcpsight {
namespace {

std::optional<NetnsKnobs> knobs_of(const DecodeContext& ctx, uint32_t netns)
{
	return ctx.knobs ? ctx.knobs(netns) : std::nullopt;
}

void put_queues(Record& r, const ts_queues& q, uint8_t kind)
{
	r.set("accept_queue", q.accept_queue);
	r.set("accept_queue_max", q.accept_queue_max);
	r.set("syn_queue", q.syn_queue);
	r.set("syn_queue_max", q.syn_queue_max);
	if (kind == TS_KIND_SYNACK_RETRANS)
		r.set("req_retrans", q.req_retrans);
	r.set("abort_on_overflow", q.abort_on_overflow != 0);
	r.set("syncookies", q.syncookies);
}

void put_conntrack_numbers(Record& r, const std::optional<NetnsKnobs>& k)
{
	if (k && k->nf_conntrack_count)
		r.set("ct_count", *k->nf_conntrack_count);
	if (k && k->nf_conntrack_max)
		r.set("ct_max", *k->nf_conntrack_max);
}

void put_hint(Record& r, const HintInput& in, const std::optional<NetnsKnobs>& k)
{
	std::string h = hint_for(in, k);
	if (!h.empty())
		r.set("hint", h);
}

} // namespace

std::string reason_text(uint8_t kind, uint8_t sub, uint32_t reason, const EnumNames* names)
{
	switch (kind) {
	case TS_KIND_RETRANS: return retrans_kind_name(sub);
	case TS_KIND_SYNACK_RETRANS: return "synack_timeout";
	case TS_KIND_SYN_DROP: return syn_cause_name(sub);
	case TS_KIND_SLOW_ACCEPT: return "accept_wait";
	default: break;
	}
	if (names)
		if (auto n = names->drop_reason(reason))
			return *n;
	return "reason_" + std::to_string(reason);
}

std::string reason_text(uint8_t kind, uint8_t sub, uint32_t reason, const DecodeContext& ctx)
{
	bool by_site = kind == TS_KIND_DROP || kind == TS_KIND_CONNTRACK || kind == TS_KIND_LISTEN_OVERFLOW;
	if (!by_site || !ctx.names || ctx.names->has_drop_reasons())
		return reason_text(kind, sub, reason, ctx.names);
	if (reason == 0)
		return "unspecified";
	std::string site = ctx.symbolize ? ctx.symbolize(0xffffffff00000000ULL | reason) : std::string();
	return site.empty() ? "site_" + std::to_string(reason) : site.substr(0, site.find('+'));
}

std::optional<ts_event> event_from_sample(const void* data, size_t size) { return sample_as<ts_event>(data, size); }

void put_event_header(Record& r, uint64_t boot_ns, const std::string& kind, uint8_t source, uint32_t netns,
		      const ts_tuple& t, const DecodeContext& ctx)
{
	TimeText time;
	char la[48], ra[48];
	RecordSink::put_head(r, time.rfc3339(ctx.clock.to_realtime_ns(boot_ns)), kind.c_str(), source_name(source), netns,
			     family_name(t.family), format_addr_to(la, t.family, t.laddr), t.lport,
			     format_addr_to(ra, t.family, t.raddr), t.rport);
}

Record decode_event(const ts_event& e, const DecodeContext& ctx)
{
	EventEncoder enc(ctx);
	RecordSink sink;
	enc.encode(e, sink);
	return sink.take();
}

Record decode_summary_row(const SummaryRow& row, int64_t realtime_ns, const DecodeContext& ctx)
{
	Record r;
	r.set("ts", rfc3339(realtime_ns));
	r.set("kind", kind_name(row.kind));
	r.set("source", source_name(row.source));
	r.set("netns", row.netns);
	r.set("family", family_name(row.family));
	if (row.ephemeral)
		r.set("lport", std::string("ephemeral"));
	else
		r.set("lport", row.lport);
	std::string reason = reason_text(row.kind, row.sub, row.reason, ctx);
	if (row.kind == TS_KIND_SLOW_ACCEPT) // sub is the log2 bucket of the wait in ms
		reason = row.sub == 0 ? "wait_0-1ms"
				      : "wait_" + std::to_string(1ull << row.sub) + "-" +
					    std::to_string((1ull << (row.sub + 1)) - 1) + "ms";
	r.set("reason", reason);
	r.set("count", row.count);
	auto knobs = knobs_of(ctx, row.netns);
	if (row.kind == TS_KIND_CONNTRACK) {
		r.set("ct_cause", ct_cause_name(row.sub));
		put_conntrack_numbers(r, knobs);
	}
	if (row.has_queues)
		put_queues(r, row.q, row.kind);
	if (row.has_queues && row.lport && ctx.listener_owner)
		if (const ListenerOwner* o = ctx.listener_owner(row.netns, row.lport)) {
			struct {
				Record& r;
				void str(const char* k, std::string_view v) { r.set(k, std::string(v)); }
				void u64(const char* k, uint64_t v) { r.set(k, v); }
			} fields{r};
			put_listener_owner(fields, *o, true);
		}
	HintInput hint{row.kind, row.sub, row.kind == TS_KIND_DROP ? reason : "", row.lport, row.has_queues, row.q};
	if (row.kind == TS_KIND_SLOW_ACCEPT)
		hint.wait_us = row.sub ? (1ull << row.sub) * 1000 : 0;
	put_hint(r, hint, knobs);
	return r;
}

} // namespace tcpsight

#include "tcpdrops/session.h"

#include <algorithm>
#include <bpf/bpf.h>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <set>

#include "aggregate/summary.h"
#include "core/attach_ladder.h"
#include "core/btf_enums.h"
#include "core/clock.h"
#include "core/event_reader.h"
#include "core/failure.h"
#include "core/kallsyms.h"
#include "core/kernel_features.h"
#include "core/ladder_loader.h"
#include "core/libbpf_log.h"
#include "core/netns.h"
#include "core/netns_knobs.h"
#include "core/poll_loop.h"
#include "core/probes_report.h"
#include "core/program_needs.h"
#include "core/signals.h"
#include "core/socket_snapshot.h"
#include "core/startup_trace.h"
#include "core/tool_status.h"
#include "decode/event_decoder.h"
#include "decode/event_encoder.h"
#include "decode/names.h"
#include "output/output.h"
#include "tcpdrops.skel.h"
#include "tcpdrops/hooks.h"
#include "tcpdrops/syn_drop_monitor.h"

namespace tcpsight {
namespace {

uint32_t kinds_mask_of(const std::vector<std::string>& kinds)
{
	if (kinds.empty())
		return ~0u;
	uint32_t m = 0;
	for (const auto& k : kinds) {
		auto v = parse_kind(k);
		if (!v)
			throw UsageError("unknown kind '" + k + "'", "kinds are: " + all_kind_names());
		m |= 1u << *v;
	}
	return m;
}

bool wanted(uint32_t mask, uint8_t kind) { return mask & (1u << kind); }


// Per-netns facts the syn-drop monitor needs from the tracing hooks.
struct ListenerActivity {
	std::map<uint32_t, uint64_t> ack_overflows; // cumulative listen-overflow events
	std::map<uint32_t, std::vector<uint16_t>> recent_ports; // since the last tick

	void note(const ts_event& e)
	{
		if (e.kind == TS_KIND_LISTEN_OVERFLOW)
			ack_overflows[e.netns]++;
		if (e.kind == TS_KIND_LISTEN_OVERFLOW || e.kind == TS_KIND_SYNACK_RETRANS) {
			auto& ports = recent_ports[e.netns]; // a few listeners a tick, even in a storm
			if (std::find(ports.begin(), ports.end(), e.t.lport) == ports.end() && ports.size() < 64)
				ports.push_back(e.t.lport);
		}
	}
};

class Tcpdrops {
public:
	explicit Tcpdrops(const TcpdropsOptions& o) : o_(o), ladder_(tcpdrops_hooks()) {}
	int run();

private:
	void configure(tcpdrops_bpf& skel);
	void fill_loaded(tcpdrops_bpf& skel);
	void load();
	void start_syn_drop_monitor();
	void load_listener_snapshot();
	void refuse_unseeable_kinds() const;
	bool on_event(const void* data, size_t size);
	void on_second();
	void on_interval(double seconds);
	SummaryRow syn_drop_row(const SynDropObservation& ob) const;
	bool port_wanted(uint16_t port) const;

	const TcpdropsOptions& o_;
	AttachLadder ladder_;
	KernelFeatures features_;
	std::unique_ptr<EnumNames> names_;
	NetnsDirectory netns_dir_;
	std::unique_ptr<KnobCache> knobs_;
	std::optional<uint32_t> netns_filter_;
	uint32_t kinds_mask_ = ~0u;
	SkeletonPtr<tcpdrops_bpf> skel_;
	std::vector<LinkPtr> links_;
	std::unique_ptr<SocketSnapshot> snapshot_;
	bool snapshot_tried_ = false;
	std::unique_ptr<SynDropMonitor> syn_monitor_;
	std::unique_ptr<Output> out_;
	DecodeContext ctx_;
	std::unique_ptr<EventEncoder> encoder_;
	SummaryDiffer differ_;
	ListenerActivity activity_;
	std::vector<SynDropObservation> pending_syn_rows_;
	ToolStatus status_{"tcpdrops"};
};

void Tcpdrops::configure(tcpdrops_bpf& skel)
{
	// Before each load: a demotion may have moved listen-overflow onto kfree_skb.
	if (needs_kfree_skb(kinds_mask_, ladder_.chosen("listen-overflow")))
		ladder_.plan_hook("kfree-skb");
	auto* ro = skel.rodata;
	ro->filter_netns = netns_filter_.value_or(0);
	ro->filter_family = o_.common.family();
	ro->filter_ports_on = !o_.ports.empty();
	// syn-drop needs the final-ACK overflows to tell them from SYN-time ones, and the
	// listener ports those and SYN-ACK retransmits name; userspace drops what was not asked.
	ro->kinds_mask = kinds_mask_ | (wanted(kinds_mask_, TS_KIND_SYN_DROP)
					    ? (1u << TS_KIND_LISTEN_OVERFLOW) | (1u << TS_KIND_SYNACK_RETRANS)
					    : 0);
	ro->emit_events = o_.common.interval == 0;
	ro->aggregate = o_.common.interval > 0;
	ro->include_unspecified = o_.all_reasons;
	ro->retransmit_tp_has_err = features_.tracepoint_arg_count("tcp_retransmit_skb") == 3;
	const RungSpec* lo = ladder_.chosen("listen-overflow");
	ro->kfree_skips_listen_overflow = lo && !lo->program.empty();
	ro->accept_wait_ns = (uint64_t)o_.accept_wait_ms * 1000000ull;
	const RungSpec* ct = ladder_.chosen("conntrack");
	ro->ct_cause_source = ct && !ct->program.empty() ? source_of(ct) : 0;
}

// After the load, before the programs attach: nothing runs with these unset.
void Tcpdrops::fill_loaded(tcpdrops_bpf& skel)
{
	// Only kfree_skb's program uses the range; kallsyms may still be on its way in.
	auto r = ladder_.chosen("kfree-skb") ? features_.kallsyms().range("nf_hook_slow") : std::nullopt;
	if (r) {
		skel.bss->nf_hook_slow_start = r->start;
		skel.bss->nf_hook_slow_end = r->end;
	}
	int fd = bpf_map__fd(skel.maps.port_filter);
	for (uint16_t p : o_.ports) {
		uint8_t one = 1;
		bpf_map_update_elem(fd, &p, &one, BPF_ANY);
	}
}

void Tcpdrops::load()
{
	skel_ = load_with_ladder<tcpdrops_bpf>(
	    ladder_, [this](tcpdrops_bpf& s) { configure(s); }, [this](tcpdrops_bpf& s) { fill_loaded(s); }, links_);
}

// A kind asked for by name whose hook got no rung would be silence, not an answer.
void Tcpdrops::refuse_unseeable_kinds() const
{
	if (o_.common.probes)
		return; // --probes is how to see why
	for (const auto& k : o_.kinds) {
		std::string hook = hook_of_kind(*parse_kind(k));
		if (ladder_.chosen(hook))
			continue;
		std::string why;
		for (size_t i = 0; i < ladder_.hooks().size(); i++)
			if (ladder_.hooks()[i].name == hook)
				for (const auto& r : ladder_.state(i).rejected)
					why += (why.empty() ? "" : "; ") + r;
		throw Failure(k + " cannot be seen on this kernel (" + why + ")",
			      "`tcpdrops --probes` lists every hook and its rungs; drop " + k + " from --kinds");
	}
}

void Tcpdrops::start_syn_drop_monitor()
{
	const RungSpec* rung = ladder_.chosen("syn-drop");
	if (!rung || !wanted(kinds_mask_, TS_KIND_SYN_DROP))
		return;
	if (rung->rung != Rung::Iter && rung->rung != Rung::Counter)
		return; // a tracing rung sees every SYN itself
	// Counters are sampled from now; the listener snapshot comes with the first tick.
	syn_monitor_ = std::make_unique<SynDropMonitor>(netns_dir_, nullptr, netns_filter_);
}

// The iter/tcp snapshot that names full listeners, loaded after "ready" (on the first
// tick, before the first observation is reported): --check and --probes load it at once.
void Tcpdrops::load_listener_snapshot()
{
	const RungSpec* rung = ladder_.chosen("syn-drop");
	if (snapshot_tried_ || !syn_monitor_ || !rung || rung->rung != Rung::Iter)
		return;
	snapshot_tried_ = true;
	try {
		snapshot_ = std::make_unique<SocketSnapshot>(1u << 10 /* TCP_LISTEN */);
		syn_monitor_->set_snapshot(snapshot_.get());
	} catch (const Failure& f) {
		ladder_.demote_hook("syn-drop", f.what()); // falls back to counters only
	}
}

bool Tcpdrops::port_wanted(uint16_t port) const
{
	if (o_.ports.empty())
		return true;
	for (uint16_t p : o_.ports)
		if (p == port)
			return true;
	return false;
}

bool Tcpdrops::on_event(const void* data, size_t size)
{
	if (size < sizeof(ts_event))
		return true;
	const auto* e = static_cast<const ts_event*>(data); // the ring's records are 8-byte aligned
	if (syn_monitor_)
		activity_.note(*e);
	if (!wanted(kinds_mask_, e->kind))
		return true; // kept in the kernel only for the syn-drop monitor
	status_.count_events(1);
	return out_->event(*e, *encoder_);
}

SummaryRow Tcpdrops::syn_drop_row(const SynDropObservation& ob) const
{
	SummaryRow r;
	r.kind = TS_KIND_SYN_DROP;
	r.sub = ob.cause;
	r.netns = ob.netns;
	r.lport = ob.lport;
	r.family = ob.family;
	r.source = TS_SRC_COUNTER;
	r.count = ob.count;
	r.has_queues = ob.has_queues;
	r.q = ob.q;
	r.q.syn_cause = ob.cause;
	return r;
}

void Tcpdrops::on_second()
{
	if (!syn_monitor_)
		return;
	load_listener_snapshot();
	if (o_.common.interval) {
		// Summary mode has no events: the map holds the cumulative final-ACK overflows.
		activity_.ack_overflows.clear();
		for (const auto& [k, v] : read_summary_map(bpf_map__fd(skel_->maps.summary)))
			if (k.kind == TS_KIND_LISTEN_OVERFLOW) {
				activity_.ack_overflows[k.netns] += v.count;
				activity_.recent_ports[k.netns].push_back(k.lport);
			}
	}
	auto obs = syn_monitor_->tick(activity_.ack_overflows, activity_.recent_ports);
	activity_.recent_ports.clear();
	for (const auto& ob : obs) {
		if (ob.lport && !port_wanted(ob.lport))
			continue;
		if (o_.common.family() && ob.family && ob.family != o_.common.family())
			continue;
		if (o_.common.interval) {
			pending_syn_rows_.push_back(ob);
			continue;
		}
		// Event mode: one aggregated record per cause and netns, marked as such.
		Record r = decode_summary_row(syn_drop_row(ob), ctx_.clock.to_realtime_ns(WallClock::boot_now_ns()), ctx_);
		status_.count_events(ob.count);
		out_->event(r);
	}
}

void Tcpdrops::on_interval(double seconds)
{
	auto rows = differ_.diff(read_summary_map(bpf_map__fd(skel_->maps.summary)));
	std::vector<SummaryRow> kept;
	for (auto& r : rows) {
		if (!wanted(kinds_mask_, r.kind))
			continue;
		r.source = source_of(ladder_.chosen(hook_of_kind(r.kind)));
		kept.push_back(r);
	}
	for (const auto& ob : pending_syn_rows_)
		kept.push_back(syn_drop_row(ob));
	pending_syn_rows_.clear();
	kept = fold_ephemeral(std::move(kept), [this](uint32_t ns) -> std::optional<std::pair<int64_t, int64_t>> {
		auto k = knobs_->get(ns);
		if (!k || !k->port_range_low || !k->port_range_high)
			return std::nullopt;
		return std::make_pair(*k->port_range_low, *k->port_range_high);
	});
	uint64_t total = 0;
	for (const auto& r : kept)
		total += r.count;
	rank(kept, o_.common.top);
	int64_t now = ctx_.clock.to_realtime_ns(WallClock::boot_now_ns());
	std::vector<Record> recs;
	for (const auto& r : kept)
		recs.push_back(decode_summary_row(r, now, ctx_));
	status_.interval(*out_, now, seconds, total, recs);
}

int Tcpdrops::run()
{
	// The command line first: a bad one exits 2 whoever runs it.
	kinds_mask_ = kinds_mask_of(o_.kinds);
	netns_filter_ = netns_filter_of(o_.common);
	if (o_.ports.size() > 64) // the kernel's port_filter map
		throw UsageError("--port lists " + std::to_string(o_.ports.size()) + " ports; at most 64",
				 "watch fewer ports, or all of them (no --port)");
	start_tool("tcpdrops", o_.common);
	warn_if_netns_absent("tcpdrops", netns_filter_, netns_dir_);
	features_.prefetch_kallsyms();
	if (!features_.vmlinux_btf())
		throw Failure("cannot parse the kernel's BTF", "rerun with -v for libbpf's log");
	startup_trace::mark("vmlinux BTF");
	names_ = std::make_unique<EnumNames>(features_.vmlinux_btf());
	// Only the hooks the asked-for kinds need are probed, loaded and attached.
	std::vector<std::string> hooks;
	for (const auto& k : o_.kinds)
		for (const auto& h : hooks_for_kind(*parse_kind(k)))
			hooks.push_back(h);
	{ // what each program needs from the kernel, from its instructions
		SkeletonPtr<tcpdrops_bpf> opened(tcpdrops_bpf::open());
		if (opened)
			ladder_.set_program_helpers(helpers_by_program(opened->obj));
	}
	ladder_.plan(features_, o_.common.forced_rung(), hooks);
	startup_trace::mark("ladder planned (feature probes)");
	load();
	startup_trace::mark("loaded and attached");
	refuse_unseeable_kinds();
	start_syn_drop_monitor();
	startup_trace::mark("syn-drop monitor");

	if (o_.common.probes || o_.common.check)
		load_listener_snapshot(); // what the ladder reports includes the snapshot's fate
	if (o_.common.probes) {
		std::fputs(probes_report(ladder_).c_str(), stdout);
		return 0;
	}
	if (o_.common.check) {
		std::printf("tcpdrops: check passed: %s\n", rungs_summary(ladder_).c_str());
		return 0;
	}

	knobs_ = std::make_unique<KnobCache>(netns_dir_);
	ctx_.names = names_.get();
	ctx_.clock = WallClock();
	ctx_.symbolize = [this](uint64_t a) { return features_.kallsyms().symbolize(a); };
	ctx_.knobs = [this](uint32_t ns) { return knobs_->get(ns); };
	out_ = o_.common.json ? make_json_output(stdout) : make_text_output(stdout);
	encoder_ = std::make_unique<EventEncoder>(ctx_);
	EventReader reader(skel_->maps.events, skel_->maps.lost,
			   [this](const void* d, size_t n) { return on_event(d, n); });
	ToolStatus::Loop loop;
	loop.duration_s = o_.common.duration;
	loop.interval_s = o_.common.interval;
	loop.each_second = [this] {
		encoder_->tick();
		on_second();
	};
	loop.on_stop = [this] { links_.clear(); };
	LostCauseReader causes(bpf_map__fd(skel_->maps.lost_by_cause), [this](const ts_agg_key& k) {
		return std::make_pair(std::string(kind_name(k.kind)), reason_text(k.kind, k.sub, k.reason, ctx_));
	});
	loop.lost_causes = [&causes] { return causes.take(); };
	loop.each_interval = [this](double s) { on_interval(s); };
	loop.now_realtime_ns = [this] { return ctx_.clock.to_realtime_ns(WallClock::boot_now_ns()); };
	status_.run(ladder_, reader, *out_, loop);
	return 0;
}

} // namespace

int run_tcpdrops(const TcpdropsOptions& o)
{
	Tcpdrops t(o);
	return t.run();
}

} // namespace tcpsight

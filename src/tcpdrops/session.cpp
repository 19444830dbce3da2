#include "tcpdrops/session.h"

#include <cstdio>
#include <memory>

#include "aggregate/summary.h"
#include "collect/drops_collector.h"
#include "core/btf_enums.h"
#include "core/clock.h"
#include "core/event_reader.h"
#include "core/failure.h"
#include "core/kernel_features.h"
#include "core/netns.h"
#include "core/netns_knobs.h"
#include "core/probes_report.h"
#include "core/startup_trace.h"
#include "core/tool_status.h"
#include "decode/event_decoder.h"
#include "decode/event_encoder.h"
#include "decode/names.h"
#include "output/output.h"
#include "owners/listener_owners.h"

namespace tcpsight {
namespace {

class Tcpdrops {
public:
	explicit Tcpdrops(const TcpdropsOptions& o) : o_(o) {}
	int run();

private:
	bool on_event(const void* data, size_t size);
	void on_second();
	void on_interval(double seconds);
	void report_unreported();
	SummaryRow syn_drop_row(const SynDropObservation& ob) const;

	const TcpdropsOptions& o_;
	KernelFeatures features_;
	std::unique_ptr<EnumNames> names_;
	NetnsDirectory netns_dir_;
	std::unique_ptr<KnobCache> knobs_;
	std::unique_ptr<ListenerOwners> owners_;
	std::unique_ptr<DropsCollector> drops_;
	std::unique_ptr<Output> out_;
	DecodeContext ctx_;
	std::unique_ptr<EventEncoder> encoder_;
	SummaryDiffer differ_;
	std::vector<SynDropObservation> pending_syn_rows_;
	ToolStatus status_{"tcpdrops"};
};

bool Tcpdrops::on_event(const void* data, size_t size)
{
	if (size < sizeof(ts_event))
		return true;
	const auto* e = static_cast<const ts_event*>(data); // the ring's records are 8-byte aligned
	drops_->note_event(*e);
	if (!drops_->wanted(e->kind))
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
	if (o_.common.interval) // client ports fold in the kernel, per netns's range
		drops_->refresh_fold_ranges(*knobs_);
	for (const auto& ob : drops_->tick_syn_drops()) {
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
	std::vector<SummaryRow> kept = differ_.diff(drops_->counts());
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
	DropsFilter filter;
	filter.kinds_mask = kinds_mask_of(o_.kinds);
	filter.netns = netns_filter_of(o_.common);
	if (o_.ports.size() > 64) // the kernel's port_filter map
		throw UsageError("--port lists " + std::to_string(o_.ports.size()) + " ports; at most 64",
				 "watch fewer ports, or all of them (no --port)");
	filter.ports = o_.ports;
	filter.family = o_.common.family();
	filter.all_reasons = o_.all_reasons;
	filter.accept_wait_ms = o_.accept_wait_ms;
	filter.forced = o_.common.forced_rung();
	start_tool("tcpdrops", o_.common);
	warn_if_netns_absent("tcpdrops", filter.netns, netns_dir_);
	drops_ = std::make_unique<DropsCollector>(features_, netns_dir_, filter,
						  o_.common.interval ? CollectMode::Counts : CollectMode::Events);
	if (!features_.vmlinux_btf())
		throw Failure("cannot parse the kernel's BTF", "rerun with -v for libbpf's log");
	startup_trace::mark("vmlinux BTF");
	names_ = std::make_unique<EnumNames>(features_.vmlinux_btf());
	drops_->start(o_.kinds, o_.common.probes, "tcpdrops"); // --probes is how to see why a kind is unseeable
	const AttachLadder& ladder = drops_->ladder();

	if (o_.common.probes || o_.common.check)
		drops_->load_listener_snapshot(); // what the ladder reports includes the snapshot's fate
	if (o_.common.probes) {
		std::fputs(probes_report(ladder).c_str(), stdout);
		return 0;
	}
	if (o_.common.check) {
		std::printf("tcpdrops: check passed: %s\n", rungs_summary(ladder).c_str());
		return 0;
	}

	knobs_ = std::make_unique<KnobCache>(netns_dir_);
	ctx_.names = names_.get();
	ctx_.clock = WallClock();
	ctx_.symbolize = [this](uint64_t a) { return features_.kallsyms().symbolize(a); };
	ctx_.knobs = [this](uint32_t ns) { return knobs_->get(ns); };
	owners_ = std::make_unique<ListenerOwners>(netns_dir_);
	ctx_.listener_owner = [this](uint32_t ns, uint16_t port) { return owners_->find(ns, port); };
	out_ = o_.common.json ? make_json_output(stdout) : make_text_output(stdout);
	encoder_ = std::make_unique<EventEncoder>(ctx_);
	EventReader reader(drops_->events_map(), drops_->lost_map(), drops_->programs(),
			   [this](const void* d, size_t n) { return on_event(d, n); });
	ToolStatus::Loop loop;
	loop.duration_s = o_.common.duration;
	loop.interval_s = o_.common.interval;
	loop.each_second = [this] {
		encoder_->tick();
		on_second();
	};
	loop.on_stop = [this] { drops_->detach(); };
	LostCauseReader causes(drops_->lost_by_cause_fd(), [this](const ts_agg_key& k) {
		return std::make_pair(std::string(kind_name(k.kind)), reason_text(k.kind, k.sub, k.reason, ctx_));
	});
	loop.lost_causes = [&causes] { return causes.take(); };
	loop.each_interval = [this](double s) { on_interval(s); };
	loop.now_realtime_ns = [this] { return ctx_.clock.to_realtime_ns(WallClock::boot_now_ns()); };
	loop.at_end = [this] { report_unreported(); };
	status_.run(ladder, reader, *out_, loop);
	return 0;
}

// Once everything the hooks reported has been read: what the kernel counted beyond it.
void Tcpdrops::report_unreported()
{
	int64_t now = ctx_.clock.to_realtime_ns(WallClock::boot_now_ns());
	for (const auto& [ns, n] : drops_->unreported_listen_overflows()) {
		std::fprintf(stderr,
			     "tcpdrops: %llu listen overflows in netns %u were counted by the kernel (TcpExt "
			     "ListenOverflows) and reported by no hook: final-ACK overflows no tracepoint saw, or SYNs "
			     "refused at a full accept queue (--kinds syn-drop counts those)\n",
			     (unsigned long long)n, ns);
		if (!o_.common.json)
			continue;
		Record r;
		r.set("ts", rfc3339(now)).set("kind", "unreported").set("of", kind_name(TS_KIND_LISTEN_OVERFLOW));
		r.set("counter", "TcpExt.ListenOverflows").set("netns", (uint64_t)ns).set("count", n);
		out_->event(r);
	}
}

} // namespace

int run_tcpdrops(const TcpdropsOptions& o)
{
	Tcpdrops t(o);
	return t.run();
}

} // namespace tcpsight

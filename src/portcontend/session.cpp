#include "portcontend/session.h"

#include <cstdio>
#include <map>
#include <memory>

#include "collect/port_collector.h"
#include "core/btf_enums.h"
#include "core/clock.h"
#include "core/event_reader.h"
#include "core/failure.h"
#include "core/kernel_features.h"
#include "core/netns.h"
#include "core/netns_knobs.h"
#include "core/probes_report.h"
#include "core/tool_status.h"
#include "output/output.h"
#include "portcontend/decode.h"
#include "portcontend/dest_summary.h"

namespace tcpsight {
namespace {

class Portcontend {
public:
	explicit Portcontend(const PortcontendOptions& o) : o_(o) {}
	int run();

private:
	bool on_event(const void* data, size_t size);
	void on_interval(double seconds);
	uint64_t tw_recycled_delta(uint32_t netns);

	const PortcontendOptions& o_;
	KernelFeatures features_;
	NetnsDirectory netns_dir_;
	std::unique_ptr<KnobCache> knobs_;
	std::unique_ptr<PortCollector> ports_;
	std::unique_ptr<Output> out_;
	DecodeContext ctx_;
	DestDiffer differ_;
	std::map<uint32_t, uint64_t> tw_recycled_seen_;
	ToolStatus status_{"portcontend"};
	bool event_mode_ = false;
};

bool Portcontend::on_event(const void* data, size_t size)
{
	auto e = pc_event_from_sample(data, size);
	if (!e)
		return true;
	status_.count_events(1);
	out_->event(decode_pc_event(*e, ctx_));
	return out_->ready();
}

uint64_t Portcontend::tw_recycled_delta(uint32_t netns)
{
	auto c = ports_->tw_recycled(netns);
	if (!c)
		return 0;
	auto it = tw_recycled_seen_.find(netns);
	uint64_t before = it == tw_recycled_seen_.end() ? *c : it->second;
	tw_recycled_seen_[netns] = *c;
	return *c >= before ? *c - before : 0;
}

void Portcontend::on_interval(double seconds)
{
	auto rows = differ_.diff(ports_->counts());
	std::map<uint32_t, uint64_t> recycled;
	std::map<uint32_t, HeldByDest> held;
	uint8_t source = ports_->search_source();
	for (auto& r : rows) {
		uint32_t ns = r.key.netns;
		if (!recycled.count(ns)) {
			recycled[ns] = tw_recycled_delta(ns);
			held[ns] = ports_->census(ns, *knobs_);
		}
		r.source = source;
		r.seconds = seconds;
		r.tw_recycled_netns = recycled[ns];
		if (ports_->has_census()) {
			auto h = held[ns][dest_id(r.key.family, r.key.daddr, r.key.dport)];
			r.held_tw = h.tw;
			r.held_est = h.est;
			r.held_tw_first = h.tw_first;
		}
	}
	uint64_t total = 0;
	for (const auto& r : rows)
		total += r.d.connects;
	rank_destinations(rows, o_.common.top);
	int64_t now = ctx_.clock.to_realtime_ns(WallClock::boot_now_ns());
	std::vector<Record> recs;
	for (const auto& r : rows)
		recs.push_back(decode_dest_row(r, now, ctx_));
	status_.interval(*out_, now, seconds, total, recs);
}

int Portcontend::run()
{
	// The command line first: a bad one exits 2 whoever runs it.
	PortFilter filter;
	filter.netns = netns_filter_of(o_.common);
	if (!o_.daddr.empty())
		filter.daddr = parse_daddr(o_.daddr);
	filter.family = o_.common.family();
	filter.dport = o_.dport;
	filter.pid = o_.pid;
	filter.forced = o_.common.forced_rung();
	start_tool("portcontend", o_.common); // kallsyms is read only if a probe needs it
	warn_if_netns_absent("portcontend", filter.netns, netns_dir_);
	event_mode_ = o_.events;
	ports_ = std::make_unique<PortCollector>(features_, netns_dir_, filter,
						 event_mode_ ? CollectMode::Events : CollectMode::Counts);
	if (!features_.vmlinux_btf())
		throw Failure("cannot parse the kernel's BTF", "rerun with -v for libbpf's log");
	EnumNames names(features_.vmlinux_btf());
	ports_->start();
	const AttachLadder& ladder = ports_->ladder();
	if (o_.common.probes) {
		std::fputs(probes_report(ladder).c_str(), stdout);
		return 0;
	}
	if (o_.common.check) {
		std::printf("portcontend: check passed: %s\n", rungs_summary(ladder).c_str());
		return 0;
	}
	knobs_ = std::make_unique<KnobCache>(netns_dir_);
	// Baselines, so the first interval's TWRecycled is a real delta.
	if (filter.netns) {
		tw_recycled_delta(*filter.netns);
	} else {
		netns_dir_.rescan();
		for (uint32_t ns : netns_dir_.inodes())
			tw_recycled_delta(ns);
	}

	ctx_.names = &names;
	ctx_.clock = WallClock();
	ctx_.knobs = [this](uint32_t ns) { return knobs_->get(ns); };
	std::vector<TableColumn> cols = {
	    {"DADDR", "daddr", 16},           {"DPORT", "dport", 5, true},
	    {"NETNS", "netns", 10},           {"CONN/S", "connects_per_s", 7, true},
	    {"FAILED", "eaddrnotavail", 6, true}, {"PROBES", "probes_mean", 6, true},
	    {"HELD_TW", "held_tw", 7, true},  {"SOURCE", "source", 10},
	};
	out_ = o_.common.json ? make_json_output(stdout) : make_text_output(stdout, cols);
	EventReader reader(ports_->events_map(), ports_->lost_map(), ports_->programs(),
			   [this](const void* d, size_t n) { return on_event(d, n); });
	ToolStatus::Loop loop;
	loop.duration_s = o_.common.duration;
	loop.interval_s = event_mode_ ? 0 : (o_.common.interval ? o_.common.interval : 1);
	loop.each_interval = [this](double s) { on_interval(s); };
	loop.on_stop = [this] { ports_->detach(); };
	loop.now_realtime_ns = [this] { return ctx_.clock.to_realtime_ns(WallClock::boot_now_ns()); };
	status_.run(ladder, reader, *out_, loop);
	return 0;
}

} // namespace

int run_portcontend(const PortcontendOptions& o)
{
	Portcontend p(o);
	return p.run();
}

} // namespace tcpsight

#include "portcontend/session.h"

#include <arpa/inet.h>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "core/btf_enums.h"
#include "core/clock.h"
#include "core/event_reader.h"
#include "core/failure.h"
#include "core/kernel_features.h"
#include "core/ladder_loader.h"
#include "core/libbpf_log.h"
#include "core/net_counters.h"
#include "core/netns.h"
#include "core/netns_knobs.h"
#include "core/poll_loop.h"
#include "core/probes_report.h"
#include "core/program_needs.h"
#include "core/signals.h"
#include "core/socket_snapshot.h"
#include "core/tool_status.h"
#include "output/output.h"
#include "shared/portcontend_events.h" // before the skeleton, which names its types
#include "portcontend.skel.h"
#include "portcontend/decode.h"
#include "portcontend/dest_summary.h"
#include "portcontend/hooks.h"

namespace tcpsight {
namespace {

// TCP states (include/net/tcp_states.h): the sockets that hold a local port.
constexpr uint32_t kHeldStates = (1u << 1) /* ESTABLISHED */ | (1u << 2) /* SYN_SENT */ | (1u << 6) /* TIME_WAIT */;

struct ParsedAddr {
	uint8_t family = 0;
	uint8_t bytes[16] = {};
};

ParsedAddr parse_daddr(const std::string& s)
{
	ParsedAddr a;
	if (inet_pton(AF_INET, s.c_str(), a.bytes) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s.c_str(), a.bytes) == 1)
		a.family = AF_INET6;
	else
		throw UsageError("'" + s + "' is not an IPv4 or IPv6 address", "give --daddr as 10.0.0.2 or fd00::2");
	return a;
}

class Portcontend {
public:
	explicit Portcontend(const PortcontendOptions& o) : o_(o), ladder_(portcontend_hooks()) {}
	int run();

private:
	void configure(portcontend_bpf& skel);
	bool on_event(const void* data, size_t size);
	void on_interval(double seconds);
	uint64_t tw_recycled_delta(uint32_t netns);
	struct Held {
		uint64_t tw = 0, est = 0, tw_first = 0;
	};
	void census(uint32_t netns, std::map<std::string, Held>& held);

	const PortcontendOptions& o_;
	AttachLadder ladder_;
	KernelFeatures features_;
	NetnsDirectory netns_dir_;
	std::unique_ptr<KnobCache> knobs_;
	std::optional<uint32_t> netns_filter_;
	std::optional<ParsedAddr> daddr_;
	SkeletonPtr<portcontend_bpf> skel_;
	std::vector<LinkPtr> links_;
	std::unique_ptr<SocketSnapshot> snapshot_;
	std::unique_ptr<Output> out_;
	DecodeContext ctx_;
	DestDiffer differ_;
	std::map<uint32_t, uint64_t> tw_recycled_seen_;
	ToolStatus status_{"portcontend"};
	bool event_mode_ = false;
};

void Portcontend::configure(portcontend_bpf& skel)
{
	// Before each load: connect()'s return ends the search only on the tracepoint rung.
	const RungSpec* search = ladder_.chosen("port-search");
	if (search && search->rung == Rung::Tracepoint)
		ladder_.plan_hook("connect-return");
	auto* ro = skel.rodata;
	ro->filter_netns = netns_filter_.value_or(0);
	ro->filter_family = daddr_ ? daddr_->family : o_.common.family();
	ro->filter_dport = o_.dport;
	ro->filter_pid = o_.pid;
	if (daddr_) {
		ro->filter_daddr_on = 1;
		std::memcpy((void*)ro->filter_daddr, daddr_->bytes, 16);
	}
	ro->emit_events = event_mode_;
	ro->aggregate = !event_mode_;
	int nargs = features_.func_arg_count("__inet_check_established");
	ro->check_est_nargs = nargs > 0 ? (uint8_t)nargs : 4;
}

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
	auto c = read_in_netns(netns_dir_, netns, read_current_netns_counters);
	if (!c)
		return 0;
	uint64_t now = (*c)["TcpExt.TWRecycled"];
	auto it = tw_recycled_seen_.find(netns);
	uint64_t before = it == tw_recycled_seen_.end() ? now : it->second;
	tw_recycled_seen_[netns] = now;
	return now >= before ? now - before : 0;
}

static std::string dest_id(uint8_t family, const uint8_t addr[16], uint16_t port)
{
	return std::string((const char*)addr, family == AF_INET ? 4 : 16) + ":" + std::to_string(port);
}

void Portcontend::census(uint32_t netns, std::map<std::string, Held>& held)
{
	auto path = netns_dir_.path_for(netns);
	if (!snapshot_ || !path)
		return;
	auto knobs = knobs_->get(netns);
	int64_t low = knobs && knobs->port_range_low ? *knobs->port_range_low : -1;
	for (const auto& s : snapshot_->read(*path)) {
		auto& h = held[dest_id(s.t.family, s.t.raddr, s.t.rport)];
		if (s.t.state != 6) { // ESTABLISHED / SYN_SENT
			h.est++;
			continue;
		}
		h.tw++;
		// In connect()'s first half: the range's low end's parity, inside the range.
		if (low >= 0 && knobs->port_range_high && s.t.lport >= low && s.t.lport <= *knobs->port_range_high &&
		    (s.t.lport & 1) == (low & 1))
			h.tw_first++;
	}
}

void Portcontend::on_interval(double seconds)
{
	auto rows = differ_.diff(bpf_map__fd(skel_->maps.dest_summary));
	std::map<uint32_t, uint64_t> recycled;
	std::map<uint32_t, std::map<std::string, Held>> held;
	uint8_t source = source_of(ladder_.chosen("port-search"));
	for (auto& r : rows) {
		uint32_t ns = r.key.netns;
		if (!recycled.count(ns)) {
			recycled[ns] = tw_recycled_delta(ns);
			census(ns, held[ns]);
		}
		r.source = source;
		r.seconds = seconds;
		r.tw_recycled_netns = recycled[ns];
		if (snapshot_) {
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
	netns_filter_ = netns_filter_of(o_.common);
	if (!o_.daddr.empty())
		daddr_ = parse_daddr(o_.daddr);
	start_tool("portcontend", o_.common); // kallsyms is read only if a probe needs it
	warn_if_netns_absent("portcontend", netns_filter_, netns_dir_);
	event_mode_ = o_.events;
	if (!features_.vmlinux_btf())
		throw Failure("cannot parse the kernel's BTF", "rerun with -v for libbpf's log");
	EnumNames names(features_.vmlinux_btf());
	{ // what each program needs from the kernel, from its instructions
		SkeletonPtr<portcontend_bpf> opened(portcontend_bpf::open());
		if (opened)
			ladder_.set_program_helpers(helpers_by_program(opened->obj));
	}
	ladder_.plan(features_, o_.common.forced_rung(), {"port-search", "port-census", "tw-recycled"});
	skel_ = load_with_ladder<portcontend_bpf>(ladder_, [this](portcontend_bpf& s) { configure(s); }, links_);
	if (ladder_.chosen("port-census") && !event_mode_) {
		try {
			snapshot_ = std::make_unique<SocketSnapshot>(kHeldStates);
		} catch (const Failure& f) {
			ladder_.demote_hook("port-census", f.what());
		}
	}
	if (o_.common.probes) {
		std::fputs(probes_report(ladder_).c_str(), stdout);
		return 0;
	}
	if (o_.common.check) {
		std::printf("portcontend: check passed: %s\n", rungs_summary(ladder_).c_str());
		return 0;
	}
	// Baselines, so the first interval's TWRecycled is a real delta.
	if (netns_filter_) {
		tw_recycled_delta(*netns_filter_);
	} else {
		netns_dir_.rescan();
		for (uint32_t ns : netns_dir_.inodes())
			tw_recycled_delta(ns);
	}

	knobs_ = std::make_unique<KnobCache>(netns_dir_);
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
	EventReader reader(skel_->maps.events, skel_->maps.lost,
			   [this](const void* d, size_t n) { return on_event(d, n); });
	ToolStatus::Loop loop;
	loop.duration_s = o_.common.duration;
	loop.interval_s = event_mode_ ? 0 : (o_.common.interval ? o_.common.interval : 1);
	loop.each_interval = [this](double s) { on_interval(s); };
	loop.on_stop = [this] { links_.clear(); };
	loop.now_realtime_ns = [this] { return ctx_.clock.to_realtime_ns(WallClock::boot_now_ns()); };
	status_.run(ladder_, reader, *out_, loop);
	return 0;
}

} // namespace

int run_portcontend(const PortcontendOptions& o)
{
	Portcontend p(o);
	return p.run();
}

} // namespace tcpsight

#include "export/exporter.h"

#include <algorithm>
#include <cmath>

#include "aggregate/summary.h"
#include "core/event_reader.h"
#include "core/failure.h"
#include "core/startup_trace.h"
#include "decode/event_encoder.h"
#include "decode/names.h"
#include "portcontend/names.h"
#include "shared/portcontend_events.h"

namespace tcpsight {

namespace {

// log2 buckets as the kernel fills them (emit.bpf.h log2_ms, portcontend's log2_us):
// bucket b holds values below 2^(b+1) units, so that is its `le`.
std::vector<double> log2_bounds(double unit_seconds, int n)
{
	std::vector<double> b;
	for (int i = 0; i < n; i++)
		b.push_back(std::ldexp(unit_seconds, i + 1));
	return b;
}

constexpr int kAcceptBuckets = 16; // 2 ms .. 65.5 s, then +Inf
constexpr int kSearchBounds = PC_HIST_BUCKETS - 1; // the last kernel bucket is open-ended

} // namespace

// Every family the exporter can print, with its help text (docs/metrics.md and
// tests/deploy/metric_names.txt list the same; a unit test holds them together).
std::vector<MetricFamily> exporter_families()
{
	auto C = MetricType::Counter;
	auto G = MetricType::Gauge;
	auto H = MetricType::Histogram;
	return {
	    {"tcpsight_build_info", "tcpsight's version (value 1)", G},
	    {"tcpsight_netns_info", "Whose each network namespace is: its lowest pid's process, systemd unit, container and pod (value 1)", G},
	    {"tcpsight_hook_info", "The rung each hook got on this kernel (value 1; rung=\"none\": not seen)", G},
	    {"tcpsight_events_lost", "Counts the kernel could not record (summary map full), by tool", C},
	    {"tcpsight_program_runs_missed", "Program runs the kernel skipped because the program was already running on that CPU (what they would have counted is unknown), by tool", C},
	    {"tcpsight_series_folded", "Series folded into port/daddr=\"other\" by --max-series in this collection", G},
	    {"tcpsight_collect_duration_seconds", "How long the last collection took", G, "seconds"},
	    {"tcpsight_last_collection_timestamp_seconds", "When this page's collection began (Unix time): a page older than a few intervals means collection is stuck", G, "seconds"},
	    {"tcpsight_tcp_retransmits", "TCP retransmissions by kind (port: local port, \"ephemeral\" for connections this host opened)", C},
	    {"tcpsight_tcp_synack_retransmits", "SYN-ACKs retransmitted by a listener (the client's final ACK did not come)", C},
	    {"tcpsight_tcp_listen_overflows", "Final ACKs dropped because the accept queue was full (TcpExtListenOverflows)", C},
	    {"tcpsight_tcp_syn_drops", "SYNs refused by a listener, by cause", C},
	    {"tcpsight_conntrack_drops", "Packets conntrack dropped, by cause (table_full: nf_conntrack_max reached)", C},
	    {"tcpsight_skb_drops", "TCP packets the kernel freed as dropped (kfree_skb), by drop reason", C},
	    {"tcpsight_tcp_accept_wait_seconds", "Time connections waited in the accept queue before accept()", H, "seconds",
	     log2_bounds(1e-3, kAcceptBuckets)},
	    {"tcpsight_tcp_accept_queue_length", "Connections waiting in a listener's accept queue now", G},
	    {"tcpsight_tcp_accept_queue_limit", "A listener's accept queue limit (min(backlog, somaxconn))", G},
	    {"tcpsight_conntrack_entries", "Conntrack entries in the netns now (net.netfilter.nf_conntrack_count)", G},
	    {"tcpsight_conntrack_limit", "Conntrack table limit (net.netfilter.nf_conntrack_max)", G},
	    {"tcpsight_connects", "connect() calls by destination and result", C},
	    {"tcpsight_timewait_decisions", "TIME_WAIT sockets connect() met on its port search: reused or rejected, and why", C},
	    {"tcpsight_port_search_seconds", "Time connect() spent searching for a free local port", H, "seconds",
	     log2_bounds(1e-6, kSearchBounds)},
	    {"tcpsight_port_search_probes", "Local ports connect() tried, added up", C},
	    {"tcpsight_ephemeral_ports", "Ports in net.ipv4.ip_local_port_range", G},
	    {"tcpsight_ports_held", "Local ports held toward a destination now, by socket state", G},
	};
}

struct Exporter::Gathered {
	std::vector<MetricFamily> fams = exporter_families();
	MetricFamily& f(const std::string& name)
	{
		for (auto& m : fams)
			if (m.name() == name)
				return m;
		throw Failure("internal: no metric family " + name, "");
	}
};

Exporter::Exporter(ExporterOptions o) : o_(std::move(o)), cap_(o_.max_series) {}
Exporter::~Exporter() = default;

void Exporter::start()
{
	DropsFilter df;
	df.kinds_mask = kinds_mask_of(o_.kinds);
	df.netns = o_.netns;
	df.ports = o_.ports;
	df.forced = o_.forced;
	drops_ = std::make_unique<DropsCollector>(features_, netns_dir_, df, CollectMode::Counts);
	if (!features_.vmlinux_btf())
		throw Failure("cannot parse the kernel's BTF", "rerun with -v for libbpf's log");
	names_ = std::make_unique<EnumNames>(features_.vmlinux_btf());
	ctx_.names = names_.get();
	ctx_.symbolize = [this](uint64_t a) { return features_.kallsyms().symbolize(a); };

	drops_->start(o_.kinds, false, "tcpsight-exporter");
	drops_->load_listener_snapshot();

	PortFilter pf;
	pf.netns = o_.netns;
	pf.forced = o_.forced;
	ports_ = std::make_unique<PortCollector>(features_, netns_dir_, pf, CollectMode::Counts);
	ports_->start();
	// The accept-queue gauges and the listeners' owners: the syn-drop monitor's listener
	// snapshot where it loaded one (iter rung), else one of our own.
	listeners_ = drops_->listener_snapshot();
	if (!listeners_) {
		try {
			own_listeners_ = std::make_unique<SocketSnapshot>(1u << 10 /* TCP_LISTEN */);
			listeners_ = own_listeners_.get();
		} catch (const Failure& f) {
			std::fprintf(stderr, "tcpsight-exporter: warning: no listener gauges: %s\n", f.what());
		}
	}
}

std::shared_ptr<const MetricsPage> Exporter::page() const
{
	std::lock_guard<std::mutex> l(page_mu_);
	return page_;
}

std::vector<uint32_t> Exporter::watched_netns()
{
	if (o_.netns)
		return {*o_.netns};
	netns_dir_.rescan();
	return netns_dir_.inodes();
}

std::string Exporter::process_of_listener(uint32_t netns, uint16_t port)
{
	const ListenerOwner* o = owners_.find(netns, port);
	return o ? o->process : std::string();
}

void Exporter::listener_gauges(Gathered& g, const std::vector<uint32_t>& netns_list)
{
	if (!listeners_)
		return;
	for (uint32_t ns : netns_list) {
		auto path = netns_dir_.path_for(ns);
		if (!path)
			continue;
		for (const auto& s : listeners_->read(*path)) {
			if (!drops_->port_wanted(s.t.lport)) // --port, as the counts are filtered
				continue;
			// Sticky (ListenerOwners): a counter keeps its series after the listener
			// closes or its owner cannot be read for a moment.
			const ListenerOwner* owner = owners_.note(ns, s.t.lport, s.ino);
			std::string process = owner ? owner->process : std::string();
			Labels l = {{"netns", std::to_string(ns)}, {"port", std::to_string(s.t.lport)}, {"process", process}};
			l = cap_.admit("tcpsight_tcp_accept_queue_length", l, "port");
			g.f("tcpsight_tcp_accept_queue_length").add(l, s.accept_queue);
			g.f("tcpsight_tcp_accept_queue_limit").add(l, s.accept_queue_max);
		}
	}
}

void Exporter::netns_gauges(Gathered& g, const std::vector<uint32_t>& netns_list)
{
	for (uint32_t ns : netns_list) {
		auto k = knobs_.get(ns);
		if (!k)
			continue;
		Labels l = {{"netns", std::to_string(ns)}};
		if (auto o = owners_.netns_owner(ns))
			g.f("tcpsight_netns_info")
			    .add({{"netns", std::to_string(ns)}, {"process", o->process}, {"unit", o->unit},
				  {"container_id", o->container_id}, {"pod_uid", o->pod_uid}},
				 1);
		if (k->nf_conntrack_count)
			g.f("tcpsight_conntrack_entries").add(l, (double)*k->nf_conntrack_count);
		if (k->nf_conntrack_max)
			g.f("tcpsight_conntrack_limit").add(l, (double)*k->nf_conntrack_max);
		if (k->port_range_low && k->port_range_high)
			g.f("tcpsight_ephemeral_ports").add(l, (double)(*k->port_range_high - *k->port_range_low + 1));
	}
}

void Exporter::drop_families(Gathered& g)
{
	DropsCollection c = drops_->collect();
	auto rows = fold_ephemeral(std::move(c.rows), [this](uint32_t ns) -> std::optional<std::pair<int64_t, int64_t>> {
		auto k = knobs_.get(ns);
		if (!k || !k->port_range_low || !k->port_range_high)
			return std::nullopt;
		return std::make_pair(*k->port_range_low, *k->port_range_high);
	});
	for (const auto& r : rows) {
		std::string ns = std::to_string(r.netns);
		std::string port = r.ephemeral ? "ephemeral" : std::to_string(r.lport);
		auto put = [&](const char* family, Labels l) {
			g.f(family).add(cap_.admit(family, std::move(l), "port"), (double)r.count);
		};
		switch (r.kind) {
		case TS_KIND_RETRANS:
			put("tcpsight_tcp_retransmits", Labels{{"netns", ns}, {"port", port}, {"kind", retrans_kind_name(r.sub)}});
			break;
		case TS_KIND_SYNACK_RETRANS:
			put("tcpsight_tcp_synack_retransmits", Labels{{"netns", ns}, {"port", port}});
			break;
		case TS_KIND_LISTEN_OVERFLOW:
			put("tcpsight_tcp_listen_overflows",
			    Labels{{"netns", ns}, {"port", port}, {"process", process_of_listener(r.netns, r.lport)}});
			break;
		case TS_KIND_SYN_DROP:
			put("tcpsight_tcp_syn_drops", Labels{{"netns", ns}, {"port", port}, {"cause", syn_cause_name(r.sub)}});
			break;
		case TS_KIND_CONNTRACK:
			g.f("tcpsight_conntrack_drops").add({{"netns", ns}, {"cause", ct_cause_name(r.sub)}}, (double)r.count);
			break;
		case TS_KIND_DROP:
			g.f("tcpsight_skb_drops").add({{"netns", ns}, {"reason", reason_text(r.kind, r.sub, r.reason, ctx_)}},
						      (double)r.count);
			break;
		case TS_KIND_SLOW_ACCEPT: {
			std::vector<uint64_t> b(std::min<size_t>(r.sub, kAcceptBuckets) + 1);
			b.back() = r.count;
			const char* fam = "tcpsight_tcp_accept_wait_seconds";
			g.f(fam).add_histogram(cap_.admit(fam, {{"netns", ns}, {"port", port}}, "port"), b, r.sum_ns / 1e9);
			break;
		}
		default:
			break;
		}
	}
	// Overflows the kernel counted (ListenOverflows) that no hook reported: the page
	// adds up to the kernel's counter as read just before the counts, the listener unknown.
	for (const auto& [ns, n] : c.unreported) {
		const char* fam = "tcpsight_tcp_listen_overflows";
		g.f(fam).add(cap_.admit(fam, {{"netns", std::to_string(ns)}, {"port", "unknown"}, {"process", ""}}, "port"),
			     (double)n);
	}
	// SYN drops the counters saw (no tracing rung for them on this kernel).
	for (const auto& ob : c.syn_drops)
		syn_drop_totals_[{ob.netns, ob.lport, ob.cause}] += ob.count;
	for (const auto& [k, n] : syn_drop_totals_) {
		auto [ns, port, cause] = k;
		Labels l = {{"netns", std::to_string(ns)},
			    {"port", port ? std::to_string(port) : std::string("unknown")},
			    {"cause", syn_cause_name(cause)}};
		g.f("tcpsight_tcp_syn_drops").add(cap_.admit("tcpsight_tcp_syn_drops", l, "port"), (double)n);
	}
}

void Exporter::port_families(Gathered& g)
{
	std::map<uint32_t, HeldByDest> held;
	for (const auto& [k, v] : ports_->counts()) {
		char buf[48];
		std::string ns = std::to_string(k.netns);
		std::string daddr(format_addr_to(buf, k.family, k.daddr));
		std::string dport = std::to_string(k.dport);
		auto labels = [&](const char* family, Labels extra) {
			Labels l = {{"netns", ns}, {"daddr", daddr}, {"dport", dport}};
			l.insert(l.end(), extra.begin(), extra.end());
			return cap_.admit(family, std::move(l), "daddr");
		};
		auto& connects = g.f("tcpsight_connects");
		connects.add(labels("tcpsight_connects", {{"result", connect_result_name(PC_OK)}}), (double)v.ok);
		connects.add(labels("tcpsight_connects", {{"result", connect_result_name(PC_EADDRNOTAVAIL)}}),
			     (double)v.eaddrnotavail);
		connects.add(labels("tcpsight_connects", {{"result", "error"}}), (double)v.other_err);
		auto& tw = g.f("tcpsight_timewait_decisions");
		if (v.tw_reused)
			tw.add(labels("tcpsight_timewait_decisions", {{"decision", "reused"}, {"reason", tw_reason_name(PC_TW_REUSED)}}),
			       (double)v.tw_reused);
		for (int i = 1; i < PC_TW_REASONS; i++)
			if (v.tw_rejected[i])
				tw.add(labels("tcpsight_timewait_decisions", {{"decision", "rejected"}, {"reason", tw_reason_name(i)}}),
				       (double)v.tw_rejected[i]);
		if (v.searches) {
			std::vector<uint64_t> b(v.search_hist, v.search_hist + PC_HIST_BUCKETS);
			g.f("tcpsight_port_search_seconds")
			    .add_histogram(labels("tcpsight_port_search_seconds", {}), b, v.search_ns_sum / 1e9);
		}
		g.f("tcpsight_port_search_probes").add(labels("tcpsight_port_search_probes", {}), (double)v.probes_sum);
		// Ports held toward it now, from the census of its netns.
		if (!ports_->has_census())
			continue;
		if (!held.count(k.netns))
			held[k.netns] = ports_->census(k.netns, knobs_);
		auto it = held[k.netns].find(dest_id(k.family, k.daddr, k.dport));
		HeldPorts h = it == held[k.netns].end() ? HeldPorts{} : it->second;
		auto& hp = g.f("tcpsight_ports_held");
		hp.add(labels("tcpsight_ports_held", {{"state", "time_wait"}}), (double)h.tw);
		hp.add(labels("tcpsight_ports_held", {{"state", "established"}}), (double)h.est);
	}
}

void Exporter::self_families(Gathered& g, double collect_seconds)
{
	g.f("tcpsight_build_info").add({{"version", TCPSIGHT_VERSION}}, 1);
	auto hooks = [&](const char* tool, const AttachLadder& ladder) {
		for (size_t i = 0; i < ladder.hooks().size(); i++) {
			if (!ladder.state(i).planned)
				continue;
			const RungSpec* r = ladder.chosen(ladder.hooks()[i].name);
			g.f("tcpsight_hook_info")
			    .add({{"tool", tool}, {"hook", ladder.hooks()[i].name}, {"rung", r ? rung_name(r->rung) : "none"}}, 1);
		}
	};
	hooks("tcpdrops", drops_->ladder());
	hooks("portcontend", ports_->ladder());
	auto lost = [&](const char* tool, bpf_map* m, const bpf_object* programs) {
		LostCounts c = read_lost_counts(bpf_map__fd(m), programs);
		g.f("tcpsight_events_lost").add({{"tool", tool}}, (double)(c.events + c.summary_keys));
		g.f("tcpsight_program_runs_missed").add({{"tool", tool}}, (double)c.missed);
	};
	lost("tcpdrops", drops_->lost_map(), drops_->programs());
	lost("portcontend", ports_->lost_map(), ports_->programs());
	for (const auto& [family, n] : cap_.folded()) // named as the series are
		g.f("tcpsight_series_folded")
		    .add({{"metric", family + (g.f(family).type() == MetricType::Counter ? "_total" : "")}}, (double)n);
	g.f("tcpsight_collect_duration_seconds").add({}, collect_seconds);
}

void Exporter::collect()
{
	auto t0 = std::chrono::steady_clock::now();
	double started = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
	Gathered g;
	cap_.begin();
	auto netns_list = watched_netns();
	drops_->refresh_fold_ranges(knobs_);
	listener_gauges(g, netns_list); // first: names the listeners the counters mention
	netns_gauges(g, netns_list);
	drop_families(g);
	port_families(g);
	self_families(g, last_collect_s_);
	g.f("tcpsight_last_collection_timestamp_seconds").add({}, started);
	auto p = std::make_shared<MetricsPage>();
	p->text = render_page(g.fams, ExpositionFormat::Text004);
	p->openmetrics = render_page(g.fams, ExpositionFormat::OpenMetrics);
	p->at = std::chrono::steady_clock::now();
	last_collect_s_ = std::chrono::duration<double>(p->at - t0).count();
	std::lock_guard<std::mutex> l(page_mu_);
	page_ = std::move(p);
}

} // namespace tcpsight

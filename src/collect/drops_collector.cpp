#include "collect/drops_collector.h"

#include <algorithm>
#include <future>
#include <bpf/bpf.h>

#include "aggregate/summary.h"
#include "core/boot_cache.h"
#include "core/clock.h"
#include "core/failure.h"
#include "core/ladder_loader.h"
#include "core/map_entries.h"
#include "core/map_sizing.h"
#include "core/program_needs.h"
#include "core/startup_trace.h"
#include "decode/names.h"
#include "tcpdrops.skel.h"
#include "tcpdrops/hooks.h"

namespace tcpsight {

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

DropsCollector::DropsCollector(KernelFeatures& features, NetnsDirectory& netns_dir, DropsFilter filter,
			       CollectMode mode)
    : features_(features), netns_dir_(netns_dir), filter_(std::move(filter)), mode_(mode), ladder_(tcpdrops_hooks()),
      opened_(tcpdrops_bpf::open())
{
	if (opened_)
		preload_ = std::make_unique<KernelBtfPreload>(opened_->obj, "kfree_skb__tracepoint");
	// Drops name their call sites from /proc/kallsyms, and kfree_skb's program needs
	// nf_hook_slow's range before it attaches. When an earlier run this boot left the
	// range in the boot cache nothing waits for the listing: it is read once the programs
	// are attached (at low priority: even then it slowed the load by ~10 ms on 2 CPUs).
	kallsyms_after_start_ = boot_cache::range(kNfHookSlow).has_value();
	if (!kallsyms_after_start_)
		features_.prefetch_kallsyms(true);
}

DropsCollector::~DropsCollector() = default;

void DropsCollector::configure(tcpdrops_bpf& skel)
{
	// Before each load: a demotion may have moved listen-overflow onto kfree_skb.
	if (needs_kfree_skb(filter_.kinds_mask, ladder_.chosen("listen-overflow")))
		ladder_.plan_hook("kfree-skb");
	auto* ro = skel.rodata;
	ro->filter_netns = filter_.netns.value_or(0);
	ro->filter_family = filter_.family;
	ro->filter_ports_on = !filter_.ports.empty();
	// syn-drop needs the final-ACK overflows to tell them from SYN-time ones, and the
	// listener ports those and SYN-ACK retransmits name; the front end drops what was
	// not asked.
	ro->kinds_mask = filter_.kinds_mask | (wanted(TS_KIND_SYN_DROP)
						   ? (1u << TS_KIND_LISTEN_OVERFLOW) | (1u << TS_KIND_SYNACK_RETRANS)
						   : 0);
	ro->emit_events = mode_ == CollectMode::Events;
	ro->aggregate = mode_ == CollectMode::Counts;
	ro->include_unspecified = filter_.all_reasons;
	ro->retransmit_tp_has_err = features_.tracepoint_arg_count("tcp_retransmit_skb") == 3;
	ro->kfree_skb_nargs = (uint8_t)std::max(features_.tracepoint_arg_count("kfree_skb"), 2);
	fill_fexit_nargs(features_, ladder_, kTcpdropsFexitTargets, kTcpdropsFexitTargetCount, ro->fexit_nargs);
	const RungSpec* lo = ladder_.chosen("listen-overflow");
	ro->kfree_skips_listen_overflow = lo && !lo->program.empty();
	ro->accept_wait_ns = (uint64_t)filter_.accept_wait_ms * 1000000ull;
	const RungSpec* ct = ladder_.chosen("conntrack");
	ro->ct_cause_source = ct && !ct->program.empty() ? source_of(ct) : 0;
	shrink_unused_maps(skel);
}

// Which programs use which map, by hook and mode (bpf/tcpdrops.bpf.c): the others are
// created at their smallest.
void DropsCollector::shrink_unused_maps(tcpdrops_bpf& skel) const
{
	bool kprobe = false; // kretprobe rungs find their call's arguments in stashed_args
	for (const auto& h : ladder_.hooks())
		if (const RungSpec* r = ladder_.chosen(h.name))
			kprobe |= r->rung == Rung::Kprobe;
	const RungSpec* sa = ladder_.chosen("slow-accept");
	bool counts = mode_ == CollectMode::Counts;
	shrink_unless_used(skel.maps.stashed_args, kprobe);
	shrink_unless_used(skel.maps.established_at, sa && !sa->program.empty());
	shrink_unless_used(skel.maps.summary, counts);
	shrink_unless_used(skel.maps.fold_ranges, counts);
	shrink_unless_used(skel.maps.hot_slots, counts);
	shrink_unless_used(skel.maps.events, !counts);
	shrink_unless_used(skel.maps.lost_by_cause, !counts);
}

static uint32_t boot_seconds() { return (uint32_t)(WallClock::boot_now_ns() / 1000000000ull); }

// After the load, before the programs attach: nothing runs with these unset.
void DropsCollector::fill_loaded(tcpdrops_bpf& skel)
{
	// Only kfree_skb's program uses the range; kallsyms may still be on its way in.
	auto r = ladder_.chosen("kfree-skb") ? features_.kallsyms_range(kNfHookSlow) : std::nullopt;
	if (r) {
		skel.bss->nf_hook_slow_start = r->start;
		skel.bss->nf_hook_slow_end = r->end;
	}
	skel.bss->summary_tick = boot_seconds();
	int fd = bpf_map__fd(skel.maps.port_filter);
	for (uint16_t p : filter_.ports) {
		uint8_t one = 1;
		bpf_map_update_elem(fd, &p, &one, BPF_ANY);
	}
}

void DropsCollector::start(const std::vector<std::string>& kind_names, bool tolerate_unseeable, const std::string& tool)
{
	// Only the hooks the asked-for kinds need are probed, loaded and attached.
	std::vector<std::string> hooks;
	for (const auto& k : kind_names)
		for (const auto& h : hooks_for_kind(*parse_kind(k)))
			hooks.push_back(h);
	if (preload_)
		preload_->wait();
	SkeletonPtr<tcpdrops_bpf> opened = std::move(opened_);
	if (opened) // what each program needs from the kernel, from its instructions
		ladder_.set_program_helpers(helpers_by_program(opened->obj));
	ladder_.plan(features_, filter_.forced, hooks);
	startup_trace::mark("ladder planned (feature probes)");
	// The counters' first reading (a /proc walk for the netns, then each one's counters:
	// ~4 ms) needs nothing the load makes: taken beside it, on the other core.
	std::future<std::unique_ptr<SynDropMonitor>> early_monitor;
	std::future<std::unique_ptr<ListenOverflowAudit>> early_audit;
	if (syn_drop_monitor_wanted())
		early_monitor = std::async(std::launch::async, [this] { return new_syn_drop_monitor(); });
	else if (overflow_audit_wanted()) // the same reading, for what no hook reports
		early_audit = std::async(std::launch::async, [this] { return new_overflow_audit(); });
	skel_ = load_with_ladder<tcpdrops_bpf>(
	    std::move(opened), ladder_, [this](tcpdrops_bpf& s) { configure(s); },
	    [this](tcpdrops_bpf& s) { fill_loaded(s); }, links_);
	startup_trace::mark("loaded and attached");
	if (kallsyms_after_start_)
		features_.prefetch_kallsyms(false);
	if (!tolerate_unseeable)
		refuse_unseeable(kind_names, tool);
	// A demotion during the load may have changed syn-drop's rung: the early reading
	// serves only if the counters are still what sees it.
	auto early = early_monitor.valid() ? early_monitor.get() : nullptr;
	if (syn_drop_monitor_wanted())
		syn_monitor_ = early ? std::move(early) : new_syn_drop_monitor();
	// The same for the audit, whose baseline must come before the attach.
	auto audit = early_audit.valid() ? early_audit.get() : nullptr;
	if (overflow_audit_wanted())
		overflow_audit_ = audit ? std::move(audit) : new_overflow_audit();
	startup_trace::mark("syn-drop monitor");
}

// A kind asked for by name whose hook got no rung would be silence, not an answer.
void DropsCollector::refuse_unseeable(const std::vector<std::string>& kind_names, const std::string& tool) const
{
	for (const auto& k : kind_names) {
		std::string hook = hook_of_kind(*parse_kind(k));
		if (ladder_.chosen(hook))
			continue;
		std::string why;
		for (size_t i = 0; i < ladder_.hooks().size(); i++)
			if (ladder_.hooks()[i].name == hook)
				for (const auto& r : ladder_.state(i).rejected)
					why += (why.empty() ? "" : "; ") + r;
		throw Failure(k + " cannot be seen on this kernel (" + why + ")",
			      "`" + tool + " --probes` lists every hook and its rungs; drop " + k + " from --kinds");
	}
}

bool DropsCollector::syn_drop_monitor_wanted() const
{
	const RungSpec* rung = ladder_.chosen("syn-drop");
	// A tracing rung sees every SYN itself.
	return rung && wanted(TS_KIND_SYN_DROP) && (rung->rung == Rung::Iter || rung->rung == Rung::Counter);
}

bool DropsCollector::overflow_audit_wanted() const
{
	// The counter is per netns, both families, every port: a filter on family or port
	// would count the overflows it filtered out as unreported.
	return wanted(TS_KIND_LISTEN_OVERFLOW) && !syn_drop_monitor_wanted() && !filter_.family && filter_.ports.empty();
}

std::unique_ptr<ListenOverflowAudit> DropsCollector::new_overflow_audit()
{
	return std::make_unique<ListenOverflowAudit>(netns_dir_, filter_.netns);
}

void DropsCollector::detach()
{
	// The counters' last reading comes before the hooks go, and what they reported is
	// read after it (the ring drained, or the summary map), so every overflow counted
	// by then that a hook saw is in it; none counted after is taken for unreported.
	if (overflow_audit_)
		overflow_audit_->sample();
	if (syn_monitor_ && mode_ == CollectMode::Events) // for the tick after the last drain
		syn_monitor_->sample();
	links_.clear();
	detached_ = true;
}

std::vector<std::pair<uint32_t, uint64_t>> DropsCollector::unreported_listen_overflows()
{
	if (!overflow_audit_)
		return {};
	if (mode_ == CollectMode::Events) {
		std::map<uint32_t, uint64_t> seen = overflow_audit_->noted();
		for (const auto& [ns, n] : ring_lost_overflows())
			seen[ns] += n;
		return overflow_audit_->unreported(seen);
	}
	// Counts: the counters first, then the map that holds what the hooks reported (the
	// summary is updated in the same softirq that counts the overflow).
	if (!detached_)
		overflow_audit_->sample();
	return unreported_in(all_counts());
}

std::vector<std::pair<uint32_t, uint64_t>> DropsCollector::unreported_in(const std::vector<SummaryRow>& all)
{
	std::map<uint32_t, uint64_t> reported;
	for (const auto& r : all)
		if (counted_as_listen_overflow(r.kind, r.sub))
			reported[r.netns] += r.count;
	return overflow_audit_->unreported(reported);
}

DropsCollection DropsCollector::collect()
{
	// Every counter before the one read of the map: see unreported_listen_overflows()
	// and tick_syn_drops().
	if (syn_monitor_) {
		load_listener_snapshot();
		syn_monitor_->sample();
	}
	if (overflow_audit_ && !detached_)
		overflow_audit_->sample();
	DropsCollection c;
	std::vector<SummaryRow> all = all_counts();
	if (syn_monitor_)
		c.syn_drops = split_syn_drops_with(&all);
	if (overflow_audit_)
		c.unreported = unreported_in(all);
	c.rows = wanted_rows(std::move(all));
	return c;
}

std::unique_ptr<SynDropMonitor> DropsCollector::new_syn_drop_monitor()
{
	// Counters are sampled from now; the listener snapshot comes with the first tick.
	return std::make_unique<SynDropMonitor>(netns_dir_, nullptr, filter_.netns);
}

// The iter/tcp snapshot that names full listeners, loaded after "ready" (on the first
// tick, before the first observation is reported): --check and --probes load it at once.
void DropsCollector::load_listener_snapshot()
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

bool DropsCollector::port_wanted(uint16_t port) const
{
	return filter_.ports.empty() ||
	       std::find(filter_.ports.begin(), filter_.ports.end(), port) != filter_.ports.end();
}

uint8_t DropsCollector::source_of_kind(uint8_t kind) const
{
	if (kind == TS_KIND_SYN_DROP && syn_monitor_)
		return TS_SRC_COUNTER;
	return source_of(ladder_.chosen(hook_of_kind(kind)));
}

bpf_map* DropsCollector::events_map() const { return skel_->maps.events; }
bpf_map* DropsCollector::lost_map() const { return skel_->maps.lost; }
const bpf_object* DropsCollector::programs() const { return skel_->obj; }
int DropsCollector::lost_by_cause_fd() const { return bpf_map__fd(skel_->maps.lost_by_cause); }

std::vector<SummaryRow> DropsCollector::all_counts()
{
	int fd = bpf_map__fd(skel_->maps.summary);
	uint32_t now_s = note_summary_tick();
	auto entries = read_summary_map(fd);
	if (entries.size() > kEvictAbove) {
		// Idle keys leave the kernel's map with their counts, atomically (lookup and
		// delete, 5.14+); an increment racing the delete of a key idle for 10 minutes
		// is the only thing that can be lost.
		for (auto& [k, v] : entries) {
			if (v.last_tick + kIdleEvictS > now_s)
				continue;
			ts_agg_val last;
			if (bpf_map_lookup_and_delete_elem(fd, &k, &last) != 0)
				continue; // older kernels: keep the key
			SummaryRow& t = evicted_[std::string((const char*)&k, sizeof(k))];
			SummaryRow r = summary_row_of(k, last);
			r.count += t.count;
			r.sum_ns += t.sum_ns;
			t = r;
			v.count = 0; // now counted in evicted_
		}
	}
	// kfree_skb's hot slots hold counts the summary never had (none move between them):
	// merged after the eviction above, which empties only what it took from the summary.
	auto hot = read_hot_slots(bpf_map__fd(skel_->maps.hot_slots));
	entries.insert(entries.end(), hot.begin(), hot.end());
	std::map<std::string, SummaryRow> merged = evicted_;
	for (const auto& [k, v] : entries) {
		if (!v.count)
			continue;
		SummaryRow r = summary_row_of(k, v);
		auto [it, fresh] = merged.emplace(std::string((const char*)&k, sizeof(k)), r);
		if (!fresh) { // re-created after eviction, or a hot slot's: counts on top of the total
			it->second.count += r.count;
			it->second.sum_ns += r.sum_ns;
			if (r.has_queues) // the latest queue numbers (a hot slot's kinds have none)
				it->second.q = r.q;
		}
	}
	std::vector<SummaryRow> rows;
	for (auto& [bytes, r] : merged) {
		r.source = source_of_kind(r.kind);
		rows.push_back(r);
	}
	return rows;
}

std::vector<SummaryRow> DropsCollector::counts() { return wanted_rows(all_counts()); }

std::vector<SummaryRow> DropsCollector::wanted_rows(std::vector<SummaryRow> all) const
{
	std::vector<SummaryRow> rows;
	for (auto& r : all)
		if (wanted(r.kind)) // others are kept in the kernel only for the syn-drop monitor
			rows.push_back(std::move(r));
	return rows;
}

uint32_t DropsCollector::note_summary_tick()
{
	uint32_t now_s = boot_seconds();
	__atomic_store_n(&skel_->bss->summary_tick, now_s, __ATOMIC_RELAXED);
	return now_s;
}

void DropsCollector::refresh_fold_ranges(KnobCache& knobs)
{
	note_summary_tick();
	int fd = bpf_map__fd(skel_->maps.fold_ranges);
	bool changed = false;
	auto put = [&](uint32_t key, const std::optional<NetnsKnobs>& k) {
		if (!k || !k->port_range_low || !k->port_range_high)
			return;
		ts_fold_range r{(uint16_t)*k->port_range_low, (uint16_t)*k->port_range_high};
		auto [it, fresh] = fold_written_.try_emplace(key, r);
		if (!fresh && it->second.low == r.low && it->second.high == r.high)
			return;
		if (bpf_map_update_elem(fd, &key, &r, BPF_ANY) != 0) { // full (4,096 netns): the default serves
			fold_written_.erase(it);
			return;
		}
		it->second = r;
		changed = true;
	};
	if (!fold_default_set_) {
		put(0, read_current_netns_knobs());
		fold_default_set_ = true;
	}
	for (uint32_t ns : netns_dir_.inodes())
		if (!filter_.netns || *filter_.netns == ns)
			put(ns, knobs.get(ns));
	if (!changed)
		return;
	// The programs' per-CPU copies of the ranges are stale now.
	__atomic_add_fetch(&skel_->bss->fold_ranges_gen, 1, __ATOMIC_RELEASE);
	// Ports below every range skip the lookup. Written after the ranges: a drop in
	// between that misses the kernel's fold is folded by fold_ephemeral() instead.
	uint32_t min_low = 65536; // no range: nothing to fold
	for (const auto& [ns, r] : fold_written_)
		min_low = std::min<uint32_t>(min_low, r.low);
	__atomic_store_n(&skel_->bss->fold_min_low, min_low, __ATOMIC_RELEASE);
}

void DropsCollector::note_event(const ts_event& e)
{
	if (overflow_audit_)
		overflow_audit_->note(e);
	if (!syn_monitor_)
		return;
	if (e.kind == TS_KIND_LISTEN_OVERFLOW)
		ack_overflows_[e.netns]++;
	if (e.kind == TS_KIND_LISTEN_OVERFLOW || e.kind == TS_KIND_SYNACK_RETRANS) {
		auto& ports = recent_ports_[e.netns]; // a few listeners a tick, even in a storm
		if (std::find(ports.begin(), ports.end(), e.t.lport) == ports.end() && ports.size() < 64)
			ports.push_back(e.t.lport);
	}
}

std::map<uint32_t, uint64_t> DropsCollector::ring_lost_overflows() const
{
	std::map<uint32_t, uint64_t> lost;
	for (const auto& [k, n] : per_cpu_totals<ts_agg_key>(lost_by_cause_fd()))
		if (counted_as_listen_overflow(k.kind, k.sub))
			lost[k.netns] += n;
	return lost;
}

std::vector<SynDropObservation> DropsCollector::tick_syn_drops()
{
	if (!syn_monitor_)
		return {};
	load_listener_snapshot();
	if (mode_ == CollectMode::Events)
		return split_syn_drops_with(nullptr);
	// No events in this mode: the map holds the cumulative final-ACK overflows, read
	// after the counters (see SynDropMonitor::sample).
	syn_monitor_->sample();
	std::vector<SummaryRow> all = all_counts();
	return split_syn_drops_with(&all);
}

std::vector<SynDropObservation> DropsCollector::split_syn_drops_with(const std::vector<SummaryRow>* all)
{
	if (all) {
		ack_overflows_.clear();
		for (const auto& r : *all)
			if (r.kind == TS_KIND_LISTEN_OVERFLOW) {
				ack_overflows_[r.netns] += r.count;
				recent_ports_[r.netns].push_back(r.lport);
			}
	}
	std::map<uint32_t, uint64_t> final_acks = ack_overflows_;
	if (!all)
		for (const auto& [ns, n] : ring_lost_overflows())
			final_acks[ns] += n;
	auto obs = syn_monitor_->tick(final_acks, recent_ports_);
	// Events mode: an overflow's event can still be in the ring when the counters are
	// read (and would be taken for a SYN drop too), so a reading is split with the
	// events noted by the next tick; the last one, taken at detach, after the last drain.
	if (mode_ == CollectMode::Events && !detached_)
		syn_monitor_->sample();
	recent_ports_.clear();
	std::vector<SynDropObservation> kept;
	for (const auto& ob : obs) {
		if (ob.lport && !port_wanted(ob.lport))
			continue;
		if (filter_.family && ob.family && ob.family != filter_.family)
			continue;
		kept.push_back(ob);
	}
	return kept;
}

} // namespace tcpsight

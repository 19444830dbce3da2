#include "collect/port_collector.h"

#include <numeric>
#include <set>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <cstring>

#include "core/failure.h"
#include "core/ladder_loader.h"
#include "core/map_sizing.h"
#include "core/map_entries.h"
#include "core/net_counters.h"
#include "core/program_needs.h"
#include "portcontend.skel.h"
#include "portcontend/hooks.h"

namespace tcpsight {

// TCP states (include/net/tcp_states.h): the sockets that hold a local port.
constexpr uint8_t kEstablished = 1, kSynSent = 2, kTimeWait = 6;
constexpr uint32_t kHeldStates = (1u << kEstablished) | (1u << kSynSent) | (1u << kTimeWait);

std::pair<uint8_t, std::array<uint8_t, 16>> parse_daddr(const std::string& s)
{
	std::array<uint8_t, 16> bytes{};
	if (inet_pton(AF_INET, s.c_str(), bytes.data()) == 1)
		return {AF_INET, bytes};
	if (inet_pton(AF_INET6, s.c_str(), bytes.data()) == 1)
		return {AF_INET6, bytes};
	throw UsageError("'" + s + "' is not an IPv4 or IPv6 address", "give --daddr as 10.0.0.2 or fd00::2");
}

std::string dest_id(uint8_t family, const uint8_t addr[16], uint16_t port)
{
	return std::string((const char*)addr, family == AF_INET ? 4 : 16) + ":" + std::to_string(port);
}

PortCollector::PortCollector(KernelFeatures& features, NetnsDirectory& netns_dir, PortFilter filter, CollectMode mode)
    : features_(features), netns_dir_(netns_dir), filter_(std::move(filter)), mode_(mode), ladder_(portcontend_hooks()),
      opened_(portcontend_bpf::open())
{
	if (opened_)
		preload_ = std::make_unique<KernelBtfPreload>(opened_->obj, "connect_state__tracepoint");
}

PortCollector::~PortCollector() = default;

void PortCollector::configure(portcontend_bpf& skel)
{
	// Before each load: connect()'s return ends the search only on the tracepoint rung.
	const RungSpec* search = ladder_.chosen("port-search");
	bool search_on_tracepoint = search && search->rung == Rung::Tracepoint;
	if (search_on_tracepoint)
		ladder_.plan_hook("connect-return");
	auto* ro = skel.rodata;
	ro->filter_netns = filter_.netns.value_or(0);
	ro->filter_family = filter_.daddr ? filter_.daddr->first : filter_.family;
	ro->filter_dport = filter_.dport;
	ro->filter_pid = filter_.pid;
	if (filter_.daddr) {
		ro->filter_daddr_on = 1;
		std::memcpy((void*)ro->filter_daddr, filter_.daddr->second.data(), 16);
	}
	ro->emit_events = mode_ == CollectMode::Events;
	ro->aggregate = mode_ == CollectMode::Counts;
	int nargs = features_.func_arg_count("__inet_check_established");
	ro->check_est_nargs = nargs > 0 ? (uint8_t)nargs : 4;
	fill_fexit_nargs(features_, ladder_, kPortcontendFexitTargets, kPortcontendFexitTargetCount, ro->fexit_nargs);
	// Maps of the rungs and mode not in use are created at their smallest
	// (bpf/portcontend.bpf.c): the fentry and kprobe rungs follow a search in
	// `inflight`, the tracepoint rung a pending connect in `pending_connects`.
	bool counts = mode_ == CollectMode::Counts;
	shrink_unless_used(skel.maps.inflight, search && !search_on_tracepoint);
	shrink_unless_used(skel.maps.pending_connects, search_on_tracepoint);
	shrink_unless_used(skel.maps.dest_summary, counts);
	shrink_unless_used(skel.maps.events, !counts);
}

void PortCollector::start()
{
	if (preload_)
		preload_->wait();
	SkeletonPtr<portcontend_bpf> opened = std::move(opened_);
	if (opened) // what each program needs from the kernel, from its instructions
		ladder_.set_program_helpers(helpers_by_program(opened->obj));
	ladder_.plan(features_, filter_.forced, {"port-search", "port-census", "tw-recycled"});
	skel_ = load_with_ladder<portcontend_bpf>(std::move(opened), ladder_,
						  [this](portcontend_bpf& s) { configure(s); }, links_);
	if (ladder_.chosen("port-census") && mode_ == CollectMode::Counts) {
		try {
			snapshot_ = std::make_unique<SocketSnapshot>(kHeldStates);
		} catch (const Failure& f) {
			ladder_.demote_hook("port-census", f.what());
		}
	}
}

bpf_map* PortCollector::events_map() const { return skel_->maps.events; }
bpf_map* PortCollector::lost_map() const { return skel_->maps.lost; }
const bpf_object* PortCollector::programs() const { return skel_->obj; }

DestCounts PortCollector::counts() const
{
	DestCounts counts = map_entries<pc_dest_key, pc_dest_val>(bpf_map__fd(skel_->maps.dest_summary));
	// The programs leave out what follows from the other counts (a locked add each
	// per connect() saved): every connect ends in one outcome, every timed search in
	// one histogram bucket.
	for (auto& [key, v] : counts) {
		v.connects = v.ok + v.eaddrnotavail + v.other_err;
		v.searches = std::accumulate(std::begin(v.search_hist), std::end(v.search_hist), uint64_t{0});
	}
	return counts;
}

HeldByDest PortCollector::census(uint32_t netns, KnobCache& knobs) const
{
	HeldByDest held;
	auto path = netns_dir_.path_for(netns);
	if (!snapshot_ || !path)
		return held;
	auto k = knobs.get(netns);
	int64_t low = k && k->port_range_low ? *k->port_range_low : -1;
	// A connection's 4-tuple names one socket, but before 5.15 the TCP iterator resumes
	// each read() at a bucket offset, so a socket leaving the bucket meanwhile (a TIME_WAIT
	// expiring) can make it list another one twice: the 5.10 guests' census once counted 2
	// TIME_WAIT sockets more than `ss`. Each tuple is counted once.
	std::set<std::string> seen;
	for (const auto& s : snapshot_->read(*path)) {
		std::string tuple((const char*)&s.t, sizeof(s.t));
		if (!seen.insert(std::move(tuple)).second)
			continue;
		// A closed connection whose peer never sent its FIN (FIN_WAIT2 when it was
		// closed) becomes a timewait sock too, substate FIN_WAIT2: it holds the port but
		// is not TIME_WAIT (nor to `ss`, which shows its substate). Like the other closing
		// states, it is not counted: the census once had one more TIME_WAIT than `ss`.
		if (s.t.state == kTimeWait && s.tw_substate != 0 && s.tw_substate != kTimeWait)
			continue;
		auto& h = held[dest_id(s.t.family, s.t.raddr, s.t.rport)];
		if (s.t.state != kTimeWait) { // ESTABLISHED / SYN_SENT
			h.est++;
			continue;
		}
		h.tw++;
		// In connect()'s first half: the range's low end's parity, inside the range.
		if (low >= 0 && k->port_range_high && s.t.lport >= low && s.t.lport <= *k->port_range_high &&
		    (s.t.lport & 1) == (low & 1))
			h.tw_first++;
	}
	return held;
}

std::optional<uint64_t> PortCollector::tw_recycled(uint32_t netns) const
{
	auto c = read_in_netns(netns_dir_, netns, read_current_netns_counters);
	if (!c)
		return std::nullopt;
	return (*c)["TcpExt.TWRecycled"];
}

} // namespace tcpsight

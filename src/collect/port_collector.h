// What portcontend counts, independent of how it is shown: connect()'s port search,
// TIME_WAIT decisions and EADDRNOTAVAIL per destination (cumulative, from the in-kernel
// dest_summary map, or one event each through the ring), plus the census of ports held
// toward each destination. `portcontend`, `portcontend -i` and `tcpsight-exporter` are
// presentations of this one collector.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collect/drops_collector.h" // CollectMode
#include "core/attach_ladder.h"
#include "core/bpf_handles.h"
#include "core/kernel_btf_preload.h"
#include "core/kernel_features.h"
#include "core/netns.h"
#include "core/netns_knobs.h"
#include "core/socket_snapshot.h"
#include "shared/portcontend_events.h"

struct portcontend_bpf;

namespace tcpsight {

struct PortFilter {
	std::optional<uint32_t> netns;
	uint8_t family = 0;
	uint16_t dport = 0;
	std::optional<std::pair<uint8_t, std::array<uint8_t, 16>>> daddr; // family, bytes
	uint32_t pid = 0;
	std::optional<Rung> forced;
};

// Throws UsageError for anything but an IPv4 or IPv6 address.
std::pair<uint8_t, std::array<uint8_t, 16>> parse_daddr(const std::string& s);

using DestCounts = std::vector<std::pair<pc_dest_key, pc_dest_val>>;

// Sockets holding a local port toward one destination, now.
struct HeldPorts {
	uint64_t tw = 0, est = 0;
	// TIME_WAIT on the ports connect() tries first: since 4.6 (1580ab63fc9a) it scans
	// the ports with ip_local_port_range's low end's parity before the others.
	uint64_t tw_first = 0;
};
// Keyed by dest_id(family, daddr, dport).
using HeldByDest = std::map<std::string, HeldPorts>;
std::string dest_id(uint8_t family, const uint8_t addr[16], uint16_t port);

class PortCollector {
public:
	// Opens the BPF object and starts libbpf's parse of the kernel's BTF (see DropsCollector).
	PortCollector(KernelFeatures& features, NetnsDirectory& netns_dir, PortFilter filter, CollectMode mode);
	~PortCollector();

	void start(); // plans, loads and attaches; the census snapshot in counts mode

	AttachLadder& ladder() { return ladder_; }
	const AttachLadder& ladder() const { return ladder_; }
	uint8_t search_source() const { return source_of(ladder_.chosen("port-search")); }
	bpf_map* events_map() const;
	bpf_map* lost_map() const;
	const bpf_object* programs() const; // for the runs the kernel skipped (LostCounts::missed)

	// Counts mode: every destination since start, cumulative.
	DestCounts counts() const;
	// Ports held per destination in `netns` now (empty without the census rung).
	bool has_census() const { return snapshot_ != nullptr; }
	HeldByDest census(uint32_t netns, KnobCache& knobs) const;
	// TcpExt.TWRecycled of `netns` (cumulative; nullopt when the netns is gone).
	std::optional<uint64_t> tw_recycled(uint32_t netns) const;

	void detach() { links_.clear(); }

private:
	void configure(portcontend_bpf& skel);

	KernelFeatures& features_;
	NetnsDirectory& netns_dir_;
	PortFilter filter_;
	CollectMode mode_;
	AttachLadder ladder_;
	SkeletonPtr<portcontend_bpf> opened_; // opened by the constructor, loaded by start()
	std::unique_ptr<KernelBtfPreload> preload_;
	SkeletonPtr<portcontend_bpf> skel_;
	std::vector<LinkPtr> links_;
	std::unique_ptr<SocketSnapshot> snapshot_;
};

} // namespace tcpsight

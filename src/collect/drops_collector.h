// What tcpdrops counts, independent of how it is shown: plan the hooks the asked-for
// kinds need, load and attach them through the ladder, and hand out the kernel's
// counts (cumulative, from the in-kernel summary map) or its events (the ring).
// `tcpdrops`, `tcpdrops -i` and `tcpsight-exporter` are presentations of this one
// collector; none of them loads, attaches or counts on its own.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/attach_ladder.h"
#include "core/bpf_handles.h"
#include "core/kernel_btf_preload.h"
#include "core/kernel_features.h"
#include "core/netns.h"
#include "core/netns_knobs.h"
#include "collect/overflow_audit.h"
#include "core/socket_snapshot.h"
#include "decode/event_decoder.h"
#include "shared/events.h"
#include "tcpdrops/syn_drop_monitor.h"

struct tcpdrops_bpf;
struct bpf_map;

namespace tcpsight {

struct DropsFilter {
	std::optional<uint32_t> netns;
	uint8_t family = 0; // 0, AF_INET or AF_INET6
	std::vector<uint16_t> ports; // local or remote; empty = all
	uint32_t kinds_mask = ~0u;   // 1 << TS_KIND_*
	bool all_reasons = false;    // include kfree_skb NOT_SPECIFIED drops
	unsigned accept_wait_ms = 100; // slow-accept threshold (events)
	std::optional<Rung> forced;
};

// One collection of counts (a scrape, a tick): the kernel's counters read first, then
// the summary map once, so the rows and what is split or audited against the counters
// are of one moment.
struct DropsCollection {
	std::vector<SummaryRow> rows;                             // as counts()
	std::vector<SynDropObservation> syn_drops;                // as tick_syn_drops()
	std::vector<std::pair<uint32_t, uint64_t>> unreported;    // as unreported_listen_overflows()
};

// Events: one record per drop through the ring. Counts: the kernel adds into the
// summary map and nothing crosses the ring.
enum class CollectMode { Events, Counts };

uint32_t kinds_mask_of(const std::vector<std::string>& kinds); // throws UsageError

class DropsCollector {
public:
	// Opens the BPF object and starts libbpf's parse of the kernel's BTF: construct it
	// before parsing the BTF for the ladder (KernelFeatures::vmlinux_btf), and both run at once.
	DropsCollector(KernelFeatures& features, NetnsDirectory& netns_dir, DropsFilter filter, CollectMode mode);
	~DropsCollector();

	// Plans, loads and attaches what the wanted kinds need; throws Failure when a kind
	// asked for by name cannot be seen (unless `tolerate_unseeable`, for --probes);
	// `tool` names the command whose --probes the hint points at.
	void start(const std::vector<std::string>& kind_names, bool tolerate_unseeable, const std::string& tool);
	// The iter/tcp snapshot naming full listeners: deferred until after "ready".
	void load_listener_snapshot();

	AttachLadder& ladder() { return ladder_; }
	const AttachLadder& ladder() const { return ladder_; }
	const DropsFilter& filter() const { return filter_; }
	bool wanted(uint8_t kind) const { return filter_.kinds_mask & (1u << kind); }
	bool port_wanted(uint16_t port) const;
	uint8_t source_of_kind(uint8_t kind) const;

	bpf_map* events_map() const;
	bpf_map* lost_map() const;
	const bpf_object* programs() const; // for the runs the kernel skipped (LostCounts::missed)
	int lost_by_cause_fd() const;
	const SocketSnapshot* listener_snapshot() const { return snapshot_.get(); }

	// Counts mode: every key the kernel counted since start, cumulative, with its source.
	// Keys idle for kIdleEvictS are moved out of the kernel's map into totals kept
	// here once the map is half full, so counts stay monotonic however long it runs.
	std::vector<SummaryRow> counts();
	// Counts mode, once a tick: each known netns's ephemeral range into the kernel's
	// fold_ranges, so client ports fold there (key 0: the default, our own netns).
	void refresh_fold_ranges(KnobCache& knobs);
	static constexpr uint32_t kIdleEvictS = 600; // 10 min
	static constexpr size_t kEvictAbove = 8192;                      // of 16,384 keys
	// Events mode: what the syn-drop monitor needs from each event.
	void note_event(const ts_event& e);
	// Once a second: SYN drops the counters show since the previous tick, by cause and
	// listener, filtered like the events (empty when syn-drop has a tracing rung).
	std::vector<SynDropObservation> tick_syn_drops();

	// Per netns, the listen overflows the kernel counted that no hook reported,
	// cumulative (empty when the syn-drop monitor splits the counter, or a family or
	// port filter leaves the counter nothing to compare with). Events mode: once the
	// ring is drained after detach(); Counts mode: at any time (after detach(), as of it).
	std::vector<std::pair<uint32_t, uint64_t>> unreported_listen_overflows();

	// Counts mode: all three above from one reading of the counters and of the map.
	DropsCollection collect();

	void detach();

private:
	void configure(tcpdrops_bpf& skel);
	void shrink_unused_maps(tcpdrops_bpf& skel) const;
	void fill_loaded(tcpdrops_bpf& skel);
	static constexpr const char* kNfHookSlow = "nf_hook_slow"; // conntrack's NF_DROPs are freed there
	void refuse_unseeable(const std::vector<std::string>& kind_names, const std::string& tool) const;
	bool syn_drop_monitor_wanted() const;
	bool overflow_audit_wanted() const;
	std::unique_ptr<SynDropMonitor> new_syn_drop_monitor();
	std::unique_ptr<ListenOverflowAudit> new_overflow_audit();
	std::vector<SummaryRow> all_counts(); // every kind, evicted totals merged
	std::vector<SummaryRow> wanted_rows(std::vector<SummaryRow> all) const;
	// The syn-drop monitor's tick, the final-ACK overflows from `all` (Counts) or from
	// the events noted (Events: null).
	std::vector<SynDropObservation> split_syn_drops_with(const std::vector<SummaryRow>* all);
	std::vector<std::pair<uint32_t, uint64_t>> unreported_in(const std::vector<SummaryRow>& all);
	uint32_t note_summary_tick();         // boot seconds into the kernel's summary_tick
	// Events mode, per netns, cumulative: listen overflows a hook saw whose event the
	// ring could not take (the kernel's lost_by_cause). They are counted as lost, so
	// neither the audit (unreported) nor the syn-drop monitor (refused SYNs) counts
	// them again. A loss lost_by_cause had no room for still counts in both.
	std::map<uint32_t, uint64_t> ring_lost_overflows() const;

	KernelFeatures& features_;
	NetnsDirectory& netns_dir_;
	DropsFilter filter_;
	CollectMode mode_;
	AttachLadder ladder_;
	SkeletonPtr<tcpdrops_bpf> opened_; // opened by the constructor, loaded by start()
	std::unique_ptr<KernelBtfPreload> preload_;
	bool kallsyms_after_start_ = false; // the range was in the boot cache
	SkeletonPtr<tcpdrops_bpf> skel_;
	std::vector<LinkPtr> links_;
	std::unique_ptr<SocketSnapshot> snapshot_;
	bool snapshot_tried_ = false;
	std::unique_ptr<SynDropMonitor> syn_monitor_;
	std::unique_ptr<ListenOverflowAudit> overflow_audit_;
	bool detached_ = false;
	// Counts of keys moved out of the kernel's map (evicted when idle), by key bytes.
	std::map<std::string, SummaryRow> evicted_;
	bool fold_default_set_ = false;
	std::map<uint32_t, ts_fold_range> fold_written_; // what fold_ranges holds, by netns
	// Per netns: cumulative final-ACK overflows, listener ports named since the last tick.
	std::map<uint32_t, uint64_t> ack_overflows_;
	std::map<uint32_t, std::vector<uint16_t>> recent_ports_;
};

} // namespace tcpsight

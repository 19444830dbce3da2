// tcpsight-exporter's engine: both collectors in counts mode (the same in-kernel maps as
// `tcpdrops -i` and `portcontend -i`, never the event ring), turned into Prometheus
// families on its own cadence. A scrape only copies the last page: it never waits on
// the kernel, and the kernel never waits on a scrape.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "collect/drops_collector.h"
#include "collect/port_collector.h"
#include "core/btf_enums.h"
#include "core/kernel_features.h"
#include "core/netns.h"
#include "core/netns_knobs.h"
#include "core/socket_snapshot.h"
#include "decode/event_decoder.h"
#include "export/exposition.h"
#include "export/series_cap.h"
#include "owners/listener_owners.h"

namespace tcpsight {

struct ExporterOptions {
	std::vector<std::string> kinds; // tcpdrops kinds; empty = all
	std::optional<uint32_t> netns;
	std::vector<uint16_t> ports;
	size_t max_series = 2000; // per family; 0 = no cap
	std::optional<Rung> forced;
};

// Every family the exporter serves, empty (names, help, types, buckets).
std::vector<MetricFamily> exporter_families();

// The page as last collected, in both formats.
struct MetricsPage {
	std::string text, openmetrics;
	std::chrono::steady_clock::time_point at;
};

class Exporter {
public:
	explicit Exporter(ExporterOptions o);
	~Exporter();

	void start(); // loads and attaches both collectors (throws Failure)
	const DropsCollector& drops() const { return *drops_; }
	const PortCollector& ports() const { return *ports_; }

	// Reads the kernel, the netns gauges and the owners; publishes a new page.
	void collect();
	std::shared_ptr<const MetricsPage> page() const;

private:
	struct Gathered;
	void drop_families(Gathered& g);
	void port_families(Gathered& g);
	void listener_gauges(Gathered& g, const std::vector<uint32_t>& netns_list);
	void netns_gauges(Gathered& g, const std::vector<uint32_t>& netns_list);
	void self_families(Gathered& g, double collect_seconds);
	std::string process_of_listener(uint32_t netns, uint16_t port);
	std::vector<uint32_t> watched_netns();

	ExporterOptions o_;
	KernelFeatures features_;
	NetnsDirectory netns_dir_;
	KnobCache knobs_{netns_dir_};
	std::unique_ptr<EnumNames> names_;
	DecodeContext ctx_;
	std::unique_ptr<DropsCollector> drops_;
	std::unique_ptr<PortCollector> ports_;
	const SocketSnapshot* listeners_ = nullptr; // drops_'s or own_listeners_
	std::unique_ptr<SocketSnapshot> own_listeners_;
	ListenerOwners owners_{netns_dir_};
	SeriesCap cap_;
	// SYN drops the counters showed, by (netns, port, cause): the monitor reports
	// deltas, the exporter keeps the running total.
	std::map<std::tuple<uint32_t, uint16_t, uint8_t>, uint64_t> syn_drop_totals_;
	double last_collect_s_ = 0;

	mutable std::mutex page_mu_;
	std::shared_ptr<const MetricsPage> page_;
};

} // namespace tcpsight

// Each watched netns's SNMP counters, read together, against a baseline: what the
// monitors that split or audit the kernel's counters (the syn-drop monitor, the
// listen-overflow audit) compare their hooks' reports with. One discovery of the netns
// and one reading per sample, for both.
#pragma once
#include <cstdint>
#include <map>
#include <optional>

#include "core/net_counters.h"
#include "core/netns.h"

namespace tcpsight {

class CounterSampler {
public:
	// Reads each watched netns's counters: the baseline. A netns found later starts
	// from 0, as its counters do; one that could not be read now is never sampled (its
	// history since boot is not ours to report).
	CounterSampler(NetnsDirectory& dir, std::optional<uint32_t> only);

	// Reads every sampled netns; every 10th call first walks /proc for new ones
	// (containers come and go).
	void sample();
	// Per netns, the counters read by the last sample (a netns gone or not enterable
	// then is missing).
	const std::map<uint32_t, CounterMap>& latest() const { return latest_; }
	// The baseline of a netns in latest(): empty (all 0) for one found after the start.
	const CounterMap& base(uint32_t ns) const;
	// now - base of one counter, 0 if it went backwards.
	uint64_t since_base(uint32_t ns, const CounterMap& now, const char* key) const;

private:
	NetnsDirectory& dir_;
	std::optional<uint32_t> only_;
	unsigned samples_ = 0;
	std::map<uint32_t, std::optional<CounterMap>> base_; // nullopt: unreadable at the baseline
	std::map<uint32_t, CounterMap> latest_;
};

// now - base of one counter (absent: 0), 0 if it went backwards.
uint64_t counter_delta(const CounterMap& base, const CounterMap& now, const char* key);

} // namespace tcpsight

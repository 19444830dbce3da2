// The knobs a root-cause hint names, read from the netns the event happened in.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/netns.h"

namespace tcpsight {

struct NetnsKnobs {
	std::optional<int64_t> somaxconn;
	std::optional<int64_t> tcp_max_syn_backlog;
	std::optional<int64_t> tcp_syncookies;
	std::optional<int64_t> tcp_abort_on_overflow;
	std::optional<int64_t> tcp_tw_reuse;
	std::optional<int64_t> tcp_timestamps;
	std::optional<int64_t> tcp_synack_retries;
	std::optional<int64_t> nf_conntrack_max;   // global, readable from any netns
	std::optional<int64_t> nf_conntrack_count; // this netns's table
	std::optional<int64_t> port_range_low, port_range_high;
};

// Reads the calling thread's netns.
NetnsKnobs read_current_netns_knobs();

// Knobs per netns inode, re-read at most once per `ttl`.
class KnobCache {
public:
	explicit KnobCache(NetnsDirectory& dir, std::chrono::milliseconds ttl = std::chrono::milliseconds(1000))
	    : dir_(dir), ttl_(ttl) {}
	// nullopt when the netns has gone away.
	std::optional<NetnsKnobs> get(uint32_t netns);

private:
	struct Entry {
		NetnsKnobs knobs;
		std::chrono::steady_clock::time_point read_at;
	};
	NetnsDirectory& dir_;
	std::chrono::milliseconds ttl_;
	std::map<uint32_t, Entry> cache_;
};

} // namespace tcpsight

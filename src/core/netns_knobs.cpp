#include "core/netns_knobs.h"

#include <sstream>

namespace tcpsight {

static std::optional<int64_t> read_int(const char* path)
{
	auto t = read_text_file(path);
	if (!t)
		return std::nullopt;
	std::istringstream in(*t);
	int64_t v;
	if (!(in >> v))
		return std::nullopt;
	return v;
}

NetnsKnobs read_current_netns_knobs()
{
	NetnsKnobs k;
	k.somaxconn = read_int("/proc/sys/net/core/somaxconn");
	k.tcp_max_syn_backlog = read_int("/proc/sys/net/ipv4/tcp_max_syn_backlog");
	k.tcp_syncookies = read_int("/proc/sys/net/ipv4/tcp_syncookies");
	k.tcp_abort_on_overflow = read_int("/proc/sys/net/ipv4/tcp_abort_on_overflow");
	k.tcp_tw_reuse = read_int("/proc/sys/net/ipv4/tcp_tw_reuse");
	k.tcp_timestamps = read_int("/proc/sys/net/ipv4/tcp_timestamps");
	k.tcp_synack_retries = read_int("/proc/sys/net/ipv4/tcp_synack_retries");
	k.nf_conntrack_max = read_int("/proc/sys/net/netfilter/nf_conntrack_max");
	k.nf_conntrack_count = read_int("/proc/sys/net/netfilter/nf_conntrack_count");
	if (auto t = read_text_file("/proc/sys/net/ipv4/ip_local_port_range")) {
		std::istringstream in(*t);
		int64_t lo, hi;
		if (in >> lo >> hi) {
			k.port_range_low = lo;
			k.port_range_high = hi;
		}
	}
	return k;
}

std::optional<NetnsKnobs> KnobCache::get(uint32_t netns)
{
	auto now = std::chrono::steady_clock::now();
	auto it = cache_.find(netns);
	if (it != cache_.end() && now - it->second.read_at < ttl_)
		return it->second.knobs;
	auto knobs = read_in_netns(dir_, netns, read_current_netns_knobs);
	if (knobs)
		cache_[netns] = Entry{*knobs, now};
	return knobs;
}

} // namespace tcpsight

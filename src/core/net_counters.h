// The kernel's own per-netns counters: /proc/net/netstat and /proc/net/snmp (what nstat
// shows) and /proc/net/stat/nf_conntrack. They are the honest fallback where no hook
// sees an event (a SYN refused by tcp_conn_request never reaches kfree_skb).
#pragma once
#include <cstdint>
#include <map>
#include <string>

namespace tcpsight {

// "TcpExt.ListenDrops" -> value
using CounterMap = std::map<std::string, uint64_t>;

// Header/value line pairs ("TcpExt: A B" / "TcpExt: 1 2").
CounterMap parse_snmp_text(const std::string& text);
// /proc/net/stat/nf_conntrack: one hex row per CPU, summed per column ("entries" is per
// netns and repeated on every row, so it is taken once).
CounterMap parse_conntrack_stat(const std::string& text);

// Reads netstat, snmp and conntrack stats of the calling thread's netns.
CounterMap read_current_netns_counters();

} // namespace tcpsight

#include "hints/hints.h"

#include <map>

namespace tcpsight {
namespace {

std::string now(const std::optional<NetnsKnobs>& k, std::optional<int64_t> NetnsKnobs::*field)
{
	if (!k || !((*k).*field))
		return "?";
	return std::to_string(*((*k).*field));
}

std::string port(uint16_t p) { return p ? ":" + std::to_string(p) : "the listener"; }

std::string frac(uint32_t a, uint32_t b) { return std::to_string(a) + "/" + std::to_string(b); }

std::string backlog_knobs(const HintInput& in, const std::optional<NetnsKnobs>& k)
{
	std::string backlog = in.has_queues ? std::to_string(in.q.accept_queue_max) : "?";
	return "raise the listen backlog (now " + backlog + ") and net.core.somaxconn (now " +
	       now(k, &NetnsKnobs::somaxconn) + ")";
}

std::string listen_overflow(const HintInput& in, const std::optional<NetnsKnobs>& k)
{
	std::string q = in.has_queues ? " (" + frac(in.q.accept_queue, in.q.accept_queue_max) + ")" : "";
	std::string abort = in.has_queues ? std::to_string(in.q.abort_on_overflow) : now(k, &NetnsKnobs::tcp_abort_on_overflow);
	return "accept queue of " + port(in.lport) + " full" + q + ": the application accepts too slowly; " +
	       backlog_knobs(in, k) + " or add workers; tcp_abort_on_overflow=" + abort +
	       (abort == "1" ? " (clients get a RST)" : " (clients retry the ACK)");
}

std::string syn_drop(const HintInput& in, const std::optional<NetnsKnobs>& k)
{
	std::string synq = in.has_queues ? " (" + frac(in.q.syn_queue, in.q.syn_queue_max) + ")" : "";
	std::string accq = in.has_queues ? " (" + frac(in.q.accept_queue, in.q.accept_queue_max) + ")" : "";
	switch (in.sub) {
	case TS_SYN_QUEUE_FULL:
		return "SYN queue of " + port(in.lport) + " full" + synq + " with tcp_syncookies=" +
		       now(k, &NetnsKnobs::tcp_syncookies) + ": " + backlog_knobs(in, k) +
		       "; tcp_syncookies=1 answers an overflow with cookies instead of dropping";
	case TS_SYN_ACCEPT_FULL:
		return "accept queue of " + port(in.lport) + " full" + accq +
		       " so new SYNs are dropped: the application accepts too slowly; " + backlog_knobs(in, k);
	case TS_SYN_COOKIE_SENT:
		return "SYN queue of " + port(in.lport) + " overflowed" + synq +
		       "; answered with syncookies (not dropped, but TCP options are lost): " + backlog_knobs(in, k);
	case TS_SYN_LAST_QUARTER:
		return "SYN queue past 3/4 of net.ipv4.tcp_max_syn_backlog (now " + now(k, &NetnsKnobs::tcp_max_syn_backlog) +
		       ") with tcp_syncookies=0: raise tcp_max_syn_backlog or set tcp_syncookies=1";
	default:
		return "listener drops that no queue counter explains (ListenDrops): memory pressure or a failed "
		       "child socket; net.core.somaxconn=" + now(k, &NetnsKnobs::somaxconn);
	}
}

std::string conntrack(const HintInput& in, const std::optional<NetnsKnobs>& k)
{
	if (in.sub == TS_CTC_TABLE_FULL)
		return "conntrack table full (nf_conntrack_count " + now(k, &NetnsKnobs::nf_conntrack_count) +
		       " of nf_conntrack_max " + now(k, &NetnsKnobs::nf_conntrack_max) +
		       "): raise net.netfilter.nf_conntrack_max, shorten nf_conntrack_tcp_timeout_time_wait, or "
		       "exempt this traffic with a notrack rule";
	if (in.sub == TS_CTC_INSERT_FAILED)
		return "conntrack insert failed: an entry with the same tuple won the race (conntrack -S "
		       "insert_failed); behind NAT, add source ports (masquerade random-fully) or fix port reuse";
	if (in.sub == TS_CTC_ALLOC_FAILED)
		return "a conntrack entry could not be allocated although the table is not full: kernel memory "
		       "pressure";
	if (in.sub == TS_CTC_CONFIRM_FAILED)
		return "conntrack could not confirm the entry (hash chain too long or entry dying): see conntrack -S "
		       "chaintoolong; raise net.netfilter.nf_conntrack_buckets";
	return "";
}

std::string retrans(const HintInput& in, const std::optional<NetnsKnobs>& k)
{
	switch (in.sub) {
	case TS_RTX_RTO:
		return "retransmission timeouts: segments lost on the path or dropped locally (look for drop and "
		       "conntrack rows)";
	case TS_RTX_SYN:
		return "SYN retransmits: the peer's SYN or accept queue, a firewall, or conntrack is dropping the "
		       "handshake";
	case TS_RTX_FAST:
	case TS_RTX_TLP:
		return "loss repaired by fast retransmit or tail-loss probe: packet loss on the path";
	default:
		return "";
	}
	(void)k;
}

std::string synack(const HintInput& in, const std::optional<NetnsKnobs>& k)
{
	std::string q = in.has_queues ? " (SYN queue " + frac(in.q.syn_queue, in.q.syn_queue_max) + ", accept queue " +
					    frac(in.q.accept_queue, in.q.accept_queue_max) + ")"
				      : "";
	return "handshakes to " + port(in.lport) + " not completing" + q +
	       ": the client's final ACK is lost or dropped; net.ipv4.tcp_synack_retries=" +
	       now(k, &NetnsKnobs::tcp_synack_retries);
}

std::string slow_accept(const HintInput& in, const std::optional<NetnsKnobs>& k)
{
	std::string q = in.has_queues ? " (accept queue " + frac(in.q.accept_queue, in.q.accept_queue_max) + ")" : "";
	return "connections wait " + std::to_string(in.wait_us / 1000) + " ms in the accept queue of " + port(in.lport) + q +
	       ": the application has too few workers accepting (e.g. php-fpm pm.max_children, nginx "
	       "worker_connections); when it fills, " + backlog_knobs(in, k);
}

std::string drop(const HintInput& in)
{
	static const std::map<std::string, std::string> by_reason = {
	    {"NETFILTER_DROP", "a firewall rule (nft or iptables) dropped it: check `nft list ruleset`"},
	    {"NO_SOCKET", "no socket for this port: nothing listens there, or the connection is already gone"},
	    {"SOCKET_BACKLOG", "socket backlog full while the application held the socket lock: it reads too slowly"},
	    {"TCP_BACKLOG", "socket backlog full while the application held the socket lock: it reads too slowly"},
	    {"SOCKET_RCVBUFF", "receive buffer full: the application reads too slowly, or raise net.ipv4.tcp_rmem"},
	    {"PROTO_MEM", "TCP memory pressure: raise net.ipv4.tcp_mem or find the sockets holding memory"},
	    {"TCP_RFC7323_PAWS", "PAWS rejected an old timestamp: often clients behind one NAT sharing a port"},
	    {"TCP_LISTEN_OVERFLOW", "accept queue full: raise the listen backlog and net.core.somaxconn"},
	    {"CPU_BACKLOG", "per-CPU input backlog full: raise net.core.netdev_max_backlog"},
	    {"QDISC_DROP", "egress queue discipline dropped it: the interface queue is full"},
	};
	auto it = by_reason.find(in.reason);
	return it == by_reason.end() ? "" : it->second;
}

} // namespace

std::string hint_for(const HintInput& in, const std::optional<NetnsKnobs>& knobs)
{
	switch (in.kind) {
	case TS_KIND_LISTEN_OVERFLOW: return listen_overflow(in, knobs);
	case TS_KIND_SYN_DROP: return syn_drop(in, knobs);
	case TS_KIND_CONNTRACK: return conntrack(in, knobs);
	case TS_KIND_RETRANS: return retrans(in, knobs);
	case TS_KIND_SYNACK_RETRANS: return synack(in, knobs);
	case TS_KIND_DROP: return drop(in);
	case TS_KIND_SLOW_ACCEPT: return slow_accept(in, knobs);
	default: return "";
	}
}

} // namespace tcpsight

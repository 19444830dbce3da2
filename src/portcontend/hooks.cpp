#include "portcontend/hooks.h"

#include "shared/portcontend_events.h"

namespace tcpsight {

const FexitTarget kPortcontendFexitTargets[] = {
    {PC_FX_HASH_CONNECT, "__inet_hash_connect", "port-search"},
    {PC_FX_CHECK_EST, "__inet_check_established", "port-search"},
    {PC_FX_CHECK_EST6, "__inet6_check_established", "port-search"},
    {PC_FX_TWSK_UNIQUE, "tcp_twsk_unique", "port-search"},
};
const size_t kPortcontendFexitTargetCount = sizeof(kPortcontendFexitTargets) / sizeof(kPortcontendFexitTargets[0]);
static_assert(sizeof(kPortcontendFexitTargets) / sizeof(kPortcontendFexitTargets[0]) == PC_FX_TARGETS);

std::vector<HookSpec> portcontend_hooks()
{
	return {
	    {"port-search",
	     "connect()'s port search: ports probed, TIME_WAIT reused or rejected and why, result",
	     {
		 // __inet_hash_connect serves IPv4 and (through inet6_hash_connect) IPv6.
		 {Rung::Fentry, "hash_connect__fentry", "__inet_hash_connect", "",
		  {"hash_connect__fexit", "check_est__fexit", "check_est6__fexit", "twsk_unique__fexit"}},
		 {Rung::Kprobe, "hash_connect__kprobe", "__inet_hash_connect", "",
		  {"hash_connect__kretprobe", "check_est__kprobe", "check_est__kretprobe", "check_est6__kprobe",
		   "check_est6__kretprobe", "twsk_unique__kprobe", "twsk_unique__kretprobe"}},
		 {Rung::Tracepoint, "connect_state__tracepoint", "sock:inet_sock_set_state",
		  "ports probed, each TIME_WAIT decision and its reason (TWRecycled counts recycling per netns); "
		  "connects through io_uring; the search time of a blocking connect() to a remote peer (it is "
		  "timed from SYN_SENT to connect()'s return, syscalls:sys_exit_connect, for non-blocking and "
		  "failed connects, and to the handshake for loopback ones; see connect-return); the search "
		  "time alone: it also holds the SYN's send (and a loopback handshake), tens of us"},
	     }},
	    // Only with port-search on its tracepoint rung: where the search time ends.
	    {"connect-return",
	     "the end of connect()'s port search on the tracepoint rung (search_us_mean, search_us_p99)",
	     {
		 {Rung::Tracepoint, "connect_exit__tracepoint", "syscalls:sys_exit_connect",
		  "blocking connect() to a remote peer (it returns after the handshake); a non-blocking one "
		  "that preemption moved to another CPU before it returned (the start is kept per CPU)"},
	     }},
	    {"port-census",
	     "sockets holding ports toward each destination (TIME_WAIT, ESTABLISHED)",
	     {
		 {Rung::Iter, "", "tcp", ""},
	     }},
	    {"tw-recycled",
	     "TIME_WAIT sockets recycled per netns",
	     {
		 {Rung::Counter, "", "TcpExt.TWRecycled", "which destination the recycled sockets pointed to"},
	     }},
	};
}

} // namespace tcpsight

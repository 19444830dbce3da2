#!/usr/bin/env bash
# Cost of each attached BPF program per call, from the kernel's own accounting
# (kernel.bpf_stats_enabled: run_time_ns / run_cnt), while a tool runs under load.
#   bench/prog_cost.sh portcontend   # port churn: __inet_check_established per port
#   bench/prog_cost.sh tcpdrops      # drop storm: kfree_skb per drop
# On the 6.18 host these are the tracepoint programs; in a guest (tests/vm/run-guest.sh)
# the fentry/kprobe ones, where TCG emulation makes the figures only indicative.
set -euo pipefail
cd "$(dirname "$0")/.."
tool=${1:-portcontend}
B=build
NS=tsight-cost-$$
cleanup() {
	[ -n "${TPID:-}" ] && kill -INT "$TPID" 2>/dev/null || true
	ip netns del $NS 2>/dev/null || true
	sysctl -qw kernel.bpf_stats_enabled="${old_stats:-0}" || true
}
trap cleanup EXIT
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
ip netns add $NS
ip -n $NS link set lo up
if [ "$tool" = portcontend ]; then
	$B/tools/portcontend --netns /var/run/netns/$NS --json >/dev/null 2>/tmp/cost.err &
else
	$B/tools/tcpdrops --netns /var/run/netns/$NS --interval 1 --json >/dev/null 2>/tmp/cost.err &
fi
TPID=$!
until grep -q "ready in" /tmp/cost.err; do sleep 0.05; done
if [ "$tool" = portcontend ]; then
	ip netns exec $NS python3 bench/port_churn.py 17070 64 3000 8
else
	ip netns exec $NS nft add table ip t
	ip netns exec $NS nft add chain ip t out '{type filter hook output priority 0;}'
	ip netns exec $NS nft add rule ip t out tcp dport 9 drop
	ip netns exec $NS $B/bench/drop_storm 9 2 100000000
fi
# Every program of this tool's process: name, calls, ns per call.
bpftool prog show -j | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    n, cnt, ns = p.get("name", "?"), p.get("run_cnt", 0), p.get("run_time_ns", 0)
    if cnt and (n.startswith(("hash_","check_est","twsk_","connect_st","kfree_skb","retransmit","syn_","conn_req","accept","ct_"))):
        print(f"{n:32s} calls={cnt:<10d} ns_per_call={ns / cnt:.0f}")
'

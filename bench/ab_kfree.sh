#!/usr/bin/env bash
# A/B of kfree_skb's cost (kernel.bpf_stats_enabled, ns per call / sender's share of its
# untraced rate), two tcpdrops builds alternated in the same minutes, ROUNDS times: a drop
# matching --netns, one filtered out by it, a UDP drop, no filter; summary mode, 2 s storms.
#   bench/ab_kfree.sh /tmp/old/build/tools/tcpdrops   # e.g. a git worktree of the previous commit
set -u
cd "$(dirname "$0")/.."
OLD=${1:?usage: bench/ab_kfree.sh OLD_TCPDROPS [NEW_TCPDROPS]}; NEW=${2:-build/tools/tcpdrops}
STORM=build/bench/drop_storm
NS=tsight-ab-$$; OTHER=tsight-ab-other-$$
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -qw kernel.bpf_stats_enabled=$old_stats; ip netns del $NS 2>/dev/null; ip netns del $OTHER 2>/dev/null' EXIT
for n in $NS $OTHER; do ip netns add $n 2>/dev/null; ip -n $n link set lo up; done
ip netns exec $NS nft add table ip t
ip netns exec $NS nft add chain ip t out '{type filter hook output priority 0;}'
ip netns exec $NS nft add rule ip t out tcp dport 9 drop
ip netns exec $NS nft add rule ip t out udp dport 9 drop
sysctl -qw kernel.bpf_stats_enabled=1
prog_ns() { bpftool prog show -j | python3 -c '
import json, sys
ps = [p for p in json.load(sys.stdin) if p.get("name", "").startswith("kfree_skb") and p.get("run_cnt")]
p = max(ps, key=lambda p: p["id"]) if ps else None
print("%.0f" % (p["run_time_ns"] / p["run_cnt"]) if p else "-")'; }
untraced() { ip netns exec $NS $STORM 9 2 100000000 $1 | awk '{print $2}'; }
run() { local td=$1 udp=$2; shift 2
	$td "$@" >/dev/null 2>/tmp/cost.err & local pid=$!
	until grep -q "ready" /tmp/cost.err; do sleep 0.05; done
	local sent; sent=$(ip netns exec $NS $STORM 9 2 100000000 $udp | awk '{print $2}')
	echo "$(prog_ns)/$((sent * 100 / base))%"; kill -INT $pid; wait $pid; }
base=$(untraced "")
echo "untraced sender: $base"
for i in $(seq ${ROUNDS:-3}); do
	for v in OLD NEW; do td=${!v}
		m=$(run $td "" --netns /var/run/netns/$NS -i 1 --json)
		f=$(run $td "" --netns /var/run/netns/$OTHER -i 1 --json)
		u=$(run $td udp --netns /var/run/netns/$NS -i 1 --json)
		n=$(run $td "" -i 1 --json)
		echo "$v matching $m filtered $f udp $u nofilter $n"
	done
done

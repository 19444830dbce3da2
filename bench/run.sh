#!/usr/bin/env bash
# tcpsight benchmarks; prints figures, asserts nothing. Run as root after scripts/setup.sh.
#   ready:  wall time from exec to "ready" (stderr), median of 10, vs bpftrace's time to
#           "Attaching N probes" for an equivalent kfree_skb program
#   storm:  a bounded raw-socket SYN storm in a throwaway netns, every packet dropped by
#           an nft rule (one kfree_skb NETFILTER_DROP each); how many events the reader
#           delivered per second with --json to /dev/null, how many it lost (counted in
#           the kernel), and its CPU time; bpftrace printing the same events, same run.
# Peers: libbpf-tools has no tcpdrop (PR #5329 closed) and bcc's Python tcpdrop needs kernel
# headers this host lacks, so bpftrace (tools/tcpdrop.bt style) is the comparable peer.
set -euo pipefail
cd "$(dirname "$0")/.."
B=build
TD=$B/tools/tcpdrops
STORM=$B/bench/drop_storm
SECONDS_STORM=${STORM_SECONDS:-3}
[ -x "$TD" ] && [ -x "$STORM" ] || { echo "bench: build first (scripts/setup.sh)" >&2; exit 1; }
if ! command -v bpftrace >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bpftrace >/dev/null 2>&1 || true
fi
# bpftrace finds tracepoints through tracefs; tcpdrops does not need it (tp_btf uses BTF).
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing || true
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug || true
NS=tsight-bench-$$
cleanup() { ip netns del $NS 2>/dev/null || true; }
trap cleanup EXIT
ip netns add $NS
ip -n $NS link set lo up
ip netns exec $NS nft add table ip t
ip netns exec $NS nft add chain ip t out '{type filter hook output priority 0;}'
ip netns exec $NS nft add rule ip t out tcp dport 9 drop
INODE=$(stat -L -c %i /var/run/netns/$NS)
NETFILTER_DROP=$(bpftool btf dump file /sys/kernel/btf/vmlinux format raw | grep -o "'SKB_DROP_REASON_NETFILTER_DROP' val=[0-9]*" | grep -o '[0-9]*$')

ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "== ready time (median of 10 runs, ms)"
for i in $(seq 10); do
	t0=$(ms)
	{ $TD --json -d 0.2 2>&1 >/dev/null || true; } | { grep -q "ready in" && echo $(( $(ms) - t0 )); } || true
done | median | sed 's/^/tcpdrops_ready_ms /'
if command -v bpftrace >/dev/null; then
	for i in $(seq 10); do
		t0=$(ms)
		# BEGIN runs once every probe is attached: the comparable "ready" moment.
		{ timeout 5 bpftrace -e 'BEGIN { printf("ready\n"); } tracepoint:skb:kfree_skb { @ = count(); } interval:ms:200 { exit(); }' 2>&1 || true; } |
			{ grep -q "^ready" && echo $(( $(ms) - t0 )); } || true
	done | median | sed 's/^/bpftrace_ready_ms /'
fi

cpu_ms() { awk '{printf "%d", ($14+$15)*1000/'"$(getconf CLK_TCK)"'}' /proc/$1/stat; }

storm() { ip netns exec $NS $STORM 9 $SECONDS_STORM 100000000 | awk '{print $2}'; }

echo "== storm: ${SECONDS_STORM}s of dropped SYNs, events delivered per second"
base=$(storm)
echo "baseline sent=$base (no tracer: the workload's own rate)"
$TD --json --netns /var/run/netns/$NS --kinds drop >/dev/null 2>/tmp/td.err &
TPID=$!
until grep -q "ready in" /tmp/td.err; do sleep 0.05; done
sent=$(storm)
sleep 0.5
cpu=$(cpu_ms $TPID)
kill -INT $TPID; wait $TPID || true
read -r reported lost < <(grep -o '[0-9]* events reported, [0-9]* lost' /tmp/td.err | awk '{print $1, $4}')
echo "tcpdrops sent=$sent ($(( sent * 100 / base ))% of baseline) delivered=$reported lost=$lost delivered_per_s=$(( reported / SECONDS_STORM )) cpu_ms=$cpu"
if [ "$reported" -gt 0 ]; then
	echo "tcpdrops_ns_cpu_per_event $(( cpu * 1000000 / reported ))"
fi

if command -v bpftrace >/dev/null; then
	bpftrace -e "tracepoint:skb:kfree_skb /args->reason == $NETFILTER_DROP/ { printf(\"%d %d\\n\", args->reason, args->protocol); }" \
		>/tmp/bt.out 2>/tmp/bt.err &
	BPID=$!
	sleep 2 # its output is block-buffered to the file: no line to wait for
	sent_bt=$(storm)
	sleep 0.5
	bcpu=$(cpu_ms $BPID)
	kill -INT $BPID; wait $BPID || true
	printed=$(grep -c '^[0-9]' /tmp/bt.out || true)
	blost=$(grep -o 'Lost [0-9]* events' /tmp/bt.out /tmp/bt.err | grep -o '[0-9]*' | head -1 || true)
	echo "bpftrace sent=$sent_bt ($(( sent_bt * 100 / base ))% of baseline) delivered=$printed lost=${blost:-0} delivered_per_s=$(( printed / SECONDS_STORM )) cpu_ms=$bcpu"
	if [ "$printed" -gt 0 ] && [ "$reported" -gt 0 ]; then
		awk -v a="$reported" -v b="$printed" -v ca="$cpu" -v cb="$bcpu" 'BEGIN {
			printf "ratio delivered tcpdrops/bpftrace %.2f\n", a / b;
			printf "ratio cpu_per_event tcpdrops/bpftrace %.2f\n", (ca / a) / (cb / b) }'
	fi
fi
rm -f /tmp/td.err /tmp/bt.out /tmp/bt.err

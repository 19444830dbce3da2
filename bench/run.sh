#!/usr/bin/env bash
# tcpsight benchmarks, side by side with bpftrace in one run; prints figures and ratios,
# asserts nothing. Run as root after scripts/setup.sh.
#   ready:   exec -> "ready" on stderr (median of 7 interleaved rounds) for tcpdrops
#            (with and without its boot cache) and portcontend, vs bpftrace's BEGIN with
#            one kfree_skb probe
#   storm:   STORM_SECONDS of raw SYNs in a throwaway netns, each dropped by an nft rule
#            (one kfree_skb NETFILTER_DROP each). Per tracer, started its default way with
#            stdout a fast pipe (| cat > /dev/null): events delivered per second, lost,
#            CPU per delivered event, the sender's share of its untraced rate, peak RSS
#   stalled: the same storm with stdout a pipe nobody reads (| sleep): peak RSS, and how
#            long SIGINT takes to end the tool
#   summary: tcpdrops -i 1 in the storm, bpftrace counting the same in the kernel and an
#            empty bpftrace program:
#            sender's share (each traced run against the untraced runs just before and
#            after it, statistics off), peak RSS
#   cost:    per-program ns per call (kernel.bpf_stats_enabled) of kfree_skb: matching
#            drop in summary mode, the same counts in bpftrace, an empty program (the
#            floor: bpftrace's, and a tp_btf one as tcpdrops attaches, in the TCP and the
#            UDP storm), drop filtered out by --netns, UDP drop (not TCP), and each
#            tcpdrops figure less the empty tp_btf program's of its round; portcontend's
#            programs per call and per connect() in loopback connect() churn, beside
#            bpftrace doing the same on sock:inet_sock_set_state and an empty program
#   summary and cost: ROUNDS rounds (default 3), the tracers alternated in each; medians,
#            with every round's figure beside them
# Peers: libbpf-tools has no tcpdrop and bcc's Python tcpdrop needs kernel headers this
# host lacks, so bpftrace (tools/tcpdrop.bt style) is the comparable peer.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
B=build
TD=${TCPDROPS:-$B/tools/tcpdrops} # TCPDROPS=<another build> for an A/B
PC=$B/tools/portcontend
STORM=$B/bench/drop_storm
EMPTY_TP=$B/bench/empty_kfree
S=${STORM_SECONDS:-3}
[ -x "$TD" ] && [ -x "$STORM" ] && [ -x "$EMPTY_TP" ] || { echo "bench: build first (scripts/setup.sh)" >&2; exit 1; }
if ! command -v bpftrace >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bpftrace >/dev/null 2>&1 || true
fi
# bpftrace finds tracepoints through tracefs; tcpdrops does not need it (tp_btf uses BTF).
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing || true
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug || true
NS=tsight-bench-$$
OTHER=tsight-bench-other-$$
CHURN=tsight-bench-churn-$$ # portcontend's cost, one fresh netns per tracer
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
	ip netns del $NS 2>/dev/null || true
	ip netns del $OTHER 2>/dev/null || true
	ip netns del $CHURN 2>/dev/null || true
	sysctl -qw kernel.bpf_stats_enabled="$old_stats" || true
}
trap cleanup EXIT
drop_netns $NS
ip netns add $OTHER
ip -n $OTHER link set lo up
NETFILTER_DROP=$(bpftool btf dump file /sys/kernel/btf/vmlinux format raw | grep -o "'SKB_DROP_REASON_NETFILTER_DROP' val=[0-9]*" | grep -o '[0-9]*$')

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
cpu_ms() { awk '{printf "%d", ($14+$15)*1000/'"$(getconf CLK_TCK)"'}' /proc/$1/stat; }
storm() { ip netns exec $NS $STORM 9 "$S" 100000000 ${1:-} | awk '{print $2}'; }
# bpftrace says "ready" from BEGIN, as tcpsight's tools do on stderr once attached.
BT_READY='BEGIN { printf("ready\n"); }'
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
# Figures taken once a round, tracers alternated within each: key -> one value per round.
declare -A V=()
vmed() { echo ${V[$1]} | tr ' ' '\n' | median; }
vall() { echo ${V[$1]} | tr ' ' '/'; }

echo "== ready (exec -> ready, median of 7 rounds, each tool once a round, ms)"
ready_once() { # command... -> ms until "ready" on its stderr (tcpsight) or stdout (bpftrace's BEGIN)
	t0=$(ms)
	{ timeout 5 "$@" 2>&1 || true; } | { grep -q "ready" && echo $(($(ms) - t0)); } || true
}
# tcpdrops keeps nf_hook_slow's range in a boot cache (/run/tcpsight): "first" is a run
# with an empty cache (the first of a boot: it waits for /proc/kallsyms), the others
# find it there. Both are measured, with caches of their own.
CACHE=$(mktemp -d)
TCPSIGHT_CACHE_DIR=$CACHE/warm $TD --json -d 0.1 >/dev/null 2>&1 || true
for _ in $(seq 7); do # interleaved, so a slow moment of the host costs every tool alike
	rm -rf "$CACHE/cold"
	V[r.tdf]+="$(TCPSIGHT_CACHE_DIR=$CACHE/cold ready_once $TD --json -d 0.2) "
	V[r.td]+="$(TCPSIGHT_CACHE_DIR=$CACHE/warm ready_once $TD --json -d 0.2) "
	V[r.tdk]+="$(TCPSIGHT_CACHE_DIR=$CACHE/warm ready_once $TD --json -d 0.2 --kinds drop) "
	V[r.pc]+="$(ready_once $PC --json -d 0.2) "
	V[r.bt]+="$(ready_once bpftrace -e "$BT_READY tracepoint:skb:kfree_skb { @ = count(); } interval:ms:200 { exit(); }") "
done
rm -rf "$CACHE"
r_td=$(vmed r.td) r_tdf=$(vmed r.tdf) r_tdk=$(vmed r.tdk) r_pc=$(vmed r.pc) r_bt=$(vmed r.bt)
echo "tcpdrops_ready_ms $r_td (first of a boot: $r_tdf; --kinds drop: $r_tdk)  portcontend_ready_ms $r_pc  bpftrace_ready_ms $r_bt"
echo "ratio to bpftrace: tcpdrops $(ratio "$r_td" "$r_bt") (first of a boot $(ratio "$r_tdf" "$r_bt"); --kinds drop $(ratio "$r_tdk" "$r_bt"))  portcontend $(ratio "$r_pc" "$r_bt")"

# The sender's untraced rate swings with this host's speed (by a third within minutes):
# each traced run is compared with the untraced runs just before and after it.
base=$(storm)
echo "== storm: ${S}s of dropped SYNs; untraced sender: $base packets (each tracer's share: against the untraced runs before and after it)"
untraced_before=$base
kept() { # sent [udp]: KEPT = % of the mean of the untraced runs around it (runs the next;
	# not in a subshell: it moves untraced_before along)
	local after; after=$(storm "${2:-}")
	KEPT=$(($1 * 200 / (untraced_before + after)))
	untraced_before=$after
}

# run_storm NAME CMD... : the tracer under a fast pipe; prints its figures
run_storm() {
	local name=$1; shift
	"$@" 2>/tmp/bench.err | cat >/tmp/bench.out &
	local pipe=$!
	sleep 0.3
	local pid
	pid=$(pgrep -n -f "^$1" || true)
	# tcpdrops says "ready" on stderr; bpftrace's "Attaching" line sits in its stdout buffer.
	for _ in $(seq 100); do grep -q "ready" /tmp/bench.err 2>/dev/null && break; sleep 0.05; done
	sleep 1
	local sent cpu hwm
	sent=$(storm)
	sleep 0.5
	cpu=$(cpu_ms "$pid"); hwm=$(hwm_kb "$pid")
	kill -INT "$pid"
	# bpftrace once sat on a SIGINT for minutes after such a storm: 10 s, then KILL.
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	wait $pipe || true
	echo "$name $sent $cpu $hwm"
}
read -r _ td_sent td_cpu td_hwm < <(run_storm tcpdrops $TD --json --netns /var/run/netns/$NS --kinds drop)
read -r td_rep td_lost < <(grep -o '[0-9]* events reported, [0-9]* lost' /tmp/bench.err | awk '{print $1, $4}')
kept "$td_sent"; td_kept=$KEPT
read -r _ tt_sent tt_cpu tt_hwm < <(run_storm tcpdrops $TD --netns /var/run/netns/$NS --kinds drop)
read -r tt_rep tt_lost < <(grep -o '[0-9]* events reported, [0-9]* lost' /tmp/bench.err | awk '{print $1, $4}')
kept "$tt_sent"; tt_kept=$KEPT
read -r _ bt_sent bt_cpu bt_hwm < <(run_storm bpftrace bpftrace -e "tracepoint:skb:kfree_skb /args->reason == $NETFILTER_DROP/ { printf(\"%s %d %d\\n\", strftime(\"%H:%M:%S\", nsecs), args->reason, args->protocol); }")
bt_rep=$(grep -c ' ' /tmp/bench.out || true)
kept "$bt_sent"; bt_kept=$KEPT
bt_lost=$( { grep -ho 'Lost [0-9]* events' /tmp/bench.out /tmp/bench.err || true; } | awk '{s+=$2} END {print s+0}')
row() { # name kept% delivered lost cpu_ms hwm_kb
	awk -v n="$1" -v k="$2" -v d="$3" -v l="$4" -v c="$5" -v h="$6" -v t="$S" 'BEGIN {
		printf "%-16s delivered/s %8.0f  lost %8d  cpu/event %5.2f us  sender kept %3d%%  peak RSS %5.1f MB\n",
			n, d / t, l, d ? c * 1000 / d : 0, k, h / 1024 }'
}
row "tcpdrops --json" "$td_kept" "$td_rep" "$td_lost" "$td_cpu" "$td_hwm"
row "tcpdrops (text)" "$tt_kept" "$tt_rep" "$tt_lost" "$tt_cpu" "$tt_hwm"
row "bpftrace" "$bt_kept" "$bt_rep" "$bt_lost" "$bt_cpu" "$bt_hwm"
awk -v a="$td_rep" -v b="$bt_rep" -v ca="$td_cpu" -v cb="$bt_cpu" -v ha="$td_hwm" -v hb="$bt_hwm" 'BEGIN {
	printf "ratio tcpdrops/bpftrace: delivered %.2f  cpu per event %.2f  peak RSS %.2f\n", a / b, (ca / a) / (cb / b), ha / hb }'

echo "== stalled consumer: the storm with stdout a pipe nobody reads"
$TD --json --netns /var/run/netns/$NS --kinds drop 2>/tmp/bench.err | sleep 60 &
sleep 0.3
pid=$(pgrep -n -f "^$TD")
until grep -q "ready" /tmp/bench.err; do sleep 0.05; done
storm >/dev/null
hwm=$(hwm_kb "$pid")
t0=$(ms); kill -INT "$pid"
while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
echo "tcpdrops peak RSS $((hwm / 1024)) MB; exited $(($(ms) - t0)) ms after SIGINT; $(grep -o '[0-9]* events reported, [0-9]* lost.*' /tmp/bench.err)"
pkill -f "sleep 60" || true

echo "== summary mode: the sender's share (statistics off: they cost a clock read per call)"
# bpftrace doing the same work as tcpdrops -i 1: TCP drops counted in the kernel by reason,
# netns and port (headers parsed from skb->head), printed once a second.
BT_SUMMARY='tracepoint:skb:kfree_skb /args->protocol == 0x0800/ {
	$skb = (struct sk_buff *)args->skbaddr;
	$ip = (struct iphdr *)($skb->head + $skb->network_header);
	if ($ip->protocol == 6) {
		$th = (struct tcphdr *)($skb->head + $skb->network_header + $ip->ihl * 4);
		@[args->reason, $skb->sk->__sk_common.skc_net.net->ns.inum, bswap($th->dest)] = count();
	}
} interval:s:1 { print(@); clear(@); }'
start_tracer() { # command... : TPID, once it says "ready" (tcpsight on stderr, bpftrace's BEGIN on stdout)
	"$@" >/tmp/bench.out 2>/tmp/bench.err &
	TPID=$!
	until grep -qs "ready" /tmp/bench.err /tmp/bench.out; do sleep 0.05; done
}
# In-kernel figures move by a third within minutes on this host: each is taken ROUNDS times,
# the tracers alternated within a round, and the median is reported with every round's value.
ROUNDS=${ROUNDS:-3}
# The kfree_skb tracers the summary and cost sections compare, in the order each round
# runs them: "$1" KEY UDP? COMMAND... for each.
each_kfree_tracer() {
	"$1" td "" $TD --netns /var/run/netns/$NS -i 1 --json
	"$1" bt "" bpftrace -e "$BT_READY $BT_SUMMARY"
	# What kernel.bpf_stats counts around any program on this host (its two clock reads,
	# the call), and what the sender keeps under it: the floor under every figure here.
	"$1" empty "" bpftrace -e "$BT_READY tracepoint:skb:kfree_skb { }"
	# The same floor for tcpdrops' own attach type (tp_btf), in each storm it meets.
	"$1" etp "" $EMPTY_TP
	"$1" filt "" $TD --netns /var/run/netns/$OTHER -i 1 --json
	"$1" etpu udp $EMPTY_TP
	"$1" udp udp $TD --netns /var/run/netns/$NS -i 1 --json
}
declare -A LABEL=(
	[td]="tcpdrops -i 1, matching drops"
	[bt]="bpftrace counting the same (reason, netns, port)"
	[empty]="an empty program on the same tracepoint (bpftrace)"
	[etp]="an empty tp_btf program on kfree_skb (bench/empty_kfree.bpf.c)"
	[etpu]="the empty tp_btf program, UDP drops"
	[filt]="tcpdrops -i 1, every drop filtered out by --netns"
	[udp]="tcpdrops -i 1, UDP drops (not TCP)")
KFREE_KEYS="td bt empty etp filt etpu udp"
summary_share() { # key udp? command...
	local key=$1 udp=$2; shift 2
	if [ "$udp" != "$share_proto" ]; then # the untraced run before it sends the same
		untraced_before=$(storm "$udp")
		share_proto=$udp
	fi
	start_tracer "$@"
	local sent; sent=$(storm "$udp")
	local hwm; hwm=$(hwm_kb $TPID)
	kill -INT $TPID; wait $TPID || true
	kept "$sent" "$udp"
	V[sh.$key]+="$KEPT "
	V[sh.$key.rss]+="$((hwm / 1024)) "
}
for _ in $(seq "$ROUNDS"); do
	share_proto=none
	each_kfree_tracer summary_share
done
for k in $KFREE_KEYS; do
	echo "${LABEL[$k]}: sender kept $(vmed sh.$k)% (median of $ROUNDS: $(vall sh.$k)); peak RSS $(vmed sh.$k.rss) MB"
done

echo "== in-kernel cost (kernel.bpf_stats_enabled)"
sysctl -qw kernel.bpf_stats_enabled=1
prog_ns() { # ns per call of the newest kfree_skb program
	bpftool prog show -j | python3 -c '
import json, sys
ps = [p for p in json.load(sys.stdin) if p.get("name", "").startswith("kfree_skb") and p.get("run_cnt")]
p = max(ps, key=lambda p: p["id"]) if ps else None
print("%.0f %d" % (p["run_time_ns"] / p["run_cnt"], p["run_cnt"]) if p else "- 0")'
}
cost_run() { # key udp? command...
	local key=$1 udp=$2; shift 2
	start_tracer "$@"
	storm "$udp" >/dev/null
	read -r ns calls < <(prog_ns)
	kill -INT $TPID; wait $TPID || true
	V[c.$key]+="$ns "
	V[c.$key.calls]+="$calls "
}
for _ in $(seq "$ROUNDS"); do
	each_kfree_tracer cost_run
done
for k in $KFREE_KEYS; do
	echo "${LABEL[$k]}: kfree_skb $(vmed c.$k) ns per call (median of $ROUNDS: $(vall c.$k); calls $(vall c.$k.calls))"
done
per_round() { # fn a b: fn of each round's a and b, space-separated
	local -a x=(${V[$2]}) y=(${V[$3]}) out=()
	for i in "${!x[@]}"; do out+=("$("$1" "${x[$i]}" "${y[$i]}")"); done
	echo "${out[*]}"
}
round_ratios() { per_round ratio "$1" "$2" | tr ' ' '/'; } # a b: each round's a/b
echo "ratio tcpdrops/bpftrace, ns per matching drop: $(ratio "$(vmed c.td)" "$(vmed c.bt)") (each round: $(round_ratios c.td c.bt))"
minus() { echo $(($1 - $2)); }
net_line() { # label a floor
	local d; d=$(per_round minus "$2" "$3")
	echo "$1: $(echo "$d" | tr ' ' '\n' | median) ns above the empty tp_btf program (each round: $(echo "$d" | tr ' ' '/'))"
}
net_line "tcpdrops -i 1, matching drop" c.td c.etp
net_line "tcpdrops -i 1, filtered out by --netns" c.filt c.etp
net_line "tcpdrops -i 1, UDP drop" c.udp c.etpu

echo "== portcontend's in-kernel cost: loopback connect() churn, ${S}s (kernel.bpf_stats_enabled)"
# bpftrace doing portcontend's work on the same tracepoint: connects by destination port and
# outcome (a failed search leaves sport 0), each search's time from CLOSE->SYN_SENT.
BT_CONNECTS='tracepoint:sock:inet_sock_set_state /args->protocol == 6/ {
	if (args->oldstate == 7 && args->newstate == 2) { @start[args->skaddr] = nsecs; }
	else if (args->oldstate == 2 && @start[args->skaddr]) {
		@connects[args->dport, args->sport == 0] = count();
		@search_us[args->dport] = hist((nsecs - @start[args->skaddr]) / 1000);
		delete(@start[args->skaddr]);
	}
} interval:s:1 { print(@connects); clear(@connects); }'
tracer_ns() { # total run_time_ns and run_cnt of every loaded program but bpftrace's interval
	# probe (one tracer runs at a time, and this host runs no BPF of its own)
	bpftool prog show -j | python3 -c '
import json, sys
ps = [p for p in json.load(sys.stdin) if p.get("type") != "perf_event"]
print(sum(p.get("run_time_ns", 0) for p in ps), sum(p.get("run_cnt", 0) for p in ps))'
}
churn_cost() { # key command...
	local key=$1; shift
	# A netns of its own: the TIME_WAIT sockets of the run before would crowd the range.
	ip netns add $CHURN; ip -n $CHURN link set lo up
	start_tracer "$@"
	local out ok ns calls
	out=$(ip netns exec $CHURN python3 bench/port_churn.py 17070 20000 1000000 "$S")
	ip netns del $CHURN
	ok=$(echo "$out" | grep -o 'ok=[0-9]*' | cut -d= -f2)
	read -r ns calls < <(tracer_ns)
	kill -INT $TPID; wait $TPID || true
	V[$key]+="$((ns / (calls ? calls : 1))) "
	V[$key.conn]+="$((ns / (ok ? ok : 1))) "
}
for _ in $(seq "$ROUNDS"); do
	churn_cost p_pc $PC -i 1 --json
	churn_cost p_bt bpftrace -e "$BT_READY $BT_CONNECTS"
	churn_cost p_empty bpftrace -e "$BT_READY tracepoint:sock:inet_sock_set_state { }"
done
churn_line() { echo "$1: $(vmed "$2") ns per call ($(vall "$2")), $(vmed "$2.conn") ns per connect() ($(vall "$2.conn")); medians of $ROUNDS"; }
churn_line "portcontend -i 1" p_pc
churn_line "bpftrace doing the same (per-socket start, by port and outcome, search time)" p_bt
churn_line "an empty program on the same tracepoint (bpftrace)" p_empty
echo "ratio portcontend/bpftrace, ns per connect(): $(ratio "$(vmed p_pc.conn)" "$(vmed p_bt.conn)") (each round: $(round_ratios p_pc.conn p_bt.conn))"
rm -f /tmp/bench.err /tmp/bench.out

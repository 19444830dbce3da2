#!/usr/bin/env bash
# Peak memory over a long storm, for each consumer an incident may give a tool: stdout a
# fast pipe (| cat > /dev/null), a terminal (a pty, through script(1)), and a pipe nobody
# reads (| sleep). Per run: peak RSS (VmHWM), events reported and lost (the tool's own
# tally), and how long SIGINT took to end it. Prints figures, asserts nothing; run as
# root after scripts/setup.sh. bench/run.sh measures the rest (3 s storms, bpftrace beside).
#   tcpdrops --json --kinds drop:  LONG_SECONDS of raw SYNs dropped by an nft rule
#   portcontend --json:            LONG_SECONDS of loopback connect() churn on a range
#                                  full of TIME_WAIT sockets (bench/port_churn.py)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
B=build
TD=$B/tools/tcpdrops
PC=$B/tools/portcontend
STORM=$B/bench/drop_storm
L=${LONG_SECONDS:-60}
[ -x "$TD" ] && [ -x "$PC" ] && [ -x "$STORM" ] || { echo "bench: build first (scripts/setup.sh)" >&2; exit 1; }
NS=tsight-long-$$
ERR=$(mktemp)
trap 'ip netns del $NS 2>/dev/null || true; rm -f "$ERR"' EXIT
drop_netns $NS

# run_long TOOL CONSUMER LOAD... : the tool (its args in TOOL_ARGS) with stdout to CONSUMER
# (pipe, tty or stalled), LOAD run in the netns meanwhile; prints one line of figures.
run_long() {
	local tool=$1 consumer=$2; shift 2
	local cmd="$tool ${TOOL_ARGS[*]} 2>$ERR"
	case $consumer in
	pipe) bash -c "$cmd | cat >/dev/null" & ;;
	tty) script -qfec "$cmd" /dev/null >/dev/null & ;;
	stalled) bash -c "$cmd | sleep $((L + 30))" & ;;
	esac
	local wrapper=$! pid=""
	for _ in $(seq 200); do
		pid=$(pgrep -n -f "^$tool " || true)
		[ -n "$pid" ] && grep -qs "ready" "$ERR" && break
		sleep 0.05
	done
	ip netns exec $NS "$@" >/dev/null
	local hwm t0 t1
	hwm=$(hwm_kb "$pid")
	t0=$(ms)
	kill -INT "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
	t1=$(ms)
	pkill -f "^sleep $((L + 30))$" 2>/dev/null || true
	wait "$wrapper" 2>/dev/null || true
	printf "%-12s %-8s peak RSS %5.1f MB  exit %4d ms after SIGINT  %s\n" "$(basename "$tool")" "$consumer" \
		"$(echo "$hwm" | awk '{print $1 / 1024}')" $((t1 - t0)) \
		"$(grep -o '[0-9]* events reported, [0-9]* lost.*' "$ERR" || echo "(no tally)")"
}

echo "== ${L} s storms, peak RSS by consumer ($(uname -r), $(nproc) CPUs)"
TOOL_ARGS=(--json --netns /var/run/netns/$NS --kinds drop)
for c in pipe tty stalled; do run_long "$TD" $c "$STORM" 9 "$L" 1000000000000; done
TOOL_ARGS=(--json --netns /var/run/netns/$NS)
for c in pipe tty stalled; do run_long "$PC" $c python3 bench/port_churn.py 17070 2000 1000000000 "$L"; done

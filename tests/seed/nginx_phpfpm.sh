#!/usr/bin/env bash
# The seed's last collapse, reproduced with the real stack (issue 12): nginx in front of
# php-fpm on 127.0.0.1:9000 with `fastcgi_keep_conn on` and no upstream keepalive, so
# nginx opens a connection per request and closes it first (its port goes to TIME_WAIT),
# in a throwaway netns with ip_local_port_range 10000 65535 and tcp_tw_reuse=0.
# wrk drives it; `portcontend -i 1 --dport 9000` watches. When TIME_WAIT toward :9000
# passes the half of the range connect() tries first (27,768 ports), every connect()
# walks all of it: requests/s collapse with no error anywhere.
#
# Usage (root): tests/seed/nginx_phpfpm.sh [SECONDS] [OUTDIR]
#   SECONDS  the most wrk runs (default 60): it is stopped once portcontend has shown
#            the first half full for 4 rows, so a slow host runs longer, not differently
#   OUTDIR   where portcontend's JSON, wrk's report and nginx's error log are kept
#            (default: a new directory under /tmp)
# Prints portcontend's rows for :9000 as a table (each new hint once), then a verdict:
#   collapse at row N (the first half full, connects/s fell below 1/4 of the peak),
#   hint at row M,
#   TIME_WAIT per ss, EADDRNOTAVAIL seen by portcontend and in nginx's error log.
# Exit 0 when, as the seed needs: the hint names tcp_tw_reuse=0, the half-range fill
# (27768 of the 27768 ports) and the search cost within two rows of the collapse, with no
# EADDRNOTAVAIL anywhere, and the last row's TIME_WAIT count equals ss's; 1 when not; 2 on bad usage or a missing program (nginx,
# php-fpm, wrk: scripts/setup.sh). CTest runs it (labels host, seed).
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-60}
out=${2:-$(mktemp -d /tmp/tcpsight-seed.XXXXXX)}
case "$seconds" in '' | *[!0-9]*) echo "seed: SECONDS must be a whole number, got '$seconds'" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "seed: run as root (netns, sysctls, BPF)" >&2; exit 2; }
fpm=$(command -v php-fpm8.2 || ls /usr/sbin/php-fpm* 2>/dev/null | head -n 1 || true)
for p in nginx wrk "$fpm"; do
	command -v "$p" >/dev/null 2>&1 || { echo "seed: '$p' not found; hint: scripts/setup.sh installs nginx-light, php-fpm and wrk" >&2; exit 2; }
done
portcontend=${PORTCONTEND:-build/tools/portcontend}
[ -x "$portcontend" ] || { echo "seed: $portcontend not built; hint: scripts/setup.sh" >&2; exit 2; }

ns=tcpsight-seed-$$
mkdir -p "$out"
chmod 755 "$out"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT

ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="10000 65535" net.ipv4.tcp_tw_reuse=0 \
	net.ipv4.tcp_max_tw_buckets=262144 net.core.somaxconn=4096

# php-fpm: a static pool answering one tiny script; the master runs as root only to
# drop to nobody for its workers.
mkdir -p "$out/www"
echo '<?php echo "ok\n";' >"$out/www/index.php"
cat >"$out/php-fpm.conf" <<EOF
[global]
error_log = $out/php-fpm.log
daemonize = no
[www]
user = nobody
group = nogroup
listen = 127.0.0.1:9000
listen.backlog = 4096
pm = static
pm.max_children = 8
pm.max_requests = 0
EOF
# nginx: the seed's configuration in the part that matters. fastcgi_keep_conn on asks
# php-fpm to keep the connection, but without an upstream keepalive pool nginx closes
# it after each request itself: the active closer, so the TIME_WAIT is nginx's.
cat >"$out/nginx.conf" <<EOF
worker_processes 2;
user nobody nogroup;
pid $out/nginx.pid;
error_log $out/nginx-error.log warn;
daemon off;
events { worker_connections 4096; }
http {
	access_log off;
	server {
		listen 127.0.0.1:8080 backlog=4096;
		root $out/www;
		location ~ \.php\$ {
			fastcgi_pass 127.0.0.1:9000;
			fastcgi_keep_conn on;
			fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
			fastcgi_param REQUEST_METHOD \$request_method;
		}
	}
}
EOF
ip netns exec "$ns" "$fpm" -R -F -y "$out/php-fpm.conf" >/dev/null 2>&1 &
pids+=($!)
ip netns exec "$ns" nginx -p "$out" -c "$out/nginx.conf" -e "$out/nginx-error.log" >/dev/null 2>&1 &
pids+=($!)

# Both listening before the load starts.
for _ in $(seq 100); do
	n=$(ip netns exec "$ns" ss -Hltn '( sport = :9000 or sport = :8080 )' | wc -l)
	[ "$n" -ge 2 ] && break
	sleep 0.1
done
[ "$n" -ge 2 ] || { echo "seed: nginx or php-fpm did not start (see $out/*.log)" >&2; exit 1; }
ip netns exec "$ns" wrk -t1 -c1 -d1 http://127.0.0.1:8080/index.php >/dev/null # warm up the workers

"$portcontend" --json -i 1 --dport 9000 --netns "/var/run/netns/$ns" >"$out/portcontend.json" 2>"$out/portcontend.err" &
pc=$!
pids+=("$pc")
for _ in $(seq 300); do grep -q ready "$out/portcontend.err" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$out/portcontend.err" || { echo "seed: portcontend did not start:" >&2; cat "$out/portcontend.err" >&2; exit 1; }

# The fill takes 27,768 connections: ~6 s on a quiet host, several times that on a busy
# one. The load runs until portcontend has shown the half full for 4 rows (the collapse
# and the hint come within them), at most SECONDS.
ip netns exec "$ns" wrk -t2 -c20 -d"${seconds}s" http://127.0.0.1:8080/index.php >"$out/wrk.txt" 2>&1 &
wrk=$!
while kill -0 "$wrk" 2>/dev/null; do
	full=$(grep -c '"dport":9000,.*"held_tw_first_half":27768' "$out/portcontend.json" || true)
	[ "${full:-0}" -ge 4 ] && { kill -INT "$wrk" 2>/dev/null || true; break; }
	sleep 0.5
done
wait "$wrk" || true
sleep 1.5 # one more interval: the census after the load
tw=$(ip netns exec "$ns" ss -Htan state time-wait dst 127.0.0.1:9000 | wc -l)
kill -INT "$pc"
wait "$pc" || true
eaddr=$(grep -c '(99: ' "$out/nginx-error.log" 2>/dev/null || true)

python3 - "$out/portcontend.json" "$tw" "${eaddr:-0}" <<'EOF'
import json, re, sys
rows = [r for r in map(json.loads, open(sys.argv[1])) if r.get("kind") == "destination" and r.get("dport") == 9000]
tw, eaddr = int(sys.argv[2]), int(sys.argv[3])
print(f"{'ROW':>3} {'CONN/S':>9} {'SEARCH_US':>10} {'P99_US':>7} {'HELD_TW':>7} {'TW_1ST_HALF':>11} {'EADDRNOTAVAIL':>13} SOURCE")
peak, collapse, hinted, shown = 0.0, None, None, None
for i, r in enumerate(rows):
    rate = float(r["connects_per_s"])
    print(f"{i:>3} {rate:>9.1f} {r.get('search_us_mean', '-'):>10} {r.get('search_us_p99', '-'):>7} "
          f"{r.get('held_tw', '-'):>7} {r.get('held_tw_first_half', '-'):>11} {r['eaddrnotavail']:>13} {r['source']}")
    hint = r.get("hint", "")
    shape = re.sub(r"[0-9.]+", "N", hint)  # a hint is shown again only when it says something else
    if hint and shape != shown:
        print("    hint: " + hint)
    shown = shape if hint else None
    if hinted is None and "tcp_tw_reuse=0: set it to 1" in hint and "hold 27768 of the 27768 ports" in hint \
            and re.search(r"spends [0-9.]+ [mu]s choosing a port", hint):
        hinted = i
    peak = max(peak, rate)
    # A dip before the first half is full is the host's noise, not the seed's collapse.
    full = r.get("held_tw_first_half", 0) * 2 >= r.get("port_range", 1 << 30)
    if collapse is None and peak > 0 and rate < peak / 4 and full:
        collapse = i
errors = sum(r["eaddrnotavail"] for r in rows)
print(f"collapse at row {collapse}, hint at row {hinted}; TIME_WAIT toward :9000 per ss: {tw}; "
      f"EADDRNOTAVAIL: {errors} seen by portcontend, {eaddr} in nginx's error log")
# The last row's census came after the load stopped: it counts what ss counts.
census_ok = bool(rows) and rows[-1].get("held_tw") == tw
if not census_ok:
    print(f"the last row's held_tw {rows[-1].get('held_tw') if rows else None} != ss's {tw}")
ok = collapse is not None and hinted is not None and hinted <= collapse + 2 and errors == 0 and eaddr == 0 and census_ok
sys.exit(0 if ok else 1)
EOF

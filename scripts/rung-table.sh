#!/usr/bin/env bash
# README's kernel table, generated, never written by hand: the rung each hook gets on
# each kernel, from `tcpdrops --check` and `portcontend --check` (their "check passed:
# hook=rung ..." line) in Debian guests (tests/vm/run-guest.sh: 5.10, 6.1, 6.12) and on
# this host. Prints a Markdown table on stdout; the guests' kernel releases head it.
#
# Usage (root, after scripts/setup.sh): scripts/rung-table.sh [--cache DIR] [KERNEL...]
#   --cache DIR  guest kernel cache (default build/vmcache, as CTest uses)
#   KERNEL       guest kernels to boot (default: 5.10 6.1 6.12); the host is always a column
set -euo pipefail
cd "$(dirname "$0")/.."

cache=build/vmcache
kernels=()
while [ $# -gt 0 ]; do
	case "$1" in
	--cache) [ $# -ge 2 ] || { echo "rung-table: --cache needs a directory" >&2; exit 2; }; cache=$2; shift 2 ;;
	-h | --help) sed -n '2,10p' "$0" >&2; exit 0 ;;
	5.10 | 6.1 | 6.12) kernels+=("$1"); shift ;;
	*) echo "rung-table: unknown argument '$1'; hint: KERNEL is 5.10, 6.1 or 6.12" >&2; exit 2 ;;
	esac
done
[ ${#kernels[@]} -gt 0 ] || kernels=(5.10 6.1 6.12)
[ "$(id -u)" -eq 0 ] || { echo "rung-table: run as root (guests and --check load BPF)" >&2; exit 2; }
for t in tcpdrops portcontend; do
	[ -x "build/tools/$t" ] || { echo "rung-table: build/tools/$t not built; hint: scripts/setup.sh" >&2; exit 2; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# TCPSIGHT_ITER_TCP=1: the table shows what each kernel can do; README says where iter/tcp
# is left off by default (CVE-2026-74714).
probe='modprobe -a nf_conntrack nf_tables nft_ct 2>/dev/null; uname -r; export TCPSIGHT_ITER_TCP=1; '
probe+="$PWD/build/tools/tcpdrops --check; $PWD/build/tools/portcontend --check"
columns=()
for k in "${kernels[@]}"; do
	echo "rung-table: booting $k" >&2
	tests/vm/run-guest.sh -q --kernel "$k" --cache "$cache" --timeout 900 -- sh -c "$probe" >"$tmp/$k" 2>&1 ||
		{ echo "rung-table: the $k guest failed:" >&2; tail -20 "$tmp/$k" >&2; exit 1; }
	columns+=("$k")
done
sh -c "$probe" >"$tmp/host" 2>&1 || { echo "rung-table: --check failed on this host:" >&2; cat "$tmp/host" >&2; exit 1; }
columns+=(host)

python3 - "$tmp" "${columns[@]}" <<'EOF'
import re, sys
tmp, columns = sys.argv[1], sys.argv[2:]
rungs, releases, order = {}, {}, []
for c in columns:
    lines = open(f"{tmp}/{c}").read().splitlines()
    releases[c] = next((l.strip() for l in lines if re.match(r"^\d+\.\d+", l.strip())), c)
    for l in lines:
        m = re.match(r"^(tcpdrops|portcontend): check passed: (.*)$", l)
        if not m:
            continue
        for pair in m.group(2).split():
            hook, rung = pair.split("=", 1)
            key = (m.group(1), hook)
            if key not in order:
                order.append(key)
            rungs.setdefault(key, {})[c] = rung
head = ["tool", "hook"] + [releases[c] + (" (this host)" if c == "host" else "") for c in columns]
print("| " + " | ".join(head) + " |")
print("|" + "---|" * len(head))
for key in order:
    print("| " + " | ".join(list(key) + [rungs[key].get(c, "-") for c in columns]) + " |")
EOF

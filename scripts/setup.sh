#!/usr/bin/env bash
# Installs everything tcpsight needs on a fresh Debian 12 (bookworm) machine, then builds.
# bookworm-backports is enabled for libbpf 1.4+, bpftool 7.5 and Catch2 3 (bookworm has 1.1 / 7.1 / 2.13).
# Usage: scripts/setup.sh [--no-build]     (run as root, or with sudo available)
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# bookworm-backports from the mirror this machine already uses: the URI and keyring of
# its existing bookworm entry (deb822 .sources or one-line sources.list), so a local
# mirror or proxy keeps working and no host name is written here. Idempotent.
bookworm_source() { # prints "URI<TAB>KEYRING" of the first bookworm entry
	{
		for f in /etc/apt/sources.list.d/*.sources; do [ -f "$f" ] && cat "$f" && echo; done
	} | awk -v RS= '
		/(^|\n)Types:[^\n]*deb([ \n]|$)/ && /(^|\n)Suites:[^\n]*[ \t]bookworm([ \t\n]|$)/ {
			uri = ""; key = ""
			n = split($0, l, "\n")
			for (i = 1; i <= n; i++) {
				if (l[i] ~ /^URIs:/) { split(l[i], u, /[ \t]+/); uri = u[2] }
				if (l[i] ~ /^Signed-By:/) { split(l[i], k, /[ \t]+/); key = k[2] }
			}
			if (uri != "") { print uri "\t" key; exit }
		}'
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" {
			key = ""; i = 2
			if ($2 ~ /^\[/) { for (; i <= NF; i++) { if ($i ~ /signed-by=/) { key = $i; sub(/.*signed-by=/, "", key); sub(/\]$/, "", key) } if ($i ~ /\]$/) break } i++ }
			if ($(i + 1) == "bookworm") { print $i "\t" key; exit }
		}' "$f"
	done
}
if ! grep -rqsE "^[^#]*bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
	IFS=$'\t' read -r uri key < <(bookworm_source | head -n 1) || true
	if [ -z "${uri:-}" ]; then
		echo "setup: no Debian bookworm entry in /etc/apt/sources.list{,.d}; add bookworm-backports for your mirror and rerun" >&2
		exit 1
	fi
	echo "setup: enabling bookworm-backports from $uri (the machine's own bookworm source)" >&2
	{
		printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\n' "$uri"
		[ -z "${key:-}" ] || printf 'Signed-By: %s\n' "$key"
	} | $SUDO tee /etc/apt/sources.list.d/tcpsight-backports.sources >/dev/null
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Build toolchain and libraries.
$SUDO apt-get install -y -qq --no-install-recommends \
	build-essential cmake pkg-config clang llvm libelf-dev zlib1g-dev libcli11-dev libcpp-httplib-dev
$SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports \
	libbpf-dev bpftool catch2
# Test scenarios: netns, nft drop rules, conntrack entries, counters (nstat); guest
# kernels for the vm label (tests/vm/run-guest.sh unpacks xz/zstd modules and images).
$SUDO apt-get install -y -qq --no-install-recommends \
	iproute2 nftables conntrack kmod procps util-linux python3 \
	qemu-system-x86 busybox-static cpio xz-utils zstd file
# The exporter's proof (labels host and deploy): a real Prometheus and promtool, the
# systemd unit's verifier, the Kubernetes manifests' linters.
$SUDO apt-get install -y -qq --no-install-recommends \
	prometheus systemd yamllint python3-yaml python3-kubernetes
# The seed's collapse with the real stack (label seed: tests/seed/nginx_phpfpm.sh). Their
# services must not start here (nginx would take port 80): a policy-rc.d that refuses
# starts, only while they install, unless the machine already has one.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# tcpsight setup: no service starts while the seed test packages install\nexit 101\n' |
		$SUDO tee "$policy" >/dev/null
	$SUDO chmod 755 "$policy"
	trap '$SUDO rm -f "$policy"' EXIT
	$SUDO apt-get install -y -qq --no-install-recommends nginx-light php-fpm wrk
	$SUDO rm -f "$policy"
	trap - EXIT
else
	$SUDO apt-get install -y -qq --no-install-recommends nginx-light php-fpm wrk
fi
# Packaging (scripts/package.sh) and its proof (label package): man pages from --help,
# lintian, a clean Debian 12 root to install into.
$SUDO apt-get install -y -qq --no-install-recommends help2man lintian debootstrap

if [ "${1:-}" != "--no-build" ]; then
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build -j"$(nproc)"
fi

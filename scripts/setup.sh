#!/usr/bin/env bash
# Installs everything tcpsight needs on a fresh Debian 12 (bookworm) machine, then builds.
# bookworm-backports is enabled for libbpf 1.4+, bpftool 7.5 and Catch2 3 (bookworm has 1.1 / 7.1 / 2.13).
# Usage: scripts/setup.sh [--no-build]     (run as root, or with sudo available)
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
	echo "setup: enabling bookworm-backports" >&2
	printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
		$SUDO tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Build toolchain and libraries.
$SUDO apt-get install -y -qq --no-install-recommends \
	build-essential cmake pkg-config clang llvm libelf-dev zlib1g-dev libcli11-dev
$SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports \
	libbpf-dev bpftool catch2
# Test scenarios: netns, nft drop rules, conntrack entries, counters (nstat); guest
# kernels for the vm label (tests/vm/run-guest.sh unpacks xz/zstd modules and images).
$SUDO apt-get install -y -qq --no-install-recommends \
	iproute2 nftables conntrack kmod procps util-linux python3 \
	qemu-system-x86 busybox-static cpio xz-utils zstd file

if [ "${1:-}" != "--no-build" ]; then
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build -j"$(nproc)"
fi

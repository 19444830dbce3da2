#!/usr/bin/env bash
# Builds build/tcpsight_<version>_amd64.deb (CPack): the commands in /usr/sbin, man
# pages and bash completion generated from --help, docs. libbpf is linked statically,
# so `apt install ./tcpsight_*.deb` works on plain Debian 12 without backports.
# Usage: scripts/package.sh   (after scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target tcpdrops portcontend package_extras package_changelog
(cd build && cpack -G DEB >/dev/null)
deb=$(ls -t build/tcpsight_*_amd64.deb | head -n 1)
echo "$deb"

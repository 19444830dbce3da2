#!/usr/bin/env bash
# The whole test suite: installs dependencies (scripts/setup.sh), builds, then runs
# every CTest label: unit (no root), host (root; scenarios in throwaway netns on the
# running kernel), vm (the host scenarios inside Debian 6.1 and 6.12 guests under qemu,
# asserting the fentry and kprobe rungs), package (the .deb installed with plain apt in a
# clean debootstrap'd Debian 12 root and run there; lintian). Exit status is ctest's.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
labels="${TCPSIGHT_TEST_LABELS:-unit|host|vm|package}"
cd build
ctest --output-on-failure --timeout 300 -L "$labels"

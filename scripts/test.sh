#!/usr/bin/env bash
# The whole test suite: installs dependencies (scripts/setup.sh), builds, then runs
# every CTest label: unit (no root), deploy (the systemd unit, Kubernetes manifests and
# alert rules checked by systemd-analyze, yamllint and promtool), host (root; scenarios
# in throwaway netns on the running kernel, and a real Prometheus scraping the
# exporter), vm (the host scenarios inside Debian 6.1 and 6.12 guests under qemu,
# asserting the fentry and kprobe rungs), package (the .deb installed with plain apt in a
# clean debootstrap'd Debian 12 root and run there; lintian). Then the unit and host
# suites again under ASan + UBSan (preset asan), and each libFuzzer target for 60 s from
# its seed corpus (preset fuzz, clang).
# TCPSIGHT_TEST_LABELS=unit|host runs only those labels of the main build.
# Exit status: non-zero if any suite failed. The last line sums them all.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
suite() { # build-dir ctest-args...: runs ctest there, keeps its closing line for the sum
	local dir=$1
	shift
	(cd "$dir" && ctest --output-on-failure "$@") 2>&1 | tee -a "$log" || rc=1
}
suite build --timeout 300 -L "${TCPSIGHT_TEST_LABELS:-unit|deploy|host|vm|package}"
if [ -z "${TCPSIGHT_TEST_LABELS:-}" ]; then
	echo "== unit and host suites under ASan + UBSan (build-asan)"
	if cmake --preset asan >/dev/null && cmake --build build-asan -j"$(nproc)" >/dev/null; then
		suite build-asan --timeout 300 -L 'unit|host'
	else
		echo "ASan build failed"; rc=1
	fi
	echo "== libFuzzer targets, 60 s each (build-fuzz)"
	if cmake --preset fuzz >/dev/null && cmake --build build-fuzz -j"$(nproc)" >/dev/null; then
		suite build-fuzz -L fuzz
	else
		echo "fuzz build failed"; rc=1
	fi
fi
# What failed, again at the end: a CI log is often read from its tail, and a guest's
# failing assertion is otherwise hundreds of lines above it (colours stripped).
if grep -qaE '\*\*\*(Failed|Timeout|Exception)' "$log"; then
	echo "== what failed (repeated from above)"
	sed 's/\x1b\[[0-9;]*m//g' "$log" |
		grep -aE '\*\*\*(Failed|Timeout|Exception)|: failed|FAILED:|Kernel panic|Oops|timed out' |
		cut -c1-700 | tail -n 40
fi
# One closing line for the whole run: ctest's "N% tests passed, F tests failed out of T".
awk '/tests passed, [0-9]+ tests? failed out of [0-9]+/ {
	for (i = 1; i <= NF; i++) { if ($i == "failed") f += $(i - 2); if ($i == "of") t += $(i + 1) }
} END { printf "%d passed, %d failed\n", t - f, f }' "$log"
exit $rc

#!/bin/sh
# systemd-analyze verify on deploy/systemd/tcpsight-exporter.service, unmodified.
# verify insists that ExecStart's binary exists and is executable; the exporter may not be
# installed here, so the unit is checked inside a scratch root (--root) holding the unit
# itself, the system's own unit files (sysinit.target... that its default dependencies
# name) and a stand-in /usr/sbin/tcpsight-exporter. verify exits 0 on some warnings
# (an unknown key, a value it cannot parse: "ignoring"), so any output fails the test.
# Then prints `systemd-analyze security` for the record (not a pass/fail criterion).
# Usage: verify-unit.sh UNIT_FILE
set -eu
unit=$1
name=$(basename "$unit")
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/etc/systemd/system" "$root/usr/sbin" "$root/usr/lib/systemd"
cp "$unit" "$root/etc/systemd/system/$name"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
printf '#!/bin/sh\nexit 0\n' >"$root/usr/sbin/tcpsight-exporter"
chmod 755 "$root/usr/sbin/tcpsight-exporter"

rc=0
out=$(systemd-analyze verify --man=no --root="$root" "$name" 2>&1) || rc=$?
if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
	echo "systemd-analyze verify: exit $rc" >&2
	printf '%s\n' "$out" | sed "s|$root||g" >&2
	exit 1
fi
echo "systemd-analyze verify $name: clean (no output, exit 0)"
systemd-analyze security --offline=yes --root="$root" "$name" 2>&1 | tail -n 1

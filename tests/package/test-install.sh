#!/usr/bin/env bash
# The "fresh machine" proof (CTest label `package`): the .deb installs with plain apt on
# a clean Debian 12 root (debootstrap minbase, bookworm main only: no backports), and
# both commands run there against the host kernel: --check, and a NO_SOCKET drop seen
# by tcpdrops in a throwaway netns. The clean root is cached (debootstrap once per
# machine, from the mirror the machine's own apt sources name); each run works on an
# overlay of it, so the cache stays clean.
# Usage: test-install.sh DEB_OR_BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
deb=${1:-}
[ -f "$deb" ] || deb=$("$top/scripts/package.sh" | tail -n 1)
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
cache=${TCPSIGHT_DEBROOT_CACHE:-/var/cache/tcpsight}/debroot-bookworm

say() { echo "package-test: $*" >&2; }
if [ ! -x "$cache/bin/bash" ]; then
	uri=$(bash -c "source <(sed -n '/^bookworm_source()/,/^}/p' '$top/scripts/setup.sh'); bookworm_source | head -n 1 | cut -f1")
	[ -n "$uri" ] || { say "no Debian bookworm source on this machine to debootstrap from"; exit 1; }
	say "debootstrap bookworm (minbase) from $uri into $cache (once per machine)"
	rm -rf "$cache.tmp"
	mkdir -p "$(dirname "$cache")"
	debootstrap --variant=minbase bookworm "$cache.tmp" "$uri" >/dev/null
	mv "$cache.tmp" "$cache"
fi

work=$(mktemp -d /tmp/tcpsight-pkg.XXXXXX)
root=$work/root
ns=tsight-pkg-$$
mounts=()
cleanup() {
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[$i]}" 2>/dev/null || true; done
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/upper" "$work/ovwork" "$root"
mount -t overlay overlay -o "lowerdir=$cache,upperdir=$work/upper,workdir=$work/ovwork" "$root"
mounts+=("$root")
for m in proc sys dev; do
	mount --rbind "/$m" "$root/$m"
	mounts+=("$root/$m")
done
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
cp "$deb" "$root/tmp/"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

if grep -rqs backports "$root/etc/apt/"; then say "the clean root names backports"; exit 1; fi
say "apt install ./$(basename "$deb") in a clean bookworm root"
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "/tmp/$(basename "$deb")" >/dev/null
in_root dpkg -s tcpsight | grep -q '^Status: install ok installed'
for f in /usr/sbin/tcpdrops /usr/sbin/portcontend /usr/sbin/tcpsight-exporter /usr/share/man/man8/tcpdrops.8.gz \
	/usr/share/man/man8/tcpsight-exporter.8.gz /usr/share/bash-completion/completions/tcpdrops \
	/usr/share/doc/tcpsight/copyright /lib/systemd/system/tcpsight-exporter.service \
	/usr/share/doc/tcpsight/examples/prometheus/alerts.yml; do
	[ -e "$root$f" ] || { say "missing $f"; exit 1; }
done
in_root tcpdrops --version
in_root tcpdrops --check
in_root portcontend --check
in_root tcpsight-exporter --check

say "scenario: a SYN to a closed port in a throwaway netns, seen by the installed tcpdrops"
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" chroot "$root" /usr/sbin/tcpdrops --json --kinds drop --port 9 -d 4 >"$work/out" 2>"$work/err" &
td=$!
for _ in $(seq 200); do grep -q "ready in" "$work/err" && break; sleep 0.05; done
grep -q "ready in" "$work/err" || { say "tcpdrops did not become ready: $(cat "$work/err")"; exit 1; }
ip netns exec "$ns" chroot "$root" /bin/bash -c 'exec 3<>/dev/tcp/127.0.0.1/9' 2>/dev/null || true
wait $td
cat "$work/err" >&2
if ! grep -q '"kind":"drop".*"lport":9,.*"reason":"NO_SOCKET"' "$work/out"; then
	say "no NO_SOCKET drop on port 9 in: $(cat "$work/out")"
	exit 1
fi
say "installed package works: $(grep -c '"kind":"drop"' "$work/out") drop event(s) on :9, reason NO_SOCKET"
echo "1 passed, 0 failed"

#!/usr/bin/env bash
# Boots a Debian kernel under qemu (TCG, never KVM) with the host's root file system shared
# read-only over 9p (tmpfs overlay on top), runs CMD inside the guest, prints its output and
# exits with its exit status. See README.md beside this file.
#
# Usage: run-guest.sh --kernel 6.1|6.12 --cache DIR [options] -- CMD [ARGS...]
set -euo pipefail

prog=run-guest
usage() {
	cat >&2 <<'EOF'
usage: run-guest.sh --kernel 5.10|6.1|6.12 --cache DIR [options] -- CMD [ARGS...]
  --kernel 5.10|6.1|6.12
                      5.10: newest linux-image-5.10.0-N-amd64 (Debian 11: bullseye/bullseye-security,
                            through apt lists of the runner's own in DIR; the machine's apt
                            configuration is untouched, the mirror is the one it already uses)
                      6.1: newest linux-image-6.1.0-N-amd64 (bookworm/bookworm-security)
                      6.12: newest linux-image-6.12*-amd64 from bookworm-backports
  --cache DIR         where the .deb, the extracted kernel tree and the initramfs are kept
  --timeout SECS      kill the guest after SECS seconds of wall time (default 600)
  --env NAME=VALUE    set a variable for CMD (repeatable)
  --out HOSTDIR       copy what CMD wrote to $TCPSIGHT_VM_OUT into HOSTDIR afterwards
  --no-dmesg-check    do not fail on WARNING:/BUG:/Oops/... in the guest kernel log
  --dmesg             print the guest's whole kernel log (to stderr) after CMD
  --refresh           look up the newest package again even if one is cached
  --bzimage           boot the packaged vmlinuz (slower) instead of its decompressed vmlinux
  -q, --quiet         no harness messages unless something failed
CMD runs as root in the guest with the host's working directory as its cwd, stdin from
/dev/null, stdout and stderr both going to this script's stdout. Harness messages go to stderr.
Exit status: CMD's; 124 if the guest timed out; 121 if CMD succeeded but the guest kernel log
has a splat; 125 if the guest ended without a result (kernel panic, guest setup failed).
EOF
	exit 2
}

say() { [ -n "$quiet" ] || echo "$prog: $*" >&2; }
die() { echo "$prog: $*" >&2; exit 125; }

kernel="" cache="" timeout_s=600 quiet="" dmesg_check=1 print_dmesg="" refresh="" outdir="" bzimage=""
envs=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel="${2:?}"; shift 2 ;;
	--kernel=*) kernel="${1#*=}"; shift ;;
	--cache) cache="${2:?}"; shift 2 ;;
	--cache=*) cache="${1#*=}"; shift ;;
	--timeout) timeout_s="${2:?}"; shift 2 ;;
	--timeout=*) timeout_s="${1#*=}"; shift ;;
	--env) envs+=("${2:?}"); shift 2 ;;
	--out) outdir="${2:?}"; shift 2 ;;
	--no-dmesg-check) dmesg_check=""; shift ;;
	--dmesg) print_dmesg=1; shift ;;
	--refresh) refresh=1; shift ;;
	--bzimage) bzimage=1; shift ;;
	-q | --quiet) quiet=1; shift ;;
	-h | --help) usage ;;
	--) shift; break ;;
	*) echo "$prog: unknown argument: $1" >&2; usage ;;
	esac
done
[ $# -gt 0 ] || usage
[ -n "$cache" ] || usage
case "$kernel" in
5.10) name_re='^linux-image-5\.10\.0-[0-9]+-amd64$'; suite_re=' bullseye(-security)?/' ;;
6.1) name_re='^linux-image-6\.1\.0-[0-9]+-amd64$'; suite_re=' bookworm(-security)?/' ;;
6.12) name_re='^linux-image-6\.12\.[0-9]+.*-amd64$'; suite_re=' bookworm-backports/' ;;
*) echo "$prog: --kernel must be 5.10, 6.1 or 6.12" >&2; usage ;;
esac
[[ "$timeout_s" =~ ^[0-9]+$ ]] || die "--timeout needs a number of seconds"
for e in ${envs[@]+"${envs[@]}"}; do [[ "$e" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "bad --env $e"; done
for t in qemu-system-x86_64 apt-get apt-cache dpkg-deb depmod modprobe cpio gzip flock timeout; do
	command -v "$t" >/dev/null || die "$t not found (scripts/setup.sh installs qemu-system-x86, kmod, cpio)"
done
BUSYBOX=/bin/busybox
if [ ! -x "$BUSYBOX" ] || ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "$BUSYBOX missing or not static: apt-get install busybox-static"
fi

mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"
kdir="$cache/$kernel"
mkdir -p "$kdir"

# ---------------------------------------------------------------- kernel package
# Debian 11's kernels come from bullseye, which the machine's apt does not list: a
# private apt configuration under the cache (its own sources and lists), pointed at the
# mirrors the machine's bookworm and bookworm-security entries already use.
APT_OPTS=()
private_apt() {
	local a="$cache/apt" uri sec key
	mkdir -p "$a/lists/partial" "$a/archives/partial"
	read -r uri sec key < <(machine_mirrors) || die "no Debian bookworm source on this machine to take the mirror from"
	{
		echo "deb [signed-by=${key:-/usr/share/keyrings/debian-archive-keyring.gpg}] $uri bullseye main"
		[ -z "$sec" ] || echo "deb [signed-by=${key:-/usr/share/keyrings/debian-archive-keyring.gpg}] $sec bullseye-security main"
	} >"$a/sources.list"
	APT_OPTS=(-o "Dir::Etc::SourceList=$a/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$a/lists" -o "Dir::Cache::archives=$a/archives"
		-o Dir::State::status=/dev/null -o APT::Get::List-Cleanup=0)
}
machine_mirrors() { # "URI SECURITY_URI KEYRING" of the machine's bookworm entries
	local uri="" sec="" key=""
	{
		for f in /etc/apt/sources.list.d/*.sources; do [ -f "$f" ] && cat "$f" && echo; done
	} | awk -v RS= '
		{ u = ""; k = ""; s = ""
		  n = split($0, l, "\n")
		  for (i = 1; i <= n; i++) {
			if (l[i] ~ /^URIs:/) { split(l[i], x, /[ \t]+/); u = x[2] }
			if (l[i] ~ /^Signed-By:/) { split(l[i], x, /[ \t]+/); k = x[2] }
			if (l[i] ~ /^Suites:/) s = l[i]
		  }
		  if (s ~ /[ \t]bookworm([ \t]|$)/ && main == "") { main = u; key = k }
		  if (s ~ /bookworm-security/ && sec == "") sec = u }
		END { if (main != "") print main, (sec == "" ? "" : sec), key }'
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
			if ($(i + 1) == "bookworm" && m == "") m = $i
			if ($(i + 1) == "bookworm-security" && s == "") s = $i }
			END { if (m != "") print m, s }' "$f"
	done
}
[ "$kernel" != 5.10 ] || private_apt

resolve_pkg() { # prints "name version" of the newest matching package in the wanted suites
	local names best="" bestv="" n v line
	names="$(apt-cache "${APT_OPTS[@]}" search --names-only "$name_re" 2>/dev/null | awk '{print $1}' | grep -v -e cloud -e '-rt-' || true)"
	[ -n "$names" ] || return 1
	# shellcheck disable=SC2086
	while IFS= read -r line; do
		[[ "$line" =~ $suite_re ]] || continue
		n="$(awk -F'|' '{gsub(/ /,"",$1); print $1}' <<<"$line")"
		v="$(awk -F'|' '{gsub(/ /,"",$2); print $2}' <<<"$line")"
		if [ -z "$bestv" ] || dpkg --compare-versions "$v" gt "$bestv"; then best="$n" bestv="$v"; fi
	done < <(apt-cache "${APT_OPTS[@]}" madison $names 2>/dev/null)
	[ -n "$best" ] || return 1
	echo "$best $bestv"
}

prepare_kernel() {
	local pkg ver deb
	if [ -f "$kdir/.ready" ] && [ -z "$refresh" ]; then return 0; fi
	if ! read -r pkg ver < <(resolve_pkg); then
		say "no kernel package found, running apt-get update"
		apt-get "${APT_OPTS[@]}" update -qq >&2 || die "apt-get update failed"
		read -r pkg ver < <(resolve_pkg) || die "no package matching $name_re in$suite_re"
	fi
	if [ -f "$kdir/.ready" ] && [ "$(cat "$kdir/pkg")" = "$pkg $ver" ]; then return 0; fi
	say "downloading $pkg $ver"
	rm -rf "$kdir/root" "$kdir/.ready" "$kdir"/*.deb "$kdir"/initramfs-* "$kdir"/vmlinux*
	(cd "$kdir" && apt-get "${APT_OPTS[@]}" -q -o APT::Sandbox::User=root download "$pkg=$ver" >&2) || die "apt-get download $pkg=$ver failed"
	deb="$(ls "$kdir"/*.deb)"
	dpkg-deb -x "$deb" "$kdir/root" || die "dpkg-deb -x $deb failed"
	local kv
	kv="$(ls "$kdir/root/lib/modules" 2>/dev/null || ls "$kdir/root/usr/lib/modules")"
	depmod -b "$kdir/root" "$kv" || die "depmod failed"
	echo "$pkg $ver" >"$kdir/pkg"
	touch "$kdir/.ready"
}

# Under TCG the bzImage's own decompressor is slow (xz: about 2.4 s for 6.1, zstd: 0.6 s for
# 6.12), so by default the ELF vmlinux is taken out of it once and booted through its PVH entry
# (CONFIG_PVH=y in Debian's kernels; qemu boots an ELF with that note directly). The kernel is
# the same; only the decompressor, and with it KASLR, is skipped.
extract_vmlinux() { # vmlinuz config out -> 0 if out is an ELF vmlinux
	local img="$1" cfg="$2" out="$3" magic tool pos
	grep -q '^CONFIG_PVH=y' "$cfg" || return 1
	for c in 'xz \xfd7zXZ\x00' 'zstd \x28\xb5\x2f\xfd' 'gzip \x1f\x8b\x08'; do
		tool="${c%% *}" magic="${c#* }"
		command -v "$tool" >/dev/null || continue
		for pos in $(LC_ALL=C grep -obUaP "$magic" "$img" | head -3 | cut -d: -f1); do
			tail -c +"$((pos + 1))" "$img" | "$tool" -dcq >"$out" 2>/dev/null
			[ "$(head -c 4 "$out" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] && return 0
		done
	done
	rm -f "$out"
	return 1
}

# ---------------------------------------------------------------- initramfs
INIT_SCRIPT='#!/bin/busybox sh
# /init of the tcpsight test guest (generated by tests/vm/run-guest.sh)
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
R="" RES=/results  # the new root and the results share, wherever they are mounted now
log() { echo "vm-init: $*" >$R/dev/ttyS0; }
fail() { log "FAILED: $*"; echo "$*" >$RES/init-error 2>/dev/null; sync; poweroff -f; sleep 10; }
while read -r m; do insmod "/mods/$m" || fail "insmod $m"; done </mods/order
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=none results /results || fail "mount results share"
. /results/params
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro hostroot /lower || fail "mount 9p root"
mount -t tmpfs -o mode=0755 overlay-upper /ovl || fail "tmpfs /ovl"
mkdir -p /ovl/upper /ovl/work
mount -t overlay -o lowerdir=/lower,upperdir=/ovl/upper,workdir=/ovl/work overlay /newroot || fail "overlay"
for d in proc sys dev; do mount --move /$d /newroot/$d || fail "move /$d"; done
R=/newroot
mount -t tmpfs -o mode=1777 tmpfs $R/tmp
mount -t tmpfs -o mode=0755 tmpfs $R/run
mkdir -p $R/run/vm && mount --move /results $R/run/vm || fail "move results"
RES=$R/run/vm
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o ptmxmode=0666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm
mount -t tracefs tracefs $R/sys/kernel/tracing || log "no tracefs"
mount -t debugfs debugfs $R/sys/kernel/debug || log "no debugfs"
mount -t bpf bpf $R/sys/fs/bpf || log "no bpffs"
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup || log "no cgroup2"
# The fresh /tmp and /run hide whatever the host keeps there, a checkout under /tmp
# included (CI may clone there): bind the host paths the command needs back from the
# 9p mount. Modules and /boot come from there too, for the same reason.
for p in $VM_KEEP; do
	case "$p" in /tmp/* | /run/*) mkdir -p "$R$p" && mount --bind "/lower$p" "$R$p" || fail "keep $p" ;; esac
done
mkdir -p $R/lib/modules && mount --bind "/lower$VM_MODULES" $R/lib/modules || fail "bind modules"
mkdir -p $R/boot && mount --bind "/lower$VM_BOOT" $R/boot || log "no /boot"
ip link set lo up
# Become the new root as PID 1 (switch_root), not just chroot a child: PID 1 shares its root with
# the kernel threads, so modprobe calls made by the kernel (module autoload, e.g. for
# "ip link add type veth") then find the real /sbin/modprobe and modules.
mkdir -p $R/run/vm-init
cp /bin/busybox /stage2 $R/run/vm-init/
exec switch_root $R /run/vm-init/busybox sh /run/vm-init/stage2
fail "switch_root"
'
STAGE2_SCRIPT='# stage 2 of the guest init: PID 1 in the overlay root
B=/run/vm-init/busybox
$B dmesg -n 7  # boot was quiet (loglevel=4); from here on the console log gets all but debug
$B stty -F /dev/ttyS1 raw -echo 2>/dev/null
echo "vm-init: running command" >/dev/kmsg
: >/run/vm/started
/bin/bash /run/vm/cmd.sh </dev/null >/dev/ttyS1 2>&1
rc=$?
echo "vm-init: command exited with $rc" >/dev/kmsg
$B dmesg -s 8388608 >/run/vm/dmesg
echo $rc >/run/vm/rc
$B sync
$B poweroff -f
$B sleep 10
'

build_initramfs() { # sets $initrd
	local kv="$1" moddir="$2" list hash st i=0 src dst
	list="$(for m in virtio_pci 9pnet_virtio 9p overlay; do
		modprobe -d "$kdir/root" -S "$kv" --show-depends "$m" || exit 1
	done | awk '$1 == "insmod" && !seen[$2]++ {print $2}')" || die "modprobe --show-depends failed"
	hash="$( { echo "$INIT_SCRIPT"; echo "$STAGE2_SCRIPT"; echo "$list"; sha256sum "$BUSYBOX"; } | sha256sum | cut -c1-12)"
	initrd="$kdir/initramfs-$hash.cpio.gz"
	[ -s "$initrd" ] && return 0
	say "building initramfs for $kv"
	st="$(mktemp -d)"
	mkdir -p "$st"/{bin,mods,proc,sys,dev,lower,ovl,newroot,results}
	cp "$BUSYBOX" "$st/bin/busybox"
	printf '%s' "$INIT_SCRIPT" >"$st/init"
	printf '%s' "$STAGE2_SCRIPT" >"$st/stage2"
	chmod 755 "$st/init"
	for src in $list; do
		i=$((i + 1))
		dst="$(printf '%02d-%s' "$i" "$(basename "$src")")"
		case "$src" in
		*.ko.xz) dst="${dst%.xz}"; xz -dc "$src" >"$st/mods/$dst" ;;
		*.ko.zst) dst="${dst%.zst}"; zstd -qdc "$src" >"$st/mods/$dst" ;;
		*.ko.gz) dst="${dst%.gz}"; gzip -dc "$src" >"$st/mods/$dst" ;;
		*) cp "$src" "$st/mods/$dst" ;;
		esac
		echo "$dst" >>"$st/mods/order"
	done
	rm -f "$kdir"/initramfs-*.cpio.gz
	(cd "$st" && find . -print0 | cpio --null -o -H newc --owner=0:0 --quiet) | gzip -1 >"$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
	rm -rf "$st"
}

exec 9>"$cache/.lock"
flock 9
prepare_kernel
kv="$(ls "$kdir/root/lib/modules" 2>/dev/null || ls "$kdir/root/usr/lib/modules")"
if [ -d "$kdir/root/lib/modules/$kv" ]; then moddir="$kdir/root/lib/modules"; else moddir="$kdir/root/usr/lib/modules"; fi
vmlinuz="$kdir/root/boot/vmlinuz-$kv"
[ -f "$vmlinuz" ] || die "no $vmlinuz"
if [ ! -s "$kdir/vmlinux" ] && [ ! -f "$kdir/vmlinux.none" ]; then
	if extract_vmlinux "$vmlinuz" "$kdir/root/boot/config-$kv" "$kdir/vmlinux.tmp"; then
		mv "$kdir/vmlinux.tmp" "$kdir/vmlinux"
	else
		say "could not take vmlinux out of $vmlinuz; booting the bzImage"
		touch "$kdir/vmlinux.none"
	fi
fi
boot_image="$vmlinuz"
[ -n "$bzimage" ] || [ ! -s "$kdir/vmlinux" ] || boot_image="$kdir/vmlinux"
build_initramfs "$kv" "$moddir"
flock -u 9
exec 9>&-

# ---------------------------------------------------------------- run
work="$(mktemp -d "${TMPDIR:-/tmp}/run-guest.XXXXXX")"
qpid=""
tailpid=""
cleanup() {
	# $qpid is timeout(1), which passes SIGTERM on to qemu.
	[ -z "$qpid" ] || kill -TERM "$qpid" 2>/dev/null || true
	[ -z "$tailpid" ] || kill "$tailpid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
share="$work/share"
mkdir -p "$share/out"
chmod 755 "$share"
chmod 1777 "$share/out"
printf 'VM_MODULES=%q\nVM_BOOT=%q\nVM_KEEP=%q\n' "$moddir" "$kdir/root/boot" "$PWD $(cd "$cache" && pwd -P)" >"$share/params"
{
	echo '#!/bin/bash'
	echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb'
	printf 'export TCPSIGHT_VM=1 TCPSIGHT_VM_KERNEL=%q TCPSIGHT_VM_OUT=/run/vm/out\n' "$kernel"
	# Waits that only bound a failure stretch by this much (tests/support/scenario.h):
	# a TCG guest runs 10-50x slower than the host.
	echo 'export TCPSIGHT_TIME_SCALE=${TCPSIGHT_TIME_SCALE:-20}'
	for e in ${envs[@]+"${envs[@]}"}; do printf 'export %s=%q\n' "${e%%=*}" "${e#*=}"; done
	printf 'cd %q 2>/dev/null || cd /\n' "$PWD"
	printf '%q ' "$@"
	echo
} >"$share/cmd.sh"
: >"$work/out.log"

# A TCG guest kernel now and then dies while booting, before the command starts (seen:
# 6.12.95 hit an int3 Oops in sched_clock_cpu at 2.7 s, text patching under emulation):
# that says nothing of the command, so such a boot is tried again, twice at most.
boot_guest() {
	rm -f "$share/rc" "$share/started" "$share/init-error"
	: >"$work/out.log"
	: >"$work/console.log"
	start=$(date +%s.%N)
	# -smp 2 at most: the machine has 2 cores. KVM is not usable here (nested guests hang).
	timeout -k 10 "$timeout_s" qemu-system-x86_64 \
		-accel tcg -cpu max -m 2G -smp 2 \
		-nodefaults -no-reboot -display none -monitor none \
		-kernel "$boot_image" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 loglevel=4" \
		-serial "file:$work/console.log" -serial "file:$work/out.log" \
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
		-virtfs "local,path=$share,mount_tag=results,security_model=none,multidevs=remap" \
		</dev/null >"$work/qemu.log" 2>&1 &
	qpid=$!
	tail -n +1 -s 0.2 -f --pid="$qpid" "$work/out.log" &
	tailpid=$!
	set +e
	wait "$qpid"
	qrc=$?
	set -e
	qpid=""
	wait "$tailpid" 2>/dev/null || true
	tailpid=""
	elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
}
for boot in 1 2 3; do
	say "booting $(cat "$kdir/pkg") ($kv), timeout ${timeout_s}s"
	boot_guest
	if [ -f "$share/started" ] || [ -f "$share/rc" ] || [ -f "$share/init-error" ] ||
		[ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ] || [ "$boot" -eq 3 ]; then
		break
	fi
	echo "$prog: the guest kernel died before the command started (boot $boot of 3; kernel $kv): booting again" >&2
	grep -E -m1 -A2 'Oops|Kernel panic|BUG:' "$work/console.log" >&2 || true
done

show_console() {
	echo "$prog: ---- guest console (last 60 lines) ----" >&2
	if [ -s "$work/console.log" ]; then tail -n 60 "$work/console.log" >&2; else echo "(empty)" >&2; fi
	if [ -s "$work/qemu.log" ]; then
		echo "$prog: ---- qemu ----" >&2
		cat "$work/qemu.log" >&2
	fi
}

# Kernel log lines that mean the kernel itself went wrong; the part from each hit to the end of
# its trace is printed.
SPLAT_RE='WARNING:|BUG:|kernel BUG at|Oops|Call Trace|KASAN|UBSAN:|general protection fault|Kernel panic|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|INFO: trying to register non-static key|INFO: possible irq lock inversion|INFO: lockdep is turned off|DEBUG_LOCKS_WARN_ON'
splats() { # file -> prints the offending sections, each with the 8 lines before it
	awk -v re="$SPLAT_RE" '
		$0 ~ re && !on {
			print "...";
			for (i = NR - 8; i < NR; i++) if (i > last && i > 0) print prev[i % 8];
			on = 1; n = 0
		}
		on { print; last = NR; n++; if ($0 ~ /---\[ end trace/ || n >= 80) on = 0 }
		{ prev[NR % 8] = $0 }
	' "$1"
}

if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
	echo "$prog: guest timed out after ${timeout_s}s (kernel $kv); killed qemu" >&2
	show_console
	s="$(splats "$work/console.log")"
	[ -z "$s" ] || { echo "$prog: ---- kernel splat on the console ----" >&2; echo "$s" >&2; }
	exit 124
fi
if [ ! -f "$share/rc" ]; then
	echo "$prog: guest ended without a result (qemu exit $qrc, kernel $kv)" >&2
	[ ! -f "$share/init-error" ] || echo "$prog: guest init: $(cat "$share/init-error")" >&2
	show_console
	exit 125
fi
rc="$(cat "$share/rc")"
[[ "$rc" =~ ^[0-9]+$ ]] || rc=125
if [ -n "$outdir" ]; then
	mkdir -p "$outdir"
	cp -a "$share/out/." "$outdir/"
fi
if [ -n "$print_dmesg" ]; then
	echo "$prog: ---- guest dmesg ----" >&2
	cat "$share/dmesg" >&2
fi
# CVE-2026-74714 (see src/core/iter_tcp_hazard.h): the tests run iter/tcp on the kernels that
# have it (TCPSIGHT_ITER_TCP=1, to test the census), and a SYN racing the census can make the
# kernel warn. Known and the kernel's: reported, not failed, when every splat is a refcount_t
# warning and the socket iterator's batch is in one of the traces. Anything else still fails.
known_iter_tcp_bug() { # splats -> 0 if they are that bug alone
	grep -q 'bpf_iter_tcp_established_batch\|bpf_iter_tcp_batch' <<<"$1" || return 1
	! grep -E 'WARNING:' <<<"$1" | grep -vq 'lib/refcount.c' || return 1
	! grep -Eq 'BUG:|kernel BUG at|Oops|KASAN|UBSAN:|general protection fault|Kernel panic|possible (circular|recursive) locking|inconsistent lock state' <<<"$1"
}
if [ -n "$dmesg_check" ]; then
	s="$(splats "$share/dmesg")"
	if [ -n "$s" ] && known_iter_tcp_bug "$s"; then
		echo "$prog: guest kernel ($kv) hit CVE-2026-74714 (iter/tcp refcount on a request socket, which the tests opt into); not a failure of this run:" >&2
		grep -E 'refcount_t:|WARNING:' <<<"$s" >&2
	elif [ -n "$s" ]; then
		echo "$prog: guest kernel log ($kv) has a splat:" >&2
		echo "$s" >&2
		[ "$rc" -ne 0 ] || rc=121
	fi
fi
say "kernel $kv: boot+run+poweroff ${elapsed}s, exit $rc"
exit "$rc"

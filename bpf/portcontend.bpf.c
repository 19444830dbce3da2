// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * portcontend: what each connect() pays to find an ephemeral port.
 *
 * __inet_hash_connect() (IPv4 and, via inet6_hash_connect, IPv6) walks candidate
 * ports; for each it calls check_established (__inet{,6}_check_established),
 * which asks tcp_twsk_unique() whether a TIME_WAIT socket on that 4-tuple may be
 * recycled. All of it runs in the connecting task, so one per-task slot collects
 * a connect()'s counts between entry and exit of __inet_hash_connect.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "shared/portcontend_events.h"
#include "include/core_fixes.bpf.h"
#include "include/net_defs.bpf.h"
#include "include/emit.bpf.h"
#include "include/sock.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u16 filter_dport = 0;
const volatile __u8 filter_daddr_on = 0;
const volatile __u8 filter_daddr[16] = {};
const volatile __u32 filter_pid = 0;
/* check_established's argument count from BTF: 6 on 6.15+ (ae9d5b19b322 added
 * rcu_lookup and hash); the kprobe rung reads rcu_lookup only when it exists. */
const volatile __u8 check_est_nargs = 4;
/* Each fexit target's argument count from BTF (enum pc_fexit_target; fexit_ret()). */
const volatile __u8 fexit_nargs[PC_FX_TARGETS] = {};

#define EADDRNOTAVAIL 99
#define EINPROGRESS 115
#define LOOPBACK_IFINDEX 1

struct inflight {
	__u64 start_ns;
	__u64 sk;
	struct pc_counts c;
	__u8 bound;
	__s8 last_tw;       /* -1 none, 0 rejected, 1 reused: the current candidate's verdict */
	__u8 last_reason;
	__u8 cur_rcu;       /* kprobe rung: this check_established call is the RCU pre-pass */
	__u64 cur_sk;       /* kprobe rung: tcp_twsk_unique's arguments */
	__u64 cur_sktw;
	__u64 cur_tw_twp;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct inflight);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct pc_dest_key);
	__type(value, struct pc_dest_val);
} dest_summary SEC(".maps");

/* Tracepoint rung: who started each connect (the later transitions run in softirq). */
struct connect_start {
	__u64 start_ns;
	__u64 search_ns; /* tracepoint rung: set where the search is known to be over */
	__u64 cgroup;
	__u64 tid;       /* pid_tgid of the connecting thread */
	__u32 pid;
	char comm[16];
};

/* A plain hash, not an LRU: every socket that enters SYN_SENT leaves it through
 * inet_sock_set_state (tcp_set_state), which deletes its entry, so nothing goes stale,
 * and an LRU's update costs several times a hash's on this path (every connect()).
 * A full map (16,384 connects in SYN_SENT at once) is counted as lost. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* sock pointer */
	__type(value, struct connect_start);
} pending_connects SEC(".maps");

static __always_inline bool pid_wanted(void)
{
	return !filter_pid || (bpf_get_current_pid_tgid() >> 32) == filter_pid;
}

static __always_inline bool dest_wanted(__u32 netns, const struct ts_tuple *t)
{
	if (!netns_wanted(netns))
		return false;
	if (filter_family && filter_family != t->family)
		return false;
	if (filter_dport && filter_dport != t->rport)
		return false;
	if (filter_daddr_on) {
		for (int i = 0; i < 16; i++)
			if (filter_daddr[i] != t->raddr[i])
				return false;
	}
	return true;
}

/* Initial value of a summary slot: too big for the 512-byte BPF stack. */
struct pc_dest_val zero_dest = {};

static __always_inline struct pc_dest_val *dest_slot(__u32 netns, const struct ts_tuple *t)
{
	struct pc_dest_key key = {.netns = netns, .dport = t->rport, .family = t->family};
	struct pc_dest_val *v;

	__builtin_memcpy(key.daddr, t->raddr, 16);
	v = bpf_map_lookup_elem(&dest_summary, &key);
	if (!v) {
		bpf_map_update_elem(&dest_summary, &key, &zero_dest, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&dest_summary, &key);
		if (!v)
			count_lost(1);
	}
	return v;
}

static __always_inline __u8 log2_us(__u64 ns)
{
	__u64 us = ns / 1000;
	__u8 b = 0;

	for (int i = 0; i < PC_HIST_BUCKETS - 1 && us > 1; i++) {
		us >>= 1;
		b++;
	}
	return b;
}

static __always_inline void fill_task(struct pc_event *e)
{
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->cgroup = bpf_get_current_cgroup_id(); /* process context: connect() */
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

/* ---- fentry / kprobe rungs ------------------------------------------------ */

static __always_inline void hash_connect_enter(const struct sock *sk)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight in = {};

	if (!pid_wanted())
		return;
	in.start_ns = bpf_ktime_get_boot_ns();
	in.sk = (__u64)sk;
	in.bound = BPF_CORE_READ(sk, __sk_common.skc_num) != 0;
	in.last_tw = -1;
	bpf_map_update_elem(&inflight, &id, &in, BPF_ANY);
}

static __always_inline void hash_connect_exit(int ret, __u8 source)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight *in = bpf_map_lookup_elem(&inflight, &id);
	const struct sock *sk;
	struct pc_dest_val *v;
	struct pc_event e = {};

	if (!in)
		return;
	sk = (const void *)in->sk;
	e.netns = skc_netns((const void *)sk);
	tuple_from_skc((const void *)sk, &e.t);
	if (!dest_wanted(e.netns, &e.t))
		goto out;
	e.ts_ns = bpf_ktime_get_boot_ns();
	e.search_ns = e.ts_ns - in->start_ns;
	e.kind = PC_KIND_CONNECT;
	e.source = source;
	e.err = ret;
	e.result = ret == 0 ? PC_OK : ret == -EADDRNOTAVAIL ? PC_EADDRNOTAVAIL : PC_OTHER_ERR;
	e.bound = in->bound;
	e.c = in->c;
	/* A locked add each costs ~20 cycles even when it adds 0: the counts most
	 * connects leave at 0 (reuse, conflicts, rejections) are added only when not 0,
	 * and `connects` and `searches` are not kept at all: userspace derives them
	 * (ok + eaddrnotavail + other_err, the histogram's sum: PortCollector::counts()). */
	if (aggregate && (v = dest_slot(e.netns, &e.t))) {
		if (e.result == PC_OK)
			__sync_fetch_and_add(&v->ok, 1);
		else if (e.result == PC_EADDRNOTAVAIL)
			__sync_fetch_and_add(&v->eaddrnotavail, 1);
		else
			__sync_fetch_and_add(&v->other_err, 1);
		if (e.bound)
			__sync_fetch_and_add(&v->bound, 1);
		if (e.c.probes)
			__sync_fetch_and_add(&v->probes_sum, e.c.probes);
		if (e.c.probes > v->probes_max)
			v->probes_max = e.c.probes;
		__sync_fetch_and_add(&v->search_ns_sum, e.search_ns);
		if (e.c.tw_reused)
			__sync_fetch_and_add(&v->tw_reused, e.c.tw_reused);
		if (e.c.est_conflicts)
			__sync_fetch_and_add(&v->est_conflicts, e.c.est_conflicts);
		for (int i = 1; i < PC_TW_REASONS; i++)
			if (e.c.tw_rejected[i])
				__sync_fetch_and_add(&v->tw_rejected[i], e.c.tw_rejected[i]);
		__u8 b = log2_us(e.search_ns); /* < PC_HIST_BUCKETS: the test is the verifier's */
		if (b < PC_HIST_BUCKETS)
			__sync_fetch_and_add(&v->search_hist[b], 1);
	}
	if (emit_events) {
		fill_task(&e);
		emit_record(&e, sizeof(e));
	}
out:
	bpf_map_delete_elem(&inflight, &id);
}

/*
 * One candidate port's outcome. A TIME_WAIT socket is recycled only through
 * tcp_twsk_unique() saying so (last_tw == 1), so that verdict is the whole test:
 * check_established's `twp` argument is never read (5.10's btf_ctx_access() refuses
 * a pointer-to-pointer argument in an fexit program, and *twp would only repeat it).
 */
static __always_inline void check_established_exit(bool rcu_lookup, int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight *in = bpf_map_lookup_elem(&inflight, &id);

	if (!in)
		return;
	/* 6.15+ look each port up under RCU first, then decide under the lock:
	 * only the locked pass is a decision. */
	if (rcu_lookup) {
		in->last_tw = -1;
		return;
	}
	in->c.probes++;
	if (ret == 0) {
		if (in->last_tw == 1)
			in->c.tw_reused++;
	} else if (in->last_tw == 0 && in->last_reason < PC_TW_REASONS) {
		in->c.tw_rejected[in->last_reason]++;
	} else {
		in->c.est_conflicts++;
	}
	in->last_tw = -1;
}

static __always_inline bool v4_loopback(__u32 be_addr)
{
	return (be_addr & 0xff) == 127; /* 127.0.0.0/8, network order */
}

static __always_inline bool v6_loopback(const __u8 a[16])
{
	bool lo = true, mapped = true;

	for (int i = 0; i < 15; i++)
		lo = lo && a[i] == 0;
	lo = lo && a[15] == 1;
	for (int i = 0; i < 10; i++)
		mapped = mapped && a[i] == 0;
	mapped = mapped && a[10] == 0xff && a[11] == 0xff && a[12] == 127;
	return lo || mapped;
}

/*
 * tcp_twsk_unique() (tcp_ipv4.c), the reasons in its own order:
 *   FIN_WAIT2 substate -> reuse = 0
 *   reuse == 2 and neither address loopback nor bound to lo -> reuse = 0
 *   recycle iff tw_ts_recent_stamp && (!twp || (reuse && old enough))
 * "Old enough": ktime_get_seconds() > tw_ts_recent_stamp up to 6.13; from the
 * TIME-WAIT reuse delay series (~6.14) tw_entry_stamp + tcp_tw_reuse_delay ms.
 */
static __always_inline __u8 tw_reason(const struct sock *sk, const struct sock *sktw, __u64 twp, int ret)
{
	const struct tcp_timewait_sock *tcptw = (const void *)sktw;
	const struct inet_timewait_sock *tw = (const void *)sktw;
	const struct net *net = BPF_CORE_READ(sk, __sk_common.skc_net.net);
	__u8 reuse = BPF_CORE_READ(net, ipv4.sysctl_tcp_tw_reuse);

	if (ret)
		return PC_TW_REUSED;
	if (BPF_CORE_READ(tw, tw_substate) == TCP_FIN_WAIT2)
		return PC_TW_FIN_WAIT2;
	if (!BPF_CORE_READ(tcptw, tw_ts_recent_stamp))
		return PC_TW_NO_TIMESTAMPS;
	if (!twp)
		return PC_TW_NO_TIMESTAMPS; /* bound port: only timestamps matter */
	if (reuse == 0)
		return PC_TW_REUSE_OFF;
	if (reuse == 2) {
		bool lo = BPF_CORE_READ(tw, __tw_common.skc_bound_dev_if) == LOOPBACK_IFINDEX;
		if (BPF_CORE_READ(tw, __tw_common.skc_family) == AF_INET6) {
			__u8 a[16], b[16];
			BPF_CORE_READ_INTO(&a, tw, __tw_common.skc_v6_daddr.in6_u.u6_addr8);
			BPF_CORE_READ_INTO(&b, tw, __tw_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
			lo = lo || v6_loopback(a) || v6_loopback(b);
		} else {
			lo = lo || v4_loopback(BPF_CORE_READ(tw, __tw_common.skc_daddr)) ||
			     v4_loopback(BPF_CORE_READ(tw, __tw_common.skc_rcv_saddr));
		}
		if (!lo)
			return PC_TW_NOT_LOOPBACK;
	}
	return PC_TW_TOO_RECENT;
}

static __always_inline void twsk_unique_exit(const struct sock *sk, const struct sock *sktw, __u64 twp, int ret,
					     __u8 source)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight *in = bpf_map_lookup_elem(&inflight, &id);
	struct pc_event e = {};

	if (!in || !sktw)
		return;
	in->last_tw = ret ? 1 : 0;
	in->last_reason = tw_reason(sk, sktw, twp, ret);
	if (!emit_events)
		return;
	e.netns = skc_netns((const void *)sktw);
	tuple_from_skc((const void *)sktw, &e.t); /* the TIME_WAIT socket: local = its port */
	if (!dest_wanted(e.netns, &e.t))
		return;
	e.ts_ns = bpf_ktime_get_boot_ns();
	e.kind = PC_KIND_TW_DECISION;
	e.source = source;
	e.bound = !twp;
	e.tw_reason = in->last_reason;
	fill_task(&e);
	emit_record(&e, sizeof(e));
}

SEC("fentry/__inet_hash_connect")
int BPF_PROG(hash_connect__fentry, struct inet_timewait_death_row *death_row, struct sock *sk)
{
	hash_connect_enter(sk);
	return 0;
}

SEC("fexit/__inet_hash_connect")
int BPF_PROG(hash_connect__fexit, struct inet_timewait_death_row *death_row, struct sock *sk)
{
	__u64 ret = fexit_ret(ctx, fexit_nargs[PC_FX_HASH_CONNECT]);

	hash_connect_exit((int)ret, TS_SRC_FENTRY);
	return 0;
}

/* The argument count tells the 6.15+ prototype (rcu_lookup, hash) from older ones. */
static __always_inline void check_est_fexit(const unsigned long long *ctx, __u8 nargs)
{
	__u64 rcu = 0, ret = fexit_ret(ctx, nargs);

	if (nargs >= 5)
		rcu = ctx[4]; /* bool rcu_lookup (6.15+) */
	check_established_exit(rcu & 1, (int)ret);
}

static __always_inline void check_est_enter(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight *in = bpf_map_lookup_elem(&inflight, &id);

	if (!in)
		return;
	in->cur_rcu = check_est_nargs >= 5 ? (PT_REGS_PARM5(ctx) & 1) : 0;
}

static __always_inline void check_est_return(int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight *in = bpf_map_lookup_elem(&inflight, &id);

	if (in)
		check_established_exit(in->cur_rcu, ret);
}

/* The same programs for __inet_check_established and __inet6_check_established. */
#define CHECK_EST_PROGS(name, fn, FX)                                              \
	SEC("fexit/" #fn)                                                          \
	int BPF_PROG(name##__fexit)                                                \
	{                                                                          \
		check_est_fexit(ctx, fexit_nargs[FX]);                             \
		return 0;                                                          \
	}                                                                          \
	SEC("kprobe/" #fn)                                                         \
	int BPF_KPROBE(name##__kprobe)                                             \
	{                                                                          \
		check_est_enter(ctx);                                              \
		return 0;                                                          \
	}                                                                          \
	SEC("kretprobe/" #fn)                                                      \
	int BPF_KRETPROBE(name##__kretprobe, int ret)                              \
	{                                                                          \
		check_est_return(ret);                                             \
		return 0;                                                          \
	}

CHECK_EST_PROGS(check_est, __inet_check_established, PC_FX_CHECK_EST)
CHECK_EST_PROGS(check_est6, __inet6_check_established, PC_FX_CHECK_EST6)

SEC("fexit/tcp_twsk_unique")
int BPF_PROG(twsk_unique__fexit, struct sock *sk, struct sock *sktw, void *twp)
{
	__u64 ret = fexit_ret(ctx, fexit_nargs[PC_FX_TWSK_UNIQUE]);

	twsk_unique_exit(sk, sktw, (__u64)twp, (int)ret, TS_SRC_FENTRY);
	return 0;
}

SEC("kprobe/__inet_hash_connect")
int BPF_KPROBE(hash_connect__kprobe, struct inet_timewait_death_row *death_row, struct sock *sk)
{
	hash_connect_enter(sk);
	return 0;
}

SEC("kretprobe/__inet_hash_connect")
int BPF_KRETPROBE(hash_connect__kretprobe, int ret)
{
	hash_connect_exit(ret, TS_SRC_KPROBE);
	return 0;
}

SEC("kprobe/tcp_twsk_unique")
int BPF_KPROBE(twsk_unique__kprobe, struct sock *sk, struct sock *sktw, void *twp)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight *in = bpf_map_lookup_elem(&inflight, &id);

	if (in) {
		in->cur_sk = (__u64)sk;
		in->cur_sktw = (__u64)sktw;
		in->cur_tw_twp = (__u64)twp;
	}
	return 0;
}

SEC("kretprobe/tcp_twsk_unique")
int BPF_KRETPROBE(twsk_unique__kretprobe, int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight *in = bpf_map_lookup_elem(&inflight, &id);

	if (in)
		twsk_unique_exit((const void *)in->cur_sk, (const void *)in->cur_sktw, in->cur_tw_twp, ret,
				 TS_SRC_KPROBE);
	return 0;
}

/* ---- tracepoint rung: what sock:inet_sock_set_state shows ------------------ */

/*
 * tcp_v4_connect()/tcp_v6_connect() set SYN_SENT, then call inet_hash_connect();
 * on failure they set CLOSE again. So CLOSE->SYN_SENT is a connect() starting, and
 * SYN_SENT->CLOSE with no local port (sport 0) is a port search that failed:
 * EADDRNOTAVAIL (validated on 6.18). Ports probed and TIME_WAIT decisions are not
 * visible here; TWRecycled counts recycling per netns.
 *
 * The search time is the time from CLOSE->SYN_SENT to the first sign the search is
 * over, whichever comes first:
 *  - the socket leaving SYN_SENT in the connecting thread itself: a failed search
 *    (CLOSE), or a loopback handshake completed by the softirq that the SYN's
 *    transmit runs in that thread (ESTABLISHED);
 *  - connect() returning EINPROGRESS (non-blocking, the SYN has been sent) or
 *    EADDRNOTAVAIL (syscalls:sys_exit_connect).
 * It includes the SYN's transmit, microseconds next to a crowded search's
 * milliseconds. A blocking connect() to a remote peer returns only after the
 * handshake, so its search is not timed.
 */
/* `searches` is the histogram's sum and `connects` ok + eaddrnotavail: userspace
 * derives them (PortCollector::counts()), two locked adds fewer per connect(). */
static __always_inline void count_search(struct pc_dest_val *v, __u64 search_ns)
{
	__u8 b = log2_us(search_ns); /* < PC_HIST_BUCKETS: the test is the verifier's */

	__sync_fetch_and_add(&v->search_ns_sum, search_ns);
	if (b < PC_HIST_BUCKETS)
		__sync_fetch_and_add(&v->search_hist[b], 1);
}

static __always_inline void tp_connect_result(const struct sock *sk, __u8 result)
{
	__u64 key = (__u64)sk;
	struct connect_start *st = bpf_map_lookup_elem(&pending_connects, &key);
	struct pc_dest_val *v;
	struct pc_event e = {};

	if (!st)
		return; /* started before we attached, or filtered out */
	e.netns = skc_netns_btf(&sk->__sk_common);
	tuple_from_skc_btf(&sk->__sk_common, &e.t);
	e.ts_ns = bpf_ktime_get_boot_ns();
	if (!st->search_ns && st->tid == bpf_get_current_pid_tgid())
		st->search_ns = e.ts_ns - st->start_ns;
	e.search_ns = st->search_ns; /* 0: not known (a blocking connect to a remote peer) */
	e.kind = PC_KIND_CONNECT;
	e.source = TS_SRC_TRACEPOINT;
	e.result = result;
	e.err = result == PC_EADDRNOTAVAIL ? -EADDRNOTAVAIL : 0;
	if (aggregate && (v = dest_slot(e.netns, &e.t))) {
		__sync_fetch_and_add(result == PC_OK ? &v->ok : &v->eaddrnotavail, 1);
		if (e.search_ns)
			count_search(v, e.search_ns);
	}
	if (emit_events) {
		e.pid = st->pid;
		e.cgroup = st->cgroup;
		__builtin_memcpy(e.comm, st->comm, sizeof(e.comm));
		emit_record(&e, sizeof(e));
	}
	bpf_map_delete_elem(&pending_connects, &key);
}

/*
 * The connect() this CPU's thread is in, from CLOSE->SYN_SENT to its return. Per CPU
 * rather than a hash keyed by thread: a non-blocking connect() does not sleep between
 * the two, so it returns on the CPU it started on, and the slot costs no map update
 * per connect(). One moved by preemption meanwhile, or a blocking one that slept while
 * another thread connected on this CPU, finds another thread's slot: not timed here.
 */
struct connecting_slot {
	__u64 tid; /* pid_tgid; 0: empty */
	__u64 sk;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct connecting_slot);
} connecting SEC(".maps");

static __always_inline struct connecting_slot *connecting_slot(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&connecting, &zero);
}

SEC("tracepoint/syscalls/sys_exit_connect")
int connect_exit__tracepoint(struct trace_event_raw_sys_exit *ctx)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct connecting_slot *slot = connecting_slot();
	struct connect_start *st;
	__u64 key;

	if (!slot || slot->tid != tid)
		return 0;
	key = slot->sk;
	slot->tid = 0;
	if (ctx->ret != -EINPROGRESS && ctx->ret != -EADDRNOTAVAIL)
		return 0; /* blocking: it waited for the handshake too */
	st = bpf_map_lookup_elem(&pending_connects, &key);
	if (st && !st->search_ns)
		st->search_ns = bpf_ktime_get_boot_ns() - st->start_ns;
	return 0;
}

/*
 * Every TCP state change in the system comes here: the transitions that matter
 * (CLOSE->SYN_SENT, out of SYN_SENT) are told from the arguments alone, before any
 * read; the socket's fields are plain loads (a tp_btf argument is a BTF pointer);
 * who connected (comm, cgroup) is read only when events are printed.
 */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(connect_state__tracepoint, const struct sock *sk, int oldstate, int newstate)
{
	bool starts = oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT;
	struct connecting_slot *slot;
	struct ts_tuple t = {};
	__u32 netns;

	if (!starts && oldstate != TCP_SYN_SENT)
		return 0;
	sk = untrusted(sk, struct sock); /* 10 ms of verification -> 1: see untrusted() */
	/* sk_protocol: a u16 of its own since 5.6 (bf9765145b85), so a plain load. */
	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	if (starts) {
		__u64 key = (__u64)sk;
		struct connect_start st = {};

		if (!pid_wanted())
			return 0;
		netns = skc_netns_btf(&sk->__sk_common);
		tuple_from_skc_btf(&sk->__sk_common, &t);
		if (!dest_wanted(netns, &t))
			return 0;
		st.start_ns = bpf_ktime_get_boot_ns();
		st.tid = bpf_get_current_pid_tgid();
		if (emit_events) {
			st.pid = st.tid >> 32;
			st.cgroup = bpf_get_current_cgroup_id();
			bpf_get_current_comm(st.comm, sizeof(st.comm));
		}
		if (bpf_map_update_elem(&pending_connects, &key, &st, BPF_ANY)) {
			count_lost(1); /* 16,384 connects in SYN_SENT: this one is not followed */
			return 0;
		}
		slot = connecting_slot();
		if (slot) {
			slot->tid = st.tid;
			slot->sk = key;
		}
		return 0;
	}
	/* First transition out of SYN_SENT: a port was found unless sport is 0. */
	tp_connect_result(sk, sk->__sk_common.skc_num == 0 ? PC_EADDRNOTAVAIL : PC_OK);
	return 0;
}

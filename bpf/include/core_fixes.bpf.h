/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Kernel-version differences, each named by the version or commit that made it.
 * Everything else reads the running kernel's layout through CO-RE relocations.
 */
#ifndef TCPSIGHT_CORE_FIXES_BPF_H
#define TCPSIGHT_CORE_FIXES_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

/*
 * skb:kfree_skb gained `reason` in 5.17 (c504e5c2f964, "net: skb: introduce
 * kfree_skb_reason()") and `rx_sk` in 6.11 (c53795d48ee8, "net: add rx_sk to
 * trace_kfree_skb"). A tp_btf program may only touch the arguments the running
 * kernel's prototype has, so each access is gated on their number, which userspace
 * reads from the tracepoint's prototype in vmlinux BTF (KernelFeatures::
 * tracepoint_arg_count): frozen rodata, so the untaken branch is dead code for the
 * verifier. (A CO-RE test of the raw event struct did the same at the price of one
 * more walk of all the kernel's BTF types in libbpf at each start.)
 */
const volatile __u8 kfree_skb_nargs = 2;

static __always_inline bool kfree_skb_has_reason(void)
{
	return kfree_skb_nargs >= 3;
}

static __always_inline bool kfree_skb_has_rx_sk(void)
{
	return kfree_skb_nargs >= 4;
}

/*
 * tp_btf arguments are trusted pointers (6.2+), and each pointer a program loads
 * through a trusted or RCU pointer makes the verifier search vmlinux BTF by name up
 * to four times (btf_nested_type_is_trusted(), 6.4+, 6fcd486b3a0a): a walk of every
 * type, ~0.6 ms here, on every path that reaches the load. kfree_skb's skb->sk load
 * cost 29 ms of tcpdrops' start that way. bpf_rdonly_cast (6.2+, a35b9af4ec2c; the
 * verifier turns it into a register move) gives the same type untrusted: the same
 * plain loads, faults still caught, NULL still tested, none of the searches. Where
 * the kfunc is missing the pointer is kept as it is (and the searches do not exist).
 */
#define untrusted(ptr, type) \
	(bpf_ksym_exists(bpf_rdonly_cast) ? (const type *)bpf_core_cast(ptr, type) : (const type *)(ptr))

/*
 * tcp:tcp_retransmit_skb got its own event class with an `err` argument in 6.17
 * ("tcp: trace retransmit failures in tcp_retransmit_skb"); before that it used
 * the tcp_event_sk_skb class, had two arguments and fired only on success.
 * Userspace sets this from the tracepoint's prototype in vmlinux BTF
 * (KernelFeatures::tracepoint_arg_count == 3): a CO-RE test against the 6.17 event
 * struct would make libbpf parse every module's BTF looking for it on older kernels
 * (about a second under emulation). Frozen rodata: the untaken branch is dead code.
 */
const volatile __u8 retransmit_tp_has_err = 0;

/*
 * sk_ack_backlog / sk_max_ack_backlog were u16 before 5.5 (7976a11b3086,
 * "net: use helpers to change sk_ack_backlog") and u32 after; BPF_CORE_READ_INTO
 * through bpf_core_field_size keeps both right.
 */
static __always_inline __u32 read_sk_u32_or_u16(const void *p, __u32 size)
{
	__u32 v = 0;
	if (size == 2) {
		__u16 s = 0;
		bpf_probe_read_kernel(&s, 2, p);
		v = s;
	} else {
		bpf_probe_read_kernel(&v, 4, p);
	}
	return v;
}

static __always_inline __u32 sk_ack_backlog(const struct sock *sk)
{
	return read_sk_u32_or_u16(__builtin_preserve_access_index(&sk->sk_ack_backlog),
				  bpf_core_field_size(sk->sk_ack_backlog));
}

static __always_inline __u32 sk_max_ack_backlog(const struct sock *sk)
{
	return read_sk_u32_or_u16(__builtin_preserve_access_index(&sk->sk_max_ack_backlog),
				  bpf_core_field_size(sk->sk_max_ack_backlog));
}

/*
 * netns sysctls moved into struct net's ipv4 sub-struct over time:
 * sysctl_tcp_abort_on_overflow in 4.17 (2a47fa45d4df), sysctl_tcp_syncookies in
 * 4.12 (12ed8244ed8b). Both exist on every kernel with BTF-enabled tracing that
 * we claim (5.5+), so no flavor is needed; reads go through CO-RE.
 */

/*
 * An fexit program's return value without bpf_get_func_ret(), which came in 5.17
 * (f92c1e183604, "bpf: Add get_func_[arg|ret|arg_cnt] helpers") with
 * bpf_get_func_arg() and bpf_get_func_arg_cnt(). Every fexit trampoline (5.5+)
 * passes the value in the context slot after the last argument, ctx[nr_args], typed
 * by the verifier from the function's BTF. The verifier takes a context offset only
 * as a constant in the instruction, so the slot is picked among constants by the
 * argument count userspace reads from the running kernel's BTF into frozen rodata
 * (`fexit_nargs`): exactly one case stays live. Counts that changed: inet_csk_accept
 * 4 -> 2 in 6.10 (92ef0fd55ac8, proto_accept_arg); __inet_check_established 4 -> 6
 * (rcu_lookup, hash) and __inet_hash_connect 4 -> 5 (hash_port0) in 6.15;
 * tcp_v{4,6}_syn_recv_sock 6 -> 7 (opt_child_init) by 6.18.
 * Each load is written in assembly: clang would otherwise fold the cases into one
 * load from ctx + nargs * 8, a modified context pointer the verifier refuses.
 */
#define FEXIT_SLOT_LOAD(v, ctx, off) asm volatile("%0 = *(u64 *)(%1 + " #off ")" : "=r"(v) : "r"(ctx))

static __always_inline __u64 fexit_ret(const unsigned long long *ctx, __u8 nargs)
{
	__u64 v = 0;

	switch (nargs) {
	case 1: FEXIT_SLOT_LOAD(v, ctx, 8); break;
	case 2: FEXIT_SLOT_LOAD(v, ctx, 16); break;
	case 3: FEXIT_SLOT_LOAD(v, ctx, 24); break;
	case 4: FEXIT_SLOT_LOAD(v, ctx, 32); break;
	case 5: FEXIT_SLOT_LOAD(v, ctx, 40); break;
	case 6: FEXIT_SLOT_LOAD(v, ctx, 48); break;
	case 7: FEXIT_SLOT_LOAD(v, ctx, 56); break;
	case 8: FEXIT_SLOT_LOAD(v, ctx, 64); break;
	}
	return v;
}

#endif

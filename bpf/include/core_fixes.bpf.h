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
 * kernel's prototype has, so each access is gated on the tracepoint's raw
 * struct having that field; the untaken branch is dead code for the verifier.
 */
static __always_inline bool kfree_skb_has_reason(void)
{
	return bpf_core_field_exists(struct trace_event_raw_kfree_skb, reason);
}

static __always_inline bool kfree_skb_has_rx_sk(void)
{
	return bpf_core_field_exists(struct trace_event_raw_kfree_skb, rx_sk);
}

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

#endif

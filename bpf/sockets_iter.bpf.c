// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Snapshot of TCP sockets in the reader's network namespace (iter/tcp, 5.9+):
 * listeners with their queue lengths, and TIME_WAIT / ESTABLISHED sockets for
 * port censuses. The netns is the one current when the iterator fd is created
 * (bpf_iter_init_seq_net), so userspace creates it from inside the target netns.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "shared/events.h"
#include "include/sock.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Bit (1 << TCP state) for each state to report. */
const volatile __u32 states_mask = 1U << TCP_LISTEN;

SEC("iter/tcp")
int dump_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct ts_sock_rec r = {};
	__u8 state;

	if (!skc)
		return 0;
	state = BPF_CORE_READ(skc, skc_state);
	if (state >= 32 || !(states_mask & (1U << state)))
		return 0;
	r.netns = skc_netns(skc);
	tuple_from_skc(skc, &r.t);
	if (state == TCP_LISTEN) {
		struct tcp_sock *tp = bpf_skc_to_tcp_sock(skc);
		struct ts_queues q = {};
		if (!tp)
			return 0;
		listener_queues((const struct sock *)tp, &q);
		r.accept_queue = q.accept_queue;
		r.accept_queue_max = q.accept_queue_max;
		r.syn_queue = q.syn_queue;
		/* sock_i_ino(): names the process holding the listener (userspace, /proc/<pid>/fd) */
		struct socket *so = BPF_CORE_READ(&tp->inet_conn.icsk_inet.sk, sk_socket);
		if (so)
			r.ino = BPF_CORE_READ(container_of(so, struct socket_alloc, socket), vfs_inode.i_ino);
	} else if (state == TCP_TIME_WAIT) {
		struct tcp_timewait_sock *tw = bpf_skc_to_tcp_timewait_sock(skc);
		if (tw)
			r.tw_substate = BPF_CORE_READ(tw, tw_sk.tw_substate);
	}
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

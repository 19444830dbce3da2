// SPDX-License-Identifier: GPL-2.0
/* The floor under tcpdrops' kfree_skb figures: a tp_btf program on the same tracepoint
 * that does nothing. kernel.bpf_stats_enabled times each run between two sched_clock()
 * reads, so on a VM (kvm-clock) an empty program already costs tens of ns: what a
 * program adds is its figure minus this one, taken in the same storm. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("tp_btf/kfree_skb")
int BPF_PROG(kfree_skb__empty, struct sk_buff *skb, void *location)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel end of the data flow: in-kernel filters, then either a ring-buffer
 * event, an in-kernel aggregate, or both. Every event that cannot be delivered
 * is counted, never dropped silently.
 */
#ifndef TCPSIGHT_EMIT_BPF_H
#define TCPSIGHT_EMIT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "shared/events.h"

/* Set by userspace between open and load (rodata). */
const volatile __u32 filter_netns = 0;    /* 0: every netns */
const volatile __u8 filter_family = 0;    /* 0, AF_INET or AF_INET6 */
const volatile __u8 filter_ports_on = 0;  /* consult port_filter */
const volatile __u32 kinds_mask = ~0U;    /* bit (1 << ts_kind) */
const volatile __u8 emit_events = 1;      /* ring-buffer events */
const volatile __u8 aggregate = 0;        /* the tool's in-kernel summary */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 2 * 1024 * 1024);
} events SEC(".maps");

/* [0]: ring buffer full, [1]: a tool's summary map full. Per CPU, summed by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* Ports to keep (local or remote), host order. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u16);
	__type(value, __u8);
} port_filter SEC(".maps");

static __always_inline void count_lost(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&lost, &slot);
	if (n)
		(*n)++;
}

static __always_inline bool kind_wanted(__u8 kind)
{
	return kinds_mask & (1U << kind);
}

/* Filters that need only the netns; cheap enough to run before any parsing. */
static __always_inline bool netns_wanted(__u32 netns)
{
	return !filter_netns || filter_netns == netns;
}

static __always_inline bool tuple_wanted(__u32 netns, const struct ts_tuple *t)
{
	if (!netns_wanted(netns))
		return false;
	if (filter_family && filter_family != t->family)
		return false;
	if (filter_ports_on) {
		__u16 l = t->lport, r = t->rport;
		if (!bpf_map_lookup_elem(&port_filter, &l) && !bpf_map_lookup_elem(&port_filter, &r))
			return false;
	}
	return true;
}

static __always_inline bool event_wanted(const struct ts_event *e)
{
	return tuple_wanted(e->netns, &e->t);
}

/* log2 bucket of a duration in ms: 0 for < 2 ms, 1 for 2-3 ms, ... */
static __always_inline __u8 log2_ms(__u64 ns)
{
	__u64 ms = ns / 1000000;
	__u8 b = 0;

	for (int i = 0; i < 32 && ms > 1; i++) {
		ms >>= 1;
		b++;
	}
	return b;
}

/*
 * Wake the reader only once a quarter of the ring waits (it also reads every 100 ms
 * on its own): a wakeup per record costs the reader a context switch each, which in a
 * storm is most of its time. A quarter of 2 MiB is ~2,300 events, 2 ms at 1M/s.
 */
static __always_inline __u64 ringbuf_wakeup_flag(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= 512 * 1024 ? BPF_RB_FORCE_WAKEUP
									   : BPF_RB_NO_WAKEUP;
}

/* One record to the ring buffer, or one more in the loss counter. */
static __always_inline void emit_record(const void *rec, __u64 size)
{
	if (bpf_ringbuf_output(&events, (void *)rec, size, ringbuf_wakeup_flag()))
		count_lost(0);
}

#endif

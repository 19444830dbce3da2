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
const volatile __u8 aggregate = 0;        /* summary map */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 2 * 1024 * 1024);
} events SEC(".maps");

/* [0]: ring buffer full, [1]: summary map full. Per CPU, summed by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ts_agg_key);
	__type(value, struct ts_agg_val);
} summary SEC(".maps");

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

static __always_inline bool event_wanted(const struct ts_event *e)
{
	if (!netns_wanted(e->netns))
		return false;
	if (filter_family && filter_family != e->t.family)
		return false;
	if (filter_ports_on) {
		__u16 l = e->t.lport, r = e->t.rport;
		if (!bpf_map_lookup_elem(&port_filter, &l) && !bpf_map_lookup_elem(&port_filter, &r))
			return false;
	}
	return true;
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

static __always_inline __u8 agg_sub(const struct ts_event *e)
{
	switch (e->kind) {
	case TS_KIND_RETRANS:
		return e->d.rtx.rtx_kind;
	case TS_KIND_CONNTRACK:
		return e->d.ct.cause;
	case TS_KIND_SYN_DROP:
		return e->d.q.syn_cause;
	case TS_KIND_SLOW_ACCEPT:
		return log2_ms(e->d.acc.wait_ns);
	default:
		return 0;
	}
}

static __always_inline void aggregate_event(const struct ts_event *e)
{
	struct ts_agg_key key = {
		.netns = e->netns,
		.reason = e->reason,
		.lport = e->t.lport,
		.kind = e->kind,
		.sub = agg_sub(e),
	};
	struct ts_agg_val *v = bpf_map_lookup_elem(&summary, &key);
	if (!v) {
		/* Lookup, insert, lookup: a concurrent insert (-EEXIST) is fine;
		 * a full map (-E2BIG) leaves v NULL and is counted. */
		struct ts_agg_val init = { .family = e->t.family };
		bpf_map_update_elem(&summary, &key, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&summary, &key);
		if (!v) {
			count_lost(1);
			return;
		}
	}
	__sync_fetch_and_add(&v->count, 1);
	v->last_ns = e->ts_ns;
	if (e->kind == TS_KIND_SYNACK_RETRANS || e->kind == TS_KIND_LISTEN_OVERFLOW ||
	    e->kind == TS_KIND_SYN_DROP)
		v->q = e->d.q;
	if (e->kind == TS_KIND_SLOW_ACCEPT) {
		v->q.accept_queue = e->d.acc.accept_queue;
		v->q.accept_queue_max = e->d.acc.accept_queue_max;
	}
}

/* Deliver one fully built event. Filters were applied by the caller. */
static __always_inline void submit(const struct ts_event *e)
{
	if (aggregate)
		aggregate_event(e);
	if (emit_events && bpf_ringbuf_output(&events, (void *)e, sizeof(*e), 0))
		count_lost(0);
}

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* tcpdrops' in-kernel summary: counts per (kind, sub, reason, netns, local port). */
#ifndef TCPSIGHT_DROPS_SUMMARY_BPF_H
#define TCPSIGHT_DROPS_SUMMARY_BPF_H

#include "include/emit.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ts_agg_key);
	__type(value, struct ts_agg_val);
} summary SEC(".maps");

/* `kind` is passed apart from e->kind: a constant where the caller knows it, so the
 * compiler drops the other kinds' code. Read back from the event on the stack, it is
 * unknown to the verifier, which would walk every kind's code (log2_ms's loop too). */
static __always_inline __u8 agg_sub(__u8 kind, const struct ts_event *e)
{
	switch (kind) {
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

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct ts_fold_range);
} fold_ranges SEC(".maps");

/* Bumped by userspace after each change to fold_ranges: cached ranges older than it
 * are looked up again. */
__u32 fold_ranges_gen = 0;
/* The lowest `low` of every range in fold_ranges (0 until userspace has written one):
 * a lower port is nobody's ephemeral port, so the range need not be looked up. A
 * server's drops (:80, :443, :8080 under the usual 32768-60999) skip the per-CPU
 * cache's lookup and loads, ~8% of a matching drop's program time. */
__u32 fold_min_low = 0;

/* The range last used on this CPU: a storm repeats one netns, and two hash lookups
 * (the netns, then the default) cost more than the rest of the count. */
struct fold_cache_entry {
	__u32 netns;
	__u32 gen; /* fold_ranges_gen + 1 when filled; 0: empty */
	struct ts_fold_range r;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fold_cache_entry);
} fold_cache SEC(".maps");

static __always_inline const struct ts_fold_range *fold_range_of(__u32 netns)
{
	__u32 zero = 0, gen = fold_ranges_gen + 1;
	struct fold_cache_entry *c = bpf_map_lookup_elem(&fold_cache, &zero);
	struct ts_fold_range *r;

	if (c && c->gen == gen && c->netns == netns)
		return &c->r;
	r = bpf_map_lookup_elem(&fold_ranges, &netns);
	if (!r)
		r = bpf_map_lookup_elem(&fold_ranges, &zero); /* key 0: the default */
	if (!r)
		return NULL;
	if (c) {
		c->netns = netns;
		c->r = *r;
		c->gen = gen;
	}
	return r;
}

/* Client-side kinds carry the connection's ephemeral port as lport: one key per port
 * would fill the map within hours of a busy client (and an exporter runs for months).
 * Folded here, only for summary keys (events keep their port). */
static __always_inline void fold_ephemeral(__u8 kind, struct ts_agg_key *key)
{
	const struct ts_fold_range *r;

	if (kind != TS_KIND_RETRANS && kind != TS_KIND_DROP && kind != TS_KIND_CONNTRACK)
		return;
	if (key->lport < fold_min_low)
		return;
	r = fold_range_of(key->netns);
	if (r && key->lport >= r->low && key->lport <= r->high) {
		key->lport = 0;
		key->flags = TS_AGG_EPHEMERAL;
	}
}

/* The key an event counts under, in the summary and in lost_by_cause. */
static __always_inline struct ts_agg_key agg_key_of(__u8 kind, const struct ts_event *e)
{
	struct ts_agg_key key = {
		.netns = e->netns,
		.reason = e->reason,
		.lport = e->t.lport,
		.kind = kind,
		.sub = agg_sub(kind, e),
	};
	fold_ephemeral(kind, &key);
	return key;
}

/* Boot-time seconds, written by userspace on each tick: a key's last_tick says when it
 * last moved without a clock read per drop (~20 ns in a storm). */
__u32 summary_tick = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TS_HOT_SLOTS);
	__type(key, __u32);
	__type(value, struct ts_hot_slot);
} hot_slots SEC(".maps");

/*
 * A storm repeats one key (netns, port, reason) millions of times: counted in a per-CPU
 * slot it costs an array load and a compare instead of the summary's hash lookup and
 * locked add (~35 ns of a ~160 ns drop). Only kfree_skb's program counts here, and the
 * kernel never runs a program nested in itself on one CPU (it skips the run and counts
 * it in recursion_misses): a slot's plain add races nothing. A key whose slot another
 * key holds goes to the summary as before.
 */
_Static_assert(TS_HOT_SLOTS == 8, "count_in_hot_slot() indexes by the hash's top 3 bits");

static __always_inline bool count_in_hot_slot(const struct ts_agg_key *key, __u8 family)
{
	__u32 h = (key->netns ^ key->reason ^ ((__u32)key->lport << 8) ^ ((__u32)key->sub << 16) ^
		   ((__u32)key->kind << 24)) * 0x9e3779b1u;
	__u32 i = h >> 29; /* the top 3 bits: < TS_HOT_SLOTS */
	struct ts_hot_slot *s = bpf_map_lookup_elem(&hot_slots, &i);
	const __u64 *k = (const __u64 *)key, *held;

	if (!s)
		return false;
	held = (const __u64 *)&s->key;
	if (s->count) {
		if (held[0] != k[0] || held[1] != k[1])
			return false;
		s->count++;
		return true;
	}
	s->key = *key;
	s->family = family;
	asm volatile("" ::: "memory"); /* the key first, then the count that shows it */
	s->count = 1;
	return true;
}

/* `hot`: the caller is kfree_skb's program, which may use the hot slots. */
static __always_inline void aggregate_event_as(__u8 kind, const struct ts_event *e, bool hot)
{
	/* 8-aligned: count_in_hot_slot() compares it as two u64s (stack loads must be aligned). */
	struct ts_agg_key key __attribute__((aligned(8))) = agg_key_of(kind, e);
	struct ts_agg_val *v;

	if (hot && count_in_hot_slot(&key, e->t.family))
		return;
	v = bpf_map_lookup_elem(&summary, &key);
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
	v->last_tick = summary_tick;
	if (kind == TS_KIND_SYNACK_RETRANS || kind == TS_KIND_LISTEN_OVERFLOW || kind == TS_KIND_SYN_DROP)
		v->q = e->d.q;
	if (kind == TS_KIND_SLOW_ACCEPT) {
		__sync_fetch_and_add(&v->sum_ns, e->d.acc.wait_ns);
		v->q.accept_queue = e->d.acc.accept_queue;
		v->q.accept_queue_max = e->d.acc.accept_queue_max;
	}
}

/* Events the ring could not take, by what they were: so an overloaded run still names
 * the cause ("lost 1.9M: drop NETFILTER_DROP :9 in netns X"). Per CPU, no atomics; a
 * full map leaves the loss in the `lost` total only. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 256);
	__type(key, struct ts_agg_key);
	__type(value, __u64);
} lost_by_cause SEC(".maps");

static __always_inline void count_lost_cause(__u8 kind, const struct ts_event *e)
{
	struct ts_agg_key key = agg_key_of(kind, e);
	__u64 one = 1, *n = bpf_map_lookup_elem(&lost_by_cause, &key);

	if (n)
		(*n)++;
	else
		bpf_map_update_elem(&lost_by_cause, &key, &one, BPF_NOEXIST);
}

/* Deliver one fully built event of `kind` (e->kind, as a constant where the caller
 * has one). Filters were applied by the caller. `hot`: see aggregate_event_as(). */
static __always_inline void submit_from(__u8 kind, const struct ts_event *e, bool hot)
{
	if (aggregate)
		aggregate_event_as(kind, e, hot);
	if (emit_events && bpf_ringbuf_output(&events, (void *)e, sizeof(*e), ringbuf_wakeup_flag())) {
		count_lost(0);
		count_lost_cause(kind, e);
	}
}

static __always_inline void submit_as(__u8 kind, const struct ts_event *e)
{
	submit_from(kind, e, false);
}

static __always_inline void submit(const struct ts_event *e)
{
	submit_as(e->kind, e);
}

static __always_inline void aggregate_event(const struct ts_event *e)
{
	aggregate_event_as(e->kind, e, false);
}

#endif

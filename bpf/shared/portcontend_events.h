/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * portcontend's records: one per connect() (the ephemeral-port search and its
 * result) and one per TIME_WAIT decision, plus the per-destination summary.
 */
#ifndef TCPSIGHT_SHARED_PORTCONTEND_EVENTS_H
#define TCPSIGHT_SHARED_PORTCONTEND_EVENTS_H

#include "shared/events.h"

/* portcontend's fexit targets: index into the fexit_nargs rodata (core_fixes.bpf.h). */
enum pc_fexit_target {
	PC_FX_HASH_CONNECT, /* __inet_hash_connect */
	PC_FX_CHECK_EST,    /* __inet_check_established */
	PC_FX_CHECK_EST6,   /* __inet6_check_established */
	PC_FX_TWSK_UNIQUE,  /* tcp_twsk_unique */
	PC_FX_TARGETS,
};

enum pc_kind {
	PC_KIND_CONNECT = 1,     /* one connect()'s port search */
	PC_KIND_TW_DECISION = 2, /* a TIME_WAIT socket reused or rejected */
};

enum pc_result {
	PC_OK = 0,
	PC_EADDRNOTAVAIL = 1, /* every candidate port was taken */
	PC_OTHER_ERR = 2,
};

/* Why tcp_twsk_unique() refused to recycle a TIME_WAIT socket (checked in the
 * kernel's order); PC_TW_REUSED when it did recycle it. */
enum pc_tw_reason {
	PC_TW_REUSED = 0,
	PC_TW_FIN_WAIT2 = 1,     /* the old connection is in FIN_WAIT2, not TIME_WAIT */
	PC_TW_NO_TIMESTAMPS = 2, /* the peer sent no timestamps: tw_ts_recent_stamp == 0 */
	PC_TW_REUSE_OFF = 3,     /* net.ipv4.tcp_tw_reuse = 0 */
	PC_TW_NOT_LOOPBACK = 4,  /* tcp_tw_reuse = 2 (the default) only reuses loopback */
	PC_TW_TOO_RECENT = 5,    /* younger than 1 s (or tcp_tw_reuse_delay) */
	PC_TW_REASONS = 6,
};

struct pc_counts {
	__u32 probes;        /* ports whose 4-tuple was checked: already in use (locked pass on 6.15+) */
	__u32 est_conflicts; /* port busy with a live connection to the same peer */
	__u32 tw_reused;
	__u32 tw_rejected[PC_TW_REASONS]; /* by reason; [PC_TW_REUSED] unused */
};

struct pc_event {
	__u64 ts_ns;
	__u64 search_ns; /* time inside __inet_hash_connect */
	__u64 cgroup;    /* cgroup v2 id of the connecting task */
	__u32 netns;
	__u32 pid;
	char comm[16];
	__u8 kind;   /* enum pc_kind */
	__u8 source; /* enum ts_source */
	__u8 result; /* enum pc_result (connect) */
	__u8 bound;  /* connect() from a port bound with bind(): tcp_tw_reuse not consulted */
	__s32 err;
	struct ts_tuple t; /* local: the chosen (or candidate) port; remote: the destination */
	struct pc_counts c;
	__u8 tw_reason; /* enum pc_tw_reason (TW decision) */
	__u8 _pad[3];
};

/* Summary per destination. */
struct pc_dest_key {
	__u32 netns;
	__u16 dport;
	__u8 family;
	__u8 _pad;
	__u8 daddr[16];
};

#define PC_HIST_BUCKETS 24 /* log2 of the search time in microseconds */

struct pc_dest_val {
	__u64 connects;
	__u64 ok;
	__u64 eaddrnotavail;
	__u64 other_err;
	__u64 bound;
	__u64 probes_sum;
	__u64 search_ns_sum;
	__u64 searches; /* connects whose search time is in search_ns_sum / search_hist */
	__u32 probes_max;
	__u32 _pad;
	__u64 tw_reused;
	__u64 est_conflicts;
	__u64 tw_rejected[PC_TW_REASONS];
	__u64 search_hist[PC_HIST_BUCKETS];
};

#endif

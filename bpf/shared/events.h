/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The records that cross from BPF to userspace, shared by every tcpsight BPF
 * object and the C++ core. Only fixed-width types with explicit padding, so the
 * layout is the same for clang -target bpf and the host compiler
 * (tests/unit/test_layout.cpp pins sizes and offsets).
 */
#ifndef TCPSIGHT_SHARED_EVENTS_H
#define TCPSIGHT_SHARED_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* tcpdrops' fexit targets: index into the fexit_nargs rodata (core_fixes.bpf.h). */
enum ts_fexit_target {
	TS_FX_RETRANSMIT,    /* __tcp_retransmit_skb */
	TS_FX_SYN_RECV_V4,   /* tcp_v4_syn_recv_sock */
	TS_FX_SYN_RECV_V6,   /* tcp_v6_syn_recv_sock */
	TS_FX_ACCEPT,        /* inet_csk_accept */
	TS_FX_CT_EARLY_DROP, /* early_drop */
	TS_FX_CT_ALLOC,      /* __nf_conntrack_alloc */
	TS_FX_CT_CONFIRM,    /* __nf_conntrack_confirm */
	TS_FX_CT_CLASH,      /* nf_ct_resolve_clash */
	TS_FX_TARGETS,
};

/* What happened. Stable numbering: it is part of the in-kernel aggregation key. */
enum ts_kind {
	TS_KIND_NONE = 0,
	TS_KIND_RETRANS = 1,         /* a data/SYN segment retransmitted */
	TS_KIND_SYNACK_RETRANS = 2,  /* a listener retransmitted a SYN-ACK */
	TS_KIND_LISTEN_OVERFLOW = 3, /* final ACK dropped: accept queue full */
	TS_KIND_SYN_DROP = 4,        /* SYN refused: SYN or accept queue full */
	TS_KIND_CONNTRACK = 5,       /* packet dropped by conntrack */
	TS_KIND_DROP = 6,            /* any other kfree_skb of a TCP packet */
	TS_KIND_SLOW_ACCEPT = 7,     /* connection waited long in the accept queue */
	TS_KIND_MAX = 8,
};

/* Which rung of a hook's attach ladder produced the record. */
enum ts_source {
	TS_SRC_NONE = 0,
	TS_SRC_FENTRY = 1,
	TS_SRC_KPROBE = 2,
	TS_SRC_TRACEPOINT = 3,
	TS_SRC_ITER = 4,
	TS_SRC_COUNTER = 5,
};

/* Retransmit classification, derived from the socket at retransmit time. */
enum ts_rtx_kind {
	TS_RTX_OTHER = 0,
	TS_RTX_RTO = 1,  /* icsk_ca_state == TCP_CA_Loss */
	TS_RTX_FAST = 2, /* icsk_ca_state == TCP_CA_Recovery */
	TS_RTX_TLP = 3,  /* CA_Open/Disorder while the loss-probe timer fired */
	TS_RTX_SYN = 4,  /* sk_state == SYN_SENT */
};

/* What skb->_nfct held when netfilter dropped the packet. */
enum ts_ct_entry {
	TS_CT_UNKNOWN = 0,
	TS_CT_NO_ENTRY = 1,    /* no conntrack entry: allocation failed (table full) */
	TS_CT_UNCONFIRMED = 2, /* entry never confirmed: insert failed (clash) */
	TS_CT_CONFIRMED = 3,
};

/* Why conntrack refused a packet. The tracepoint rung presumes the cause from
 * skb->_nfct; the fentry/kprobe rungs see it happen. */
enum ts_ct_cause {
	TS_CTC_UNKNOWN = 0,
	TS_CTC_TABLE_FULL = 1,     /* __nf_conntrack_alloc failed after early_drop found nothing to evict */
	TS_CTC_ALLOC_FAILED = 2,   /* __nf_conntrack_alloc failed without the table being full */
	TS_CTC_INSERT_FAILED = 3,  /* confirm lost a clash: an entry with the same tuple exists */
	TS_CTC_CONFIRM_FAILED = 4, /* confirm dropped it otherwise (chain too long, dying entry) */
};

/* syn-drop causes (the `sub` of a TS_KIND_SYN_DROP aggregate). */
enum ts_syn_drop_cause {
	TS_SYN_OTHER = 0,
	TS_SYN_QUEUE_FULL = 1,   /* SYN queue full, syncookies off */
	TS_SYN_ACCEPT_FULL = 2,  /* accept queue full at SYN time */
	TS_SYN_COOKIE_SENT = 3,  /* SYN queue full, answered with a cookie (not a drop) */
	TS_SYN_LAST_QUARTER = 4, /* syncookies=0 and SYN queue in its last quarter */
};

/* A connection's endpoints; local = this host's socket. */
struct ts_tuple {
	__u8 family; /* AF_INET / AF_INET6 */
	__u8 state;  /* TCP state of the socket involved, 0 if none */
	__u16 lport; /* host order */
	__u16 rport;
	__u16 _pad;
	__u8 laddr[16]; /* IPv4 in the first 4 bytes */
	__u8 raddr[16];
};

struct ts_conntrack {
	__u32 status; /* nf_conn->status (low 32 bits) */
	__u16 zone;
	__u8 entry; /* enum ts_ct_entry */
	__u8 cause; /* enum ts_ct_cause */
	__u32 ct_netns;
	__u8 has_winner;
	__u8 _pad[3];
	/* The entry that won a clash, its original direction (l = source). */
	struct ts_tuple winner;
};

struct ts_retrans {
	__u32 total_retrans;
	__u32 srtt_us;
	__u32 cwnd;
	__s32 err; /* 6.17+ tracepoint reports failed attempts too */
	__u8 rtx_kind;
	__u8 _pad[3];
	__u32 segs; /* 0 when the rung cannot see it */
};

/* Listener queue numbers at the moment of the event. */
struct ts_queues {
	__u32 accept_queue;     /* sk_ack_backlog */
	__u32 accept_queue_max; /* sk_max_ack_backlog (the effective listen backlog) */
	__u32 syn_queue;        /* icsk_accept_queue.qlen */
	__u32 syn_queue_max;    /* the limit qlen is compared with: sk_max_ack_backlog */
	__u32 req_retrans;      /* request sock's SYN-ACK retransmits */
	__u8 abort_on_overflow; /* the listener's netns tcp_abort_on_overflow */
	__u8 syncookies;        /* the listener's netns tcp_syncookies */
	__u8 syn_cause;         /* enum ts_syn_drop_cause */
	__u8 _pad;
};

/* slow-accept: how long a connection waited in the accept queue. */
struct ts_accept {
	__u32 accept_queue;     /* listener's queue after this accept */
	__u32 accept_queue_max;
	__u64 wait_ns;          /* ESTABLISHED -> returned by accept() */
	__u32 pid;              /* the accepting process */
	__u32 _pad;
};

union ts_detail {
	struct ts_retrans rtx;
	struct ts_queues q;
	struct ts_conntrack ct;
	struct ts_accept acc;
	__u8 raw[56];
};


struct ts_event {
	__u64 ts_ns;    /* bpf_ktime_get_boot_ns() */
	__u64 location; /* kfree_skb call site, 0 if none */
	__u32 netns;    /* network namespace inode */
	__u32 reason;   /* enum skb_drop_reason value (running kernel's numbering) */
	__u8 kind;      /* enum ts_kind */
	__u8 source;    /* enum ts_source */
	__u8 _pad[6];
	struct ts_tuple t;
	union ts_detail d;
};

/* In-kernel summary: key and value of the `summary` hash map. */
struct ts_agg_key {
	__u32 netns;
	__u32 reason;
	__u16 lport;
	__u8 kind;
	__u8 sub; /* rtx_kind, ct entry, syn_cause, or log2 bucket of an accept wait in ms */
	__u8 flags; /* TS_AGG_* */
	__u8 _pad[3];
};

/* lport was in the netns's ephemeral range (a connection this host opened): folded to 0
 * in the kernel, so client ports never grow the map (ts_fold_range). */
#define TS_AGG_EPHEMERAL 1

/* The ephemeral range per netns inode (key 0: the default for unknown netns), kept by
 * userspace from net.ipv4.ip_local_port_range. */
struct ts_fold_range {
	__u16 low;
	__u16 high;
};

struct ts_agg_val {
	__u64 count;
	__u64 sum_ns; /* slow-accept: the waits added up (a histogram's _sum); else 0 */
	struct ts_queues q; /* last queue numbers seen for this key */
	__u8 family;
	__u8 _pad[3];
	__u32 last_tick; /* summary_tick when the count last moved: userspace evicts idle keys */
};

/* kfree_skb's per-CPU hot slots, beside the summary in summary mode: the first key a
 * slot sees on a CPU claims it for the run, and that CPU counts it there with a plain
 * add (no hash lookup, no locked add). Counts never move between a slot and the
 * summary, so userspace's sum of both only grows. */
#define TS_HOT_SLOTS 8
struct ts_hot_slot {
	__u64 count; /* 0: unclaimed. Written after the key: a reader that sees it sees the key */
	struct ts_agg_key key;
	__u8 family;
	__u8 _pad[7];
};

/* One socket, written by the iter/tcp program (bpf/sockets_iter.bpf.c). */
struct ts_sock_rec {
	__u32 netns;
	__u8 tw_substate;
	__u8 _pad[3];
	struct ts_tuple t;
	__u32 accept_queue;
	__u32 accept_queue_max;
	__u32 syn_queue;
	__u32 ino; /* the listener's socket inode (get_next_ino(): 32 bits), 0 if none */
};

#endif /* TCPSIGHT_SHARED_EVENTS_H */

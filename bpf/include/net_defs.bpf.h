/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Constants from uapi and kernel headers that BTF (and so vmlinux.h) cannot carry: #defines. */
#ifndef TCPSIGHT_NET_DEFS_BPF_H
#define TCPSIGHT_NET_DEFS_BPF_H

#define AF_INET 2
#define AF_INET6 10
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define NFCT_PTRMASK (~7UL) /* include/linux/skbuff.h: low bits of skb->_nfct are ctinfo */
#define ICSK_TIME_LOSS_PROBE 5 /* include/net/inet_connection_sock.h, stable since 4.10 */
#define TS_IPS_CONFIRMED (1U << 3) /* uapi nf_conntrack_common.h: IPS_CONFIRMED_BIT */
#define TCP_FLAG_SYN_BIT 0x02 /* the flags byte of the TCP header (RFC 9293) */
#define TCP_FLAG_RST_BIT 0x04
#define TCP_FLAG_ACK_BIT 0x10

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_PKT_H
#define MS_PKT_H

/*
 * Frames in and out of a worker: parsing what arrives (Ethernet, one 802.1Q
 * tag, IPv4 or IPv6, UDP) and writing the headers of what leaves.
 *
 * Everything here is per packet and untrusted: every length is checked
 * against the frame before it is read, nothing allocates, nothing logs.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "addr.h"

/* What a port is on layer 3: its MAC, VLAN and addresses. */
#define MS_PORT_MAX_ADDRS 8
struct ms_port_l3 {
	struct rte_ether_addr mac;
	uint16_t vlan; /* 0: untagged */
	uint16_t nb_addrs;
	struct ms_addr addrs[MS_PORT_MAX_ADDRS]; /* with prefix_len */
	struct ms_addr gateway4;                 /* family 0: none, every peer is on-link */
	struct ms_addr gateway6;
};

/* The port's own address equal to a, or NULL. */
const struct ms_addr *ms_port_l3_own(const struct ms_port_l3 *pl, const struct ms_addr *a);
/* Next hop toward dst: dst itself when on-link (or no gateway), else the gateway. */
const struct ms_addr *ms_port_l3_next_hop(const struct ms_port_l3 *pl, const struct ms_addr *dst);

enum ms_pkt_class {
	MS_PKT_UDP,       /* UDP for one of the port's addresses: pi is filled */
	MS_PKT_ARP,       /* ARP: for ms_neigh_input */
	MS_PKT_ND,        /* ICMPv6 neighbour solicitation or advertisement: ms_neigh_input */
	MS_PKT_NOT_MEDIA, /* anything else well-formed: other protocols, not our address */
	MS_PKT_WRONG_VLAN,/* tagged with another VLAN than the port's, or untagged on a tagged port */
	MS_PKT_FRAGMENT,  /* IPv4 fragment or IPv6 fragment header */
	MS_PKT_MALFORMED, /* truncated headers, lengths that do not add up, chained mbuf */
	MS_PKT_IP_CHECKSUM, /* IPv4 header checksum wrong (or the NIC said the L4 checksum is) */
};

/* What parsing found in a UDP frame. */
struct ms_pkt_info {
	struct ms_addr src; /* prefix_len 0 */
	struct ms_addr dst;
	uint16_t src_port; /* host order */
	uint16_t dst_port;
	uint16_t payload_off; /* UDP payload, from the start of the frame */
	uint16_t payload_len;
	struct rte_ether_addr src_mac;
};

/*
 * Classifies one received frame. For MS_PKT_UDP fills pi and trims the mbuf
 * to the end of the UDP datagram (Ethernet padding and trailing bytes go), so
 * that after rte_pktmbuf_adj(m, pi->payload_off) the mbuf holds exactly the
 * UDP payload. Checks the IPv4 header checksum in software unless the NIC
 * marked it good.
 */
enum ms_pkt_class ms_pkt_parse(struct rte_mbuf *m, const struct ms_port_l3 *pl,
			       struct ms_pkt_info *pi);

/* How to send a UDP payload. */
struct ms_pkt_encap {
	struct rte_ether_addr src_mac;
	struct rte_ether_addr dst_mac;
	uint16_t vlan; /* 0: untagged */
	const struct ms_addr *src;
	const struct ms_addr *dst; /* same family as src */
	uint16_t src_port;         /* host order */
	uint16_t dst_port;
	bool ipv4_cksum_offload;   /* the port computes the IPv4 header checksum */
	bool udp_cksum_offload;    /* the port computes the UDP checksum */
};

/* Bytes ms_pkt_encap prepends for this family and VLAN. */
static inline uint16_t
ms_pkt_encap_len(uint8_t family, uint16_t vlan)
{
	return (uint16_t)(RTE_ETHER_HDR_LEN + (vlan ? 4 : 0) + (family == AF_INET ? 20 : 40) + 8);
}

/*
 * Prepends Ethernet (+ 802.1Q), IPv4 or IPv6 and UDP headers to the UDP
 * payload m holds, with TTL/hop limit 64 and correct checksums (computed in
 * software unless offloaded, in which case the mbuf's offload flags and
 * lengths are set). Returns 0, or -ENOSPC when the headroom is too small.
 */
int ms_pkt_encap(struct rte_mbuf *m, const struct ms_pkt_encap *e);

/* RFC 5761 section 4: RTCP when the second byte is in 192..223 (packet types 64..95 are RTP's). */
static inline bool
ms_pkt_is_rtcp(const uint8_t *udp_payload, uint16_t len)
{
	return len >= 2 && udp_payload[1] >= 192 && udp_payload[1] <= 223;
}

#endif

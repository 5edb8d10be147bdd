/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-packet headers: classification of what a worker receives and the
 * Ethernet/IP/UDP headers of what it sends. Every read is bounded by the
 * first segment's data_len; nothing here allocates, locks or logs.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "pkt.h"

#define ICMP6_NS 135
#define ICMP6_NA 136
#define ICMP6_MIN_LEN 4 /* type, code, checksum */

#define V4_HDR_LEN ((uint16_t)sizeof(struct rte_ipv4_hdr))
#define V6_HDR_LEN ((uint16_t)sizeof(struct rte_ipv6_hdr))
#define UDP_HDR_LEN ((uint16_t)sizeof(struct rte_udp_hdr))
#define VLAN_HDR_LEN ((uint16_t)sizeof(struct rte_vlan_hdr))

const struct ms_addr *
ms_port_l3_own(const struct ms_port_l3 *pl, const struct ms_addr *a)
{
	unsigned n = RTE_MIN(pl->nb_addrs, (uint16_t)MS_PORT_MAX_ADDRS);

	for (unsigned i = 0; i < n; i++)
		if (ms_addr_equal(&pl->addrs[i], a))
			return &pl->addrs[i];
	return NULL;
}

const struct ms_addr *
ms_port_l3_next_hop(const struct ms_port_l3 *pl, const struct ms_addr *dst)
{
	unsigned n = RTE_MIN(pl->nb_addrs, (uint16_t)MS_PORT_MAX_ADDRS);
	const struct ms_addr *gw;

	if (dst->family == AF_INET)
		gw = &pl->gateway4;
	else if (dst->family == AF_INET6)
		gw = &pl->gateway6;
	else
		return dst;
	if (gw->family != dst->family)
		return dst;
	for (unsigned i = 0; i < n; i++)
		if (ms_addr_in_prefix(&pl->addrs[i], dst))
			return dst;
	return gw;
}

/* The rest of the frame after the IP header: UDP for one of our addresses, or why not. */
static enum ms_pkt_class
parse_udp(struct rte_mbuf *m, const struct ms_port_l3 *pl, struct ms_pkt_info *pi,
	  uint8_t *frame, uint32_t l4_off, uint32_t l4_room, bool exact)
{
	const struct rte_udp_hdr *udp;
	uint16_t udp_len;

	if (l4_room < UDP_HDR_LEN)
		return MS_PKT_MALFORMED;
	udp = (const struct rte_udp_hdr *)(frame + l4_off);
	udp_len = rte_be_to_cpu_16(udp->dgram_len);
	if (udp_len < UDP_HDR_LEN || udp_len > l4_room || (exact && udp_len != l4_room))
		return MS_PKT_MALFORMED;
	if (ms_port_l3_own(pl, &pi->dst) == NULL)
		return MS_PKT_NOT_MEDIA;
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return MS_PKT_IP_CHECKSUM;

	rte_ether_addr_copy(&((const struct rte_ether_hdr *)frame)->src_addr, &pi->src_mac);
	pi->src_port = rte_be_to_cpu_16(udp->src_port);
	pi->dst_port = rte_be_to_cpu_16(udp->dst_port);
	pi->payload_off = (uint16_t)(l4_off + UDP_HDR_LEN);
	pi->payload_len = (uint16_t)(udp_len - UDP_HDR_LEN);
	/* Ethernet padding and IPv4 trailing bytes go */
	if (rte_pktmbuf_data_len(m) > l4_off + udp_len)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - (l4_off + udp_len)));
	return MS_PKT_UDP;
}

static enum ms_pkt_class
parse_ipv4(struct rte_mbuf *m, const struct ms_port_l3 *pl, struct ms_pkt_info *pi,
	   uint8_t *frame, uint32_t off, uint32_t len)
{
	const struct rte_ipv4_hdr *ip;
	uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	uint32_t hl, total;

	if (len - off < V4_HDR_LEN)
		return MS_PKT_MALFORMED;
	ip = (const struct rte_ipv4_hdr *)(frame + off);
	if ((ip->version_ihl >> 4) != 4)
		return MS_PKT_MALFORMED;
	hl = (uint32_t)(ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * 4;
	total = rte_be_to_cpu_16(ip->total_length);
	if (hl < V4_HDR_LEN || hl > len - off || total < hl || total > len - off)
		return MS_PKT_MALFORMED;
	if (ck == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return MS_PKT_IP_CHECKSUM;
	/* GOOD, or NONE (the header was verified, the field is not filled) */
	if (ck == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN && rte_raw_cksum(ip, hl) != 0xffff)
		return MS_PKT_IP_CHECKSUM;
	if (rte_be_to_cpu_16(ip->fragment_offset) &
	    (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		return MS_PKT_FRAGMENT;
	if (ip->next_proto_id != IPPROTO_UDP)
		return MS_PKT_NOT_MEDIA;

	ms_addr_set_v4(&pi->src, &ip->src_addr);
	ms_addr_set_v4(&pi->dst, &ip->dst_addr);
	/* options skipped; bytes after the datagram inside total_length are trimmed */
	return parse_udp(m, pl, pi, frame, off + hl, total - hl, false);
}

static enum ms_pkt_class
parse_ipv6(struct rte_mbuf *m, const struct ms_port_l3 *pl, struct ms_pkt_info *pi,
	   uint8_t *frame, uint32_t off, uint32_t len)
{
	const struct rte_ipv6_hdr *ip;
	uint32_t plen, l4_off;

	if (len - off < V6_HDR_LEN)
		return MS_PKT_MALFORMED;
	ip = (const struct rte_ipv6_hdr *)(frame + off);
	if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6)
		return MS_PKT_MALFORMED;
	plen = rte_be_to_cpu_16(ip->payload_len);
	l4_off = off + V6_HDR_LEN;
	if (plen > len - l4_off)
		return MS_PKT_MALFORMED;

	switch (ip->proto) {
	case IPPROTO_UDP:
		break;
	case IPPROTO_FRAGMENT:
		return MS_PKT_FRAGMENT;
	case IPPROTO_ICMPV6:
		if (plen < ICMP6_MIN_LEN)
			return MS_PKT_MALFORMED;
		if (frame[l4_off] == ICMP6_NS || frame[l4_off] == ICMP6_NA)
			return MS_PKT_ND;
		return MS_PKT_NOT_MEDIA;
	default:
		return MS_PKT_NOT_MEDIA;
	}

	ms_addr_set_v6(&pi->src, ip->src_addr);
	ms_addr_set_v6(&pi->dst, ip->dst_addr);
	return parse_udp(m, pl, pi, frame, l4_off, plen, true);
}

enum ms_pkt_class
ms_pkt_parse(struct rte_mbuf *m, const struct ms_port_l3 *pl, struct ms_pkt_info *pi)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), off = RTE_ETHER_HDR_LEN;
	const struct rte_ether_hdr *eth;
	uint16_t type;

	if (m->nb_segs != 1 || m->next != NULL || rte_pktmbuf_pkt_len(m) != len)
		return MS_PKT_MALFORMED;
	if (len < RTE_ETHER_HDR_LEN)
		return MS_PKT_MALFORMED;
	eth = (const struct rte_ether_hdr *)frame;
	/* the PMD may be promiscuous (af_packet, af_xdp): the filter is ours */
	if (!rte_is_same_ether_addr(&eth->dst_addr, &pl->mac) &&
	    !rte_is_multicast_ether_addr(&eth->dst_addr))
		return MS_PKT_NOT_MEDIA;

	type = rte_be_to_cpu_16(eth->ether_type);
	if (type == RTE_ETHER_TYPE_VLAN) {
		const struct rte_vlan_hdr *vh;

		if (len < RTE_ETHER_HDR_LEN + VLAN_HDR_LEN)
			return MS_PKT_MALFORMED;
		vh = (const struct rte_vlan_hdr *)(frame + RTE_ETHER_HDR_LEN);
		if (pl->vlan == 0 ||
		    (rte_be_to_cpu_16(vh->vlan_tci) & RTE_VLAN_ID_MASK) != pl->vlan)
			return MS_PKT_WRONG_VLAN;
		type = rte_be_to_cpu_16(vh->eth_proto);
		off += VLAN_HDR_LEN;
	} else if (pl->vlan != 0) {
		return MS_PKT_WRONG_VLAN;
	}

	switch (type) {
	case RTE_ETHER_TYPE_IPV4:
		return parse_ipv4(m, pl, pi, frame, off, len);
	case RTE_ETHER_TYPE_IPV6:
		return parse_ipv6(m, pl, pi, frame, off, len);
	case RTE_ETHER_TYPE_ARP:
		if (len - off < sizeof(struct rte_arp_hdr))
			return MS_PKT_MALFORMED;
		return MS_PKT_ARP;
	default:
		return MS_PKT_NOT_MEDIA;
	}
}

int
ms_pkt_encap(struct rte_mbuf *m, const struct ms_pkt_encap *e)
{
	uint8_t family = e->src->family;
	uint16_t l2_len = (uint16_t)(RTE_ETHER_HDR_LEN + (e->vlan ? VLAN_HDR_LEN : 0));
	uint16_t l3_len = family == AF_INET ? V4_HDR_LEN : V6_HDR_LEN;
	uint32_t udp_len = rte_pktmbuf_pkt_len(m) + UDP_HDR_LEN;
	struct rte_ether_hdr *eth;
	struct rte_udp_hdr *udp;
	uint8_t *l3;
	uint16_t ether_type;
	uint64_t ol;

	if ((family != AF_INET && family != AF_INET6) || e->dst->family != family)
		return -EINVAL;
	if (udp_len + (family == AF_INET ? l3_len : 0) > UINT16_MAX)
		return -EMSGSIZE;
	/* the software UDP checksum reads the payload as one contiguous block */
	if (m->nb_segs != 1 && !e->udp_cksum_offload)
		return -EINVAL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, (uint16_t)(l2_len + l3_len +
									 UDP_HDR_LEN));
	if (eth == NULL)
		return -ENOSPC;

	ether_type = family == AF_INET ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6;
	rte_ether_addr_copy(&e->dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(&e->src_mac, &eth->src_addr);
	if (e->vlan) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(e->vlan & RTE_VLAN_ID_MASK);
		vh->eth_proto = rte_cpu_to_be_16(ether_type);
	} else {
		eth->ether_type = rte_cpu_to_be_16(ether_type);
	}
	l3 = (uint8_t *)eth + l2_len;
	udp = (struct rte_udp_hdr *)(l3 + l3_len);
	udp->src_port = rte_cpu_to_be_16(e->src_port);
	udp->dst_port = rte_cpu_to_be_16(e->dst_port);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)udp_len);
	udp->dgram_cksum = 0;

	/* stale offload requests of an earlier life of this mbuf go */
	ol = m->ol_flags & ~RTE_MBUF_F_TX_OFFLOAD_MASK;
	m->tx_offload = 0;
	m->l2_len = l2_len;
	m->l3_len = l3_len;
	m->l4_len = UDP_HDR_LEN;

	if (family == AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->type_of_service = 0;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(V4_HDR_LEN + udp_len));
		ip->packet_id = 0;
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		ip->hdr_checksum = 0;
		memcpy(&ip->src_addr, e->src->a, 4);
		memcpy(&ip->dst_addr, e->dst->a, 4);
		if (e->ipv4_cksum_offload || e->udp_cksum_offload)
			ol |= RTE_MBUF_F_TX_IPV4;
		if (e->ipv4_cksum_offload)
			ol |= RTE_MBUF_F_TX_IP_CKSUM;
		else
			ip->hdr_checksum = rte_ipv4_cksum(ip);
		if (e->udp_cksum_offload) {
			ol |= RTE_MBUF_F_TX_UDP_CKSUM;
			udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, ol);
		} else {
			/* rte_ipv4_udptcp_cksum sends a computed 0 as 0xffff */
			udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
		}
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)l3;

		ip->vtc_flow = rte_cpu_to_be_32(UINT32_C(6) << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)udp_len);
		ip->proto = IPPROTO_UDP;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, e->src->a, 16);
		memcpy(ip->dst_addr, e->dst->a, 16);
		if (e->udp_cksum_offload) {
			ol |= RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM;
			udp->dgram_cksum = rte_ipv6_phdr_cksum(ip, ol);
		} else {
			udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip, udp);
		}
	}
	m->ol_flags = ol;
	return 0;
}

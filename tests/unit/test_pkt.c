/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame parsing and header writing (dataplane/pkt.c): frames built by hand
 * reach every class; UDP frames come out trimmed to the datagram; truncated
 * and random frames never crash nor pass as UDP; encapsulated frames carry
 * checksums that verify independently and parse back to what went in.
 *
 * Frames for the truncation and fuzz tests live in exactly-sized malloc'ed
 * external buffers, so that under ASan a read past data_len is caught.
 */
#define ALLOW_EXPERIMENTAL_API /* rte_ipv{4,6}_udptcp_cksum_verify */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "ms_test.h"
#include "pkt.h"

static const struct rte_ether_addr port_mac = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x01}};
static const struct rte_ether_addr peer_mac = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x0a}};

static struct ms_addr
addr(const char *s)
{
	struct ms_addr a;

	assert_int_equal(ms_addr_parse(s, &a, true), 0);
	return a;
}

static void
port_init(struct ms_port_l3 *pl, uint16_t vlan)
{
	memset(pl, 0, sizeof(*pl));
	pl->mac = port_mac;
	pl->vlan = vlan;
	pl->addrs[0] = addr("192.0.2.1/24");
	pl->addrs[1] = addr("2001:db8::1/64");
	pl->addrs[2] = addr("198.51.100.7/28");
	pl->nb_addrs = 3;
}

/* What a test frame looks like. */
struct shape {
	uint8_t family;
	uint16_t vlan;
	uint8_t opt_words;   /* IPv4 option words */
	uint16_t trailer;    /* IPv4: bytes inside total_length after the datagram */
	uint16_t pad;        /* bytes after the IP packet */
	uint16_t payload_len;
	uint8_t proto;       /* 0: UDP */
	const char *src, *dst;
	uint16_t sport, dport;
};

/* Writes the frame; returns its length and where the IP header and UDP payload are. */
static uint16_t
build(uint8_t *buf, const struct shape *s, const uint8_t *payload, uint16_t *l3_off,
      uint16_t *payload_off)
{
	struct ms_addr src = addr(s->src), dst = addr(s->dst);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	uint16_t off = RTE_ETHER_HDR_LEN, udp_len = (uint16_t)(8 + s->payload_len), l4_off;
	uint16_t etype = s->family == AF_INET ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6;
	struct rte_udp_hdr *udp;

	eth->dst_addr = port_mac;
	eth->src_addr = peer_mac;
	if (s->vlan) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(buf + off);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16((uint16_t)(0x2000 | s->vlan)); /* priority 1 */
		vh->eth_proto = rte_cpu_to_be_16(etype);
		off += 4;
	} else {
		eth->ether_type = rte_cpu_to_be_16(etype);
	}
	*l3_off = off;
	if (s->family == AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + off);
		uint16_t hl = (uint16_t)(20 + 4 * s->opt_words);

		memset(ip, 0, hl);
		ip->version_ihl = (uint8_t)(0x40 | (hl / 4));
		ip->total_length = rte_cpu_to_be_16((uint16_t)(hl + udp_len + s->trailer));
		ip->packet_id = rte_cpu_to_be_16(0x1234);
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 63;
		ip->next_proto_id = s->proto ? s->proto : IPPROTO_UDP;
		memcpy(&ip->src_addr, src.a, 4);
		memcpy(&ip->dst_addr, dst.a, 4);
		for (unsigned i = 0; i < 4u * s->opt_words; i++)
			buf[off + 20 + i] = RTE_IPV4_HDR_OPT_NOP;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		l4_off = (uint16_t)(off + hl);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(buf + off);

		memset(ip, 0, sizeof(*ip));
		ip->vtc_flow = rte_cpu_to_be_32(0x60012345);
		ip->payload_len = rte_cpu_to_be_16(udp_len);
		ip->proto = s->proto ? s->proto : IPPROTO_UDP;
		ip->hop_limits = 63;
		memcpy(ip->src_addr, src.a, 16);
		memcpy(ip->dst_addr, dst.a, 16);
		l4_off = (uint16_t)(off + 40);
	}
	udp = (struct rte_udp_hdr *)(buf + l4_off);
	udp->src_port = rte_cpu_to_be_16(s->sport);
	udp->dst_port = rte_cpu_to_be_16(s->dport);
	udp->dgram_len = rte_cpu_to_be_16(udp_len);
	udp->dgram_cksum = 0;
	memcpy(buf + l4_off + 8, payload, s->payload_len);
	if (s->family == AF_INET)
		udp->dgram_cksum = rte_ipv4_udptcp_cksum((struct rte_ipv4_hdr *)(buf + off), udp);
	else
		udp->dgram_cksum = rte_ipv6_udptcp_cksum((struct rte_ipv6_hdr *)(buf + off), udp);
	*payload_off = (uint16_t)(l4_off + 8);
	/* trailer and Ethernet padding: junk that must not be taken for payload */
	memset(buf + l4_off + udp_len, 0xee, s->trailer + s->pad);
	return (uint16_t)(l4_off + udp_len + s->trailer + s->pad);
}

static void
shape_v4(struct shape *s)
{
	memset(s, 0, sizeof(*s));
	s->family = AF_INET;
	s->src = "192.0.2.10";
	s->dst = "192.0.2.1";
	s->sport = 40000;
	s->dport = 5004;
	s->payload_len = 172;
}

static void
shape_v6(struct shape *s)
{
	memset(s, 0, sizeof(*s));
	s->family = AF_INET6;
	s->src = "2001:db8::10";
	s->dst = "2001:db8::1";
	s->sport = 40000;
	s->dport = 5006;
	s->payload_len = 172;
}

static enum ms_pkt_class
parse_bytes(const uint8_t *buf, uint16_t len, const struct ms_port_l3 *pl, uint64_t ol_flags)
{
	struct rte_mbuf *m = ms_test_mbuf(buf, len);
	struct ms_pkt_info pi;
	enum ms_pkt_class c;

	m->ol_flags |= ol_flags;
	c = ms_pkt_parse(m, pl, &pi);
	rte_pktmbuf_free(m);
	return c;
}

static void
test_own_next_hop(void **state)
{
	struct ms_port_l3 pl;
	struct ms_addr a;

	(void)state;
	port_init(&pl, 0);
	a = addr("192.0.2.1");
	assert_ptr_equal(ms_port_l3_own(&pl, &a), &pl.addrs[0]);
	a = addr("2001:db8::1");
	assert_ptr_equal(ms_port_l3_own(&pl, &a), &pl.addrs[1]);
	a = addr("192.0.2.2");
	assert_null(ms_port_l3_own(&pl, &a));
	/* IPv4 bytes in an IPv6 key are another address */
	a = addr("192.0.2.1");
	a.family = AF_INET6;
	assert_null(ms_port_l3_own(&pl, &a));

	/* no gateway: every peer is on-link */
	a = addr("203.0.113.5");
	assert_ptr_equal(ms_port_l3_next_hop(&pl, &a), &a);
	pl.gateway4 = addr("192.0.2.254");
	assert_ptr_equal(ms_port_l3_next_hop(&pl, &a), &pl.gateway4);
	a = addr("192.0.2.77");
	assert_ptr_equal(ms_port_l3_next_hop(&pl, &a), &a);
	a = addr("198.51.100.14"); /* inside the /28 */
	assert_ptr_equal(ms_port_l3_next_hop(&pl, &a), &a);
	a = addr("198.51.100.16"); /* just outside it */
	assert_ptr_equal(ms_port_l3_next_hop(&pl, &a), &pl.gateway4);
	/* an IPv4 gateway is no IPv6 next hop */
	a = addr("2001:db9::5");
	assert_ptr_equal(ms_port_l3_next_hop(&pl, &a), &a);
	pl.gateway6 = addr("fe80::1");
	assert_ptr_equal(ms_port_l3_next_hop(&pl, &a), &pl.gateway6);
	a = addr("2001:db8::abcd:5");
	assert_ptr_equal(ms_port_l3_next_hop(&pl, &a), &a);
}

/* One UDP frame of shape s through the parser: class UDP, pi right, mbuf trimmed. */
static void
check_udp(const struct shape *s, const struct ms_port_l3 *pl)
{
	uint8_t buf[2048], payload[1500];
	uint16_t l3_off, poff, len;
	struct ms_pkt_info pi;
	struct rte_mbuf *m;
	struct ms_addr src = addr(s->src), dst = addr(s->dst);

	ms_test_rand_bytes(payload, s->payload_len);
	len = build(buf, s, payload, &l3_off, &poff);
	m = ms_test_mbuf(buf, len);
	memset(&pi, 0xa5, sizeof(pi));
	assert_int_equal(ms_pkt_parse(m, pl, &pi), MS_PKT_UDP);
	assert_true(ms_addr_equal(&pi.src, &src));
	assert_true(ms_addr_equal(&pi.dst, &dst));
	assert_int_equal(pi.src.prefix_len, 0);
	assert_int_equal(pi.src_port, s->sport);
	assert_int_equal(pi.dst_port, s->dport);
	assert_int_equal(pi.payload_off, poff);
	assert_int_equal(pi.payload_len, s->payload_len);
	assert_memory_equal(&pi.src_mac, &peer_mac, sizeof(peer_mac));
	/* padding and trailer gone: the mbuf ends where the datagram does */
	assert_int_equal(rte_pktmbuf_pkt_len(m), poff + s->payload_len);
	assert_int_equal(rte_pktmbuf_data_len(m), poff + s->payload_len);
	assert_non_null(rte_pktmbuf_adj(m, pi.payload_off));
	assert_int_equal(rte_pktmbuf_pkt_len(m), s->payload_len);
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), payload, s->payload_len);
	rte_pktmbuf_free(m);
}

static void
test_parse_udp(void **state)
{
	static const uint8_t opt_words[] = {0, 1, 3, 10};
	static const uint16_t pads[] = {0, 1, 7, 40};
	struct ms_port_l3 pl;
	struct shape s;
	unsigned n = 0;

	(void)state;
	for (uint16_t vlan = 0; vlan <= 100; vlan += 100) {
		port_init(&pl, vlan);
		for (unsigned o = 0; o < RTE_DIM(opt_words); o++)
			for (unsigned p = 0; p < RTE_DIM(pads); p++) {
				shape_v4(&s);
				s.vlan = vlan;
				s.opt_words = opt_words[o];
				s.pad = pads[p];
				check_udp(&s, &pl);
				s.trailer = 3; /* IPv4 total length beyond the datagram */
				check_udp(&s, &pl);
				n += 2;
			}
		for (unsigned p = 0; p < RTE_DIM(pads); p++) {
			shape_v6(&s);
			s.vlan = vlan;
			s.pad = pads[p];
			check_udp(&s, &pl);
			n++;
		}
		/* the shortest datagrams, padded to the Ethernet minimum */
		shape_v4(&s);
		s.vlan = vlan;
		s.payload_len = 0;
		s.pad = 60 - (14 + (vlan ? 4 : 0) + 28);
		check_udp(&s, &pl);
		s.payload_len = 5;
		s.pad = 60 - (14 + (vlan ? 4 : 0) + 33);
		check_udp(&s, &pl);
		shape_v6(&s);
		s.vlan = vlan;
		s.payload_len = 0;
		check_udp(&s, &pl);
		/* another of the port's addresses */
		shape_v4(&s);
		s.vlan = vlan;
		s.dst = "198.51.100.7";
		check_udp(&s, &pl);
		n += 4;
	}
	assert_int_equal(n, 2 * (2 * 16 + 4 + 4));
}

/* A frame built from shape s, then changed by fn, then parsed: its class. */
static enum ms_pkt_class
classify(const struct shape *s, const struct ms_port_l3 *pl, uint64_t ol_flags,
	 void (*fn)(uint8_t *buf, uint16_t l3_off, uint16_t *len))
{
	uint8_t buf[2048], payload[1500];
	uint16_t l3_off, poff, len;

	memset(payload, 0x42, sizeof(payload));
	len = build(buf, s, payload, &l3_off, &poff);
	if (fn != NULL)
		fn(buf, l3_off, &len);
	return parse_bytes(buf, len, pl, ol_flags);
}

static void
v4_recksum(uint8_t *buf, uint16_t l3_off)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + l3_off);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static void
mod_bad_cksum(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	(void)len;
	buf[l3_off + 10] ^= 0x01;
}

static void
mod_mf(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	(void)len;
	buf[l3_off + 6] |= 0x20; /* more fragments */
	v4_recksum(buf, l3_off);
}

static void
mod_frag_off(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	(void)len;
	buf[l3_off + 6] = 0x00;
	buf[l3_off + 7] = 0x10; /* offset 128 bytes */
	v4_recksum(buf, l3_off);
}

static void
mod_ihl4(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	(void)len;
	buf[l3_off] = 0x44;
	v4_recksum(buf, l3_off);
}

static void
mod_version(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	(void)len;
	buf[l3_off] = (uint8_t)(0x50 | (buf[l3_off] & 0x0f));
}

static void
mod_v4_total_long(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + l3_off);

	(void)len;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ip->total_length) + 1));
	v4_recksum(buf, l3_off);
}

static void
mod_v4_total_short(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + l3_off);

	(void)len;
	ip->total_length = rte_cpu_to_be_16(27); /* header + 7: no room for UDP */
	v4_recksum(buf, l3_off);
}

static void
mod_v4_udp_long(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(buf + l3_off + 20);

	(void)len;
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(udp->dgram_len) + 1));
}

static void
mod_v4_udp_7(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(buf + l3_off + 20);

	(void)len;
	udp->dgram_len = rte_cpu_to_be_16(7);
}

static void
mod_v6_udp_short(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(buf + l3_off + 40);

	(void)len;
	/* IPv6: the UDP length must be what the IP header says, no less */
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(udp->dgram_len) - 1));
}

static void
mod_v6_plen_long(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(buf + l3_off);

	(void)len;
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ip->payload_len) + 1));
}

static void
mod_v6_version(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	(void)len;
	buf[l3_off] = 0x40;
}

static void
mod_dst_mac_other(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	(void)l3_off;
	(void)len;
	buf[5] = 0x99;
}

static void
mod_dst_mac_bcast(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	(void)l3_off;
	(void)len;
	memset(buf, 0xff, 6);
}

static void
mod_dst_mac_mcast(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	static const uint8_t mc[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};

	(void)l3_off;
	(void)len;
	memcpy(buf, mc, 6);
}

static void
mod_ethertype_other(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	(void)len;
	buf[l3_off - 2] = 0x88;
	buf[l3_off - 1] = 0xb5;
}

static void
mod_icmp6_ns(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	(void)len;
	buf[l3_off + 6] = IPPROTO_ICMPV6;
	buf[l3_off + 40] = 135;
}

static void
mod_icmp6_na(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	(void)len;
	buf[l3_off + 6] = IPPROTO_ICMPV6;
	buf[l3_off + 40] = 136;
}

static void
mod_icmp6_echo(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	(void)len;
	buf[l3_off + 6] = IPPROTO_ICMPV6;
	buf[l3_off + 40] = 128;
}

static void
mod_v6_frag(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	(void)len;
	buf[l3_off + 6] = IPPROTO_FRAGMENT;
}

static void
mod_v6_hbh(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	(void)len;
	buf[l3_off + 6] = 0; /* hop-by-hop options first: not media */
}

static void
mod_arp(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	buf[l3_off - 2] = 0x08;
	buf[l3_off - 1] = 0x06;
	*len = (uint16_t)(l3_off + sizeof(struct rte_arp_hdr));
}

static void
mod_arp_short(uint8_t *buf, uint16_t l3_off, uint16_t *len)
{
	mod_arp(buf, l3_off, len);
	(*len)--;
}

static void
test_parse_classes(void **state)
{
	struct ms_port_l3 pl, pl_vlan;
	struct shape v4, v6, v4t, v6t;
	bool seen[MS_PKT_IP_CHECKSUM + 1] = {0};
	enum ms_pkt_class c;

	(void)state;
	port_init(&pl, 0);
	port_init(&pl_vlan, 100);
	shape_v4(&v4);
	shape_v6(&v6);
	v4t = v4;
	v4t.vlan = 100;
	v6t = v6;
	v6t.vlan = 100;

#define CLASS(want, s, p, ol, fn) do { \
		c = classify(&(s), &(p), (ol), (fn)); \
		assert_int_equal(c, (want)); \
		seen[c] = true; \
	} while (0)

	CLASS(MS_PKT_UDP, v4, pl, 0, NULL);
	CLASS(MS_PKT_UDP, v6t, pl_vlan, 0, NULL);
	CLASS(MS_PKT_UDP, v4, pl, 0, mod_dst_mac_bcast);
	CLASS(MS_PKT_UDP, v6, pl, 0, mod_dst_mac_mcast);
	CLASS(MS_PKT_ARP, v4, pl, 0, mod_arp);
	CLASS(MS_PKT_ARP, v4t, pl_vlan, 0, mod_arp);
	CLASS(MS_PKT_MALFORMED, v4, pl, 0, mod_arp_short);
	CLASS(MS_PKT_ND, v6, pl, 0, mod_icmp6_ns);
	CLASS(MS_PKT_ND, v6t, pl_vlan, 0, mod_icmp6_na);
	CLASS(MS_PKT_NOT_MEDIA, v6, pl, 0, mod_icmp6_echo);
	CLASS(MS_PKT_NOT_MEDIA, v6, pl, 0, mod_v6_hbh);
	CLASS(MS_PKT_NOT_MEDIA, v4, pl, 0, mod_dst_mac_other);
	CLASS(MS_PKT_NOT_MEDIA, v4, pl, 0, mod_ethertype_other);

	/* not one of our addresses, not UDP */
	struct shape s = v4;
	s.dst = "192.0.2.2";
	CLASS(MS_PKT_NOT_MEDIA, s, pl, 0, NULL);
	s = v6;
	s.dst = "2001:db8::2";
	CLASS(MS_PKT_NOT_MEDIA, s, pl, 0, NULL);
	s = v4;
	s.proto = IPPROTO_TCP;
	CLASS(MS_PKT_NOT_MEDIA, s, pl, 0, NULL);
	s.proto = IPPROTO_ICMP;
	CLASS(MS_PKT_NOT_MEDIA, s, pl, 0, mod_v4_total_short); /* short, but not UDP */

	/* VLANs: another tag, no tag on a tagged port, a tag on an untagged port */
	s = v4t;
	s.vlan = 101;
	CLASS(MS_PKT_WRONG_VLAN, s, pl_vlan, 0, NULL);
	CLASS(MS_PKT_WRONG_VLAN, v4, pl_vlan, 0, NULL);
	CLASS(MS_PKT_WRONG_VLAN, v6, pl_vlan, 0, mod_icmp6_ns);
	CLASS(MS_PKT_WRONG_VLAN, v4t, pl, 0, NULL);

	CLASS(MS_PKT_FRAGMENT, v4, pl, 0, mod_mf);
	CLASS(MS_PKT_FRAGMENT, v4t, pl_vlan, 0, mod_frag_off);
	CLASS(MS_PKT_FRAGMENT, v6, pl, 0, mod_v6_frag);

	CLASS(MS_PKT_IP_CHECKSUM, v4, pl, 0, mod_bad_cksum);
	CLASS(MS_PKT_IP_CHECKSUM, v4t, pl_vlan, 0, mod_bad_cksum);
	/* the NIC's word: bad is bad, good skips the software check */
	CLASS(MS_PKT_IP_CHECKSUM, v4, pl, RTE_MBUF_F_RX_IP_CKSUM_BAD, NULL);
	CLASS(MS_PKT_UDP, v4, pl, RTE_MBUF_F_RX_IP_CKSUM_GOOD, mod_bad_cksum);
	CLASS(MS_PKT_IP_CHECKSUM, v4, pl, RTE_MBUF_F_RX_L4_CKSUM_BAD, NULL);
	CLASS(MS_PKT_IP_CHECKSUM, v6, pl, RTE_MBUF_F_RX_L4_CKSUM_BAD, NULL);
	CLASS(MS_PKT_UDP, v6, pl, RTE_MBUF_F_RX_L4_CKSUM_GOOD, NULL);

	CLASS(MS_PKT_MALFORMED, v4, pl, 0, mod_ihl4);
	CLASS(MS_PKT_MALFORMED, v4, pl, 0, mod_version);
	CLASS(MS_PKT_MALFORMED, v4, pl, 0, mod_v4_total_long);
	CLASS(MS_PKT_MALFORMED, v4, pl, 0, mod_v4_total_short);
	CLASS(MS_PKT_MALFORMED, v4, pl, 0, mod_v4_udp_long);
	CLASS(MS_PKT_MALFORMED, v4, pl, 0, mod_v4_udp_7);
	CLASS(MS_PKT_MALFORMED, v6, pl, 0, mod_v6_udp_short);
	CLASS(MS_PKT_MALFORMED, v6, pl, 0, mod_v6_plen_long);
	CLASS(MS_PKT_MALFORMED, v6, pl, 0, mod_v6_version);
#undef CLASS

	/* a chained mbuf */
	{
		uint8_t buf[2048], payload[200] = {0};
		uint16_t l3_off, poff, len = build(buf, &v4, payload, &l3_off, &poff);
		struct rte_mbuf *m = ms_test_mbuf(buf, 100);
		struct rte_mbuf *m2 = ms_test_mbuf(buf + 100, (uint16_t)(len - 100));
		struct ms_pkt_info pi;

		assert_int_equal(rte_pktmbuf_chain(m, m2), 0);
		c = ms_pkt_parse(m, &pl, &pi);
		assert_int_equal(c, MS_PKT_MALFORMED);
		seen[c] = true;
		rte_pktmbuf_free(m);
	}

	for (unsigned i = 0; i < RTE_DIM(seen); i++)
		assert_true(seen[i]);
}

/* Every prefix of a well-formed frame: no crash, no read beyond it, never UDP. */
static void
test_truncated(void **state)
{
	struct ms_port_l3 pl, pl_vlan;
	struct shape shapes[6];
	unsigned frames = 0;

	(void)state;
	port_init(&pl, 0);
	port_init(&pl_vlan, 100);
	shape_v4(&shapes[0]);
	shape_v4(&shapes[1]);
	shapes[1].vlan = 100;
	shapes[1].opt_words = 5;
	shape_v6(&shapes[2]);
	shape_v6(&shapes[3]);
	shapes[3].vlan = 100;
	shape_v4(&shapes[4]);
	shapes[4].trailer = 4;
	shape_v6(&shapes[5]);
	shapes[5].payload_len = 0;

	for (unsigned i = 0; i < RTE_DIM(shapes); i++) {
		const struct ms_port_l3 *p = shapes[i].vlan ? &pl_vlan : &pl;
		uint8_t buf[2048], payload[1500];
		uint16_t l3_off, poff, len;
		struct ms_pkt_info pi;

		ms_test_rand_bytes(payload, sizeof(payload));
		len = build(buf, &shapes[i], payload, &l3_off, &poff);
		for (uint16_t n = 0; n <= len; n++) {
			struct rte_mbuf *m = ms_test_exact_mbuf(buf, n);
			enum ms_pkt_class c = ms_pkt_parse(m, p, &pi);

			if (n == len && shapes[i].trailer == 0)
				assert_int_equal(c, MS_PKT_UDP);
			else if (n < len)
				assert_int_not_equal(c, MS_PKT_UDP);
			rte_pktmbuf_free(m);
			frames++;
		}
	}
	assert_true(frames > 1000);
}

static void
test_fuzz(void **state)
{
	struct ms_port_l3 pl, pl_vlan;
	unsigned counts[MS_PKT_IP_CHECKSUM + 1] = {0};

	(void)state;
	port_init(&pl, 0);
	port_init(&pl_vlan, 100);
	for (unsigned i = 0; i < 6000; i++) {
		uint8_t buf[2048], payload[1500];
		uint16_t l3_off, poff, len;
		struct shape s;
		struct ms_pkt_info pi;
		const struct ms_port_l3 *p = (i & 2) ? &pl_vlan : &pl;
		enum ms_pkt_class c;
		struct rte_mbuf *m;

		if (i % 5 == 0) {
			/* pure noise, sometimes with our MAC so that it goes deeper */
			len = (uint16_t)ms_test_rand_range(0, 300);
			ms_test_rand_bytes(buf, len);
			if (len >= 6 && (i & 1))
				memcpy(buf, &port_mac, 6);
		} else {
			/* a valid frame with a few bytes of its headers changed */
			if (i & 1)
				shape_v4(&s);
			else
				shape_v6(&s);
			s.vlan = (i & 2) ? 100 : 0;
			if (s.family == AF_INET)
				s.opt_words = (uint8_t)ms_test_rand_range(0, 10);
			s.payload_len = (uint16_t)ms_test_rand_range(0, 64);
			s.pad = (uint16_t)ms_test_rand_range(0, 8);
			ms_test_rand_bytes(payload, s.payload_len);
			len = build(buf, &s, payload, &l3_off, &poff);
			for (unsigned k = ms_test_rand_range(1, 4); k > 0; k--) {
				uint32_t at = ms_test_rand_range(0, (uint32_t)(poff - 1));

				buf[at] = (uint8_t)ms_test_rand();
			}
			if (i % 7 == 0)
				len = (uint16_t)ms_test_rand_range(0, len);
		}
		m = ms_test_exact_mbuf(buf, len);
		if (i % 11 == 0)
			m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
		c = ms_pkt_parse(m, p, &pi);
		assert_true(c <= MS_PKT_IP_CHECKSUM);
		counts[c]++;
		if (c == MS_PKT_UDP) {
			assert_int_equal(pi.payload_off + pi.payload_len, rte_pktmbuf_data_len(m));
			assert_non_null(ms_port_l3_own(p, &pi.dst));
		}
		rte_pktmbuf_free(m);
	}
	/* the mutations leave some frames whole and break others */
	assert_true(counts[MS_PKT_UDP] > 0);
	assert_true(counts[MS_PKT_MALFORMED] > 0);
}

/* Encapsulates payload as e says and checks every header and checksum. */
static void
check_encap(const struct ms_pkt_encap *e, const uint8_t *payload, uint16_t plen,
	    uint16_t *cksum_out)
{
	uint8_t family = e->src->family;
	uint16_t hlen = ms_pkt_encap_len(family, e->vlan), l3_off = e->vlan ? 18 : 14;
	uint16_t l4_off = (uint16_t)(l3_off + (family == AF_INET ? 20 : 40));
	struct rte_mbuf *m = ms_test_mbuf(payload, plen);
	struct rte_ether_hdr *eth;
	struct rte_udp_hdr *udp;
	struct ms_port_l3 pl;
	struct ms_pkt_info pi;
	uint8_t *p;

	/* offload requests of an earlier life of the mbuf must not survive */
	m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_SCTP_CKSUM;
	m->l4_len = 20;
	assert_int_equal(ms_pkt_encap(m, e), 0);
	assert_int_equal(rte_pktmbuf_pkt_len(m), hlen + plen);
	p = rte_pktmbuf_mtod(m, uint8_t *);
	eth = (struct rte_ether_hdr *)p;
	assert_memory_equal(&eth->dst_addr, &e->dst_mac, 6);
	assert_memory_equal(&eth->src_addr, &e->src_mac, 6);
	if (e->vlan) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

		assert_int_equal(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_VLAN);
		assert_int_equal(rte_be_to_cpu_16(vh->vlan_tci), e->vlan);
		assert_int_equal(rte_be_to_cpu_16(vh->eth_proto),
				 family == AF_INET ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
	} else {
		assert_int_equal(rte_be_to_cpu_16(eth->ether_type),
				 family == AF_INET ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
	}
	udp = (struct rte_udp_hdr *)(p + l4_off);
	assert_int_equal(rte_be_to_cpu_16(udp->src_port), e->src_port);
	assert_int_equal(rte_be_to_cpu_16(udp->dst_port), e->dst_port);
	assert_int_equal(rte_be_to_cpu_16(udp->dgram_len), 8 + plen);
	assert_memory_equal(p + l4_off + 8, payload, plen);
	assert_int_equal(m->l2_len, l3_off);
	assert_int_equal(m->l3_len, l4_off - l3_off);
	assert_int_equal(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG, 0); /* L4 mask: checked below */

	if (family == AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + l3_off);

		assert_int_equal(ip->version_ihl, 0x45);
		assert_int_equal(ip->time_to_live, 64);
		assert_int_equal(ip->next_proto_id, IPPROTO_UDP);
		assert_int_equal(rte_be_to_cpu_16(ip->total_length), 28 + plen);
		assert_int_equal(rte_be_to_cpu_16(ip->fragment_offset), RTE_IPV4_HDR_DF_FLAG);
		assert_int_equal(ip->packet_id, 0);
		assert_memory_equal(&ip->src_addr, e->src->a, 4);
		assert_memory_equal(&ip->dst_addr, e->dst->a, 4);
		if (e->ipv4_cksum_offload) {
			assert_int_equal(ip->hdr_checksum, 0);
			assert_true(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
			assert_true(m->ol_flags & RTE_MBUF_F_TX_IPV4);
		} else {
			assert_int_equal(rte_raw_cksum(ip, 20), 0xffff);
			assert_false(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
		}
		if (e->udp_cksum_offload) {
			assert_int_equal(m->ol_flags & RTE_MBUF_F_TX_L4_MASK,
					 RTE_MBUF_F_TX_UDP_CKSUM);
			assert_true(m->ol_flags & RTE_MBUF_F_TX_IPV4);
			assert_int_equal(udp->dgram_cksum, rte_ipv4_phdr_cksum(ip, 0));
		} else {
			assert_int_equal(m->ol_flags & RTE_MBUF_F_TX_L4_MASK, 0);
			assert_int_not_equal(udp->dgram_cksum, 0);
			assert_int_equal(rte_ipv4_udptcp_cksum_verify(ip, udp), 0);
		}
		if (!e->ipv4_cksum_offload && !e->udp_cksum_offload)
			assert_int_equal(m->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK, 0);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(p + l3_off);

		assert_int_equal(rte_be_to_cpu_32(ip->vtc_flow), 0x60000000);
		assert_int_equal(ip->hop_limits, 64);
		assert_int_equal(ip->proto, IPPROTO_UDP);
		assert_int_equal(rte_be_to_cpu_16(ip->payload_len), 8 + plen);
		assert_memory_equal(ip->src_addr, e->src->a, 16);
		assert_memory_equal(ip->dst_addr, e->dst->a, 16);
		if (e->udp_cksum_offload) {
			assert_int_equal(m->ol_flags & RTE_MBUF_F_TX_L4_MASK,
					 RTE_MBUF_F_TX_UDP_CKSUM);
			assert_true(m->ol_flags & RTE_MBUF_F_TX_IPV6);
			assert_int_equal(udp->dgram_cksum, rte_ipv6_phdr_cksum(ip, 0));
		} else {
			assert_int_equal(m->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK, 0);
			assert_int_not_equal(udp->dgram_cksum, 0);
			assert_int_equal(rte_ipv6_udptcp_cksum_verify(ip, udp), 0);
		}
		assert_false(m->ol_flags & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM));
	}
	if (cksum_out != NULL)
		memcpy(cksum_out, &udp->dgram_cksum, 2);

	/*
	 * Do what the NIC would: the IPv4 header checksum, and the UDP checksum
	 * summed from the pseudo-header checksum left in the field. It verifies
	 * only if that pseudo-header checksum was right.
	 */
	if (family == AF_INET && e->ipv4_cksum_offload) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + l3_off);

		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	if (e->udp_cksum_offload) {
		uint16_t c = (uint16_t)~rte_raw_cksum(udp, 8u + plen);

		udp->dgram_cksum = c == 0 ? 0xffff : c;
		if (family == AF_INET)
			assert_int_equal(rte_ipv4_udptcp_cksum_verify(
				(struct rte_ipv4_hdr *)(p + l3_off), udp), 0);
		else
			assert_int_equal(rte_ipv6_udptcp_cksum_verify(
				(struct rte_ipv6_hdr *)(p + l3_off), udp), 0);
	}

	/* the receiving side sees what was sent */
	memset(&pl, 0, sizeof(pl));
	pl.mac = e->dst_mac;
	pl.vlan = e->vlan;
	pl.addrs[0] = *e->dst;
	pl.nb_addrs = 1;
	assert_int_equal(ms_pkt_parse(m, &pl, &pi), MS_PKT_UDP);
	assert_true(ms_addr_equal(&pi.src, e->src));
	assert_true(ms_addr_equal(&pi.dst, e->dst));
	assert_int_equal(pi.src_port, e->src_port);
	assert_int_equal(pi.dst_port, e->dst_port);
	assert_int_equal(pi.payload_off, hlen);
	assert_int_equal(pi.payload_len, plen);
	assert_memory_equal(&pi.src_mac, &e->src_mac, 6);
	assert_memory_equal(p + pi.payload_off, payload, plen);
	rte_pktmbuf_free(m);
}

static void
test_encap(void **state)
{
	struct ms_addr s4 = addr("192.0.2.1"), d4 = addr("203.0.113.9");
	struct ms_addr s6 = addr("2001:db8::1"), d6 = addr("2001:db8:5::99");
	uint8_t payload[1500];
	unsigned runs = 0;

	(void)state;
	for (unsigned fam = 0; fam < 2; fam++)
		for (uint16_t vlan = 0; vlan <= 4094; vlan += 4094)
			for (unsigned off = 0; off < 4; off++) {
				struct ms_pkt_encap e = {
					.src_mac = port_mac, .dst_mac = peer_mac, .vlan = vlan,
					.src = fam ? &s6 : &s4, .dst = fam ? &d6 : &d4,
					.src_port = 5004, .dst_port = 61000,
					.ipv4_cksum_offload = off & 1, .udp_cksum_offload = off & 2,
				};
				static const uint16_t lens[] = {0, 1, 172, 173, 1400};

				for (unsigned l = 0; l < RTE_DIM(lens); l++) {
					ms_test_rand_bytes(payload, lens[l]);
					check_encap(&e, payload, lens[l], NULL);
					runs++;
				}
			}
	assert_int_equal(runs, 2 * 2 * 4 * 5);
}

/* A UDP checksum that computes to 0 goes out as 0xffff (0 would mean "none"). */
static void
test_encap_zero_cksum(void **state)
{
	struct ms_addr s4 = addr("192.0.2.1"), d4 = addr("203.0.113.9");
	struct ms_addr s6 = addr("2001:db8::1"), d6 = addr("2001:db8:5::99");

	(void)state;
	for (unsigned fam = 0; fam < 2; fam++) {
		struct ms_pkt_encap e = {
			.src_mac = port_mac, .dst_mac = peer_mac,
			.src = fam ? &s6 : &s4, .dst = fam ? &d6 : &d4,
			.src_port = 5004, .dst_port = 61000,
		};
		uint8_t payload[64];
		uint16_t c;

		ms_test_rand_bytes(payload, sizeof(payload));
		payload[10] = 0;
		payload[11] = 0;
		check_encap(&e, payload, sizeof(payload), &c);
		/* adding the checksum's value makes the sum 0xffff: the checksum computes to 0 */
		memcpy(&payload[10], &c, 2);
		check_encap(&e, payload, sizeof(payload), &c);
		assert_int_equal(c, 0xffff);
	}
}

static void
test_encap_nospace(void **state)
{
	struct ms_addr s4 = addr("192.0.2.1"), d4 = addr("203.0.113.9");
	struct ms_addr s6 = addr("2001:db8::1"), d6 = addr("2001:db8:5::99");
	uint8_t payload[100] = {0};

	(void)state;
	for (unsigned fam = 0; fam < 2; fam++)
		for (uint16_t vlan = 0; vlan <= 7; vlan += 7) {
			struct ms_pkt_encap e = {
				.src_mac = port_mac, .dst_mac = peer_mac, .vlan = vlan,
				.src = fam ? &s6 : &s4, .dst = fam ? &d6 : &d4,
				.src_port = 1, .dst_port = 2,
			};
			uint16_t need = ms_pkt_encap_len(e.src->family, vlan);
			struct rte_mbuf *m = rte_pktmbuf_alloc(ms_test_pool());

			assert_non_null(m);
			/* one byte of headroom short: refused, the mbuf unchanged */
			m->data_off = (uint16_t)(need - 1);
			memcpy(rte_pktmbuf_append(m, sizeof(payload)), payload, sizeof(payload));
			assert_int_equal(ms_pkt_encap(m, &e), -ENOSPC);
			assert_int_equal(rte_pktmbuf_pkt_len(m), sizeof(payload));
			assert_int_equal(m->data_off, need - 1);
			rte_pktmbuf_free(m);
			/* exactly enough */
			m = rte_pktmbuf_alloc(ms_test_pool());
			assert_non_null(m);
			m->data_off = need;
			memcpy(rte_pktmbuf_append(m, sizeof(payload)), payload, sizeof(payload));
			assert_int_equal(ms_pkt_encap(m, &e), 0);
			assert_int_equal(m->data_off, 0);
			assert_int_equal(rte_pktmbuf_pkt_len(m), need + sizeof(payload));
			rte_pktmbuf_free(m);
		}
	/* none at all */
	{
		struct ms_pkt_encap e = {.src = &s4, .dst = &d4};
		struct rte_mbuf *m = ms_test_exact_mbuf(payload, sizeof(payload));

		assert_int_equal(ms_pkt_encap(m, &e), -ENOSPC);
		rte_pktmbuf_free(m);
	}
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_next_hop),
		cmocka_unit_test(test_parse_udp),
		cmocka_unit_test(test_parse_classes),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_encap),
		cmocka_unit_test(test_encap_zero_cksum),
		cmocka_unit_test(test_encap_nospace),
	};

	ms_test_init(argc, argv);
	return cmocka_run_group_tests_name("pkt", tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbours (dataplane/neigh.c): ARP requests for our addresses answered in
 * place and their senders learned; resolution sends at most one request a
 * second and learns the reply; static entries win over traffic; IPv6
 * neighbour solicitations answered with valid advertisements, invalid ones
 * ignored; a full table counted; mutated ARP/ND frames never crash.
 */
#define ALLOW_EXPERIMENTAL_API /* rte_ipv6_udptcp_cksum_verify */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "ms_test.h"
#include "neigh.h"
#include "pkt.h"

static const struct rte_ether_addr port_mac = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x01}};
static const struct rte_ether_addr peer_mac = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x0a}};
static const struct rte_ether_addr other_mac = {.addr_bytes = {0x02, 0, 0, 0, 0, 0x0b}};
static const struct rte_ether_addr bcast = {.addr_bytes = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

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
	pl->addrs[0] = addr("198.51.100.1/24");
	pl->addrs[1] = addr("192.0.2.1/24");
	pl->addrs[2] = addr("2001:db8::1/64");
	pl->nb_addrs = 3;
}

/* Ethernet (+ VLAN) header; returns its length. */
static uint16_t
l2(uint8_t *buf, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
   uint16_t vlan, uint16_t type)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;

	eth->dst_addr = *dst;
	eth->src_addr = *src;
	if (vlan) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(vlan);
		vh->eth_proto = rte_cpu_to_be_16(type);
		return 18;
	}
	eth->ether_type = rte_cpu_to_be_16(type);
	return 14;
}

/* An ARP frame, padded to 60 bytes; returns its length. */
static uint16_t
arp_frame(uint8_t *buf, uint16_t vlan, uint16_t op, const struct rte_ether_addr *eth_dst,
	  const struct rte_ether_addr *sha, const char *sip, const struct rte_ether_addr *tha,
	  const char *tip)
{
	uint16_t off = l2(buf, eth_dst, sha, vlan, RTE_ETHER_TYPE_ARP);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(buf + off);
	struct ms_addr s = addr(sip), t = addr(tip);

	memset(buf + off, 0, 60 - off);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(op);
	arp->arp_data.arp_sha = *sha;
	memcpy(&arp->arp_data.arp_sip, s.a, 4);
	arp->arp_data.arp_tha = *tha;
	memcpy(&arp->arp_data.arp_tip, t.a, 4);
	return 60;
}

#define ND_NS 135
#define ND_NA 136

/* An NS or NA: type, target, optional link-layer address option; returns its length. */
struct nd_spec {
	uint8_t type;
	uint16_t vlan;
	const char *src, *dst, *target;
	const struct rte_ether_addr *lla; /* NULL: no option */
	uint8_t flags;                    /* NA: R/S/O */
	uint8_t hop_limit;                /* 0: 255 */
	uint8_t code;
};

static uint16_t
nd_frame(uint8_t *buf, const struct nd_spec *n)
{
	struct ms_addr src = addr(n->src), dst = addr(n->dst), target = addr(n->target);
	struct rte_ether_addr dmac = {.addr_bytes = {0x33, 0x33, dst.a[12], dst.a[13], dst.a[14],
						     dst.a[15]}};
	uint16_t off, plen = (uint16_t)(24 + (n->lla ? 8 : 0));
	struct rte_ipv6_hdr *ip;
	uint8_t *icmp;

	if (dst.a[0] != 0xff)
		dmac = port_mac;
	off = l2(buf, &dmac, n->lla ? n->lla : &peer_mac, n->vlan, RTE_ETHER_TYPE_IPV6);
	ip = (struct rte_ipv6_hdr *)(buf + off);
	memset(ip, 0, 40u + plen);
	ip->vtc_flow = rte_cpu_to_be_32(0x60000000);
	ip->payload_len = rte_cpu_to_be_16(plen);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = n->hop_limit ? n->hop_limit : 255;
	memcpy(ip->src_addr, src.a, 16);
	memcpy(ip->dst_addr, dst.a, 16);
	icmp = (uint8_t *)(ip + 1);
	icmp[0] = n->type;
	icmp[1] = n->code;
	icmp[4] = n->flags;
	memcpy(icmp + 8, target.a, 16);
	if (n->lla) {
		icmp[24] = n->type == ND_NS ? 1 : 2;
		icmp[25] = 1;
		memcpy(icmp + 26, n->lla, 6);
	}
	uint16_t c = rte_ipv6_udptcp_cksum(ip, icmp);
	memcpy(icmp + 2, &c, 2);
	return (uint16_t)(off + 40 + plen);
}

static struct ms_neigh *
table(uint32_t n)
{
	struct ms_neigh *nt = ms_neigh_create(n, SOCKET_ID_ANY);

	assert_non_null(nt);
	return nt;
}

/* Resolves ip: the return value; *req freed unless the caller takes it. */
static int
resolve(struct ms_neigh *nt, uint16_t port, const struct ms_port_l3 *pl, const char *ip,
	struct rte_ether_addr *mac, struct rte_mbuf **req, struct ms_neigh_stats *st)
{
	struct ms_addr a = addr(ip);
	struct rte_mbuf *r = (struct rte_mbuf *)0x1;
	int ret = ms_neigh_resolve(nt, port, pl, &a, mac, ms_test_pool(), &r, st);

	if (req != NULL)
		*req = r;
	else
		rte_pktmbuf_free(r);
	return ret;
}

static int
input(struct ms_neigh *nt, const struct ms_port_l3 *pl, uint8_t *buf, uint16_t len,
      struct ms_neigh_stats *st, struct rte_mbuf **out)
{
	struct rte_mbuf *m = ms_test_mbuf(buf, len);
	struct ms_pkt_info pi;
	enum ms_pkt_class c = ms_pkt_parse(m, pl, &pi);
	int ret;

	assert_true(c == MS_PKT_ARP || c == MS_PKT_ND);
	ret = ms_neigh_input(nt, 0, pl, m, st);
	if (out != NULL)
		*out = m;
	else
		rte_pktmbuf_free(m);
	return ret;
}

/* Checks an ARP message the table wrote: Ethernet/IPv4 sizes, op, from our MAC and sip. */
static void
check_arp_out(const struct rte_arp_hdr *arp, uint16_t op, const char *sip,
	      const struct rte_ether_addr *tha, const char *tip)
{
	struct ms_addr s = addr(sip), t = addr(tip);

	assert_int_equal(rte_be_to_cpu_16(arp->arp_hardware), RTE_ARP_HRD_ETHER);
	assert_int_equal(rte_be_to_cpu_16(arp->arp_protocol), RTE_ETHER_TYPE_IPV4);
	assert_int_equal(arp->arp_hlen, 6);
	assert_int_equal(arp->arp_plen, 4);
	assert_int_equal(rte_be_to_cpu_16(arp->arp_opcode), op);
	assert_memory_equal(&arp->arp_data.arp_sha, &port_mac, 6);
	assert_memory_equal(&arp->arp_data.arp_sip, s.a, 4);
	assert_memory_equal(&arp->arp_data.arp_tha, tha, 6);
	assert_memory_equal(&arp->arp_data.arp_tip, t.a, 4);
}

static void
test_arp_request_for_us(void **state)
{
	(void)state;
	for (uint16_t vlan = 0; vlan <= 42; vlan += 42) {
		struct ms_neigh *nt = table(64);
		struct ms_neigh_stats st = {0};
		struct ms_port_l3 pl;
		struct rte_ether_addr mac, zero = {{0}};
		uint8_t buf[128];
		uint16_t len, off = vlan ? 18 : 14;
		struct rte_mbuf *m;
		uint32_t v0 = ms_neigh_version(nt);

		port_init(&pl, vlan);
		len = arp_frame(buf, vlan, RTE_ARP_OP_REQUEST, &bcast, &peer_mac, "192.0.2.10",
				&zero, "192.0.2.1");
		assert_int_equal(input(nt, &pl, buf, len, &st, &m), 1);
		assert_int_equal(st.arp_replies_sent, 1);
		assert_int_equal(st.learned, 1);
		assert_int_not_equal(ms_neigh_version(nt), v0);

		/* the reply, field by field */
		uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
		struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
		struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(p + off);

		assert_int_equal(rte_pktmbuf_data_len(m), len);
		assert_memory_equal(&eth->dst_addr, &peer_mac, 6);
		assert_memory_equal(&eth->src_addr, &port_mac, 6);
		if (vlan) {
			assert_int_equal(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_VLAN);
			assert_int_equal(p[14], 0);
			assert_int_equal(p[15], 42);
			assert_int_equal(p[16], 0x08);
			assert_int_equal(p[17], 0x06);
		} else {
			assert_int_equal(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_ARP);
		}
		check_arp_out(arp, RTE_ARP_OP_REPLY, "192.0.2.1", &peer_mac, "192.0.2.10");
		rte_pktmbuf_free(m);

		/* the requester was learned */
		assert_int_equal(resolve(nt, 0, &pl, "192.0.2.10", &mac, &m, &st), 0);
		assert_null(m);
		assert_memory_equal(&mac, &peer_mac, 6);
		/* per port */
		assert_int_equal(resolve(nt, 1, &pl, "192.0.2.10", &mac, NULL, &st), -ENOENT);

		/* a request from outside our prefixes is answered, its sender not learned */
		len = arp_frame(buf, vlan, RTE_ARP_OP_REQUEST, &bcast, &other_mac, "10.9.9.9",
				&zero, "198.51.100.1");
		assert_int_equal(input(nt, &pl, buf, len, &st, NULL), 1);
		assert_int_equal(st.arp_replies_sent, 2);
		assert_int_equal(st.learned, 1);
		ms_neigh_free(nt);
	}
}

static void
test_arp_not_for_us(void **state)
{
	struct ms_neigh *nt = table(64);
	struct ms_neigh_stats st = {0};
	struct ms_port_l3 pl;
	struct rte_ether_addr mac, zero = {{0}};
	uint8_t buf[128], copy[128];
	uint16_t len;
	struct rte_mbuf *m;
	uint32_t v;

	(void)state;
	port_init(&pl, 0);
	len = arp_frame(buf, 0, RTE_ARP_OP_REQUEST, &bcast, &peer_mac, "192.0.2.10", &zero,
			"192.0.2.99");
	memcpy(copy, buf, len);
	assert_int_equal(input(nt, &pl, buf, len, &st, &m), 0);
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), copy, len);
	rte_pktmbuf_free(m);
	assert_int_equal(st.arp_replies_sent, 0);
	/* subnet chatter creates no entry ... */
	assert_int_equal(st.learned, 0);
	assert_int_equal(resolve(nt, 0, &pl, "192.0.2.10", &mac, NULL, &st), -ENOENT);
	/* ... but refreshes one that exists */
	v = ms_neigh_version(nt);
	assert_int_equal(input(nt, &pl, buf, len, &st, NULL), 0);
	assert_int_equal(st.learned, 1);
	assert_int_not_equal(ms_neigh_version(nt), v);
	assert_int_equal(resolve(nt, 0, &pl, "192.0.2.10", &mac, NULL, &st), 0);
	assert_memory_equal(&mac, &peer_mac, 6);

	/* never learned: broadcast, zero, multicast senders, our own address, a bad MAC */
	static const char *bad_senders[] = {"192.0.2.255", "0.0.0.0", "224.0.0.5", "192.0.2.1",
					    "255.255.255.255"};
	for (unsigned i = 0; i < RTE_DIM(bad_senders); i++) {
		len = arp_frame(buf, 0, RTE_ARP_OP_REPLY, &port_mac, &other_mac, bad_senders[i],
				&port_mac, "192.0.2.1");
		assert_int_equal(input(nt, &pl, buf, len, &st, NULL), 0);
	}
	len = arp_frame(buf, 0, RTE_ARP_OP_REQUEST, &bcast, &bcast, "192.0.2.11", &zero,
			"192.0.2.1");
	assert_int_equal(input(nt, &pl, buf, len, &st, NULL), 0);
	assert_int_equal(st.learned, 1);
	assert_int_equal(st.arp_replies_sent, 0);

	/* malformed ARP: other hardware, lengths, opcodes, truncated */
	for (unsigned i = 0; i < 5; i++) {
		struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(buf + 14);

		len = arp_frame(buf, 0, RTE_ARP_OP_REQUEST, &bcast, &other_mac, "192.0.2.12",
				&zero, "192.0.2.1");
		switch (i) {
		case 0: arp->arp_hardware = rte_cpu_to_be_16(6); break;
		case 1: arp->arp_hlen = 8; break;
		case 2: arp->arp_plen = 16; break;
		case 3: arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REVREQUEST); break;
		case 4: arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6); break;
		}
		assert_int_equal(input(nt, &pl, buf, len, &st, NULL), 0);
	}
	m = ms_test_mbuf(buf, 14 + 27);
	assert_int_equal(ms_neigh_input(nt, 0, &pl, m, &st), 0);
	rte_pktmbuf_free(m);
	assert_int_equal(st.arp_replies_sent, 0);
	assert_int_equal(st.learned, 1);
	ms_neigh_free(nt);
}

static void
test_resolve_v4(void **state)
{
	(void)state;
	for (uint16_t vlan = 0; vlan <= 7; vlan += 7) {
		struct ms_neigh *nt = table(64);
		struct ms_neigh_stats st = {0};
		struct ms_port_l3 pl;
		struct rte_ether_addr mac, zero = {{0}};
		struct rte_mbuf *req;
		uint16_t off = vlan ? 18 : 14;
		uint8_t buf[128];
		uint16_t len;
		uint32_t v;

		port_init(&pl, vlan);
		assert_int_equal(resolve(nt, 3, &pl, "192.0.2.20", &mac, &req, &st), -ENOENT);
		assert_non_null(req);
		assert_int_equal(st.requests_sent, 1);

		uint8_t *p = rte_pktmbuf_mtod(req, uint8_t *);
		struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
		struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(p + off);
		struct ms_addr a;
		struct ms_pkt_info pi;

		assert_true(rte_pktmbuf_data_len(req) >= 60);
		assert_int_equal(req->nb_segs, 1);
		assert_true(rte_is_broadcast_ether_addr(&eth->dst_addr));
		assert_memory_equal(&eth->src_addr, &port_mac, 6);
		if (vlan) {
			assert_int_equal(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_VLAN);
			assert_int_equal(p[15], 7);
		}
		/* another host on the segment would take it for ARP */
		assert_int_equal(ms_pkt_parse(req, &pl, &pi), MS_PKT_ARP);
		/* the own address of the target's prefix, not the first one */
		check_arp_out(arp, RTE_ARP_OP_REQUEST, "192.0.2.1", &zero, "192.0.2.20");
		rte_pktmbuf_free(req);

		/* within the second: nothing more */
		assert_int_equal(resolve(nt, 3, &pl, "192.0.2.20", &mac, &req, &st), -ENOENT);
		assert_null(req);
		assert_int_equal(st.requests_sent, 1);
		/* another address has its own rate limit; outside every prefix: the first */
		assert_int_equal(resolve(nt, 3, &pl, "203.0.113.1", &mac, &req, &st), -ENOENT);
		assert_non_null(req);
		arp = (struct rte_arp_hdr *)(rte_pktmbuf_mtod(req, uint8_t *) + off);
		a = addr("198.51.100.1");
		assert_memory_equal(&arp->arp_data.arp_sip, a.a, 4);
		rte_pktmbuf_free(req);
		assert_int_equal(st.requests_sent, 2);

		/* the reply (to us, on port 0 in input(): learned on port 0, not 3) */
		v = ms_neigh_version(nt);
		len = arp_frame(buf, vlan, RTE_ARP_OP_REPLY, &port_mac, &peer_mac, "192.0.2.20",
				&port_mac, "192.0.2.1");
		assert_int_equal(input(nt, &pl, buf, len, &st, NULL), 0);
		assert_int_equal(st.arp_replies_sent, 0);
		assert_int_equal(resolve(nt, 0, &pl, "192.0.2.20", &mac, &req, &st), 0);
		assert_null(req);
		assert_memory_equal(&mac, &peer_mac, 6);
		assert_int_not_equal(ms_neigh_version(nt), v);
		ms_neigh_learn(nt, 3, &(struct ms_addr){0}, &peer_mac, &st); /* family 0: ignored */
		a = addr("192.0.2.20");
		ms_neigh_learn(nt, 3, &a, &peer_mac, &st);
		assert_int_equal(resolve(nt, 3, &pl, "192.0.2.20", &mac, &req, &st), 0);
		assert_memory_equal(&mac, &peer_mac, 6);
		ms_neigh_free(nt);
	}
}

static void
test_resolve_rate_limit(void **state)
{
	struct ms_neigh *nt = table(8);
	struct ms_neigh_stats st = {0};
	struct ms_port_l3 pl;
	struct rte_ether_addr mac;
	struct rte_mbuf *req;

	(void)state;
	port_init(&pl, 0);
	assert_int_equal(resolve(nt, 0, &pl, "192.0.2.30", &mac, &req, &st), -ENOENT);
	assert_non_null(req);
	rte_pktmbuf_free(req);
	for (unsigned i = 0; i < 100; i++) {
		assert_int_equal(resolve(nt, 0, &pl, "192.0.2.30", &mac, &req, &st), -ENOENT);
		assert_null(req);
	}
	usleep(1100 * 1000);
	assert_int_equal(resolve(nt, 0, &pl, "192.0.2.30", &mac, &req, &st), -ENOENT);
	assert_non_null(req);
	rte_pktmbuf_free(req);
	assert_int_equal(st.requests_sent, 2);

	/* a port without an IPv6 address cannot ask for an IPv6 neighbour */
	pl.nb_addrs = 2;
	assert_int_equal(resolve(nt, 0, &pl, "2001:db8::30", &mac, &req, &st), -ENOENT);
	assert_null(req);
	assert_int_equal(st.requests_sent, 2);
	ms_neigh_free(nt);
}

static void
test_static(void **state)
{
	struct ms_neigh *nt = table(16);
	struct ms_neigh_stats st = {0};
	struct ms_port_l3 pl;
	struct rte_ether_addr mac, mc = {.addr_bytes = {0x01, 0, 0x5e, 0, 0, 1}}, zero = {{0}};
	struct ms_addr a = addr("192.0.2.40"), none = {0};
	uint8_t buf[128];
	uint16_t len;
	uint32_t v;

	(void)state;
	port_init(&pl, 0);
	assert_int_equal(ms_neigh_version(nt), 1);
	assert_int_equal(ms_neigh_add_static(nt, 0, &a, &other_mac), 0);
	assert_int_equal(ms_neigh_version(nt), 2);
	assert_int_equal(resolve(nt, 0, &pl, "192.0.2.40", &mac, NULL, &st), 0);
	assert_memory_equal(&mac, &other_mac, 6);

	/* traffic says otherwise: the static entry stays */
	v = ms_neigh_version(nt);
	len = arp_frame(buf, 0, RTE_ARP_OP_REQUEST, &bcast, &peer_mac, "192.0.2.40", &zero,
			"192.0.2.1");
	assert_int_equal(input(nt, &pl, buf, len, &st, NULL), 1);
	ms_neigh_learn(nt, 0, &a, &peer_mac, &st);
	assert_int_equal(resolve(nt, 0, &pl, "192.0.2.40", &mac, NULL, &st), 0);
	assert_memory_equal(&mac, &other_mac, 6);
	assert_int_equal(st.learned, 0);
	assert_int_equal(ms_neigh_version(nt), v);

	/* control may change it; the same MAC again is no change */
	assert_int_equal(ms_neigh_add_static(nt, 0, &a, &other_mac), 0);
	assert_int_equal(ms_neigh_version(nt), v);
	assert_int_equal(ms_neigh_add_static(nt, 0, &a, &peer_mac), 0);
	assert_int_equal(ms_neigh_version(nt), v + 1);
	assert_int_equal(resolve(nt, 0, &pl, "192.0.2.40", &mac, NULL, &st), 0);
	assert_memory_equal(&mac, &peer_mac, 6);

	/* a learned entry turned static */
	a = addr("2001:db8::40");
	ms_neigh_learn(nt, 0, &a, &peer_mac, &st);
	assert_int_equal(st.learned, 1);
	assert_int_equal(ms_neigh_add_static(nt, 0, &a, &other_mac), 0);
	ms_neigh_learn(nt, 0, &a, &peer_mac, &st);
	assert_int_equal(st.learned, 1);
	assert_int_equal(resolve(nt, 0, &pl, "2001:db8::40", &mac, NULL, &st), 0);
	assert_memory_equal(&mac, &other_mac, 6);

	assert_int_equal(ms_neigh_add_static(nt, 0, &none, &peer_mac), -EINVAL);
	assert_int_equal(ms_neigh_add_static(nt, 0, &a, &mc), -EINVAL);
	assert_int_equal(ms_neigh_add_static(nt, 0, &a, &zero), -EINVAL);
	ms_neigh_free(nt);
}

static void
test_learn_version(void **state)
{
	struct ms_neigh *nt = table(16), *nt2 = table(16); /* two tables side by side */
	struct ms_neigh_stats st = {0};
	struct ms_port_l3 pl;
	struct rte_ether_addr mac, mc = {.addr_bytes = {0x01, 0, 0x5e, 0, 0, 1}};
	struct ms_addr a = addr("192.0.2.50");
	uint32_t v = ms_neigh_version(nt);

	(void)state;
	port_init(&pl, 0);
	ms_neigh_learn(nt, 0, &a, &peer_mac, &st);
	assert_int_equal(st.learned, 1);
	assert_int_equal(ms_neigh_version(nt), v + 1);
	ms_neigh_learn(nt, 0, &a, &peer_mac, &st);
	assert_int_equal(st.learned, 1);
	assert_int_equal(ms_neigh_version(nt), v + 1);
	ms_neigh_learn(nt, 0, &a, &mc, &st); /* not a neighbour's MAC */
	assert_int_equal(st.learned, 1);
	ms_neigh_learn(nt, 0, &a, &other_mac, &st);
	assert_int_equal(st.learned, 2);
	assert_int_equal(ms_neigh_version(nt), v + 2);
	assert_int_equal(resolve(nt, 0, &pl, "192.0.2.50", &mac, NULL, &st), 0);
	assert_memory_equal(&mac, &other_mac, 6);
	/* the other table knows nothing of it */
	assert_int_equal(ms_neigh_version(nt2), 1);
	assert_int_equal(resolve(nt2, 0, &pl, "192.0.2.50", &mac, NULL, &st), -ENOENT);
	ms_neigh_free(nt);
	ms_neigh_free(nt2);
	ms_neigh_free(NULL);
}

/*
 * Checks an NS or NA the table wrote, without the NA's flags: Ethernet from
 * our MAC to dmac (tagged when vlan), IPv6 with hop limit 255 from src to
 * dst, ICMPv6 type, code 0 and a valid checksum, the target and our
 * link-layer address option. Returns the ICMPv6 message.
 */
static const uint8_t *
check_nd_out(const struct rte_mbuf *m, uint16_t vlan, const struct rte_ether_addr *dmac,
	     uint8_t type, const char *src, const char *dst, const char *target)
{
	uint16_t off = vlan ? 18 : 14;
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)p;
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(p + off);
	const uint8_t *icmp = (const uint8_t *)(ip + 1);
	struct ms_addr s = addr(src), d = addr(dst), t = addr(target);

	assert_int_equal(rte_pktmbuf_data_len(m), off + 40 + 32);
	assert_int_equal(rte_pktmbuf_pkt_len(m), off + 40 + 32);
	assert_memory_equal(&eth->dst_addr, dmac, 6);
	assert_memory_equal(&eth->src_addr, &port_mac, 6);
	if (vlan) {
		assert_int_equal(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_VLAN);
		assert_int_equal(p[15], vlan);
	} else {
		assert_int_equal(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_IPV6);
	}
	assert_int_equal(rte_be_to_cpu_32(ip->vtc_flow) >> 28, 6);
	assert_int_equal(rte_be_to_cpu_16(ip->payload_len), 32);
	assert_int_equal(ip->proto, IPPROTO_ICMPV6);
	assert_int_equal(ip->hop_limits, 255);
	assert_memory_equal(ip->src_addr, s.a, 16);
	assert_memory_equal(ip->dst_addr, d.a, 16);
	assert_int_equal(icmp[0], type);
	assert_int_equal(icmp[1], 0);
	assert_int_equal(rte_ipv6_udptcp_cksum_verify(ip, icmp), 0);
	assert_memory_equal(icmp + 8, t.a, 16);
	assert_int_equal(icmp[24], type == ND_NS ? 1 : 2);
	assert_int_equal(icmp[25], 1);
	assert_memory_equal(icmp + 26, &port_mac, 6);
	return icmp;
}

/* Checks an NA that answers a solicitation from src (NULL: from ::). */
static void
check_na(struct rte_mbuf *m, uint16_t vlan, const char *src, const struct rte_ether_addr *dmac,
	 const char *target)
{
	const uint8_t *icmp = check_nd_out(m, vlan, dmac, ND_NA, target,
					   src ? src : "ff02::1", target);

	/* R clear, O set, S set unless it answers duplicate address detection */
	assert_int_equal(icmp[4], src ? 0x60 : 0x20);
	assert_int_equal(icmp[5] | icmp[6] | icmp[7], 0);
}

static void
test_nd_solicitation(void **state)
{
	(void)state;
	for (uint16_t vlan = 0; vlan <= 5; vlan += 5) {
		struct ms_neigh *nt = table(64);
		struct ms_neigh_stats st = {0};
		struct ms_port_l3 pl;
		struct rte_ether_addr mac;
		struct rte_ether_addr all_nodes = {.addr_bytes = {0x33, 0x33, 0, 0, 0, 1}};
		uint8_t buf[256];
		uint16_t len;
		struct rte_mbuf *m;
		struct nd_spec ns = {.type = ND_NS, .vlan = vlan, .src = "2001:db8::10",
				     .dst = "ff02::1:ff00:1", .target = "2001:db8::1",
				     .lla = &peer_mac};

		port_init(&pl, vlan);
		len = nd_frame(buf, &ns);
		assert_int_equal(input(nt, &pl, buf, len, &st, &m), 1);
		assert_int_equal(st.nd_adverts_sent, 1);
		check_na(m, vlan, "2001:db8::10", &peer_mac, "2001:db8::1");
		rte_pktmbuf_free(m);
		assert_int_equal(st.learned, 1);
		assert_int_equal(resolve(nt, 0, &pl, "2001:db8::10", &mac, NULL, &st), 0);
		assert_memory_equal(&mac, &peer_mac, 6);

		/* unicast, without an option (a reachability probe): to the Ethernet source */
		ns.dst = "2001:db8::1";
		ns.lla = NULL;
		ns.src = "2001:db8::11";
		len = nd_frame(buf, &ns);
		assert_int_equal(input(nt, &pl, buf, len, &st, &m), 1);
		check_na(m, vlan, "2001:db8::11", &peer_mac, "2001:db8::1");
		rte_pktmbuf_free(m);
		assert_int_equal(st.learned, 1);

		/* duplicate address detection, from :: : to all nodes, nothing learned */
		ns.src = "::";
		ns.dst = "ff02::1:ff00:1";
		len = nd_frame(buf, &ns);
		assert_int_equal(input(nt, &pl, buf, len, &st, &m), 1);
		check_na(m, vlan, NULL, &all_nodes, "2001:db8::1");
		rte_pktmbuf_free(m);
		assert_int_equal(st.nd_adverts_sent, 3);
		assert_int_equal(st.learned, 1);
		ms_neigh_free(nt);
	}
}

static void
test_nd_ignored(void **state)
{
	struct ms_neigh *nt = table(64);
	struct ms_neigh_stats st = {0};
	struct ms_port_l3 pl;
	struct rte_ether_addr mac;
	uint8_t buf[256], copy[256];
	uint16_t len;
	struct rte_mbuf *m;

	(void)state;
	port_init(&pl, 0);
	for (unsigned i = 0; i < 7; i++) {
		struct nd_spec ns = {.type = ND_NS, .src = "2001:db8::12", .dst = "ff02::1:ff00:1",
				     .target = "2001:db8::1", .lla = &peer_mac};

		switch (i) {
		case 0: ns.hop_limit = 254; break;
		case 1: ns.hop_limit = 1; break;
		case 2: ns.code = 1; break;
		case 3: ns.target = "2001:db8::2"; break;     /* not ours */
		case 4: ns.target = "ff02::1"; break;         /* multicast target */
		case 5: ns.src = "::"; break;                 /* DAD with an option */
		case 6: break;                                 /* checksum broken below */
		}
		len = nd_frame(buf, &ns);
		if (i == 6)
			buf[len - 1] ^= 0x40;
		memcpy(copy, buf, len);
		assert_int_equal(input(nt, &pl, buf, len, &st, &m), 0);
		assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), copy, len);
		rte_pktmbuf_free(m);
	}
	/* an option of length 0 makes the message invalid */
	{
		struct nd_spec ns = {.type = ND_NS, .src = "2001:db8::12", .dst = "ff02::1:ff00:1",
				     .target = "2001:db8::1", .lla = &peer_mac};
		struct rte_ipv6_hdr *ip;
		uint8_t *icmp;
		uint16_t c;

		len = nd_frame(buf, &ns);
		ip = (struct rte_ipv6_hdr *)(buf + 14);
		icmp = (uint8_t *)(ip + 1);
		icmp[25] = 0;
		icmp[2] = icmp[3] = 0;
		c = rte_ipv6_udptcp_cksum(ip, icmp);
		memcpy(icmp + 2, &c, 2);
		assert_int_equal(input(nt, &pl, buf, len, &st, NULL), 0);
	}
	assert_int_equal(st.nd_adverts_sent, 0);
	assert_int_equal(st.learned, 0);
	assert_int_equal(resolve(nt, 0, &pl, "2001:db8::12", &mac, NULL, &st), -ENOENT);
	ms_neigh_free(nt);
}

static void
test_nd_resolve(void **state)
{
	(void)state;
	for (uint16_t vlan = 0; vlan <= 9; vlan += 9) {
		struct ms_neigh *nt = table(64);
		struct ms_neigh_stats st = {0};
		struct ms_port_l3 pl;
		struct rte_ether_addr mac;
		struct rte_mbuf *req;
		uint8_t buf[256];
		uint16_t len;
		uint32_t v;

		port_init(&pl, vlan);
		/* an advertisement nobody asked for creates nothing (RFC 4861 7.2.5) */
		struct nd_spec na = {.type = ND_NA, .vlan = vlan, .src = "2001:db8::abcd:20",
				     .dst = "2001:db8::1", .target = "2001:db8::abcd:20",
				     .lla = &peer_mac, .flags = 0x60};
		len = nd_frame(buf, &na);
		assert_int_equal(input(nt, &pl, buf, len, &st, NULL), 0);
		assert_int_equal(st.learned, 0);

		assert_int_equal(resolve(nt, 0, &pl, "2001:db8::abcd:20", &mac, &req, &st),
				 -ENOENT);
		assert_non_null(req);
		assert_int_equal(st.requests_sent, 1);

		/* to the target's solicited-node address */
		static const struct rte_ether_addr snm_mac = {
			.addr_bytes = {0x33, 0x33, 0xff, 0xcd, 0x00, 0x20}};
		struct ms_pkt_info pi;

		check_nd_out(req, vlan, &snm_mac, ND_NS, "2001:db8::1", "ff02::1:ffcd:20",
			     "2001:db8::abcd:20");
		assert_int_equal(ms_pkt_parse(req, &pl, &pi), MS_PKT_ND);
		rte_pktmbuf_free(req);
		assert_int_equal(resolve(nt, 0, &pl, "2001:db8::abcd:20", &mac, &req, &st),
				 -ENOENT);
		assert_null(req);

		/* an NA with Solicited set to a multicast address is invalid */
		na.dst = "ff02::1";
		len = nd_frame(buf, &na);
		assert_int_equal(input(nt, &pl, buf, len, &st, NULL), 0);
		assert_int_equal(st.learned, 0);
		/* the answer */
		v = ms_neigh_version(nt);
		na.dst = "2001:db8::1";
		len = nd_frame(buf, &na);
		assert_int_equal(input(nt, &pl, buf, len, &st, NULL), 0);
		assert_int_equal(st.learned, 1);
		assert_int_equal(st.nd_adverts_sent, 0);
		assert_int_not_equal(ms_neigh_version(nt), v);
		assert_int_equal(resolve(nt, 0, &pl, "2001:db8::abcd:20", &mac, &req, &st), 0);
		assert_null(req);
		assert_memory_equal(&mac, &peer_mac, 6);
		/* an unsolicited override moves it */
		na.lla = &other_mac;
		na.flags = 0x20;
		na.dst = "ff02::1";
		len = nd_frame(buf, &na);
		assert_int_equal(input(nt, &pl, buf, len, &st, NULL), 0);
		assert_int_equal(resolve(nt, 0, &pl, "2001:db8::abcd:20", &mac, NULL, &st), 0);
		assert_memory_equal(&mac, &other_mac, 6);
		assert_int_equal(st.learned, 2);
		ms_neigh_free(nt);
	}
}

static void
test_table_full(void **state)
{
	struct ms_neigh *nt = table(4);
	struct ms_neigh_stats st = {0};
	struct ms_port_l3 pl;
	struct rte_ether_addr mac;
	struct rte_mbuf *req;
	char ip[32];

	(void)state;
	port_init(&pl, 0);
	for (unsigned i = 0; i < 4; i++) {
		struct ms_addr a;

		snprintf(ip, sizeof(ip), "192.0.2.%u", 100 + i);
		a = addr(ip);
		ms_neigh_learn(nt, 0, &a, &peer_mac, &st);
	}
	assert_int_equal(st.learned, 4);
	assert_int_equal(st.table_full, 0);
	struct ms_addr a = addr("192.0.2.200");
	ms_neigh_learn(nt, 0, &a, &peer_mac, &st);
	assert_int_equal(st.learned, 4);
	assert_int_equal(st.table_full, 1);
	assert_int_equal(resolve(nt, 0, &pl, "192.0.2.201", &mac, &req, &st), -ENOENT);
	assert_null(req);
	assert_int_equal(st.table_full, 2);
	assert_int_equal(st.requests_sent, 0);
	assert_int_equal(ms_neigh_add_static(nt, 0, &a, &peer_mac), -ENOSPC);
	/* what is in stays usable and changeable */
	for (unsigned i = 0; i < 4; i++) {
		snprintf(ip, sizeof(ip), "192.0.2.%u", 100 + i);
		assert_int_equal(resolve(nt, 0, &pl, ip, &mac, NULL, &st), 0);
		assert_memory_equal(&mac, &peer_mac, 6);
	}
	a = addr("192.0.2.101");
	assert_int_equal(ms_neigh_add_static(nt, 0, &a, &other_mac), 0);
	assert_int_equal(resolve(nt, 0, &pl, "192.0.2.101", &mac, NULL, &st), 0);
	assert_memory_equal(&mac, &other_mac, 6);
	ms_neigh_free(nt);
}

/* Two workers (plain threads: the table needs no lcore id) race on the same keys. */
struct racer {
	struct ms_neigh *nt;
	const struct ms_port_l3 *pl;
	struct rte_ether_addr mac;
	struct ms_neigh_stats st;
};

#define RACE_KEYS 64

static void *
race(void *arg)
{
	struct racer *r = arg;

	for (unsigned round = 0; round < 50; round++)
		for (unsigned i = 0; i < RACE_KEYS; i++) {
			uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = (uint8_t)i};
			struct ms_addr a;
			struct rte_ether_addr mac;
			struct rte_mbuf *req;

			ms_addr_set_v6(&a, b);
			if (ms_neigh_resolve(r->nt, 0, r->pl, &a, &mac, ms_test_pool(), &req,
					     &r->st) < 0)
				rte_pktmbuf_free(req);
			ms_neigh_learn(r->nt, 0, &a, &r->mac, &r->st);
		}
	return NULL;
}

static void
test_concurrent(void **state)
{
	struct ms_neigh *nt = table(RACE_KEYS);
	struct ms_port_l3 pl;
	struct racer r[2];
	pthread_t t[2];

	(void)state;
	port_init(&pl, 0);
	for (unsigned i = 0; i < 2; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].nt = nt;
		r[i].pl = &pl;
		r[i].mac = i ? peer_mac : other_mac;
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	/* control makes a few of them static meanwhile */
	for (unsigned i = 0; i < 8; i++) {
		uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = (uint8_t)(i * 8)};
		struct ms_addr a;

		ms_addr_set_v6(&a, b);
		assert_int_equal(ms_neigh_add_static(nt, 0, &a, &port_mac), 0);
	}
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	/* exactly RACE_KEYS keys: no key was added twice */
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(r[i].st.table_full, 0);
	for (unsigned i = 0; i < RACE_KEYS; i++) {
		uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = (uint8_t)i};
		struct rte_ether_addr mac;
		struct ms_addr a;
		struct rte_mbuf *req;

		ms_addr_set_v6(&a, b);
		assert_int_equal(ms_neigh_resolve(nt, 0, &pl, &a, &mac, ms_test_pool(), &req,
						  &r[0].st), 0);
		if (i % 8 == 0)
			assert_memory_equal(&mac, &port_mac, 6);
		else
			assert_true(rte_is_same_ether_addr(&mac, &peer_mac) ||
				    rte_is_same_ether_addr(&mac, &other_mac));
	}
	ms_neigh_free(nt);
}

static void
test_fuzz(void **state)
{
	struct ms_neigh *nt = table(256);
	struct ms_neigh_stats st = {0};
	struct ms_port_l3 pl, pl_vlan;
	struct rte_ether_addr zero = {{0}};
	unsigned replies = 0;

	(void)state;
	port_init(&pl, 0);
	port_init(&pl_vlan, 3);
	for (unsigned i = 0; i < 6000; i++) {
		uint16_t vlan = (i & 4) ? 3 : 0;
		const struct ms_port_l3 *p = vlan ? &pl_vlan : &pl;
		uint8_t buf[256];
		uint16_t len, hdr;
		struct rte_mbuf *m;

		switch (i % 3) {
		case 0:
			len = arp_frame(buf, vlan, (i & 8) ? RTE_ARP_OP_REPLY : RTE_ARP_OP_REQUEST,
					&bcast, &peer_mac, "192.0.2.77", &zero, "192.0.2.1");
			break;
		case 1: {
			struct nd_spec ns = {.type = ND_NS, .vlan = vlan, .src = "2001:db8::77",
					     .dst = "ff02::1:ff00:1", .target = "2001:db8::1",
					     .lla = (i & 8) ? &peer_mac : NULL};
			len = nd_frame(buf, &ns);
			break;
		}
		default: {
			struct nd_spec na = {.type = ND_NA, .vlan = vlan, .src = "2001:db8::78",
					     .dst = "2001:db8::1", .target = "2001:db8::78",
					     .lla = &peer_mac, .flags = 0x60};
			len = nd_frame(buf, &na);
			break;
		}
		}
		/* change a few bytes past Ethernet, sometimes cut the frame */
		hdr = vlan ? 18 : 14;
		for (unsigned k = ms_test_rand_range(0, 3); k > 0; k--)
			buf[ms_test_rand_range(hdr, (uint32_t)(len - 1))] = (uint8_t)ms_test_rand();
		if (i % 5 == 0)
			len = (uint16_t)ms_test_rand_range(0, len);
		if (i % 97 == 0) {
			len = (uint16_t)ms_test_rand_range(0, sizeof(buf));
			ms_test_rand_bytes(buf, len);
		}
		m = ms_test_exact_mbuf(buf, len);
		/* straight in, whatever the parser would say: neigh_input trusts nothing */
		replies += (unsigned)ms_neigh_input(nt, 0, p, m, &st);
		rte_pktmbuf_free(m);
	}
	/* unchanged frames still get answers */
	assert_true(replies > 0);
	assert_int_equal(replies, st.arp_replies_sent + st.nd_adverts_sent);
	ms_neigh_free(nt);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_request_for_us),
		cmocka_unit_test(test_arp_not_for_us),
		cmocka_unit_test(test_resolve_v4),
		cmocka_unit_test(test_resolve_rate_limit),
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_learn_version),
		cmocka_unit_test(test_nd_solicitation),
		cmocka_unit_test(test_nd_ignored),
		cmocka_unit_test(test_nd_resolve),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_fuzz),
	};

	ms_test_init(argc, argv);
	return cmocka_run_group_tests_name("neigh", tests, NULL, NULL);
}

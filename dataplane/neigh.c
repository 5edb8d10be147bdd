/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The neighbour table and the ARP / IPv6 neighbour discovery the workers do.
 *
 * Lookups are lock-free (rte_hash with RW_CONCURRENCY_LF). Entries are only
 * ever added, never removed, so a reader never sees one go away. Adding is
 * rare (a new next hop or a new requester) and takes the table's add lock,
 * which serialises the hash writers; the hash's own MULTI_WRITER_ADD is not
 * used because it indexes a per-lcore cache by rte_lcore_id() and so cannot
 * be called from a control thread that is not an EAL lcore.
 *
 * An entry's MAC, its "known" bit and its "static" bit share one 8-byte word
 * that is read and written atomically: a worker learning from traffic changes
 * it with a compare-and-swap that fails on a static entry, so control making
 * an entry static can never be overwritten by a racing worker.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_spinlock.h>

#include "neigh.h"

#define ICMP6_NS 135
#define ICMP6_NA 136
#define ND_OPT_SLLA 1 /* source link-layer address */
#define ND_OPT_TLLA 2 /* target link-layer address */
#define ND_NA_FLAG_R 0x80
#define ND_NA_FLAG_S 0x40
#define ND_NA_FLAG_O 0x20
#define ND_HOP_LIMIT 255

/* An NS or NA: the 4-byte ICMPv6 header, 4 bytes of flags/reserved, the target. */
struct nd_msg {
	struct rte_icmp_hdr icmp; /* icmp_ident/icmp_seq_nb: NA flags and reserved */
	uint8_t target[16];
} __rte_packed;

/* A link-layer address option for Ethernet. */
struct nd_opt_lla {
	uint8_t type;
	uint8_t len; /* in units of 8 bytes: 1 */
	struct rte_ether_addr mac;
};

#define ND_MSG_LEN ((uint16_t)sizeof(struct nd_msg))
#define ND_OPT_LLA_LEN ((uint16_t)sizeof(struct nd_opt_lla))
#define V6_HDR_LEN ((uint16_t)sizeof(struct rte_ipv6_hdr))
#define VLAN_HDR_LEN ((uint16_t)sizeof(struct rte_vlan_hdr))
#define MIN_FRAME_LEN (RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN)

/* entry->mac: the MAC in bits 0..47, then a known bit and a static bit; 0: unknown */
#define MAC_KNOWN (UINT64_C(1) << 48)
#define MAC_STATIC (UINT64_C(1) << 49)
#define MAC_BITS (MAC_KNOWN - 1)

struct neigh_key {
	uint16_t port;
	uint8_t family;
	uint8_t zero;
	uint8_t addr[16];
};

struct neigh_entry {
	uint64_t mac;          /* atomic; workers: CAS, control: exchange */
	uint64_t last_request; /* TSC of the last request; relaxed, several workers may race */
};

struct ms_neigh {
	struct rte_hash *hash;    /* key -> index into entries; lock-free reads */
	struct neigh_entry *entries;
	uint32_t max_entries;
	uint32_t nb_entries;      /* written under add_lock */
	uint32_t version;         /* atomic; never 0 */
	rte_spinlock_t add_lock;  /* serialises hash additions (workers and control) */
};

static uint32_t neigh_tables; /* atomic: unique hash names */

static inline uint64_t
mac_pack(const struct rte_ether_addr *a)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < RTE_ETHER_ADDR_LEN; i++)
		v |= (uint64_t)a->addr_bytes[i] << (8 * i);
	return v | MAC_KNOWN;
}

static inline void
mac_unpack(uint64_t v, struct rte_ether_addr *a)
{
	for (unsigned i = 0; i < RTE_ETHER_ADDR_LEN; i++)
		a->addr_bytes[i] = (uint8_t)(v >> (8 * i));
}

static inline void
key_make(struct neigh_key *k, uint16_t port, const struct ms_addr *ip)
{
	memset(k, 0, sizeof(*k));
	k->port = port;
	k->family = ip->family;
	memcpy(k->addr, ip->a, sizeof(k->addr));
}

struct ms_neigh *
ms_neigh_create(uint32_t max_entries, int socket_id)
{
	struct rte_hash_parameters hp = {
		.key_len = sizeof(struct neigh_key),
		.hash_func = rte_hash_crc,
		.socket_id = socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	char name[RTE_HASH_NAMESIZE];
	struct ms_neigh *nt;

	if (max_entries == 0 || max_entries > (UINT32_MAX >> 2)) {
		rte_errno = EINVAL;
		return NULL;
	}
	nt = rte_zmalloc_socket("ms_neigh", sizeof(*nt), RTE_CACHE_LINE_SIZE, socket_id);
	if (nt == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	nt->max_entries = max_entries;
	nt->version = 1;
	rte_spinlock_init(&nt->add_lock);
	nt->entries = rte_zmalloc_socket("ms_neigh_entries", sizeof(*nt->entries) * max_entries,
					 RTE_CACHE_LINE_SIZE, socket_id);
	if (nt->entries == NULL) {
		rte_errno = ENOMEM;
		goto fail;
	}
	snprintf(name, sizeof(name), "ms_neigh_%u",
		 __atomic_fetch_add(&neigh_tables, 1, __ATOMIC_RELAXED));
	hp.name = name;
	/* slack so that cuckoo placement never refuses before max_entries */
	hp.entries = RTE_MAX(max_entries + max_entries / 4, (uint32_t)16);
	nt->hash = rte_hash_create(&hp);
	if (nt->hash == NULL)
		goto fail;
	return nt;
fail:
	ms_neigh_free(nt);
	return NULL;
}

void
ms_neigh_free(struct ms_neigh *nt)
{
	if (nt == NULL)
		return;
	rte_hash_free(nt->hash);
	rte_free(nt->entries);
	rte_free(nt);
}

uint32_t
ms_neigh_version(const struct ms_neigh *nt)
{
	return __atomic_load_n(&nt->version, __ATOMIC_ACQUIRE);
}

static void
version_bump(struct ms_neigh *nt)
{
	if (__atomic_add_fetch(&nt->version, 1, __ATOMIC_ACQ_REL) == 0)
		__atomic_add_fetch(&nt->version, 1, __ATOMIC_ACQ_REL);
}

static struct neigh_entry *
entry_find(const struct ms_neigh *nt, const struct neigh_key *k)
{
	void *data;

	if (rte_hash_lookup_data(nt->hash, k, &data) < 0)
		return NULL;
	return &nt->entries[(uintptr_t)data];
}

/* The entry for k, added when absent; NULL when the table is full. */
static struct neigh_entry *
entry_get(struct ms_neigh *nt, const struct neigh_key *k)
{
	struct neigh_entry *e = entry_find(nt, k);
	uint32_t idx;

	if (e != NULL)
		return e;
	rte_spinlock_lock(&nt->add_lock);
	e = entry_find(nt, k); /* another writer may have added it meanwhile */
	if (e == NULL && nt->nb_entries < nt->max_entries) {
		idx = nt->nb_entries;
		if (rte_hash_add_key_data(nt->hash, k, (void *)(uintptr_t)idx) == 0) {
			nt->nb_entries = idx + 1;
			e = &nt->entries[idx];
		}
	}
	rte_spinlock_unlock(&nt->add_lock);
	return e;
}

static bool
family_ok(const struct ms_addr *ip)
{
	return ip->family == AF_INET || ip->family == AF_INET6;
}

int
ms_neigh_add_static(struct ms_neigh *nt, uint16_t port, const struct ms_addr *ip,
		    const struct rte_ether_addr *mac)
{
	struct neigh_key k;
	struct neigh_entry *e;
	uint64_t v, old;

	if (!family_ok(ip) || !rte_is_valid_assigned_ether_addr(mac))
		return -EINVAL;
	key_make(&k, port, ip);
	e = entry_get(nt, &k);
	if (e == NULL)
		return -ENOSPC;
	v = mac_pack(mac);
	old = __atomic_exchange_n(&e->mac, v | MAC_STATIC, __ATOMIC_ACQ_REL);
	if ((old & (MAC_BITS | MAC_KNOWN)) != v)
		version_bump(nt);
	return 0;
}

/* Traffic says ip is at mac: a compare-and-swap that leaves static entries alone. */
static void
entry_learn(struct ms_neigh *nt, struct neigh_entry *e, const struct rte_ether_addr *mac,
	    struct ms_neigh_stats *st)
{
	uint64_t want = mac_pack(mac), cur = __atomic_load_n(&e->mac, __ATOMIC_ACQUIRE);

	do {
		if ((cur & MAC_STATIC) || cur == want)
			return;
	} while (!__atomic_compare_exchange_n(&e->mac, &cur, want, false, __ATOMIC_RELEASE,
					      __ATOMIC_ACQUIRE));
	st->learned++;
	version_bump(nt);
}

/* create: add an entry for ip when there is none; else only update an existing one. */
static void
learn(struct ms_neigh *nt, uint16_t port, const struct ms_addr *ip,
      const struct rte_ether_addr *mac, struct ms_neigh_stats *st, bool create)
{
	struct neigh_key k;
	struct neigh_entry *e;

	if (!family_ok(ip) || !rte_is_valid_assigned_ether_addr(mac))
		return;
	key_make(&k, port, ip);
	e = create ? entry_get(nt, &k) : entry_find(nt, &k);
	if (e != NULL)
		entry_learn(nt, e, mac, st);
	else if (create)
		st->table_full++;
}

void
ms_neigh_learn(struct ms_neigh *nt, uint16_t port, const struct ms_addr *ip,
	       const struct rte_ether_addr *mac, struct ms_neigh_stats *st)
{
	learn(nt, port, ip, mac, st, true);
}

/* The port's own address of ip's family, preferably one whose prefix holds ip. */
static const struct ms_addr *
own_source(const struct ms_port_l3 *pl, const struct ms_addr *ip)
{
	unsigned n = RTE_MIN(pl->nb_addrs, (uint16_t)MS_PORT_MAX_ADDRS);
	const struct ms_addr *first = NULL;

	for (unsigned i = 0; i < n; i++) {
		const struct ms_addr *a = &pl->addrs[i];

		if (a->family != ip->family)
			continue;
		if (ms_addr_in_prefix(a, ip))
			return a;
		if (first == NULL)
			first = a;
	}
	return first;
}

/* A new frame from pl's MAC to dst with pl's VLAN tag; returns where the body goes. */
static struct rte_mbuf *
frame_new(struct rte_mempool *mp, const struct ms_port_l3 *pl, const struct rte_ether_addr *dst,
	  uint16_t type, uint16_t body_len, uint8_t **body)
{
	uint16_t l2_len = (uint16_t)(RTE_ETHER_HDR_LEN + (pl->vlan ? VLAN_HDR_LEN : 0));
	uint16_t len = (uint16_t)RTE_MAX(l2_len + body_len, MIN_FRAME_LEN);
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eth;
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(p, 0, len);
	eth = (struct rte_ether_hdr *)p;
	rte_ether_addr_copy(dst, &eth->dst_addr);
	rte_ether_addr_copy(&pl->mac, &eth->src_addr);
	if (pl->vlan) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(pl->vlan & RTE_VLAN_ID_MASK);
		vh->eth_proto = rte_cpu_to_be_16(type);
	} else {
		eth->ether_type = rte_cpu_to_be_16(type);
	}
	*body = p + l2_len;
	return m;
}

static struct rte_mbuf *
arp_request(const struct ms_port_l3 *pl, const struct ms_addr *src, const struct ms_addr *ip,
	    struct rte_mempool *mp)
{
	static const struct rte_ether_addr bcast = {.addr_bytes = {0xff, 0xff, 0xff, 0xff,
								   0xff, 0xff}};
	struct rte_arp_hdr *arp;
	uint8_t *body;
	struct rte_mbuf *m = frame_new(mp, pl, &bcast, RTE_ETHER_TYPE_ARP, sizeof(*arp), &body);

	if (m == NULL)
		return NULL;
	arp = (struct rte_arp_hdr *)body;
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&pl->mac, &arp->arp_data.arp_sha);
	memcpy(&arp->arp_data.arp_sip, src->a, 4);
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	memcpy(&arp->arp_data.arp_tip, ip->a, 4);
	return m;
}

static uint16_t
icmp6_cksum(const struct rte_ipv6_hdr *ip, const void *l4)
{
	/* rte_ipv6_udptcp_cksum turns 0 into 0xffff only for UDP, as ICMPv6 wants */
	return rte_ipv6_udptcp_cksum(ip, l4);
}

static bool
icmp6_cksum_ok(const struct rte_ipv6_hdr *ip, const void *l4, uint16_t len)
{
	uint32_t sum = __rte_raw_cksum(l4, len, rte_ipv6_phdr_cksum(ip, 0));

	return __rte_raw_cksum_reduce(sum) == 0xffff;
}

static struct rte_mbuf *
nd_solicit(const struct ms_port_l3 *pl, const struct ms_addr *src, const struct ms_addr *ip,
	   struct rte_mempool *mp)
{
	struct rte_ether_addr dst_mac = {.addr_bytes = {0x33, 0x33, 0xff, ip->a[13], ip->a[14],
							ip->a[15]}};
	/* solicited-node multicast: ff02::1:ff00:0/104 + the low 24 bits of the target */
	static const uint8_t snm[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
	uint16_t plen = ND_MSG_LEN + ND_OPT_LLA_LEN;
	struct rte_ipv6_hdr *ip6;
	struct nd_msg *ns;
	struct nd_opt_lla *opt;
	uint8_t *body;
	struct rte_mbuf *m = frame_new(mp, pl, &dst_mac, RTE_ETHER_TYPE_IPV6, V6_HDR_LEN + plen,
				       &body);

	if (m == NULL)
		return NULL;
	ip6 = (struct rte_ipv6_hdr *)body;
	ip6->vtc_flow = rte_cpu_to_be_32(UINT32_C(6) << 28);
	ip6->payload_len = rte_cpu_to_be_16(plen);
	ip6->proto = IPPROTO_ICMPV6;
	ip6->hop_limits = ND_HOP_LIMIT;
	memcpy(ip6->src_addr, src->a, 16);
	memcpy(ip6->dst_addr, snm, sizeof(snm));
	memcpy(ip6->dst_addr + 13, ip->a + 13, 3);
	ns = (struct nd_msg *)(ip6 + 1);
	ns->icmp.icmp_type = ICMP6_NS;
	ns->icmp.icmp_code = 0;
	ns->icmp.icmp_cksum = 0;
	ns->icmp.icmp_ident = 0;
	ns->icmp.icmp_seq_nb = 0;
	memcpy(ns->target, ip->a, 16);
	opt = (struct nd_opt_lla *)(ns + 1);
	opt->type = ND_OPT_SLLA;
	opt->len = 1;
	rte_ether_addr_copy(&pl->mac, &opt->mac);
	ns->icmp.icmp_cksum = icmp6_cksum(ip6, ns);
	return m;
}

int
ms_neigh_resolve(struct ms_neigh *nt, uint16_t port, const struct ms_port_l3 *pl,
		 const struct ms_addr *ip, struct rte_ether_addr *mac, struct rte_mempool *mp,
		 struct rte_mbuf **request, struct ms_neigh_stats *st)
{
	const struct ms_addr *src;
	struct neigh_entry *e;
	struct neigh_key k;
	uint64_t v, now, last;

	*request = NULL;
	if (!family_ok(ip))
		return -EINVAL;
	key_make(&k, port, ip);
	e = entry_find(nt, &k);
	if (e != NULL) {
		v = __atomic_load_n(&e->mac, __ATOMIC_ACQUIRE);
		if (v & MAC_KNOWN) {
			mac_unpack(v, mac);
			return 0;
		}
	} else {
		e = entry_get(nt, &k);
		if (e == NULL) {
			/* no entry to rate-limit with, and nowhere to learn the answer */
			st->table_full++;
			return -ENOENT;
		}
	}

	src = own_source(pl, ip);
	if (src == NULL)
		return -ENOENT;
	now = rte_get_tsc_cycles();
	last = __atomic_load_n(&e->last_request, __ATOMIC_RELAXED);
	if (last != 0 && now - last < rte_get_tsc_hz())
		return -ENOENT;
	/* one of several racing workers sends it */
	if (!__atomic_compare_exchange_n(&e->last_request, &last, now, false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return -ENOENT;
	if (ip->family == AF_INET)
		*request = arp_request(pl, src, ip, mp);
	else
		*request = nd_solicit(pl, src, ip, mp);
	if (*request == NULL) {
		/* no mbuf: let the next packet try again */
		__atomic_compare_exchange_n(&e->last_request, &now, last, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
		return -ENOENT;
	}
	st->requests_sent++;
	return -ENOENT;
}

/* An IPv4 sender we may learn: inside one of pl's prefixes, not ours, not a broadcast. */
static bool
arp_sender_ok(const struct ms_port_l3 *pl, const struct ms_addr *sip)
{
	unsigned n = RTE_MIN(pl->nb_addrs, (uint16_t)MS_PORT_MAX_ADDRS);
	uint32_t a;

	memcpy(&a, sip->a, 4);
	a = rte_be_to_cpu_32(a);
	if (a == 0 || a == UINT32_MAX || (a >> 28) == 0xe)
		return false;
	if (ms_port_l3_own(pl, sip) != NULL)
		return false;
	for (unsigned i = 0; i < n; i++) {
		const struct ms_addr *own = &pl->addrs[i];

		if (own->family != AF_INET || !ms_addr_in_prefix(own, sip))
			continue;
		/* the subnet's broadcast address (prefixes with room for one) */
		if (own->prefix_len > 0 && own->prefix_len < 31) {
			uint32_t host = UINT32_MAX >> own->prefix_len;

			if ((a & host) == host)
				return false;
		}
		return true;
	}
	return false;
}

static int
arp_input(struct ms_neigh *nt, uint16_t port, const struct ms_port_l3 *pl, uint8_t *frame,
	  uint32_t off, uint32_t len, struct ms_neigh_stats *st)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_arp_hdr *arp;
	struct rte_arp_ipv4 *d;
	struct rte_ether_addr sha;
	struct ms_addr sip, tip;
	uint16_t op;
	bool for_us;

	if (len - off < sizeof(*arp))
		return 0;
	arp = (struct rte_arp_hdr *)(frame + off);
	d = &arp->arp_data;
	op = rte_be_to_cpu_16(arp->arp_opcode);
	if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4 ||
	    (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY))
		return 0;
	rte_ether_addr_copy(&d->arp_sha, &sha);
	if (!rte_is_valid_assigned_ether_addr(&sha))
		return 0;
	ms_addr_set_v4(&sip, &d->arp_sip);
	ms_addr_set_v4(&tip, &d->arp_tip);
	for_us = ms_port_l3_own(pl, &tip) != NULL;

	/*
	 * RFC 826: refresh the sender's entry if there is one; create it only
	 * when the packet is for us, so that the chatter of a busy subnet does
	 * not fill the table.
	 */
	if (arp_sender_ok(pl, &sip))
		learn(nt, port, &sip, &sha, st, for_us);

	if (op != RTE_ARP_OP_REQUEST || !for_us)
		return 0;
	/* the reply, in place; the VLAN tag stays as it came */
	rte_ether_addr_copy(&sha, &eth->dst_addr);
	rte_ether_addr_copy(&pl->mac, &eth->src_addr);
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&sha, &d->arp_tha);
	rte_ether_addr_copy(&pl->mac, &d->arp_sha);
	memcpy(&d->arp_tip, sip.a, 4);
	memcpy(&d->arp_sip, tip.a, 4);
	st->arp_replies_sent++;
	return 1;
}

static bool
v6_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

static bool
v6_multicast(const uint8_t *a)
{
	return a[0] == 0xff;
}

/*
 * The link-layer address option of the given type among the options of an
 * NS/NA; -1 when an option is malformed (the message is then invalid), 0 when
 * absent, 1 when found.
 */
static int
nd_find_lla(const uint8_t *opts, uint32_t len, uint8_t type, struct rte_ether_addr *mac)
{
	int found = 0;

	while (len > 0) {
		uint32_t olen;

		if (len < 2)
			return -1;
		olen = (uint32_t)opts[1] * 8;
		if (olen == 0 || olen > len)
			return -1;
		if (opts[0] == type && olen == ND_OPT_LLA_LEN && !found) {
			memcpy(mac, opts + 2, RTE_ETHER_ADDR_LEN);
			found = 1;
		}
		opts += olen;
		len -= olen;
	}
	return found;
}

static int
nd_input(struct ms_neigh *nt, uint16_t port, const struct ms_port_l3 *pl, struct rte_mbuf *m,
	 uint8_t *frame, uint32_t off, uint32_t len, struct ms_neigh_stats *st)
{
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_ipv6_hdr *ip6;
	struct nd_msg *nd;
	struct nd_opt_lla *opt;
	struct rte_ether_addr lla, dst_mac;
	struct ms_addr src, target;
	uint32_t plen, new_len;
	bool from_unspec;
	int has_lla;

	if (len - off < V6_HDR_LEN)
		return 0;
	ip6 = (struct rte_ipv6_hdr *)(frame + off);
	plen = rte_be_to_cpu_16(ip6->payload_len);
	if ((rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6 || ip6->proto != IPPROTO_ICMPV6 ||
	    plen > len - off - V6_HDR_LEN || plen < ND_MSG_LEN)
		return 0;
	/* RFC 4861 sections 7.1.1 and 7.1.2: validity */
	nd = (struct nd_msg *)(ip6 + 1);
	if (ip6->hop_limits != ND_HOP_LIMIT || nd->icmp.icmp_code != 0 ||
	    !icmp6_cksum_ok(ip6, nd, (uint16_t)plen) || v6_multicast(nd->target))
		return 0;
	has_lla = nd_find_lla((const uint8_t *)(nd + 1), plen - ND_MSG_LEN,
			      nd->icmp.icmp_type == ICMP6_NS ? ND_OPT_SLLA : ND_OPT_TLLA, &lla);
	if (has_lla < 0)
		return 0;
	ms_addr_set_v6(&target, nd->target);
	ms_addr_set_v6(&src, ip6->src_addr);

	if (nd->icmp.icmp_type == ICMP6_NA) {
		uint8_t flags = ((const uint8_t *)&nd->icmp.icmp_ident)[0];

		if (v6_multicast(ip6->dst_addr) && (flags & ND_NA_FLAG_S))
			return 0;
		/* RFC 4861 section 7.2.5: an advertisement only updates an existing entry */
		if (has_lla && ms_port_l3_own(pl, &target) == NULL)
			learn(nt, port, &target, &lla, st, false);
		return 0;
	}
	if (nd->icmp.icmp_type != ICMP6_NS || v6_multicast(ip6->src_addr))
		return 0;
	from_unspec = v6_unspecified(ip6->src_addr);
	if (from_unspec && has_lla)
		return 0; /* duplicate address detection carries no source address option */
	if (ms_port_l3_own(pl, &target) == NULL)
		return 0;
	if (has_lla && !from_unspec && ms_port_l3_own(pl, &src) == NULL)
		learn(nt, port, &src, &lla, st, true);

	/* the solicited advertisement, in place */
	if (from_unspec) {
		/* RFC 4861 section 7.2.4: to all nodes, Solicited clear */
		static const struct rte_ether_addr all_nodes_mac = {
			.addr_bytes = {0x33, 0x33, 0, 0, 0, 0x01}};

		dst_mac = all_nodes_mac;
	} else if (has_lla) {
		dst_mac = lla;
	} else {
		dst_mac = eth->src_addr;
	}
	new_len = off + V6_HDR_LEN + ND_MSG_LEN + ND_OPT_LLA_LEN;
	if (new_len > len) {
		if (rte_pktmbuf_append(m, (uint16_t)(new_len - len)) == NULL)
			return 0;
	} else if (new_len < len) {
		rte_pktmbuf_trim(m, (uint16_t)(len - new_len));
	}
	rte_ether_addr_copy(&dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(&pl->mac, &eth->src_addr);
	ip6->vtc_flow = rte_cpu_to_be_32(UINT32_C(6) << 28);
	ip6->payload_len = rte_cpu_to_be_16(ND_MSG_LEN + ND_OPT_LLA_LEN);
	ip6->hop_limits = ND_HOP_LIMIT;
	memcpy(ip6->dst_addr, from_unspec ? all_nodes : src.a, 16);
	memcpy(ip6->src_addr, target.a, 16);
	nd->icmp.icmp_type = ICMP6_NA;
	nd->icmp.icmp_cksum = 0;
	nd->icmp.icmp_ident = 0;
	nd->icmp.icmp_seq_nb = 0;
	((uint8_t *)&nd->icmp.icmp_ident)[0] = (uint8_t)(ND_NA_FLAG_O |
							 (from_unspec ? 0 : ND_NA_FLAG_S));
	opt = (struct nd_opt_lla *)(nd + 1);
	opt->type = ND_OPT_TLLA;
	opt->len = 1;
	rte_ether_addr_copy(&pl->mac, &opt->mac);
	nd->icmp.icmp_cksum = icmp6_cksum(ip6, nd);
	st->nd_adverts_sent++;
	return 1;
}

int
ms_neigh_input(struct ms_neigh *nt, uint16_t port, const struct ms_port_l3 *pl,
	       struct rte_mbuf *m, struct ms_neigh_stats *st)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), off = RTE_ETHER_HDR_LEN;
	uint16_t type;

	if (m->nb_segs != 1 || m->next != NULL || len < RTE_ETHER_HDR_LEN)
		return 0;
	type = rte_be_to_cpu_16(((struct rte_ether_hdr *)frame)->ether_type);
	if (type == RTE_ETHER_TYPE_VLAN) {
		if (len < RTE_ETHER_HDR_LEN + VLAN_HDR_LEN)
			return 0;
		type = rte_be_to_cpu_16(((struct rte_vlan_hdr *)(frame + off))->eth_proto);
		off += VLAN_HDR_LEN;
	}
	if (type == RTE_ETHER_TYPE_ARP)
		return arp_input(nt, port, pl, frame, off, len, st);
	if (type == RTE_ETHER_TYPE_IPV6)
		return nd_input(nt, port, pl, m, frame, off, len, st);
	return 0;
}

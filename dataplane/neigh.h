/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_NEIGH_H
#define MS_NEIGH_H

/*
 * Neighbours: the MAC address of each next hop, per port, from static
 * entries in the configuration, ARP and IPv6 neighbour discovery, and the
 * source MAC of a peer's authenticated media. Workers answer ARP requests and
 * neighbour solicitations for the port's own addresses, learn from replies,
 * and ask (at most once a second per address) for a next hop they need.
 *
 * The table is a lock-free-read hash that any worker may add to; entries are
 * never removed, a MAC changes with one 8-byte store, and a global version
 * counts changes so that a leg can cache its next hop's MAC.
 */

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "addr.h"
#include "pkt.h"

struct ms_neigh;

struct ms_neigh_stats {
	uint64_t arp_replies_sent;
	uint64_t nd_adverts_sent;
	uint64_t requests_sent; /* ARP requests and neighbour solicitations */
	uint64_t learned;       /* entries added or changed by traffic */
	uint64_t table_full;
};

struct ms_neigh *ms_neigh_create(uint32_t max_entries, int socket_id);
void ms_neigh_free(struct ms_neigh *nt);

/* Control: a static entry, never overwritten by traffic. 0, -ENOSPC, -EINVAL. */
int ms_neigh_add_static(struct ms_neigh *nt, uint16_t port, const struct ms_addr *ip,
			const struct rte_ether_addr *mac);

/* Worker: records ip -> mac on port (no effect on a static entry). */
void ms_neigh_learn(struct ms_neigh *nt, uint16_t port, const struct ms_addr *ip,
		    const struct rte_ether_addr *mac, struct ms_neigh_stats *st);

/* Changes whenever any entry gains or changes its MAC. Never 0. */
uint32_t ms_neigh_version(const struct ms_neigh *nt);

/*
 * Worker: the MAC of next hop ip on port. 0 when known. -ENOENT when not:
 * then *request is an ARP request or neighbour solicitation to send on that
 * port (allocated from mp), or NULL when one went out less than a second ago.
 */
int ms_neigh_resolve(struct ms_neigh *nt, uint16_t port, const struct ms_port_l3 *pl,
		     const struct ms_addr *ip, struct rte_ether_addr *mac, struct rte_mempool *mp,
		     struct rte_mbuf **request, struct ms_neigh_stats *st);

/*
 * Worker: an ARP or ND frame that arrived on port (class MS_PKT_ARP/ND).
 * Learns the sender; a request for one of the port's addresses is turned into
 * the reply in place and 1 is returned: transmit m on the same port.
 * Otherwise 0: the caller frees m.
 */
int ms_neigh_input(struct ms_neigh *nt, uint16_t port, const struct ms_port_l3 *pl,
		   struct rte_mbuf *m, struct ms_neigh_stats *st);

#endif

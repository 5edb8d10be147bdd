/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_PORT_H
#define MS_PORT_H

/*
 * Port set-up: one ethdev (a PCI NIC or a virtual device) configured with the
 * queues the workers need, RSS on UDP ports when it has several receive
 * queues, the checksum offloads it offers, started, promiscuous off where
 * the device allows it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>

struct ms_port_conf {
	const char *device; /* ethdev name, as EAL probed it */
	uint16_t nb_rxq;
	uint16_t nb_txq;    /* wanted: one per worker */
	uint16_t rx_desc;
	uint16_t tx_desc;
	uint16_t mtu;       /* 0: leave */
	struct rte_mempool *pool;
};

struct ms_port_state {
	uint16_t port_id;
	int socket_id;
	struct rte_ether_addr mac;
	uint16_t nb_txq;       /* what the device gave; fewer than wanted: workers share */
	bool rss;              /* several rx queues, spread by RSS on IP addresses and UDP ports */
	bool tx_ipv4_cksum;    /* the device computes IPv4 header checksums */
	bool tx_udp_cksum;     /* the device computes UDP checksums */
	bool rx_cksum;         /* the device checks IP/UDP checksums and flags the mbuf */
	char driver[32];
};

/* Finds the device, configures and starts it. -errno and the reason in err. */
int ms_port_setup(const struct ms_port_conf *c, struct ms_port_state *st, char *err,
		  size_t errlen);
/* Stops and closes the device. */
void ms_port_close(uint16_t port_id);

#endif

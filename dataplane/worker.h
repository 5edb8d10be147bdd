/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_WORKER_H
#define MS_WORKER_H

/*
 * Inside the dataplane: ports as the workers see them, and the workers.
 *
 * A worker polls its (port, queue) pairs and, for every burst: parses,
 * looks the legs up in bulk, hands packets of legs another worker owns to
 * that worker's ring, runs the transforms over the burst, rewrites the
 * headers toward the paired legs' peers and transmits. It reports an RCU
 * quiescent state once per loop, outside of any burst.
 *
 * Capture: a packet whose leg, or whose pair, carries MS_LEG_F_CAPTURE is
 * marked for the transform stage's tap (meta.tap, from the flags words the
 * worker loads anyway), which copies its plaintext into the leg's capture
 * between the inbound and outbound transforms (dataplane/capture.h).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "dataplane.h"
#include "port.h"

#define MS_BURST 32
#define MS_HANDOFF_RING 4096
#define MS_TX_BUF 64

struct ms_dp_port {
	struct ms_port_l3 l3; /* with the device's MAC */
	struct ms_port_state st;
	char name[MS_CFG_NAME_MAX];
	bool started;
	/* transmit queues shared between workers when the device has too few */
	rte_spinlock_t txq_lock[RTE_MAX_LCORE];
};

/* Packets waiting for one port's transmit queue, with the leg each one counts against. */
struct ms_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[MS_TX_BUF];
	struct ms_leg *legs[MS_TX_BUF];
	uint32_t bytes[MS_TX_BUF];
};

struct ms_pkt_state;

struct ms_worker {
	struct ms_dataplane *dp;
	unsigned index; /* also the RCU thread id; leg owner = index + 1 */
	unsigned lcore;
	uint16_t nb_rxq;
	struct ms_worker_queue_cfg rxq[MS_CFG_MAX_WORKER_QUEUES];
	struct rte_ring *handoff; /* packets of legs this worker owns, from other workers */
	uint16_t txq[MS_CFG_MAX_PORTS];
	bool txq_shared[MS_CFG_MAX_PORTS];
	struct ms_xform xform;
	/* dataplane (this worker): the burst in ms_xform_burst, for the capture tap */
	const struct ms_pkt_state *tap_ps;
	uint64_t tap_tsc; /* the burst's TSC for capture records; 0: not read yet */
	struct ms_worker_stats st;
	struct ms_txbuf tx[MS_CFG_MAX_PORTS];
} __rte_cache_aligned;

struct ms_dataplane {
	uint16_t nb_ports;
	struct ms_dp_port ports[MS_CFG_MAX_PORTS];
	uint16_t port_of_ethdev[RTE_MAX_ETHPORTS]; /* UINT16_MAX: not ours */
	struct rte_mempool *pool;
	struct ms_neigh *neigh;
	struct ms_legtab *legs;
	struct rte_rcu_qsbr *qsbr;
	const struct ms_crypto_engine *engine;
	unsigned nb_workers;
	struct ms_worker *workers[MS_CFG_MAX_WORKERS];
	volatile bool stop;
	bool running;
};

int ms_worker_main(void *arg);

#endif

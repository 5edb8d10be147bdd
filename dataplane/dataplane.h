/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_DATAPLANE_H
#define MS_DATAPLANE_H

/*
 * The dataplane as a whole: ports, mbuf pool, leg and neighbour tables, the
 * RCU variable and the workers. mediasecd and the integration tests drive it
 * through this interface, after rte_eal_init.
 */

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "leg.h"
#include "neigh.h"
#include "xform.h"

/* Drops a worker counts that belong to no leg. */
#define MS_WORKER_DROPS(X)                                                        \
	X(MALFORMED, "malformed")       /* headers truncated or inconsistent */      \
	X(IP_CHECKSUM, "ip_checksum")   /* IPv4 header (or NIC-flagged UDP) checksum */ \
	X(WRONG_VLAN, "wrong_vlan")     /* not the port's VLAN */                     \
	X(FRAGMENT, "fragment")         /* IP fragments are not reassembled */        \
	X(NOT_MEDIA, "not_media")       /* not UDP to one of our addresses, ARP/ND not for us */ \
	X(UNKNOWN_LEG, "unknown_leg")   /* UDP to an address and port no leg has */   \
	X(NO_HEADROOM, "no_headroom")   /* no room to write the outgoing headers */   \
	X(HANDOFF_FULL, "handoff_full") /* the leg owner's handoff ring was full */   \
	X(NEIGH_TX_FULL, "neigh_tx_full") /* an ARP/ND answer or request found the queue full */

enum ms_worker_drop {
#define MS_WORKER_DROP_ENUM(id, str) MS_WORKER_DROP_##id,
	MS_WORKER_DROPS(MS_WORKER_DROP_ENUM)
#undef MS_WORKER_DROP_ENUM
	MS_WORKER_DROP_COUNT
};

const char *ms_worker_drop_str(enum ms_worker_drop d);

/* One worker's counters. Written by that worker; read with relaxed loads. */
struct ms_worker_stats {
	uint64_t rx_pkts;
	uint64_t rx_bytes; /* frame bytes */
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t handed_off; /* packets passed to the owner of their leg */
	uint64_t taken_over; /* packets other workers passed to this one */
	uint64_t busy_cycles; /* TSC cycles spent on polls that found packets */
	uint64_t busy_pkts;   /* packets those polls received */
	uint64_t polls;
	uint64_t drops[MS_WORKER_DROP_COUNT];
	uint64_t leg_drops[MS_LEG_DROP_COUNT]; /* the same drops also counted on their legs */
	struct ms_xform_stats xform;           /* transforms, and crypto drops by result */
	struct ms_neigh_stats neigh;
};

struct ms_dataplane;

/*
 * Builds the dataplane after rte_eal_init: mbuf pool, ports (configured and
 * started, one rx queue per configured queue, one tx queue per worker),
 * neighbour table with the static entries, leg table, RCU variable and the
 * workers' state. Installs no session and starts no worker.
 */
int ms_dataplane_create(const struct ms_config *cfg, struct ms_dataplane **dp, char *err,
			size_t errlen);
/* Installs the configuration's sessions: all of them, or none. */
int ms_dataplane_install_sessions(struct ms_dataplane *dp, const struct ms_config *cfg, char *err,
				  size_t errlen);
/* Launches one worker on each worker lcore. */
int ms_dataplane_start(struct ms_dataplane *dp);
/* Tells the workers to return and waits for them. */
void ms_dataplane_stop(struct ms_dataplane *dp);
/* Removes every session (keys wiped), stops and closes the ports, frees all. */
void ms_dataplane_free(struct ms_dataplane *dp);

struct ms_legtab *ms_dataplane_legs(struct ms_dataplane *dp);
uint16_t ms_dataplane_nb_ports(const struct ms_dataplane *dp);
/* The ethdev port id of a configured port. */
uint16_t ms_dataplane_port_id(const struct ms_dataplane *dp, uint16_t port);
unsigned ms_dataplane_nb_workers(const struct ms_dataplane *dp);
void ms_dataplane_worker_stats(const struct ms_dataplane *dp, unsigned worker,
			       struct ms_worker_stats *st);
/* The sum over all workers. */
void ms_dataplane_total_stats(const struct ms_dataplane *dp, struct ms_worker_stats *st);

/* Counters of every worker and leg, as text (the summary mediasecd prints at exit). */
void ms_dataplane_print_stats(const struct ms_dataplane *dp, FILE *f);

/* Serves /mediasec/stats, /mediasec/legs and /mediasec/leg through DPDK telemetry. */
int ms_dataplane_telemetry_register(struct ms_dataplane *dp);

#endif

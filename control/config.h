/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_CONFIG_H
#define MS_CONFIG_H

/*
 * The configuration of mediasecd (libconfig syntax; docs/configuration.md).
 * Loading checks every value and names the setting and the reason of the
 * first that is wrong. The sessions hold master keys: they live in secret
 * memory, and ms_config_free wipes them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#include "addr.h"
#include "leg.h"
#include "pkt.h"
#include "srtp.h"

#define MS_CFG_NAME_MAX 32
#define MS_CFG_MAX_PORTS 16
#define MS_CFG_MAX_WORKERS 64
#define MS_CFG_MAX_WORKER_QUEUES 32
#define MS_CFG_MAX_QUEUES 16     /* rx queues per port */
#define MS_CFG_MAX_NEIGHBOURS 64 /* static neighbours per port */
#define MS_CFG_MAX_EAL_ARGS 32

struct ms_crypto_cfg {
	const struct ms_crypto_engine *engine;
	uint32_t replay_window;
};

enum ms_hugepages { MS_HUGEPAGES_AUTO, MS_HUGEPAGES_YES, MS_HUGEPAGES_NO };

struct ms_eal_cfg {
	enum ms_hugepages hugepages; /* auto: --in-memory when enough are free, else --no-huge */
	uint32_t memory_mb;          /* -m: 0 = grow as needed (hugepages), an estimate (--no-huge) */
	unsigned main_lcore;         /* runs the control thread */
	unsigned nb_args;
	char *args[MS_CFG_MAX_EAL_ARGS]; /* extra EAL arguments, as written */
};

struct ms_mbuf_cfg {
	uint32_t count; /* mbufs in the pool (per NUMA socket in use) */
	uint32_t cache; /* per-lcore cache */
};

struct ms_limits_cfg {
	uint32_t legs;       /* size of the leg table */
	uint32_t neighbours; /* size of the neighbour table */
};

struct ms_neigh_cfg {
	struct ms_addr addr;
	struct rte_ether_addr mac;
};

struct ms_port_cfg {
	char name[MS_CFG_NAME_MAX];  /* what legs and workers call the port */
	char device[64];             /* ethdev name: "net_tap0", or a PCI address */
	char args[256];              /* vdev arguments ("iface=veth0"), "" for none */
	bool pci;                    /* device is a PCI address: EAL -a, and no --no-pci */
	struct ms_port_l3 l3;        /* VLAN, addresses (with prefix), gateways; MAC from the device */
	uint16_t media_port_min;     /* UDP port range for media on this port */
	uint16_t media_port_max;
	uint16_t rx_desc;
	uint16_t tx_desc;
	uint16_t mtu;                /* 0: leave as the device has it */
	uint16_t nb_rx_queues;       /* 1 + the highest queue a worker polls */
	uint16_t nb_neighbours;
	struct ms_neigh_cfg neighbours[MS_CFG_MAX_NEIGHBOURS];
};

struct ms_worker_queue_cfg {
	uint16_t port;  /* index into ports */
	uint16_t queue;
};

struct ms_worker_cfg {
	unsigned lcore;
	uint16_t nb_queues;
	struct ms_worker_queue_cfg queues[MS_CFG_MAX_WORKER_QUEUES];
};

struct ms_session_cfg {
	char name[48];
	struct ms_leg_cfg legs[2];
};

struct ms_config {
	struct ms_crypto_cfg crypto;
	struct ms_eal_cfg eal;
	struct ms_mbuf_cfg mbufs;
	struct ms_limits_cfg limits;
	uint16_t nb_ports;
	struct ms_port_cfg ports[MS_CFG_MAX_PORTS];
	uint16_t nb_workers;
	struct ms_worker_cfg workers[MS_CFG_MAX_WORKERS];
	uint32_t nb_sessions;
	struct ms_session_cfg *sessions; /* in secret memory */
	uint32_t stats_interval_ms;      /* mediasecd prints counters this often; 0: only at exit */
};

/* conf/mediasec.conf as built into the programs */
extern const char ms_config_default_text[];

/*
 * Loads a configuration file, or the built-in default when path is NULL.
 * On error returns -EINVAL and writes into err which setting is wrong and
 * why (with its line); cfg then holds nothing that needs freeing.
 */
int ms_config_load(const char *path, struct ms_config *cfg, char *err, size_t errlen);
int ms_config_parse(const char *text, struct ms_config *cfg, char *err, size_t errlen);
/* Wipes and frees the sessions (keys) and EAL arguments. */
void ms_config_free(struct ms_config *cfg);
/* Wipes and frees only the sessions, once they are installed. */
void ms_config_drop_sessions(struct ms_config *cfg);

/* The port with this name, or -1. */
int ms_config_port_index(const struct ms_config *cfg, const char *name);

/*
 * SDES key parameter (RFC 4568 section 6.1): "inline:" base64(key || salt),
 * optional "|lifetime" (decimal or 2^n) and "|MKI:length". Fills one key of a
 * context configuration for suite; mki_len gets the MKI length (0: none).
 */
int ms_sdes_parse(const char *s, enum ms_srtp_suite suite, struct ms_srtp_key_cfg *key,
		  uint8_t *mki_len, const char **why);

#endif

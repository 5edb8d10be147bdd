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
	bool main_cpu_set;           /* main_cpu given: lcores run on CPUs other than their number */
	unsigned main_cpu;
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
	bool cpu_set; /* cpu given (else the CPU of the lcore's number) */
	unsigned cpu;
	uint16_t nb_queues;
	struct ms_worker_queue_cfg queues[MS_CFG_MAX_WORKER_QUEUES];
};

struct ms_session_cfg {
	char name[48];
	struct ms_leg_cfg legs[2];
};

/* ---- the control plane (control = { ... }): listeners, profiles, clients ---- */

#define MS_CTL_NAME_MAX 63         /* profile and client names */
#define MS_CTL_DESC_MAX 255        /* profile descriptions */
#define MS_CTL_SUBJECTS_MAX 4096   /* the seed's X.509 subject name field */
#define MS_CTL_MAX_LISTENERS 8
#define MS_CTL_MAX_PROFILES 1024
#define MS_CTL_MAX_CLIENTS 4096
#define MS_CTL_MAX_IDS 32          /* uids and gids of a Unix listener */
#define MS_CTL_MAX_CLIENT_PROFILES 16
#define MS_CTL_PATH_MAX 255

enum ms_transport { MS_TRANSPORT_UNIX, MS_TRANSPORT_TLS };

struct ms_listener_cfg {
	uint8_t transport; /* enum ms_transport */
	/* unix */
	char path[108];    /* sun_path */
	uint32_t mode;     /* file mode of the socket */
	unsigned nb_uids, nb_gids;
	uint32_t uids[MS_CTL_MAX_IDS];
	uint32_t gids[MS_CTL_MAX_IDS];
	char profile[MS_CTL_NAME_MAX + 1];
	/* tls */
	struct ms_addr address;
	uint16_t port;
	char certificate[MS_CTL_PATH_MAX + 1];
	char key[MS_CTL_PATH_MAX + 1];
	char ca_file[MS_CTL_PATH_MAX + 1];
	char ca_path[MS_CTL_PATH_MAX + 1];
};

/* A security profile (the seed's SIP trunk security profile, for control clients). */
struct ms_profile_cfg {
	char name[MS_CTL_NAME_MAX + 1];
	char description[MS_CTL_DESC_MAX + 1];
	uint8_t transport;     /* enum ms_transport */
	uint8_t security_mode; /* enum ms_leg_mode: the lowest protection a leg may have */
	bool digest;
	bool app_authorization;
	bool accept_subscription;
	bool accept_redirect;
	bool accept_notification;
	bool accept_replacement;
	uint16_t incoming_port; /* tls: the listener port; unix: 0 */
	uint32_t nonce_validity; /* seconds */
	char subjects[MS_CTL_SUBJECTS_MAX + 1];
};

/* An identity digest authentication proves, with what it may do. */
struct ms_client_cfg {
	char name[MS_CTL_NAME_MAX + 1];
	char ha1[65];        /* SHA-256(name:realm:password), hex */
	uint64_t operations; /* bit per enum ms_op */
	unsigned nb_profiles; /* 0: any profile */
	char profiles[MS_CTL_MAX_CLIENT_PROFILES][MS_CTL_NAME_MAX + 1];
};

struct ms_ctl_cfg {
	char realm[MS_CTL_NAME_MAX + 1];
	uint32_t max_message;     /* bytes per message, newline included */
	uint32_t max_connections;
	uint32_t request_ids;     /* mutating requests remembered for retries */
	uint32_t event_buffer;    /* bytes of events queued for a slow subscriber */
	uint32_t watch_ms;        /* how often sessions are watched for events */
	uint32_t auth_failure_burst; /* leg.auth_failures after this many per watch */
	char capture_dir[MS_CTL_PATH_MAX + 1];
	unsigned nb_listeners;
	struct ms_listener_cfg listeners[MS_CTL_MAX_LISTENERS];
	unsigned nb_profiles;
	struct ms_profile_cfg *profiles; /* malloc'd */
	unsigned nb_clients;
	struct ms_client_cfg *clients;   /* malloc'd; HA1s are not keys, but wiped too */
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
	struct ms_ctl_cfg control;
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
/* Frees the control section's profiles and clients. */
void ms_ctl_cfg_free(struct ms_ctl_cfg *c);
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

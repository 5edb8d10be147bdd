/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_BENCH_PKTGEN_H
#define MS_BENCH_PKTGEN_H

/*
 * mediasec-bench pktgen: files for benchmarking an appliance with
 * Pktgen-DPDK, which replays pcap files but cannot build SRTP itself.
 *
 * pktgen.c       options, the plan (sizes, ROC), the output directory, README
 * pktgen_keys.c  the key file: read, generate, write (0600, secret memory)
 * pktgen_pcap.c  a.pcap and b.pcap: streams protected with mediasec's engine
 * pktgen_conf.c  sessions.conf and mediasec.conf for mediasecd
 * pktgen_lua.c   replay.lua and ndr.lua (bench/pktgen/, compiled in)
 *
 * Sides: side A is what pktgen's port A sends to the appliance's port a
 * (leg A of every session) and receives from it; side B the same for port
 * b and leg B. Session i has one stream per direction: A->B enters leg A,
 * B->A enters leg B. The mode says which legs are SRTP.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "forward.h"
#include "srtp.h"

#define PG_MAX_ADDRS 8 /* a port of mediasecd holds at most 8 addresses */
#define PG_SDES_MAX 128
#define PG_MAX_PAYLOAD 1400
#define PG_MAX_WORKERS 16
#define PG_MAX_EAL_ARGS 8

/* The 4 keys of a session: leg A or B, what the peer sends (recv) or what mediasecd sends. */
enum pg_key_slot { PG_A_RECV, PG_A_SEND, PG_B_RECV, PG_B_SEND, PG_KEYS_PER_SESSION };

struct pg_ip {
	int fam; /* 4 or 6 */
	uint8_t b[16];
};

struct pg_opts {
	enum fwd_mode mode;
	enum ms_srtp_suite suite[2]; /* of legs A and B (for the SRTP ones) */
	uint32_t sessions;
	uint64_t packets;      /* per stream in each file */
	uint64_t first_packet; /* index in every stream of the files' first packet */
	double rate;           /* packets per second per direction */
	double seconds;
	bool packets_given;
	int32_t seq_start;     /* -1: random per stream */
	uint32_t roc_start;
	uint16_t payload;
	uint16_t ts_step;
	uint8_t pt;
	uint64_t seed;
	uint64_t min_packets; /* per file: what pktgen needs not to repeat the file in its pool */
	/* addresses: [side][0] mediasecd's (local), [side][1] the peer's (pktgen) */
	struct pg_ip addr[2][2];
	unsigned prefix_len;
	uint8_t mac[2][2][6];
	uint16_t udp_base, peer_udp_base;
	const char *out_dir;
	const char *keys_in; /* NULL: generate */
	/* mediasec.conf */
	const char *device[2];
	const char *devargs[2];
	const char *hugepages;
	unsigned memory_mb;
	unsigned workers;
	unsigned replay_window;
	const char *control_socket; /* "" or NULL: no control section */
	const char *eal_args[PG_MAX_EAL_ARGS];
	unsigned nb_eal_args;
	/* pktgen */
	unsigned pktgen_port[2];
};

/* What follows from the options. */
struct pg_plan {
	uint32_t per_addr;          /* sessions per address (UDP ports) */
	uint32_t nb_addrs;          /* addresses used per side and role */
	unsigned frame_len[2];      /* bytes of a frame side A / side B sends, without FCS */
	unsigned out_frame_len[2];  /* bytes of a frame mediasecd sends to side A / B */
	uint64_t file_packets;      /* packets in a.pcap, and in b.pcap */
	uint64_t file_bytes[2];
	uint64_t pktgen_bytes[2];   /* estimate of pktgen's memory for the file */
	uint32_t wraps[2];          /* streams A->B and B->A whose sequence number wraps in the file */
};

/* Stream identity of session i, direction d (0: A->B, 1: B->A). */
struct pg_stream_id {
	uint32_t ssrc;
	uint16_t seq0; /* sequence number of the stream's packet 0 */
	uint32_t ts0;
};

struct pg_streams {
	uint32_t n;
	struct pg_stream_id *id[2];
};

int pg_streams_make(const struct pg_opts *o, struct pg_streams *s);
void pg_streams_free(struct pg_streams *s);

/* Sequence number and ROC of packet k of a stream (k counted from packet 0, not first_packet). */
static inline uint16_t
pg_seq(const struct pg_opts *o, const struct pg_stream_id *id, uint64_t k)
{
	(void)o;
	return (uint16_t)(id->seq0 + k);
}

static inline uint64_t
pg_roc(const struct pg_opts *o, const struct pg_stream_id *id, uint64_t k)
{
	return o->roc_start + ((id->seq0 + k) >> 16);
}

/* Address and UDP port of session i on side s, role 0 (mediasecd) or 1 (peer). */
void pg_endpoint(const struct pg_opts *o, const struct pg_plan *p, unsigned side, unsigned role,
		 uint32_t i, struct pg_ip *ip, uint16_t *port);
const char *pg_ip_str(const struct pg_ip *ip, char *buf, size_t len);
/* Whether leg s (0: A, 1: B) is SRTP in o's mode. */
bool pg_leg_srtp(const struct pg_opts *o, unsigned side);

/* ---- keys (pktgen_keys.c) ---- */

/* SDES strings in secret memory: slot k of session i at keys[i * 4 + k] ("" when unused). */
struct pg_keys {
	uint32_t sessions;
	char (*sdes)[PG_SDES_MAX];
};

/*
 * Fills keys for the SRTP legs of o's mode: read from o->keys_in, or random
 * (getrandom). Errors go to stderr and never quote a key.
 */
int pg_keys_load(const struct pg_opts *o, struct pg_keys *k);
/* Writes the key file (mode 0600, written through a buffer in secret memory). */
int pg_keys_write(const struct pg_opts *o, const struct pg_keys *k, const char *path);
/* Wipes and frees. */
void pg_keys_free(struct pg_keys *k);
/*
 * Opens path for writing a file that holds keys: created or truncated with
 * mode 0600, its stdio buffer in secret memory; close it with
 * pg_secret_fclose, which wipes the buffer.
 */
FILE *pg_secret_fopen(const char *path, void **buf);
int pg_secret_fclose(FILE *f, void *buf);

/* ---- the pcap files (pktgen_pcap.c) ---- */

/* Writes a.pcap (side 0) or b.pcap (side 1); 0 or -errno. */
int pg_pcap_write(const struct pg_opts *o, const struct pg_plan *p, const struct pg_streams *s,
		  const struct pg_keys *k, unsigned side, const char *path);

/* ---- mediasecd's files (pktgen_conf.c) ---- */

int pg_sessions_write(const struct pg_opts *o, const struct pg_plan *p,
		      const struct pg_streams *s, const struct pg_keys *k, const char *path);
int pg_config_write(const struct pg_opts *o, const struct pg_plan *p, const char *sessions_path,
		    const char *path);

/* ---- pktgen's scripts (pktgen_lua.c) ---- */

int pg_lua_write(const struct pg_opts *o, const struct pg_plan *p, const char *dir);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_CAPTURE_H
#define MS_CAPTURE_H

/*
 * Capture of a leg's plaintext media: the dataplane's half.
 *
 * A capture is a fixed set of records, a ring of free ones and a ring of
 * filled ones. While a leg carries a capture (ms_leg_set_capture), workers
 * take a free record for every packet of the leg, copy the packet into it
 * after the inbound transform (so decrypted SRTP/SRTCP, or plain RTP) and
 * put it on the filled ring; the control thread drains that ring (into a
 * pcap file, control/capture.c) and gives the records back. Nothing here
 * blocks, allocates or makes a system call on the packet path: with no free
 * record (control did not keep up) the copy is dropped and counted, never
 * the packet.
 *
 * Writers: a leg's received packets are copied by the leg's owner, the
 * packets it sends by the owner of its pair; two workers at most, hence a
 * multi-producer ring, and one counter block per direction, each with one
 * writer. Control is the only consumer.
 */

#include <stdint.h>

#include <rte_common.h>

#include "addr.h"

/* Payload bytes kept per packet; the rest is cut off (orig_len says how long it was). */
#define MS_CAPTURE_SNAPLEN 1500
/* Records per capture: at most this many, about 1.5 KiB each. */
#define MS_CAPTURE_MAX_RECORDS 65536

enum ms_capture_dir {
	MS_CAPTURE_RX, /* peer -> leg: received on the leg, after its inbound transform */
	MS_CAPTURE_TX, /* leg -> peer: sent through the leg, before its outbound transform */
	MS_CAPTURE_DIRS
};

/* One copied packet: the UDP payload (RTP or RTCP) in plaintext and where it went. */
struct ms_capture_rec {
	uint64_t tsc;      /* rte_rdtsc() of the worker's burst */
	uint32_t leg_id;   /* the captured leg */
	uint8_t dir;       /* enum ms_capture_dir */
	uint8_t rtcp;      /* RTCP rather than RTP */
	uint16_t len;      /* bytes kept in data */
	uint16_t orig_len; /* the payload's length */
	/*
	 * rx: the packet's source -> the leg's local end it arrived at; tx: the
	 * leg's local end (RTP or RTCP port) -> its peer, all zero while the
	 * peer is not known. Ports in host order.
	 */
	struct ms_addr src, dst;
	uint16_t sport, dport;
	uint8_t data[MS_CAPTURE_SNAPLEN];
};

/* Counters of one capture, by enum ms_capture_dir. */
struct ms_capture_stats {
	uint64_t captured[MS_CAPTURE_DIRS]; /* records put on the ring */
	uint64_t dropped[MS_CAPTURE_DIRS];  /* copies lost: no free record */
};

struct ms_capture;

/*
 * Control: a capture of nb_records records (1..MS_CAPTURE_MAX_RECORDS) in
 * memory of socket_id (SOCKET_ID_ANY: anywhere). 0, -EINVAL or -ENOMEM.
 */
int ms_capture_create(uint32_t nb_records, int socket_id, struct ms_capture **out);
/* Control: only once no worker can write into it any more (ms_leg_set_capture NULL returned). */
void ms_capture_free(struct ms_capture *c);

/*
 * Dataplane: a free record, with dir set, or NULL when none is left (the
 * copy is counted as dropped). Every record taken goes back with
 * ms_capture_rec_put, in the same burst.
 */
struct ms_capture_rec *ms_capture_rec_get(struct ms_capture *c, enum ms_capture_dir dir);
/* Dataplane: puts a filled record on the ring for control and counts it. */
void ms_capture_rec_put(struct ms_capture *c, struct ms_capture_rec *r);

/*
 * Control, the single consumer: hands up to max filled records to fn,
 * oldest first, and frees them. Returns how many fn got, or the first
 * negative value fn returned (the records of that batch after the failing
 * one are freed unseen). Records one worker put on the ring come in the
 * order it put them; two workers' records interleave.
 */
typedef int (*ms_capture_drain_fn)(const struct ms_capture_rec *r, void *arg);
int ms_capture_drain(struct ms_capture *c, ms_capture_drain_fn fn, void *arg, unsigned max);

/* Control: the counters (relaxed reads of what the workers write). */
void ms_capture_stats_read(const struct ms_capture *c, struct ms_capture_stats *st);
/* Control: records in the ring, waiting to be drained. */
unsigned ms_capture_pending(const struct ms_capture *c);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_CAPTURE_FILE_H
#define MS_CAPTURE_FILE_H

/*
 * Capture of a leg's decrypted media to a pcap file: the control thread's
 * half (the dataplane's is dataplane/capture.h).
 *
 * The file holds media in plaintext, so it is made only inside a directory
 * the caller opened (dirfd), under a plain name it checks (never a path
 * from a client), created anew (O_EXCL: an existing file is refused, not
 * overwritten or appended to), without following a link, readable by the
 * owner only (0600). Whether a client may capture at all is for the control
 * protocol to decide before it calls this.
 *
 * Records are IPv4 or IPv6 + UDP packets rebuilt around the plaintext RTP
 * or RTCP (LINKTYPE_RAW, so both families mix in one file), with correct
 * lengths and checksums: the received packets as they came from the peer
 * to the leg's local end, the sent ones from the local end to the peer.
 *
 * Everything here is for one control thread, which calls
 * ms_ctl_capture_poll every 50 ms or so while the capture runs.
 */

#include <stddef.h>
#include <stdint.h>

#include "leg.h"

/* File names: 1..64 of [A-Za-z0-9._-], not starting with '.', ending in ".pcap". */
#define MS_CTL_CAPTURE_NAME_MAX 64
/* Records in the capture's ring when the caller names no number. */
#define MS_CTL_CAPTURE_RECORDS 4096

/* When a capture ends by itself; 0 everywhere: only when stopped. */
struct ms_ctl_capture_limits {
	uint64_t max_packets; /* records written */
	uint64_t max_bytes;   /* size of the file */
	uint32_t max_seconds; /* since the start */
	/* records between the workers and the file (0: MS_CTL_CAPTURE_RECORDS) */
	uint32_t nb_records;
};

/* Why a capture ended, or that it still runs. */
enum ms_ctl_capture_end {
	MS_CTL_CAPTURE_RUNNING,
	MS_CTL_CAPTURE_STOPPED,     /* the caller stopped it */
	MS_CTL_CAPTURE_MAX_PACKETS,
	MS_CTL_CAPTURE_MAX_BYTES,
	MS_CTL_CAPTURE_MAX_SECONDS,
	MS_CTL_CAPTURE_LEG_GONE,    /* the leg was removed or replaced */
	MS_CTL_CAPTURE_WRITE_ERROR,
};

const char *ms_ctl_capture_end_str(enum ms_ctl_capture_end e);

struct ms_ctl_capture_info {
	uint32_t leg_id;
	enum ms_ctl_capture_end end;
	uint64_t packets;    /* records written to the file */
	uint64_t bytes;      /* size of the file */
	uint64_t captured_rx, captured_tx; /* copies the workers made */
	uint64_t dropped_rx, dropped_tx;   /* copies lost: the ring was full */
	uint64_t discarded;  /* copies not written: a limit had been reached */
	double seconds;      /* since the start (until the stop) */
};

struct ms_ctl_capture;

/*
 * Creates `file` in dirfd (refusing a bad name or an existing file), writes
 * the pcap header and starts copying leg_id's media. lim may be NULL (no
 * limit). On error nothing is left behind (no file, no capture) and err
 * says why: -EINVAL (name, nb_records), -EEXIST, -ENOENT (no leg), -EBUSY (the leg
 * is being captured already), -ENOMEM, or the errno of openat/write.
 */
int ms_ctl_capture_start(struct ms_legtab *t, uint32_t leg_id, int dirfd, const char *file,
			 const struct ms_ctl_capture_limits *lim, struct ms_ctl_capture **out,
			 char *err, size_t errlen);

/*
 * Writes what the workers copied since the last poll to the file. Returns 0
 * while the capture runs, 1 once it ended by itself (a limit reached, the
 * leg gone: the caller stops it then), or -errno when writing failed (the
 * capture has ended too).
 */
int ms_ctl_capture_poll(struct ms_ctl_capture *c);

/* Counters of a running (or ended, not yet stopped) capture. */
void ms_ctl_capture_info(const struct ms_ctl_capture *c, struct ms_ctl_capture_info *info);

/*
 * Detaches the capture from its leg (after a grace period no worker writes
 * into it), writes what is left, closes the file, fills info (may be NULL)
 * and frees c. Call it before the leg table goes.
 */
void ms_ctl_capture_stop(struct ms_ctl_capture *c, struct ms_ctl_capture_info *info);

#endif

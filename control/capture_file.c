/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "capture_file.h"
/* the dataplane's capture.h: the same base name as this directory's */
#include "capture.h"
#include "ms_err.h"

#define LINKTYPE_RAW 101 /* an IPv4 or IPv6 header first, told apart by its version */
#define IP_UDP_MAX (40 + 8)
#define IOBUF_SIZE (256 * 1024)

/* The classic pcap format (microsecond timestamps), in host byte order as readers expect. */
struct pcap_file_hdr {
	uint32_t magic;
	uint16_t version_major;
	uint16_t version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

struct pcap_rec_hdr {
	uint32_t ts_sec;
	uint32_t ts_usec;
	uint32_t incl_len;
	uint32_t orig_len;
};

struct ms_ctl_capture {
	struct ms_legtab *t;
	struct ms_capture *cap;
	uint32_t leg_id;
	uint32_t nb_records;
	struct ms_ctl_capture_limits lim;
	FILE *f;
	char *iobuf;
	enum ms_ctl_capture_end end;
	int error; /* errno of the first failed write */
	uint64_t packets, bytes, discarded;
	uint16_t ip_id;
	/* a record's wall-clock time: rt0 + (tsc - tsc0) / hz */
	struct timespec rt0;
	uint64_t tsc0, hz;
	struct timespec mono0, mono_end; /* mono_end: once stopped */
	bool stopped;
	/* one record as written: pcap record header, IP + UDP headers, payload */
	uint8_t frame[sizeof(struct pcap_rec_hdr) + IP_UDP_MAX + MS_CAPTURE_SNAPLEN];
};

const char *
ms_ctl_capture_end_str(enum ms_ctl_capture_end e)
{
	static const char *const names[] = {
		[MS_CTL_CAPTURE_RUNNING] = "running",
		[MS_CTL_CAPTURE_STOPPED] = "stopped",
		[MS_CTL_CAPTURE_MAX_PACKETS] = "max_packets",
		[MS_CTL_CAPTURE_MAX_BYTES] = "max_bytes",
		[MS_CTL_CAPTURE_MAX_SECONDS] = "max_seconds",
		[MS_CTL_CAPTURE_LEG_GONE] = "leg_gone",
		[MS_CTL_CAPTURE_WRITE_ERROR] = "write_error",
	};

	return (unsigned)e < RTE_DIM(names) ? names[e] : "?";
}

/* Why name is not acceptable as a capture file name, or NULL. Never echoes the name. */
static const char *
name_problem(const char *name)
{
	size_t n = strnlen(name, MS_CTL_CAPTURE_NAME_MAX + 1);
	static const char ext[] = ".pcap";

	if (n == 0)
		return "is empty";
	if (n > MS_CTL_CAPTURE_NAME_MAX)
		return "is longer than 64 characters";
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9');

		if (!alnum && ch != '.' && ch != '_' && ch != '-')
			return "may hold only letters, digits, '.', '_' and '-' (no path)";
	}
	if (name[0] == '.')
		return "must not start with '.'";
	if (n <= sizeof(ext) - 1 || strcmp(name + n - (sizeof(ext) - 1), ext) != 0)
		return "must end in \".pcap\"";
	return NULL;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint64_t
sum16(const uint8_t *p, size_t n, uint64_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint64_t)p[i] << 8 | p[i + 1];
	if (i < n)
		sum += (uint64_t)p[i] << 8;
	return sum;
}

static uint16_t
fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * A record's packet at ip: IP and UDP headers, then the payload; returns
 * the headers' length. A cut payload keeps the lengths of the whole packet, as any capture does,
 * and so cannot have its UDP checksum computed: it gets 0 (none).
 */
static uint16_t
ip_udp(struct ms_ctl_capture *c, const struct ms_capture_rec *r, uint8_t *ip)
{
	uint8_t family = r->src.family ? r->src.family : r->dst.family;
	uint16_t alen = family == AF_INET6 ? 16 : 4;
	uint16_t hlen = family == AF_INET6 ? 48 : 28;
	uint16_t ulen = (uint16_t)(8 + r->orig_len);
	uint8_t *udp = ip + hlen - 8;
	/* the peer is all zero while unknown: an address of the other end's family */
	const uint8_t *dst = r->dst.family == family ? r->dst.a : (const uint8_t[16]){0};
	const uint8_t *src = r->src.family == family ? r->src.a : (const uint8_t[16]){0};

	memcpy(udp + 8, r->data, r->len);

	if (family == AF_INET6) {
		memset(ip, 0, 8);
		ip[0] = 0x60;
		put16(ip + 4, ulen);
		ip[6] = 17; /* UDP */
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
	} else {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + ulen));
		put16(ip + 4, c->ip_id++);
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		put16(ip + 10, (uint16_t)~fold(sum16(ip, 20, 0)));
	}
	put16(udp, r->sport);
	put16(udp + 2, r->dport);
	put16(udp + 4, ulen);
	put16(udp + 6, 0);
	if (r->len == r->orig_len) {
		uint64_t sum = sum16(src, alen, sum16(dst, alen, 17u + ulen));
		uint16_t ck = (uint16_t)~fold(sum16(udp, 8u + r->len, sum));

		put16(udp + 6, ck == 0 ? 0xffff : ck); /* 0 would mean "no checksum" */
	}
	return hlen;
}

/* Wall-clock time of a TSC value, from the pair taken at the start. */
static void
tsc_time(const struct ms_ctl_capture *c, uint64_t tsc, struct pcap_rec_hdr *h)
{
	int64_t d = (int64_t)(tsc - c->tsc0); /* a burst's TSC may precede the start a little */
	int64_t sec = c->rt0.tv_sec + d / (int64_t)c->hz;
	int64_t ns = c->rt0.tv_nsec + d % (int64_t)c->hz * 1000000000 / (int64_t)c->hz;

	while (ns < 0) {
		ns += 1000000000;
		sec--;
	}
	while (ns >= 1000000000) {
		ns -= 1000000000;
		sec++;
	}
	h->ts_sec = (uint32_t)sec;
	h->ts_usec = (uint32_t)(ns / 1000);
}

static int
write_error(struct ms_ctl_capture *c, int err)
{
	if (c->end != MS_CTL_CAPTURE_WRITE_ERROR) {
		c->end = MS_CTL_CAPTURE_WRITE_ERROR;
		c->error = err != 0 ? err : EIO;
	}
	return -c->error;
}

/* ms_capture_drain's callback: one record into the file, while the capture runs. */
static int
write_rec(const struct ms_capture_rec *r, void *arg)
{
	struct ms_ctl_capture *c = arg;
	struct pcap_rec_hdr h;
	uint8_t *ip = c->frame + sizeof(h);
	uint16_t hlen;
	size_t n;

	if (c->end != MS_CTL_CAPTURE_RUNNING) {
		c->discarded++;
		return 0;
	}
	hlen = ip_udp(c, r, ip);
	tsc_time(c, r->tsc, &h);
	h.incl_len = (uint32_t)hlen + r->len;
	h.orig_len = (uint32_t)hlen + r->orig_len;
	n = sizeof(h) + h.incl_len;
	if (c->lim.max_bytes != 0 && c->bytes + n > c->lim.max_bytes) {
		c->end = MS_CTL_CAPTURE_MAX_BYTES;
		c->discarded++;
		return 0;
	}
	memcpy(c->frame, &h, sizeof(h));
	if (fwrite(c->frame, n, 1, c->f) != 1)
		return write_error(c, errno);
	c->packets++;
	c->bytes += n;
	if (c->lim.max_packets != 0 && c->packets >= c->lim.max_packets)
		c->end = MS_CTL_CAPTURE_MAX_PACKETS;
	return 0;
}

static double
elapsed(const struct ms_ctl_capture *c, const struct timespec *now)
{
	return (double)(now->tv_sec - c->mono0.tv_sec) +
	       (double)(now->tv_nsec - c->mono0.tv_nsec) / 1e9;
}

/* Still attached: the leg was neither removed nor replaced (its id may be another leg's now). */
static bool
attached(const struct ms_ctl_capture *c)
{
	const struct ms_leg *leg = ms_legtab_get(c->t, c->leg_id);

	return leg != NULL && __atomic_load_n(&leg->capture, __ATOMIC_RELAXED) == c->cap;
}

static void
release(struct ms_ctl_capture *c)
{
	if (c->f != NULL)
		fclose(c->f);
	free(c->iobuf);
	ms_capture_free(c->cap);
	free(c);
}

int
ms_ctl_capture_start(struct ms_legtab *t, uint32_t leg_id, int dirfd, const char *file,
		     const struct ms_ctl_capture_limits *lim, struct ms_ctl_capture **out,
		     char *err, size_t errlen)
{
	struct pcap_file_hdr fh = {
		.magic = 0xa1b2c3d4,
		.version_major = 2,
		.version_minor = 4,
		.snaplen = IP_UDP_MAX + MS_CAPTURE_SNAPLEN,
		.linktype = LINKTYPE_RAW,
	};
	const struct ms_leg *leg;
	const char *why;
	struct ms_ctl_capture *c;
	int fd, ret;

	*out = NULL;
	why = file != NULL ? name_problem(file) : "is missing";
	if (why != NULL)
		return ms_err(-EINVAL, err, errlen, "capture file name %s", why);
	leg = ms_legtab_get(t, leg_id);
	if (leg == NULL)
		return ms_err(-ENOENT, err, errlen, "no leg %u", leg_id);
	if (leg->capture != NULL)
		return ms_err(-EBUSY, err, errlen, "leg %u is being captured already", leg_id);
	if (lim != NULL && lim->nb_records > MS_CAPTURE_MAX_RECORDS)
		return ms_err(-EINVAL, err, errlen, "capture ring: %u records, at most %u",
			      lim->nb_records, MS_CAPTURE_MAX_RECORDS);

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return ms_err(-ENOMEM, err, errlen, "out of memory");
	c->t = t;
	c->leg_id = leg_id;
	if (lim != NULL)
		c->lim = *lim;
	c->nb_records = c->lim.nb_records ? c->lim.nb_records : MS_CTL_CAPTURE_RECORDS;
	c->iobuf = malloc(IOBUF_SIZE);
	if (c->iobuf == NULL) {
		release(c);
		return ms_err(-ENOMEM, err, errlen, "out of memory");
	}
	ret = ms_capture_create(c->nb_records, SOCKET_ID_ANY, &c->cap);
	if (ret < 0) {
		uint32_t nb = c->nb_records;

		release(c);
		return ms_err(ret, err, errlen, "cannot create a capture ring of %u records: %s",
			      nb, strerror(-ret));
	}

	/* decrypted media: a new file of our own, owner only, never through a link */
	fd = openat(dirfd, file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		release(c);
		if (ret == -EEXIST)
			return ms_err(ret, err, errlen,
				      "capture file %s exists already: captures never overwrite",
				      file);
		return ms_err(ret, err, errlen, "cannot create capture file %s: %s", file,
			      strerror(-ret));
	}
	c->f = fdopen(fd, "wb");
	if (c->f == NULL) {
		ret = -errno;
		close(fd);
		goto undo_file;
	}
	setvbuf(c->f, c->iobuf, _IOFBF, IOBUF_SIZE);
	if (fwrite(&fh, sizeof(fh), 1, c->f) != 1 || fflush(c->f) != 0) {
		ret = errno ? -errno : -EIO;
		goto undo_file;
	}
	c->bytes = sizeof(fh);

	clock_gettime(CLOCK_MONOTONIC, &c->mono0);
	c->hz = rte_get_tsc_hz();
	c->tsc0 = rte_rdtsc();
	clock_gettime(CLOCK_REALTIME, &c->rt0);
	ret = ms_leg_set_capture(t, leg_id, c->cap);
	if (ret < 0)
		goto undo_file;
	*out = c;
	return 0;

undo_file:
	release(c);
	unlinkat(dirfd, file, 0);
	return ms_err(ret, err, errlen, "cannot write capture file %s: %s", file, strerror(-ret));
}

int
ms_ctl_capture_poll(struct ms_ctl_capture *c)
{
	struct timespec now;
	int ret;

	ret = ms_capture_drain(c->cap, write_rec, c, c->nb_records);
	if (ret < 0)
		return ret;
	if (c->end == MS_CTL_CAPTURE_WRITE_ERROR)
		return -c->error;
	/* each poll leaves a file that can be read as it is */
	if (ret > 0 && fflush(c->f) != 0)
		return write_error(c, errno);
	if (c->end != MS_CTL_CAPTURE_RUNNING)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (c->lim.max_seconds != 0 && elapsed(c, &now) >= c->lim.max_seconds)
		c->end = MS_CTL_CAPTURE_MAX_SECONDS;
	else if (!attached(c))
		c->end = MS_CTL_CAPTURE_LEG_GONE;
	return c->end == MS_CTL_CAPTURE_RUNNING ? 0 : 1;
}

void
ms_ctl_capture_info(const struct ms_ctl_capture *c, struct ms_ctl_capture_info *info)
{
	struct ms_capture_stats st;
	struct timespec now;

	ms_capture_stats_read(c->cap, &st);
	if (c->stopped)
		now = c->mono_end;
	else
		clock_gettime(CLOCK_MONOTONIC, &now);
	*info = (struct ms_ctl_capture_info){
		.leg_id = c->leg_id,
		.end = c->end,
		.packets = c->packets,
		.bytes = c->bytes,
		.captured_rx = st.captured[MS_CAPTURE_RX],
		.captured_tx = st.captured[MS_CAPTURE_TX],
		.dropped_rx = st.dropped[MS_CAPTURE_RX],
		.dropped_tx = st.dropped[MS_CAPTURE_TX],
		.discarded = c->discarded,
		.seconds = elapsed(c, &now),
	};
}

void
ms_ctl_capture_stop(struct ms_ctl_capture *c, struct ms_ctl_capture_info *info)
{
	FILE *f;

	/*
	 * A leg removed or replaced took the capture with it after its own
	 * grace period; otherwise detach, and after this no worker writes.
	 */
	if (attached(c))
		ms_leg_set_capture(c->t, c->leg_id, NULL);
	clock_gettime(CLOCK_MONOTONIC, &c->mono_end);
	c->stopped = true;
	/* the rest: everything in the ring fits in one drain */
	ms_capture_drain(c->cap, write_rec, c, c->nb_records);
	if (c->end == MS_CTL_CAPTURE_RUNNING)
		c->end = MS_CTL_CAPTURE_STOPPED;
	f = c->f;
	c->f = NULL;
	if (fclose(f) != 0)
		write_error(c, errno);
	if (info != NULL)
		ms_ctl_capture_info(c, info);
	release(c);
}

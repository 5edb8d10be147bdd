/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mediasec-compare-relay: the smallest honest SRTP->RTP relay on libsrtp2,
 * the baseline bench/compare puts next to rtpengine and mediasecd.
 *
 * Per call (calls.h) it binds one socket on the call's A address (SRTP in)
 * and one on its B address (RTP out), like a media proxy that allocates
 * ports per call. One thread, pinned to one CPU, waits in epoll for the A
 * sockets; for each ready socket it takes up to 32 datagrams per recvmmsg,
 * runs srtp_unprotect on each (one libsrtp2 session per call, its inbound
 * stream keyed by the call's SDES key, replay window 128), and sends what
 * verified with one sendmmsg from the call's B socket to --to.
 *
 * Debian's libsrtp2 does its AES and HMAC through NSS: about 4 us per
 * packet with one call, and more per packet the more sessions are alive
 * (docs/benchmarks.md, "libsrtp2 as legs grow"). That is the library as a
 * Debian user gets it, not libsrtp2 at its best (about 0.86 us per packet
 * when built with OpenSSL, PLATFORM.md).
 *
 * --passthrough skips libsrtp2 and forwards the datagrams as they came: the
 * trivial loop that tells the generator's and the kernel's own ceiling.
 *
 * Everything from the network is untrusted: lengths are checked before
 * libsrtp2 sees a packet, truncated datagrams are dropped, and every drop
 * has a counter, printed as one JSON line on stderr at exit (SIGINT/SIGTERM).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <srtp2/srtp.h>

#include "calls.h"

#define BURST 32
#define ROUNDS 4 /* recvmmsg calls per ready socket before the next one gets a turn */
#define BUF 2048
#define RTP_HDR 12
#define EVENTS 256

struct relay {
	struct mcmp_call *calls;
	unsigned nb_calls;
	int *a_fd, *b_fd;
	srtp_t *session;
	struct sockaddr_in to;
	bool passthrough;
	int ep;
	/* counters */
	uint64_t rx, tx, tx_errors, too_short, truncated;
	uint64_t srtp_fail[32]; /* by srtp_err_status_t, the last one for anything above */
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
bind_udp(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int
session_create(struct relay *r, unsigned i)
{
	srtp_policy_t policy;
	srtp_err_status_t st;

	memset(&policy, 0, sizeof(policy));
	srtp_crypto_policy_set_rtp_default(&policy.rtp);   /* AES_CM_128_HMAC_SHA1_80 */
	srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
	policy.ssrc.type = ssrc_any_inbound;
	policy.key = r->calls[i].key;
	policy.window_size = 128;
	policy.next = NULL;
	st = srtp_create(&r->session[i], &policy);
	/* libsrtp2 has derived its session keys: the master key goes */
	mcmp_wipe(r->calls[i].key, sizeof(r->calls[i].key));
	if (st != srtp_err_status_ok) {
		fprintf(stderr, "relay: srtp_create failed for call %u: status %d\n", i, (int)st);
		return -EINVAL;
	}
	return 0;
}

static int
relay_setup(struct relay *r)
{
	r->a_fd = calloc(r->nb_calls, sizeof(int));
	r->b_fd = calloc(r->nb_calls, sizeof(int));
	r->session = calloc(r->nb_calls, sizeof(srtp_t));
	if (r->a_fd == NULL || r->b_fd == NULL || r->session == NULL)
		return -ENOMEM;
	r->ep = epoll_create1(EPOLL_CLOEXEC);
	if (r->ep < 0)
		return -errno;
	for (unsigned i = 0; i < r->nb_calls; i++)
		r->a_fd[i] = r->b_fd[i] = -1;
	for (unsigned i = 0; i < r->nb_calls; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};

		r->a_fd[i] = bind_udp(&r->calls[i].a);
		r->b_fd[i] = bind_udp(&r->calls[i].b);
		if (r->a_fd[i] < 0 || r->b_fd[i] < 0) {
			fprintf(stderr, "relay: call %u: cannot bind: %s\n", i,
				strerror(-(r->a_fd[i] < 0 ? r->a_fd[i] : r->b_fd[i])));
			return -EADDRINUSE;
		}
		if (epoll_ctl(r->ep, EPOLL_CTL_ADD, r->a_fd[i], &ev) < 0)
			return -errno;
		if (!r->passthrough && session_create(r, i) < 0)
			return -EINVAL;
	}
	return 0;
}

/* Everything waiting on call i's A socket, a few bursts at most. */
static void
relay_call(struct relay *r, unsigned i)
{
	static uint8_t bufs[BURST][BUF];
	struct mmsghdr in[BURST], out[BURST];
	struct iovec iov[BURST], oiov[BURST];

	for (unsigned round = 0; round < ROUNDS; round++) {
		unsigned nout = 0;
		int got;

		for (unsigned k = 0; k < BURST; k++) {
			iov[k].iov_base = bufs[k];
			iov[k].iov_len = BUF;
			memset(&in[k].msg_hdr, 0, sizeof(in[k].msg_hdr));
			in[k].msg_hdr.msg_iov = &iov[k];
			in[k].msg_hdr.msg_iovlen = 1;
		}
		got = recvmmsg(r->a_fd[i], in, BURST, MSG_DONTWAIT, NULL);
		if (got <= 0)
			return;
		r->rx += (unsigned)got;
		for (int k = 0; k < got; k++) {
			int len = (int)in[k].msg_len;

			if (in[k].msg_hdr.msg_flags & MSG_TRUNC) {
				r->truncated++;
				continue;
			}
			if (len < RTP_HDR) {
				r->too_short++;
				continue;
			}
			if (!r->passthrough) {
				srtp_err_status_t st = srtp_unprotect(r->session[i], bufs[k], &len);

				if (st != srtp_err_status_ok) {
					r->srtp_fail[(unsigned)st < 31 ? (unsigned)st : 31]++;
					continue;
				}
			}
			oiov[nout].iov_base = bufs[k];
			oiov[nout].iov_len = (size_t)len;
			memset(&out[nout].msg_hdr, 0, sizeof(out[nout].msg_hdr));
			out[nout].msg_hdr.msg_name = &r->to;
			out[nout].msg_hdr.msg_namelen = sizeof(r->to);
			out[nout].msg_hdr.msg_iov = &oiov[nout];
			out[nout].msg_hdr.msg_iovlen = 1;
			nout++;
		}
		for (unsigned done = 0; done < nout;) {
			int sent = sendmmsg(r->b_fd[i], out + done, nout - done, 0);

			if (sent <= 0) {
				/* the kernel refused the first one: count it, try the rest */
				r->tx_errors++;
				done++;
				continue;
			}
			r->tx += (unsigned)sent;
			done += (unsigned)sent;
		}
		if (got < BURST)
			return;
	}
}

static void
print_counters(const struct relay *r)
{
	static const char *const names[] = {
		[srtp_err_status_auth_fail] = "auth_fail",
		[srtp_err_status_replay_fail] = "replay_fail",
		[srtp_err_status_replay_old] = "replay_old",
		[srtp_err_status_bad_param] = "bad_param",
		[srtp_err_status_no_ctx] = "no_ctx",
		[srtp_err_status_parse_err] = "parse_err",
		[srtp_err_status_cipher_fail] = "cipher_fail",
	};
	fprintf(stderr,
		"{\"relay\": \"%s\", \"calls\": %u, \"rx\": %" PRIu64 ", \"tx\": %" PRIu64
		", \"tx_errors\": %" PRIu64 ", \"too_short\": %" PRIu64 ", \"truncated\": %" PRIu64,
		r->passthrough ? "passthrough" : "libsrtp2", r->nb_calls, r->rx, r->tx, r->tx_errors,
		r->too_short, r->truncated);
	for (unsigned s = 0; s < 32; s++) {
		if (r->srtp_fail[s] == 0)
			continue;
		if (s < sizeof(names) / sizeof(names[0]) && names[s] != NULL)
			fprintf(stderr, ", \"%s\": %" PRIu64, names[s], r->srtp_fail[s]);
		else
			fprintf(stderr, ", \"srtp_status_%u\": %" PRIu64, s, r->srtp_fail[s]);
	}
	fprintf(stderr, "}\n");
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: mediasec-compare-relay --calls FILE --to IP:PORT [--cpu N] [--passthrough]\n"
		"  --calls FILE    calls (bench/compare/calls.h): binds each call's A and B address\n"
		"  --to IP:PORT    where the decrypted RTP goes\n"
		"  --cpu N         pin to CPU N (default 1)\n"
		"  --passthrough   no libsrtp2: forward datagrams as they are (a trivial loop)\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"calls", required_argument, NULL, 'c'}, {"to", required_argument, NULL, 't'},
		{"cpu", required_argument, NULL, 'C'},   {"passthrough", no_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
	};
	struct relay r = {.ep = -1};
	const char *calls_path = NULL;
	bool have_to = false;
	unsigned cpu = 1;
	int opt, n, ret;
	struct sigaction sa = {.sa_handler = on_signal};

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			calls_path = optarg;
			break;
		case 't':
			have_to = mcmp_parse_addr(optarg, &r.to) == 0;
			break;
		case 'C':
			cpu = (unsigned)atoi(optarg);
			break;
		case 'p':
			r.passthrough = true;
			break;
		default:
			usage();
			return opt == 'h' ? 0 : 2;
		}
	}
	if (calls_path == NULL || !have_to) {
		usage();
		return 2;
	}
	ret = mcmp_pin_cpu(cpu);
	if (ret < 0) {
		fprintf(stderr, "relay: cannot pin to CPU %u: %s\n", cpu, strerror(-ret));
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (srtp_init() != srtp_err_status_ok) {
		fprintf(stderr, "relay: srtp_init failed\n");
		return 1;
	}
	n = mcmp_calls_read(calls_path, &r.calls);
	if (n < 0)
		return 1;
	r.nb_calls = (unsigned)n;
	if (relay_setup(&r) < 0)
		return 1;
	printf("ready: %u calls, %s, CPU %u\n", r.nb_calls,
	       r.passthrough ? "passthrough" : srtp_get_version_string(), cpu);
	fflush(stdout);

	while (!stop) {
		struct epoll_event ev[EVENTS];
		int k = epoll_wait(r.ep, ev, EVENTS, 200);

		for (int e = 0; e < k; e++)
			relay_call(&r, ev[e].data.u32);
	}
	print_counters(&r);
	for (unsigned i = 0; i < r.nb_calls; i++) {
		if (r.session[i] != NULL)
			srtp_dealloc(r.session[i]);
		if (r.a_fd[i] >= 0)
			close(r.a_fd[i]);
		if (r.b_fd[i] >= 0)
			close(r.b_fd[i]);
	}
	mcmp_calls_free(r.calls, r.nb_calls);
	srtp_shutdown();
	return 0;
}

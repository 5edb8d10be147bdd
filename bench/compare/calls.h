/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MCMP_CALLS_H
#define MCMP_CALLS_H

/*
 * The calls file of bench/compare, shared by its generator and its relay:
 * the driver (bench/compare/run) writes it once per proxy, after the proxy
 * has told it which ports each call got (rtpengine through NG answers,
 * mediasecd and the relay from the driver's own plan).
 *
 * One call per line, fields separated by blanks:
 *
 *     <index> <ssrc, hex> <A address> <A port> <B address> <B port> <key>
 *
 * A is where the generator sends the call's SRTP (the proxy's receiving
 * side), B is where the proxy sends the decrypted RTP from; key is the SDES
 * inline value (base64 of master key || salt, AES_CM_128_HMAC_SHA1_80) the
 * generator encrypts with. Lines starting with '#' are comments. The file
 * holds keys: the driver writes it mode 0600 in a directory of its own and
 * removes it; nothing here prints a key.
 */

#include <netinet/in.h>
#include <stdint.h>

#define MCMP_KEY_LEN 16
#define MCMP_SALT_LEN 14
#define MCMP_MAX_CALLS 20000u

struct mcmp_call {
	uint32_t ssrc;
	struct sockaddr_in a; /* the proxy's side that receives SRTP */
	struct sockaddr_in b; /* the proxy's side that sends RTP */
	uint8_t key[MCMP_KEY_LEN + MCMP_SALT_LEN];
};

/*
 * Reads a calls file into *calls (malloc'd; free with mcmp_calls_free, which
 * wipes the keys). Returns the number of calls, or -errno with a reason on
 * stderr (never the line itself: it holds a key).
 */
int mcmp_calls_read(const char *path, struct mcmp_call **calls);
void mcmp_calls_free(struct mcmp_call *calls, unsigned n);

/* "IP:PORT" (IPv4) into sa; 0 or -EINVAL. */
int mcmp_parse_addr(const char *s, struct sockaddr_in *sa);

/* Pins the calling thread to one CPU; 0 or -errno. */
int mcmp_pin_cpu(unsigned cpu);

/* Wipes memory in a way the compiler keeps. */
void mcmp_wipe(void *p, size_t n);

#endif

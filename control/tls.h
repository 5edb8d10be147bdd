/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_TLS_H
#define MS_TLS_H

/*
 * The TLS layer of the control socket (OpenSSL 3). Keys travel only over
 * TLS 1.3 with mutual certificate authentication: both sides refuse every
 * older version, and the server refuses a client without a certificate
 * that chains to its CA. Which client may use which listener (the subject
 * lists of the security profiles) is decided by the caller, from the names
 * ms_tls_conn_peer_names() exposes.
 *
 * Certificates, keys and CA files are PEM or DER (told apart by the PEM
 * "-----BEGIN" marker). All functions return 0 or -errno, with a reason in
 * err that names the file or the failed check; no text ever holds key
 * material. Every failure leaves the calling thread's OpenSSL error queue
 * empty, so an error never shows up in the next connection's reason.
 *
 * SIGPIPE: OpenSSL writes to the socket with write(), so a peer that has
 * gone away raises SIGPIPE. The process must ignore it (mediasecd does;
 * mediasecctl and the benchmark must too); writes then fail with -EPIPE.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MS_TLS_PATH_MAX 256
#define MS_TLS_NAME_MAX 256      /* one name of ms_tls_conn_peer_names() */
#define MS_TLS_SUBJECT_MAX 512   /* a one-line subject (RFC 2253), truncated */
#define MS_TLS_SHA256_FP_LEN 96  /* "AB:CD:...": 32 * 3 bytes, last ':' -> NUL */
#define MS_TLS_SHA1_FP_LEN 60

struct ms_tls_files {
	char certificate[MS_TLS_PATH_MAX]; /* PEM (leaf first, chain allowed) or DER */
	char key[MS_TLS_PATH_MAX];         /* PEM or DER private key, not encrypted */
	char ca_file[MS_TLS_PATH_MAX];     /* PEM bundle or one DER certificate; "" for none */
	char ca_path[MS_TLS_PATH_MAX];     /* hashed directory (openssl rehash); "" for none */
};                                         /* at least one of ca_file / ca_path */

/* ------------------------------------------------ server side (mediasecd) */

/* One per listener configuration; its connections are non-blocking. */
struct ms_tls_server;

int ms_tls_server_create(const struct ms_tls_files *f, struct ms_tls_server **out, char *err,
			 size_t errlen);
/* Only after every connection made from it is freed. */
void ms_tls_server_free(struct ms_tls_server *s);
/* SHA-256 of its certificate, "AB:CD:..." as `openssl x509 -fingerprint -sha256`. */
const char *ms_tls_server_fingerprint(const struct ms_tls_server *s);
/* Its certificate's subject, one line, RFC 2253 ("CN=mediasecd,O=..."). */
const char *ms_tls_server_subject(const struct ms_tls_server *s);

struct ms_tls_conn;

/*
 * Wraps an accepted, non-blocking TCP socket; the caller keeps owning fd
 * and closes it after ms_tls_conn_free(). -ENOMEM only.
 */
int ms_tls_conn_new(struct ms_tls_server *s, int fd, struct ms_tls_conn **out);
/*
 * Advances the handshake: 1 done, 0 in progress (*want is EPOLLIN or
 * EPOLLOUT: wait for it, then call again), < 0 failed with the reason in
 * err: -EACCES for the client's certificate ("no client certificate",
 * "certificate verify failed: unable to get local issuer certificate"),
 * -EPROTO for the protocol ("client offered no TLS 1.3", ...),
 * -ECONNRESET when the client went away, or the socket's -errno. A failed
 * connection can only be freed. The caller bounds the handshake's time.
 */
int ms_tls_conn_handshake(struct ms_tls_conn *c, uint32_t *want, char *err, size_t errlen);
/*
 * After the handshake. > 0 bytes; 0 the peer closed (close_notify); -EAGAIN
 * with *want set (a read may have to wait for EPOLLOUT, a write for EPOLLIN:
 * TLS 1.3 key updates); -ECONNRESET the peer went away without
 * close_notify; other < 0 errors. A write may be partial; after -EAGAIN
 * the same bytes (at least as many) must be written again.
 */
ssize_t ms_tls_conn_read(struct ms_tls_conn *c, void *buf, size_t n, uint32_t *want);
ssize_t ms_tls_conn_write(struct ms_tls_conn *c, const void *buf, size_t n, uint32_t *want);
/*
 * Bytes already decrypted and buffered inside OpenSSL: epoll will not
 * report them, so read on while this is > 0 before waiting for EPOLLIN.
 */
size_t ms_tls_conn_pending(const struct ms_tls_conn *c);
/*
 * The names to match against a profile's subject list: the subject's
 * common names, then every DNS subjectAltName, without duplicates, up to
 * max. Names with an embedded NUL or longer than MS_TLS_NAME_MAX - 1 are
 * left out rather than truncated, so they can never match by accident.
 */
unsigned ms_tls_conn_peer_names(const struct ms_tls_conn *c, char (*names)[MS_TLS_NAME_MAX],
				unsigned max);
/*
 * After the handshake: one line, RFC 2253. After a failed verification:
 * the certificate refused (maybe the client's CA). "" otherwise.
 */
const char *ms_tls_conn_peer_subject(const struct ms_tls_conn *c);
/* After the handshake: SHA-256 of the peer's DER certificate; "" before. */
const char *ms_tls_conn_peer_fingerprint(const struct ms_tls_conn *c);
/* "TLSv1.3" */
const char *ms_tls_conn_protocol(const struct ms_tls_conn *c);
/* Best effort close_notify; never blocks, never fails. */
void ms_tls_conn_shutdown(struct ms_tls_conn *c);
void ms_tls_conn_free(struct ms_tls_conn *c);

/* ------------------------ client side (mediasecctl, the benchmark, tests) */

/*
 * Blocking, on a connected socket (a non-blocking one is waited for with
 * poll()). The server's certificate must chain to the configured CA; its
 * host name is not checked, because trust is pinned to the private CA of
 * the control network, which only issues certificates to mediasec servers
 * and call-control clients, not to the public names a host check guards.
 *
 * In TLS 1.3 the client finishes its handshake before the server has
 * judged the client's certificate: a rejection shows as an error of the
 * first read (or a later write), with the server's alert in
 * ms_tls_client_error().
 */
struct ms_tls_client;

int ms_tls_client_connect(int fd, const struct ms_tls_files *f, struct ms_tls_client **out,
			  char *err, size_t errlen);
/* > 0 bytes, 0 the server closed, < 0 -errno (reason in ms_tls_client_error()). */
ssize_t ms_tls_client_read(struct ms_tls_client *c, void *buf, size_t n);
/* Decrypted bytes waiting inside OpenSSL: a read returns them without the socket being readable. */
size_t ms_tls_client_pending(const struct ms_tls_client *c);
/* Writes all n bytes: n, or < 0 -errno. */
ssize_t ms_tls_client_write(struct ms_tls_client *c, const void *buf, size_t n);
const char *ms_tls_client_server_fingerprint(const struct ms_tls_client *c);
const char *ms_tls_client_server_subject(const struct ms_tls_client *c);
const char *ms_tls_client_protocol(const struct ms_tls_client *c);
/* Why the last read or write failed; "" if none did. */
const char *ms_tls_client_error(const struct ms_tls_client *c);
/* Sends close_notify; does not close fd. */
void ms_tls_client_free(struct ms_tls_client *c);

/* ------------------------------------------------------------- the CLI */

/*
 * A certificate file's (PEM: its first certificate; or DER) SHA-256 and
 * SHA-1 fingerprints, as `openssl x509 -fingerprint`, and its subject
 * (RFC 2253). Any output may be NULL.
 */
int ms_tls_file_info(const char *path, char *sha256, size_t l1, char *sha1, size_t l2,
		     char *subject, size_t l3, char *err, size_t errlen);

#endif

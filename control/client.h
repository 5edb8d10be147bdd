/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_CLIENT_H
#define MS_CLIENT_H

/*
 * A client of the control protocol (docs/control-protocol.md), for
 * mediasecctl, the benchmark and the tests: connects over the Unix socket
 * or TLS 1.3, says hello, answers the digest challenge when the profile
 * asks for one, and sends requests, each with its own id. Blocking; one
 * thread per client. The caller must ignore SIGPIPE (see tls.h).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "tls.h"

struct ms_client_opts {
	const char *socket_path; /* Unix socket; NULL: TLS to host:port */
	const char *host;
	uint16_t port;
	struct ms_tls_files tls; /* client certificate, key and the CA of the server */
	const char *user;        /* digest authentication, when the profile asks */
	const char *password;
	const char *name;        /* for the server's log */
	int timeout_ms;          /* per answer; 0: 10 s */
};

struct ms_client;

/*
 * Connects, says hello and authenticates when the server asks and a user is
 * given. On error: -errno, and err says why (the server's error message when
 * it refused).
 */
int ms_client_connect(const struct ms_client_opts *o, struct ms_client **out, char *err,
		      size_t errlen);
void ms_client_close(struct ms_client *c);

/* The hello result (owned by the client). */
const cJSON *ms_client_hello(const struct ms_client *c);
/* The server's certificate fingerprint (TLS), "" otherwise. */
const char *ms_client_server_fingerprint(const struct ms_client *c);

/*
 * Sends req (an object; an "id" is added unless it has one) and returns its
 * response (the caller frees it with cJSON_Delete), or NULL with err set
 * when the connection failed. Events that arrive meanwhile are kept for
 * ms_client_next_event. A 401 "stale" is answered by authenticating again
 * and repeating the request with the same id. req is not consumed.
 */
cJSON *ms_client_call(struct ms_client *c, cJSON *req, char *err, size_t errlen);
/* The same from text: "{\"op\":\"ping\"}". */
cJSON *ms_client_call_text(struct ms_client *c, const char *json, char *err, size_t errlen);

/* The next event (queued or read now, waiting up to timeout_ms; -1 forever), NULL when none came. */
cJSON *ms_client_next_event(struct ms_client *c, int timeout_ms);

/*
 * Pipelining, for the benchmark: write a raw line (it must carry its id and
 * end with '\n'), read raw lines. ms_client_read_line returns the length, 0
 * on timeout, < 0 when the connection failed; the line (without newline) is
 * in *line until the next read.
 */
int ms_client_write(struct ms_client *c, const char *buf, size_t len);
int ms_client_read_line(struct ms_client *c, const char **line, int timeout_ms);

/* The error message of a failed response ("409 conflict: ..."), into buf. */
const char *ms_client_error_str(const cJSON *resp, char *buf, size_t len);

#endif

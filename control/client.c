/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "client.h"
#include "digest.h"
#include "secmem.h"

#define EVENTS_MAX 4096

struct ms_client {
	int fd;
	struct ms_tls_client *tls;
	int timeout_ms;
	char *user, *password;
	cJSON *hello;
	uint64_t next_id;
	char nonce[128];
	uint32_t nc;
	char *in;
	size_t in_len, in_cap, line_end; /* line_end: a line handed out, removed at the next read */
	cJSON *events[EVENTS_MAX];
	unsigned ev_head, ev_count;
};

static void
seterr(char *err, size_t errlen, const char *fmt, const char *a)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, fmt, a);
}

int
ms_client_write(struct ms_client *c, const char *buf, size_t len)
{
	if (c->tls != NULL)
		return ms_tls_client_write(c->tls, buf, len) == (ssize_t)len ? 0 : -EPIPE;
	while (len > 0) {
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
ms_client_read_line(struct ms_client *c, const char **line, int timeout_ms)
{
	if (c->line_end > 0) {
		memmove(c->in, c->in + c->line_end, c->in_len - c->line_end);
		c->in_len -= c->line_end;
		c->line_end = 0;
	}
	for (;;) {
		char *nl = c->in_len > 0 ? memchr(c->in, '\n', c->in_len) : NULL;
		ssize_t n;

		if (nl != NULL) {
			*nl = '\0';
			c->line_end = (size_t)(nl - c->in) + 1;
			*line = c->in;
			return (int)(nl - c->in) + (nl == c->in); /* an empty line counts as 1 */
		}
		if (c->in_cap - c->in_len < 65536) {
			size_t cap = c->in_cap ? c->in_cap * 2 : 262144;
			char *b = realloc(c->in, cap);

			if (b == NULL)
				return -ENOMEM;
			c->in = b;
			c->in_cap = cap;
		}
		/* TLS may hold decrypted bytes poll cannot see: read them first */
		if (c->tls == NULL || ms_tls_client_pending(c->tls) == 0) {
			struct pollfd p = {.fd = c->fd, .events = POLLIN};
			int r = poll(&p, 1, timeout_ms);

			if (r == 0)
				return 0;
			if (r < 0 && errno != EINTR)
				return -errno;
		}
		if (c->tls != NULL)
			n = ms_tls_client_read(c->tls, c->in + c->in_len, c->in_cap - c->in_len);
		else
			n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0) {
			if (c->tls == NULL && errno == EINTR)
				continue;
			return c->tls != NULL ? (int)n : -errno;
		}
		c->in_len += (size_t)n;
	}
}

static void
queue_event(struct ms_client *c, cJSON *ev)
{
	if (c->ev_count == EVENTS_MAX) {
		cJSON_Delete(c->events[c->ev_head]);
		c->ev_head = (c->ev_head + 1) % EVENTS_MAX;
		c->ev_count--;
	}
	c->events[(c->ev_head + c->ev_count++) % EVENTS_MAX] = ev;
}

/* The next message that is not an event; events go to the queue. */
static cJSON *
read_response(struct ms_client *c, char *err, size_t errlen)
{
	for (;;) {
		const char *line;
		int n = ms_client_read_line(c, &line, c->timeout_ms);
		cJSON *m;

		if (n == 0) {
			seterr(err, errlen, "%s", "no answer from the server in time");
			return NULL;
		}
		if (n < 0) {
			seterr(err, errlen, "the connection failed: %s",
			       c->tls != NULL && ms_tls_client_error(c->tls)[0] ? ms_tls_client_error(c->tls)
										: strerror(-n));
			return NULL;
		}
		m = cJSON_Parse(line);
		if (m == NULL) {
			seterr(err, errlen, "%s", "the server sent something that is not JSON");
			return NULL;
		}
		if (cJSON_GetObjectItemCaseSensitive(m, "event") != NULL) {
			queue_event(c, m);
			continue;
		}
		return m;
	}
}

static cJSON *
send_and_wait(struct ms_client *c, const cJSON *req, char *err, size_t errlen)
{
	char *text = cJSON_PrintUnformatted(req);
	size_t n;
	int ret;

	if (text == NULL) {
		seterr(err, errlen, "%s", "out of memory");
		return NULL;
	}
	n = strlen(text);
	text[n] = '\n'; /* cJSON's buffer has room for its NUL: the newline takes it */
	ret = ms_client_write(c, text, n + 1);
	ms_secure_zero(text, n + 1); /* requests carry keys */
	cJSON_free(text);
	if (ret < 0) {
		seterr(err, errlen, "cannot send: %s", strerror(-ret));
		return NULL;
	}
	return read_response(c, err, errlen);
}

const char *
ms_client_error_str(const cJSON *resp, char *buf, size_t len)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(resp, "error");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(e, "status");
	const cJSON *field = cJSON_GetObjectItemCaseSensitive(e, "field");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");

	snprintf(buf, len, "%d %s%s%s: %s", code ? (int)code->valuedouble : 0,
		 cJSON_IsString(status) ? status->valuestring : "error",
		 cJSON_IsString(field) ? " at " : "", cJSON_IsString(field) ? field->valuestring : "",
		 cJSON_IsString(msg) ? msg->valuestring : "");
	return buf;
}

static bool
is_ok(const cJSON *resp)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(resp, "ok"));
}

static const char *
challenge_nonce(const cJSON *holder)
{
	const cJSON *ch = cJSON_GetObjectItemCaseSensitive(holder, "challenge");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(ch, "nonce");

	return cJSON_IsString(n) ? n->valuestring : NULL;
}

/* Answers the current challenge. 0, or -EACCES with the server's reason. */
static int
authenticate(struct ms_client *c, char *err, size_t errlen)
{
	char ha1[MS_DIGEST_HEX_LEN + 1], resp[MS_DIGEST_HEX_LEN + 1], nc[9], cnonce[33];
	unsigned char rnd[16];
	const char *realm;
	cJSON *req, *r;
	int ret = 0;

	realm = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(c->hello, "challenge"), "realm")
			->valuestring;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -EIO;
	for (unsigned i = 0; i < sizeof(rnd); i++)
		snprintf(cnonce + 2 * i, 3, "%02x", rnd[i]);
	snprintf(nc, sizeof(nc), "%08x", ++c->nc);
	ms_digest_ha1(c->user, realm, c->password, ha1);
	ms_digest_response(ha1, c->nonce, nc, cnonce, MS_DIGEST_QOP, MS_DIGEST_METHOD, MS_DIGEST_URI,
			   resp);
	ms_secure_zero(ha1, sizeof(ha1));
	req = cJSON_CreateObject();
	cJSON_AddNumberToObject(req, "id", (double)++c->next_id);
	cJSON_AddStringToObject(req, "op", "auth");
	cJSON_AddStringToObject(req, "username", c->user);
	cJSON_AddStringToObject(req, "realm", realm);
	cJSON_AddStringToObject(req, "nonce", c->nonce);
	cJSON_AddStringToObject(req, "uri", MS_DIGEST_URI);
	cJSON_AddStringToObject(req, "qop", MS_DIGEST_QOP);
	cJSON_AddStringToObject(req, "nc", nc);
	cJSON_AddStringToObject(req, "cnonce", cnonce);
	cJSON_AddStringToObject(req, "algorithm", MS_DIGEST_ALGORITHM);
	cJSON_AddStringToObject(req, "response", resp);
	r = send_and_wait(c, req, err, errlen);
	cJSON_Delete(req);
	if (r == NULL)
		return -EIO;
	if (!is_ok(r)) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");
		const char *n = challenge_nonce(e);
		char buf[384];

		if (n != NULL) {
			snprintf(c->nonce, sizeof(c->nonce), "%s", n);
			c->nc = 0;
		}
		seterr(err, errlen, "digest authentication refused: %s",
		       ms_client_error_str(r, buf, sizeof(buf)));
		ret = -EACCES;
	}
	cJSON_Delete(r);
	return ret;
}

static int
connect_unix(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		close(fd);
		if (err != NULL)
			snprintf(err, errlen, "cannot connect to %s: %s", path, strerror(e));
		return -e;
	}
	return fd;
}

static int
connect_tcp(const char *host, uint16_t port, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	char ps[8];
	int fd = -1, e = 0, one = 1;

	snprintf(ps, sizeof(ps), "%u", port);
	if (getaddrinfo(host, ps, &hints, &res) != 0) {
		seterr(err, errlen, "cannot resolve %s", host);
		return -EHOSTUNREACH;
	}
	for (struct addrinfo *a = res; a != NULL && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
			e = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		if (err != NULL)
			snprintf(err, errlen, "cannot connect to %s port %u: %s", host, port, strerror(e));
		return -(e ? e : EHOSTUNREACH);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

int
ms_client_connect(const struct ms_client_opts *o, struct ms_client **out, char *err, size_t errlen)
{
	struct ms_client *c = calloc(1, sizeof(*c));
	cJSON *req, *r;
	char why[384];
	int ret;

	if (c == NULL)
		return -ENOMEM;
	c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
	/*
	 * The server remembers request ids per client identity across
	 * connections: ids of this connection start at a random point below
	 * 2^52 (JSON numbers stay exact), so that two runs never share one.
	 */
	if (RAND_bytes((unsigned char *)&c->next_id, sizeof(c->next_id)) != 1)
		c->next_id = (uint64_t)getpid() << 20;
	c->next_id &= (1ull << 52) - 1;
	c->fd = o->socket_path != NULL ? connect_unix(o->socket_path, err, errlen)
				       : connect_tcp(o->host, o->port, err, errlen);
	if (c->fd < 0) {
		ret = c->fd;
		free(c);
		return ret;
	}
	if (o->socket_path == NULL) {
		ret = ms_tls_client_connect(c->fd, &o->tls, &c->tls, why, sizeof(why));
		if (ret < 0) {
			seterr(err, errlen, "TLS: %s", why);
			goto fail;
		}
	}
	c->user = o->user != NULL ? strdup(o->user) : NULL;
	c->password = o->password != NULL ? strdup(o->password) : NULL;
	req = cJSON_CreateObject();
	cJSON_AddNumberToObject(req, "id", (double)++c->next_id);
	cJSON_AddStringToObject(req, "op", "hello");
	cJSON_AddNumberToObject(req, "version", 1);
	cJSON_AddStringToObject(req, "client", o->name != NULL ? o->name : "libmediasec-client");
	r = send_and_wait(c, req, why, sizeof(why));
	cJSON_Delete(req);
	if (r == NULL) {
		seterr(err, errlen, "%s", why);
		ret = -ECONNREFUSED;
		goto fail;
	}
	if (!is_ok(r)) {
		char buf[384];

		seterr(err, errlen, "the server refused: %s", ms_client_error_str(r, buf, sizeof(buf)));
		cJSON_Delete(r);
		ret = -EACCES;
		goto fail;
	}
	c->hello = cJSON_DetachItemFromObjectCaseSensitive(r, "result");
	cJSON_Delete(r);
	const char *n = challenge_nonce(c->hello);

	if (n != NULL) {
		snprintf(c->nonce, sizeof(c->nonce), "%s", n);
		if (c->user == NULL || c->password == NULL) {
			seterr(err, errlen, "%s", "the server asks for digest authentication: give a user and a password");
			ret = -EACCES;
			goto fail;
		}
		ret = authenticate(c, err, errlen);
		if (ret < 0)
			goto fail;
	}
	*out = c;
	return 0;
fail:
	ms_client_close(c);
	return ret;
}

void
ms_client_close(struct ms_client *c)
{
	if (c == NULL)
		return;
	if (c->tls != NULL)
		ms_tls_client_free(c->tls);
	if (c->fd >= 0)
		close(c->fd);
	if (c->password != NULL) {
		ms_secure_zero(c->password, strlen(c->password));
		free(c->password);
	}
	free(c->user);
	cJSON_Delete(c->hello);
	while (c->ev_count > 0) {
		cJSON_Delete(c->events[c->ev_head]);
		c->ev_head = (c->ev_head + 1) % EVENTS_MAX;
		c->ev_count--;
	}
	if (c->in != NULL) {
		ms_secure_zero(c->in, c->in_cap);
		free(c->in);
	}
	free(c);
}

const cJSON *
ms_client_hello(const struct ms_client *c)
{
	return c->hello;
}

const char *
ms_client_server_fingerprint(const struct ms_client *c)
{
	return c->tls != NULL ? ms_tls_client_server_fingerprint(c->tls) : "";
}

cJSON *
ms_client_call(struct ms_client *c, cJSON *req, char *err, size_t errlen)
{
	cJSON *r;

	if (cJSON_GetObjectItemCaseSensitive(req, "id") == NULL)
		cJSON_AddNumberToObject(req, "id", (double)++c->next_id);
	for (int attempt = 0; attempt < 2; attempt++) {
		const cJSON *e, *stale;
		const char *n;

		r = send_and_wait(c, req, err, errlen);
		if (r == NULL || is_ok(r))
			return r;
		e = cJSON_GetObjectItemCaseSensitive(r, "error");
		stale = cJSON_GetObjectItemCaseSensitive(e, "stale");
		n = challenge_nonce(e);
		if (!cJSON_IsTrue(stale) || n == NULL || c->user == NULL || attempt > 0)
			return r;
		/* the authentication expired with its nonce: again, and the same request again */
		snprintf(c->nonce, sizeof(c->nonce), "%s", n);
		c->nc = 0;
		cJSON_Delete(r);
		if (authenticate(c, err, errlen) < 0)
			return NULL;
	}
	return NULL;
}

cJSON *
ms_client_call_text(struct ms_client *c, const char *json, char *err, size_t errlen)
{
	cJSON *req = cJSON_Parse(json), *r;

	if (req == NULL) {
		seterr(err, errlen, "%s", "not JSON");
		return NULL;
	}
	r = ms_client_call(c, req, err, errlen);
	cJSON_Delete(req);
	return r;
}

cJSON *
ms_client_next_event(struct ms_client *c, int timeout_ms)
{
	const char *line;
	cJSON *m;
	int n;

	for (;;) {
		if (c->ev_count > 0) {
			m = c->events[c->ev_head];
			c->ev_head = (c->ev_head + 1) % EVENTS_MAX;
			c->ev_count--;
			return m;
		}
		n = ms_client_read_line(c, &line, timeout_ms);
		if (n <= 0)
			return NULL;
		m = cJSON_Parse(line);
		if (m == NULL)
			return NULL;
		if (cJSON_GetObjectItemCaseSensitive(m, "event") != NULL)
			return m;
		cJSON_Delete(m); /* a response nobody waits for */
	}
}

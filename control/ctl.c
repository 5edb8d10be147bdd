/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane: listeners, connections, messages, authentication,
 * authorization and dispatch (the operations are in ops_session.c and
 * ops_admin.c). One thread, one epoll loop; every socket is non-blocking.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl_int.h"
#include "ms_err.h"
#include "ms_log.h"
#include "secmem.h"

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
ms_ctl_time(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char s[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03ldZ", s, ts.tv_nsec / 1000000);
}

bool
ms_ctl_mode_allowed(const struct ms_profile *p, uint8_t mode)
{
	return p == NULL || mode >= p->c.security_mode;
}

/* ------------------------------------------------------------ epoll */

static int
ep_set(struct ms_ctl *c, int fd, void *ptr, uint32_t events, int op)
{
	struct epoll_event ev = {.events = events, .data.ptr = ptr};

	return epoll_ctl(c->epfd, op, fd, &ev) == 0 ? 0 : -errno;
}

/* What the connection waits for: input unless it is closing or backed up, output while any is queued. */
static void
conn_update_events(struct ms_conn *k)
{
	uint32_t want = 0;
	size_t queued = k->out_len - k->out_off;

	if (!k->closing && queued < MS_CTL_OUT_HIGH)
		want |= EPOLLIN;
	if (queued > 0)
		want |= EPOLLOUT;
	want |= k->tls_want;
	if (want != k->events && ep_set(k->ctl, k->fd, k, want, EPOLL_CTL_MOD) == 0)
		k->events = want;
}

/* ------------------------------------------------------------ connections */

static struct ms_tls_srv *
tls_srv_new(struct ms_tls_server *s)
{
	struct ms_tls_srv *t = calloc(1, sizeof(*t));

	if (t != NULL)
		t->s = s;
	return t;
}

static void
tls_srv_put(struct ms_tls_srv *t)
{
	if (t == NULL)
		return;
	t->users--;
	if (t->retired && t->users == 0) {
		ms_tls_server_free(t->s);
		free(t);
	}
}

static void
conn_close(struct ms_conn *k, const char *why)
{
	struct ms_ctl *c = k->ctl;

	MS_LOG(INFO, ctl, "connection %" PRIu64 " (%s, %s) closed: %s", k->id, k->peer,
	       k->profile != NULL ? k->profile->c.name : "-", why);
	epoll_ctl(c->epfd, EPOLL_CTL_DEL, k->fd, NULL);
	if (k->tls != NULL) {
		if (!k->handshaking)
			ms_tls_conn_shutdown(k->tls);
		ms_tls_conn_free(k->tls);
		tls_srv_put(k->srv);
	}
	close(k->fd);
	if (k->profile != NULL)
		k->profile->conns--;
	if (k->prev != NULL)
		k->prev->next = k->next;
	else
		c->conns = k->next;
	if (k->next != NULL)
		k->next->prev = k->prev;
	c->nb_conns--;
	if (k->in != NULL) {
		ms_secure_zero(k->in, k->in_cap);
		free(k->in);
	}
	free(k->out);
	ms_secure_zero(k, sizeof(*k));
	free(k);
}

static struct ms_conn *
conn_new(struct ms_ctl *c, int fd, struct ms_listener *l, const char *peer)
{
	struct ms_conn *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	k->ep_kind = MS_EP_CONN;
	k->ctl = c;
	k->fd = fd;
	k->lst = l;
	k->id = ++c->next_conn_id;
	k->opened_ms = now_ms();
	k->in_cap = c->cfg.control.max_message + 1;
	k->in = malloc(k->in_cap);
	if (k->in == NULL) {
		free(k);
		return NULL;
	}
	snprintf(k->peer, sizeof(k->peer), "%s", peer);
	k->events = EPOLLIN;
	if (ep_set(c, fd, k, k->events, EPOLL_CTL_ADD) < 0) {
		free(k->in);
		free(k);
		return NULL;
	}
	k->next = c->conns;
	if (c->conns != NULL)
		c->conns->prev = k;
	c->conns = k;
	c->nb_conns++;
	c->st.connections++;
	return k;
}

static void
conn_bind_profile(struct ms_conn *k, struct ms_profile *p, const char *principal)
{
	char who[MS_CTL_NAME_MAX + MS_TLS_NAME_MAX + 2];

	k->profile = p;
	p->conns++;
	snprintf(k->principal, sizeof(k->principal), "%s", principal);
	snprintf(who, sizeof(who), "%s/%s", p->c.name, principal);
	k->who = ms_store_principal(k->ctl->store, who);
}

/* Queues bytes for the client; written at the end of the loop's turn. */
static void
conn_queue(struct ms_conn *k, const char *data, size_t len)
{
	if (k->out_off > 0 && k->out_off == k->out_len)
		k->out_off = k->out_len = 0;
	if (k->out_len + len > k->out_cap) {
		size_t cap = k->out_cap ? k->out_cap : 16384;
		char *n;

		if (k->out_off > 0) {
			memmove(k->out, k->out + k->out_off, k->out_len - k->out_off);
			k->out_len -= k->out_off;
			k->out_off = 0;
		}
		while (cap < k->out_len + len)
			cap *= 2;
		if (cap != k->out_cap) {
			n = realloc(k->out, cap);
			if (n == NULL) {
				k->closing = true;
				return;
			}
			k->out = n;
			k->out_cap = cap;
		}
	}
	memcpy(k->out + k->out_len, data, len);
	k->out_len += len;
	k->dirty = true;
}

static void emit_dropped(struct ms_conn *k);

/* Writes what is queued; false when the connection went. */
static bool
conn_flush(struct ms_conn *k)
{
	k->dirty = false;
	while (k->out_off < k->out_len) {
		size_t n = k->out_len - k->out_off;
		ssize_t w;

		if (k->tls != NULL) {
			uint32_t want = 0;

			w = ms_tls_conn_write(k->tls, k->out + k->out_off, n, &want);
			if (w == -EAGAIN) {
				k->tls_want = want & ~(uint32_t)EPOLLOUT;
				break;
			}
		} else {
			w = send(k->fd, k->out + k->out_off, n, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w < 0)
				w = errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
			if (w == -EAGAIN)
				break;
		}
		if (w < 0) {
			conn_close(k, "write failed");
			return false;
		}
		k->out_off += (size_t)w;
	}
	if (k->out_off == k->out_len) {
		k->out_off = k->out_len = 0;
		if (k->ev_dropped > 0)
			emit_dropped(k);
		if (k->closing && k->out_len == 0) {
			conn_close(k, "done");
			return false;
		}
	}
	conn_update_events(k);
	return true;
}

/* ------------------------------------------------------------ answers */

static void
send_line(struct ms_conn *k, struct ms_jw *w)
{
	ms_jw_text(w, "\n", 1);
	if (!w->failed)
		conn_queue(k, w->buf, w->len);
}

static void
respond_ok(struct ms_conn *k, const char *idtext, bool duplicate, const char *result, size_t len)
{
	struct ms_jw *w = &k->ctl->out;

	ms_jw_reset(w);
	ms_jw_obj(w);
	ms_jw_key(w, "id");
	ms_jw_raw(w, idtext, strlen(idtext));
	ms_jw_kbool(w, "ok", true);
	if (duplicate)
		ms_jw_kbool(w, "duplicate", true);
	ms_jw_key(w, "result");
	ms_jw_raw(w, result, len);
	ms_jw_end(w);
	send_line(k, w);
}

static void
count_error(struct ms_ctl *c, int code)
{
	switch (code) {
	case 400: c->st.errors[0]++; break;
	case 401: c->st.errors[1]++; break;
	case 403: c->st.errors[2]++; break;
	case 404: c->st.errors[3]++; break;
	case 409: c->st.errors[4]++; break;
	default: c->st.errors[5]++; break;
	}
}

static void
respond_err(struct ms_conn *k, const char *idtext, const struct ms_jerr *e, const struct ms_jw *extra)
{
	struct ms_jw *w = &k->ctl->out;

	count_error(k->ctl, e->code);
	ms_jw_reset(w);
	ms_jw_obj(w);
	ms_jw_key(w, "id");
	ms_jw_raw(w, idtext, strlen(idtext));
	ms_jw_kbool(w, "ok", false);
	ms_jw_key(w, "error");
	ms_jw_obj(w);
	ms_jw_kint(w, "code", e->code);
	ms_jw_kstr(w, "status", ms_jerr_status(e->code));
	if (e->field[0] != '\0')
		ms_jw_kstr(w, "field", e->field);
	ms_jw_kstr(w, "message", e->msg);
	if (extra != NULL && extra->len > 0) {
		/* extra holds members: ,"used_by":... */
		ms_jw_text(w, ",", 1);
		ms_jw_text(w, extra->buf, extra->len);
	}
	ms_jw_end(w);
	ms_jw_end(w);
	send_line(k, w);
}

/* An error for a client that is refused before it may speak: one line, then the connection goes. */
static void
refuse_fd(int fd, int code, const char *msg)
{
	struct ms_jw w;
	struct ms_jerr e = {.code = code};

	snprintf(e.msg, sizeof(e.msg), "%s", msg);
	ms_jw_init(&w);
	ms_jw_obj(&w);
	ms_jw_key(&w, "id");
	ms_jw_null(&w);
	ms_jw_kbool(&w, "ok", false);
	ms_jw_key(&w, "error");
	ms_jw_obj(&w);
	ms_jw_kint(&w, "code", code);
	ms_jw_kstr(&w, "status", ms_jerr_status(code));
	ms_jw_kstr(&w, "message", msg);
	ms_jw_end(&w);
	ms_jw_end(&w);
	ms_jw_text(&w, "\n", 1);
	if (!w.failed && send(fd, w.buf, w.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		MS_LOG(DEBUG, ctl, "refusal not sent: %s", strerror(errno));
	ms_jw_free(&w);
}

/* ------------------------------------------------------------ events */

static bool
pattern_match(const char *pattern, const char *event)
{
	size_t n = strlen(pattern);

	if (strcmp(pattern, "*") == 0)
		return true;
	if (n >= 2 && strcmp(pattern + n - 2, ".*") == 0)
		return strncmp(pattern, event, n - 1) == 0;
	return strcmp(pattern, event) == 0;
}

static void
queue_event(struct ms_conn *k, const char *event, const char *data, size_t len)
{
	struct ms_ctl *c = k->ctl;
	struct ms_jw *w = &c->ev; /* not extra: the data may be in it, or an error's members */
	char when[40];

	if (k->out_len - k->out_off > c->cfg.control.event_buffer) {
		k->ev_dropped++;
		c->st.events_dropped++;
		return;
	}
	ms_ctl_time(when, sizeof(when));
	ms_jw_reset(w);
	ms_jw_obj(w);
	ms_jw_kstr(w, "event", event);
	ms_jw_kuint(w, "seq", ++k->ev_seq);
	ms_jw_kstr(w, "time", when);
	ms_jw_key(w, "data");
	ms_jw_raw(w, data, len);
	ms_jw_end(w);
	send_line(k, w);
	c->st.events_sent++;
}

static void
emit_dropped(struct ms_conn *k)
{
	char data[64];
	int n = snprintf(data, sizeof(data), "{\"count\":%" PRIu64 "}", k->ev_dropped);

	k->ev_dropped = 0;
	queue_event(k, "events.dropped", data, (size_t)n);
}

void
ms_ctl_event(struct ms_ctl *c, const char *event, const char *data, size_t len)
{
	MS_LOG(DEBUG, ctl, "event %s %.*s", event, (int)len, data);
	for (struct ms_conn *k = c->conns; k != NULL; k = k->next) {
		bool match = false;

		if (!k->subscribed || k->closing)
			continue;
		for (unsigned i = 0; i < k->nb_patterns && !match; i++)
			match = pattern_match(k->patterns[i], event);
		if (match)
			queue_event(k, event, data, len);
	}
}

static void
store_event(void *arg, const char *event, const char *data, size_t len)
{
	ms_ctl_event(arg, event, data, len);
}

/* ------------------------------------------------------------ digest authentication */

static void
challenge_json(struct ms_ctl *c, struct ms_conn *k, struct ms_jw *w)
{
	ms_jw_key(w, "challenge");
	ms_jw_obj(w);
	ms_jw_kstr(w, "scheme", "Digest");
	ms_jw_kstr(w, "algorithm", MS_DIGEST_ALGORITHM);
	ms_jw_kstr(w, "realm", c->cfg.control.realm);
	ms_jw_kstr(w, "nonce", k->nonce);
	ms_jw_kstr(w, "qop", MS_DIGEST_QOP);
	ms_jw_kstr(w, "uri", MS_DIGEST_URI);
	ms_jw_end(w);
}

static void
new_nonce(struct ms_conn *k)
{
	if (ms_digest_nonce(k->nonce, sizeof(k->nonce)) < 0)
		snprintf(k->nonce, sizeof(k->nonce), "unavailable");
	k->nonce_ms = now_ms();
	k->nonce_nc = 0;
}

static bool
nonce_expired(const struct ms_conn *k)
{
	return now_ms() - k->nonce_ms >= (uint64_t)k->profile->c.nonce_validity * 1000;
}

enum challenge { NONCE_KEEP, NONCE_NEW };

/*
 * 401 with a challenge: a fresh nonce after a failure or when the current
 * one expired (stale), else the current one while it lasts (a client that
 * simply has not authenticated yet keeps the nonce it was given).
 */
static void
respond_401(struct ms_conn *k, const char *idtext, bool stale, enum challenge nonce,
	    const char *msg)
{
	struct ms_ctl *c = k->ctl;
	struct ms_jerr e = {.code = 401};

	if (nonce == NONCE_NEW || stale || k->nonce[0] == '\0' || nonce_expired(k))
		new_nonce(k);
	snprintf(e.msg, sizeof(e.msg), "%s", msg);
	ms_jw_reset(&c->extra);
	ms_jw_kbool(&c->extra, "stale", stale);
	challenge_json(c, k, &c->extra);
	respond_err(k, idtext, &e, &c->extra);
}

static const struct ms_client_cfg *
client_find(const struct ms_ctl *c, const char *name)
{
	for (unsigned i = 0; i < c->nb_clients; i++)
		if (strcmp(c->clients[i].name, name) == 0)
			return &c->clients[i];
	return NULL;
}

/* The connection's digest identity as the current configuration has it (clients reload). */
static const struct ms_client_cfg *
conn_client(struct ms_conn *k)
{
	struct ms_ctl *c = k->ctl;

	if (!k->authed)
		return NULL;
	if (k->client_gen != c->clients_gen) {
		k->client = client_find(c, k->principal);
		k->client_gen = c->clients_gen;
	}
	return k->client;
}

static bool
client_may_use(const struct ms_client_cfg *cl, const struct ms_profile *p)
{
	if (cl->nb_profiles == 0)
		return true;
	for (unsigned i = 0; i < cl->nb_profiles; i++)
		if (strcmp(cl->profiles[i], p->c.name) == 0)
			return true;
	return false;
}

static bool
nc_parse(const char *s, uint32_t *v)
{
	char *end;
	unsigned long x;

	if (strlen(s) != 8)
		return false;
	x = strtoul(s, &end, 16);
	if (*end != '\0' || x == 0)
		return false;
	*v = (uint32_t)x;
	return true;
}

static void
handle_auth(struct ms_conn *k, const cJSON *req, const char *idtext)
{
	static const char *const known[] = {"id", "op", "username", "realm", "nonce", "uri", "qop",
					    "nc", "cnonce", "algorithm", "response", NULL};
	struct ms_ctl *c = k->ctl;
	const char *user = NULL, *realm = NULL, *nonce = NULL, *uri = NULL, *qop = NULL,
		   *nc = NULL, *cnonce = NULL, *alg = NULL, *resp = NULL;
	char expected[MS_DIGEST_HEX_LEN + 1];
	const struct ms_client_cfg *cl;
	struct ms_jerr e = {0};
	uint32_t ncv;
	bool good;

	if (!k->profile->c.digest) {
		ms_jerr(&e, 400, "op", "profile '%s' has no digest authentication", k->profile->c.name);
		respond_err(k, idtext, &e, NULL);
		return;
	}
	if (ms_jarg_check(req, "", known, &e) < 0 ||
	    ms_jarg_need(ms_jarg_str(req, "", "username", MS_CTL_NAME_MAX, &user, &e), "",
			 "username", "the user name", &e) < 0 ||
	    ms_jarg_need(ms_jarg_str(req, "", "realm", 128, &realm, &e), "", "realm",
			 "the challenge's realm", &e) < 0 ||
	    ms_jarg_need(ms_jarg_str(req, "", "nonce", 64, &nonce, &e), "", "nonce",
			 "the challenge's nonce", &e) < 0 ||
	    ms_jarg_need(ms_jarg_str(req, "", "uri", 64, &uri, &e), "", "uri", MS_DIGEST_URI, &e) < 0 ||
	    ms_jarg_need(ms_jarg_str(req, "", "qop", 16, &qop, &e), "", "qop", MS_DIGEST_QOP, &e) < 0 ||
	    ms_jarg_need(ms_jarg_str(req, "", "nc", 16, &nc, &e), "", "nc", "8 hex digits", &e) < 0 ||
	    ms_jarg_need(ms_jarg_str(req, "", "cnonce", 128, &cnonce, &e), "", "cnonce",
			 "the client's nonce", &e) < 0 ||
	    ms_jarg_need(ms_jarg_str(req, "", "response", 128, &resp, &e), "", "response",
			 "the digest response", &e) < 0 ||
	    ms_jarg_str(req, "", "algorithm", 32, &alg, &e) < 0) {
		respond_err(k, idtext, &e, NULL);
		return;
	}
	if (strcmp(realm, c->cfg.control.realm) != 0 || strcmp(uri, MS_DIGEST_URI) != 0 ||
	    strcmp(qop, MS_DIGEST_QOP) != 0 || (alg != NULL && strcmp(alg, MS_DIGEST_ALGORITHM) != 0) ||
	    !nc_parse(nc, &ncv) || cnonce[0] == '\0') {
		ms_jerr(&e, 400, "", "realm, uri, qop and algorithm must be the challenge's, nc 8 hex digits");
		respond_err(k, idtext, &e, NULL);
		return;
	}
	if (strcmp(nonce, k->nonce) != 0) {
		c->st.auth_failures++;
		MS_LOG(WARNING, ctl, "connection %" PRIu64 " (%s): digest with a nonce it was not given",
		       k->id, k->peer);
		respond_401(k, idtext, false, NONCE_NEW, "unknown nonce: use the latest challenge's");
		goto count;
	}
	if (nonce_expired(k)) {
		respond_401(k, idtext, true, NONCE_NEW, "the nonce is older than the profile's nonce validity time");
		return;
	}
	if (ncv <= k->nonce_nc) {
		c->st.auth_failures++;
		MS_LOG(WARNING, ctl, "connection %" PRIu64 " (%s): replayed digest response (nc %s)",
		       k->id, k->peer, nc);
		respond_401(k, idtext, false, NONCE_NEW, "nonce count already used: a replayed response");
		goto count;
	}
	cl = client_find(c, user);
	/* the same work and the same answer whether the user exists or not */
	ms_digest_response(cl != NULL ? cl->ha1 : "0000000000000000000000000000000000000000000000000000000000000000",
			   nonce, nc, cnonce, qop, MS_DIGEST_METHOD, uri, expected);
	good = ms_digest_equal(expected, resp) && cl != NULL && client_may_use(cl, k->profile);
	ms_secure_zero(expected, sizeof(expected));
	if (!good) {
		c->st.auth_failures++;
		MS_LOG(WARNING, ctl, "connection %" PRIu64 " (%s, profile %s): digest authentication failed for '%s'",
		       k->id, k->peer, k->profile->c.name, user);
		respond_401(k, idtext, false, NONCE_NEW, "digest authentication failed");
		goto count;
	}
	k->nonce_nc = ncv;
	k->authed = true;
	k->auth_until_ms = k->nonce_ms + (uint64_t)k->profile->c.nonce_validity * 1000;
	k->auth_failures = 0;
	k->client = cl;
	k->client_gen = c->clients_gen;
	k->profile->conns--; /* conn_bind_profile counts it again */
	conn_bind_profile(k, k->profile, user);
	MS_LOG(INFO, ctl, "connection %" PRIu64 " (%s): authenticated as '%s' (profile %s)", k->id,
	       k->peer, user, k->profile->c.name);
	{
		char res[160];
		uint64_t left = k->auth_until_ms - now_ms();
		int n = snprintf(res, sizeof(res), "{\"principal\":\"%s\",\"valid_for\":%" PRIu64 "}",
				 user, left / 1000);

		respond_ok(k, idtext, false, res, (size_t)n);
	}
	return;
count:
	/* a failed attempt ends an earlier success: the connection proves itself again */
	k->authed = false;
	if (++k->auth_failures >= MS_CTL_AUTH_TRIES) {
		MS_LOG(WARNING, ctl, "connection %" PRIu64 " (%s): %u digest failures, closing", k->id,
		       k->peer, k->auth_failures);
		k->closing = true;
	}
}

/* ------------------------------------------------------------ hello */

static void
handle_hello(struct ms_conn *k, const cJSON *req, const char *idtext)
{
	static const char *const known[] = {"id", "op", "version", "versions", "client", NULL};
	struct ms_ctl *c = k->ctl;
	struct ms_jerr e = {0};
	struct ms_jw *w = &c->res;
	const cJSON *vs = NULL;
	const char *client = NULL;
	int64_t v = 0;
	int got;
	bool ok = false;

	if (k->hello) {
		ms_jerr(&e, 409, "op", "hello was done already on this connection");
		respond_err(k, idtext, &e, NULL);
		return;
	}
	if (ms_jarg_check(req, "", known, &e) < 0 || (got = ms_jarg_int(req, "", "version", 0,
									     1000, &v, &e)) < 0 ||
	    ms_jarg_arr(req, "", "versions", &vs, &e) < 0 ||
	    ms_jarg_str(req, "", "client", 64, &client, &e) < 0) {
		respond_err(k, idtext, &e, NULL);
		return;
	}
	if (got == 0 && vs == NULL) {
		ms_jerr(&e, 400, "version", "missing: the protocol version the client speaks (1)");
		respond_err(k, idtext, &e, NULL);
		return;
	}
	/* "version": the highest the client speaks; "versions": each one */
	if (got > 0)
		ok = v >= MS_CTL_VERSION;
	for (const cJSON *x = vs != NULL ? vs->child : NULL; x != NULL; x = x->next)
		ok |= cJSON_IsNumber(x) && x->valuedouble == MS_CTL_VERSION;
	if (!ok) {
		ms_jerr(&e, 426, got > 0 ? "version" : "versions",
			"no version in common: this server speaks version %d", MS_CTL_VERSION);
		respond_err(k, idtext, &e, NULL);
		return;
	}
	k->hello = true;
	if (client != NULL && ms_jname_ok(client, 64))
		MS_LOG(INFO, ctl, "connection %" PRIu64 " (%s): hello from %s", k->id, k->peer, client);
	ms_jw_reset(w);
	ms_jw_obj(w);
	ms_jw_kint(w, "version", MS_CTL_VERSION);
	ms_jw_kstr(w, "server", "mediasecd 0.1.0");
	ms_jw_kuint(w, "max_message", c->cfg.control.max_message);
	ms_jw_kstr(w, "transport", ms_transport_str(k->lst->cfg.transport));
	ms_jw_kstr(w, "profile", k->profile->c.name);
	ms_jw_kstr(w, "principal", k->principal);
	ms_jw_kstr(w, "authentication", k->profile->c.digest ? "digest" : "none");
	if (k->profile->c.digest) {
		new_nonce(k);
		challenge_json(c, k, w);
	}
	if (k->tls != NULL) {
		ms_jw_key(w, "tls");
		ms_jw_obj(w);
		ms_jw_kstr(w, "protocol", ms_tls_conn_protocol(k->tls));
		ms_jw_kstr(w, "server_fingerprint", ms_tls_server_fingerprint(k->srv->s));
		ms_jw_kstr(w, "client_subject", k->tls_subject);
		ms_jw_kstr(w, "client_fingerprint", k->tls_fingerprint);
		ms_jw_end(w);
	}
	ms_jw_end(w);
	respond_ok(k, idtext, false, w->buf, w->len);
}

/* ------------------------------------------------------------ requests */

static const ms_op_fn handlers[MS_OP_COUNT] = {
	[MS_OP_PING] = ms_op_ping,
	[MS_OP_SESSION_CREATE] = ms_op_session_create,
	[MS_OP_SESSION_UPDATE] = ms_op_session_update,
	[MS_OP_SESSION_DELETE] = ms_op_session_delete,
	[MS_OP_SESSION_GET] = ms_op_session_get,
	[MS_OP_SESSION_LIST] = ms_op_session_list,
	[MS_OP_LEG_REDIRECT] = ms_op_leg_redirect,
	[MS_OP_LEG_REPLACE] = ms_op_leg_replace,
	[MS_OP_EVENTS_SUBSCRIBE] = ms_op_events_subscribe,
	[MS_OP_EVENTS_UNSUBSCRIBE] = ms_op_events_unsubscribe,
	[MS_OP_NOTIFY] = ms_op_notify,
	[MS_OP_CAPTURE_START] = ms_op_capture_start,
	[MS_OP_CAPTURE_STOP] = ms_op_capture_stop,
	[MS_OP_CAPTURE_LIST] = ms_op_capture_list,
	[MS_OP_PROFILE_LIST] = ms_op_profile_list,
	[MS_OP_PROFILE_GET] = ms_op_profile_get,
	[MS_OP_PROFILE_ADD] = ms_op_profile_add,
	[MS_OP_PROFILE_COPY] = ms_op_profile_copy,
	[MS_OP_PROFILE_UPDATE] = ms_op_profile_update,
	[MS_OP_PROFILE_DELETE] = ms_op_profile_delete,
	[MS_OP_STATS] = ms_op_stats,
};

/* Trunk level (the profile's operation classes), then application level (the client's list). */
static int
authorize(struct ms_conn *k, enum ms_op op, struct ms_jerr *e)
{
	const struct ms_op_info *oi = ms_op_info(op);
	const struct ms_profile *p = k->profile;
	const struct ms_client_cfg *cl;
	bool accepted = true;

	if (oi->flags & MS_OPF_ALWAYS)
		return 0; /* hello, auth and ping: to everyone (docs/control-protocol.md, Authorization) */
	switch (oi->cls) {
	case MS_OPC_SUBSCRIBE: accepted = p->c.accept_subscription; break;
	case MS_OPC_REDIRECT: accepted = p->c.accept_redirect; break;
	case MS_OPC_NOTIFY: accepted = p->c.accept_notification; break;
	case MS_OPC_REPLACE: accepted = p->c.accept_replacement; break;
	default: break;
	}
	if (!accepted)
		return ms_jerr(e, 403, "op", "profile '%s' does not accept %s (%s is off)", p->c.name,
			       oi->name, ms_op_class_setting(oi->cls));
	if (!p->c.app_authorization && !(oi->flags & MS_OPF_GRANT))
		return 0;
	if (!p->c.app_authorization)
		return ms_jerr(e, 403, "op",
			       "%s needs a client whose operation list allows it: profile '%s' has no "
			       "application-level authorization", oi->name, p->c.name);
	cl = conn_client(k);
	if (cl == NULL)
		return ms_jerr(e, 403, "op", "client '%s' is no longer configured", k->principal);
	if (!(cl->operations & (1ull << op)))
		return ms_jerr(e, 403, "op", "%s is not in the operation list of client '%s'", oi->name,
			       cl->name);
	return 0;
}

/*
 * The nodes of a request's parse tree come from an arena of the control
 * thread, reset after each request: some forty malloc and free pairs per
 * session install cost more than parsing it. cJSON's hooks are global, so
 * the arena is per thread (a client library in another thread of a test
 * allocates as usual). What the arena held is wiped when it is reset.
 */
#define ARENA_SIZE (256u * 1024u)

static __thread struct arena *cur_arena;

static void *
arena_malloc(size_t n)
{
	struct arena *a = cur_arena;

	if (a != NULL) {
		n = RTE_ALIGN_CEIL(n, 16);
		if (a->used + n <= ARENA_SIZE) {
			void *p = a->buf + a->used;

			a->used += n;
			return p;
		}
		a->spilled = true;
	}
	return malloc(n);
}

static void
arena_free(void *p)
{
	struct arena *a = cur_arena;

	if (a != NULL && (uint8_t *)p >= a->buf && (uint8_t *)p < a->buf + ARENA_SIZE)
		return;
	free(p);
}

static void
arena_begin(struct arena *a)
{
	static bool hooked;

	if (!hooked) {
		cJSON_Hooks h = {.malloc_fn = arena_malloc, .free_fn = arena_free};

		cJSON_InitHooks(&h);
		hooked = true;
	}
	a->used = 0;
	a->spilled = false;
	cur_arena = a;
}

static void
arena_end(struct arena *a)
{
	ms_secure_zero(a->buf, a->used);
	a->used = 0;
	cur_arena = NULL;
}

/* Zeroes every string of a parsed request before it is freed: they may be keys. */
static void
wipe_tree(cJSON *j)
{
	for (; j != NULL; j = j->next) {
		if (j->valuestring != NULL)
			ms_secure_zero(j->valuestring, strlen(j->valuestring));
		wipe_tree(j->child);
	}
}

/* A \u0000 escape in the text (a backslash escaping a backslash is skipped). */
static bool
has_nul_escape(const char *s, size_t n)
{
	const char *p = s, *end = s + n;

	while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
		if (p + 1 < end && p[1] == 'u' && p + 6 <= end && memcmp(p + 2, "0000", 4) == 0)
			return true;
		p += 2;
		if (p >= end)
			break;
	}
	return false;
}

/* An id as JSON text ("..." or digits), and as a key ("s:..." or "n:..."): 64 characters and 3 more */
#define MS_ID_TEXT_MAX 80

/* The request's id as JSON text for the answer, and as a key for the request-id memory. */
static int
read_id(const cJSON *req, char *text, size_t tlen, char *key, size_t klen, struct ms_jerr *e)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(req, "id");

	if (id == NULL)
		return ms_jerr(e, 400, "id", "missing: every request has an id (a string or an integer)");
	/* every request has one: no printf (text and key hold 64 characters and a few more) */
	RTE_BUILD_BUG_ON(MS_ID_TEXT_MAX < 67);
	if (tlen < MS_ID_TEXT_MAX || klen < MS_ID_TEXT_MAX)
		return ms_jerr(e, 500, "id", "no room for the id");
	if (cJSON_IsString(id) && ms_jname_ok(id->valuestring, 64) == true) {
		size_t n = strlen(id->valuestring);

		/* printable ASCII without blanks: only '"' and '\\' need escaping */
		if (strpbrk(id->valuestring, "\"\\") != NULL)
			return ms_jerr(e, 400, "id", "an id may not hold '\"' or '\\'");
		text[0] = '"';
		memcpy(text + 1, id->valuestring, n);
		memcpy(text + 1 + n, "\"", 2);
		memcpy(key, "s:", 2);
		memcpy(key + 2, id->valuestring, n + 1);
		return 0;
	}
	if (cJSON_IsNumber(id) && id->valuedouble >= 0 && id->valuedouble <= 9007199254740992.0 &&
	    id->valuedouble == (double)(uint64_t)id->valuedouble) {
		char digits[24], *p = digits + sizeof(digits);
		uint64_t v = (uint64_t)id->valuedouble;
		size_t n;

		*--p = '\0';
		do
			*--p = (char)('0' + v % 10);
		while ((v /= 10) != 0);
		n = (size_t)(digits + sizeof(digits) - p);
		memcpy(text, p, n);
		memcpy(key, "n:", 2);
		memcpy(key + 2, p, n);
		return 0;
	}
	return ms_jerr(e, 400, "id", "must be 1 to 64 printable characters without blanks, or a "
				     "non-negative integer");
}

static void
process_line(struct ms_conn *k, const char *line, size_t len)
{
	struct ms_ctl *c = k->ctl;
	char idtext[MS_ID_TEXT_MAX] = "null", idkey[MS_ID_TEXT_MAX] = "";
	struct ms_jerr e = {0};
	cJSON *req = NULL;
	const cJSON *opv;
	int op;

	c->st.requests++;
	if (!ms_utf8_ok(line, len)) {
		ms_jerr(&e, 400, "", "not UTF-8 text");
		goto fail;
	}
	if (has_nul_escape(line, len)) {
		/* a parsed string ends at the NUL: "inline:<key>\u0000junk" would pass as the key */
		ms_jerr(&e, 400, "", "a string holds \\u0000");
		goto fail;
	}
	arena_begin(&c->arena);
	req = cJSON_ParseWithLength(line, len);
	if (req == NULL) {
		const char *at = cJSON_GetErrorPtr();
		size_t off = at != NULL && at >= line && at <= line + len ? (size_t)(at - line) : 0;

		/* the position only: the text around it may be a key */
		ms_jerr(&e, 400, "", "not JSON (error near byte %zu)", off);
		goto fail;
	}
	if (!cJSON_IsObject(req)) {
		ms_jerr(&e, 400, "", "a request is a JSON object");
		goto fail;
	}
	if (read_id(req, idtext, sizeof(idtext), idkey, sizeof(idkey), &e) < 0) {
		snprintf(idtext, sizeof(idtext), "null");
		goto fail;
	}
	opv = cJSON_GetObjectItemCaseSensitive(req, "op");
	if (opv == NULL || !cJSON_IsString(opv)) {
		ms_jerr(&e, 400, "op", opv == NULL ? "missing: the operation" : "must be a string");
		goto fail;
	}
	op = ms_op_from_name(opv->valuestring);
	if (op < 0) {
		ms_jerr(&e, 400, "op", "unknown operation '%.64s'", opv->valuestring);
		goto fail;
	}
	if (op == MS_OP_HELLO) {
		handle_hello(k, req, idtext);
		goto done;
	}
	if (!k->hello) {
		ms_jerr(&e, 428, "op", "the first request of a connection is hello");
		goto fail;
	}
	if (op == MS_OP_AUTH) {
		handle_auth(k, req, idtext);
		goto done;
	}
	if (k->profile->c.digest && !(ms_op_info((enum ms_op)op)->flags & MS_OPF_ALWAYS)) {
		if (!k->authed) {
			respond_401(k, idtext, false, NONCE_KEEP, "digest authentication required (op auth)");
			goto done;
		}
		if (now_ms() >= k->auth_until_ms) {
			k->authed = false;
			respond_401(k, idtext, true, NONCE_NEW,
				    "the authentication expired with its nonce: authenticate again and repeat the request");
			goto done;
		}
	}
	if (authorize(k, (enum ms_op)op, &e) < 0) {
		MS_LOG(NOTICE, ctl, "connection %" PRIu64 " (%s): %s", k->id, k->principal, e.msg);
		goto fail;
	}

	uint64_t fp = 0;
	bool mutates = (ms_op_info((enum ms_op)op)->flags & MS_OPF_MUTATES) != 0;

	if (mutates) {
		const char *res;
		size_t rlen;

		fp = ms_reqcache_fingerprint(line, len);
		switch (ms_reqcache_get(c->reqs, k->who, idkey, fp, &res, &rlen)) {
		case MS_RC_SAME:
			c->st.duplicates++;
			respond_ok(k, idtext, true, res, rlen);
			goto done;
		case MS_RC_DIFFERENT:
			ms_jerr(&e, 409, "id", "request id already used for a different request");
			goto fail;
		default:
			break;
		}
	}
	{
		struct ms_req r = {
			.ctl = c,
			.conn = k,
			.args = req,
			.op = (enum ms_op)op,
			.res = &c->res,
			.err = &e,
			.err_extra = &c->extra,
		};

		ms_jw_reset(&c->res);
		ms_jw_reset(&c->extra);
		if (handlers[op](&r) < 0) {
			if (e.code == 0)
				ms_jerr(&e, 500, "", "failed");
			respond_err(k, idtext, &e, &c->extra);
			goto done;
		}
		if (c->res.failed) {
			ms_jerr(&e, 507, "", "out of memory for the answer");
			goto fail;
		}
		if (mutates)
			ms_reqcache_put(c->reqs, k->who, idkey, fp, c->res.buf, c->res.len);
		respond_ok(k, idtext, false, c->res.buf, c->res.len);
	}
	goto done;
fail:
	respond_err(k, idtext, &e, NULL);
done:
	if (req != NULL) {
		if (c->arena.spilled)
			wipe_tree(req);
		cJSON_Delete(req);
	}
	if (cur_arena != NULL)
		arena_end(&c->arena);
}

/* Every complete line of the input buffer; what is consumed is wiped (it may hold keys). */
static void
process_input(struct ms_conn *k)
{
	struct ms_ctl *c = k->ctl;
	size_t start = 0, max = c->cfg.control.max_message;

	while (start < k->in_len && !k->closing) {
		char *nl = memchr(k->in + start, '\n', k->in_len - start);
		size_t len;

		if (nl == NULL) {
			if (k->in_len - start >= max) {
				/* no newline within the maximum: refuse it, skip to the next line */
				if (!k->discarding) {
					struct ms_jerr e = {0};

					ms_jerr(&e, 413, "", "message longer than %zu bytes", max);
					respond_err(k, "null", &e, NULL);
				}
				k->discarding = true;
				start = k->in_len;
			}
			break;
		}
		len = (size_t)(nl - (k->in + start));
		if (k->discarding) {
			k->discarding = false;
		} else if (len + 1 > max) {
			struct ms_jerr e = {0};

			ms_jerr(&e, 413, "", "message longer than %zu bytes", max);
			respond_err(k, "null", &e, NULL);
		} else {
			size_t l = len;

			if (l > 0 && k->in[start + l - 1] == '\r')
				l--;
			if (l > 0)
				process_line(k, k->in + start, l);
		}
		start += len + 1;
	}
	if (start > 0) {
		size_t rest = k->in_len - start;

		memmove(k->in, k->in + start, rest);
		ms_secure_zero(k->in + rest, k->in_len - rest);
		k->in_len = rest;
	}
}

/* ------------------------------------------------------------ I/O */

static void
tls_handshake(struct ms_conn *k)
{
	struct ms_ctl *c = k->ctl;
	char err[256], names[8][MS_TLS_NAME_MAX], msg[MS_TLS_SUBJECT_MAX + 64];
	const char *matched = NULL;
	struct ms_profile *p;
	uint32_t want = 0;
	unsigned n;
	int ret = ms_tls_conn_handshake(k->tls, &want, err, sizeof(err));

	if (ret == 0) {
		k->tls_want = want;
		conn_update_events(k);
		return;
	}
	if (ret < 0) {
		k->lst->refused++;
		c->st.refused++;
		MS_LOG(WARNING, ctl, "TLS client %s refused: %s", k->peer, err);
		conn_close(k, err);
		return;
	}
	k->handshaking = false;
	k->tls_want = 0;
	snprintf(k->tls_subject, sizeof(k->tls_subject), "%s", ms_tls_conn_peer_subject(k->tls));
	snprintf(k->tls_fingerprint, sizeof(k->tls_fingerprint), "%s",
		 ms_tls_conn_peer_fingerprint(k->tls));
	n = ms_tls_conn_peer_names(k->tls, names, RTE_DIM(names));
	p = ms_profiles_match_tls(&c->profiles, k->lst->cfg.port, (const char (*)[256])names, n,
				  &matched);
	if (p == NULL) {
		struct ms_jerr e = {0};

		snprintf(msg, sizeof(msg), "certificate %s: no profile on port %u lists its name",
			 k->tls_subject, k->lst->cfg.port);
		MS_LOG(WARNING, ctl, "TLS client %s refused: %s", k->peer, msg);
		k->lst->refused++;
		c->st.refused++;
		ms_jerr(&e, 403, "", "%s", msg);
		respond_err(k, "null", &e, NULL);
		k->closing = true;
		conn_flush(k);
		return;
	}
	conn_bind_profile(k, p, matched);
	k->lst->accepted++;
	MS_LOG(INFO, ctl, "TLS client %s: %s, %s, profile %s", k->peer, k->tls_subject,
	       ms_tls_conn_protocol(k->tls), p->c.name);
	conn_update_events(k);
}

static void
conn_readable(struct ms_conn *k)
{
	for (int rounds = 0; rounds < 16 && !k->closing; rounds++) {
		size_t room = k->in_cap - k->in_len;
		ssize_t n;

		if (room == 0) {
			/* a line as long as the buffer: process_input refuses it */
			process_input(k);
			room = k->in_cap - k->in_len;
			if (room == 0)
				break;
		}
		if (k->tls != NULL) {
			uint32_t want = 0;

			n = ms_tls_conn_read(k->tls, k->in + k->in_len, room, &want);
			if (n == -EAGAIN) {
				k->tls_want = want & ~(uint32_t)EPOLLIN;
				break;
			}
		} else {
			n = recv(k->fd, k->in + k->in_len, room, MSG_DONTWAIT);
			if (n < 0)
				n = errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
			if (n == -EAGAIN)
				break;
		}
		if (n == 0) {
			/* a partial line of a client gone is nothing: it never became a request */
			conn_close(k, "closed by the client");
			return;
		}
		if (n < 0) {
			conn_close(k, n == -ECONNRESET ? "reset by the client" : "read failed");
			return;
		}
		k->in_len += (size_t)n;
		process_input(k);
		if (k->out_len - k->out_off >= MS_CTL_OUT_HIGH)
			break; /* the client does not read its answers: wait */
	}
	conn_flush(k);
}

static void
conn_event(struct ms_conn *k, uint32_t events)
{
	if (k->handshaking) {
		tls_handshake(k);
		return;
	}
	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
		conn_close(k, "hung up");
		return;
	}
	if (events & EPOLLOUT) {
		k->tls_want = 0;
		if (!conn_flush(k))
			return;
	}
	if (events & EPOLLIN || (k->tls != NULL && ms_tls_conn_pending(k->tls) > 0))
		conn_readable(k);
	else
		conn_update_events(k);
}

static bool
id_listed(uint32_t id, const uint32_t *ids, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static void
accept_one(struct ms_ctl *c, struct ms_listener *l, int fd)
{
	char peer[96];
	struct ms_conn *k;

	if (l->cfg.transport == MS_TRANSPORT_UNIX) {
		struct ucred cr;
		socklen_t cl = sizeof(cr);
		struct ms_profile *p;

		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) != 0) {
			close(fd);
			return;
		}
		snprintf(peer, sizeof(peer), "uid %u gid %u pid %d", cr.uid, cr.gid, (int)cr.pid);
		if (!id_listed(cr.uid, l->cfg.uids, l->cfg.nb_uids) &&
		    !id_listed(cr.gid, l->cfg.gids, l->cfg.nb_gids)) {
			char msg[160];

			snprintf(msg, sizeof(msg), "uid %u (gid %u) is not allowed on %s", cr.uid, cr.gid,
				 l->cfg.path);
			MS_LOG(WARNING, ctl, "refused: %s (pid %d)", msg, (int)cr.pid);
			refuse_fd(fd, 403, msg);
			l->refused++;
			c->st.refused++;
			close(fd);
			return;
		}
		if (c->nb_conns >= c->cfg.control.max_connections) {
			refuse_fd(fd, 429, "too many control connections");
			c->st.refused++;
			close(fd);
			return;
		}
		p = ms_profiles_find(&c->profiles, l->cfg.profile);
		k = p != NULL ? conn_new(c, fd, l, peer) : NULL;
		if (k == NULL) {
			refuse_fd(fd, 500, "cannot take the connection");
			close(fd);
			return;
		}
		char principal[32];

		snprintf(principal, sizeof(principal), "uid:%u", cr.uid);
		conn_bind_profile(k, p, principal);
		l->accepted++;
		MS_LOG(INFO, ctl, "connection %" PRIu64 ": %s on %s, profile %s", k->id, peer,
		       l->cfg.path, p->c.name);
		return;
	}

	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char a[MS_ADDR_STRLEN];
	int one = 1;

	getpeername(fd, (struct sockaddr *)&ss, &sl);
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(peer, sizeof(peer), "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(peer, sizeof(peer), "%s:%u", a, ntohs(s4->sin_port));
	}
	if (c->nb_conns >= c->cfg.control.max_connections) {
		MS_LOG(WARNING, ctl, "TLS client %s refused: too many control connections", peer);
		c->st.refused++;
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	k = conn_new(c, fd, l, peer);
	if (k == NULL) {
		close(fd);
		return;
	}
	if (ms_tls_conn_new(l->tls->s, fd, &k->tls) < 0) {
		conn_close(k, "out of memory");
		return;
	}
	k->srv = l->tls;
	k->srv->users++;
	k->handshaking = true;
	tls_handshake(k);
}

static void
listener_event(struct ms_ctl *c, struct ms_listener *l)
{
	for (int i = 0; i < 64; i++) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				MS_LOG(WARNING, ctl, "accept: %s", strerror(errno));
			return;
		}
		accept_one(c, l, fd);
	}
}

/* ------------------------------------------------------------ listeners */

static int
unix_listen(struct ms_listener *l, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t old;
	int fd, ret;
	char dir[sizeof(l->cfg.path)], *slash;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", l->cfg.path);
	snprintf(dir, sizeof(dir), "%s", l->cfg.path);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return ms_err(-errno, err, errlen, "control socket %s: cannot create %s: %s",
				      l->cfg.path, dir, strerror(errno));
	}
	if (lstat(l->cfg.path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return ms_err(-EEXIST, err, errlen, "control socket %s: exists and is not a socket",
				      l->cfg.path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(fd);
			return ms_err(-EADDRINUSE, err, errlen,
				      "control socket %s: another daemon listens there", l->cfg.path);
		}
		if (fd >= 0)
			close(fd);
		unlink(l->cfg.path); /* left behind by a daemon that is gone */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ms_err(-errno, err, errlen, "socket: %s", strerror(errno));
	/* never a moment with more access than the configuration gives */
	old = umask(0177);
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret != 0 || chmod(l->cfg.path, (mode_t)l->cfg.mode) != 0 ||
	    (l->cfg.nb_gids > 0 && chown(l->cfg.path, (uid_t)-1, (gid_t)l->cfg.gids[0]) != 0) ||
	    listen(fd, 128) != 0) {
		ret = -errno;
		close(fd);
		return ms_err(ret, err, errlen, "control socket %s: %s", l->cfg.path, strerror(-ret));
	}
	l->fd = fd;
	return 0;
}

static int
tls_files(const struct ms_listener_cfg *lc, struct ms_tls_files *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->certificate, sizeof(f->certificate), "%s", lc->certificate);
	snprintf(f->key, sizeof(f->key), "%s", lc->key);
	snprintf(f->ca_file, sizeof(f->ca_file), "%s", lc->ca_file);
	snprintf(f->ca_path, sizeof(f->ca_path), "%s", lc->ca_path);
	return 0;
}

static int
tls_listen(struct ms_listener *l, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct ms_tls_files f;
	struct ms_tls_server *srv;
	char why[384], a[MS_ADDR_STRLEN];
	int fd, one = 1, ret;

	tls_files(&l->cfg, &f);
	ret = ms_tls_server_create(&f, &srv, why, sizeof(why));
	if (ret < 0)
		return ms_err(ret, err, errlen, "TLS listener on port %u: %s", l->cfg.port, why);
	l->tls = tls_srv_new(srv);
	if (l->tls == NULL) {
		ms_tls_server_free(srv);
		return ms_err(-ENOMEM, err, errlen, "out of memory");
	}
	memset(&ss, 0, sizeof(ss));
	if (l->cfg.address.family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(l->cfg.port);
		memcpy(&s6->sin6_addr, l->cfg.address.a, 16);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(l->cfg.port);
		memcpy(&s4->sin_addr, l->cfg.address.a, 4);
		sl = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ms_err(-errno, err, errlen, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 128) != 0) {
		ret = -errno;
		close(fd);
		return ms_err(ret, err, errlen, "TLS listener %s port %u: %s",
			      ms_addr_str(&l->cfg.address, a, sizeof(a)), l->cfg.port, strerror(-ret));
	}
	l->fd = fd;
	return 0;
}

static void
listener_close(struct ms_listener *l)
{
	if (l->fd >= 0) {
		close(l->fd);
		if (l->cfg.transport == MS_TRANSPORT_UNIX)
			unlink(l->cfg.path);
	}
	l->fd = -1;
	if (l->tls != NULL) {
		l->tls->retired = true;
		if (l->tls->users == 0) {
			ms_tls_server_free(l->tls->s);
			free(l->tls);
		}
		l->tls = NULL;
	}
}

/* ------------------------------------------------------------ life */

static int
profiles_from_cfg(struct ms_ctl *c, const struct ms_ctl_cfg *cc)
{
	for (unsigned i = 0; i < cc->nb_profiles; i++)
		if (ms_profiles_add(&c->profiles, &cc->profiles[i], true) == NULL)
			return -ENOMEM;
	return 0;
}

static int
clients_copy(const struct ms_ctl_cfg *cc, struct ms_client_cfg **out)
{
	*out = calloc(cc->nb_clients ? cc->nb_clients : 1, sizeof(**out));
	if (*out == NULL)
		return -ENOMEM;
	if (cc->nb_clients > 0)
		memcpy(*out, cc->clients, cc->nb_clients * sizeof(**out));
	return 0;
}

static void
clients_free(struct ms_client_cfg *cl, unsigned n)
{
	if (cl == NULL)
		return;
	ms_secure_zero(cl, n * sizeof(*cl));
	free(cl);
}

int
ms_ctl_create(const struct ms_config *cfg, struct ms_dataplane *dp, struct ms_ctl **out,
	      char *err, size_t errlen)
{
	struct ms_ctl *c = calloc(1, sizeof(*c));
	int ret;

	if (c == NULL)
		return ms_err(-ENOMEM, err, errlen, "out of memory");
	c->cfg = *cfg;
	c->cfg.sessions = NULL;
	c->cfg.nb_sessions = 0;
	c->cfg.control.profiles = NULL;
	c->cfg.control.clients = NULL;
	memset(c->cfg.eal.args, 0, sizeof(c->cfg.eal.args));
	c->cfg.eal.nb_args = 0;
	c->dp = dp;
	c->legs = ms_dataplane_legs(dp);
	c->epfd = -1;
	c->capture_dirfd = -1;
	ms_jw_init(&c->res);
	ms_jw_init(&c->out);
	ms_jw_init(&c->extra);
	ms_jw_init(&c->ev);
	for (unsigned i = 0; i < MS_CTL_MAX_LISTENERS; i++)
		c->listeners[i].fd = -1;
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	c->scratch = ms_secmem_alloc(3 * sizeof(*c->scratch));
	c->arena.buf = malloc(ARENA_SIZE);
	c->scratch_key = ms_secmem_alloc(sizeof(*c->scratch_key));
	if (c->epfd < 0 || c->scratch == NULL || c->scratch_key == NULL || c->arena.buf == NULL) {
		ms_ctl_free(c);
		return ms_err(-ENOMEM, err, errlen, "cannot set up the control thread");
	}
	ret = ms_store_create(c->legs, &c->cfg, &c->store);
	if (ret == 0)
		ret = ms_reqcache_create(cfg->control.request_ids, &c->reqs);
	if (ret == 0)
		ret = profiles_from_cfg(c, &cfg->control);
	if (ret == 0)
		ret = clients_copy(&cfg->control, &c->clients);
	if (ret < 0) {
		ms_ctl_free(c);
		return ms_err(ret, err, errlen, "cannot set up the control plane: %s", strerror(-ret));
	}
	c->nb_clients = cfg->control.nb_clients;
	ms_store_set_event_fn(c->store, store_event, c);
	for (unsigned i = 0; i < cfg->control.nb_listeners; i++) {
		struct ms_listener *l = &c->listeners[c->nb_listeners++];

		l->ep_kind = MS_EP_LISTENER;
		l->cfg = cfg->control.listeners[i];
		ret = l->cfg.transport == MS_TRANSPORT_UNIX ? unix_listen(l, err, errlen)
							    : tls_listen(l, err, errlen);
		if (ret == 0)
			ret = ep_set(c, l->fd, l, EPOLLIN, EPOLL_CTL_ADD);
		if (ret < 0) {
			ms_ctl_free(c);
			return ret;
		}
	}
	*out = c;
	return 0;
}

void
ms_ctl_free(struct ms_ctl *c)
{
	if (c == NULL)
		return;
	while (c->conns != NULL)
		conn_close(c->conns, "the daemon stops");
	for (unsigned i = 0; i < c->nb_listeners; i++)
		listener_close(&c->listeners[i]);
	ms_store_free(c->store);
	ms_reqcache_free(c->reqs);
	ms_profiles_free(&c->profiles);
	clients_free(c->clients, c->nb_clients);
	if (c->epfd >= 0)
		close(c->epfd);
	if (c->capture_dirfd >= 0)
		close(c->capture_dirfd);
	if (c->scratch != NULL)
		ms_secmem_free(c->scratch);
	if (c->scratch_key != NULL)
		ms_secmem_free(c->scratch_key);
	free(c->arena.buf);
	ms_jw_free(&c->res);
	ms_jw_free(&c->out);
	ms_jw_free(&c->extra);
	ms_jw_free(&c->ev);
	free(c);
}

struct ms_store *
ms_ctl_store(struct ms_ctl *c)
{
	return c->store;
}

int
ms_ctl_watch_fd(struct ms_ctl *c, int fd, void (*cb)(void *arg), void *arg)
{
	struct ms_extra_fd *x;

	if (c->nb_extra_fds == RTE_DIM(c->extra_fds))
		return -ENOSPC;
	x = &c->extra_fds[c->nb_extra_fds++];
	x->ep_kind = MS_EP_EXTRA;
	x->fd = fd;
	x->cb = cb;
	x->arg = arg;
	return ep_set(c, fd, x, EPOLLIN, EPOLL_CTL_ADD);
}

static void
timers(struct ms_ctl *c, uint64_t now)
{
	if (now >= c->next_capture_ms) {
		ms_store_poll_captures(c->store);
		c->next_capture_ms = now + 50;
	}
	if (now >= c->next_watch_ms) {
		/* every session about every 2 s, at most 16384 per look (a few ms of work) */
		uint64_t budget = (uint64_t)ms_store_count(c->store) * c->cfg.control.watch_ms / 2000 + 1;

		if (budget < 1024)
			budget = 1024;
		if (budget > 16384)
			budget = 16384;

		ms_store_watch(c->store, (uint32_t)budget, c->cfg.control.auth_failure_burst);
		c->next_watch_ms = now + c->cfg.control.watch_ms;
		/* handshakes that never finish hold a connection slot */
		for (struct ms_conn *k = c->conns, *n2; k != NULL; k = n2) {
			n2 = k->next;
			if (k->handshaking && now - k->opened_ms > MS_CTL_HANDSHAKE_MS)
				conn_close(k, "TLS handshake timed out");
		}
	}
}

int
ms_ctl_poll(struct ms_ctl *c, int timeout_ms)
{
	struct epoll_event evs[64];
	uint64_t now = now_ms(), next;
	int n, wait;

	if (c->next_watch_ms == 0)
		c->next_watch_ms = now + c->cfg.control.watch_ms;
	next = RTE_MIN(c->next_watch_ms, c->next_capture_ms);
	wait = next <= now ? 0 : (int)RTE_MIN((uint64_t)timeout_ms, next - now);
	if (timeout_ms >= 0 && wait > timeout_ms)
		wait = timeout_ms;
	/* removed sessions hold their slots and keys until the workers let go: look again soon */
	if (c->legs != NULL) {
		ms_legtab_reclaim(c->legs, false);
		if (ms_legtab_pending(c->legs) > 0 && (wait < 0 || wait > 1))
			wait = 1;
	}
	n = epoll_wait(c->epfd, evs, RTE_DIM(evs), wait);
	if (n < 0 && errno != EINTR)
		return -errno;
	for (int i = 0; i < n; i++) {
		int kind = *(int *)evs[i].data.ptr;

		if (kind == MS_EP_LISTENER) {
			listener_event(c, evs[i].data.ptr);
		} else if (kind == MS_EP_EXTRA) {
			struct ms_extra_fd *x = evs[i].data.ptr;

			x->cb(x->arg);
		} else {
			/* a connection closed by an earlier event of this batch is gone: look it up */
			struct ms_conn *k;

			for (k = c->conns; k != NULL && k != evs[i].data.ptr; k = k->next)
				;
			if (k != NULL)
				conn_event(k, evs[i].events);
		}
	}
	timers(c, now_ms());
	for (struct ms_conn *k = c->conns, *nx; k != NULL; k = nx) {
		nx = k->next;
		if (k->dirty)
			conn_flush(k);
	}
	if (c->legs != NULL)
		ms_legtab_reclaim(c->legs, false);
	return 0;
}

void
ms_ctl_describe(const struct ms_ctl *c, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < c->nb_listeners && off < len; i++) {
		const struct ms_listener_cfg *l = &c->listeners[i].cfg;
		char a[MS_ADDR_STRLEN];
		int n;

		if (l->transport == MS_TRANSPORT_UNIX)
			n = snprintf(buf + off, len - off, "%sunix %s", i ? ", " : "", l->path);
		else
			n = snprintf(buf + off, len - off, "%stls %s port %u", i ? ", " : "",
				     ms_addr_str(&l->address, a, sizeof(a)), l->port);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (c->nb_listeners == 0)
		snprintf(buf, len, "none (no control section)");
}

/* ------------------------------------------------------------ dependency records */

bool
ms_ctl_profile_users(struct ms_ctl *c, const struct ms_profile *p, struct ms_jw *w)
{
	unsigned listed = 0;
	bool any = false;

	ms_jw_key(w, "used_by");
	ms_jw_obj(w);
	ms_jw_key(w, "listeners");
	ms_jw_arr(w);
	for (unsigned i = 0; i < c->nb_listeners; i++)
		if (c->listeners[i].cfg.transport == MS_TRANSPORT_UNIX &&
		    strcmp(c->listeners[i].cfg.profile, p->c.name) == 0) {
			ms_jw_strf(w, "unix %s", c->listeners[i].cfg.path);
			any = true;
		}
	ms_jw_aend(w);
	ms_jw_key(w, "clients");
	ms_jw_arr(w);
	for (unsigned i = 0; i < c->nb_clients; i++)
		for (unsigned k = 0; k < c->clients[i].nb_profiles; k++)
			if (strcmp(c->clients[i].profiles[k], p->c.name) == 0) {
				ms_jw_str(w, c->clients[i].name);
				any = true;
			}
	ms_jw_aend(w);
	ms_jw_kuint(w, "sessions", p->sessions);
	ms_jw_key(w, "session_names");
	ms_jw_arr(w);
	if (p->sessions > 0) {
		for (struct ms_call *s = ms_store_first(c->store); s != NULL && listed < 20;
		     s = ms_store_after(s))
			if (s->profile == p) {
				ms_jw_str(w, s->name);
				listed++;
			}
		any = true;
	}
	ms_jw_aend(w);
	ms_jw_key(w, "connections");
	ms_jw_arr(w);
	for (struct ms_conn *k = c->conns; k != NULL; k = k->next)
		if (k->profile == p) {
			ms_jw_strf(w, "%s (%s)", k->peer, k->principal);
			any = true;
		}
	ms_jw_aend(w);
	ms_jw_end(w);
	return any;
}

/* ------------------------------------------------------------ reload */

static bool
listener_same_place(const struct ms_listener_cfg *a, const struct ms_listener_cfg *b)
{
	if (a->transport != b->transport)
		return false;
	if (a->transport == MS_TRANSPORT_UNIX)
		return strcmp(a->path, b->path) == 0;
	return a->port == b->port && ms_addr_equal(&a->address, &b->address);
}

int
ms_ctl_reload(struct ms_ctl *c, const struct ms_config *cfg, bool *restart_needed, char *err,
	      size_t errlen)
{
	const struct ms_ctl_cfg *nc = &cfg->control;
	struct ms_profile_cfg *merged = NULL;
	const struct ms_profile_cfg **ptrs = NULL;
	struct ms_tls_server *fresh[MS_CTL_MAX_LISTENERS] = {NULL};
	struct ms_client_cfg *clients = NULL;
	unsigned nm = 0;
	struct ms_jerr e;
	int ret = -EINVAL;

	*restart_needed = nc->nb_listeners != c->nb_listeners;
	for (unsigned i = 0; i < nc->nb_listeners && i < c->nb_listeners; i++)
		if (!listener_same_place(&nc->listeners[i], &c->listeners[i].cfg))
			*restart_needed = true;

	/* the profiles after the reload: the file's, and those added at run time it does not name */
	merged = calloc(MS_CTL_MAX_PROFILES, sizeof(*merged));
	ptrs = calloc(MS_CTL_MAX_PROFILES, sizeof(*ptrs));
	if (merged == NULL || ptrs == NULL) {
		ret = ms_err(-ENOMEM, err, errlen, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < nc->nb_profiles; i++)
		merged[nm++] = nc->profiles[i];
	for (unsigned i = 0; i < c->profiles.n; i++) {
		const struct ms_profile *p = c->profiles.p[i];
		unsigned j;

		for (j = 0; j < nc->nb_profiles; j++)
			if (strcmp(nc->profiles[j].name, p->c.name) == 0)
				break;
		if (j < nc->nb_profiles) {
			if ((p->sessions > 0 || p->conns > 0) &&
			    nc->profiles[j].transport != p->c.transport) {
				ms_err(0, err, errlen,
				       "profile '%s' is in use (%u sessions, %u connections): its transport cannot change",
				       p->c.name, p->sessions, p->conns);
				goto out;
			}
			continue;
		}
		if (!p->from_file) {
			if (nm == MS_CTL_MAX_PROFILES) {
				ms_err(0, err, errlen, "more than %d profiles", MS_CTL_MAX_PROFILES);
				goto out;
			}
			merged[nm++] = p->c;
			continue;
		}
		if (p->sessions > 0 || p->conns > 0) {
			ms_err(0, err, errlen,
			       "profile '%s' left the file but is in use (%u sessions, %u connections): keep it, or delete those first",
			       p->c.name, p->sessions, p->conns);
			goto out;
		}
	}
	for (unsigned i = 0; i < nm; i++) {
		unsigned n = 0;
		bool served = merged[i].transport != MS_TRANSPORT_TLS;

		for (unsigned j = 0; j < nm; j++)
			if (j != i)
				ptrs[n++] = &merged[j];
		if (ms_profile_check_unique(&merged[i], ptrs, n, &e) < 0) {
			ms_err(0, err, errlen, "profile '%s': %s", merged[i].name, e.msg);
			goto out;
		}
		for (unsigned k = 0; k < c->nb_listeners && !served; k++)
			served = c->listeners[k].cfg.transport == MS_TRANSPORT_TLS &&
				 c->listeners[k].cfg.port == merged[i].incoming_port;
		if (!served) {
			ms_err(0, err, errlen, "profile '%s': no TLS listener on port %u",
			       merged[i].name, merged[i].incoming_port);
			goto out;
		}
	}
	for (unsigned i = 0; i < c->nb_listeners && i < nc->nb_listeners; i++) {
		const struct ms_listener_cfg *l = &nc->listeners[i];

		if (!listener_same_place(l, &c->listeners[i].cfg))
			continue;
		if (l->transport == MS_TRANSPORT_UNIX) {
			unsigned j;

			for (j = 0; j < nm; j++)
				if (strcmp(merged[j].name, l->profile) == 0)
					break;
			if (j == nm || merged[j].transport != MS_TRANSPORT_UNIX) {
				ms_err(0, err, errlen, "listener %s: no unix profile '%s'", l->path,
				       l->profile);
				goto out;
			}
		} else {
			struct ms_tls_files f;
			char why[384];

			tls_files(l, &f);
			if (ms_tls_server_create(&f, &fresh[i], why, sizeof(why)) < 0) {
				ms_err(0, err, errlen, "TLS listener on port %u: %s", l->port, why);
				goto out;
			}
		}
	}
	if (clients_copy(nc, &clients) < 0) {
		ms_err(0, err, errlen, "out of memory");
		goto out;
	}

	/* nothing can fail from here: apply */
	for (unsigned i = 0; i < nm; i++) {
		struct ms_profile *p = ms_profiles_find(&c->profiles, merged[i].name);
		bool file = i < nc->nb_profiles;

		if (p != NULL) {
			p->c = merged[i];
			p->from_file = file;
		} else {
			ms_profiles_add(&c->profiles, &merged[i], file);
		}
	}
	for (unsigned i = 0; i < c->profiles.n;) {
		struct ms_profile *p = c->profiles.p[i];
		unsigned j;

		for (j = 0; j < nm; j++)
			if (strcmp(merged[j].name, p->c.name) == 0)
				break;
		if (j == nm)
			ms_profiles_remove(&c->profiles, p);
		else
			i++;
	}
	for (unsigned i = 0; i < c->nb_listeners && i < nc->nb_listeners; i++) {
		struct ms_listener *l = &c->listeners[i];
		const struct ms_listener_cfg *n = &nc->listeners[i];

		if (!listener_same_place(n, &l->cfg))
			continue;
		if (n->transport == MS_TRANSPORT_UNIX) {
			/* who may connect and under which profile apply at once */
			memcpy(l->cfg.uids, n->uids, sizeof(n->uids));
			memcpy(l->cfg.gids, n->gids, sizeof(n->gids));
			l->cfg.nb_uids = n->nb_uids;
			l->cfg.nb_gids = n->nb_gids;
			snprintf(l->cfg.profile, sizeof(l->cfg.profile), "%s", n->profile);
			if (n->mode != l->cfg.mode && chmod(l->cfg.path, (mode_t)n->mode) == 0)
				l->cfg.mode = n->mode;
		} else if (fresh[i] != NULL) {
			struct ms_tls_srv *t = tls_srv_new(fresh[i]);

			if (t == NULL) {
				ms_tls_server_free(fresh[i]);
			} else {
				l->tls->retired = true;
				if (l->tls->users == 0) {
					ms_tls_server_free(l->tls->s);
					free(l->tls);
				}
				l->tls = t;
				snprintf(l->cfg.certificate, sizeof(l->cfg.certificate), "%s", n->certificate);
				snprintf(l->cfg.key, sizeof(l->cfg.key), "%s", n->key);
				snprintf(l->cfg.ca_file, sizeof(l->cfg.ca_file), "%s", n->ca_file);
				snprintf(l->cfg.ca_path, sizeof(l->cfg.ca_path), "%s", n->ca_path);
			}
			fresh[i] = NULL;
		}
	}
	clients_free(c->clients, c->nb_clients);
	c->clients = clients;
	c->nb_clients = nc->nb_clients;
	c->clients_gen++;
	clients = NULL;
	c->cfg.control.auth_failure_burst = nc->auth_failure_burst;
	c->cfg.control.watch_ms = nc->watch_ms;
	c->cfg.control.event_buffer = nc->event_buffer;
	ret = 0;
out:
	for (unsigned i = 0; i < MS_CTL_MAX_LISTENERS; i++)
		if (fresh[i] != NULL)
			ms_tls_server_free(fresh[i]);
	clients_free(clients, nc->nb_clients);
	free(merged);
	free(ptrs);
	return ret;
}

/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "capture_file.h"
#include "ms_log.h"
#include "store.h"

struct principal {
	struct principal *next;
	char name[];
};

struct ms_store {
	struct ms_legtab *t;
	const struct ms_config *cfg;
	uint32_t max_legs;
	struct ms_call **by_leg;  /* leg id -> session */
	struct ms_call **buckets; /* by name */
	uint32_t mask;
	uint32_t count;
	uint32_t by_origin[2];
	uint32_t by_security[3];
	uint64_t auto_name;
	struct principal *principals;
	uint16_t cursor[MS_CFG_MAX_PORTS][MS_PORT_MAX_ADDRS]; /* next port to try */
	struct ms_call *head, *tail; /* every session, oldest first */
	uint64_t next_seq;
	struct ms_call *watch;  /* the session the watch looks at next */
	uint32_t *learning;     /* leg ids learning their peer, not reported yet */
	uint32_t nb_learning, cap_learning;
	struct {
		struct ms_call *c;
		unsigned l;
	} caps[MS_STORE_MAX_CAPTURES]; /* captures running */
	unsigned nb_caps;
	ms_event_fn ev;
	void *ev_arg;
	struct ms_jw jw; /* event data */
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint32_t
name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

int
ms_store_create(struct ms_legtab *t, const struct ms_config *cfg, struct ms_store **out)
{
	struct ms_store *s = calloc(1, sizeof(*s));
	uint32_t nb = 64;

	if (s == NULL)
		return -ENOMEM;
	s->t = t;
	s->cfg = cfg;
	s->max_legs = ms_legtab_capacity(t);
	while (nb < s->max_legs)
		nb <<= 1;
	s->mask = nb - 1;
	s->by_leg = calloc(s->max_legs, sizeof(*s->by_leg));
	s->buckets = calloc(nb, sizeof(*s->buckets));
	if (s->by_leg == NULL || s->buckets == NULL) {
		ms_store_free(s);
		return -ENOMEM;
	}
	ms_jw_init(&s->jw);
	*out = s;
	return 0;
}

void
ms_store_free(struct ms_store *s)
{
	if (s == NULL)
		return;
	for (struct ms_call *c = s->head, *n; c != NULL; c = n) {
		n = c->next;
		for (unsigned l = 0; l < 2; l++)
			if (c->leg[l].capture != NULL) {
				struct ms_ctl_capture_info info;

				ms_ctl_capture_stop(c->leg[l].capture, &info);
			}
		free(c);
	}
	for (struct principal *p = s->principals, *n; p != NULL; p = n) {
		n = p->next;
		free(p);
	}
	free(s->learning);
	free(s->by_leg);
	free(s->buckets);
	ms_jw_free(&s->jw);
	free(s);
}

void
ms_store_set_event_fn(struct ms_store *s, ms_event_fn fn, void *arg)
{
	s->ev = fn;
	s->ev_arg = arg;
}

struct ms_legtab *
ms_store_legs(const struct ms_store *s)
{
	return s->t;
}

struct ms_call *
ms_store_find(const struct ms_store *s, const char *name)
{
	for (struct ms_call *c = s->buckets[name_hash(name) & s->mask]; c != NULL; c = c->hnext)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

struct ms_call *
ms_store_by_leg(const struct ms_store *s, uint32_t leg_id)
{
	return leg_id < s->max_legs ? s->by_leg[leg_id] : NULL;
}

uint32_t
ms_store_count(const struct ms_store *s)
{
	return s->count;
}

struct ms_call *
ms_store_first(const struct ms_store *s)
{
	return s->head;
}

void
ms_store_cursor(const struct ms_call *c, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64 ".%s", c->seq, c->name);
}

struct ms_call *
ms_store_resume(const struct ms_store *s, const char *cursor, bool *bad)
{
	char *end;
	uint64_t seq = strtoull(cursor, &end, 10);
	struct ms_call *c;

	*bad = end == cursor || *end != '.';
	if (*bad)
		return NULL;
	c = ms_store_find(s, end + 1);
	if (c != NULL && c->seq == seq)
		return c->next;
	/* gone since: the first one created after it */
	for (c = s->head; c != NULL && c->seq <= seq; c = c->next)
		;
	return c;
}

void
ms_store_counts(const struct ms_store *s, uint32_t by_origin[2], uint32_t by_security[3])
{
	memcpy(by_origin, s->by_origin, sizeof(s->by_origin));
	memcpy(by_security, s->by_security, sizeof(s->by_security));
}

const char *
ms_store_principal(struct ms_store *s, const char *name)
{
	struct principal *p;

	for (p = s->principals; p != NULL; p = p->next)
		if (strcmp(p->name, name) == 0)
			return p->name;
	p = malloc(sizeof(*p) + strlen(name) + 1);
	if (p == NULL)
		return "?";
	strcpy(p->name, name);
	p->next = s->principals;
	s->principals = p;
	return p->name;
}

const char *
ms_security_str(uint8_t level)
{
	return ms_secmode_str(level);
}

static char *
put_dec(char *p, unsigned v)
{
	char d[8];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*p++ = d[--n];
	return p;
}

/* "a.b.c.d:port" or "[v6]:port"; IPv4 without printf: every answer holds four of these. */
static const char *
endpoint_str(const struct ms_addr *a, uint16_t port, char *buf, size_t len)
{
	char as[MS_ADDR_STRLEN], *p = buf;

	if (a->family == AF_INET && len >= 22) {
		for (int i = 0; i < 4; i++) {
			p = put_dec(p, a->a[i]);
			*p++ = i < 3 ? '.' : ':';
		}
		*put_dec(p, port) = '\0';
		return buf;
	}
	ms_addr_str(a, as, sizeof(as));
	snprintf(buf, len, "[%s]:%u", as, port);
	return buf;
}

/* ------------------------------------------------------------ events */

static void
ev_begin(struct ms_store *s, const struct ms_call *c)
{
	ms_jw_reset(&s->jw);
	ms_jw_obj(&s->jw);
	ms_jw_kstr(&s->jw, "session", c->name);
}

static void
ev_send(struct ms_store *s, const char *event)
{
	ms_jw_end(&s->jw);
	if (s->ev != NULL && !s->jw.failed)
		s->ev(s->ev_arg, event, s->jw.buf, s->jw.len);
}

static uint8_t
leg_mode(const struct ms_store *s, uint32_t id)
{
	const struct ms_leg *l = ms_legtab_get(s->t, id);

	return l != NULL ? l->mode : MS_LEG_RTP;
}

static uint8_t
security_of(const struct ms_store *s, const struct ms_call *c)
{
	return (uint8_t)RTE_MIN(leg_mode(s, c->leg[0].id), leg_mode(s, c->leg[1].id));
}

void
ms_store_changed(struct ms_store *s, struct ms_call *c, unsigned leg, const char *what)
{
	uint8_t was = c->security, now = security_of(s, c);

	ev_begin(s, c);
	ms_jw_kuint(&s->jw, "leg", leg);
	ms_jw_kstr(&s->jw, "changed", what);
	ev_send(s, "session.updated");
	if (now == was)
		return;
	s->by_security[was]--;
	s->by_security[now]++;
	c->security = now;
	ev_begin(s, c);
	ms_jw_kstr(&s->jw, "security", ms_security_str(now));
	ms_jw_kstr(&s->jw, "was", ms_security_str(was));
	ev_send(s, "session.security_changed");
}

/* ------------------------------------------------------------ legs learning their peer */

static void
learning_add(struct ms_store *s, struct ms_call *c, unsigned l)
{
	const struct ms_leg *leg = ms_legtab_get(s->t, c->leg[l].id);
	struct ms_leg_peer p;

	c->leg[l].learn_pending = false;
	if (leg == NULL || !(leg->flags & MS_LEG_F_PEER_LEARN) || !ms_leg_peer_read(leg, &p) ||
	    p.known)
		return;
	if (s->nb_learning == s->cap_learning) {
		uint32_t cap = s->cap_learning ? s->cap_learning * 2 : 256;
		uint32_t *n = realloc(s->learning, cap * sizeof(*n));

		if (n == NULL)
			return; /* the event is lost, nothing else */
		s->learning = n;
		s->cap_learning = cap;
	}
	s->learning[s->nb_learning++] = c->leg[l].id;
	c->leg[l].learn_pending = true;
}

/* ------------------------------------------------------------ ports */

static bool
port_free(const struct ms_store *s, const struct ms_leg_cfg *c, uint16_t p,
	  const struct ms_leg_cfg *other)
{
	if (ms_legtab_in_use(s->t, c->port, &c->local, p))
		return false;
	if (other != NULL && other->port == c->port && ms_addr_equal(&other->local, &c->local) &&
	    other->local_port != 0 &&
	    (other->local_port == p || (!other->rtcp_mux && other->local_rtcp_port == p)))
		return false;
	return true;
}

int
ms_store_alloc_local(struct ms_store *s, struct ms_leg_cfg *cfg, uint8_t family,
		     const struct ms_leg_cfg *other, const char *field, struct ms_jerr *e)
{
	const struct ms_port_cfg *pc = &s->cfg->ports[cfg->port];
	const struct ms_port_l3 *l3 = &pc->l3;
	unsigned a;
	uint32_t lo = pc->media_port_min, hi = pc->media_port_max, span;

	if (!ms_addr_is_set(&cfg->local)) {
		for (a = 0; a < l3->nb_addrs; a++)
			if (l3->addrs[a].family == family)
				break;
		if (a == l3->nb_addrs)
			return ms_jerr(e, 400, field, "port '%s' has no %s address", pc->name,
				       family == AF_INET ? "IPv4" : "IPv6");
		cfg->local = l3->addrs[a];
		cfg->local.prefix_len = 0;
	} else {
		for (a = 0; a < l3->nb_addrs; a++)
			if (ms_addr_equal(&l3->addrs[a], &cfg->local))
				break;
		if (a == l3->nb_addrs)
			return ms_jerr(e, 400, field, "not one of port '%s''s addresses", pc->name);
	}
	/* RTP on an even port, RTCP on the odd one above it (RFC 3550 11) */
	lo = (lo + 1) & ~1u;
	span = hi >= lo + (cfg->rtcp_mux ? 0 : 1) ? (hi - lo) / 2 + 1 : 0;
	for (uint32_t tries = 0; tries < span; tries++) {
		uint16_t *cur = &s->cursor[cfg->port][a];
		uint32_t p = lo + 2u * ((*cur + tries) % span);

		if (!cfg->rtcp_mux && p + 1 > hi)
			continue;
		if (!port_free(s, cfg, (uint16_t)p, other) ||
		    (!cfg->rtcp_mux && !port_free(s, cfg, (uint16_t)(p + 1), other)))
			continue;
		cfg->local_port = (uint16_t)p;
		cfg->local_rtcp_port = cfg->rtcp_mux ? (uint16_t)p : (uint16_t)(p + 1);
		/* the next allocation starts further on: a port just freed is not reused at once */
		*cur = (uint16_t)((*cur + tries + 1) % span);
		return 0;
	}
	return ms_jerr(e, 507, field, "no free media port on port '%s' (%u-%u) for this address",
		       pc->name, pc->media_port_min, pc->media_port_max);
}

/* ------------------------------------------------------------ sessions */

static void
link_call(struct ms_store *s, struct ms_call *c)
{
	uint32_t b = name_hash(c->name) & s->mask;

	c->hnext = s->buckets[b];
	s->buckets[b] = c;
	c->seq = ++s->next_seq;
	c->prev = s->tail;
	c->next = NULL;
	if (s->tail != NULL)
		s->tail->next = c;
	else
		s->head = c;
	s->tail = c;
	s->by_leg[c->leg[0].id] = c;
	s->by_leg[c->leg[1].id] = c;
	s->count++;
	s->by_origin[c->origin]++;
	s->by_security[c->security]++;
	if (c->profile != NULL)
		c->profile->sessions++;
}

static void
unlink_call(struct ms_store *s, struct ms_call *c)
{
	struct ms_call **pp = &s->buckets[name_hash(c->name) & s->mask];

	while (*pp != NULL && *pp != c)
		pp = &(*pp)->hnext;
	if (*pp == c)
		*pp = c->hnext;
	if (s->watch == c)
		s->watch = c->next;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		s->tail = c->prev;
	for (unsigned l = 0; l < 2; l++)
		if (c->leg[l].id < s->max_legs && s->by_leg[c->leg[l].id] == c)
			s->by_leg[c->leg[l].id] = NULL;
	s->count--;
	s->by_origin[c->origin]--;
	s->by_security[c->security]--;
	if (c->profile != NULL)
		c->profile->sessions--;
}

int
ms_store_add(struct ms_store *s, const char *name, struct ms_leg_cfg cfg[2], uint8_t origin,
	     struct ms_profile *profile, const char *principal, struct ms_call **out,
	     struct ms_jerr *e)
{
	char auto_name[48], why[256];
	uint32_t ids[2];
	struct ms_call *c;
	int ret;

	if (name == NULL) {
		do
			snprintf(auto_name, sizeof(auto_name), "s-%" PRIu64, ++s->auto_name);
		while (ms_store_find(s, auto_name) != NULL);
		name = auto_name;
	} else if (ms_store_find(s, name) != NULL) {
		return ms_jerr(e, 409, "session", "a session named '%s' exists already", name);
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return ms_jerr(e, 507, "", "out of memory");
	/* names are checked for length by the callers */
	memcpy(c->name, name, strnlen(name, sizeof(c->name) - 1));
	for (unsigned l = 0; l < 2; l++)
		memcpy(cfg[l].session, c->name, sizeof(cfg[l].session));
	ret = ms_session_add(s->t, cfg, ids, why, sizeof(why));
	if (ret < 0) {
		free(c);
		/* the leg table names the leg: "legs[1].local: ... is already in use" */
		char field[MS_JERR_FIELD] = "";
		const char *colon = strstr(why, ": ");

		if (strncmp(why, "legs[", 5) == 0 && colon != NULL &&
		    (size_t)(colon - why) < sizeof(field)) {
			memcpy(field, why, (size_t)(colon - why));
			field[colon - why] = '\0';
			memmove(why, colon + 2, strlen(colon + 2) + 1);
		}
		return ms_jerr(e, ret == -EEXIST ? 409 : ret == -ENOSPC || ret == -ENOMEM ? 507 : 400,
			       field, "%s", why);
	}
	c->origin = origin;
	c->profile = profile;
	c->principal = principal != NULL ? ms_store_principal(s, principal) : "config";
	c->created_ms = now_ms();
	for (unsigned l = 0; l < 2; l++) {
		c->leg[l].id = ids[l];
		c->leg[l].watched_ms = c->created_ms;
	}
	c->security = security_of(s, c);
	link_call(s, c);
	for (unsigned l = 0; l < 2; l++)
		learning_add(s, c, l);
	*out = c;
	ev_begin(s, c);
	ms_jw_kstr(&s->jw, "origin", origin == MS_CALL_CONFIG ? "config" : "client");
	ms_jw_kstr(&s->jw, "profile", profile != NULL ? profile->c.name : "");
	ms_jw_kstr(&s->jw, "principal", c->principal);
	ms_jw_kstr(&s->jw, "security", ms_security_str(c->security));
	ev_send(s, "session.created");
	return 0;
}

int
ms_store_capture_attach(struct ms_store *s, struct ms_call *c, unsigned l,
			struct ms_ctl_capture *cap)
{
	if (s->nb_caps == MS_STORE_MAX_CAPTURES)
		return -ENOSPC;
	s->caps[s->nb_caps].c = c;
	s->caps[s->nb_caps++].l = l;
	c->leg[l].capture = cap;
	return 0;
}

void
ms_store_capture_stop(struct ms_store *s, struct ms_call *c, unsigned l, const char *reason,
		      struct ms_ctl_capture_info *info)
{
	struct ms_ctl_capture_info tmp;

	if (c->leg[l].capture == NULL)
		return;
	if (info == NULL)
		info = &tmp;
	ms_ctl_capture_stop(c->leg[l].capture, info);
	c->leg[l].capture = NULL;
	for (unsigned i = 0; i < s->nb_caps; i++)
		if (s->caps[i].c == c && s->caps[i].l == l) {
			s->caps[i] = s->caps[--s->nb_caps];
			break;
		}
	ev_begin(s, c);
	ms_jw_kuint(&s->jw, "leg", l);
	ms_jw_kuint(&s->jw, "packets", info->packets);
	ms_jw_kstr(&s->jw, "reason", reason);
	ev_send(s, "capture.stopped");
}

void
ms_store_poll_captures(struct ms_store *s)
{
	for (unsigned i = 0; i < s->nb_caps;) {
		struct ms_call *c = s->caps[i].c;
		unsigned l = s->caps[i].l;
		int ret = ms_ctl_capture_poll(c->leg[l].capture);

		if (ret != 0)
			ms_store_capture_stop(s, c, l, ret < 0 ? "write error" : "limit reached", NULL);
		else
			i++;
	}
}

unsigned
ms_store_captures(const struct ms_store *s, struct ms_call **calls, unsigned *legs, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->nb_caps && n < max; i++, n++) {
		calls[n] = s->caps[i].c;
		legs[n] = s->caps[i].l;
	}
	return n;
}

void
ms_store_del(struct ms_store *s, struct ms_call *c, const char *reason)
{
	for (unsigned l = 0; l < 2; l++)
		ms_store_capture_stop(s, c, l, "session deleted", NULL);
	unlink_call(s, c);
	ms_session_del(s->t, c->leg[0].id);
	ev_begin(s, c);
	ms_jw_kstr(&s->jw, "reason", reason);
	ev_send(s, "session.deleted");
	free(c);
}

/* A dataplane refusal as a protocol error: its message, with the field the caller names. */
static int
dp_fault(struct ms_jerr *e, int ret, const char *field, const char *why)
{
	int code = ret == -ENOENT ? 404 : ret == -EEXIST ? 409 :
		   ret == -ENOSPC || ret == -ENOMEM ? 507 : ret == -ENOTSUP ? 400 : 400;

	return ms_jerr(e, code, field, "%s", why);
}

int
ms_store_set_keys(struct ms_store *s, struct ms_call *c, unsigned leg, enum ms_leg_mode mode,
		  const struct ms_leg_keys *recv, const struct ms_leg_keys *send, struct ms_jerr *e)
{
	char why[256];
	int ret = ms_leg_set_keys(s->t, c->leg[leg].id, mode, recv, send, why, sizeof(why));

	if (ret < 0)
		return dp_fault(e, ret, "mode", why);
	c->leg[leg].soft_reported[0] = c->leg[leg].soft_reported[1] = 0;
	c->leg[leg].hard_reported[0] = c->leg[leg].hard_reported[1] = 0;
	return 0;
}

int
ms_store_set_peer(struct ms_store *s, struct ms_call *c, unsigned leg, const struct ms_addr *addr,
		  uint16_t port, uint16_t rtcp_port, bool learn, bool strict_source,
		  struct ms_jerr *e)
{
	char why[256];
	int ret = ms_leg_set_peer(s->t, c->leg[leg].id, addr, port, rtcp_port, learn, strict_source,
				  why, sizeof(why));

	if (ret < 0)
		return dp_fault(e, ret, "peer", why);
	learning_add(s, c, leg);
	return 0;
}

static struct ms_srtp_stream *
leg_stream(const struct ms_store *s, const struct ms_call *c, unsigned leg, bool send)
{
	const struct ms_leg *l = ms_legtab_get(s->t, c->leg[leg].id);

	if (l == NULL)
		return NULL;
	return send ? l->out : l->in;
}

/*
 * One direction's keys from its current context: a rekey keeps the newest
 * key beside add, a retire (add NULL) keeps only the newer of two.
 */
static int
rekey_direction(struct ms_store *s, struct ms_call *c, unsigned leg, bool send,
		const struct ms_srtp_key_cfg *add, struct ms_jerr *e)
{
	struct ms_srtp_stream *st = leg_stream(s, c, leg, send);
	const char *field = add != NULL ? "rekey" : "retire";
	const struct ms_srtp_ctx *ctx;
	uint8_t keep;
	char why[256];
	int ret;

	if (st == NULL)
		return ms_jerr(e, 400, field, "leg %u is plain RTP: %s", leg,
			       add != NULL ? "switch it to SRTP with keys instead" : "it has no keys");
	ctx = ms_srtp_stream_ctx(st);
	if (add == NULL && ctx->view.nb_keys < 2)
		return ms_jerr(e, 409, field, "the %s direction of leg %u has one key only",
			       send ? "send" : "recv", leg);
	keep = (uint8_t)(ctx->view.nb_keys - 1);
	ret = ms_leg_rekey_keep(s->t, c->leg[leg].id, send, &keep, 1, add, why, sizeof(why));
	if (ret < 0)
		return dp_fault(e, ret, add != NULL ? "rekey.key" : "retire", why);
	return 0;
}

int
ms_store_rekey(struct ms_store *s, struct ms_call *c, unsigned leg, bool send,
	       const struct ms_srtp_key_cfg *add, struct ms_jerr *e)
{
	return rekey_direction(s, c, leg, send, add, e);
}

int
ms_store_retire(struct ms_store *s, struct ms_call *c, unsigned leg, bool send, struct ms_jerr *e)
{
	return rekey_direction(s, c, leg, send, NULL, e);
}

int
ms_store_replace(struct ms_store *s, struct ms_call *c, unsigned leg, struct ms_leg_cfg *cfg,
		 struct ms_jerr *e)
{
	uint32_t old = c->leg[leg].id, id;
	char why[256];
	int ret;

	snprintf(cfg->session, sizeof(cfg->session), "%s", c->name);
	ret = ms_leg_replace(s->t, old, cfg, &id, why, sizeof(why));
	if (ret < 0) {
		const char *colon = strstr(why, ": ");

		/* "legs[0].x: why" from the leg checks: the field is the caller's */
		return dp_fault(e, ret, "with",
				strncmp(why, "legs[", 5) == 0 && colon ? colon + 2 : why);
	}
	/* only now: a refused replace changes nothing, its capture included (the old leg took it) */
	ms_store_capture_stop(s, c, leg, "leg replaced", NULL);
	s->by_leg[old] = NULL;
	memset(&c->leg[leg], 0, sizeof(c->leg[leg]));
	c->leg[leg].id = id;
	c->leg[leg].watched_ms = now_ms();
	s->by_leg[id] = c;
	learning_add(s, c, leg);
	ev_begin(s, c);
	ms_jw_kuint(&s->jw, "leg", leg);
	ms_jw_kuint(&s->jw, "old_id", old);
	ms_jw_kuint(&s->jw, "new_id", id);
	ev_send(s, "leg.replaced");
	return 0;
}

/* ------------------------------------------------------------ the watch */

static void
watch_learning(struct ms_store *s)
{
	uint32_t kept = 0;

	for (uint32_t i = 0; i < s->nb_learning; i++) {
		uint32_t id = s->learning[i];
		struct ms_call *c = s->by_leg[id];
		const struct ms_leg *leg = ms_legtab_get(s->t, id);
		struct ms_leg_peer p;
		unsigned l;

		if (c == NULL || leg == NULL)
			continue;
		l = c->leg[0].id == id ? 0 : 1;
		if (!c->leg[l].learn_pending)
			continue;
		if (!ms_leg_peer_read(leg, &p) || !p.known) {
			s->learning[kept++] = id;
			continue;
		}
		c->leg[l].learn_pending = false;
		char ep[MS_ADDR_STRLEN + 8];

		ev_begin(s, c);
		ms_jw_kuint(&s->jw, "leg", l);
		ms_jw_kstr(&s->jw, "peer", endpoint_str(&p.addr, p.port, ep, sizeof(ep)));
		ev_send(s, "peer.learned");
	}
	s->nb_learning = kept;
}

static void
watch_keys(struct ms_store *s, struct ms_call *c, unsigned l, const struct ms_leg *leg)
{
	for (unsigned d = 0; d < 2; d++) {
		struct ms_srtp_stream *st = d ? leg->out : leg->in;
		const struct ms_srtp_ctx *ctx;

		if (st == NULL)
			continue;
		ctx = ms_srtp_stream_ctx(st);
		for (unsigned k = 0; k < ctx->view.nb_keys; k++) {
			struct ms_srtp_key_status ks;
			const char *ev = NULL;

			if (ms_srtp_stream_key_status(st, k, &ks) < 0)
				continue;
			if (ks.expired && c->leg[l].hard_reported[d] != ks.key_id) {
				c->leg[l].hard_reported[d] = ks.key_id;
				c->leg[l].soft_reported[d] = ks.key_id;
				ev = "key.hard_limit";
			} else if (ks.rekey_needed && c->leg[l].soft_reported[d] != ks.key_id) {
				c->leg[l].soft_reported[d] = ks.key_id;
				ev = "key.soft_limit";
			}
			if (ev == NULL)
				continue;
			ev_begin(s, c);
			ms_jw_kuint(&s->jw, "leg", l);
			ms_jw_kstr(&s->jw, "dir", d ? "send" : "recv");
			ms_jw_kuint(&s->jw, "key_id", ks.key_id);
			ms_jw_kuint(&s->jw, "used", ks.rtp_used);
			ms_jw_kuint(&s->jw, "limit", ks.rtp_limit);
			ev_send(s, ev);
			MS_LOG(NOTICE, ctl, "session %s leg %u %s key %u: %s", c->name, l,
			       d ? "send" : "recv", ks.key_id, ev);
		}
	}
}

static void
watch_call(struct ms_store *s, struct ms_call *c, uint32_t burst, uint64_t now)
{
	for (unsigned l = 0; l < 2; l++) {
		const struct ms_leg *leg = ms_legtab_get(s->t, c->leg[l].id);
		uint64_t fails;

		if (leg == NULL || leg->mode == MS_LEG_RTP) {
			c->leg[l].watched_ms = now;
			continue;
		}
		watch_keys(s, c, l, leg);
		/* the one counter the watch needs, not the leg's whole block */
		fails = __atomic_load_n(&leg->rx.srtp[MS_SRTP_AUTH_FAIL], __ATOMIC_RELAXED);
		if (fails >= c->leg[l].auth_fail_seen + burst) {
			ev_begin(s, c);
			ms_jw_kuint(&s->jw, "leg", l);
			ms_jw_kuint(&s->jw, "count", fails - c->leg[l].auth_fail_seen);
			ms_jw_kdouble(&s->jw, "seconds", (double)(now - c->leg[l].watched_ms) / 1000.0);
			ev_send(s, "leg.auth_failures");
			MS_LOG(WARNING, ctl, "session %s leg %u: %" PRIu64 " packets failed authentication",
			       c->name, l, fails - c->leg[l].auth_fail_seen);
		}
		c->leg[l].auth_fail_seen = fails;
		c->leg[l].watched_ms = now;
	}
}

void
ms_store_watch(struct ms_store *s, uint32_t budget, uint32_t burst)
{
	uint64_t now = now_ms();

	watch_learning(s);
	budget = RTE_MIN(budget, s->count);
	for (uint32_t done = 0; done < budget; done++) {
		struct ms_call *c = s->watch != NULL ? s->watch : s->head;

		s->watch = c->next;
		watch_call(s, c, burst, now);
	}
}

/* ------------------------------------------------------------ as JSON */

static void
mki_json(struct ms_jw *w, const uint8_t *mki, unsigned len)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < len; i++)
		v = v << 8 | mki[i];
	ms_jw_key(w, "mki");
	if (len == 0)
		ms_jw_null(w);
	else
		ms_jw_strf(w, "%u:%u", v, len);
}

static void
keys_json(struct ms_jw *w, struct ms_srtp_stream *st)
{
	const struct ms_srtp_ctx *ctx = ms_srtp_stream_ctx(st);

	ms_jw_arr(w);
	for (unsigned k = 0; k < ctx->view.nb_keys; k++) {
		struct ms_srtp_key_status ks;

		ms_jw_obj(w);
		ms_jw_kuint(w, "id", ctx->key_id[k]);
		mki_json(w, ctx->mki[k], ctx->view.mki_len);
		ms_jw_kuint(w, "from", ctx->rtp_from[k]);
		ms_jw_kuint(w, "rtcp_from", ctx->rtcp_from[k]);
		if (ms_srtp_stream_key_status(st, k, &ks) == 0) {
			ms_jw_kuint(w, "rtp_used", ks.rtp_used);
			ms_jw_kuint(w, "rtp_limit", ks.rtp_limit);
			ms_jw_kuint(w, "rtcp_used", ks.rtcp_used);
			ms_jw_kbool(w, "rekey_needed", ks.rekey_needed);
			ms_jw_kbool(w, "expired", ks.expired);
		}
		ms_jw_end(w);
	}
	ms_jw_aend(w);
}

static void
side_json(struct ms_jw *w, const char *name, const struct ms_leg_side_stats *st)
{
	ms_jw_key(w, name);
	ms_jw_obj(w);
	ms_jw_kuint(w, "packets", st->pkts);
	ms_jw_kuint(w, "bytes", st->bytes);
	ms_jw_key(w, "drops");
	ms_jw_obj(w);
	for (unsigned r = 1; r < MS_SRTP_RESULT_COUNT; r++)
		ms_jw_kuint(w, ms_srtp_result_str((enum ms_srtp_result)r), st->srtp[r]);
	for (unsigned d = 0; d < MS_LEG_DROP_COUNT; d++)
		ms_jw_kuint(w, ms_leg_drop_str((enum ms_leg_drop)d), st->drops[d]);
	ms_jw_end(w);
	ms_jw_end(w);
}

void
ms_leg_counters_json(struct ms_jw *w, const struct ms_leg *leg)
{
	struct ms_leg_side_stats rx, tx;

	ms_leg_stats_read(leg, &rx, &tx);
	side_json(w, "rx", &rx);
	side_json(w, "tx", &tx);
}

static void
leg_json(const struct ms_store *s, struct ms_jw *w, const struct ms_call *c, unsigned l,
	 enum ms_call_detail detail)
{
	const struct ms_leg *leg = ms_legtab_get(s->t, c->leg[l].id);
	char ep[MS_ADDR_STRLEN + 8];
	struct ms_leg_peer p;

	ms_jw_obj(w);
	ms_jw_kuint(w, "leg", l);
	ms_jw_kuint(w, "id", c->leg[l].id);
	if (leg == NULL) {
		ms_jw_end(w);
		return;
	}
	ms_jw_kstr(w, "port", s->cfg->ports[leg->port].name);
	ms_jw_kstr(w, "local", endpoint_str(&leg->local, leg->local_port, ep, sizeof(ep)));
	if (leg->flags & MS_LEG_F_RTCP_MUX)
		ms_jw_kstr(w, "rtcp", "mux");
	else
		ms_jw_kstr(w, "rtcp", endpoint_str(&leg->local, leg->local_rtcp_port, ep, sizeof(ep)));
	if (!ms_leg_peer_read(leg, &p))
		memset(&p, 0, sizeof(p));
	if (p.known)
		ms_jw_kstr(w, "peer", endpoint_str(&p.addr, p.port, ep, sizeof(ep)));
	else
		ms_jw_kstr(w, "peer", "learn");
	if (p.rtcp_known && !(leg->flags & MS_LEG_F_RTCP_MUX))
		ms_jw_kstr(w, "peer_rtcp", endpoint_str(&p.addr, p.rtcp_port, ep, sizeof(ep)));
	if (leg->flags & MS_LEG_F_PEER_LEARN)
		ms_jw_kbool(w, "learn", true);
	ms_jw_kbool(w, "strict_source", (leg->flags & MS_LEG_F_STRICT_SOURCE) != 0);
	ms_jw_kstr(w, "mode", ms_leg_mode_str((enum ms_leg_mode)leg->mode));
	if (leg->mode != MS_LEG_RTP && leg->out != NULL)
		ms_jw_kstr(w, "suite",
			   ms_srtp_suite_info((enum ms_srtp_suite)ms_srtp_stream_ctx(leg->out)->suite)->name);
	if (detail >= MS_CALL_KEYS) {
		if (leg->mode != MS_LEG_RTP) {
			ms_jw_kuint(w, "replay_window", leg->replay_window);
			ms_jw_key(w, "keys");
			ms_jw_obj(w);
			if (leg->in != NULL) {
				ms_jw_key(w, "recv");
				keys_json(w, leg->in);
			}
			if (leg->out != NULL) {
				ms_jw_key(w, "send");
				keys_json(w, leg->out);
			}
			ms_jw_end(w);
		}
	}
	if (detail == MS_CALL_FULL) {
		ms_jw_key(w, "counters");
		ms_jw_obj(w);
		ms_leg_counters_json(w, leg);
		ms_jw_end(w);
		if (c->leg[l].capture != NULL) {
			struct ms_ctl_capture_info ci;

			ms_ctl_capture_info(c->leg[l].capture, &ci);
			ms_jw_key(w, "capture");
			ms_jw_obj(w);
			ms_jw_kuint(w, "packets", ci.packets);
			ms_jw_kuint(w, "dropped", ci.dropped_rx + ci.dropped_tx);
			ms_jw_kdouble(w, "seconds", ci.seconds);
			ms_jw_end(w);
		}
	}
	ms_jw_end(w);
}

void
ms_call_members(const struct ms_store *s, struct ms_jw *w, const struct ms_call *c,
		enum ms_call_detail detail)
{
	ms_jw_kstr(w, "session", c->name);
	ms_jw_kstr(w, "security", ms_security_str(security_of(s, c)));
	ms_jw_kstr(w, "profile", c->profile != NULL ? c->profile->c.name : "");
	if (detail == MS_CALL_FULL) {
		time_t t = (time_t)(c->created_ms / 1000);
		struct tm tm;
		char when[40];

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		ms_jw_kstr(w, "created", when);
		ms_jw_kstr(w, "principal", c->principal);
		ms_jw_kstr(w, "origin", c->origin == MS_CALL_CONFIG ? "config" : "client");
	}
	ms_jw_key(w, "legs");
	ms_jw_arr(w);
	for (unsigned l = 0; l < 2; l++)
		leg_json(s, w, c, l, detail);
	ms_jw_aend(w);
}

void
ms_call_to_json(const struct ms_store *s, struct ms_jw *w, const struct ms_call *c,
		enum ms_call_detail detail)
{
	ms_jw_obj(w);
	ms_call_members(s, w, c, detail);
	ms_jw_end(w);
}

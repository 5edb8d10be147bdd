/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The session operations of the control protocol: create, update, delete,
 * get, list, and the leg operations redirect and replace. Everything a
 * request asks is checked before anything changes; keys pass from the
 * request into the dataplane's contexts through scratch memory in key
 * memory, which is wiped after every request.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config_parse.h"
#include "ctl_int.h"
#include "secmem.h"

/* What a leg of a request asks beyond ms_leg_cfg. */
struct leg_ask {
	uint8_t family;  /* for an allocated local end without an address */
	bool alloc;      /* a local port is to be allocated */
	bool keep_local; /* leg.replace without local: the old leg's local end */
	bool peer_given;
};

static const char *
family_name(uint8_t f)
{
	return f == AF_INET6 ? "IPv6" : "IPv4";
}

/* The members of a leg, by position in leg_members. */
enum {
	L_PORT, L_LOCAL, L_FAMILY, L_RTCP, L_PEER, L_PEER_RTCP, L_STRICT, L_MODE, L_SUITE,
	L_RECV_KEY, L_SEND_KEY, L_RECV_ROC, L_SEND_ROC, L_WINDOW, L_COUNT
};

static const char *const leg_members[] = {
	[L_PORT] = "port", [L_LOCAL] = "local", [L_FAMILY] = "family", [L_RTCP] = "rtcp",
	[L_PEER] = "peer", [L_PEER_RTCP] = "peer_rtcp", [L_STRICT] = "strict_source",
	[L_MODE] = "mode", [L_SUITE] = "suite", [L_RECV_KEY] = "recv_key",
	[L_SEND_KEY] = "send_key", [L_RECV_ROC] = "recv_roc", [L_SEND_ROC] = "send_roc",
	[L_WINDOW] = "replay_window", [L_COUNT] = NULL,
};

/* The leg members of an object whose other members were checked apart (update, redirect). */
static void
leg_slots(const cJSON *obj, const cJSON **m)
{
	for (unsigned i = 0; i < L_COUNT; i++)
		m[i] = cJSON_GetObjectItemCaseSensitive(obj, leg_members[i]);
}

#define JV_STR(m, path, i, max, out, e) ms_jval_str(m[i], path, leg_members[i], max, out, e)
#define JV_INT(m, path, i, lo, hi, out, e) ms_jval_int(m[i], path, leg_members[i], lo, hi, out, e)

/* An SDES key into one direction of a leg of suite. */
static int
parse_key(const cJSON **m, const char *path, unsigned key, unsigned roc_i,
	  enum ms_srtp_suite suite, struct ms_leg_keys *k, struct ms_jerr *e)
{
	char fp[MS_JERR_FIELD];
	const char *s = NULL, *why = NULL;
	int64_t roc = 0;
	int ret;

	ret = ms_jarg_need(JV_STR(m, path, key, 256, &s, e), path, leg_members[key],
			   "an SDES key \"inline:<base64 key||salt>[|lifetime][|MKI:length]\"", e);
	if (ret < 0)
		return -1;
	k->ctx.suite = suite;
	k->ctx.nb_keys = 1;
	if (ms_sdes_parse(s, suite, &k->ctx.keys[0], &k->ctx.mki_len, &why) < 0 ||
	    ms_srtp_ctx_cfg_check(&k->ctx, &why) < 0)
		return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, leg_members[key]), "%s", why);
	if (JV_INT(m, path, roc_i, 0, UINT32_MAX, &roc, e) < 0)
		return -1;
	k->initial_roc = (uint32_t)roc;
	return 0;
}

/* Mode, suite and keys of a leg (create, replace) or of a switch (update). */
static int
parse_mode(const cJSON **m, const char *path, struct ms_leg_cfg *c, bool required,
	   struct ms_jerr *e)
{
	static const unsigned keyed[] = {L_SUITE, L_RECV_KEY, L_SEND_KEY, L_RECV_ROC, L_SEND_ROC};
	char fp[MS_JERR_FIELD];
	const char *s = NULL;
	int ret, mode, suite;

	ret = JV_STR(m, path, L_MODE, 16, &s, e);
	if (ret < 0)
		return -1;
	if (ret == 0) {
		if (!required)
			return 0;
		return ms_jarg_need(0, path, "mode", "\"rtp\", \"authenticated\" or \"encrypted\"", e);
	}
	mode = ms_leg_mode_from_str(s);
	if (mode < 0)
		return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "mode"),
			       "'%s' is not \"rtp\", \"authenticated\" or \"encrypted\"", s);
	c->mode = (uint8_t)mode;
	if (mode == MS_LEG_RTP) {
		for (unsigned i = 0; i < RTE_DIM(keyed); i++)
			if (m[keyed[i]] != NULL)
				return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, leg_members[keyed[i]]),
					       "an rtp leg has no SRTP keys");
		return 1;
	}
	ret = ms_jarg_need(JV_STR(m, path, L_SUITE, 32, &s, e), path, "suite",
			   mode == MS_LEG_ENCRYPTED ? "the SRTP suite of an encrypted leg"
						    : "the suite of an authenticated leg (NULL_HMAC_SHA1_80 or _32)",
			   e);
	if (ret < 0)
		return -1;
	suite = ms_srtp_suite_from_name(s);
	if (suite < 0)
		return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "suite"), "'%s' is not a suite",
			       s);
	if (ms_leg_mode_of_suite((enum ms_srtp_suite)suite) != (enum ms_leg_mode)mode)
		return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "suite"),
			       "%s is not an %s suite (mode %s)", s, ms_leg_mode_str((enum ms_leg_mode)mode),
			       ms_leg_mode_str((enum ms_leg_mode)mode));
	if (parse_key(m, path, L_RECV_KEY, L_RECV_ROC, (enum ms_srtp_suite)suite, &c->recv, e) < 0 ||
	    parse_key(m, path, L_SEND_KEY, L_SEND_ROC, (enum ms_srtp_suite)suite, &c->send, e) < 0)
		return -1;
	return 1;
}

/* "addr:port" / "[v6]:port", or "learn". */
static int
parse_peer(const cJSON **m, const char *path, struct ms_leg_cfg *c, bool *given, struct ms_jerr *e)
{
	char fp[MS_JERR_FIELD];
	const char *s = NULL;
	int64_t v;
	int ret = JV_STR(m, path, L_PEER, 64, &s, e);

	if (ret < 0)
		return -1;
	*given = ret > 0 || m[L_PEER_RTCP] != NULL;
	if (ret == 0 || strcmp(s, "learn") == 0) {
		c->peer_learn = true;
	} else if (ms_addr_port_parse(s, &c->peer, &c->peer_port) < 0 ||
		   !ms_cfgp_unicast(&c->peer)) {
		return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "peer"),
			       "'%s' is not \"learn\" or a unicast \"address:port\" / \"[v6 address]:port\"",
			       s);
	}
	ret = JV_INT(m, path, L_PEER_RTCP, 1, 65535, &v, e);
	if (ret < 0)
		return -1;
	if (ret > 0) {
		if (c->rtcp_mux)
			return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "peer_rtcp"),
				       "not with rtcp \"mux\": RTCP goes to the peer's RTP port");
		c->peer_rtcp_port = (uint16_t)v;
	} else if (c->rtcp_mux) {
		c->peer_rtcp_port = c->peer_port;
	} else if (!c->peer_learn) {
		if (c->peer_port == 65535)
			return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "peer_rtcp"),
				       "the default, peer port + 1, is not a UDP port: set peer_rtcp");
		c->peer_rtcp_port = (uint16_t)(c->peer_port + 1);
	}
	return ms_jval_bool(m[L_STRICT], path, "strict_source", &c->strict_source, e) < 0 ? -1 : 0;
}

static int
parse_leg(struct ms_req *r, const cJSON *o, const char *path, struct ms_leg_cfg *c,
	  struct leg_ask *a, bool for_replace)
{
	struct ms_jerr *e = r->err;
	const struct ms_port_cfg *pc;
	const cJSON *m[L_COUNT], *rtcp;
	char fp[MS_JERR_FIELD];
	const char *s = NULL;
	int64_t v;
	int ret, port;

	memset(c, 0, sizeof(*c));
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	if (ms_jarg_index(o, path, leg_members, m, e) < 0)
		return -1;
	if (ms_jarg_need(JV_STR(m, path, L_PORT, 64, &s, e), path, "port",
			 "the dataplane port of the leg", e) < 0)
		return -1;
	port = ms_config_port_index(&r->ctl->cfg, s);
	if (port < 0)
		return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "port"), "there is no port '%s'",
			       s);
	c->port = (uint16_t)port;
	pc = &r->ctl->cfg.ports[port];

	/* rtcp first: the allocation of the local end depends on it */
	rtcp = m[L_RTCP];
	if (rtcp != NULL && cJSON_IsString(rtcp)) {
		if (strcmp(rtcp->valuestring, "mux") != 0)
			return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "rtcp"),
				       "'%s' is not \"mux\" or a UDP port", rtcp->valuestring);
		c->rtcp_mux = true;
	} else if (rtcp != NULL && !cJSON_IsNumber(rtcp)) {
		return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "rtcp"),
			       "must be \"mux\" or a UDP port");
	}

	ret = JV_STR(m, path, L_LOCAL, 64, &s, e);
	if (ret < 0)
		return -1;
	if (ret > 0) {
		char bare[64];
		size_t n = strlen(s);

		if (ms_addr_port_parse(s, &c->local, &c->local_port) == 0) {
			if (c->local_port < pc->media_port_min || c->local_port > pc->media_port_max)
				return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "local"),
					       "UDP port %u is outside media_ports %u-%u of port '%s'",
					       c->local_port, pc->media_port_min, pc->media_port_max,
					       pc->name);
		} else {
			/* an address alone: a port is allocated on it */
			if (n >= 2 && s[0] == '[' && s[n - 1] == ']')
				snprintf(bare, sizeof(bare), "%.*s", (int)(n - 2), s + 1);
			else
				snprintf(bare, sizeof(bare), "%s", s);
			if (ms_addr_parse(bare, &c->local, false) < 0)
				return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "local"),
					       "'%s' is not \"address:port\", \"[v6 address]:port\" or an address",
					       s);
			a->alloc = true;
		}
		if (ms_port_l3_own(&pc->l3, &c->local) == NULL)
			return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "local"),
				       "'%s' is not an address of port '%s'", s, pc->name);
		if (m[L_FAMILY] != NULL)
			return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "family"),
				       "only when local is left out");
		a->family = c->local.family;
	} else {
		a->alloc = !for_replace;
		a->keep_local = for_replace;
		ret = JV_STR(m, path, L_FAMILY, 8, &s, e);
		if (ret < 0)
			return -1;
		if (ret > 0) {
			if (strcmp(s, "ipv4") != 0 && strcmp(s, "ipv6") != 0)
				return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "family"),
					       "'%s' is not \"ipv4\" or \"ipv6\"", s);
			a->family = s[3] == '6' ? AF_INET6 : AF_INET;
		}
	}
	if (rtcp != NULL && cJSON_IsNumber(rtcp)) {
		if (JV_INT(m, path, L_RTCP, pc->media_port_min, pc->media_port_max, &v, e) < 0)
			return -1;
		if (a->alloc || a->keep_local)
			return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "rtcp"),
				       "an RTCP port needs an explicit local port");
		if (v == c->local_port)
			return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "rtcp"),
				       "%" PRId64 " is the RTP port: write \"mux\"", v);
		c->local_rtcp_port = (uint16_t)v;
	} else if (c->rtcp_mux) {
		c->local_rtcp_port = c->local_port;
	} else if (!a->alloc && !a->keep_local) {
		if (c->local_port + 1u > pc->media_port_max)
			return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "rtcp"),
				       "the default RTCP port, local port + 1 = %u, is outside media_ports %u-%u: set rtcp",
				       c->local_port + 1u, pc->media_port_min, pc->media_port_max);
		c->local_rtcp_port = (uint16_t)(c->local_port + 1);
	}
	if (parse_peer(m, path, c, &a->peer_given, e) < 0)
		return -1;
	if (parse_mode(m, path, c, true, e) < 0)
		return -1;
	ret = JV_INT(m, path, L_WINDOW, MS_SRTP_REPLAY_WINDOW_MIN, MS_SRTP_REPLAY_WINDOW_MAX, &v, e);
	if (ret < 0)
		return -1;
	if (ret > 0) {
		if (c->mode == MS_LEG_RTP)
			return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "replay_window"),
				       "an rtp leg has no replay window");
		c->replay_window = (uint16_t)v;
	}
	return 0;
}

/* The profile's device security mode against a leg's mode. */
static int
check_floor(struct ms_req *r, uint8_t mode, const char *path)
{
	const struct ms_profile *p = r->conn->profile;
	char fp[MS_JERR_FIELD];

	if (ms_ctl_mode_allowed(p, mode))
		return 0;
	return ms_jerr(r->err, 403, ms_jpath(fp, sizeof(fp), path, "mode"),
		       "profile '%s' has device security mode %s: a leg of mode %s is refused",
		       p->c.name, ms_secmode_str(p->c.security_mode),
		       ms_leg_mode_str((enum ms_leg_mode)mode));
}

/* After allocation: the peer is of the local end's family. */
static int
check_peer_family(struct ms_req *r, const struct ms_leg_cfg *c, const char *path)
{
	char fp[MS_JERR_FIELD];

	if (c->peer_learn || c->peer.family == c->local.family)
		return 0;
	return ms_jerr(r->err, 400, ms_jpath(fp, sizeof(fp), path, "peer"),
		       "an %s peer for an %s local end", family_name(c->peer.family),
		       family_name(c->local.family));
}

static struct ms_call *
find_session(struct ms_req *r, bool required)
{
	const char *name = NULL;
	struct ms_call *c;

	if (ms_jarg_need(ms_jarg_str(r->args, "", "session", 47, &name, r->err), "", "session",
			 "the session's name", r->err) < 0)
		return NULL;
	c = ms_store_find(r->ctl->store, name);
	if (c == NULL && required)
		ms_jerr(r->err, 404, "session", "no session '%s'", name);
	return c;
}

static int
find_leg(struct ms_req *r, unsigned *leg)
{
	int64_t v;

	if (ms_jarg_need(ms_jarg_int(r->args, "", "leg", 0, 1, &v, r->err), "", "leg",
			 "the leg, 0 or 1", r->err) < 0)
		return -1;
	*leg = (unsigned)v;
	return 0;
}

static void
wipe_scratch(struct ms_ctl *c)
{
	ms_secure_zero(c->scratch, 3 * sizeof(*c->scratch));
	ms_secure_zero(c->scratch_key, sizeof(*c->scratch_key));
}

int
ms_op_session_create(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", "session", "legs", NULL};
	static const char *const leg_paths[] = {"legs[0]", "legs[1]"};
	struct ms_ctl *ctl = r->ctl;
	struct ms_leg_cfg *cfg = ctl->scratch;
	struct leg_ask ask[2];
	const cJSON *legs = NULL;
	const char *name = NULL;
	struct ms_call *call;
	int ret = -1;

	if (ms_jarg_check(r->args, "", known, r->err) < 0 ||
	    ms_jarg_str(r->args, "", "session", 47, &name, r->err) < 0 ||
	    ms_jarg_need(ms_jarg_arr(r->args, "", "legs", &legs, r->err), "", "legs",
			 "the session's two legs", r->err) < 0)
		goto out;
	if (name != NULL && !ms_jname_ok(name, 47)) {
		ms_jerr(r->err, 400, "session", "not 1 to 47 printable characters without blanks");
		goto out;
	}
	if (cJSON_GetArraySize(legs) != 2) {
		ms_jerr(r->err, 400, "legs", "%d legs: a session has exactly 2",
			cJSON_GetArraySize(legs));
		goto out;
	}
	for (unsigned l = 0; l < 2; l++) {
		const char *path = leg_paths[l];

		if (parse_leg(r, cJSON_GetArrayItem(legs, (int)l), path, &cfg[l], &ask[l], false) < 0 ||
		    check_floor(r, cfg[l].mode, path) < 0)
			goto out;
	}
	for (unsigned l = 0; l < 2; l++) {
		const char *path = leg_paths[l];

		if (ask[l].alloc) {
			char fp[MS_JERR_FIELD];

			if (ms_store_alloc_local(ctl->store, &cfg[l], ask[l].family, &cfg[1 - l],
						 ms_jpath(fp, sizeof(fp), path, "local"), r->err) < 0)
				goto out;
		}
		if (check_peer_family(r, &cfg[l], path) < 0)
			goto out;
	}
	if (ms_store_add(ctl->store, name, cfg, MS_CALL_CLIENT, r->conn->profile,
			 r->conn->principal, &call, r->err) < 0)
		goto out;
	ms_call_to_json(ctl->store, r->res, call, MS_CALL_SUMMARY);
	ret = 0;
out:
	wipe_scratch(ctl);
	return ret;
}

/* The key of a rekey: SDES for the direction's suite and MKI length. */
static int
parse_rekey(struct ms_req *r, const cJSON *o, const struct ms_leg *leg, bool *send,
	    struct ms_srtp_key_cfg *k)
{
	static const char *const known[] = {"dir", "key", "from", "rtcp_from", NULL};
	struct ms_jerr *e = r->err;
	const struct ms_srtp_ctx *ctx;
	const char *dir = NULL, *s = NULL, *why = NULL;
	uint8_t mki_len = 0;
	int64_t v;
	int ret;

	if (ms_jarg_check(o, "rekey", known, e) < 0 ||
	    ms_jarg_need(ms_jarg_str(o, "rekey", "dir", 8, &dir, e), "rekey", "dir",
			 "\"recv\" or \"send\"", e) < 0)
		return -1;
	if (strcmp(dir, "recv") != 0 && strcmp(dir, "send") != 0)
		return ms_jerr(e, 400, "rekey.dir", "'%s' is not \"recv\" or \"send\"", dir);
	*send = dir[0] == 's';
	if ((*send ? leg->out : leg->in) == NULL)
		return ms_jerr(e, 400, "rekey", "the leg is plain RTP: switch it with mode and keys");
	ctx = ms_srtp_stream_ctx(*send ? leg->out : leg->in);
	if (ms_jarg_need(ms_jarg_str(o, "rekey", "key", 256, &s, e), "rekey", "key",
			 "the new SDES key", e) < 0)
		return -1;
	if (ms_sdes_parse(s, (enum ms_srtp_suite)ctx->suite, k, &mki_len, &why) < 0)
		return ms_jerr(e, 400, "rekey.key", "%s", why);
	if (mki_len != ctx->view.mki_len)
		return ms_jerr(e, 400, "rekey.key",
			       ctx->view.mki_len ? "the keys of this direction carry a %u-byte MKI: the new one needs one too"
						 : "the keys of this direction carry no MKI (%u): the new one may not either",
			       ctx->view.mki_len);
	ret = ms_jarg_int(o, "rekey", "from", 0, (int64_t)1 << 48, &v, e);
	if (ret < 0)
		return -1;
	k->rtp_from = ret > 0 ? (uint64_t)v : 0;
	ret = ms_jarg_int(o, "rekey", "rtcp_from", 0, INT32_MAX, &v, e);
	if (ret < 0)
		return -1;
	k->rtcp_from = ret > 0 ? (uint32_t)v : 0;
	return 0;
}

static void
changed_json(struct ms_jw *w, const char *const *changed, unsigned n)
{
	ms_jw_key(w, "changed");
	ms_jw_arr(w);
	for (unsigned i = 0; i < n; i++)
		ms_jw_str(w, changed[i]);
	ms_jw_aend(w);
}

/* An update's answer: the session with its keys, and what changed. */
static void
update_result(struct ms_req *r, struct ms_call *call, const char *const *changed, unsigned n)
{
	ms_jw_obj(r->res);
	ms_call_members(r->ctl->store, r->res, call, MS_CALL_KEYS);
	changed_json(r->res, changed, n);
	ms_jw_end(r->res);
}

/* peer, peer_rtcp, strict_source of an update or a redirect: the current leg fills what is left out. */
static int
parse_new_peer(struct ms_req *r, const struct ms_leg *leg, struct ms_leg_cfg *c, bool *given)
{
	struct ms_leg_peer cur;
	const cJSON *m[L_COUNT];
	int ret;

	memset(c, 0, sizeof(*c));
	c->rtcp_mux = (leg->flags & MS_LEG_F_RTCP_MUX) != 0;
	c->strict_source = (leg->flags & MS_LEG_F_STRICT_SOURCE) != 0;
	leg_slots(r->args, m);
	ret = parse_peer(m, "", c, given, r->err);
	if (ret < 0)
		return -1;
	if (!*given && cJSON_GetObjectItemCaseSensitive(r->args, "strict_source") != NULL) {
		/* strict_source alone: the peer stays */
		*given = true;
		if (ms_leg_peer_read(leg, &cur) && cur.known) {
			c->peer_learn = false;
			c->peer = cur.addr;
			c->peer_port = cur.port;
			c->peer_rtcp_port = cur.rtcp_port;
		}
	}
	if (*given && !c->peer_learn && c->peer.family != leg->local.family)
		return ms_jerr(r->err, 400, "peer", "an %s peer for an %s local end",
			       family_name(c->peer.family), family_name(leg->local.family));
	return 0;
}

static int
apply_peer(struct ms_req *r, struct ms_call *call, unsigned l, const struct ms_leg_cfg *c)
{
	return ms_store_set_peer(r->ctl->store, call, l, c->peer_learn ? NULL : &c->peer,
				 c->peer_port, c->rtcp_mux ? c->peer_port : c->peer_rtcp_port,
				 c->peer_learn, c->strict_source, r->err);
}

int
ms_op_session_update(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", "session", "leg", "rekey", "retire",
					    "mode", "suite", "recv_key", "send_key", "recv_roc",
					    "send_roc", "peer", "peer_rtcp", "strict_source", NULL};
	struct ms_ctl *ctl = r->ctl;
	struct ms_leg_cfg *sw = &ctl->scratch[0], *peer = &ctl->scratch[1];
	const cJSON *rekey = NULL, *retire = NULL, *m[L_COUNT];
	const char *changed[4];
	unsigned nch = 0, l;
	bool rk_send = false, rt_send = false, peer_given = false;
	const struct ms_leg *leg;
	struct ms_call *call;
	int switching, ret = -1;

	if (ms_jarg_check(r->args, "", known, r->err) < 0 || (call = find_session(r, true)) == NULL ||
	    find_leg(r, &l) < 0 || ms_jarg_obj(r->args, "", "rekey", &rekey, r->err) < 0 ||
	    ms_jarg_obj(r->args, "", "retire", &retire, r->err) < 0)
		goto out;
	leg = ms_legtab_get(ms_store_legs(ctl->store), call->leg[l].id);
	if (leg == NULL) {
		ms_jerr(r->err, 500, "leg", "the leg is not in the dataplane");
		goto out;
	}
	/* everything is read and checked first: an update applies entirely or not at all */
	leg_slots(r->args, m);
	memset(sw, 0, sizeof(*sw));
	switching = parse_mode(m, "", sw, false, r->err);
	if (switching < 0)
		goto out;
	if (switching == 0 && cJSON_GetObjectItemCaseSensitive(r->args, "suite") != NULL) {
		ms_jerr(r->err, 400, "suite", "a suite goes with mode and both keys");
		goto out;
	}
	if (switching > 0 && (rekey != NULL || retire != NULL)) {
		ms_jerr(r->err, 400, rekey != NULL ? "rekey" : "retire",
			"not with a switch of mode and keys, which replaces both directions' keys");
		goto out;
	}
	if (switching > 0 && check_floor(r, sw->mode, "") < 0)
		goto out;
	if (rekey != NULL && parse_rekey(r, rekey, leg, &rk_send, ctl->scratch_key) < 0)
		goto out;
	if (retire != NULL) {
		static const char *const rknown[] = {"dir", NULL};
		const char *dir = NULL;

		if (ms_jarg_check(retire, "retire", rknown, r->err) < 0 ||
		    ms_jarg_need(ms_jarg_str(retire, "retire", "dir", 8, &dir, r->err), "retire",
				 "dir", "\"recv\" or \"send\"", r->err) < 0)
			goto out;
		if (strcmp(dir, "recv") != 0 && strcmp(dir, "send") != 0) {
			ms_jerr(r->err, 400, "retire.dir", "'%s' is not \"recv\" or \"send\"", dir);
			goto out;
		}
		rt_send = dir[0] == 's';
		if (rekey != NULL && rt_send == rk_send) {
			ms_jerr(r->err, 400, "retire", "a rekey of the same direction drops the older key itself");
			goto out;
		}
		const struct ms_srtp_stream *st = rt_send ? leg->out : leg->in;

		if (st == NULL || ms_srtp_stream_ctx(st)->view.nb_keys < 2) {
			ms_jerr(r->err, 409, "retire", "the %s direction has no older key to drop", dir);
			goto out;
		}
	}
	if (parse_new_peer(r, leg, peer, &peer_given) < 0)
		goto out;
	if (switching == 0 && rekey == NULL && retire == NULL && !peer_given) {
		ms_jerr(r->err, 400, "", "nothing to change: rekey, retire, mode (with keys) or peer");
		goto out;
	}

	if (switching > 0) {
		if (ms_store_set_keys(ctl->store, call, l, (enum ms_leg_mode)sw->mode, &sw->recv,
				      &sw->send, r->err) < 0)
			goto out;
		changed[nch++] = "mode";
	}
	if (rekey != NULL) {
		if (ms_store_rekey(ctl->store, call, l, rk_send, ctl->scratch_key, r->err) < 0)
			goto out;
		changed[nch++] = rk_send ? "rekey.send" : "rekey.recv";
	}
	if (retire != NULL) {
		if (ms_store_retire(ctl->store, call, l, rt_send, r->err) < 0)
			goto out;
		changed[nch++] = rt_send ? "retire.send" : "retire.recv";
	}
	if (peer_given) {
		if (apply_peer(r, call, l, peer) < 0)
			goto out;
		changed[nch++] = "peer";
	}
	for (unsigned i = 0; i < nch; i++)
		ms_store_changed(ctl->store, call, l, changed[i]);
	update_result(r, call, changed, nch);
	ret = 0;
out:
	wipe_scratch(ctl);
	return ret;
}

int
ms_op_session_delete(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", "session", NULL};
	struct ms_call *call;
	struct ms_jw *w = r->res;

	if (ms_jarg_check(r->args, "", known, r->err) < 0 || (call = find_session(r, true)) == NULL)
		return -1;
	ms_jw_obj(w);
	ms_jw_kstr(w, "session", call->name);
	ms_jw_kbool(w, "deleted", true);
	ms_jw_key(w, "legs");
	ms_jw_arr(w);
	for (unsigned l = 0; l < 2; l++) {
		const struct ms_leg *leg = ms_legtab_get(ms_store_legs(r->ctl->store), call->leg[l].id);

		ms_jw_obj(w);
		ms_jw_kuint(w, "leg", l);
		ms_jw_kuint(w, "id", call->leg[l].id);
		if (leg != NULL)
			ms_leg_counters_json(w, leg);
		ms_jw_end(w);
	}
	ms_jw_aend(w);
	ms_jw_end(w);
	ms_store_del(r->ctl->store, call, "request");
	return 0;
}

int
ms_op_session_get(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", "session", NULL};
	struct ms_call *call;

	if (ms_jarg_check(r->args, "", known, r->err) < 0 || (call = find_session(r, true)) == NULL)
		return -1;
	ms_call_to_json(r->ctl->store, r->res, call, MS_CALL_FULL);
	return 0;
}

int
ms_op_session_list(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", "match", "profile", "after", "limit",
					    "counters", NULL};
	const char *match = NULL, *profile = NULL, *after = NULL;
	struct ms_store *s = r->ctl->store;
	struct ms_jw *w = r->res;
	struct ms_call *c, *last = NULL;
	bool counters = false, more = false, bad = false;
	int64_t limit = 100;
	unsigned n = 0;

	if (ms_jarg_check(r->args, "", known, r->err) < 0 ||
	    ms_jarg_str(r->args, "", "match", 47, &match, r->err) < 0 ||
	    ms_jarg_str(r->args, "", "profile", MS_CTL_NAME_MAX, &profile, r->err) < 0 ||
	    ms_jarg_str(r->args, "", "after", 80, &after, r->err) < 0 ||
	    ms_jarg_int(r->args, "", "limit", 1, 1000, &limit, r->err) < 0 ||
	    ms_jarg_bool(r->args, "", "counters", &counters, r->err) < 0)
		return -1;
	c = after != NULL ? ms_store_resume(s, after, &bad) : ms_store_first(s);
	if (bad)
		return ms_jerr(r->err, 400, "after", "not the next of a previous answer");
	ms_jw_obj(w);
	ms_jw_key(w, "sessions");
	ms_jw_arr(w);
	for (; c != NULL; c = ms_store_after(c)) {
		if ((match != NULL && strstr(c->name, match) == NULL) ||
		    (profile != NULL && (c->profile == NULL || strcmp(c->profile->c.name, profile) != 0)))
			continue;
		if (n == (unsigned)limit) {
			more = true;
			break;
		}
		ms_call_to_json(s, w, c, counters ? MS_CALL_FULL : MS_CALL_SUMMARY);
		last = c;
		n++;
	}
	ms_jw_aend(w);
	ms_jw_kuint(w, "total", ms_store_count(s));
	if (more) {
		char cur[80];

		ms_store_cursor(last, cur, sizeof(cur));
		ms_jw_kstr(w, "next", cur);
	}
	ms_jw_end(w);
	return 0;
}

int
ms_op_leg_redirect(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", "session", "leg", "peer", "peer_rtcp",
					    "strict_source", NULL};
	struct ms_leg_cfg *peer = &r->ctl->scratch[1];
	const char *changed[] = {"peer"};
	const struct ms_leg *leg;
	struct ms_call *call;
	bool given = false;
	unsigned l;

	if (ms_jarg_check(r->args, "", known, r->err) < 0 || (call = find_session(r, true)) == NULL ||
	    find_leg(r, &l) < 0)
		return -1;
	if (cJSON_GetObjectItemCaseSensitive(r->args, "peer") == NULL)
		return ms_jarg_need(0, "", "peer", "the new peer, \"address:port\" or \"learn\"", r->err);
	leg = ms_legtab_get(ms_store_legs(r->ctl->store), call->leg[l].id);
	if (leg == NULL)
		return ms_jerr(r->err, 500, "leg", "the leg is not in the dataplane");
	if (parse_new_peer(r, leg, peer, &given) < 0 || apply_peer(r, call, l, peer) < 0)
		return -1;
	ms_store_changed(r->ctl->store, call, l, "peer");
	update_result(r, call, changed, 1);
	return 0;
}

int
ms_op_leg_replace(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", "session", "leg", "with", NULL};
	struct ms_ctl *ctl = r->ctl;
	struct ms_leg_cfg *cfg = &ctl->scratch[2];
	const char *changed[] = {"replaced"};
	const cJSON *with = NULL;
	const struct ms_leg *old;
	struct leg_ask ask;
	struct ms_call *call;
	unsigned l;
	int ret = -1;

	if (ms_jarg_check(r->args, "", known, r->err) < 0 || (call = find_session(r, true)) == NULL ||
	    find_leg(r, &l) < 0 ||
	    ms_jarg_need(ms_jarg_obj(r->args, "", "with", &with, r->err), "", "with",
			 "the new leg", r->err) < 0)
		goto out;
	if (parse_leg(r, with, "with", cfg, &ask, true) < 0 || check_floor(r, cfg->mode, "with") < 0)
		goto out;
	old = ms_legtab_get(ms_store_legs(ctl->store), call->leg[l].id);
	if (old == NULL) {
		ms_jerr(r->err, 500, "leg", "the leg is not in the dataplane");
		goto out;
	}
	if (ask.keep_local) {
		if (cfg->port != old->port) {
			ms_jerr(r->err, 400, "with.local",
				"the new leg is on another port: give its local end (or an address)");
			goto out;
		}
		if (cfg->rtcp_mux != ((old->flags & MS_LEG_F_RTCP_MUX) != 0)) {
			ms_jerr(r->err, 400, "with.rtcp",
				"keeping the old local end keeps its RTCP arrangement too");
			goto out;
		}
		cfg->local = old->local;
		cfg->local_port = old->local_port;
		cfg->local_rtcp_port = old->local_rtcp_port;
	} else if (ask.alloc &&
		   ms_store_alloc_local(ctl->store, cfg, ask.family, NULL, "with.local", r->err) < 0) {
		goto out;
	}
	if (check_peer_family(r, cfg, "with") < 0 ||
	    ms_store_replace(ctl->store, call, l, cfg, r->err) < 0)
		goto out;
	ms_store_changed(ctl->store, call, l, "replaced");
	update_result(r, call, changed, 1);
	ret = 0;
out:
	wipe_scratch(ctl);
	return ret;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The other operations of the control protocol: events, notifications,
 * captures, security profiles and statistics.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_malloc.h>

#include "capture_file.h"
#include "ctl_int.h"
#include "ms_log.h"
#include "secmem.h"

int
ms_op_ping(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", NULL};
	char when[40];

	if (ms_jarg_check(r->args, "", known, r->err) < 0)
		return -1;
	ms_ctl_time(when, sizeof(when));
	ms_jw_obj(r->res);
	ms_jw_kbool(r->res, "pong", true);
	ms_jw_kstr(r->res, "time", when);
	ms_jw_end(r->res);
	return 0;
}

/* ------------------------------------------------------------ events */

static bool
event_pattern_ok(const char *p)
{
	static const char *const groups[] = {"session", "leg", "peer", "key", "capture", "events"};
	static const char *const names[] = {
		"session.created", "session.updated", "session.deleted", "session.security_changed",
		"leg.replaced", "leg.auth_failures", "peer.learned", "key.soft_limit",
		"key.hard_limit", "capture.stopped", "notification", "events.dropped",
	};
	size_t n = strlen(p);

	if (strcmp(p, "*") == 0)
		return true;
	if (n > 2 && strcmp(p + n - 2, ".*") == 0) {
		for (unsigned i = 0; i < RTE_DIM(groups); i++)
			if (strlen(groups[i]) == n - 2 && strncmp(groups[i], p, n - 2) == 0)
				return true;
		return false;
	}
	for (unsigned i = 0; i < RTE_DIM(names); i++)
		if (strcmp(names[i], p) == 0)
			return true;
	return false;
}

int
ms_op_events_subscribe(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", "events", NULL};
	struct ms_conn *k = r->conn;
	const cJSON *list = NULL;
	char pats[MS_CTL_MAX_PATTERNS][48];
	unsigned n = 0, i = 0;

	if (ms_jarg_check(r->args, "", known, r->err) < 0 ||
	    ms_jarg_arr(r->args, "", "events", &list, r->err) < 0)
		return -1;
	if (list == NULL) {
		snprintf(pats[n++], sizeof(pats[0]), "*");
	} else {
		for (const cJSON *x = list->child; x != NULL; x = x->next, i++) {
			char fp[MS_JERR_FIELD];

			ms_jpath_elem(fp, sizeof(fp), "events", i);
			if (!cJSON_IsString(x) || strlen(x->valuestring) >= sizeof(pats[0]) ||
			    !event_pattern_ok(x->valuestring))
				return ms_jerr(r->err, 400, fp,
					       "not an event name, \"group.*\" or \"*\" (docs/control-protocol.md, Events)");
			if (n == MS_CTL_MAX_PATTERNS)
				return ms_jerr(r->err, 400, fp, "more than %d patterns", MS_CTL_MAX_PATTERNS);
			snprintf(pats[n++], sizeof(pats[0]), "%s", x->valuestring);
		}
		if (n == 0)
			return ms_jerr(r->err, 400, "events", "no pattern: leave it out for every event");
	}
	memcpy(k->patterns, pats, sizeof(pats));
	k->nb_patterns = n;
	k->subscribed = true;
	ms_jw_obj(r->res);
	ms_jw_kbool(r->res, "subscribed", true);
	ms_jw_key(r->res, "events");
	ms_jw_arr(r->res);
	for (i = 0; i < n; i++)
		ms_jw_str(r->res, pats[i]);
	ms_jw_aend(r->res);
	ms_jw_end(r->res);
	return 0;
}

int
ms_op_events_unsubscribe(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", NULL};

	if (ms_jarg_check(r->args, "", known, r->err) < 0)
		return -1;
	r->conn->subscribed = false;
	r->conn->nb_patterns = 0;
	ms_jw_obj(r->res);
	ms_jw_kbool(r->res, "subscribed", false);
	ms_jw_end(r->res);
	return 0;
}

int
ms_op_notify(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", "topic", "data", NULL};
	const char *topic = NULL;
	const cJSON *data;
	struct ms_jw *w = &r->ctl->extra;
	char *text = NULL;
	int ret = -1;

	if (ms_jarg_check(r->args, "", known, r->err) < 0 ||
	    ms_jarg_need(ms_jarg_str(r->args, "", "topic", 128, &topic, r->err), "", "topic",
			 "what the notification is about", r->err) < 0)
		return -1;
	data = cJSON_GetObjectItemCaseSensitive(r->args, "data");
	if (data != NULL) {
		text = cJSON_PrintUnformatted(data);
		if (text == NULL)
			return ms_jerr(r->err, 507, "data", "out of memory");
		if (strlen(text) > 4096) {
			ms_jerr(r->err, 400, "data", "longer than 4096 bytes serialised");
			goto out;
		}
	}
	ms_jw_reset(w);
	ms_jw_obj(w);
	ms_jw_kstr(w, "topic", topic);
	ms_jw_kstr(w, "from", r->conn->principal);
	ms_jw_key(w, "data");
	if (text != NULL)
		ms_jw_raw(w, text, strlen(text));
	else
		ms_jw_null(w);
	ms_jw_end(w);
	ms_ctl_event(r->ctl, "notification", w->buf, w->len);
	ms_jw_reset(w);
	ms_jw_obj(r->res);
	ms_jw_kbool(r->res, "sent", true);
	ms_jw_end(r->res);
	ret = 0;
out:
	if (text != NULL)
		cJSON_free(text);
	return ret;
}

/* ------------------------------------------------------------ captures */

static int
capture_dir(struct ms_ctl *c, struct ms_jerr *e)
{
	const char *dir = c->cfg.control.capture_dir;

	if (c->capture_dirfd >= 0)
		return c->capture_dirfd;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return ms_jerr(e, 500, "", "capture directory %s: %s", dir, strerror(errno));
	c->capture_dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (c->capture_dirfd < 0)
		return ms_jerr(e, 500, "", "capture directory %s: %s", dir, strerror(errno));
	return c->capture_dirfd;
}

static struct ms_call *
capture_target(struct ms_req *r, unsigned *leg)
{
	const char *name = NULL;
	struct ms_call *call;
	int64_t v;

	if (ms_jarg_need(ms_jarg_str(r->args, "", "session", 47, &name, r->err), "", "session",
			 "the session's name", r->err) < 0 ||
	    ms_jarg_need(ms_jarg_int(r->args, "", "leg", 0, 1, &v, r->err), "", "leg",
			 "the leg, 0 or 1", r->err) < 0)
		return NULL;
	call = ms_store_find(r->ctl->store, name);
	if (call == NULL)
		ms_jerr(r->err, 404, "session", "no session '%s'", name);
	*leg = (unsigned)v;
	return call;
}

static void
capture_info_json(struct ms_jw *w, const struct ms_ctl_capture_info *ci)
{
	ms_jw_kuint(w, "packets", ci->packets);
	ms_jw_kuint(w, "bytes", ci->bytes);
	ms_jw_kuint(w, "captured_rx", ci->captured_rx);
	ms_jw_kuint(w, "captured_tx", ci->captured_tx);
	ms_jw_kuint(w, "dropped", ci->dropped_rx + ci->dropped_tx);
	ms_jw_kdouble(w, "seconds", ci->seconds);
	ms_jw_kstr(w, "state", ms_ctl_capture_end_str(ci->end));
}

int
ms_op_capture_start(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", "session", "leg", "file", "max_packets",
					    "max_bytes", "max_seconds", NULL};
	struct ms_ctl_capture_limits lim = {0};
	struct ms_ctl_capture *cap;
	const char *file = NULL;
	struct ms_call *call;
	char why[256];
	unsigned l;
	int64_t v;
	int dirfd, ret;

	if (ms_jarg_check(r->args, "", known, r->err) < 0 || (call = capture_target(r, &l)) == NULL ||
	    ms_jarg_need(ms_jarg_str(r->args, "", "file", MS_CTL_CAPTURE_NAME_MAX, &file, r->err),
			 "", "file", "a file name in control.capture_dir, ending in .pcap", r->err) < 0)
		return -1;
	if ((ret = ms_jarg_int(r->args, "", "max_packets", 1, INT64_MAX >> 11, &v, r->err)) < 0)
		return -1;
	lim.max_packets = ret > 0 ? (uint64_t)v : 0;
	if ((ret = ms_jarg_int(r->args, "", "max_bytes", 1, INT64_MAX >> 11, &v, r->err)) < 0)
		return -1;
	lim.max_bytes = ret > 0 ? (uint64_t)v : 0;
	if ((ret = ms_jarg_int(r->args, "", "max_seconds", 1, 86400 * 7, &v, r->err)) < 0)
		return -1;
	lim.max_seconds = ret > 0 ? (uint32_t)v : 0;
	if (call->leg[l].capture != NULL)
		return ms_jerr(r->err, 409, "leg", "leg %u of '%s' is being captured already", l,
			       call->name);
	dirfd = capture_dir(r->ctl, r->err);
	if (dirfd < 0)
		return -1;
	ret = ms_ctl_capture_start(ms_store_legs(r->ctl->store), call->leg[l].id, dirfd, file, &lim,
				   &cap, why, sizeof(why));
	if (ret < 0)
		return ms_jerr(r->err, ret == -EEXIST || ret == -EBUSY ? 409 : ret == -ENOENT ? 404 :
				       ret == -EINVAL ? 400 : 500, ret == -EINVAL || ret == -EEXIST ? "file" : "",
			       "%s", why);
	if (ms_store_capture_attach(r->ctl->store, call, l, cap) < 0) {
		ms_ctl_capture_stop(cap, NULL);
		unlinkat(dirfd, file, 0);
		return ms_jerr(r->err, 429, "", "%d captures run already", MS_STORE_MAX_CAPTURES);
	}
	MS_LOG(NOTICE, ctl, "capture of session %s leg %u into %s/%s started by %s", call->name, l,
	       r->ctl->cfg.control.capture_dir, file, r->conn->principal);
	ms_jw_obj(r->res);
	ms_jw_kstr(r->res, "session", call->name);
	ms_jw_kuint(r->res, "leg", l);
	ms_jw_kstr(r->res, "file", file);
	ms_jw_kstr(r->res, "directory", r->ctl->cfg.control.capture_dir);
	ms_jw_end(r->res);
	return 0;
}

int
ms_op_capture_stop(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", "session", "leg", NULL};
	struct ms_ctl_capture_info ci;
	struct ms_call *call;
	unsigned l;

	if (ms_jarg_check(r->args, "", known, r->err) < 0 || (call = capture_target(r, &l)) == NULL)
		return -1;
	if (call->leg[l].capture == NULL)
		return ms_jerr(r->err, 404, "leg", "leg %u of '%s' is not being captured", l, call->name);
	ms_store_capture_stop(r->ctl->store, call, l, "stopped", &ci);
	ms_jw_obj(r->res);
	ms_jw_kstr(r->res, "session", call->name);
	ms_jw_kuint(r->res, "leg", l);
	capture_info_json(r->res, &ci);
	ms_jw_end(r->res);
	return 0;
}

int
ms_op_capture_list(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", NULL};
	struct ms_call *calls[MS_STORE_MAX_CAPTURES];
	unsigned legs[MS_STORE_MAX_CAPTURES], n;

	if (ms_jarg_check(r->args, "", known, r->err) < 0)
		return -1;
	n = ms_store_captures(r->ctl->store, calls, legs, MS_STORE_MAX_CAPTURES);
	ms_jw_obj(r->res);
	ms_jw_key(r->res, "captures");
	ms_jw_arr(r->res);
	for (unsigned i = 0; i < n; i++) {
		struct ms_ctl_capture_info ci;

		ms_ctl_capture_info(calls[i]->leg[legs[i]].capture, &ci);
		ms_jw_obj(r->res);
		ms_jw_kstr(r->res, "session", calls[i]->name);
		ms_jw_kuint(r->res, "leg", legs[i]);
		capture_info_json(r->res, &ci);
		ms_jw_end(r->res);
	}
	ms_jw_aend(r->res);
	ms_jw_end(r->res);
	return 0;
}

/* ------------------------------------------------------------ profiles */

static struct ms_profile *
profile_named(struct ms_req *r, const char *member, bool required)
{
	const char *name = NULL;
	struct ms_profile *p;

	if (ms_jarg_need(ms_jarg_str(r->args, "", member, MS_CTL_NAME_MAX, &name, r->err), "",
			 member, "a profile's name", r->err) < 0)
		return NULL;
	p = ms_profiles_find(&r->ctl->profiles, name);
	if (p == NULL && required)
		ms_jerr(r->err, 404, member, "no profile '%s'", name);
	return p;
}

/* The rules between profiles, and a listener for a tls one. */
static int
check_profile_set(struct ms_req *r, const struct ms_profile_cfg *pc, const struct ms_profile *self)
{
	const struct ms_profile_cfg **others = calloc(MS_CTL_MAX_PROFILES, sizeof(*others));
	struct ms_ctl *c = r->ctl;
	unsigned n;
	bool served = pc->transport != MS_TRANSPORT_TLS;
	int ret;

	if (others == NULL)
		return ms_jerr(r->err, 507, "", "out of memory");
	n = ms_profiles_cfgs(&c->profiles, self, others);
	ret = ms_profile_check_unique(pc, others, n, r->err);
	free(others);
	if (ret < 0) {
		char f[MS_JERR_FIELD];

		snprintf(f, sizeof(f), "%s", r->err->field);
		snprintf(r->err->field, sizeof(r->err->field), "profile.%.100s", f);
		return -1;
	}
	for (unsigned i = 0; i < c->nb_listeners && !served; i++)
		served = c->listeners[i].cfg.transport == MS_TRANSPORT_TLS &&
			 c->listeners[i].cfg.port == pc->incoming_port;
	if (!served)
		return ms_jerr(r->err, 409, "profile.incoming_port",
			       "no TLS listener on port %u: no client could reach the profile",
			       pc->incoming_port);
	return 0;
}

static void
profile_result(struct ms_req *r, const struct ms_profile *p)
{
	ms_profile_to_json(r->res, p);
}

int
ms_op_profile_list(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", "search", "in", NULL};
	const char *search = NULL, *in = "any";
	struct ms_profiles *ps = &r->ctl->profiles;

	if (ms_jarg_check(r->args, "", known, r->err) < 0 ||
	    ms_jarg_str(r->args, "", "search", 255, &search, r->err) < 0 ||
	    ms_jarg_str(r->args, "", "in", 16, &in, r->err) < 0)
		return -1;
	if (strcmp(in, "any") != 0 && strcmp(in, "name") != 0 && strcmp(in, "description") != 0)
		return ms_jerr(r->err, 400, "in", "'%s' is not \"name\", \"description\" or \"any\"",
			       in);
	ms_jw_obj(r->res);
	ms_jw_key(r->res, "profiles");
	ms_jw_arr(r->res);
	for (unsigned i = 0; i < ps->n; i++) {
		const struct ms_profile *p = ps->p[i];
		bool hit = search == NULL || search[0] == '\0' ||
			   (in[0] != 'd' && strstr(p->c.name, search) != NULL) ||
			   (in[0] != 'n' && strstr(p->c.description, search) != NULL);

		if (hit)
			profile_result(r, p);
	}
	ms_jw_aend(r->res);
	ms_jw_end(r->res);
	return 0;
}

int
ms_op_profile_get(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", "name", NULL};
	struct ms_profile *p;

	if (ms_jarg_check(r->args, "", known, r->err) < 0 ||
	    (p = profile_named(r, "name", true)) == NULL)
		return -1;
	ms_jw_obj(r->res);
	ms_jw_key(r->res, "profile");
	profile_result(r, p);
	ms_ctl_profile_users(r->ctl, p, r->res);
	ms_jw_end(r->res);
	return 0;
}

static int
profile_insert(struct ms_req *r, const struct ms_profile_cfg *pc)
{
	struct ms_profile *p;

	if (ms_profiles_find(&r->ctl->profiles, pc->name) != NULL)
		return ms_jerr(r->err, 409, "profile.name", "a profile named '%s' exists already",
			       pc->name);
	if (check_profile_set(r, pc, NULL) < 0)
		return -1;
	p = ms_profiles_add(&r->ctl->profiles, pc, false);
	if (p == NULL)
		return ms_jerr(r->err, 507, "", "no room for another profile (%d)",
			       MS_CTL_MAX_PROFILES);
	MS_LOG(NOTICE, ctl, "profile %s added by %s", pc->name, r->conn->principal);
	profile_result(r, p);
	return 0;
}

int
ms_op_profile_add(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", "profile", NULL};
	const cJSON *obj = NULL;
	struct ms_profile_cfg pc;

	ms_profile_defaults(&pc);
	if (ms_jarg_check(r->args, "", known, r->err) < 0 ||
	    ms_jarg_need(ms_jarg_obj(r->args, "", "profile", &obj, r->err), "", "profile",
			 "the profile's fields", r->err) < 0)
		return -1;
	if (cJSON_GetObjectItemCaseSensitive(obj, "name") == NULL)
		return ms_jarg_need(0, "profile", "name", "the profile's name", r->err);
	if (cJSON_GetObjectItemCaseSensitive(obj, "transport") == NULL)
		return ms_jarg_need(0, "profile", "transport", "\"unix\" or \"tls\"", r->err);
	if (ms_profile_from_json(obj, "profile", true, &pc, r->err) < 0)
		return -1;
	return profile_insert(r, &pc);
}

int
ms_op_profile_copy(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", "from", "name", "profile", NULL};
	const cJSON *obj = NULL;
	struct ms_profile *from;
	struct ms_profile_cfg pc;
	const char *name = NULL;

	if (ms_jarg_check(r->args, "", known, r->err) < 0 ||
	    (from = profile_named(r, "from", true)) == NULL ||
	    ms_jarg_need(ms_jarg_str(r->args, "", "name", MS_CTL_NAME_MAX, &name, r->err), "", "name",
			 "the copy's name", r->err) < 0 ||
	    ms_jarg_obj(r->args, "", "profile", &obj, r->err) < 0)
		return -1;
	pc = from->c;
	snprintf(pc.name, sizeof(pc.name), "%s", name);
	if (obj != NULL) {
		if (ms_profile_from_json(obj, "profile", false, &pc, r->err) < 0)
			return -1;
	} else {
		struct ms_jerr e2;

		if (ms_profile_check(&pc, &e2) < 0)
			return ms_jerr(r->err, 400, "name", "%s", e2.msg);
	}
	return profile_insert(r, &pc);
}

int
ms_op_profile_update(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", "name", "profile", NULL};
	const cJSON *obj = NULL;
	struct ms_profile *p;
	struct ms_profile_cfg pc;

	if (ms_jarg_check(r->args, "", known, r->err) < 0 ||
	    (p = profile_named(r, "name", true)) == NULL ||
	    ms_jarg_need(ms_jarg_obj(r->args, "", "profile", &obj, r->err), "", "profile",
			 "the fields to change", r->err) < 0)
		return -1;
	pc = p->c;
	if (ms_profile_from_json(obj, "profile", false, &pc, r->err) < 0)
		return -1;
	if (pc.transport != p->c.transport) {
		ms_jw_reset(r->err_extra);
		if (ms_ctl_profile_users(r->ctl, p, r->err_extra) || p->sessions > 0 || p->conns > 0)
			return ms_jerr(r->err, 409, "profile.transport",
				       "profile '%s' is in use: its transport cannot change", p->c.name);
		ms_jw_reset(r->err_extra);
	}
	if (check_profile_set(r, &pc, p) < 0)
		return -1;
	p->c = pc;
	MS_LOG(NOTICE, ctl, "profile %s updated by %s", pc.name, r->conn->principal);
	profile_result(r, p);
	return 0;
}

int
ms_op_profile_delete(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", "name", NULL};
	struct ms_profile *p;
	char name[MS_CTL_NAME_MAX + 1];

	if (ms_jarg_check(r->args, "", known, r->err) < 0 ||
	    (p = profile_named(r, "name", true)) == NULL)
		return -1;
	ms_jw_reset(r->err_extra);
	if (ms_ctl_profile_users(r->ctl, p, r->err_extra))
		return ms_jerr(r->err, 409, "name",
			       "profile '%s' is in use: see used_by (the dependency records)", p->c.name);
	ms_jw_reset(r->err_extra);
	snprintf(name, sizeof(name), "%s", p->c.name);
	ms_profiles_remove(&r->ctl->profiles, p);
	MS_LOG(NOTICE, ctl, "profile %s deleted by %s", name, r->conn->principal);
	ms_jw_obj(r->res);
	ms_jw_kstr(r->res, "deleted", name);
	ms_jw_end(r->res);
	return 0;
}

/* ------------------------------------------------------------ stats */

static void
worker_json(struct ms_jw *w, const struct ms_worker_stats *st)
{
	ms_jw_kuint(w, "rx_packets", st->rx_pkts);
	ms_jw_kuint(w, "rx_bytes", st->rx_bytes);
	ms_jw_kuint(w, "tx_packets", st->tx_pkts);
	ms_jw_kuint(w, "tx_bytes", st->tx_bytes);
	ms_jw_kuint(w, "unprotected", st->xform.unprotected);
	ms_jw_kuint(w, "protected", st->xform.protected);
	ms_jw_kuint(w, "passed_plain", st->xform.passed_plain);
	ms_jw_key(w, "drops");
	ms_jw_obj(w);
	for (unsigned d = 0; d < MS_WORKER_DROP_COUNT; d++)
		ms_jw_kuint(w, ms_worker_drop_str((enum ms_worker_drop)d), st->drops[d]);
	for (unsigned d = 0; d < MS_LEG_DROP_COUNT; d++)
		ms_jw_kuint(w, ms_leg_drop_str((enum ms_leg_drop)d), st->leg_drops[d]);
	for (unsigned res = 1; res < MS_SRTP_RESULT_COUNT; res++) {
		char name[40];

		snprintf(name, sizeof(name), "in_%s", ms_srtp_result_str((enum ms_srtp_result)res));
		ms_jw_kuint(w, name, st->xform.in_drops[res]);
		snprintf(name, sizeof(name), "out_%s", ms_srtp_result_str((enum ms_srtp_result)res));
		ms_jw_kuint(w, name, st->xform.out_drops[res]);
	}
	ms_jw_end(w);
}

/*
 * Memory by where it lives: DPDK's heap (legs, lookup table, streams, mbufs),
 * key memory (contexts), the C heap (the control plane's records). What one
 * leg costs is the difference between two readings.
 */
static void
memory_json(struct ms_jw *w)
{
	struct rte_malloc_socket_stats ms;
	struct ms_secmem_stats sm;
	struct mallinfo2 mi = mallinfo2();
	uint64_t dpdk = 0;

	for (int sock = 0; sock < RTE_MAX_NUMA_NODES; sock++)
		if (rte_malloc_get_socket_stats(sock, &ms) == 0)
			dpdk += ms.heap_allocsz_bytes;
	ms_secmem_get_stats(&sm);
	ms_jw_key(w, "memory");
	ms_jw_obj(w);
	ms_jw_kuint(w, "dpdk_heap_bytes", dpdk);
	ms_jw_kuint(w, "key_memory_bytes", sm.bytes_in_use);
	ms_jw_kuint(w, "control_heap_bytes", mi.uordblks + mi.hblkhd);
	ms_jw_kuint(w, "total_bytes", dpdk + sm.bytes_in_use + mi.uordblks + mi.hblkhd);
	ms_jw_end(w);
}

int
ms_op_stats(struct ms_req *r)
{
	static const char *const known[] = {"id", "op", NULL};
	static const char *const err_names[] = {"400", "401", "403", "404", "409", "other"};
	struct ms_ctl *c = r->ctl;
	struct ms_jw *w = r->res;
	struct ms_worker_stats st;
	struct ms_secmem_stats sm;
	uint32_t by_origin[2], by_sec[3];

	if (ms_jarg_check(r->args, "", known, r->err) < 0)
		return -1;
	ms_jw_obj(w);
	ms_jw_key(w, "dataplane");
	ms_jw_obj(w);
	ms_dataplane_total_stats(c->dp, &st);
	worker_json(w, &st);
	ms_jw_key(w, "workers");
	ms_jw_arr(w);
	for (unsigned i = 0; i < ms_dataplane_nb_workers(c->dp); i++) {
		ms_dataplane_worker_stats(c->dp, i, &st);
		ms_jw_obj(w);
		ms_jw_kuint(w, "worker", i);
		worker_json(w, &st);
		ms_jw_end(w);
	}
	ms_jw_aend(w);
	ms_jw_end(w);

	ms_store_counts(c->store, by_origin, by_sec);
	ms_jw_key(w, "sessions");
	ms_jw_obj(w);
	ms_jw_kuint(w, "total", ms_store_count(c->store));
	ms_jw_kuint(w, "from_clients", by_origin[MS_CALL_CLIENT]);
	ms_jw_kuint(w, "from_config", by_origin[MS_CALL_CONFIG]);
	ms_jw_kuint(w, "non-secure", by_sec[MS_LEG_RTP]);
	ms_jw_kuint(w, "authenticated", by_sec[MS_LEG_AUTHENTICATED]);
	ms_jw_kuint(w, "encrypted", by_sec[MS_LEG_ENCRYPTED]);
	ms_jw_kuint(w, "legs", ms_legtab_count(c->legs));
	ms_jw_kuint(w, "leg_capacity", ms_legtab_capacity(c->legs));
	ms_jw_end(w);

	ms_jw_key(w, "control");
	ms_jw_obj(w);
	ms_jw_kuint(w, "connections", c->nb_conns);
	ms_jw_kuint(w, "connections_total", c->st.connections);
	ms_jw_kuint(w, "refused", c->st.refused);
	ms_jw_kuint(w, "requests", c->st.requests);
	ms_jw_kuint(w, "duplicates", c->st.duplicates);
	ms_jw_kuint(w, "digest_failures", c->st.auth_failures);
	ms_jw_kuint(w, "events_sent", c->st.events_sent);
	ms_jw_kuint(w, "events_dropped", c->st.events_dropped);
	ms_jw_kuint(w, "request_ids_remembered", ms_reqcache_count(c->reqs));
	ms_jw_kuint(w, "profiles", c->profiles.n);
	ms_jw_kuint(w, "clients", c->nb_clients);
	ms_jw_key(w, "errors");
	ms_jw_obj(w);
	for (unsigned i = 0; i < RTE_DIM(err_names); i++)
		ms_jw_kuint(w, err_names[i], c->st.errors[i]);
	ms_jw_end(w);
	ms_jw_end(w);

	memory_json(w);
	ms_secmem_get_stats(&sm);
	ms_jw_key(w, "key_memory");
	ms_jw_obj(w);
	ms_jw_kuint(w, "bytes_mapped", sm.bytes_mapped);
	ms_jw_kuint(w, "bytes_in_use", sm.bytes_in_use);
	ms_jw_kuint(w, "blocks_in_use", sm.blocks_in_use);
	ms_jw_kuint(w, "chunks_unlocked", sm.chunks_unlocked);
	ms_jw_end(w);
	ms_jw_end(w);
	return 0;
}

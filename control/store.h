/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_STORE_H
#define MS_STORE_H

/*
 * The sessions as control knows them: every session installed in the
 * dataplane, from the configuration file or from a control client, by name,
 * with the profile it was created under, who created it, its security level
 * and what the watch has reported about it. Every change to a session goes
 * through here, so that the dataplane's leg table and this record never
 * disagree and every change is told to event subscribers.
 *
 * Master keys pass through (into the dataplane's contexts) and are never
 * kept here: a rekey builds on the current context (ms_leg_rekey_keep).
 */

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "jarg.h"
#include "jw.h"
#include "leg.h"
#include "profile.h"

struct ms_ctl_capture;
struct ms_ctl_capture_info;

#define MS_STORE_MAX_CAPTURES 64

enum ms_call_origin { MS_CALL_CLIENT, MS_CALL_CONFIG };

struct ms_call_leg {
	uint32_t id;              /* the leg's id in the dataplane */
	bool learn_pending;       /* learning its peer; peer.learned not sent yet */
	uint32_t soft_reported[2]; /* [recv, send]: key id key.soft_limit was sent for */
	uint32_t hard_reported[2];
	uint64_t auth_fail_seen;  /* rx auth failures at the last watch */
	uint64_t watched_ms;      /* when the watch last looked */
	struct ms_ctl_capture *capture;
};

struct ms_call {
	struct ms_call *hnext; /* name hash chain */
	struct ms_call *prev, *next; /* every session, oldest first */
	uint64_t seq;          /* order of creation */
	char name[48];
	uint8_t origin;        /* enum ms_call_origin */
	uint8_t security;      /* enum ms_leg_mode of the weakest leg */
	struct ms_profile *profile; /* NULL for the configuration's sessions */
	const char *principal; /* who created it (interned) */
	uint64_t created_ms;   /* wall clock */
	struct ms_call_leg leg[2];
};

/* Receives each event: its name and its data object (already closed). */
typedef void (*ms_event_fn)(void *arg, const char *event, const char *data, size_t len);

struct ms_store;

int ms_store_create(struct ms_legtab *t, const struct ms_config *cfg, struct ms_store **out);
/* Forgets every session (the dataplane's legs are removed by ms_legtab_free). */
void ms_store_free(struct ms_store *s);
void ms_store_set_event_fn(struct ms_store *s, ms_event_fn fn, void *arg);
struct ms_legtab *ms_store_legs(const struct ms_store *s);

struct ms_call *ms_store_find(const struct ms_store *s, const char *name);
struct ms_call *ms_store_by_leg(const struct ms_store *s, uint32_t leg_id);
uint32_t ms_store_count(const struct ms_store *s);
/* Sessions oldest first: the first one, and the one after c. */
struct ms_call *ms_store_first(const struct ms_store *s);
static inline struct ms_call *
ms_store_after(const struct ms_call *c)
{
	return c->next;
}
/*
 * A position in that order as text ("seq.name"), and the session after it:
 * the list of a client goes on where it stopped, whatever was deleted
 * meanwhile. NULL at the end; -1 in *bad for a cursor that is not one.
 */
void ms_store_cursor(const struct ms_call *c, char *buf, size_t len);
struct ms_call *ms_store_resume(const struct ms_store *s, const char *cursor, bool *bad);
/* Counts by origin and by security level. */
void ms_store_counts(const struct ms_store *s, uint32_t by_origin[2], uint32_t by_security[3]);

/* Interns a principal name: the pointer stays valid for the store's life. */
const char *ms_store_principal(struct ms_store *s, const char *name);

/*
 * Allocates a free local port for a leg whose cfg has local_port 0 (and,
 * without rtcp-mux, the next one for RTCP), on cfg->local (set) or else the
 * port's first address of family. other: the session's other leg, whose
 * ports are not installed yet. -1 (507) when the range is full.
 */
int ms_store_alloc_local(struct ms_store *s, struct ms_leg_cfg *cfg, uint8_t family,
			 const struct ms_leg_cfg *other, const char *field, struct ms_jerr *e);

/*
 * Installs a session (name NULL: "s-<n>"), entirely or not at all. The legs'
 * `session` fields are set here.
 */
int ms_store_add(struct ms_store *s, const char *name, struct ms_leg_cfg cfg[2], uint8_t origin,
		 struct ms_profile *profile, const char *principal, struct ms_call **out,
		 struct ms_jerr *e);
/* Removes a session (captures stopped, keys wiped after the grace period). reason: for the event. */
void ms_store_del(struct ms_store *s, struct ms_call *c, const char *reason);

/* A leg switched to another mode, suite or keys (both directions; new streams). */
int ms_store_set_keys(struct ms_store *s, struct ms_call *c, unsigned leg, enum ms_leg_mode mode,
		      const struct ms_leg_keys *recv, const struct ms_leg_keys *send,
		      struct ms_jerr *e);
/* A new peer, or learn again (addr NULL). */
int ms_store_set_peer(struct ms_store *s, struct ms_call *c, unsigned leg,
		      const struct ms_addr *addr, uint16_t port, uint16_t rtcp_port, bool learn,
		      bool strict_source, struct ms_jerr *e);
/* Make-before-break: the newest key of a direction, then add (see ms_leg_rekey_keep). */
int ms_store_rekey(struct ms_store *s, struct ms_call *c, unsigned leg, bool send,
		   const struct ms_srtp_key_cfg *add, struct ms_jerr *e);
/* Drops the older of a direction's two keys. */
int ms_store_retire(struct ms_store *s, struct ms_call *c, unsigned leg, bool send,
		    struct ms_jerr *e);
/* Replaces a leg by a new one built from cfg (captures of the old leg stop). */
int ms_store_replace(struct ms_store *s, struct ms_call *c, unsigned leg, struct ms_leg_cfg *cfg,
		     struct ms_jerr *e);
/* After a change: sends session.security_changed when the level moved. */
void ms_store_changed(struct ms_store *s, struct ms_call *c, unsigned leg, const char *what);

/*
 * Looks at up to budget sessions (and every leg still learning) for what
 * the events report: peers learned, keys past their soft or hard limit,
 * bursts of authentication failures (at least burst since the last look).
 */
void ms_store_watch(struct ms_store *s, uint32_t budget, uint32_t burst);

/* A capture started on a leg; -ENOSPC when MS_STORE_MAX_CAPTURES run already. */
int ms_store_capture_attach(struct ms_store *s, struct ms_call *c, unsigned l,
			    struct ms_ctl_capture *cap);
/* Stops a leg's capture (if any): the file is complete; capture.stopped is sent. */
void ms_store_capture_stop(struct ms_store *s, struct ms_call *c, unsigned l, const char *reason,
			   struct ms_ctl_capture_info *info);
/* Drains every running capture into its file; stops those that reached a limit. */
void ms_store_poll_captures(struct ms_store *s);
/* The running captures: session and leg of each, up to max. */
unsigned ms_store_captures(const struct ms_store *s, struct ms_call **calls, unsigned *legs,
			   unsigned max);

/* "non-secure", "authenticated", "encrypted" */
const char *ms_security_str(uint8_t level);

/* How much of a session an answer describes. */
enum ms_call_detail {
	MS_CALL_SUMMARY, /* legs: ends, peer, mode, suite */
	MS_CALL_KEYS,    /* and each direction's keys (id, MKI, from, usage) */
	MS_CALL_FULL,    /* and counters, capture, when and by whom it was created */
};

/* The session as the protocol describes it, as an object. */
void ms_call_to_json(const struct ms_store *s, struct ms_jw *w, const struct ms_call *c,
		     enum ms_call_detail detail);
/* The same members, into an object the caller has opened (and closes). */
void ms_call_members(const struct ms_store *s, struct ms_jw *w, const struct ms_call *c,
		     enum ms_call_detail detail);
/* One leg's counters (rx, tx) as JSON members of the open object. */
void ms_leg_counters_json(struct ms_jw *w, const struct ms_leg *leg);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_CTL_INT_H
#define MS_CTL_INT_H

/* Inside the control plane: what ctl.c and the operation handlers (ops_*.c) share. */

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "ctl.h"
#include "digest.h"
#include "jarg.h"
#include "jw.h"
#include "ops.h"
#include "profile.h"
#include "reqcache.h"
#include "store.h"
#include "tls.h"

#define MS_CTL_VERSION 1
#define MS_CTL_MAX_PATTERNS 16
#define MS_CTL_AUTH_TRIES 5      /* digest failures in a row before the connection goes */
#define MS_CTL_HANDSHAKE_MS 10000
#define MS_CTL_OUT_HIGH (1u << 20) /* stop reading a client that leaves this many answers unread */

/* What an epoll event belongs to: the first member of each of these. */
enum ms_ep_kind { MS_EP_LISTENER, MS_EP_CONN, MS_EP_EXTRA };

/* A TLS context and the connections made from it (a reload makes a new one). */
struct ms_tls_srv {
	struct ms_tls_srv *next;
	struct ms_tls_server *s;
	unsigned users; /* connections from it */
	bool retired;   /* replaced by a reload: freed with its last connection */
};

struct ms_listener {
	int ep_kind;
	struct ms_listener_cfg cfg;
	int fd;
	struct ms_tls_srv *tls; /* the current context; older ones until their connections go */
	uint64_t accepted, refused;
};

struct ms_conn {
	int ep_kind;
	struct ms_conn *next, *prev;
	struct ms_ctl *ctl;
	int fd;
	struct ms_listener *lst;
	struct ms_tls_conn *tls;
	struct ms_tls_srv *srv;
	bool handshaking;
	bool dirty;               /* answers or events wait to be written */
	uint32_t tls_want;        /* what the TLS layer waits for, beside our own */
	uint32_t events;          /* registered with epoll */
	uint64_t opened_ms;
	uint64_t id;
	char peer[96];            /* "uid 1000 pid 4242" or "192.0.2.1:40000" */
	char tls_subject[MS_TLS_SUBJECT_MAX];
	char tls_fingerprint[MS_TLS_SHA256_FP_LEN];
	/* protocol state */
	bool hello;
	bool closing;             /* close once the answers are out */
	struct ms_profile *profile;
	char principal[MS_TLS_NAME_MAX]; /* certificate name or uid:N; the user after digest */
	const void *who;          /* interned profile/principal: the request-id scope */
	const struct ms_client_cfg *client; /* digest identity (ctl->clients) */
	uint32_t client_gen;
	bool authed;
	char nonce[MS_DIGEST_NONCE_LEN + 1];
	uint64_t nonce_ms;        /* when the nonce was issued */
	uint32_t nonce_nc;        /* highest nc used with it */
	uint64_t auth_until_ms;   /* the authentication lasts as long as its nonce */
	unsigned auth_failures;
	/* events */
	bool subscribed;
	unsigned nb_patterns;
	char patterns[MS_CTL_MAX_PATTERNS][48];
	uint64_t ev_seq;
	uint64_t ev_dropped;      /* not queued: the client reads too slowly */
	/* buffers */
	char *in;
	size_t in_len, in_cap;
	bool discarding;          /* skipping the rest of an oversized line */
	char *out;
	size_t out_len, out_off, out_cap;
};

/* Where a request's parse tree lives (ctl.c). */
struct arena {
	uint8_t *buf;
	size_t used;
	bool spilled; /* a node went to malloc: the tree's strings are wiped one by one */
};

struct ms_ctl_stats {
	uint64_t connections, refused, requests, duplicates, auth_failures;
	uint64_t errors[6]; /* 4xx by class: 400, 401, 403, 404, 409, other */
	uint64_t events_sent, events_dropped;
};

struct ms_ctl {
	struct ms_config cfg;     /* ports and limits (no sessions) */
	struct ms_dataplane *dp;
	struct ms_legtab *legs;
	struct ms_store *store;
	struct ms_reqcache *reqs;
	int epfd;
	int capture_dirfd;        /* -1 until the first capture */
	unsigned nb_listeners;
	struct ms_listener listeners[MS_CTL_MAX_LISTENERS];
	struct ms_profiles profiles;
	unsigned nb_clients;
	struct ms_client_cfg *clients;
	uint32_t clients_gen;     /* changes when clients are reloaded */
	struct ms_conn *conns;
	unsigned nb_conns;
	uint64_t next_conn_id;
	uint64_t next_watch_ms, next_capture_ms;
	struct ms_ctl_stats st;
	struct ms_jw res, out, extra; /* scratch for one answer */
	struct arena arena;
	struct ms_jw ev;              /* scratch for one event line */
	struct ms_leg_cfg *scratch; /* secret memory: 3 legs of keys for one request */
	struct ms_srtp_key_cfg *scratch_key;
	struct ms_extra_fd {
		int ep_kind;
		int fd;
		void (*cb)(void *arg);
		void *arg;
	} extra_fds[4];
	unsigned nb_extra_fds;
};

/* One request being handled. */
struct ms_req {
	struct ms_ctl *ctl;
	struct ms_conn *conn;
	const cJSON *args; /* the request object */
	enum ms_op op;
	struct ms_jw *res; /* the handler writes the result value here */
	struct ms_jerr *err;
	struct ms_jw *err_extra; /* members the error object gets (dependency records) */
};

typedef int (*ms_op_fn)(struct ms_req *r);

/* ops_session.c */
int ms_op_session_create(struct ms_req *r);
int ms_op_session_update(struct ms_req *r);
int ms_op_session_delete(struct ms_req *r);
int ms_op_session_get(struct ms_req *r);
int ms_op_session_list(struct ms_req *r);
int ms_op_leg_redirect(struct ms_req *r);
int ms_op_leg_replace(struct ms_req *r);

/* ops_admin.c */
int ms_op_ping(struct ms_req *r);
int ms_op_events_subscribe(struct ms_req *r);
int ms_op_events_unsubscribe(struct ms_req *r);
int ms_op_notify(struct ms_req *r);
int ms_op_capture_start(struct ms_req *r);
int ms_op_capture_stop(struct ms_req *r);
int ms_op_capture_list(struct ms_req *r);
int ms_op_profile_list(struct ms_req *r);
int ms_op_profile_get(struct ms_req *r);
int ms_op_profile_add(struct ms_req *r);
int ms_op_profile_copy(struct ms_req *r);
int ms_op_profile_update(struct ms_req *r);
int ms_op_profile_delete(struct ms_req *r);
int ms_op_stats(struct ms_req *r);

/* ctl.c, for the handlers */
/* Sends an event to every subscriber whose patterns match (data: a JSON object). */
void ms_ctl_event(struct ms_ctl *c, const char *event, const char *data, size_t len);
/* "2026-12-04T13:50:03.123Z" */
void ms_ctl_time(char *buf, size_t len);
/* Whether a leg mode is allowed by the profile's device security mode. */
bool ms_ctl_mode_allowed(const struct ms_profile *p, uint8_t mode);
/* Writes the dependency records of a profile into w's open object; true when any. */
bool ms_ctl_profile_users(struct ms_ctl *c, const struct ms_profile *p, struct ms_jw *w);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_OPS_H
#define MS_OPS_H

/*
 * The operations of the control protocol (docs/control-protocol.md), once:
 * their names, the profile operation class each belongs to, and how
 * authorization and retries treat them. A client's allowed operations are a
 * bit mask over this list.
 */

#include <stdbool.h>
#include <stdint.h>

enum ms_op_class {
	MS_OPC_NONE,
	MS_OPC_SUBSCRIBE, /* accept event subscription (the seed's presence subscription) */
	MS_OPC_REDIRECT,  /* accept out-of-session redirect (out-of-dialog REFER) */
	MS_OPC_NOTIFY,    /* accept unsolicited notification */
	MS_OPC_REPLACE,   /* accept leg replacement (header replacement) */
};

#define MS_OPF_ALWAYS 1u  /* allowed before authentication, to everyone */
#define MS_OPF_MUTATES 2u /* changes state: remembered by request id for retries */
#define MS_OPF_GRANT 4u   /* needs the client's operation list to allow it, always */

/* id, name, class, flags */
#define MS_OPS(X)                                                                   \
	X(HELLO, "hello", NONE, MS_OPF_ALWAYS)                                      \
	X(AUTH, "auth", NONE, MS_OPF_ALWAYS)                                        \
	X(PING, "ping", NONE, MS_OPF_ALWAYS)                                        \
	X(SESSION_CREATE, "session.create", NONE, MS_OPF_MUTATES)                   \
	X(SESSION_UPDATE, "session.update", NONE, MS_OPF_MUTATES)                   \
	X(SESSION_DELETE, "session.delete", NONE, MS_OPF_MUTATES)                   \
	X(SESSION_GET, "session.get", NONE, 0)                                      \
	X(SESSION_LIST, "session.list", NONE, 0)                                    \
	X(LEG_REDIRECT, "leg.redirect", REDIRECT, MS_OPF_MUTATES)                   \
	X(LEG_REPLACE, "leg.replace", REPLACE, MS_OPF_MUTATES)                      \
	X(EVENTS_SUBSCRIBE, "events.subscribe", SUBSCRIBE, 0)                       \
	X(EVENTS_UNSUBSCRIBE, "events.unsubscribe", SUBSCRIBE, 0)                   \
	X(NOTIFY, "notify", NOTIFY, MS_OPF_MUTATES)                                 \
	X(CAPTURE_START, "capture.start", NONE, MS_OPF_MUTATES | MS_OPF_GRANT)      \
	X(CAPTURE_STOP, "capture.stop", NONE, MS_OPF_MUTATES | MS_OPF_GRANT)        \
	X(CAPTURE_LIST, "capture.list", NONE, MS_OPF_GRANT)                         \
	X(PROFILE_LIST, "profile.list", NONE, 0)                                    \
	X(PROFILE_GET, "profile.get", NONE, 0)                                      \
	X(PROFILE_ADD, "profile.add", NONE, MS_OPF_MUTATES)                         \
	X(PROFILE_COPY, "profile.copy", NONE, MS_OPF_MUTATES)                       \
	X(PROFILE_UPDATE, "profile.update", NONE, MS_OPF_MUTATES)                   \
	X(PROFILE_DELETE, "profile.delete", NONE, MS_OPF_MUTATES)                   \
	X(STATS, "stats", NONE, 0)

enum ms_op {
#define MS_OP_ENUM(id, name, cls, flags) MS_OP_##id,
	MS_OPS(MS_OP_ENUM)
#undef MS_OP_ENUM
	MS_OP_COUNT
};

struct ms_op_info {
	const char *name;
	enum ms_op_class cls;
	uint32_t flags;
};

const struct ms_op_info *ms_op_info(enum ms_op op);
/* The operation of a name, or -1. */
int ms_op_from_name(const char *name);
/*
 * Adds the operations a pattern names to *mask: an exact name, "group.*"
 * (every operation whose name starts with "group."), or "*". -EINVAL when it
 * names none.
 */
int ms_op_pattern(const char *pattern, uint64_t *mask);
/* The profile setting that accepts a class ("accept_subscription"), NULL for none. */
const char *ms_op_class_setting(enum ms_op_class cls);

#endif

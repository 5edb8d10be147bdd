/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_JARG_H
#define MS_JARG_H

/*
 * Strict reading of a request's JSON members (cJSON trees). Every getter
 * names the member by its path ("legs[0].send_key") when it refuses one, so
 * that an answer says exactly what is wrong. A member the operation does not
 * know, or one given twice, is an error, never ignored.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define MS_JERR_FIELD 128
#define MS_JERR_MSG 320

/* Why a request failed: HTTP-like code, the member at fault ("" if none), a message. */
struct ms_jerr {
	int code;
	char field[MS_JERR_FIELD];
	char msg[MS_JERR_MSG];
};

/* Fills e and returns -1, so that checks read `return ms_jerr(e, 400, path, "...")`. */
int ms_jerr(struct ms_jerr *e, int code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The status word of a code ("bad_request"). */
const char *ms_jerr_status(int code);

/* "path.name", or "name" at the top: the path of a member. */
const char *ms_jpath(char *buf, size_t len, const char *path, const char *name);
/* "path[i]" */
const char *ms_jpath_elem(char *buf, size_t len, const char *path, unsigned i);

/* obj is an object; each member is in known (NULL-terminated) and appears once. */
int ms_jarg_check(const cJSON *obj, const char *path, const char *const *known,
		  struct ms_jerr *e);

/*
 * ms_jarg_check that also hands out the members: slots[i] is the member
 * named known[i], or NULL. One pass over the object instead of a search per
 * member (a session install reads some thirty of them).
 */
int ms_jarg_index(const cJSON *obj, const char *path, const char *const *known,
		  const cJSON **slots, struct ms_jerr *e);

/*
 * Getters of a member found already (m, NULL when absent), named by path
 * and name for errors; the same results as the ms_jarg_ getters below.
 */
int ms_jval_str(const cJSON *m, const char *path, const char *name, size_t max_len,
		const char **out, struct ms_jerr *e);
int ms_jval_int(const cJSON *m, const char *path, const char *name, int64_t min, int64_t max,
		int64_t *out, struct ms_jerr *e);
int ms_jval_bool(const cJSON *m, const char *path, const char *name, bool *out,
		 struct ms_jerr *e);

/*
 * Getters: 1 when the member is there and valid (*out set), 0 when absent
 * (*out untouched), -1 when wrong (e set).
 */
int ms_jarg_str(const cJSON *obj, const char *path, const char *name, size_t max_len,
		const char **out, struct ms_jerr *e);
int ms_jarg_int(const cJSON *obj, const char *path, const char *name, int64_t min, int64_t max,
		int64_t *out, struct ms_jerr *e);
int ms_jarg_bool(const cJSON *obj, const char *path, const char *name, bool *out,
		 struct ms_jerr *e);
int ms_jarg_obj(const cJSON *obj, const char *path, const char *name, const cJSON **out,
		struct ms_jerr *e);
int ms_jarg_arr(const cJSON *obj, const char *path, const char *name, const cJSON **out,
		struct ms_jerr *e);
/* A required member: absent is an error too ("missing: <what>"). */
int ms_jarg_need(int got, const char *path, const char *name, const char *what,
		 struct ms_jerr *e);

/* 1..max printable ASCII characters, no blanks: names of sessions, profiles, files. */
bool ms_jname_ok(const char *s, size_t max);
/* Valid UTF-8 without NUL: every message is checked before it is parsed. */
bool ms_utf8_ok(const char *s, size_t n);

#endif

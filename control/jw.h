/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_JW_H
#define MS_JW_H

/*
 * A JSON writer into a growable buffer: what the control protocol answers is
 * written straight out, without building a tree (a tree costs more than the
 * session install it describes). Commas between members and elements are
 * placed automatically; strings are escaped. Out of memory sets `failed`
 * and later calls do nothing; the caller checks once at the end.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MS_JW_DEPTH 32

struct ms_jw {
	char *buf;
	size_t len, cap;
	bool failed;
	unsigned depth;
	bool need_comma[MS_JW_DEPTH];
};

void ms_jw_init(struct ms_jw *w);
/* Empties the buffer, keeping its memory. */
void ms_jw_reset(struct ms_jw *w);
void ms_jw_free(struct ms_jw *w);

void ms_jw_obj(struct ms_jw *w);  /* { */
void ms_jw_end(struct ms_jw *w);  /* } */
void ms_jw_arr(struct ms_jw *w);  /* [ */
void ms_jw_aend(struct ms_jw *w); /* ] */
/* A member name (a literal of ours: written as is); the value follows with one of the value calls. */
void ms_jw_key(struct ms_jw *w, const char *k);

void ms_jw_str(struct ms_jw *w, const char *s);
void ms_jw_strn(struct ms_jw *w, const char *s, size_t n);
void ms_jw_int(struct ms_jw *w, int64_t v);
void ms_jw_uint(struct ms_jw *w, uint64_t v);
void ms_jw_double(struct ms_jw *w, double v);
void ms_jw_bool(struct ms_jw *w, bool v);
void ms_jw_null(struct ms_jw *w);
/* Already serialised JSON (a value we wrote before, a client's notify data). */
void ms_jw_raw(struct ms_jw *w, const char *json, size_t n);
/* A string value from a format. */
void ms_jw_strf(struct ms_jw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* key + value in one call */
void ms_jw_kstr(struct ms_jw *w, const char *k, const char *s);
void ms_jw_kint(struct ms_jw *w, const char *k, int64_t v);
void ms_jw_kuint(struct ms_jw *w, const char *k, uint64_t v);
void ms_jw_kbool(struct ms_jw *w, const char *k, bool v);
void ms_jw_kdouble(struct ms_jw *w, const char *k, double v);

/* Appends raw text (a newline after a message). */
void ms_jw_text(struct ms_jw *w, const char *s, size_t n);

#endif

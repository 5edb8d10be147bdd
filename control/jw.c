/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jw.h"

void
ms_jw_init(struct ms_jw *w)
{
	memset(w, 0, sizeof(*w));
}

void
ms_jw_reset(struct ms_jw *w)
{
	w->len = 0;
	w->failed = false;
	w->depth = 0;
	w->need_comma[0] = false;
}

void
ms_jw_free(struct ms_jw *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

static bool
grow(struct ms_jw *w, size_t n)
{
	size_t cap = w->cap ? w->cap : 256;
	char *b;

	if (w->failed)
		return false;
	while (cap < w->len + n + 1)
		cap *= 2;
	b = realloc(w->buf, cap);
	if (b == NULL) {
		w->failed = true;
		return false;
	}
	w->buf = b;
	w->cap = cap;
	return true;
}

/* Room for n more bytes and the NUL: the common case is one comparison. */
static inline bool
reserve(struct ms_jw *w, size_t n)
{
	return (w->len + n + 1 <= w->cap && !w->failed) || grow(w, n);
}

void
ms_jw_text(struct ms_jw *w, const char *s, size_t n)
{
	if (!reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static inline void
put(struct ms_jw *w, char c)
{
	if (!reserve(w, 1))
		return;
	w->buf[w->len++] = c;
	w->buf[w->len] = '\0';
}

/* Before a value or a key: the comma that separates it from the one before. */
static void
sep(struct ms_jw *w)
{
	if (w->need_comma[w->depth])
		put(w, ',');
	w->need_comma[w->depth] = true;
}

static void
open_(struct ms_jw *w, char c)
{
	sep(w);
	put(w, c);
	if (w->depth + 1 >= MS_JW_DEPTH) {
		w->failed = true;
		return;
	}
	w->need_comma[++w->depth] = false;
}

static void
close_(struct ms_jw *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	put(w, c);
}

void
ms_jw_obj(struct ms_jw *w)
{
	open_(w, '{');
}

void
ms_jw_end(struct ms_jw *w)
{
	close_(w, '}');
}

void
ms_jw_arr(struct ms_jw *w)
{
	open_(w, '[');
}

void
ms_jw_aend(struct ms_jw *w)
{
	close_(w, ']');
}

static bool
plain_char(unsigned char c)
{
	return c >= 0x20 && c != 0x7f && c != '"' && c != '\\';
}

static void
escaped(struct ms_jw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;

	if (!reserve(w, n + 2))
		return;
	put(w, '"');
	while (i < n) {
		size_t run = i;
		unsigned char c;
		char e[6];

		/* what needs no escaping goes in one copy */
		while (run < n && plain_char((unsigned char)s[run]))
			run++;
		if (run > i) {
			ms_jw_text(w, s + i, run - i);
			i = run;
			continue;
		}
		c = (unsigned char)s[i++];
		switch (c) {
		case '"':
			ms_jw_text(w, "\\\"", 2);
			break;
		case '\\':
			ms_jw_text(w, "\\\\", 2);
			break;
		case '\n':
			ms_jw_text(w, "\\n", 2);
			break;
		case '\r':
			ms_jw_text(w, "\\r", 2);
			break;
		case '\t':
			ms_jw_text(w, "\\t", 2);
			break;
		default:
			memcpy(e, "\\u00", 4);
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			ms_jw_text(w, e, 6);
		}
	}
	put(w, '"');
}

void
ms_jw_key(struct ms_jw *w, const char *k)
{
	size_t n = strlen(k);

	sep(w);
	/* member names are this program's own literals: nothing in them needs escaping */
	if (!reserve(w, n + 3))
		return;
	w->buf[w->len++] = '"';
	memcpy(w->buf + w->len, k, n);
	w->len += n;
	w->buf[w->len++] = '"';
	w->buf[w->len++] = ':';
	w->buf[w->len] = '\0';
	/* the value that follows needs no comma of its own */
	w->need_comma[w->depth] = false;
	/* ...but the next member does: sep() of the value sets it again */
}

void
ms_jw_strn(struct ms_jw *w, const char *s, size_t n)
{
	sep(w);
	escaped(w, s, n);
}

void
ms_jw_str(struct ms_jw *w, const char *s)
{
	if (s == NULL)
		ms_jw_null(w);
	else
		ms_jw_strn(w, s, strlen(s));
}

void
ms_jw_strf(struct ms_jw *w, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	ms_jw_strn(w, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void
number(struct ms_jw *w, const char *s, int n)
{
	sep(w);
	if (n > 0)
		ms_jw_text(w, s, (size_t)n);
}

void
ms_jw_int(struct ms_jw *w, int64_t v)
{
	char b[24];

	number(w, b, snprintf(b, sizeof(b), "%" PRId64, v));
}

void
ms_jw_uint(struct ms_jw *w, uint64_t v)
{
	char b[24];
	int n = (int)sizeof(b);

	/* answers are mostly numbers: no printf for them */
	do
		b[--n] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	number(w, b + n, (int)sizeof(b) - n);
}

void
ms_jw_double(struct ms_jw *w, double v)
{
	char b[32];

	if (v != v || v > 1e300 || v < -1e300)
		v = 0; /* JSON has no NaN or infinity */
	number(w, b, snprintf(b, sizeof(b), "%.6g", v));
}

void
ms_jw_bool(struct ms_jw *w, bool v)
{
	sep(w);
	ms_jw_text(w, v ? "true" : "false", v ? 4 : 5);
}

void
ms_jw_null(struct ms_jw *w)
{
	sep(w);
	ms_jw_text(w, "null", 4);
}

void
ms_jw_raw(struct ms_jw *w, const char *json, size_t n)
{
	sep(w);
	ms_jw_text(w, json, n);
}

void
ms_jw_kstr(struct ms_jw *w, const char *k, const char *s)
{
	ms_jw_key(w, k);
	ms_jw_str(w, s);
}

void
ms_jw_kint(struct ms_jw *w, const char *k, int64_t v)
{
	ms_jw_key(w, k);
	ms_jw_int(w, v);
}

void
ms_jw_kuint(struct ms_jw *w, const char *k, uint64_t v)
{
	ms_jw_key(w, k);
	ms_jw_uint(w, v);
}

void
ms_jw_kbool(struct ms_jw *w, const char *k, bool v)
{
	ms_jw_key(w, k);
	ms_jw_bool(w, v);
}

void
ms_jw_kdouble(struct ms_jw *w, const char *k, double v)
{
	ms_jw_key(w, k);
	ms_jw_double(w, v);
}

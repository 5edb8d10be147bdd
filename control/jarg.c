/* SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "jarg.h"

int
ms_jerr(struct ms_jerr *e, int code, const char *field, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	snprintf(e->field, sizeof(e->field), "%s", field != NULL ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

const char *
ms_jerr_status(int code)
{
	switch (code) {
	case 400: return "bad_request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 409: return "conflict";
	case 413: return "too_large";
	case 426: return "unsupported_version";
	case 428: return "hello_required";
	case 429: return "too_many";
	case 507: return "no_space";
	default: return "internal";
	}
}

const char *
ms_jpath(char *buf, size_t len, const char *path, const char *name)
{
	if (path == NULL || path[0] == '\0')
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%s.%s", path, name);
	return buf;
}

const char *
ms_jpath_elem(char *buf, size_t len, const char *path, unsigned i)
{
	snprintf(buf, len, "%s[%u]", path, i);
	return buf;
}

int
ms_jarg_index(const cJSON *obj, const char *path, const char *const *known, const cJSON **slots,
	      struct ms_jerr *e)
{
	char p[MS_JERR_FIELD];
	unsigned nk = 0;

	if (!cJSON_IsObject(obj))
		return ms_jerr(e, 400, path, "must be an object");
	while (known[nk] != NULL)
		slots[nk++] = NULL;
	for (const cJSON *m = obj->child; m != NULL; m = m->next) {
		unsigned k;

		for (k = 0; k < nk; k++)
			if (m->string[0] == known[k][0] && strcmp(m->string, known[k]) == 0)
				break;
		if (k == nk)
			return ms_jerr(e, 400, ms_jpath(p, sizeof(p), path, m->string), "unknown member");
		if (slots[k] != NULL)
			return ms_jerr(e, 400, ms_jpath(p, sizeof(p), path, m->string), "given twice");
		slots[k] = m;
	}
	return 0;
}

int
ms_jarg_check(const cJSON *obj, const char *path, const char *const *known, struct ms_jerr *e)
{
	const cJSON *slots[64];
	unsigned nk = 0;

	while (known[nk] != NULL)
		nk++;
	if (nk > RTE_DIM(slots))
		return ms_jerr(e, 500, path, "too many members to check");
	return ms_jarg_index(obj, path, known, slots, e);
}

static const cJSON *
member(const cJSON *obj, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(obj, name);
}

int
ms_jval_str(const cJSON *m, const char *path, const char *name, size_t max_len, const char **out,
	    struct ms_jerr *e)
{
	char p[MS_JERR_FIELD];

	if (m == NULL)
		return 0;
	if (!cJSON_IsString(m) || m->valuestring == NULL)
		return ms_jerr(e, 400, ms_jpath(p, sizeof(p), path, name), "must be a string");
	if (strlen(m->valuestring) > max_len)
		return ms_jerr(e, 400, ms_jpath(p, sizeof(p), path, name),
			       "longer than %zu characters", max_len);
	*out = m->valuestring;
	return 1;
}

int
ms_jarg_str(const cJSON *obj, const char *path, const char *name, size_t max_len, const char **out,
	    struct ms_jerr *e)
{
	return ms_jval_str(member(obj, name), path, name, max_len, out, e);
}

int
ms_jval_int(const cJSON *m, const char *path, const char *name, int64_t min, int64_t max,
	    int64_t *out, struct ms_jerr *e)
{
	char p[MS_JERR_FIELD];
	double v;

	if (m == NULL)
		return 0;
	if (!cJSON_IsNumber(m))
		return ms_jerr(e, 400, ms_jpath(p, sizeof(p), path, name), "must be an integer");
	v = m->valuedouble;
	/* a double holds integers exactly up to 2^53: beyond, the value is not the one sent */
	if (v != floor(v) || fabs(v) > 9007199254740992.0)
		return ms_jerr(e, 400, ms_jpath(p, sizeof(p), path, name), "must be an integer");
	if (v < (double)min || v > (double)max)
		return ms_jerr(e, 400, ms_jpath(p, sizeof(p), path, name),
			       "%.0f is outside %lld..%lld", v, (long long)min, (long long)max);
	*out = (int64_t)v;
	return 1;
}

int
ms_jarg_int(const cJSON *obj, const char *path, const char *name, int64_t min, int64_t max,
	    int64_t *out, struct ms_jerr *e)
{
	return ms_jval_int(member(obj, name), path, name, min, max, out, e);
}

int
ms_jval_bool(const cJSON *m, const char *path, const char *name, bool *out, struct ms_jerr *e)
{
	char p[MS_JERR_FIELD];

	if (m == NULL)
		return 0;
	if (!cJSON_IsBool(m))
		return ms_jerr(e, 400, ms_jpath(p, sizeof(p), path, name),
			       "must be true or false");
	*out = cJSON_IsTrue(m);
	return 1;
}

int
ms_jarg_bool(const cJSON *obj, const char *path, const char *name, bool *out, struct ms_jerr *e)
{
	return ms_jval_bool(member(obj, name), path, name, out, e);
}

int
ms_jarg_obj(const cJSON *obj, const char *path, const char *name, const cJSON **out,
	    struct ms_jerr *e)
{
	const cJSON *m = member(obj, name);
	char p[MS_JERR_FIELD];

	if (m == NULL)
		return 0;
	if (!cJSON_IsObject(m))
		return ms_jerr(e, 400, ms_jpath(p, sizeof(p), path, name), "must be an object");
	*out = m;
	return 1;
}

int
ms_jarg_arr(const cJSON *obj, const char *path, const char *name, const cJSON **out,
	    struct ms_jerr *e)
{
	const cJSON *m = member(obj, name);
	char p[MS_JERR_FIELD];

	if (m == NULL)
		return 0;
	if (!cJSON_IsArray(m))
		return ms_jerr(e, 400, ms_jpath(p, sizeof(p), path, name), "must be an array");
	*out = m;
	return 1;
}

int
ms_jarg_need(int got, const char *path, const char *name, const char *what, struct ms_jerr *e)
{
	char p[MS_JERR_FIELD];

	if (got != 0)
		return got;
	return ms_jerr(e, 400, ms_jpath(p, sizeof(p), path, name), "missing: %s", what);
}

bool
ms_jname_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

bool
ms_utf8_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned char c;
		unsigned need;
		uint32_t cp;
		uint64_t w8;

		/* ASCII eight bytes at a time: no high bit, no zero byte */
		if (i + 8 <= n) {
			memcpy(&w8, p + i, 8);
			if (!(w8 & 0x8080808080808080ull) &&
			    !((w8 - 0x0101010101010101ull) & ~w8 & 0x8080808080808080ull)) {
				i += 8;
				continue;
			}
		}
		c = p[i];
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (unsigned k = 1; k <= need; k++) {
			if (i + k >= n || (p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		/* overlong forms, surrogates and beyond U+10FFFF */
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

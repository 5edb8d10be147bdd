/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers of the configuration loader: typed getters that name the setting and its line. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "config_parse.h"


int
ms_cfgp_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "line N: path: reason", N being the line of s (none for the root). */
int
ms_cfgp_bad(struct ms_cfgp *p, const config_setting_t *s, const char *path, const char *fmt, ...)
{
	char why[256] = "";
	int line = s != NULL ? (int)config_setting_source_line(s) : 0;
	va_list ap;

	/* never NULL; the test keeps GCC's sanitizer build from warning that it might be */
	if (fmt == NULL)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(p->err, p->errlen, "line %d: %s: %s", line, path, why);
	else
		snprintf(p->err, p->errlen, "%s: %s", path, why);
	return -EINVAL;
}

/* A path cut short by its buffer ends in "...". */
static const char *
mark_cut(char *buf, size_t len, int n)
{
	if (n >= 0 && (size_t)n >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
	return buf;
}

const char *
ms_cfgp_join(char *buf, size_t len, const char *group, const char *name)
{
	int n;

	if (group == NULL || group[0] == '\0')
		n = snprintf(buf, len, "%s", name);
	else
		n = snprintf(buf, len, "%s.%s", group, name);
	return mark_cut(buf, len, n);
}

const char *
ms_cfgp_elem(char *buf, size_t len, const char *list, unsigned i)
{
	return mark_cut(buf, len, snprintf(buf, len, "%s[%u]", list, i));
}

/* Every setting of a group must be one we know: a typo is an error, not a default. */
int
ms_cfgp_check_known(struct ms_cfgp *p, const config_setting_t *group, const char *gpath,
	    const char *const *known)
{
	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(s);
		char path[MS_CFGP_PATH_LEN];
		bool ok = false;

		for (const char *const *k = known; *k != NULL && !ok; k++)
			ok = strcmp(name, *k) == 0;
		if (!ok)
			return ms_cfgp_fail(p->err, p->errlen, "line %d: unknown setting '%s'",
				    (int)config_setting_source_line(s),
				    ms_cfgp_join(path, sizeof(path), gpath, name));
	}
	return 0;
}

/*
 * Typed getters. Each returns 1 when the setting is there and valid (and
 * stores it), 0 when it is absent (and stores nothing), <0 on error.
 */
int
ms_cfgp_int(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, const char *name,
	long long min, long long max, long long *v)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	char path[MS_CFGP_PATH_LEN];
	long long x;

	if (s == NULL)
		return 0;
	ms_cfgp_join(path, sizeof(path), gpath, name);
	if (config_setting_type(s) == CONFIG_TYPE_INT)
		x = config_setting_get_int(s);
	else if (config_setting_type(s) == CONFIG_TYPE_INT64)
		x = config_setting_get_int64(s);
	else
		return ms_cfgp_bad(p, s, path, "must be an integer");
	if (x < min || x > max)
		return ms_cfgp_bad(p, s, path, "%lld is outside %lld..%lld", x, min, max);
	*v = x;
	return 1;
}

int
ms_cfgp_u32(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, const char *name,
	long long min, long long max, uint32_t *v)
{
	long long x;
	int ret = ms_cfgp_int(p, g, gpath, name, min, max, &x);

	if (ret > 0)
		*v = (uint32_t)x;
	return ret;
}

int
ms_cfgp_u16(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, const char *name,
	long long min, long long max, uint16_t *v)
{
	long long x;
	int ret = ms_cfgp_int(p, g, gpath, name, min, max, &x);

	if (ret > 0)
		*v = (uint16_t)x;
	return ret;
}

int
ms_cfgp_str(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, const char *name,
	const char **v)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	char path[MS_CFGP_PATH_LEN];

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return ms_cfgp_bad(p, s, ms_cfgp_join(path, sizeof(path), gpath, name), "must be a string");
	*v = config_setting_get_string(s);
	return 1;
}

int
ms_cfgp_bool(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, const char *name, bool *v)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	char path[MS_CFGP_PATH_LEN];

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return ms_cfgp_bad(p, s, ms_cfgp_join(path, sizeof(path), gpath, name), "must be true or false");
	*v = config_setting_get_bool(s) != 0;
	return 1;
}

int
ms_cfgp_group(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, const char *name,
	  const config_setting_t **v)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	char path[MS_CFGP_PATH_LEN];

	if (s == NULL)
		return 0;
	if (!config_setting_is_group(s))
		return ms_cfgp_bad(p, s, ms_cfgp_join(path, sizeof(path), gpath, name), "must be a group { ... }");
	*v = s;
	return 1;
}

/* A list ( {...}, {...} ) whose elements are all groups. */
int
ms_cfgp_group_list(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, const char *name,
	       const config_setting_t **v)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	char path[MS_CFGP_PATH_LEN], epath[MS_CFGP_PATH_LEN];

	if (s == NULL)
		return 0;
	ms_cfgp_join(path, sizeof(path), gpath, name);
	if (!config_setting_is_list(s))
		return ms_cfgp_bad(p, s, path, "must be a list ( { ... }, ... )");
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (!config_setting_is_group(e))
			return ms_cfgp_bad(p, e, ms_cfgp_elem(epath, sizeof(epath), path, (unsigned)i),
				   "must be a group { ... }");
	}
	*v = s;
	return 1;
}

/* An array [ "...", ... ] (or a list) of strings. */
int
ms_cfgp_str_list(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, const char *name,
	     const config_setting_t **v)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	char path[MS_CFGP_PATH_LEN], epath[MS_CFGP_PATH_LEN];

	if (s == NULL)
		return 0;
	ms_cfgp_join(path, sizeof(path), gpath, name);
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return ms_cfgp_bad(p, s, path, "must be an array [ \"...\", ... ] of strings");
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return ms_cfgp_bad(p, e, ms_cfgp_elem(epath, sizeof(epath), path, (unsigned)i),
				   "must be a string");
	}
	*v = s;
	return 1;
}

int
ms_cfgp_missing(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, const char *name,
	const char *what)
{
	char path[MS_CFGP_PATH_LEN];

	return ms_cfgp_bad(p, g, ms_cfgp_join(path, sizeof(path), gpath, name), "missing: %s", what);
}

/* Decimal digits only, at most max. */
bool
ms_cfgp_uint(const char *s, size_t len, unsigned long max, unsigned long *v)
{
	unsigned long x = 0;

	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (unsigned long)(s[i] - '0');
	}
	if (x > max)
		return false;
	*v = x;
	return true;
}

bool
ms_cfgp_unicast(const struct ms_addr *a)
{
	static const uint8_t zero[16];

	if (a->family == AF_INET)
		return memcmp(a->a, zero, 4) != 0 && (a->a[0] & 0xf0) != 0xe0 &&
		       !(a->a[0] == 255 && a->a[1] == 255 && a->a[2] == 255 && a->a[3] == 255);
	return memcmp(a->a, zero, 16) != 0 && a->a[0] != 0xff;
}

const char *
ms_cfgp_family(uint8_t family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

bool
ms_cfgp_printable(const char *s, bool allow_space)
{
	for (; *s != '\0'; s++)
		if (*s < (allow_space ? 0x20 : 0x21) || *s > 0x7e)
			return false;
	return true;
}


/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libconfig.h>

#include "config.h"

static int __rte_format_printf(3, 4)
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Every setting of a group must be one we know: a typo is an error, not a default. */
static int
check_known(const config_setting_t *group, const char *const *known, char *err, size_t errlen)
{
	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(s);
		bool ok = false;

		for (const char *const *k = known; *k != NULL && !ok; k++)
			ok = strcmp(name, *k) == 0;
		if (!ok) {
			const char *parent = config_setting_name(group);

			return fail(err, errlen, "line %d: unknown setting '%s%s%s'",
				    config_setting_source_line(s), parent ? parent : "",
				    parent ? "." : "", name);
		}
	}
	return 0;
}

static int
parse_crypto(const config_setting_t *g, struct ms_crypto_cfg *c, char *err, size_t errlen)
{
	static const char *const known[] = {"engine", "replay_window", NULL};
	const config_setting_t *s;
	int ret = check_known(g, known, err, errlen);

	if (ret < 0)
		return ret;
	s = config_setting_get_member(g, "engine");
	if (s != NULL) {
		const char *name = config_setting_get_string(s);

		if (name == NULL)
			return fail(err, errlen, "line %d: crypto.engine must be a string",
				    config_setting_source_line(s));
		c->engine = ms_crypto_engine_find(name);
		if (c->engine == NULL)
			return fail(err, errlen,
				    "line %d: crypto.engine '%s' is not built in (ipsec-mb, libsrtp2)",
				    config_setting_source_line(s), name);
	}
	s = config_setting_get_member(g, "replay_window");
	if (s != NULL) {
		long long w;

		if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
			return fail(err, errlen, "line %d: crypto.replay_window must be an integer",
				    config_setting_source_line(s));
		w = config_setting_type(s) == CONFIG_TYPE_INT64 ? config_setting_get_int64(s)
								: config_setting_get_int(s);
		if (w < MS_SRTP_REPLAY_WINDOW_MIN || w > MS_SRTP_REPLAY_WINDOW_MAX)
			return fail(err, errlen,
				    "line %d: crypto.replay_window %lld is outside %d..%d packets",
				    config_setting_source_line(s), w, MS_SRTP_REPLAY_WINDOW_MIN,
				    MS_SRTP_REPLAY_WINDOW_MAX);
		c->replay_window = (uint32_t)w;
	}
	return 0;
}

static int
parse(config_t *lc, struct ms_config *cfg, char *err, size_t errlen)
{
	static const char *const known[] = {"crypto", NULL};
	const config_setting_t *root = config_root_setting(lc);
	const config_setting_t *g;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->crypto.engine = ms_crypto_engine_find("ipsec-mb");
	cfg->crypto.replay_window = MS_SRTP_REPLAY_WINDOW_DEFAULT;

	ret = check_known(root, known, err, errlen);
	if (ret < 0)
		return ret;
	g = config_setting_get_member(root, "crypto");
	if (g != NULL) {
		if (!config_setting_is_group(g))
			return fail(err, errlen, "line %d: crypto must be a group { ... }",
				    config_setting_source_line(g));
		ret = parse_crypto(g, &cfg->crypto, err, errlen);
	}
	return ret;
}

int
ms_config_parse(const char *text, struct ms_config *cfg, char *err, size_t errlen)
{
	config_t lc;
	int ret;

	config_init(&lc);
	if (config_read_string(&lc, text) != CONFIG_TRUE)
		ret = fail(err, errlen, "line %d: %s", config_error_line(&lc), config_error_text(&lc));
	else
		ret = parse(&lc, cfg, err, errlen);
	config_destroy(&lc);
	return ret;
}

int
ms_config_load(const char *path, struct ms_config *cfg, char *err, size_t errlen)
{
	config_t lc;
	int ret;

	if (path == NULL)
		return ms_config_parse(ms_config_default_text, cfg, err, errlen);
	config_init(&lc);
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
			ret = fail(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		else
			ret = fail(err, errlen, "%s:%d: %s", path, config_error_line(&lc),
				   config_error_text(&lc));
	} else {
		ret = parse(&lc, cfg, err, errlen);
		if (ret < 0) {
			char tmp[256];

			snprintf(tmp, sizeof(tmp), "%s: %s", path, err);
			snprintf(err, errlen, "%s", tmp);
		}
	}
	config_destroy(&lc);
	return ret;
}

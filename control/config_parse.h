/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_CONFIG_PARSE_H
#define MS_CONFIG_PARSE_H

/*
 * Helpers of the configuration loader, shared by its files (config.c, the
 * control section in config_control.c). Each getter returns 1 when the
 * setting is there and valid (and stores it), 0 when it is absent (and
 * stores nothing), <0 on error with the setting's path, line and the reason
 * written into the context's err.
 */

#include <stdbool.h>
#include <stddef.h>

#include <libconfig.h>
#include <rte_common.h>

#include "config.h"

#define MS_CFGP_PATH_LEN 96

struct ms_cfgp {
	char *err;
	size_t errlen;
	struct ms_config *cfg;
};

int ms_cfgp_fail(char *err, size_t errlen, const char *fmt, ...) __rte_format_printf(3, 4);
/* "line N: path: reason", N being the line of s (none for the root). */
int ms_cfgp_bad(struct ms_cfgp *p, const config_setting_t *s, const char *path, const char *fmt,
		...) __rte_format_printf(4, 5);
const char *ms_cfgp_join(char *buf, size_t len, const char *group, const char *name);
const char *ms_cfgp_elem(char *buf, size_t len, const char *list, unsigned i);
int ms_cfgp_check_known(struct ms_cfgp *p, const config_setting_t *group, const char *gpath,
			const char *const *known);
int ms_cfgp_int(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, const char *name,
		long long min, long long max, long long *v);
int ms_cfgp_u32(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, const char *name,
		long long min, long long max, uint32_t *v);
int ms_cfgp_u16(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, const char *name,
		long long min, long long max, uint16_t *v);
int ms_cfgp_str(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, const char *name,
		const char **v);
int ms_cfgp_bool(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, const char *name,
		 bool *v);
int ms_cfgp_group(struct ms_cfgp *p, const config_setting_t *g, const char *gpath,
		  const char *name, const config_setting_t **v);
/* A list ( {...}, {...} ) whose elements are all groups. */
int ms_cfgp_group_list(struct ms_cfgp *p, const config_setting_t *g, const char *gpath,
		       const char *name, const config_setting_t **v);
/* An array [ "...", ... ] (or a list) of strings. */
int ms_cfgp_str_list(struct ms_cfgp *p, const config_setting_t *g, const char *gpath,
		     const char *name, const config_setting_t **v);
int ms_cfgp_missing(struct ms_cfgp *p, const config_setting_t *g, const char *gpath,
		    const char *name, const char *what);
/* Decimal digits only, at most max. */
bool ms_cfgp_uint(const char *s, size_t len, unsigned long max, unsigned long *v);
bool ms_cfgp_unicast(const struct ms_addr *a);
const char *ms_cfgp_family(uint8_t family);
bool ms_cfgp_printable(const char *s, bool allow_space);

/* The control section (config_control.c). */
int ms_cfgp_control(struct ms_cfgp *p, const config_setting_t *root);

#endif

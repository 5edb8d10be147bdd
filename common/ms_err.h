/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_ERR_H
#define MS_ERR_H

#include <stddef.h>

#include <rte_common.h>

/*
 * Writes why into err (when given) and returns ret, so that a check reads
 * `return ms_err(-EINVAL, err, errlen, "legs[%u].port: no port %u", ...);`.
 * Callers never pass key material.
 */
int ms_err(int ret, char *err, size_t errlen, const char *fmt, ...) __rte_format_printf(4, 5);

#endif

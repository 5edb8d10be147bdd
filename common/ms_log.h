/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_LOG_H
#define MS_LOG_H

#include <rte_log.h>

/*
 * One DPDK log type per module, so `--log-level=mediasec.crypto:debug` works.
 * Nothing logged here ever contains key material: callers pass lengths and
 * identifiers, never key bytes.
 */
extern int ms_logtype_dp;
extern int ms_logtype_ctl;
extern int ms_logtype_crypto;
extern int ms_logtype_port;

#define MS_LOG(level, module, fmt, ...)                                        \
	rte_log(RTE_LOG_##level, ms_logtype_##module, #module ": %s: " fmt "\n", \
		__func__, ##__VA_ARGS__)

#endif

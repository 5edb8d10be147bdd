/* SPDX-License-Identifier: BSD-3-Clause */
#include "ms_log.h"

RTE_LOG_REGISTER(ms_logtype_dp, mediasec.dp, INFO);
RTE_LOG_REGISTER(ms_logtype_ctl, mediasec.ctl, INFO);
RTE_LOG_REGISTER(ms_logtype_crypto, mediasec.crypto, INFO);
RTE_LOG_REGISTER(ms_logtype_port, mediasec.port, INFO);

/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_ENGINES_H
#define MS_ENGINES_H

#include "srtp.h"

extern const struct ms_crypto_engine ms_engine_ipsecmb;
#ifdef MS_HAVE_LIBSRTP2
extern const struct ms_crypto_engine ms_engine_libsrtp;
#endif

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "srtp.h"

static const struct ms_srtp_suite_info suites[MS_SUITE_COUNT] = {
#define MS_SUITE_INFO(id, sdes, cph, klen, slen, tag, rtcp_tag)                    \
	[MS_SUITE_##id] = {                                                      \
		.name = sdes,                                                    \
		.cipher = MS_CIPHER_##cph,                                       \
		.master_key_len = klen,                                          \
		.master_salt_len = slen,                                         \
		.rtp_tag_len = tag,                                              \
		.rtcp_tag_len = rtcp_tag,                                        \
	},
	MS_SRTP_SUITES(MS_SUITE_INFO)
#undef MS_SUITE_INFO
};

static const char *const result_names[MS_SRTP_RESULT_COUNT] = {
#define MS_RESULT_NAME(id, str) [MS_SRTP_##id] = str,
	MS_SRTP_RESULTS(MS_RESULT_NAME)
#undef MS_RESULT_NAME
};

const struct ms_srtp_suite_info *
ms_srtp_suite_info(enum ms_srtp_suite suite)
{
	if ((unsigned)suite >= MS_SUITE_COUNT)
		return NULL;
	return &suites[suite];
}

int
ms_srtp_suite_from_name(const char *name)
{
	for (unsigned i = 0; i < MS_SUITE_COUNT; i++)
		if (strcmp(suites[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

const char *
ms_srtp_result_str(enum ms_srtp_result r)
{
	if ((unsigned)r >= MS_SRTP_RESULT_COUNT)
		return "invalid";
	return result_names[r];
}

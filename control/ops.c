/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "ops.h"

static const struct ms_op_info ops[] = {
#define MS_OP_INFO(id, nm, c, f) [MS_OP_##id] = {.name = nm, .cls = MS_OPC_##c, .flags = (f)},
	MS_OPS(MS_OP_INFO)
#undef MS_OP_INFO
};

_Static_assert(MS_OP_COUNT <= 64, "operation masks are 64 bits");

const struct ms_op_info *
ms_op_info(enum ms_op op)
{
	return (unsigned)op < MS_OP_COUNT ? &ops[op] : NULL;
}

int
ms_op_from_name(const char *name)
{
	for (unsigned i = 0; i < MS_OP_COUNT; i++)
		if (strcmp(ops[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
ms_op_pattern(const char *pattern, uint64_t *mask)
{
	size_t n = strlen(pattern);
	uint64_t m = 0;

	if (strcmp(pattern, "*") == 0) {
		m = MS_OP_COUNT == 64 ? UINT64_MAX : (1ull << MS_OP_COUNT) - 1;
	} else if (n >= 3 && strcmp(pattern + n - 2, ".*") == 0) {
		for (unsigned i = 0; i < MS_OP_COUNT; i++)
			if (strncmp(ops[i].name, pattern, n - 1) == 0)
				m |= 1ull << i;
	} else {
		int op = ms_op_from_name(pattern);

		if (op >= 0)
			m = 1ull << op;
	}
	if (m == 0)
		return -EINVAL;
	*mask |= m;
	return 0;
}

const char *
ms_op_class_setting(enum ms_op_class cls)
{
	switch (cls) {
	case MS_OPC_SUBSCRIBE: return "accept_subscription";
	case MS_OPC_REDIRECT: return "accept_redirect";
	case MS_OPC_NOTIFY: return "accept_notification";
	case MS_OPC_REPLACE: return "accept_replacement";
	default: return NULL;
	}
}

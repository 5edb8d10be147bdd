/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

bool
ms_addr_in_prefix(const struct ms_addr *x, const struct ms_addr *y)
{
	unsigned bits = x->prefix_len, full = bits / 8, rest = bits % 8;

	if (x->family != y->family)
		return false;
	if (memcmp(x->a, y->a, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (x->a[full] & mask) == (y->a[full] & mask);
}

int
ms_addr_parse(const char *s, struct ms_addr *x, bool allow_prefix)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	uint8_t bytes[16];
	unsigned max;

	if (len == 0 || len >= sizeof(buf) || (slash != NULL && !allow_prefix))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, bytes) == 1) {
		ms_addr_set_v4(x, bytes);
		max = 32;
	} else if (inet_pton(AF_INET6, buf, bytes) == 1) {
		ms_addr_set_v6(x, bytes);
		max = 128;
	} else {
		return -EINVAL;
	}
	if (slash != NULL) {
		char *end;
		unsigned long p;

		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		p = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || p == 0 || p > max)
			return -EINVAL;
		x->prefix_len = (uint8_t)p;
	}
	return 0;
}

int
ms_addr_port_parse(const char *s, struct ms_addr *x, uint16_t *port)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *colon, *host = s;
	size_t hlen;
	char *end;
	unsigned long p;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return -EINVAL;
		host = s + 1;
		hlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || strchr(s, ':') != colon) /* bare IPv6 needs brackets */
			return -EINVAL;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, host, hlen);
	buf[hlen] = '\0';
	if (ms_addr_parse(buf, x, false) < 0)
		return -EINVAL;
	if (s[0] == '[' && x->family != AF_INET6)
		return -EINVAL;
	if (colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	p = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || p == 0 || p > 65535)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

const char *
ms_addr_str(const struct ms_addr *x, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (x->family != AF_INET && x->family != AF_INET6) {
		snprintf(buf, len, "-");
		return buf;
	}
	inet_ntop(x->family, x->a, tmp, sizeof(tmp));
	if (x->prefix_len)
		snprintf(buf, len, "%s/%u", tmp, x->prefix_len);
	else
		snprintf(buf, len, "%s", tmp);
	return buf;
}

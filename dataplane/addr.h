/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_ADDR_H
#define MS_ADDR_H

/*
 * An IPv4 or IPv6 address as the dataplane keeps it: 16 bytes in network
 * order (IPv4 in the first 4, the rest zero), so one key layout serves both
 * families and two addresses compare with one memcmp.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_common.h>

struct ms_addr {
	uint8_t family;     /* AF_INET or AF_INET6; 0: none */
	uint8_t prefix_len; /* on-link prefix where it names a port's own address */
	uint8_t reserved[2];
	uint8_t a[16];
};

static inline bool
ms_addr_is_set(const struct ms_addr *x)
{
	return x->family != 0;
}

static inline bool
ms_addr_equal(const struct ms_addr *x, const struct ms_addr *y)
{
	return x->family == y->family && memcmp(x->a, y->a, sizeof(x->a)) == 0;
}

static inline void
ms_addr_set_v4(struct ms_addr *x, const void *be32)
{
	memset(x, 0, sizeof(*x));
	x->family = AF_INET;
	memcpy(x->a, be32, 4);
}

static inline void
ms_addr_set_v6(struct ms_addr *x, const void *bytes16)
{
	memset(x, 0, sizeof(*x));
	x->family = AF_INET6;
	memcpy(x->a, bytes16, 16);
}

/* True when y lies in the prefix of the port address x. */
bool ms_addr_in_prefix(const struct ms_addr *x, const struct ms_addr *y);

/*
 * Parses "192.0.2.1", "2001:db8::1", with an optional "/len" when
 * allow_prefix; 0 or -EINVAL.
 */
int ms_addr_parse(const char *s, struct ms_addr *x, bool allow_prefix);

/*
 * Parses "192.0.2.1:5004" or "[2001:db8::1]:5004"; 0 or -EINVAL. The port
 * must be 1..65535.
 */
int ms_addr_port_parse(const char *s, struct ms_addr *x, uint16_t *port);

/* "192.0.2.1" or "2001:db8::1", with "/len" when prefix_len is set; returns buf. */
const char *ms_addr_str(const struct ms_addr *x, char *buf, size_t len);
#define MS_ADDR_STRLEN 52

#endif

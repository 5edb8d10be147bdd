/* SPDX-License-Identifier: BSD-3-Clause */
#include "calls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

void
mcmp_wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;

	while (n--)
		*v++ = 0;
}

int
mcmp_parse_addr(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	unsigned long port;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535)
		return -EINVAL;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -EINVAL;
}

static int
set_addr(struct sockaddr_in *sa, const char *ip, const char *port)
{
	char buf[96];

	snprintf(buf, sizeof(buf), "%s:%s", ip, port);
	return mcmp_parse_addr(buf, sa);
}

/* The SDES value (with or without "inline:") into key || salt. */
static int
decode_key(const char *b64, uint8_t *out)
{
	/* 30 bytes are 40 base64 characters; an optional "|lifetime|MKI" tail is not ours */
	uint8_t buf[64];
	size_t len;
	int n;

	if (strncmp(b64, "inline:", 7) == 0)
		b64 += 7;
	len = strcspn(b64, "|");
	if (len != 40)
		return -EINVAL;
	n = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)len);
	if (n != 30) {
		mcmp_wipe(buf, sizeof(buf));
		return -EINVAL;
	}
	memcpy(out, buf, MCMP_KEY_LEN + MCMP_SALT_LEN);
	mcmp_wipe(buf, sizeof(buf));
	return 0;
}

int
mcmp_calls_read(const char *path, struct mcmp_call **calls)
{
	FILE *f = fopen(path, "r");
	struct mcmp_call *c = NULL;
	unsigned n = 0, cap = 0, lineno = 0;
	char line[512], key[128];
	char iobuf[4096]; /* stdio's buffer holds the file's text (keys): ours, wiped */
	int ret = 0;

	if (f == NULL) {
		ret = -errno;
		fprintf(stderr, "calls: %s: %s\n", path, strerror(errno));
		return ret;
	}
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
	while (fgets(line, sizeof(line), f) != NULL) {
		char idx[16], ssrc[16], aip[48], aport[8], bip[48], bport[8];
		char *end;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%15s %15s %47s %7s %47s %7s %127s", idx, ssrc, aip, aport, bip, bport,
			   key) != 7) {
			fprintf(stderr, "calls: %s:%u: expected 7 fields\n", path, lineno);
			ret = -EINVAL;
			break;
		}
		if (n == cap) {
			struct mcmp_call *nc;

			if (cap >= MCMP_MAX_CALLS) {
				fprintf(stderr, "calls: %s: more than %u calls\n", path, MCMP_MAX_CALLS);
				ret = -E2BIG;
				break;
			}
			/* not realloc: it would leave a copy of the keys in freed memory */
			nc = malloc((cap ? 2 * cap : 64) * sizeof(*c));
			if (nc == NULL) {
				ret = -ENOMEM;
				break;
			}
			if (c != NULL) {
				memcpy(nc, c, n * sizeof(*c));
				mcmp_wipe(c, cap * sizeof(*c));
				free(c);
			}
			c = nc;
			cap = cap ? 2 * cap : 64;
		}
		if (strtoul(idx, &end, 10) != n || *end != '\0') {
			fprintf(stderr, "calls: %s:%u: calls must be numbered 0, 1, 2, ...\n", path,
				lineno);
			ret = -EINVAL;
			break;
		}
		c[n].ssrc = (uint32_t)strtoul(ssrc, &end, 16);
		if (*end != '\0' || set_addr(&c[n].a, aip, aport) < 0 ||
		    set_addr(&c[n].b, bip, bport) < 0) {
			fprintf(stderr, "calls: %s:%u: bad SSRC or address\n", path, lineno);
			ret = -EINVAL;
			break;
		}
		if (decode_key(key, c[n].key) < 0) {
			fprintf(stderr, "calls: %s:%u: the key is not a 30-byte SDES inline value\n",
				path, lineno);
			ret = -EINVAL;
			break;
		}
		n++;
	}
	mcmp_wipe(key, sizeof(key));
	mcmp_wipe(line, sizeof(line));
	fclose(f);
	mcmp_wipe(iobuf, sizeof(iobuf));
	if (ret == 0 && n == 0) {
		fprintf(stderr, "calls: %s: no call\n", path);
		ret = -EINVAL;
	}
	if (ret < 0) {
		mcmp_calls_free(c, n);
		return ret;
	}
	*calls = c;
	return (int)n;
}

void
mcmp_calls_free(struct mcmp_call *calls, unsigned n)
{
	if (calls == NULL)
		return;
	mcmp_wipe(calls, n * sizeof(*calls));
	free(calls);
}

int
mcmp_pin_cpu(unsigned cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
}

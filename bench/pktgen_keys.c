/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mediasec-bench pktgen: the key file. One line per session, leg and
 * direction:
 *
 *	s12 a recv inline:<base64 of master key || salt>[|lifetime][|MKI:length]
 *	s12 b send hex:<hex of master key || salt>
 *
 * Keys live in secret memory (secmem.h) from the moment they are read or
 * drawn until they are wiped; files that hold them are written with mode
 * 0600 through a stdio buffer in secret memory too. No message quotes a key.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "pktgen.h"
#include "secmem.h"

#define SECRET_BUF (64u * 1024u)
#define LINE_MAX_LEN 512

static const char *const slot_leg[PG_KEYS_PER_SESSION] = {"a", "a", "b", "b"};
static const char *const slot_dir[PG_KEYS_PER_SESSION] = {"recv", "send", "recv", "send"};

FILE *
pg_secret_fopen(const char *path, void **buf)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	FILE *f;

	*buf = NULL;
	if (fd < 0)
		return NULL;
	/* a file that existed keeps its mode through O_CREAT: tighten it */
	if (fchmod(fd, 0600) < 0 || (*buf = ms_secmem_alloc(SECRET_BUF)) == NULL ||
	    (f = fdopen(fd, "w")) == NULL) {
		int err = errno ? errno : ENOMEM;

		close(fd);
		ms_secmem_free(*buf);
		*buf = NULL;
		errno = err;
		return NULL;
	}
	setvbuf(f, *buf, _IOFBF, SECRET_BUF);
	return f;
}

int
pg_secret_fclose(FILE *f, void *buf)
{
	int ret = ferror(f) ? -EIO : 0;

	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	ms_secmem_free(buf); /* zeroed on free */
	return ret;
}

static bool
slot_used(const struct pg_opts *o, unsigned slot)
{
	return pg_leg_srtp(o, slot < PG_B_RECV ? 0 : 1);
}

static enum ms_srtp_suite
slot_suite(const struct pg_opts *o, unsigned slot)
{
	return o->suite[slot < PG_B_RECV ? 0 : 1];
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * A key as the file gives it into an SDES string for suite: "inline:..." is
 * checked and kept, "hex:..." (or bare hex) becomes "inline:<base64>".
 */
static int
key_to_sdes(const char *in, enum ms_srtp_suite suite, char *out, const char **why)
{
	const struct ms_srtp_suite_info *si = ms_srtp_suite_info(suite);
	size_t want = (size_t)si->master_key_len + si->master_salt_len;
	struct ms_srtp_key_cfg *key = ms_secmem_alloc(sizeof(*key));
	uint8_t *raw = ms_secmem_alloc(MS_SRTP_MAX_KEY_LEN + MS_SRTP_MAX_SALT_LEN);
	uint8_t mki_len;
	int ret = 0;

	if (key == NULL || raw == NULL) {
		*why = "out of memory";
		ret = -ENOMEM;
		goto out;
	}
	if (strncmp(in, "inline:", 7) != 0) {
		const char *h = strncmp(in, "hex:", 4) == 0 ? in + 4 : in;
		size_t n = strlen(h);

		if (n != 2 * want) {
			*why = "a hex key must hold exactly the suite's master key and salt";
			ret = -EINVAL;
			goto out;
		}
		for (size_t i = 0; i < want; i++) {
			int hi = hexval(h[2 * i]), lo = hexval(h[2 * i + 1]);

			if (hi < 0 || lo < 0) {
				*why = "a key is inline:<base64> or hex:<hex digits>";
				ret = -EINVAL;
				goto out;
			}
			raw[i] = (uint8_t)(hi << 4 | lo);
		}
		memcpy(out, "inline:", 7);
		fwd_base64(raw, want, out + 7);
	} else {
		if (strlen(in) >= PG_SDES_MAX) {
			*why = "the key is too long";
			ret = -EINVAL;
			goto out;
		}
		strcpy(out, in);
	}
	/* what mediasecd will say of it, said now */
	ret = ms_sdes_parse(out, suite, key, &mki_len, why);
	if (ret == 0) {
		bool zero = true;

		for (unsigned i = 0; i < si->master_key_len; i++)
			zero &= key->key[i] == 0;
		if (zero) {
			*why = "a master key of zeros";
			ret = -EINVAL;
		}
	}
	if (ret < 0)
		ms_secure_zero(out, PG_SDES_MAX);
out:
	ms_secmem_free(key);
	ms_secmem_free(raw);
	return ret;
}

static int
keys_read(const struct pg_opts *o, struct pg_keys *k)
{
	FILE *f = fopen(o->keys_in, "re");
	char *line = ms_secmem_alloc(LINE_MAX_LEN), *rbuf = ms_secmem_alloc(SECRET_BUF);
	unsigned lineno = 0, ignored = 0;
	uint32_t missing = 0;
	int ret = 0;

	if (f == NULL || line == NULL || rbuf == NULL) {
		ret = f == NULL ? -errno : -ENOMEM;
		fprintf(stderr, "pktgen: %s: %s\n", o->keys_in, strerror(-ret));
		goto out;
	}
	setvbuf(f, rbuf, _IOFBF, SECRET_BUF);
	while (fgets(line, LINE_MAX_LEN, f) != NULL) {
		char *save = NULL, *name, *leg, *dir, *key, *extra;
		const char *why = NULL;
		unsigned long idx;
		unsigned slot;
		char *end;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			fprintf(stderr, "pktgen: %s:%u: line too long\n", o->keys_in, lineno);
			ret = -EINVAL;
			break;
		}
		name = strtok_r(line, " \t\r\n", &save);
		if (name == NULL || name[0] == '#')
			continue;
		leg = strtok_r(NULL, " \t\r\n", &save);
		dir = strtok_r(NULL, " \t\r\n", &save);
		key = strtok_r(NULL, " \t\r\n", &save);
		extra = strtok_r(NULL, " \t\r\n", &save);
		if (key == NULL || extra != NULL || name[0] != 's' ||
		    (idx = strtoul(name + 1, &end, 10), *end != '\0' || name[1] == '\0') ||
		    (strcmp(leg, "a") != 0 && strcmp(leg, "b") != 0) ||
		    (strcmp(dir, "recv") != 0 && strcmp(dir, "send") != 0)) {
			fprintf(stderr,
				"pktgen: %s:%u: expected \"s<number> a|b recv|send <key>\"\n",
				o->keys_in, lineno);
			ret = -EINVAL;
			break;
		}
		slot = (leg[0] == 'b' ? 2u : 0u) + (dir[0] == 's' ? 1u : 0u);
		if (idx >= o->sessions || !slot_used(o, slot)) {
			/* another run's sessions, or a leg that is RTP in this mode */
			ignored++;
			continue;
		}
		char *dst = k->sdes[idx * PG_KEYS_PER_SESSION + slot];
		if (dst[0] != '\0') {
			fprintf(stderr, "pktgen: %s:%u: s%lu %s %s given twice\n", o->keys_in, lineno,
				idx, leg, dir);
			ret = -EINVAL;
			break;
		}
		if (key_to_sdes(key, slot_suite(o, slot), dst, &why) < 0) {
			fprintf(stderr, "pktgen: %s:%u: s%lu %s %s: %s (%s)\n", o->keys_in, lineno, idx,
				leg, dir, why, ms_srtp_suite_info(slot_suite(o, slot))->name);
			ret = -EINVAL;
			break;
		}
	}
	if (ret == 0 && ferror(f)) {
		fprintf(stderr, "pktgen: %s: read error\n", o->keys_in);
		ret = -EIO;
	}
	for (uint32_t i = 0; ret == 0 && i < o->sessions; i++)
		for (unsigned s = 0; s < PG_KEYS_PER_SESSION; s++)
			if (slot_used(o, s) && k->sdes[i * PG_KEYS_PER_SESSION + s][0] == '\0') {
				if (missing++ < 5)
					fprintf(stderr, "pktgen: %s: no key for s%u %s %s\n", o->keys_in,
						i, slot_leg[s], slot_dir[s]);
			}
	if (missing > 0) {
		fprintf(stderr, "pktgen: %s: %u keys missing for %u sessions in mode %s\n",
			o->keys_in, missing, o->sessions, fwd_mode_info(o->mode)->name);
		ret = -EINVAL;
	}
	if (ret == 0 && ignored > 0)
		fprintf(stderr,
			"pktgen: %s: %u lines not used (sessions beyond %u, or legs that are RTP in "
			"mode %s)\n",
			o->keys_in, ignored, o->sessions, fwd_mode_info(o->mode)->name);
out:
	if (f != NULL)
		fclose(f);
	ms_secmem_free(line);
	ms_secmem_free(rbuf);
	return ret;
}

static int
keys_generate(const struct pg_opts *o, struct pg_keys *k)
{
	uint8_t *raw = ms_secmem_alloc(MS_SRTP_MAX_KEY_LEN + MS_SRTP_MAX_SALT_LEN);

	if (raw == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < o->sessions; i++) {
		for (unsigned s = 0; s < PG_KEYS_PER_SESSION; s++) {
			const struct ms_srtp_suite_info *si = ms_srtp_suite_info(slot_suite(o, s));
			size_t n = (size_t)si->master_key_len + si->master_salt_len;
			bool zero;

			if (!slot_used(o, s))
				continue;
			do {
				if (getrandom(raw, n, 0) != (ssize_t)n) {
					fprintf(stderr, "pktgen: getrandom: %s\n", strerror(errno));
					ms_secmem_free(raw);
					return -EIO;
				}
				zero = true;
				for (unsigned b = 0; b < si->master_key_len; b++)
					zero &= raw[b] == 0;
			} while (zero); /* mediasecd refuses a master key of zeros */
			char *dst = k->sdes[i * PG_KEYS_PER_SESSION + s];
			memcpy(dst, "inline:", 7);
			fwd_base64(raw, n, dst + 7);
		}
	}
	ms_secmem_free(raw);
	return 0;
}

int
pg_keys_load(const struct pg_opts *o, struct pg_keys *k)
{
	size_t bytes = (size_t)o->sessions * PG_KEYS_PER_SESSION * PG_SDES_MAX;
	int ret;

	k->sessions = o->sessions;
	k->sdes = ms_secmem_alloc(bytes);
	if (k->sdes == NULL) {
		fprintf(stderr, "pktgen: no secret memory for %u sessions' keys (%zu bytes)\n",
			o->sessions, bytes);
		return -ENOMEM;
	}
	ret = o->keys_in != NULL ? keys_read(o, k) : keys_generate(o, k);
	if (ret < 0)
		pg_keys_free(k);
	return ret;
}

int
pg_keys_write(const struct pg_opts *o, const struct pg_keys *k, const char *path)
{
	void *buf;
	FILE *f = pg_secret_fopen(path, &buf);

	if (f == NULL)
		return -errno;
	fprintf(f,
		"# mediasec-bench pktgen keys (%s, %u sessions): SESSION LEG DIRECTION KEY\n"
		"# LEG a: the leg on the appliance's port a (pktgen port A); b: port b.\n"
		"# recv: what the peer sends to mediasecd (the pcap of that side carries it);\n"
		"# send: what mediasecd sends to the peer. KEY: inline:<base64 of master key ||\n"
		"# salt>[|lifetime][|MKI:length] as in SDP, or hex:<hex of master key || salt>.\n",
		fwd_mode_info(o->mode)->label, o->sessions);
	for (uint32_t i = 0; i < o->sessions; i++)
		for (unsigned s = 0; s < PG_KEYS_PER_SESSION; s++)
			if (slot_used(o, s))
				fprintf(f, "s%u %s %s %s\n", i, slot_leg[s], slot_dir[s],
					k->sdes[i * PG_KEYS_PER_SESSION + s]);
	return pg_secret_fclose(f, buf);
}

void
pg_keys_free(struct pg_keys *k)
{
	ms_secmem_free(k->sdes); /* zeroed on free */
	k->sdes = NULL;
	k->sessions = 0;
}

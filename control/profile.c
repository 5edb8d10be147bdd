/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "profile.h"

const char *const ms_profile_members[] = {
	"name", "description", "transport", "security_mode", "digest_authentication",
	"nonce_validity", "x509_subjects", "incoming_port", "application_authorization",
	"accept_subscription", "accept_redirect", "accept_notification", "accept_replacement",
	NULL,
};

const struct ms_profile_flag ms_profile_flags[MS_PROFILE_NB_FLAGS] = {
	{"digest_authentication", offsetof(struct ms_profile_cfg, digest)},
	{"application_authorization", offsetof(struct ms_profile_cfg, app_authorization)},
	{"accept_subscription", offsetof(struct ms_profile_cfg, accept_subscription)},
	{"accept_redirect", offsetof(struct ms_profile_cfg, accept_redirect)},
	{"accept_notification", offsetof(struct ms_profile_cfg, accept_notification)},
	{"accept_replacement", offsetof(struct ms_profile_cfg, accept_replacement)},
};

static const char *const transports[] = {[MS_TRANSPORT_UNIX] = "unix", [MS_TRANSPORT_TLS] = "tls"};
static const char *const secmodes[] = {
	[MS_LEG_RTP] = "non-secure",
	[MS_LEG_AUTHENTICATED] = "authenticated",
	[MS_LEG_ENCRYPTED] = "encrypted",
};

const char *
ms_transport_str(uint8_t t)
{
	return t < RTE_DIM(transports) ? transports[t] : "?";
}

int
ms_transport_from_str(const char *s)
{
	for (unsigned i = 0; i < RTE_DIM(transports); i++)
		if (strcmp(s, transports[i]) == 0)
			return (int)i;
	return -EINVAL;
}

const char *
ms_secmode_str(uint8_t mode)
{
	return mode < RTE_DIM(secmodes) ? secmodes[mode] : "?";
}

int
ms_secmode_from_str(const char *s)
{
	for (unsigned i = 0; i < RTE_DIM(secmodes); i++)
		if (strcmp(s, secmodes[i]) == 0)
			return (int)i;
	return -EINVAL;
}

void
ms_profile_defaults(struct ms_profile_cfg *p)
{
	memset(p, 0, sizeof(*p));
	p->transport = MS_TRANSPORT_TLS;
	/* secure unless said otherwise */
	p->security_mode = MS_LEG_ENCRYPTED;
	p->nonce_validity = 600;
}

static bool
subject_sep(char c)
{
	return c == ' ' || c == ',' || c == ';' || c == ':' || c == '\t';
}

int
ms_subjects_each(const char *list, int (*fn)(const char *name, size_t len, void *arg), void *arg)
{
	const char *s = list;

	while (*s != '\0') {
		size_t n;
		int ret;

		while (*s != '\0' && subject_sep(*s))
			s++;
		for (n = 0; s[n] != '\0' && !subject_sep(s[n]); n++)
			;
		if (n == 0)
			break;
		ret = fn(s, n, arg);
		if (ret != 0)
			return ret;
		s += n;
	}
	return 0;
}

struct has_arg {
	const char *name;
	size_t len;
};

static int
has_one(const char *name, size_t len, void *arg)
{
	const struct has_arg *h = arg;

	return len == h->len && strncasecmp(name, h->name, len) == 0;
}

bool
ms_subjects_has(const char *list, const char *name)
{
	struct has_arg h = {.name = name, .len = strlen(name)};

	return h.len > 0 && ms_subjects_each(list, has_one, &h) == 1;
}

static int
count_name(const char *name, size_t len, void *arg)
{
	unsigned *n = arg;

	(void)name;
	if (len > MS_SUBJECT_MAX)
		return -1;
	(*n)++;
	return 0;
}

static bool
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > MS_CTL_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

int
ms_profile_check(const struct ms_profile_cfg *p, struct ms_jerr *e)
{
	unsigned names = 0;

	if (!name_ok(p->name))
		return ms_jerr(e, 400, "name", "'%s' is not 1 to %d characters of A-Z a-z 0-9 . _ -",
			       p->name, MS_CTL_NAME_MAX);
	for (const char *d = p->description; *d; d++)
		if ((unsigned char)*d < 0x20 || *d == 0x7f)
			return ms_jerr(e, 400, "description", "holds a control character");
	if (p->transport > MS_TRANSPORT_TLS)
		return ms_jerr(e, 400, "transport", "must be \"unix\" or \"tls\"");
	if (p->security_mode > MS_LEG_ENCRYPTED)
		return ms_jerr(e, 400, "security_mode",
			       "must be \"non-secure\", \"authenticated\" or \"encrypted\"");
	if (p->nonce_validity < 1 || p->nonce_validity > 86400)
		return ms_jerr(e, 400, "nonce_validity", "%u is outside 1..86400 seconds",
			       p->nonce_validity);
	if (p->app_authorization && !p->digest)
		return ms_jerr(e, 400, "application_authorization",
			       "needs digest_authentication: the operation lists belong to the "
			       "identities digest authentication proves");
	if (strlen(p->subjects) > MS_CTL_SUBJECTS_MAX)
		return ms_jerr(e, 400, "x509_subjects", "longer than %d characters",
			       MS_CTL_SUBJECTS_MAX);
	if (ms_subjects_each(p->subjects, count_name, &names) < 0)
		return ms_jerr(e, 400, "x509_subjects", "a name longer than %d characters",
			       MS_SUBJECT_MAX);
	if (p->transport == MS_TRANSPORT_TLS) {
		if (p->incoming_port < 1024)
			return ms_jerr(e, 400, "incoming_port",
				       "a tls profile needs its listener's port, 1024..65535");
		if (names == 0)
			return ms_jerr(e, 400, "x509_subjects",
				       "a tls profile needs at least one X.509 subject name: no "
				       "client could use it");
	} else {
		if (p->incoming_port != 0)
			return ms_jerr(e, 400, "incoming_port",
				       "a unix profile has no port (its listener names it)");
		if (names != 0)
			return ms_jerr(e, 400, "x509_subjects",
				       "a unix profile has no certificates to match");
	}
	return 0;
}

struct unique_arg {
	const struct ms_profile_cfg *other;
	const char *dup;
	size_t dup_len;
};

static int
find_in_other(const char *name, size_t len, void *arg)
{
	struct unique_arg *u = arg;
	struct has_arg h = {.name = name, .len = len};

	if (ms_subjects_each(u->other->subjects, has_one, &h) == 1) {
		u->dup = name;
		u->dup_len = len;
		return 1;
	}
	return 0;
}

int
ms_profile_check_unique(const struct ms_profile_cfg *p, const struct ms_profile_cfg *const *others,
			unsigned n, struct ms_jerr *e)
{
	if (p->transport != MS_TRANSPORT_TLS)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		const struct ms_profile_cfg *o = others[i];
		struct unique_arg u = {.other = o};

		if (strcmp(o->name, p->name) == 0 || o->transport != MS_TRANSPORT_TLS ||
		    o->incoming_port != p->incoming_port)
			continue;
		if (ms_subjects_each(p->subjects, find_in_other, &u) == 1)
			return ms_jerr(e, 409, "x509_subjects",
				       "subject '%.*s' on port %u is already in profile '%s': a "
				       "subject and port pair belongs to one profile",
				       (int)u.dup_len, u.dup, p->incoming_port, o->name);
	}
	return 0;
}

int
ms_profile_from_json(const cJSON *obj, const char *path, bool allow_name, struct ms_profile_cfg *p,
		     struct ms_jerr *e)
{
	char fp[MS_JERR_FIELD];
	const char *s;
	int64_t v;
	int ret;

	if (ms_jarg_check(obj, path, ms_profile_members, e) < 0)
		return -1;
	if (!allow_name && cJSON_GetObjectItemCaseSensitive(obj, "name") != NULL)
		return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "name"),
			       "a profile's name cannot change (copy it, then delete the old one)");
	if ((ret = ms_jarg_str(obj, path, "name", MS_CTL_NAME_MAX, &s, e)) < 0)
		return -1;
	if (ret > 0)
		snprintf(p->name, sizeof(p->name), "%s", s);
	if ((ret = ms_jarg_str(obj, path, "description", MS_CTL_DESC_MAX, &s, e)) < 0)
		return -1;
	if (ret > 0)
		snprintf(p->description, sizeof(p->description), "%s", s);
	if ((ret = ms_jarg_str(obj, path, "transport", 16, &s, e)) < 0)
		return -1;
	if (ret > 0) {
		int t = ms_transport_from_str(s);

		if (t < 0)
			return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "transport"),
				       "'%s' is not \"unix\" or \"tls\"", s);
		p->transport = (uint8_t)t;
	}
	if ((ret = ms_jarg_str(obj, path, "security_mode", 16, &s, e)) < 0)
		return -1;
	if (ret > 0) {
		int m = ms_secmode_from_str(s);

		if (m < 0)
			return ms_jerr(e, 400, ms_jpath(fp, sizeof(fp), path, "security_mode"),
				       "'%s' is not \"non-secure\", \"authenticated\" or \"encrypted\"",
				       s);
		p->security_mode = (uint8_t)m;
	}
	for (unsigned i = 0; i < MS_PROFILE_NB_FLAGS; i++)
		if (ms_jarg_bool(obj, path, ms_profile_flags[i].name, ms_profile_flag(p, i), e) < 0)
			return -1;
	if ((ret = ms_jarg_int(obj, path, "nonce_validity", 1, 86400, &v, e)) < 0)
		return -1;
	if (ret > 0)
		p->nonce_validity = (uint32_t)v;
	if ((ret = ms_jarg_str(obj, path, "x509_subjects", MS_CTL_SUBJECTS_MAX, &s, e)) < 0)
		return -1;
	if (ret > 0)
		snprintf(p->subjects, sizeof(p->subjects), "%s", s);
	if ((ret = ms_jarg_int(obj, path, "incoming_port", 0, 65535, &v, e)) < 0)
		return -1;
	if (ret > 0)
		p->incoming_port = (uint16_t)v;
	if (ms_profile_check(p, e) < 0) {
		char f[MS_JERR_FIELD];

		snprintf(f, sizeof(f), "%s", e->field);
		ms_jpath(e->field, sizeof(e->field), path, f);
		return -1;
	}
	return 0;
}

void
ms_profile_to_json(struct ms_jw *w, const struct ms_profile *pr)
{
	const struct ms_profile_cfg *p = &pr->c;

	ms_jw_obj(w);
	ms_jw_kstr(w, "name", p->name);
	ms_jw_kstr(w, "description", p->description);
	ms_jw_kstr(w, "transport", ms_transport_str(p->transport));
	ms_jw_kstr(w, "security_mode", ms_secmode_str(p->security_mode));
	ms_jw_kuint(w, "nonce_validity", p->nonce_validity);
	ms_jw_kstr(w, "x509_subjects", p->subjects);
	ms_jw_kuint(w, "incoming_port", p->incoming_port);
	for (unsigned i = 0; i < MS_PROFILE_NB_FLAGS; i++)
		ms_jw_kbool(w, ms_profile_flags[i].name,
			    *ms_profile_flag((struct ms_profile_cfg *)(uintptr_t)p, i));
	ms_jw_kstr(w, "origin", pr->from_file ? "config" : "runtime");
	ms_jw_end(w);
}

struct ms_profile *
ms_profiles_find(const struct ms_profiles *s, const char *name)
{
	for (unsigned i = 0; i < s->n; i++)
		if (strcmp(s->p[i]->c.name, name) == 0)
			return s->p[i];
	return NULL;
}

struct ms_profile *
ms_profiles_match_tls(const struct ms_profiles *s, uint16_t port, const char (*names)[256],
		      unsigned nb_names, const char **matched)
{
	for (unsigned i = 0; i < s->n; i++) {
		struct ms_profile *p = s->p[i];

		if (p->c.transport != MS_TRANSPORT_TLS || p->c.incoming_port != port)
			continue;
		for (unsigned k = 0; k < nb_names; k++)
			if (ms_subjects_has(p->c.subjects, names[k])) {
				*matched = names[k];
				return p;
			}
	}
	return NULL;
}

struct ms_profile *
ms_profiles_add(struct ms_profiles *s, const struct ms_profile_cfg *c, bool from_file)
{
	struct ms_profile *p;

	if (s->n >= MS_CTL_MAX_PROFILES)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->c = *c;
	p->from_file = from_file;
	s->p[s->n++] = p;
	return p;
}

void
ms_profiles_remove(struct ms_profiles *s, struct ms_profile *p)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->p[i] == p) {
			memmove(&s->p[i], &s->p[i + 1], (s->n - i - 1) * sizeof(s->p[0]));
			s->n--;
			free(p);
			return;
		}
}

void
ms_profiles_free(struct ms_profiles *s)
{
	for (unsigned i = 0; i < s->n; i++)
		free(s->p[i]);
	s->n = 0;
}

unsigned
ms_profiles_cfgs(const struct ms_profiles *s, const struct ms_profile *skip,
		 const struct ms_profile_cfg **out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->n; i++)
		if (s->p[i] != skip)
			out[n++] = &s->p[i]->c;
	return n;
}

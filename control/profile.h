/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MS_PROFILE_H
#define MS_PROFILE_H

/*
 * Security profiles of control clients: the seed's SIP trunk security
 * profile. The rules a profile obeys are checked here once, for the
 * configuration file and for the protocol's profile operations alike.
 * Profiles are records identified by name; an update changes the record in
 * place, so connections and later requests see it at once, and nothing
 * already installed is touched.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "jarg.h"
#include "jw.h"

#define MS_SUBJECT_MAX 255 /* one name of a subject list */

struct ms_profile {
	struct ms_profile_cfg c;
	bool from_file;    /* defined by the configuration file (a reload resets it) */
	uint32_t sessions; /* sessions created under it: dependency records */
	uint32_t conns;    /* connections bound to it now */
};

const char *ms_transport_str(uint8_t t);
int ms_transport_from_str(const char *s);
/* "non-secure", "authenticated", "encrypted" for the leg modes rtp, authenticated, encrypted. */
const char *ms_secmode_str(uint8_t mode);
int ms_secmode_from_str(const char *s);

/* Every setting of a profile, by the name the file and the protocol give it (NULL-terminated). */
extern const char *const ms_profile_members[];

/* The boolean settings of a profile: one table for the file and the protocol. */
struct ms_profile_flag {
	const char *name;
	size_t offset; /* of the bool in struct ms_profile_cfg */
};

#define MS_PROFILE_NB_FLAGS 6
extern const struct ms_profile_flag ms_profile_flags[MS_PROFILE_NB_FLAGS];

static inline bool *
ms_profile_flag(struct ms_profile_cfg *p, unsigned i)
{
	return (bool *)((char *)p + ms_profile_flags[i].offset);
}

/* The defaults of a new profile (name empty). */
void ms_profile_defaults(struct ms_profile_cfg *p);

/*
 * Calls fn for each name of an X.509 subject list (names separated by
 * space, comma, semicolon or colon). Stops at fn's first non-zero return
 * and returns it.
 */
int ms_subjects_each(const char *list, int (*fn)(const char *name, size_t len, void *arg),
		     void *arg);
/* The list holds name (ASCII case-insensitive). */
bool ms_subjects_has(const char *list, const char *name);

/*
 * The rules of one profile. On a fault: -1, e names the field
 * ("x509_subjects") and why.
 */
int ms_profile_check(const struct ms_profile_cfg *p, struct ms_jerr *e);
/*
 * The rules between profiles: no X.509 subject name on the same incoming port
 * as in another profile (other than one named like p). -1 (409) naming the
 * other profile.
 */
int ms_profile_check_unique(const struct ms_profile_cfg *p,
			    const struct ms_profile_cfg *const *others, unsigned n,
			    struct ms_jerr *e);

/*
 * Sets the fields present in obj (the protocol's profile object) over p;
 * name only when allow_name. Unknown members are errors. Then
 * ms_profile_check.
 */
int ms_profile_from_json(const cJSON *obj, const char *path, bool allow_name,
			 struct ms_profile_cfg *p, struct ms_jerr *e);
void ms_profile_to_json(struct ms_jw *w, const struct ms_profile *p);

/* The profiles of a running daemon. */
struct ms_profiles {
	unsigned n;
	struct ms_profile *p[MS_CTL_MAX_PROFILES];
};

struct ms_profile *ms_profiles_find(const struct ms_profiles *s, const char *name);
/* The TLS profile on port whose subject list holds one of names. */
struct ms_profile *ms_profiles_match_tls(const struct ms_profiles *s, uint16_t port,
					 const char (*names)[256], unsigned nb_names,
					 const char **matched);
/* Adds a copy of c (checked by the caller); NULL when full or out of memory. */
struct ms_profile *ms_profiles_add(struct ms_profiles *s, const struct ms_profile_cfg *c,
				   bool from_file);
void ms_profiles_remove(struct ms_profiles *s, struct ms_profile *p);
void ms_profiles_free(struct ms_profiles *s);
/* The configurations of every profile but skip (for ms_profile_check_unique). */
unsigned ms_profiles_cfgs(const struct ms_profiles *s, const struct ms_profile *skip,
			  const struct ms_profile_cfg **out);

#endif

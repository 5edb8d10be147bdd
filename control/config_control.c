/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control section of the configuration: listeners of the control
 * socket, security profiles and the clients digest authentication knows
 * (docs/configuration.md, "control").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config_parse.h"
#include "digest.h"
#include "ops.h"
#include "profile.h"
#include "secmem.h"

static int
parse_ids(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, const char *name,
	  uint32_t *ids, unsigned *n)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	char path[MS_CFGP_PATH_LEN], epath[MS_CFGP_PATH_LEN];

	*n = 0;
	if (s == NULL)
		return 0;
	ms_cfgp_join(path, sizeof(path), gpath, name);
	if (!config_setting_is_array(s))
		return ms_cfgp_bad(p, s, path, "must be an array [ 0, 1000 ] of ids");
	if (config_setting_length(s) > MS_CTL_MAX_IDS)
		return ms_cfgp_bad(p, s, path, "more than %d ids", MS_CTL_MAX_IDS);
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		long long v;

		ms_cfgp_elem(epath, sizeof(epath), path, (unsigned)i);
		if (config_setting_type(e) == CONFIG_TYPE_INT)
			v = config_setting_get_int(e);
		else if (config_setting_type(e) == CONFIG_TYPE_INT64)
			v = config_setting_get_int64(e);
		else
			return ms_cfgp_bad(p, e, epath, "must be an integer");
		if (v < 0 || v > 4294967294LL)
			return ms_cfgp_bad(p, e, epath, "%lld is not a uid or gid", v);
		ids[(*n)++] = (uint32_t)v;
	}
	return 1;
}

static int
copy_str(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, const char *name,
	 char *dst, size_t len, bool required, const char *what)
{
	const char *s = NULL;
	char path[MS_CFGP_PATH_LEN];
	int ret = ms_cfgp_str(p, g, gpath, name, &s);

	if (ret < 0)
		return ret;
	if (ret == 0)
		return required ? ms_cfgp_missing(p, g, gpath, name, what) : 0;
	if (strlen(s) >= len)
		return ms_cfgp_bad(p, config_setting_get_member(g, name),
				   ms_cfgp_join(path, sizeof(path), gpath, name),
				   "longer than %zu characters", len - 1);
	snprintf(dst, len, "%s", s);
	return 1;
}

static int
parse_listener(struct ms_cfgp *p, const config_setting_t *g, const char *gpath,
	       struct ms_listener_cfg *l)
{
	static const char *const known[] = {"transport", "path", "mode", "allow_uids",
					    "allow_gids", "profile", "address", "port",
					    "certificate", "key", "ca_file", "ca_path", NULL};
	static const char *const unix_only[] = {"path", "mode", "allow_uids", "allow_gids",
						"profile"};
	static const char *const tls_only[] = {"address", "port", "certificate", "key",
					       "ca_file", "ca_path"};
	const config_setting_t *s;
	char path[MS_CFGP_PATH_LEN];
	const char *str = NULL;
	int ret, t;

	if ((ret = ms_cfgp_check_known(p, g, gpath, known)) < 0)
		return ret;
	if ((ret = ms_cfgp_str(p, g, gpath, "transport", &str)) < 0)
		return ret;
	if (ret == 0)
		return ms_cfgp_missing(p, g, gpath, "transport", "\"unix\" or \"tls\"");
	t = ms_transport_from_str(str);
	if (t < 0)
		return ms_cfgp_bad(p, config_setting_get_member(g, "transport"),
				   ms_cfgp_join(path, sizeof(path), gpath, "transport"),
				   "'%s' is not \"unix\" or \"tls\" (plain TCP or UDP is never offered for keys)",
				   str);
	l->transport = (uint8_t)t;
	for (unsigned i = 0; i < (t == MS_TRANSPORT_UNIX ? RTE_DIM(tls_only) : RTE_DIM(unix_only));
	     i++) {
		const char *n = t == MS_TRANSPORT_UNIX ? tls_only[i] : unix_only[i];

		s = config_setting_get_member(g, n);
		if (s != NULL)
			return ms_cfgp_bad(p, s, ms_cfgp_join(path, sizeof(path), gpath, n),
					   "not a setting of a %s listener", ms_transport_str(l->transport));
	}
	if (t == MS_TRANSPORT_UNIX) {
		if ((ret = copy_str(p, g, gpath, "path", l->path, sizeof(l->path), true,
				    "the socket's path")) < 0)
			return ret;
		if (l->path[0] != '/')
			return ms_cfgp_bad(p, config_setting_get_member(g, "path"),
					   ms_cfgp_join(path, sizeof(path), gpath, "path"),
					   "'%s' is not an absolute path", l->path);
		l->mode = 0600;
		if ((ret = ms_cfgp_str(p, g, gpath, "mode", &str)) < 0)
			return ret;
		if (ret > 0) {
			char *end;
			unsigned long m = strtoul(str, &end, 8);

			s = config_setting_get_member(g, "mode");
			ms_cfgp_join(path, sizeof(path), gpath, "mode");
			if (str[0] != '0' || *end != '\0' || m > 0777)
				return ms_cfgp_bad(p, s, path, "'%s' is not an octal file mode like \"0600\"",
						   str);
			if (m & 0007)
				return ms_cfgp_bad(p, s, path,
						   "%s gives other users access to the key socket: use the owner and allow_gids",
						   str);
			if (!(m & 0600))
				return ms_cfgp_bad(p, s, path, "%s: the owner must read and write",
						   str);
			l->mode = (uint32_t)m;
		}
		if ((ret = parse_ids(p, g, gpath, "allow_uids", l->uids, &l->nb_uids)) < 0 ||
		    (ret = parse_ids(p, g, gpath, "allow_gids", l->gids, &l->nb_gids)) < 0)
			return ret;
		if (l->nb_uids == 0 && l->nb_gids == 0)
			l->uids[l->nb_uids++] = (uint32_t)geteuid();
		return copy_str(p, g, gpath, "profile", l->profile, sizeof(l->profile), true,
				"the security profile of the socket's clients") < 0 ? -EINVAL : 0;
	}
	if ((ret = ms_cfgp_str(p, g, gpath, "address", &str)) < 0)
		return ret;
	if (ret == 0)
		str = "0.0.0.0";
	if (ms_addr_parse(str, &l->address, false) < 0)
		return ms_cfgp_bad(p, config_setting_get_member(g, "address"),
				   ms_cfgp_join(path, sizeof(path), gpath, "address"),
				   "'%s' is not an IPv4 or IPv6 address", str);
	if ((ret = ms_cfgp_u16(p, g, gpath, "port", 1024, 65535, &l->port)) < 0)
		return ret;
	if (ret == 0)
		return ms_cfgp_missing(p, g, gpath, "port", "the TCP port, 1024..65535");
	if ((ret = copy_str(p, g, gpath, "certificate", l->certificate, sizeof(l->certificate),
			    true, "the server certificate (PEM or DER)")) < 0 ||
	    (ret = copy_str(p, g, gpath, "key", l->key, sizeof(l->key), true,
			    "the server's private key (PEM or DER)")) < 0 ||
	    (ret = copy_str(p, g, gpath, "ca_file", l->ca_file, sizeof(l->ca_file), false, "")) < 0 ||
	    (ret = copy_str(p, g, gpath, "ca_path", l->ca_path, sizeof(l->ca_path), false, "")) < 0)
		return ret;
	if (l->ca_file[0] == '\0' && l->ca_path[0] == '\0')
		return ms_cfgp_missing(p, g, gpath, "ca_file",
				       "the CAs clients' certificates must chain to (ca_file or ca_path): "
				       "mutual authentication is required");
	return 0;
}

/* A profile's field name, as ms_profile_check reports it, to the file's path and line. */
static int
profile_fault(struct ms_cfgp *p, const config_setting_t *g, const char *gpath,
	      const struct ms_jerr *e)
{
	char path[MS_CFGP_PATH_LEN];
	const config_setting_t *s = config_setting_get_member(g, e->field);

	return ms_cfgp_bad(p, s != NULL ? s : g, ms_cfgp_join(path, sizeof(path), gpath, e->field),
			   "%s", e->msg);
}

static int
parse_profile(struct ms_cfgp *p, const config_setting_t *g, const char *gpath,
	      struct ms_profile_cfg *pc)
{
	char path[MS_CFGP_PATH_LEN];
	const char *str = NULL;
	struct ms_jerr e;
	int ret;

	ms_profile_defaults(pc);
	if ((ret = ms_cfgp_check_known(p, g, gpath, ms_profile_members)) < 0)
		return ret;
	if ((ret = copy_str(p, g, gpath, "name", pc->name, sizeof(pc->name), true,
			    "the profile's name")) < 0 ||
	    (ret = copy_str(p, g, gpath, "description", pc->description, sizeof(pc->description),
			    false, "")) < 0 ||
	    (ret = copy_str(p, g, gpath, "x509_subjects", pc->subjects, sizeof(pc->subjects), false,
			    "")) < 0)
		return ret;
	if ((ret = ms_cfgp_str(p, g, gpath, "transport", &str)) < 0)
		return ret;
	if (ret == 0)
		return ms_cfgp_missing(p, g, gpath, "transport", "\"unix\" or \"tls\"");
	if ((ret = ms_transport_from_str(str)) < 0)
		return ms_cfgp_bad(p, config_setting_get_member(g, "transport"),
				   ms_cfgp_join(path, sizeof(path), gpath, "transport"),
				   "'%s' is not \"unix\" or \"tls\"", str);
	pc->transport = (uint8_t)ret;
	if ((ret = ms_cfgp_str(p, g, gpath, "security_mode", &str)) < 0)
		return ret;
	if (ret > 0) {
		if ((ret = ms_secmode_from_str(str)) < 0)
			return ms_cfgp_bad(p, config_setting_get_member(g, "security_mode"),
					   ms_cfgp_join(path, sizeof(path), gpath, "security_mode"),
					   "'%s' is not \"non-secure\", \"authenticated\" or \"encrypted\"",
					   str);
		pc->security_mode = (uint8_t)ret;
	}
	for (unsigned i = 0; i < MS_PROFILE_NB_FLAGS; i++)
		if ((ret = ms_cfgp_bool(p, g, gpath, ms_profile_flags[i].name, ms_profile_flag(pc, i))) < 0)
			return ret;
	if ((ret = ms_cfgp_u32(p, g, gpath, "nonce_validity", 1, 86400, &pc->nonce_validity)) < 0 ||
	    (ret = ms_cfgp_u16(p, g, gpath, "incoming_port", 1024, 65535, &pc->incoming_port)) < 0)
		return ret;
	if (ms_profile_check(pc, &e) < 0)
		return profile_fault(p, g, gpath, &e);
	return 0;
}

static int
parse_client(struct ms_cfgp *p, const config_setting_t *g, const char *gpath,
	     struct ms_client_cfg *c)
{
	static const char *const known[] = {"name", "digest_ha1", "operations", "profiles", NULL};
	const config_setting_t *list = NULL;
	char path[MS_CFGP_PATH_LEN], epath[MS_CFGP_PATH_LEN];
	int ret;

	memset(c, 0, sizeof(*c));
	if ((ret = ms_cfgp_check_known(p, g, gpath, known)) < 0)
		return ret;
	if ((ret = copy_str(p, g, gpath, "name", c->name, sizeof(c->name), true,
			    "the user name digest authentication proves")) < 0)
		return ret;
	if (!ms_jname_ok(c->name, MS_CTL_NAME_MAX) || strchr(c->name, ':') || strchr(c->name, '"'))
		return ms_cfgp_bad(p, config_setting_get_member(g, "name"),
				   ms_cfgp_join(path, sizeof(path), gpath, "name"),
				   "'%s' is not 1 to %d printable characters without blanks, ':' or '\"'",
				   c->name, MS_CTL_NAME_MAX);
	if ((ret = copy_str(p, g, gpath, "digest_ha1", c->ha1, sizeof(c->ha1), true,
			    "SHA-256(name:realm:password) in hex (mediasecctl hash-password)")) < 0)
		return ret;
	if (!ms_digest_hex_ok(c->ha1))
		return ms_cfgp_bad(p, config_setting_get_member(g, "digest_ha1"),
				   ms_cfgp_join(path, sizeof(path), gpath, "digest_ha1"),
				   "not 64 lowercase hex characters (a SHA-256 value): store the hash, never the password");
	if ((ret = ms_cfgp_str_list(p, g, gpath, "operations", &list)) < 0)
		return ret;
	ms_cfgp_join(path, sizeof(path), gpath, "operations");
	for (int i = 0; ret > 0 && i < config_setting_length(list); i++) {
		const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);

		if (ms_op_pattern(config_setting_get_string(e), &c->operations) < 0)
			return ms_cfgp_bad(p, e, ms_cfgp_elem(epath, sizeof(epath), path, (unsigned)i),
					   "'%s' names no operation (an operation, \"group.*\" or \"*\")",
					   config_setting_get_string(e));
	}
	if ((ret = ms_cfgp_str_list(p, g, gpath, "profiles", &list)) < 0)
		return ret;
	ms_cfgp_join(path, sizeof(path), gpath, "profiles");
	if (ret > 0 && config_setting_length(list) > MS_CTL_MAX_CLIENT_PROFILES)
		return ms_cfgp_bad(p, list, path, "more than %d profiles", MS_CTL_MAX_CLIENT_PROFILES);
	for (int i = 0; ret > 0 && i < config_setting_length(list); i++)
		snprintf(c->profiles[c->nb_profiles++], sizeof(c->profiles[0]), "%s",
			 config_setting_get_string(config_setting_get_elem(list, (unsigned)i)));
	return 0;
}

/* What the listeners, profiles and clients say about each other. */
static int
cross_check(struct ms_cfgp *p, const config_setting_t *g, const config_setting_t *lists[3])
{
	struct ms_ctl_cfg *c = &p->cfg->control;
	char path[MS_CFGP_PATH_LEN];
	struct ms_jerr e;

	for (unsigned i = 0; i < c->nb_listeners; i++) {
		const struct ms_listener_cfg *l = &c->listeners[i];
		const config_setting_t *lg = config_setting_get_elem(lists[0], i);

		ms_cfgp_elem(path, sizeof(path), "control.listeners", i);
		for (unsigned j = 0; j < i; j++) {
			const struct ms_listener_cfg *o = &c->listeners[j];

			if (l->transport != o->transport)
				continue;
			if (l->transport == MS_TRANSPORT_UNIX ? strcmp(l->path, o->path) == 0
							      : l->port == o->port)
				return ms_cfgp_bad(p, lg, path,
						   "the same %s as control.listeners[%u]: a TLS port serves all its profiles from one listener",
						   l->transport == MS_TRANSPORT_UNIX ? "path" : "port", j);
		}
		if (l->transport == MS_TRANSPORT_UNIX) {
			unsigned k;

			for (k = 0; k < c->nb_profiles; k++)
				if (strcmp(c->profiles[k].name, l->profile) == 0)
					break;
			if (k == c->nb_profiles)
				return ms_cfgp_bad(p, lg, ms_cfgp_join(path, sizeof(path), path, "profile"),
						   "there is no profile '%s'", l->profile);
			if (c->profiles[k].transport != MS_TRANSPORT_UNIX)
				return ms_cfgp_bad(p, lg, ms_cfgp_join(path, sizeof(path), path, "profile"),
						   "profile '%s' is a %s profile, not unix", l->profile,
						   ms_transport_str(c->profiles[k].transport));
		}
	}
	for (unsigned i = 0; i < c->nb_profiles; i++) {
		const struct ms_profile_cfg *pc = &c->profiles[i];
		const config_setting_t *pg = config_setting_get_elem(lists[1], i);
		const struct ms_profile_cfg *before[MS_CTL_MAX_PROFILES];
		bool served = pc->transport != MS_TRANSPORT_TLS;

		ms_cfgp_elem(path, sizeof(path), "control.profiles", i);
		for (unsigned j = 0; j < i; j++) {
			if (strcmp(c->profiles[j].name, pc->name) == 0)
				return ms_cfgp_bad(p, pg, path, "'%s' is already the name of control.profiles[%u]",
						   pc->name, j);
			before[j] = &c->profiles[j];
		}
		if (ms_profile_check_unique(pc, before, i, &e) < 0)
			return profile_fault(p, pg, path, &e);
		for (unsigned k = 0; k < c->nb_listeners && !served; k++)
			served = c->listeners[k].transport == MS_TRANSPORT_TLS &&
				 c->listeners[k].port == pc->incoming_port;
		if (!served)
			return ms_cfgp_bad(p, pg, ms_cfgp_join(path, sizeof(path), path, "incoming_port"),
					   "no TLS listener on port %u", pc->incoming_port);
	}
	for (unsigned i = 0; i < c->nb_clients; i++) {
		const struct ms_client_cfg *cl = &c->clients[i];
		const config_setting_t *cg = config_setting_get_elem(lists[2], i);

		ms_cfgp_elem(path, sizeof(path), "control.clients", i);
		for (unsigned j = 0; j < i; j++)
			if (strcmp(c->clients[j].name, cl->name) == 0)
				return ms_cfgp_bad(p, cg, path, "'%s' is already the name of control.clients[%u]",
						   cl->name, j);
		for (unsigned k = 0; k < cl->nb_profiles; k++) {
			unsigned j;

			for (j = 0; j < c->nb_profiles; j++)
				if (strcmp(c->profiles[j].name, cl->profiles[k]) == 0)
					break;
			if (j == c->nb_profiles)
				return ms_cfgp_bad(p, cg, ms_cfgp_join(path, sizeof(path), path, "profiles"),
						   "there is no profile '%s'", cl->profiles[k]);
		}
	}
	(void)g;
	return 0;
}

static int
parse_lists(struct ms_cfgp *p, const config_setting_t *g, const config_setting_t *lists[3])
{
	struct ms_ctl_cfg *c = &p->cfg->control;
	char path[MS_CFGP_PATH_LEN];
	int ret;

	if ((ret = ms_cfgp_group_list(p, g, "control", "listeners", &lists[0])) < 0)
		return ret;
	if (ret == 0)
		return ms_cfgp_missing(p, g, "control", "listeners",
				       "at least one listener (unix or tls) for call control");
	if (config_setting_length(lists[0]) < 1 ||
	    config_setting_length(lists[0]) > MS_CTL_MAX_LISTENERS)
		return ms_cfgp_bad(p, lists[0], "control.listeners", "1 to %d listeners",
				   MS_CTL_MAX_LISTENERS);
	c->nb_listeners = (unsigned)config_setting_length(lists[0]);
	for (unsigned i = 0; i < c->nb_listeners; i++)
		if ((ret = parse_listener(p, config_setting_get_elem(lists[0], i),
					  ms_cfgp_elem(path, sizeof(path), "control.listeners", i),
					  &c->listeners[i])) < 0)
			return ret;

	if ((ret = ms_cfgp_group_list(p, g, "control", "profiles", &lists[1])) < 0)
		return ret;
	if (ret == 0)
		return ms_cfgp_missing(p, g, "control", "profiles",
				       "the security profiles the listeners serve");
	if (config_setting_length(lists[1]) > MS_CTL_MAX_PROFILES)
		return ms_cfgp_bad(p, lists[1], "control.profiles", "more than %d profiles",
				   MS_CTL_MAX_PROFILES);
	c->nb_profiles = (unsigned)config_setting_length(lists[1]);
	c->profiles = calloc(c->nb_profiles ? c->nb_profiles : 1, sizeof(*c->profiles));
	if (c->profiles == NULL)
		return ms_cfgp_fail(p->err, p->errlen, "control.profiles: out of memory");
	for (unsigned i = 0; i < c->nb_profiles; i++)
		if ((ret = parse_profile(p, config_setting_get_elem(lists[1], i),
					 ms_cfgp_elem(path, sizeof(path), "control.profiles", i),
					 &c->profiles[i])) < 0)
			return ret;

	if ((ret = ms_cfgp_group_list(p, g, "control", "clients", &lists[2])) < 0)
		return ret;
	if (ret > 0) {
		if (config_setting_length(lists[2]) > MS_CTL_MAX_CLIENTS)
			return ms_cfgp_bad(p, lists[2], "control.clients", "more than %d clients",
					   MS_CTL_MAX_CLIENTS);
		c->nb_clients = (unsigned)config_setting_length(lists[2]);
		c->clients = calloc(c->nb_clients ? c->nb_clients : 1, sizeof(*c->clients));
		if (c->clients == NULL)
			return ms_cfgp_fail(p->err, p->errlen, "control.clients: out of memory");
		for (unsigned i = 0; i < c->nb_clients; i++)
			if ((ret = parse_client(p, config_setting_get_elem(lists[2], i),
						ms_cfgp_elem(path, sizeof(path), "control.clients", i),
						&c->clients[i])) < 0)
				return ret;
	}
	return cross_check(p, g, lists);
}

int
ms_cfgp_control(struct ms_cfgp *p, const config_setting_t *root)
{
	static const char *const known[] = {"realm", "max_message", "max_connections",
					    "request_ids", "event_buffer", "watch_ms",
					    "auth_failure_burst", "capture_dir", "listeners",
					    "profiles", "clients", NULL};
	struct ms_ctl_cfg *c = &p->cfg->control;
	const config_setting_t *g = NULL, *lists[3] = {NULL, NULL, NULL};
	int ret;

	snprintf(c->realm, sizeof(c->realm), "mediasec");
	c->max_message = 65536;
	c->max_connections = 64;
	c->request_ids = 65536;
	c->event_buffer = 4u << 20;
	c->watch_ms = 200;
	c->auth_failure_burst = 10;
	snprintf(c->capture_dir, sizeof(c->capture_dir), "/var/lib/mediasec/captures");

	if ((ret = ms_cfgp_group(p, root, "", "control", &g)) <= 0)
		return ret;
	if ((ret = ms_cfgp_check_known(p, g, "control", known)) < 0)
		return ret;
	if ((ret = copy_str(p, g, "control", "realm", c->realm, sizeof(c->realm), false, "")) < 0)
		return ret;
	if (c->realm[0] == '\0' || !ms_cfgp_printable(c->realm, true) || strchr(c->realm, ':') ||
	    strchr(c->realm, '"'))
		return ms_cfgp_bad(p, config_setting_get_member(g, "realm"), "control.realm",
				   "'%s' is not 1 to %d printable characters without ':' or '\"'",
				   c->realm, MS_CTL_NAME_MAX);
	if ((ret = ms_cfgp_u32(p, g, "control", "max_message", 1024, 1u << 20, &c->max_message)) < 0 ||
	    (ret = ms_cfgp_u32(p, g, "control", "max_connections", 1, 4096,
			       &c->max_connections)) < 0 ||
	    (ret = ms_cfgp_u32(p, g, "control", "request_ids", 0, 1u << 22, &c->request_ids)) < 0 ||
	    (ret = ms_cfgp_u32(p, g, "control", "event_buffer", 65536, 256u << 20,
			       &c->event_buffer)) < 0 ||
	    (ret = ms_cfgp_u32(p, g, "control", "watch_ms", 10, 10000, &c->watch_ms)) < 0 ||
	    (ret = ms_cfgp_u32(p, g, "control", "auth_failure_burst", 1, 1000000,
			       &c->auth_failure_burst)) < 0)
		return ret;
	if ((ret = copy_str(p, g, "control", "capture_dir", c->capture_dir, sizeof(c->capture_dir),
			    false, "")) < 0)
		return ret;
	if (c->capture_dir[0] != '/')
		return ms_cfgp_bad(p, config_setting_get_member(g, "capture_dir"), "control.capture_dir",
				   "'%s' is not an absolute path", c->capture_dir);
	return parse_lists(p, g, lists);
}

void
ms_ctl_cfg_free(struct ms_ctl_cfg *c)
{
	free(c->profiles);
	if (c->clients != NULL) {
		ms_secure_zero(c->clients, (size_t)c->nb_clients * sizeof(*c->clients));
		free(c->clients);
	}
	c->profiles = NULL;
	c->clients = NULL;
	c->nb_profiles = c->nb_clients = 0;
}

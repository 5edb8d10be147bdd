/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mediasecctl: the command-line client of mediasecd's control protocol
 * (docs/control-protocol.md). One command a run: parse it, connect (Unix
 * socket, or TLS 1.3 with a client certificate, with digest authentication
 * when the profile asks), send the request, print the answer as a table or,
 * with --json, as the result's compact JSON for scripts.
 *
 * Keys: a request may carry SRTP master keys. They come from a file, an
 * environment variable or (discouraged) the command line, are never
 * printed, and every copy this program makes is wiped once sent: the
 * request tree, the buffers they were read into, and the command-line text
 * itself (so that ps shows a literal key only for a moment).
 *
 * Plain C, no DPDK environment: only the client library, the TLS helpers
 * and the digest of the control plane are linked in.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "client.h"
#include "digest.h"
#include "secmem.h"
#include "tls.h"

#define PROG "mediasecctl"
#define DEFAULT_SOCKET "/run/mediasec/control.sock"

/* Exit statuses, as documented in --help. */
#define EXIT_OK 0
#define EXIT_REFUSED 1 /* the server answered with an error */
#define EXIT_USAGE 2
#define EXIT_CONN 3 /* could not connect or authenticate */

#define KEY_MAX 512      /* an SDES key as text; the server takes at most 256 */
#define PASSWORD_MAX 256
#define MAX_POS 16       /* positional arguments of a command */
#define MAX_MULTI 32     /* values of a repeated option (--set, --leg) */

struct cli {
	struct ms_client_opts o;
	struct ms_client *c;
	bool json;
	char id_prefix[40]; /* "ctl-<random>-": request ids unique across runs */
	unsigned next_id;
	char host[256];
	char password[PASSWORD_MAX];
};

/* ------------------------------------------------------------ messages */

static void __attribute__((format(printf, 1, 2)))
warn(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A usage error: says why and where to look, and gives the status to return. */
static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (" PROG " --help)\n", stderr);
	return EXIT_USAGE;
}

/* An argument to echo in an error message, unless it may be a key put in the wrong place. */
static const char *
echo_arg(const char *s)
{
	return strstr(s, "inline:") != NULL || strlen(s) > 40 ? "(not shown: it may be a key)" : s;
}

/*
 * Out of memory in a short-lived command-line program: nothing sensible is
 * left to do, and every caller would only pass the failure up to main.
 */
static void *
must(void *p)
{
	if (p == NULL) {
		fputs(PROG ": out of memory\n", stderr);
		exit(EXIT_CONN);
	}
	return p;
}

static const char usage_text[] =
"usage: " PROG " [connection options] [--json] COMMAND [ARGS]\n"
"\n"
"Connection:\n"
"  -s, --socket PATH          the Unix socket (default $MEDIASEC_SOCKET, else\n"
"                             " DEFAULT_SOCKET ")\n"
"  -c, --connect HOST:PORT    TLS 1.3 instead (IPv6 as [addr]:port), with\n"
"      --cert FILE --key FILE   this client's certificate and private key and\n"
"      --ca FILE | --ca-path DIR  the CA the server's certificate chains to\n"
"                             (PEM or DER; --ca-path: a hashed directory)\n"
"  -u, --user NAME            digest authentication as NAME; the password is\n"
"                             $MEDIASEC_PASSWORD, else asked on the terminal\n"
"      --timeout SECONDS      wait at most this long for an answer (default 10)\n"
"      --json                 print results as compact JSON, one object a line\n"
"                             (an error: the error response), for scripts\n"
"  -h, --help                 this text\n"
"\n"
"Sessions (LEG is 0 or 1):\n"
"  session create [NAME] --leg SPEC --leg SPEC\n"
"  session update NAME LEG [--rekey recv|send --key KEY [--from N]\n"
"                 [--rtcp-from N]] [--retire recv|send]\n"
"                 [--mode rtp|authenticated|encrypted [--suite S --recv-key KEY\n"
"                  --send-key KEY [--recv-roc N] [--send-roc N]]]\n"
"                 [--peer ADDR:PORT|learn [--peer-rtcp N]]\n"
"                 [--strict-source yes|no]\n"
"  session delete NAME\n"
"  session get NAME\n"
"  session list [--match TEXT] [--profile P] [--limit N] [--all]\n"
"                             --all reads every page (else one of --limit, 100)\n"
"  leg redirect NAME LEG ADDR:PORT|learn [--peer-rtcp N] [--strict-source yes|no]\n"
"  leg replace NAME LEG --leg SPEC\n"
"\n"
"  SPEC: a leg's members as comma-separated key=value: port, local, family,\n"
"  rtcp, peer, peer_rtcp, strict_source, mode, suite, recv_key, send_key,\n"
"  recv_roc, send_roc, replay_window (docs/control-protocol.md), e.g.\n"
"    port=a,local=10.201.1.1:30000,peer=10.201.1.2:5004,mode=encrypted,\n"
"    suite=AES_CM_128_HMAC_SHA1_80,recv_key=@/etc/mediasec/k1,send_key=env:SK\n"
"\n"
"  KEY (recv_key, send_key, --key, --recv-key, --send-key) is one of\n"
"    @FILE        the first line of FILE (keep it mode 0600)\n"
"    env:NAME     the environment variable NAME\n"
"    inline:BASE64[|LIFETIME][|MKI:LENGTH]\n"
"                 literally: other users see it in ps, and it stays in the\n"
"                 shell's history; prefer @FILE or env:\n"
"  A file or variable holds the SDES key with or without \"inline:\". Keys are\n"
"  never printed, and every copy " PROG " makes is wiped once sent.\n"
"\n"
"Profiles:\n"
"  profile list [--search TEXT] [--in name|description|any]\n"
"  profile get NAME\n"
"  profile add NAME --set KEY=VALUE ...   (transport=unix|tls is required)\n"
"  profile copy FROM NAME [--set KEY=VALUE ...]\n"
"  profile update NAME --set KEY=VALUE ...\n"
"  profile delete NAME\n"
"  KEY: description, transport, security_mode, digest_authentication,\n"
"  nonce_validity, x509_subjects, incoming_port, application_authorization,\n"
"  accept_subscription, accept_redirect, accept_notification,\n"
"  accept_replacement; booleans true/false/yes/no, integers as numbers.\n"
"\n"
"Events and captures:\n"
"  events [PATTERN ...] [--count N] [--timeout SECONDS]\n"
"                             subscribe (PATTERN: an event name, GROUP.* or *;\n"
"                             default *) and print the events as they come, one\n"
"                             a line, until N came, SECONDS passed or Ctrl-C;\n"
"                             fewer than N in SECONDS: exit status 1\n"
"  capture start NAME LEG FILE [--max-packets N] [--max-bytes N]\n"
"                [--max-seconds N]\n"
"  capture stop NAME LEG\n"
"  capture list\n"
"\n"
"Other:\n"
"  stats                      the daemon's counters\n"
"  ping\n"
"  call JSON                  send a raw request (an \"id\" is added) and print\n"
"                             its result as JSON\n"
"  fingerprint FILE           SHA-256 and SHA-1 fingerprints and subject of a\n"
"                             certificate file (PEM or DER); no connection\n"
"  server-fingerprint         connect with TLS (-c) and print the server\n"
"                             certificate's fingerprint and subject, and the\n"
"                             profile and principal the server binds us to\n"
"  hash-password USER [REALM] print HA1 = SHA-256(USER:REALM:password) for\n"
"                             control.clients[].digest_ha1 (REALM default\n"
"                             \"mediasec\"; the password as for -u)\n"
"\n"
"Exit status: 0 success, 1 the server refused (the error is printed),\n"
"2 usage error, 3 could not connect or authenticate.\n";

/* ------------------------------------------------------------ JSON helpers */

static const cJSON *
item(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

static const char *
str(const cJSON *o, const char *name)
{
	const cJSON *v = item(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *
or_dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "-";
}

/* A scalar as text: integers without a fraction, strings as they are. */
static const char *
scalar(const cJSON *v, char *buf, size_t len)
{
	if (cJSON_IsString(v))
		snprintf(buf, len, "%s", v->valuestring);
	else if (cJSON_IsNumber(v) && v->valuedouble == (double)(int64_t)v->valuedouble)
		snprintf(buf, len, "%" PRId64, (int64_t)v->valuedouble);
	else if (cJSON_IsNumber(v))
		snprintf(buf, len, "%g", v->valuedouble);
	else if (cJSON_IsBool(v))
		snprintf(buf, len, "%s", cJSON_IsTrue(v) ? "true" : "false");
	else if (v == NULL || cJSON_IsNull(v))
		snprintf(buf, len, "-");
	else {
		char *t = cJSON_PrintUnformatted(v);

		snprintf(buf, len, "%s", t != NULL ? t : "?");
		cJSON_free(t);
	}
	return buf;
}

static const char *
member(const cJSON *o, const char *name, char *buf, size_t len)
{
	return scalar(item(o, name), buf, len);
}

static double
num(const cJSON *o, const char *name)
{
	const cJSON *v = item(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* Zeroes every string of a tree (a request may hold keys), then frees it. */
static void
json_wipe(cJSON *j)
{
	for (; j != NULL; j = j->next) {
		if (j->valuestring != NULL)
			ms_secure_zero(j->valuestring, strlen(j->valuestring));
		json_wipe(j->child);
	}
}

static void
json_free(cJSON *j)
{
	if (j == NULL)
		return;
	json_wipe(j);
	cJSON_Delete(j);
}

static void
print_compact(const cJSON *j)
{
	char *t = must(cJSON_PrintUnformatted(j));

	printf("%s\n", t);
	cJSON_free(t);
}

static cJSON *
request_new(const char *op)
{
	cJSON *r = must(cJSON_CreateObject());

	must(cJSON_AddStringToObject(r, "op", op));
	return r;
}

/* ------------------------------------------------------------ parsing values */

static int
parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || x > max)
		return -ERANGE;
	*v = x;
	return 0;
}

static int
parse_bool(const char *s, bool *v)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (unsigned i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*v = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*v = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* An integer member from text; what names it in the error. */
static int
add_uint(cJSON *o, const char *name, const char *s, uint64_t max, const char *what)
{
	uint64_t v;

	if (parse_u64(s, max, &v) < 0)
		return usage_error("%s: '%s' is not an integer from 0 to %" PRIu64, what, echo_arg(s),
				   max);
	must(cJSON_AddNumberToObject(o, name, (double)v));
	return 0;
}

static int
add_bool(cJSON *o, const char *name, const char *s, const char *what)
{
	bool v;

	if (parse_bool(s, &v) < 0)
		return usage_error("%s: '%s' is not yes or no", what, echo_arg(s));
	must(cJSON_AddBoolToObject(o, name, v));
	return 0;
}

/* 0 or 1 (A or B, as the seed calls them). */
static int
add_leg(cJSON *o, const char *s)
{
	if (strcmp(s, "0") == 0 || strcasecmp(s, "a") == 0)
		must(cJSON_AddNumberToObject(o, "leg", 0));
	else if (strcmp(s, "1") == 0 || strcasecmp(s, "b") == 0)
		must(cJSON_AddNumberToObject(o, "leg", 1));
	else
		return usage_error("LEG: '%s' is not 0 or 1", echo_arg(s));
	return 0;
}

static int
add_dir(cJSON *o, const char *s, const char *what)
{
	if (strcmp(s, "recv") != 0 && strcmp(s, "send") != 0)
		return usage_error("%s: '%s' is not recv or send", what, echo_arg(s));
	must(cJSON_AddStringToObject(o, "dir", s));
	return 0;
}

/* ------------------------------------------------------------ keys */

/* The first line of a file into out, without its line end. Wipes what it read beyond. */
static int
read_first_line(const char *path, char *out, size_t len, const char *what)
{
	struct stat st;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		warn("%s: cannot open key file %s: %s", what, path, strerror(errno));
		return EXIT_USAGE;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 0077))
		warn("warning: key file %s can be read by other users (chmod 600 it)", path);
	while (got < len - 1) {
		ssize_t n = read(fd, out + got, len - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			warn("%s: cannot read key file %s: %s", what, path, strerror(errno));
			close(fd);
			ms_secure_zero(out, len);
			return EXIT_USAGE;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (memchr(out, '\n', got) != NULL)
			break;
	}
	close(fd);
	out[got] = '\0';
	got = strcspn(out, "\r\n");
	ms_secure_zero(out + got, len - got);
	return 0;
}

/*
 * A key from where the user keeps it: "@FILE", "env:NAME" or a literal
 * "inline:...". The text goes into out with "inline:" in front. what names
 * the argument in errors, which never show the key.
 */
static int
key_source(const char *src, const char *what, char *out, size_t len)
{
	char raw[KEY_MAX];
	const char *body;
	int ret = 0;

	raw[0] = '\0';
	if (src[0] == '@') {
		ret = read_first_line(src + 1, raw, sizeof(raw), what);
		if (ret != 0)
			return ret;
	} else if (strncmp(src, "env:", 4) == 0) {
		const char *v = getenv(src + 4);

		if (v == NULL || v[0] == '\0')
			return usage_error("%s: the environment variable %s is not set", what, src + 4);
		if (strlen(v) >= sizeof(raw))
			return usage_error("%s: the variable %s is too long for a key", what, src + 4);
		snprintf(raw, sizeof(raw), "%s", v);
	} else if (strncmp(src, "inline:", 7) == 0) {
		if (strlen(src) >= sizeof(raw))
			return usage_error("%s: too long for a key", what);
		snprintf(raw, sizeof(raw), "%s", src);
	} else {
		return usage_error("%s: a key is @FILE, env:NAME or inline:BASE64", what);
	}
	body = strncmp(raw, "inline:", 7) == 0 ? raw + 7 : raw;
	while (*body == ' ' || *body == '\t')
		body++;
	if (body[0] == '\0') {
		ret = usage_error("%s: the key is empty", what);
	} else if (strlen(body) + 8 > len) {
		ret = usage_error("%s: too long for a key", what);
	} else {
		snprintf(out, len, "inline:%s", body);
		/* trailing blanks of a hand-written file */
		for (size_t n = strlen(out); n > 7 && (out[n - 1] == ' ' || out[n - 1] == '\t'); n--)
			out[n - 1] = '\0';
	}
	ms_secure_zero(raw, sizeof(raw));
	return ret;
}

/* Wipes a literal key ("inline:...") from a command-line argument. */
static void
wipe_literal(char *s)
{
	char *k = strstr(s, "inline:");

	if (k != NULL)
		ms_secure_zero(k, strlen(k));
}

/*
 * Adds a key member from src, then wipes src in place: when it was a literal
 * key on the command line, that is the text ps shows.
 */
static int
add_key(cJSON *o, const char *name, char *src, const char *what)
{
	char k[KEY_MAX];
	int ret = key_source(src, what, k, sizeof(k));

	if (ret == 0)
		must(cJSON_AddStringToObject(o, name, k));
	ms_secure_zero(k, sizeof(k));
	wipe_literal(src);
	return ret;
}

/* ------------------------------------------------------------ command arguments */

struct opt {
	const char *name; /* without "--" */
	bool has_arg;
	unsigned n;
	char *v[MAX_MULTI];
};

struct args {
	struct opt *o;
	unsigned nopts;
	char *pos[MAX_POS];
	unsigned npos;
};

/*
 * Splits a command's arguments into its options (--name VALUE or
 * --name=VALUE, any order, repeatable) and positionals. --json is accepted
 * here too, so that it may follow the command.
 */
static int
parse_args(struct cli *cl, const char *cmd, int argc, char **argv, struct args *a)
{
	bool only_pos = false;

	a->npos = 0;
	for (int i = 0; i < argc; i++) {
		char *s = argv[i], *eq;
		struct opt *o = NULL;
		size_t nl;

		if (only_pos || s[0] != '-' || s[1] != '-' || s[2] == '\0') {
			if (!only_pos && strcmp(s, "--") == 0) {
				only_pos = true;
				continue;
			}
			if (!only_pos && s[0] == '-' && s[1] != '\0')
				return usage_error("%s: unknown option %s (connection options go before the command)",
						   cmd, echo_arg(s));
			if (a->npos == MAX_POS)
				return usage_error("%s: too many arguments", cmd);
			a->pos[a->npos++] = s;
			continue;
		}
		if (strcmp(s, "--json") == 0) {
			cl->json = true;
			continue;
		}
		eq = strchr(s, '=');
		nl = eq != NULL ? (size_t)(eq - s - 2) : strlen(s + 2);
		for (unsigned k = 0; k < a->nopts && o == NULL; k++)
			if (strlen(a->o[k].name) == nl && strncmp(a->o[k].name, s + 2, nl) == 0)
				o = &a->o[k];
		if (o == NULL)
			return usage_error("%s: unknown option --%.*s (connection options go before the command)",
					   cmd, (int)nl, s + 2);
		if (o->n == MAX_MULTI)
			return usage_error("%s: --%s given too often", cmd, o->name);
		if (!o->has_arg) {
			if (eq != NULL)
				return usage_error("%s: --%s takes no value", cmd, o->name);
			o->v[o->n++] = s;
			continue;
		}
		if (eq != NULL) {
			o->v[o->n++] = eq + 1;
		} else {
			if (i + 1 >= argc)
				return usage_error("%s: --%s needs a value", cmd, o->name);
			o->v[o->n++] = argv[++i];
		}
	}
	return 0;
}

static struct opt *
opt_get(const struct args *a, const char *name)
{
	for (unsigned k = 0; k < a->nopts; k++)
		if (strcmp(a->o[k].name, name) == 0)
			return &a->o[k];
	/* a name that is not in the command's list is a bug of this file */
	fprintf(stderr, PROG ": internal error: option --%s\n", name);
	abort();
}

/* The value of an option given at most once; NULL when absent. */
static char *
opt1(const struct args *a, const char *name)
{
	struct opt *o = opt_get(a, name);

	return o->n > 0 ? o->v[o->n - 1] : NULL;
}

static bool
opt_has(const struct args *a, const char *name)
{
	return opt_get(a, name)->n > 0;
}

/* At most one each of these options (repeating one is a mistake, not an override). */
static int
once_each(const struct args *a, const char *cmd)
{
	for (unsigned k = 0; k < a->nopts; k++)
		if (a->o[k].n > 1 && strcmp(a->o[k].name, "set") != 0 &&
		    strcmp(a->o[k].name, "leg") != 0)
			return usage_error("%s: --%s given %u times", cmd, a->o[k].name, a->o[k].n);
	return 0;
}

#define OPT(nm, arg) {.name = (nm), .has_arg = (arg)}
#define ARGS(opts) {.o = (opts), .nopts = sizeof(opts) / sizeof((opts)[0])}

/* Parses, and checks the number of positionals: min to max. */
static int
command_args(struct cli *cl, const char *cmd, int argc, char **argv, struct args *a,
	     unsigned min, unsigned max)
{
	int ret = parse_args(cl, cmd, argc, argv, a);

	if (ret != 0)
		return ret;
	if ((ret = once_each(a, cmd)) != 0)
		return ret;
	if (a->npos < min)
		return usage_error("%s: missing arguments", cmd);
	if (a->npos > max)
		return usage_error("%s: unexpected argument '%s'", cmd, echo_arg(a->pos[max]));
	return 0;
}

/* ------------------------------------------------------------ leg specs */

enum vtype { V_STR, V_INT, V_BOOL, V_KEY, V_RTCP };

static const struct {
	const char *name;
	enum vtype type;
	uint64_t max;
} leg_members[] = {
	{"port", V_STR, 0},        {"local", V_STR, 0},
	{"family", V_STR, 0},      {"rtcp", V_RTCP, 65535},
	{"peer", V_STR, 0},        {"peer_rtcp", V_INT, 65535},
	{"strict_source", V_BOOL, 0}, {"mode", V_STR, 0},
	{"suite", V_STR, 0},       {"recv_key", V_KEY, 0},
	{"send_key", V_KEY, 0},    {"recv_roc", V_INT, UINT32_MAX},
	{"send_roc", V_INT, UINT32_MAX}, {"replay_window", V_INT, 65535},
};

/* A member name safe to echo: a typo may have glued a key onto it. */
static bool
printable_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 24 && strspn(s, "abcdefghijklmnopqrstuvwxyz_-") == n;
}

/*
 * A leg from "key=value,key=value". Parsed in place: the literal keys it
 * holds are wiped from the command line once copied.
 */
static int
leg_spec(char *spec, const char *what, cJSON **out)
{
	cJSON *o = must(cJSON_CreateObject());
	char *save = NULL, *kv;
	unsigned idx = 0;
	int ret = 0;

	for (kv = strtok_r(spec, ",", &save); kv != NULL && ret == 0;
	     kv = strtok_r(NULL, ",", &save), idx++) {
		char *eq = strchr(kv, '='), *val, *p;
		unsigned m;

		if (eq == NULL) {
			ret = usage_error("%s: element %u is not key=value", what, idx + 1);
			wipe_literal(kv);
			break;
		}
		*eq = '\0';
		val = eq + 1;
		for (p = kv; *p != '\0'; p++)
			if (*p == '-')
				*p = '_';
		for (m = 0; m < sizeof(leg_members) / sizeof(leg_members[0]); m++)
			if (strcmp(leg_members[m].name, kv) == 0)
				break;
		if (m == sizeof(leg_members) / sizeof(leg_members[0])) {
			if (printable_name(kv))
				ret = usage_error("%s: '%s' is not a member of a leg", what, kv);
			else
				ret = usage_error("%s: element %u is not a member of a leg", what, idx + 1);
			wipe_literal(val);
			break;
		}
		if (item(o, kv) != NULL) {
			ret = usage_error("%s: %s given twice", what, kv);
			wipe_literal(val);
			break;
		}
		char w[96];

		snprintf(w, sizeof(w), "%s %s", what, kv);
		switch (leg_members[m].type) {
		case V_STR:
			must(cJSON_AddStringToObject(o, kv, val));
			break;
		case V_INT:
			ret = add_uint(o, kv, val, leg_members[m].max, w);
			break;
		case V_BOOL:
			ret = add_bool(o, kv, val, w);
			break;
		case V_KEY:
			ret = add_key(o, kv, val, w);
			break;
		case V_RTCP:
			if (strcmp(val, "mux") == 0)
				must(cJSON_AddStringToObject(o, kv, val));
			else
				ret = add_uint(o, kv, val, leg_members[m].max, w);
			break;
		}
	}
	/* what was not reached after an error may hold literal keys too */
	for (; kv != NULL; kv = strtok_r(NULL, ",", &save))
		wipe_literal(kv);
	if (ret != 0) {
		json_free(o);
		return ret;
	}
	*out = o;
	return 0;
}

/* ------------------------------------------------------------ tables */

#define TABLE_COLS 10

struct table {
	unsigned ncols, nrows, cap;
	char **cells;              /* row-major, row 0 the heading */
	unsigned maxw[TABLE_COLS]; /* 0: as wide as needed */
};

static void
table_row(struct table *t, const char *const *cells)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = must(realloc(t->cells, (size_t)t->cap * t->ncols * sizeof(char *)));
	}
	for (unsigned c = 0; c < t->ncols; c++)
		t->cells[t->nrows * t->ncols + c] = must(strdup(cells[c] != NULL ? cells[c] : "-"));
	t->nrows++;
}

static void
table_init(struct table *t, unsigned ncols, const char *const *heads, const unsigned *maxw)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	for (unsigned c = 0; c < ncols; c++)
		t->maxw[c] = maxw != NULL ? maxw[c] : 0;
	table_row(t, heads);
}

/* Columns as wide as their widest cell (or their limit: longer cells end in "..."). */
static void
table_print(struct table *t)
{
	unsigned w[TABLE_COLS] = {0};

	for (unsigned r = 0; r < t->nrows; r++)
		for (unsigned c = 0; c < t->ncols; c++) {
			unsigned n = (unsigned)strlen(t->cells[r * t->ncols + c]);

			if (t->maxw[c] > 0 && n > t->maxw[c])
				n = t->maxw[c];
			if (n > w[c])
				w[c] = n;
		}
	for (unsigned r = 0; r < t->nrows; r++) {
		for (unsigned c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			bool last = c + 1 == t->ncols;
			unsigned n = (unsigned)strlen(s);

			if (t->maxw[c] > 3 && n > t->maxw[c])
				printf("%.*s...%s", (int)t->maxw[c] - 3, s, last ? "" : "  ");
			else if (last)
				printf("%s", s);
			else
				printf("%-*s  ", (int)w[c], s);
		}
		putchar('\n');
	}
	for (unsigned i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

/* ------------------------------------------------------------ the connection */

static volatile sig_atomic_t interrupted;

static void
on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* A password from the terminal, without echo; -ENOTTY when there is none. */
static int
ask_password(const char *prompt, char *buf, size_t len)
{
	struct sigaction sa = {.sa_handler = on_interrupt}, old_int, old_term;
	struct termios old, quiet;
	size_t n = 0;
	int fd, ret = 0;

	buf[0] = '\0';
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -ENOTTY;
	if (tcgetattr(fd, &old) != 0) {
		close(fd);
		return -ENOTTY;
	}
	/* no SA_RESTART: Ctrl-C ends the read, and the echo comes back on */
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (write(fd, prompt, strlen(prompt)) < 0 || tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
		ret = -EIO;
		goto out;
	}
	for (;;) {
		char ch;
		ssize_t r = read(fd, &ch, 1);

		if (r < 0 && errno == EINTR && !interrupted)
			continue;
		if (r <= 0) {
			ret = interrupted ? -EINTR : -EIO;
			break;
		}
		if (ch == '\n' || ch == '\r')
			break;
		if (n + 1 < len)
			buf[n++] = ch;
		ch = 0;
	}
	buf[n] = '\0';
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0)
		ret = ret ? ret : -EIO;
out:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	close(fd);
	if (ret < 0)
		ms_secure_zero(buf, len);
	return ret;
}

/* $MEDIASEC_PASSWORD, else the terminal; confirm asks twice (a new password). */
static int
get_password(const char *user, bool confirm, char *buf, size_t len)
{
	const char *env = getenv("MEDIASEC_PASSWORD");
	char prompt[160], again[PASSWORD_MAX];
	int ret;

	if (env != NULL) {
		if (strlen(env) >= len) {
			warn("MEDIASEC_PASSWORD is longer than %zu characters", len - 1);
			return -EINVAL;
		}
		snprintf(buf, len, "%s", env);
		return 0;
	}
	snprintf(prompt, sizeof(prompt), "Password for %s: ", user);
	ret = ask_password(prompt, buf, len);
	if (ret < 0) {
		if (ret == -ENOTTY)
			warn("no password: set MEDIASEC_PASSWORD or run on a terminal");
		return ret;
	}
	if (!confirm)
		return 0;
	ret = ask_password("Again: ", again, sizeof(again));
	if (ret == 0 && strcmp(again, buf) != 0) {
		warn("the two passwords differ");
		ret = -EINVAL;
	}
	ms_secure_zero(again, sizeof(again));
	if (ret < 0)
		ms_secure_zero(buf, len);
	return ret;
}

static int
cli_connect(struct cli *cl)
{
	char err[512];
	int ret;

	if (cl->c != NULL)
		return 0;
	if (cl->o.user != NULL) {
		if (get_password(cl->o.user, false, cl->password, sizeof(cl->password)) < 0)
			return EXIT_CONN;
		cl->o.password = cl->password;
	}
	ret = ms_client_connect(&cl->o, &cl->c, err, sizeof(err));
	/* the client keeps its own copy, for authenticating again when the nonce expires */
	ms_secure_zero(cl->password, sizeof(cl->password));
	cl->o.password = NULL;
	if (ret < 0) {
		warn("%s", err);
		return EXIT_CONN;
	}
	return 0;
}

static void print_used_by(FILE *f, const cJSON *u);

/* The error of a refused request on stderr (and, for --json, the response on stdout). */
static int
report_error(struct cli *cl, const cJSON *resp)
{
	const cJSON *e = item(resp, "error");
	char buf[1024];
	int code = (int)num(e, "code");

	if (cl->json)
		print_compact(resp);
	warn("%s", ms_client_error_str(resp, buf, sizeof(buf)));
	if (item(e, "used_by") != NULL)
		print_used_by(stderr, item(e, "used_by"));
	return code == 401 ? EXIT_CONN : EXIT_REFUSED;
}

/*
 * Sends req, which is consumed (wiped, as it may hold keys, and freed). On
 * success *resp is the response (the caller frees it); otherwise the error
 * is printed and the exit status returned.
 */
static int
request(struct cli *cl, cJSON *req, cJSON **resp)
{
	char err[512], id[64];
	cJSON *r = NULL;
	int ret = cli_connect(cl);

	/*
	 * The server remembers request ids per client identity across
	 * connections (retries are safe): the client library's 1, 2, 3 of
	 * every run would collide with the previous run's, so each run
	 * makes its own.
	 */
	if (ret == 0 && item(req, "id") == NULL) {
		snprintf(id, sizeof(id), "%s%u", cl->id_prefix, ++cl->next_id);
		must(cJSON_AddStringToObject(req, "id", id));
	}
	if (ret == 0)
		r = ms_client_call(cl->c, req, err, sizeof(err));
	json_free(req);
	if (ret != 0)
		return ret;
	if (r == NULL) {
		warn("%s", err);
		return EXIT_CONN;
	}
	if (!cJSON_IsTrue(item(r, "ok"))) {
		ret = report_error(cl, r);
		cJSON_Delete(r);
		return ret;
	}
	*resp = r;
	return 0;
}

static const cJSON *
result(const cJSON *resp)
{
	return item(resp, "result");
}

/*
 * Sends req (consumed) and prints the result: as compact JSON with --json
 * (or when there is no show), else with show, for people.
 */
static int
call_show(struct cli *cl, cJSON *req, void (*show)(const cJSON *res))
{
	cJSON *resp;
	int ret = request(cl, req, &resp);

	if (ret != 0)
		return ret;
	if (cl->json || show == NULL)
		print_compact(result(resp));
	else
		show(result(resp));
	cJSON_Delete(resp);
	return 0;
}

/* ------------------------------------------------------------ printing sessions */

static void
print_drops(const char *label, const cJSON *drops)
{
	const cJSON *d;
	bool any = false;

	cJSON_ArrayForEach(d, drops) {
		if (!cJSON_IsNumber(d) || d->valuedouble == 0)
			continue;
		if (!any)
			printf("  %-11s", label);
		printf(" %s=%.0f", d->string, d->valuedouble);
		any = true;
	}
	if (any)
		putchar('\n');
}

static void
print_keys(const char *dir, const cJSON *keys)
{
	const cJSON *k;
	char b1[32], b2[32], b3[32], b4[32], b5[32];

	cJSON_ArrayForEach(k, keys) {
		printf("  %s key    id %s, mki %s, from %s, rtcp from %s, used %s of %s%s%s\n", dir,
		       member(k, "id", b1, sizeof(b1)),
		       cJSON_IsString(item(k, "mki")) ? str(k, "mki") : "none",
		       member(k, "from", b2, sizeof(b2)), member(k, "rtcp_from", b3, sizeof(b3)),
		       member(k, "rtp_used", b4, sizeof(b4)), member(k, "rtp_limit", b5, sizeof(b5)),
		       cJSON_IsTrue(item(k, "rekey_needed")) ? ", REKEY NEEDED" : "",
		       cJSON_IsTrue(item(k, "expired")) ? ", EXPIRED" : "");
	}
}

static void
print_leg(const cJSON *l)
{
	const char *suite = str(l, "suite"), *rtcp = str(l, "rtcp"), *peer = str(l, "peer");
	const cJSON *keys = item(l, "keys"), *ctr = item(l, "counters"), *cap = item(l, "capture");
	char b1[32], b2[32];

	printf("leg %s (id %s): port %s, %s%s%s\n", member(l, "leg", b1, sizeof(b1)),
	       member(l, "id", b2, sizeof(b2)), or_dash(str(l, "port")), or_dash(str(l, "mode")),
	       suite != NULL ? " " : "", suite != NULL ? suite : "");
	printf("  local       %s, rtcp %s\n", or_dash(str(l, "local")), or_dash(rtcp));
	printf("  peer        %s", or_dash(peer));
	if (str(l, "peer_rtcp") != NULL)
		printf(", rtcp %s", str(l, "peer_rtcp"));
	if (cJSON_IsTrue(item(l, "learn")))
		printf(peer != NULL && strcmp(peer, "learn") != 0 ? " (learned)" : " (from the first packet)");
	if (cJSON_IsTrue(item(l, "strict_source")))
		printf(", strict source");
	putchar('\n');
	if (item(l, "replay_window") != NULL)
		printf("  replay      %s packets\n", member(l, "replay_window", b1, sizeof(b1)));
	if (keys != NULL) {
		print_keys("recv", item(keys, "recv"));
		print_keys("send", item(keys, "send"));
	}
	for (unsigned i = 0; ctr != NULL && i < 2; i++) {
		const char *side = i == 0 ? "rx" : "tx";
		const cJSON *s = item(ctr, side);
		char label[16];

		printf("  %-11s %s packets, %s bytes\n", side, member(s, "packets", b1, sizeof(b1)),
		       member(s, "bytes", b2, sizeof(b2)));
		snprintf(label, sizeof(label), "%s drops", side);
		print_drops(label, item(s, "drops"));
	}
	if (cap != NULL)
		printf("  capture     %s packets, %s dropped, %.1f s\n", member(cap, "packets", b1, sizeof(b1)),
		       member(cap, "dropped", b2, sizeof(b2)), num(cap, "seconds"));
}

static void
print_session(const cJSON *s)
{
	static const char *const head[] = {"session", "security", "profile", "principal", "origin",
					   "created"};
	const cJSON *l;

	for (unsigned i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		if (item(s, head[i]) != NULL)
			printf("%-10s  %s\n", head[i], or_dash(str(s, head[i])));
	cJSON_ArrayForEach(l, item(s, "legs"))
		print_leg(l);
}

/* "a 10.201.1.1:30000 -> 10.201.1.2:5004 encrypted/AES_CM_128_HMAC_SHA1_80" */
static void
leg_summary(const cJSON *l, char *buf, size_t len)
{
	const char *suite = str(l, "suite");

	snprintf(buf, len, "%s %s -> %s %s%s%s", or_dash(str(l, "port")), or_dash(str(l, "local")),
		 or_dash(str(l, "peer")), or_dash(str(l, "mode")), suite != NULL ? "/" : "",
		 suite != NULL ? suite : "");
}

/* ------------------------------------------------------------ session commands */

static void
show_created(const cJSON *res)
{
	printf("created session %s\n", or_dash(str(res, "session")));
	print_session(res);
}

static int
cmd_session_create(struct cli *cl, int argc, char **argv)
{
	struct opt o[] = {OPT("leg", true)};
	struct args a = ARGS(o);
	cJSON *req, *arr;
	int ret = command_args(cl, "session create", argc, argv, &a, 0, 1);

	if (ret != 0)
		return ret;
	if (o[0].n != 2)
		return usage_error("session create: give --leg twice (legs 0 and 1), not %u times",
				   o[0].n);
	req = request_new("session.create");
	if (a.npos > 0)
		must(cJSON_AddStringToObject(req, "session", a.pos[0]));
	arr = must(cJSON_AddArrayToObject(req, "legs"));
	for (unsigned i = 0; i < 2; i++) {
		char what[32];
		cJSON *leg = NULL;

		snprintf(what, sizeof(what), "--leg #%u", i + 1);
		ret = leg_spec(o[0].v[i], what, &leg);
		if (ret != 0) {
			json_free(req);
			return ret;
		}
		cJSON_AddItemToArray(arr, leg);
	}
	return call_show(cl, req, show_created);
}

/* The session of an update's answer: {"session": {...}, "changed": [...]}, or flat. */
static const cJSON *
updated_session(const cJSON *res)
{
	const cJSON *s = item(res, "session");

	return cJSON_IsObject(s) ? s : res;
}

static void
print_changed(const cJSON *res, unsigned leg)
{
	const cJSON *s = updated_session(res), *c;
	bool first = true;

	printf("session %s leg %u: ", or_dash(str(s, "session")), leg);
	cJSON_ArrayForEach(c, item(res, "changed")) {
		printf("%s%s", first ? "" : ", ", cJSON_IsString(c) ? c->valuestring : "?");
		first = false;
	}
	printf("%s; security now %s\n", first ? "changed" : "", or_dash(str(s, "security")));
}

/*
 * After a rekey, a retire or a switch: the session as session.get shows it,
 * as the update's answer leaves out the keys' ids, MKIs and usage.
 */
static void
show_session(struct cli *cl, const char *session)
{
	cJSON *req = request_new("session.get"), *resp;

	must(cJSON_AddStringToObject(req, "session", session));
	if (request(cl, req, &resp) != 0)
		return;
	print_session(result(resp));
	cJSON_Delete(resp);
}

static int
cmd_session_update(struct cli *cl, int argc, char **argv)
{
	struct opt o[] = {
		OPT("rekey", true),    OPT("key", true),      OPT("from", true),      OPT("rtcp-from", true),
		OPT("retire", true),   OPT("mode", true),     OPT("suite", true),     OPT("recv-key", true),
		OPT("send-key", true), OPT("recv-roc", true), OPT("send-roc", true),  OPT("peer", true),
		OPT("peer-rtcp", true), OPT("strict-source", true),
	};
	struct args a = ARGS(o);
	const char *mode;
	cJSON *req, *resp;
	unsigned leg;
	bool keys_changed;
	int ret = command_args(cl, "session update", argc, argv, &a, 2, 2);

	if (ret != 0)
		return ret;
	if (!opt_has(&a, "rekey") && (opt_has(&a, "key") || opt_has(&a, "from") ||
				      opt_has(&a, "rtcp-from")))
		return usage_error("session update: --key, --from and --rtcp-from go with --rekey");
	if (opt_has(&a, "rekey") && !opt_has(&a, "key"))
		return usage_error("session update: --rekey needs --key");
	mode = opt1(&a, "mode");
	if (mode == NULL && (opt_has(&a, "suite") || opt_has(&a, "recv-key") ||
			     opt_has(&a, "send-key") || opt_has(&a, "recv-roc") ||
			     opt_has(&a, "send-roc")))
		return usage_error("session update: --suite, --recv-key, --send-key and the ROCs go with --mode");
	req = request_new("session.update");
	must(cJSON_AddStringToObject(req, "session", a.pos[0]));
	if ((ret = add_leg(req, a.pos[1])) != 0)
		goto fail;
	leg = (unsigned)num(req, "leg");
	if (opt_has(&a, "rekey")) {
		cJSON *rk = must(cJSON_AddObjectToObject(req, "rekey"));

		if ((ret = add_dir(rk, opt1(&a, "rekey"), "--rekey")) != 0 ||
		    (ret = add_key(rk, "key", opt1(&a, "key"), "--key")) != 0 ||
		    (opt_has(&a, "from") &&
		     (ret = add_uint(rk, "from", opt1(&a, "from"), 1ull << 48, "--from")) != 0) ||
		    (opt_has(&a, "rtcp-from") &&
		     (ret = add_uint(rk, "rtcp_from", opt1(&a, "rtcp-from"), INT32_MAX, "--rtcp-from")) != 0))
			goto fail;
	}
	if (opt_has(&a, "retire")) {
		cJSON *rt = must(cJSON_AddObjectToObject(req, "retire"));

		if ((ret = add_dir(rt, opt1(&a, "retire"), "--retire")) != 0)
			goto fail;
	}
	if (mode != NULL) {
		must(cJSON_AddStringToObject(req, "mode", mode));
		if (opt_has(&a, "suite"))
			must(cJSON_AddStringToObject(req, "suite", opt1(&a, "suite")));
		if ((opt_has(&a, "recv-key") &&
		     (ret = add_key(req, "recv_key", opt1(&a, "recv-key"), "--recv-key")) != 0) ||
		    (opt_has(&a, "send-key") &&
		     (ret = add_key(req, "send_key", opt1(&a, "send-key"), "--send-key")) != 0) ||
		    (opt_has(&a, "recv-roc") &&
		     (ret = add_uint(req, "recv_roc", opt1(&a, "recv-roc"), UINT32_MAX, "--recv-roc")) != 0) ||
		    (opt_has(&a, "send-roc") &&
		     (ret = add_uint(req, "send_roc", opt1(&a, "send-roc"), UINT32_MAX, "--send-roc")) != 0))
			goto fail;
	}
	if (opt_has(&a, "peer"))
		must(cJSON_AddStringToObject(req, "peer", opt1(&a, "peer")));
	if ((opt_has(&a, "peer-rtcp") &&
	     (ret = add_uint(req, "peer_rtcp", opt1(&a, "peer-rtcp"), 65535, "--peer-rtcp")) != 0) ||
	    (opt_has(&a, "strict-source") &&
	     (ret = add_bool(req, "strict_source", opt1(&a, "strict-source"), "--strict-source")) != 0))
		goto fail;
	if (cJSON_GetArraySize(req) == 3)
		ret = usage_error("session update: nothing to change");
	if (ret != 0)
		goto fail;
	keys_changed = opt_has(&a, "rekey") || opt_has(&a, "retire") || mode != NULL;
	if ((ret = request(cl, req, &resp)) != 0)
		return ret;
	if (cl->json) {
		print_compact(result(resp));
	} else {
		print_changed(result(resp), leg);
		if (keys_changed)
			show_session(cl, a.pos[0]);
		else
			print_session(updated_session(result(resp)));
	}
	cJSON_Delete(resp);
	return 0;
fail:
	json_free(req);
	return ret;
}

static void
show_deleted(const cJSON *res)
{
	const cJSON *l;

	printf("deleted session %s\n", or_dash(str(res, "session")));
	cJSON_ArrayForEach(l, item(res, "legs")) {
		char b[4][32];

		printf("leg %s (id %s): rx %s packets, tx %s packets\n", member(l, "leg", b[0], 32),
		       member(l, "id", b[1], 32), member(item(l, "rx"), "packets", b[2], 32),
		       member(item(l, "tx"), "packets", b[3], 32));
		print_drops("rx drops", item(item(l, "rx"), "drops"));
		print_drops("tx drops", item(item(l, "tx"), "drops"));
	}
}

/* A command whose one argument is a name, sent as member (session get NAME, profile delete NAME). */
static int
named_request(struct cli *cl, const char *cmd, const char *op, const char *member_name, int argc,
	      char **argv, void (*show)(const cJSON *res))
{
	struct args a = {0};
	cJSON *req;
	int ret = command_args(cl, cmd, argc, argv, &a, 1, 1);

	if (ret != 0)
		return ret;
	req = request_new(op);
	must(cJSON_AddStringToObject(req, member_name, a.pos[0]));
	return call_show(cl, req, show);
}

static int
cmd_session_delete(struct cli *cl, int argc, char **argv)
{
	return named_request(cl, "session delete", "session.delete", "session", argc, argv,
			     show_deleted);
}

static int
cmd_session_get(struct cli *cl, int argc, char **argv)
{
	return named_request(cl, "session get", "session.get", "session", argc, argv, print_session);
}

static int
cmd_session_list(struct cli *cl, int argc, char **argv)
{
	struct opt o[] = {OPT("match", true), OPT("profile", true), OPT("limit", true), OPT("all", false)};
	struct args a = ARGS(o);
	static const char *const heads[] = {"NAME", "SECURITY", "PROFILE", "LEG 0", "LEG 1"};
	cJSON *all = must(cJSON_CreateArray()), *after = NULL, *last = NULL;
	double total = 0;
	struct table t;
	const cJSON *s;
	bool more;
	int ret = command_args(cl, "session list", argc, argv, &a, 0, 0);

	if (ret != 0)
		goto out;
	do {
		cJSON *req = request_new("session.list"), *resp, *page;

		if (opt_has(&a, "match"))
			must(cJSON_AddStringToObject(req, "match", opt1(&a, "match")));
		if (opt_has(&a, "profile"))
			must(cJSON_AddStringToObject(req, "profile", opt1(&a, "profile")));
		if (opt_has(&a, "limit") &&
		    (ret = add_uint(req, "limit", opt1(&a, "limit"), 1000, "--limit")) != 0) {
			json_free(req);
			goto out;
		}
		if (after != NULL)
			cJSON_AddItemToObject(req, "after", after);
		after = NULL;
		if ((ret = request(cl, req, &resp)) != 0)
			goto out;
		page = cJSON_GetObjectItemCaseSensitive(resp, "result");
		total = num(page, "total");
		while ((s = cJSON_GetArrayItem(item(page, "sessions"), 0)) != NULL)
			cJSON_AddItemToArray(all, cJSON_DetachItemFromArray(
							   cJSON_GetObjectItemCaseSensitive(page, "sessions"), 0));
		more = cJSON_IsString(item(page, "next"));
		if (more)
			after = must(cJSON_CreateString(str(page, "next")));
		cJSON_Delete(last);
		last = resp;
	} while (more && opt_has(&a, "all"));

	if (cl->json) {
		cJSON *r = must(cJSON_CreateObject());

		cJSON_AddItemToObject(r, "sessions", all);
		all = NULL;
		must(cJSON_AddNumberToObject(r, "total", total));
		if (after != NULL)
			must(cJSON_AddStringToObject(r, "next", after->valuestring));
		print_compact(r);
		cJSON_Delete(r);
		goto out;
	}
	table_init(&t, 5, heads, NULL);
	cJSON_ArrayForEach(s, all) {
		char legs[2][256];
		const char *row[5];

		for (unsigned l = 0; l < 2; l++)
			leg_summary(cJSON_GetArrayItem(item(s, "legs"), (int)l), legs[l], sizeof(legs[l]));
		row[0] = str(s, "session");
		row[1] = str(s, "security");
		row[2] = or_dash(str(s, "profile"));
		row[3] = legs[0];
		row[4] = legs[1];
		table_row(&t, row);
	}
	table_print(&t);
	printf("%d of %.0f sessions%s\n", cJSON_GetArraySize(all), total,
	       after != NULL ? " (more: --all reads every page)" : "");
out:
	cJSON_Delete(after);
	cJSON_Delete(all);
	cJSON_Delete(last);
	return ret;
}

/* leg redirect, leg replace: what changed, and the session now. */
static int
leg_change(struct cli *cl, cJSON *req)
{
	unsigned leg = (unsigned)num(req, "leg");
	cJSON *resp;
	int ret = request(cl, req, &resp);

	if (ret != 0)
		return ret;
	if (cl->json) {
		print_compact(result(resp));
	} else {
		print_changed(result(resp), leg);
		print_session(updated_session(result(resp)));
	}
	cJSON_Delete(resp);
	return 0;
}

static int
cmd_leg_redirect(struct cli *cl, int argc, char **argv)
{
	struct opt o[] = {OPT("peer-rtcp", true), OPT("strict-source", true)};
	struct args a = ARGS(o);
	cJSON *req;
	int ret = command_args(cl, "leg redirect", argc, argv, &a, 3, 3);

	if (ret != 0)
		return ret;
	req = request_new("leg.redirect");
	must(cJSON_AddStringToObject(req, "session", a.pos[0]));
	must(cJSON_AddStringToObject(req, "peer", a.pos[2]));
	if ((ret = add_leg(req, a.pos[1])) != 0 ||
	    (opt_has(&a, "peer-rtcp") &&
	     (ret = add_uint(req, "peer_rtcp", opt1(&a, "peer-rtcp"), 65535, "--peer-rtcp")) != 0) ||
	    (opt_has(&a, "strict-source") &&
	     (ret = add_bool(req, "strict_source", opt1(&a, "strict-source"), "--strict-source")) != 0)) {
		json_free(req);
		return ret;
	}
	return leg_change(cl, req);
}

static int
cmd_leg_replace(struct cli *cl, int argc, char **argv)
{
	struct opt o[] = {OPT("leg", true)};
	struct args a = ARGS(o);
	cJSON *req, *with = NULL;
	int ret = command_args(cl, "leg replace", argc, argv, &a, 2, 2);

	if (ret != 0)
		return ret;
	if (o[0].n != 1)
		return usage_error("leg replace: give the new leg with --leg SPEC, once");
	req = request_new("leg.replace");
	must(cJSON_AddStringToObject(req, "session", a.pos[0]));
	if ((ret = add_leg(req, a.pos[1])) != 0 || (ret = leg_spec(o[0].v[0], "--leg", &with)) != 0) {
		json_free(req);
		return ret;
	}
	cJSON_AddItemToObject(req, "with", with);
	return leg_change(cl, req);
}

/* ------------------------------------------------------------ profiles */

static const struct {
	const char *name;
	enum vtype type;
} profile_fields[] = {
	{"name", V_STR},
	{"description", V_STR},
	{"transport", V_STR},
	{"security_mode", V_STR},
	{"digest_authentication", V_BOOL},
	{"nonce_validity", V_INT},
	{"x509_subjects", V_STR},
	{"incoming_port", V_INT},
	{"application_authorization", V_BOOL},
	{"accept_subscription", V_BOOL},
	{"accept_redirect", V_BOOL},
	{"accept_notification", V_BOOL},
	{"accept_replacement", V_BOOL},
};

/*
 * --set KEY=VALUE into the profile object: a known field takes its type; an
 * unknown one is passed on as the value looks (the server names it).
 */
static int
profile_sets(const struct opt *set, cJSON *p)
{
	for (unsigned i = 0; i < set->n; i++) {
		char *kv = set->v[i], *eq = strchr(kv, '='), what[96];
		enum vtype type = V_STR;
		uint64_t u;
		bool b;
		int ret = 0;

		if (eq == NULL || eq == kv)
			return usage_error("--set: '%s' is not KEY=VALUE", echo_arg(kv));
		*eq = '\0';
		for (char *c = kv; *c != '\0'; c++)
			if (*c == '-')
				*c = '_';
		if (item(p, kv) != NULL)
			return usage_error("--set: %s given twice", echo_arg(kv));
		snprintf(what, sizeof(what), "--set %s", kv);
		unsigned f;

		for (f = 0; f < sizeof(profile_fields) / sizeof(profile_fields[0]); f++)
			if (strcmp(profile_fields[f].name, kv) == 0)
				break;
		if (f < sizeof(profile_fields) / sizeof(profile_fields[0]))
			type = profile_fields[f].type;
		else if (parse_bool(eq + 1, &b) == 0 && strcmp(eq + 1, "0") != 0 &&
			 strcmp(eq + 1, "1") != 0)
			type = V_BOOL;
		else if (parse_u64(eq + 1, UINT32_MAX, &u) == 0)
			type = V_INT;
		if (type == V_BOOL)
			ret = add_bool(p, kv, eq + 1, what);
		else if (type == V_INT)
			ret = add_uint(p, kv, eq + 1, UINT32_MAX, what);
		else
			must(cJSON_AddStringToObject(p, kv, eq + 1));
		if (ret != 0)
			return ret;
	}
	return 0;
}

static const char *
yes_no(const cJSON *o, const char *name)
{
	return cJSON_IsTrue(item(o, name)) ? "yes" : "no";
}

static void
print_profile(const cJSON *p)
{
	const cJSON *f;
	char b[1024];

	cJSON_ArrayForEach(f, p) {
		if (cJSON_IsBool(f))
			printf("%-26s %s\n", f->string, cJSON_IsTrue(f) ? "yes" : "no");
		else
			printf("%-26s %s\n", f->string, or_dash(scalar(f, b, sizeof(b))));
	}
}

/* Who uses a profile: the answer of profile.get, or the error of a refused delete. */
static void
print_used_by(FILE *f, const cJSON *u)
{
	static const char *const lists[] = {"listeners", "clients", "connections"};
	const cJSON *x;
	bool any = false;

	fprintf(f, "used by:\n");
	for (unsigned i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		const cJSON *arr = item(u, lists[i]);
		bool first = true;

		if (cJSON_GetArraySize(arr) == 0)
			continue;
		fprintf(f, "  %s: ", lists[i]);
		cJSON_ArrayForEach(x, arr) {
			fprintf(f, "%s%s", first ? "" : ", ", cJSON_IsString(x) ? x->valuestring : "?");
			first = false;
		}
		fputc('\n', f);
		any = true;
	}
	if (num(u, "sessions") > 0) {
		bool first = true;

		fprintf(f, "  sessions: %.0f (", num(u, "sessions"));
		cJSON_ArrayForEach(x, item(u, "session_names")) {
			fprintf(f, "%s%s", first ? "" : ", ", cJSON_IsString(x) ? x->valuestring : "?");
			first = false;
		}
		fprintf(f, "%s)\n", cJSON_GetArraySize(item(u, "session_names")) < num(u, "sessions")
					    ? ", ..." : "");
		any = true;
	}
	if (!any)
		fprintf(f, "  nothing\n");
}

static void
show_profiles(const cJSON *res)
{
	static const char *const heads[] = {"NAME", "TRANSPORT", "MODE", "DIGEST", "APP-AUTH",
					    "PORT", "SUBJECTS", "DESCRIPTION"};
	static const unsigned maxw[] = {24, 0, 0, 0, 0, 0, 32, 48};
	const cJSON *p;
	struct table t;

	table_init(&t, 8, heads, maxw);
	cJSON_ArrayForEach(p, item(res, "profiles")) {
		const char *tr = str(p, "transport");
		char port[16] = "-";
		const char *row[8];

		if (tr != NULL && strcmp(tr, "tls") == 0)
			snprintf(port, sizeof(port), "%.0f", num(p, "incoming_port"));
		row[0] = str(p, "name");
		row[1] = tr;
		row[2] = str(p, "security_mode");
		row[3] = yes_no(p, "digest_authentication");
		row[4] = yes_no(p, "application_authorization");
		row[5] = port;
		row[6] = or_dash(str(p, "x509_subjects"));
		row[7] = or_dash(str(p, "description"));
		table_row(&t, row);
	}
	table_print(&t);
}

static int
cmd_profile_list(struct cli *cl, int argc, char **argv)
{
	struct opt o[] = {OPT("search", true), OPT("in", true)};
	struct args a = ARGS(o);
	cJSON *req;
	int ret = command_args(cl, "profile list", argc, argv, &a, 0, 0);

	if (ret != 0)
		return ret;
	req = request_new("profile.list");
	if (opt_has(&a, "search"))
		must(cJSON_AddStringToObject(req, "search", opt1(&a, "search")));
	if (opt_has(&a, "in"))
		must(cJSON_AddStringToObject(req, "in", opt1(&a, "in")));
	return call_show(cl, req, show_profiles);
}

static void
show_profile_users(const cJSON *res)
{
	print_profile(item(res, "profile"));
	print_used_by(stdout, item(res, "used_by"));
}

static void
show_profile_deleted(const cJSON *res)
{
	printf("profile %s deleted\n", or_dash(str(res, "deleted")));
}

static int
cmd_profile_get(struct cli *cl, int argc, char **argv)
{
	return named_request(cl, "profile get", "profile.get", "name", argc, argv, show_profile_users);
}

static void
show_profile_added(const cJSON *res)
{
	printf("profile %s added\n", or_dash(str(res, "name")));
	print_profile(res);
}

static void
show_profile_copied(const cJSON *res)
{
	printf("profile %s copied\n", or_dash(str(res, "name")));
	print_profile(res);
}

static void
show_profile_updated(const cJSON *res)
{
	printf("profile %s updated\n", or_dash(str(res, "name")));
	print_profile(res);
}

/* profile add / copy / update: they differ in the members around the fields. */
static int
profile_change(struct cli *cl, const char *cmd, const char *op, int argc, char **argv,
	       unsigned npos, void (*show)(const cJSON *res))
{
	struct opt o[] = {OPT("set", true)};
	struct args a = ARGS(o);
	cJSON *req, *fields;
	int ret = command_args(cl, cmd, argc, argv, &a, npos, npos);

	if (ret != 0)
		return ret;
	if (o[0].n == 0 && strcmp(op, "profile.copy") != 0)
		return usage_error("%s: give the fields with --set KEY=VALUE", cmd);
	req = request_new(op);
	fields = must(cJSON_CreateObject());
	if (strcmp(op, "profile.add") == 0) {
		must(cJSON_AddStringToObject(fields, "name", a.pos[0]));
	} else if (strcmp(op, "profile.copy") == 0) {
		must(cJSON_AddStringToObject(req, "from", a.pos[0]));
		must(cJSON_AddStringToObject(req, "name", a.pos[1]));
	} else {
		must(cJSON_AddStringToObject(req, "name", a.pos[0]));
	}
	if ((ret = profile_sets(&o[0], fields)) != 0) {
		cJSON_Delete(fields);
		json_free(req);
		return ret;
	}
	if (cJSON_GetArraySize(fields) > 0)
		cJSON_AddItemToObject(req, "profile", fields);
	else
		cJSON_Delete(fields);
	return call_show(cl, req, show);
}

static int
cmd_profile_add(struct cli *cl, int argc, char **argv)
{
	return profile_change(cl, "profile add", "profile.add", argc, argv, 1, show_profile_added);
}

static int
cmd_profile_copy(struct cli *cl, int argc, char **argv)
{
	return profile_change(cl, "profile copy", "profile.copy", argc, argv, 2, show_profile_copied);
}

static int
cmd_profile_update(struct cli *cl, int argc, char **argv)
{
	return profile_change(cl, "profile update", "profile.update", argc, argv, 1,
			      show_profile_updated);
}

static int
cmd_profile_delete(struct cli *cl, int argc, char **argv)
{
	return named_request(cl, "profile delete", "profile.delete", "name", argc, argv,
			     show_profile_deleted);
}

/* ------------------------------------------------------------ events */

/* "2026-12-04T13:50:03.123Z session.created session=call-7 profile=local ..." */
static void
print_event(struct cli *cl, const cJSON *ev)
{
	const cJSON *d;
	char b[1024];

	if (cl->json) {
		print_compact(ev);
		return;
	}
	printf("%s %s", or_dash(str(ev, "time")), or_dash(str(ev, "event")));
	cJSON_ArrayForEach(d, item(ev, "data")) {
		scalar(d, b, sizeof(b));
		if (cJSON_IsString(d) && (b[0] == '\0' || strpbrk(b, " \t\"=") != NULL)) {
			char *q = cJSON_PrintUnformatted(d);

			printf(" %s=%s", d->string, q != NULL ? q : "?");
			cJSON_free(q);
		} else {
			printf(" %s=%s", d->string, b);
		}
	}
	putchar('\n');
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
cmd_events(struct cli *cl, int argc, char **argv)
{
	struct opt o[] = {OPT("count", true), OPT("timeout", true)};
	struct args a = ARGS(o);
	uint64_t count = 0, secs = 0, got = 0, deadline = 0;
	cJSON *req, *resp, *pats;
	const cJSON *p;
	char list[512] = "";
	int ret = command_args(cl, "events", argc, argv, &a, 0, MAX_POS);

	if (ret != 0)
		return ret;
	if ((opt_has(&a, "count") && parse_u64(opt1(&a, "count"), UINT32_MAX, &count) < 0) ||
	    (opt_has(&a, "count") && count == 0))
		return usage_error("events: --count '%s' is not a positive integer", opt1(&a, "count"));
	if ((opt_has(&a, "timeout") && parse_u64(opt1(&a, "timeout"), 86400 * 365, &secs) < 0) ||
	    (opt_has(&a, "timeout") && secs == 0))
		return usage_error("events: --timeout '%s' is not a positive number of seconds",
				   opt1(&a, "timeout"));
	req = request_new("events.subscribe");
	if (a.npos > 0) {
		pats = must(cJSON_AddArrayToObject(req, "events"));
		for (unsigned i = 0; i < a.npos; i++)
			cJSON_AddItemToArray(pats, must(cJSON_CreateString(a.pos[i])));
	}
	if ((ret = request(cl, req, &resp)) != 0)
		return ret;
	cJSON_ArrayForEach(p, item(result(resp), "events")) {
		size_t n = strlen(list);

		snprintf(list + n, sizeof(list) - n, "%s%s", n ? " " : "", cJSON_IsString(p) ? p->valuestring : "?");
	}
	cJSON_Delete(resp);
	/* on stderr: a script may wait for this line before it makes the events */
	warn("subscribed to %s", list);
	setvbuf(stdout, NULL, _IOLBF, 0); /* one event a line, at once, even into a pipe */
	if (secs > 0)
		deadline = now_ms() + secs * 1000;
	while (count == 0 || got < count) {
		cJSON *ev = ms_client_next_event(cl->c, 0);
		const char *line;
		int n, wait = -1;

		if (ev == NULL) {
			if (deadline != 0) {
				uint64_t t = now_ms();

				if (t >= deadline)
					break;
				wait = (int)(deadline - t);
			}
			n = ms_client_read_line(cl->c, &line, wait);
			if (n < 0) {
				warn("the connection to the server failed: %s", strerror(-n));
				return EXIT_CONN;
			}
			if (n == 0)
				continue;
			ev = cJSON_Parse(line);
			if (ev == NULL || item(ev, "event") == NULL) {
				cJSON_Delete(ev); /* an answer nobody waits for */
				continue;
			}
		}
		print_event(cl, ev);
		cJSON_Delete(ev);
		got++;
	}
	if (count > 0 && got < count) {
		warn("%" PRIu64 " of %" PRIu64 " events in %" PRIu64 " s", got, count, secs);
		return EXIT_REFUSED;
	}
	return 0;
}

/* ------------------------------------------------------------ captures */

static void
show_capture_started(const cJSON *res)
{
	char b[32];

	printf("capturing session %s leg %s into %s/%s (plaintext media: keep it safe)\n",
	       or_dash(str(res, "session")), member(res, "leg", b, sizeof(b)),
	       or_dash(str(res, "directory")), or_dash(str(res, "file")));
}

static int
cmd_capture_start(struct cli *cl, int argc, char **argv)
{
	static const char *const limits[] = {"max-packets", "max-bytes", "max-seconds"};
	static const char *const members[] = {"max_packets", "max_bytes", "max_seconds"};
	static const uint64_t max[] = {1ull << 52, 1ull << 52, 86400 * 7};
	struct opt o[] = {OPT("max-packets", true), OPT("max-bytes", true), OPT("max-seconds", true)};
	struct args a = ARGS(o);
	cJSON *req;
	char what[32];
	int ret = command_args(cl, "capture start", argc, argv, &a, 3, 3);

	if (ret != 0)
		return ret;
	req = request_new("capture.start");
	must(cJSON_AddStringToObject(req, "session", a.pos[0]));
	must(cJSON_AddStringToObject(req, "file", a.pos[2]));
	ret = add_leg(req, a.pos[1]);
	for (unsigned i = 0; i < 3 && ret == 0; i++) {
		snprintf(what, sizeof(what), "--%s", limits[i]);
		if (opt_has(&a, limits[i]))
			ret = add_uint(req, members[i], opt1(&a, limits[i]), max[i], what);
	}
	if (ret != 0) {
		json_free(req);
		return ret;
	}
	return call_show(cl, req, show_capture_started);
}

static void
show_capture_stopped(const cJSON *r)
{
	char b[6][32];

	printf("capture of session %s leg %s stopped (%s): %s packets (%s received, %s sent), "
	       "%s bytes, %s dropped, %.1f s\n",
	       or_dash(str(r, "session")), member(r, "leg", b[0], 32), or_dash(str(r, "state")),
	       member(r, "packets", b[1], 32), member(r, "captured_rx", b[2], 32),
	       member(r, "captured_tx", b[3], 32), member(r, "bytes", b[4], 32),
	       member(r, "dropped", b[5], 32), num(r, "seconds"));
}

static int
cmd_capture_stop(struct cli *cl, int argc, char **argv)
{
	struct args a = {0};
	cJSON *req;
	int ret = command_args(cl, "capture stop", argc, argv, &a, 2, 2);

	if (ret != 0)
		return ret;
	req = request_new("capture.stop");
	must(cJSON_AddStringToObject(req, "session", a.pos[0]));
	if ((ret = add_leg(req, a.pos[1])) != 0) {
		json_free(req);
		return ret;
	}
	return call_show(cl, req, show_capture_stopped);
}

static void
show_captures(const cJSON *res)
{
	static const char *const heads[] = {"SESSION", "LEG", "PACKETS", "BYTES", "DROPPED",
					    "SECONDS", "STATE"};
	const cJSON *c;
	struct table t;

	table_init(&t, 7, heads, NULL);
	cJSON_ArrayForEach(c, item(res, "captures")) {
		char b[5][32];
		const char *row[7];

		snprintf(b[4], sizeof(b[4]), "%.1f", num(c, "seconds"));
		row[0] = str(c, "session");
		row[1] = member(c, "leg", b[0], 32);
		row[2] = member(c, "packets", b[1], 32);
		row[3] = member(c, "bytes", b[2], 32);
		row[4] = member(c, "dropped", b[3], 32);
		row[5] = b[4];
		row[6] = str(c, "state");
		table_row(&t, row);
	}
	table_print(&t);
}

/* A command without arguments: capture list, stats. */
static int
no_args(struct cli *cl, const char *cmd, const char *op, int argc, char **argv,
	void (*show)(const cJSON *res))
{
	struct args a = {0};
	int ret = command_args(cl, cmd, argc, argv, &a, 0, 0);

	return ret != 0 ? ret : call_show(cl, request_new(op), show);
}

static int
cmd_capture_list(struct cli *cl, int argc, char **argv)
{
	return no_args(cl, "capture list", "capture.list", argc, argv, show_captures);
}

/* ------------------------------------------------------------ stats, ping, call */

/*
 * Nested objects as indented groups, arrays of objects as numbered groups;
 * in "drops" and "errors" only what is not zero, as most reasons never occur.
 */
static void
print_group(const cJSON *o, int indent, bool nonzero_only)
{
	const cJSON *v;
	char b[256];

	cJSON_ArrayForEach(v, o) {
		if (cJSON_IsObject(v)) {
			bool sparse = strcmp(v->string, "drops") == 0 || strcmp(v->string, "errors") == 0;
			bool any = !sparse;
			const cJSON *x;

			cJSON_ArrayForEach(x, v)
				any |= !cJSON_IsNumber(x) || x->valuedouble != 0;
			printf("%*s%s:%s\n", indent, "", v->string, any ? "" : " none");
			if (any)
				print_group(v, indent + 2, sparse);
		} else if (cJSON_IsArray(v)) {
			const cJSON *x;
			int i = 0;

			cJSON_ArrayForEach(x, v) {
				if (cJSON_IsObject(x)) {
					printf("%*s%s[%d]:\n", indent, "", v->string, i);
					print_group(x, indent + 2, false);
				} else {
					printf("%*s%s[%d]: %s\n", indent, "", v->string, i, scalar(x, b, sizeof(b)));
				}
				i++;
			}
		} else if (!nonzero_only || !cJSON_IsNumber(v) || v->valuedouble != 0) {
			printf("%*s%s: %s\n", indent, "", v->string, scalar(v, b, sizeof(b)));
		}
	}
}

static void
show_stats(const cJSON *res)
{
	print_group(res, 0, false);
}

static int
cmd_stats(struct cli *cl, int argc, char **argv)
{
	return no_args(cl, "stats", "stats", argc, argv, show_stats);
}

static int
cmd_ping(struct cli *cl, int argc, char **argv)
{
	struct args a = {0};
	uint64_t t0;
	cJSON *resp;
	int ret = command_args(cl, "ping", argc, argv, &a, 0, 0);

	if (ret != 0 || (ret = cli_connect(cl)) != 0)
		return ret;
	t0 = now_ms();
	if ((ret = request(cl, request_new("ping"), &resp)) != 0)
		return ret;
	if (cl->json)
		print_compact(result(resp));
	else
		printf("pong %s (%" PRIu64 " ms)\n", or_dash(str(result(resp), "time")), now_ms() - t0);
	cJSON_Delete(resp);
	return 0;
}

static int
cmd_call(struct cli *cl, int argc, char **argv)
{
	struct args a = {0};
	cJSON *req;
	int ret = command_args(cl, "call", argc, argv, &a, 1, 1);

	if (ret != 0)
		return ret;
	req = cJSON_Parse(a.pos[0]);
	/* the text may hold keys: the tree has them now */
	ms_secure_zero(a.pos[0], strlen(a.pos[0]));
	if (req == NULL || !cJSON_IsObject(req) || !cJSON_IsString(item(req, "op"))) {
		json_free(req);
		return usage_error("call: the request is not a JSON object with an \"op\"");
	}
	return call_show(cl, req, NULL);
}

/* ------------------------------------------------------------ no connection */

static int
cmd_fingerprint(struct cli *cl, int argc, char **argv)
{
	char sha256[MS_TLS_SHA256_FP_LEN], sha1[MS_TLS_SHA1_FP_LEN], subject[MS_TLS_SUBJECT_MAX];
	char err[512];
	struct args a = {0};
	int ret = command_args(cl, "fingerprint", argc, argv, &a, 1, 1);

	if (ret != 0)
		return ret;
	if (ms_tls_file_info(a.pos[0], sha256, sizeof(sha256), sha1, sizeof(sha1), subject,
			     sizeof(subject), err, sizeof(err)) < 0) {
		warn("%s", err);
		return EXIT_USAGE;
	}
	if (cl->json) {
		cJSON *r = must(cJSON_CreateObject());

		must(cJSON_AddStringToObject(r, "file", a.pos[0]));
		must(cJSON_AddStringToObject(r, "sha256", sha256));
		must(cJSON_AddStringToObject(r, "sha1", sha1));
		must(cJSON_AddStringToObject(r, "subject", subject));
		print_compact(r);
		cJSON_Delete(r);
	} else {
		printf("sha256   %s\nsha1     %s\nsubject  %s\n", sha256, sha1, subject);
	}
	return 0;
}

static int
cmd_hash_password(struct cli *cl, int argc, char **argv)
{
	char password[PASSWORD_MAX], ha1[MS_DIGEST_HEX_LEN + 1];
	const char *user, *realm;
	struct args a = {0};
	int ret = command_args(cl, "hash-password", argc, argv, &a, 1, 2);

	if (ret != 0)
		return ret;
	user = a.pos[0];
	realm = a.npos > 1 ? a.pos[1] : "mediasec";
	/* as the daemon checks them (control.clients[].name, control.realm) */
	if (user[0] == '\0' || strlen(user) > 64 || strpbrk(user, ":\" \t") != NULL)
		return usage_error("hash-password: '%s' is not 1 to 64 characters without blanks, ':' or '\"'",
				   user);
	if (realm[0] == '\0' || strlen(realm) > 64 || strpbrk(realm, ":\"") != NULL)
		return usage_error("hash-password: realm '%s' is not 1 to 64 characters without ':' or '\"'",
				   realm);
	if (get_password(user, true, password, sizeof(password)) < 0)
		return EXIT_USAGE;
	if (password[0] == '\0') {
		ms_secure_zero(password, sizeof(password));
		return usage_error("hash-password: the password is empty");
	}
	ms_digest_ha1(user, realm, password, ha1);
	ms_secure_zero(password, sizeof(password));
	if (cl->json) {
		cJSON *r = must(cJSON_CreateObject());

		must(cJSON_AddStringToObject(r, "user", user));
		must(cJSON_AddStringToObject(r, "realm", realm));
		must(cJSON_AddStringToObject(r, "digest_ha1", ha1));
		print_compact(r);
		json_free(r);
	} else {
		printf("%s\n", ha1);
	}
	ms_secure_zero(ha1, sizeof(ha1));
	return 0;
}

/* ------------------------------------------------------------ server-fingerprint */

static int
tcp_connect(const char *host, uint16_t port, int timeout_ms)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	char ps[8];
	int fd = -1, e = EHOSTUNREACH, g;

	snprintf(ps, sizeof(ps), "%u", port);
	if ((g = getaddrinfo(host, ps, &hints, &res)) != 0) {
		warn("cannot resolve %s: %s", host, gai_strerror(g));
		return -EHOSTUNREACH;
	}
	for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		/* the timeouts bound a server that accepts but never answers */
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			e = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		warn("cannot connect to %s port %u: %s", host, port, strerror(e));
		return -e;
	}
	return fd;
}

/*
 * A connection of its own rather than ms_client's: the server's certificate
 * is known as soon as our side of the handshake is done, so it is printed
 * even when the server then refuses our certificate or asks for a password.
 */
static int
cmd_server_fingerprint(struct cli *cl, int argc, char **argv)
{
	static const char hello[] = "{\"id\":1,\"op\":\"hello\",\"version\":1,\"client\":\"" PROG "\"}\n";
	struct ms_tls_client *tc = NULL;
	struct args a = {0};
	char err[512], line[8192];
	size_t got = 0;
	cJSON *resp = NULL;
	const cJSON *r;
	int fd, ret = command_args(cl, "server-fingerprint", argc, argv, &a, 0, 0);

	if (ret != 0)
		return ret;
	if (cl->o.socket_path != NULL)
		return usage_error("server-fingerprint: connect with TLS (-c HOST:PORT and the files)");
	fd = tcp_connect(cl->o.host, cl->o.port, cl->o.timeout_ms > 0 ? cl->o.timeout_ms : 10000);
	if (fd < 0)
		return EXIT_CONN;
	if (ms_tls_client_connect(fd, &cl->o.tls, &tc, err, sizeof(err)) < 0) {
		warn("TLS: %s", err);
		close(fd);
		return EXIT_CONN;
	}
	if (ms_tls_client_write(tc, hello, sizeof(hello) - 1) < 0)
		ret = EXIT_CONN;
	while (ret == 0 && memchr(line, '\n', got) == NULL) {
		ssize_t n;

		if (got == sizeof(line) - 1) {
			ret = EXIT_CONN;
			break;
		}
		n = ms_tls_client_read(tc, line + got, sizeof(line) - 1 - got);
		if (n <= 0)
			ret = EXIT_CONN;
		else
			got += (size_t)n;
	}
	line[got] = '\0';
	if (ret == 0) {
		resp = cJSON_Parse(line);
		if (resp == NULL)
			ret = EXIT_CONN;
	}
	r = result(resp);
	if (cl->json) {
		cJSON *o = must(cJSON_CreateObject());

		must(cJSON_AddStringToObject(o, "fingerprint", ms_tls_client_server_fingerprint(tc)));
		must(cJSON_AddStringToObject(o, "subject", ms_tls_client_server_subject(tc)));
		must(cJSON_AddStringToObject(o, "protocol", ms_tls_client_protocol(tc)));
		if (r != NULL) {
			must(cJSON_AddStringToObject(o, "profile", or_dash(str(r, "profile"))));
			must(cJSON_AddStringToObject(o, "principal", or_dash(str(r, "principal"))));
			must(cJSON_AddStringToObject(o, "authentication",
						     or_dash(str(r, "authentication"))));
		}
		print_compact(o);
		cJSON_Delete(o);
	} else {
		printf("fingerprint     %s\nsubject         %s\nprotocol        %s\n",
		       ms_tls_client_server_fingerprint(tc), ms_tls_client_server_subject(tc),
		       ms_tls_client_protocol(tc));
		if (r != NULL)
			printf("profile         %s\nprincipal       %s\nauthentication  %s\n",
			       or_dash(str(r, "profile")), or_dash(str(r, "principal")),
			       or_dash(str(r, "authentication")));
	}
	if (ret != 0)
		warn("the server refused this client: %s",
		     ms_tls_client_error(tc)[0] ? ms_tls_client_error(tc) : "no answer to hello");
	else if (r == NULL) {
		report_error(cl, resp);
		ret = EXIT_CONN; /* refused at hello: this client cannot connect */
	}
	cJSON_Delete(resp);
	ms_tls_client_free(tc);
	close(fd);
	return ret;
}

/* ------------------------------------------------------------ commands */

struct command {
	const char *group; /* "session", ...; NULL for a one-word command */
	const char *name;
	int (*fn)(struct cli *cl, int argc, char **argv);
};

static const struct command commands[] = {
	{"session", "create", cmd_session_create},
	{"session", "update", cmd_session_update},
	{"session", "delete", cmd_session_delete},
	{"session", "get", cmd_session_get},
	{"session", "list", cmd_session_list},
	{"leg", "redirect", cmd_leg_redirect},
	{"leg", "replace", cmd_leg_replace},
	{"profile", "list", cmd_profile_list},
	{"profile", "get", cmd_profile_get},
	{"profile", "add", cmd_profile_add},
	{"profile", "copy", cmd_profile_copy},
	{"profile", "update", cmd_profile_update},
	{"profile", "delete", cmd_profile_delete},
	{NULL, "events", cmd_events},
	{"capture", "start", cmd_capture_start},
	{"capture", "stop", cmd_capture_stop},
	{"capture", "list", cmd_capture_list},
	{NULL, "stats", cmd_stats},
	{NULL, "ping", cmd_ping},
	{NULL, "call", cmd_call},
	{NULL, "fingerprint", cmd_fingerprint},
	{NULL, "server-fingerprint", cmd_server_fingerprint},
	{NULL, "hash-password", cmd_hash_password},
};

/* "host:port", "[v6]:port" */
static int
parse_hostport(const char *s, char *host, size_t hlen, uint16_t *port)
{
	const char *colon;
	uint64_t p;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end[1] != ':')
			return -EINVAL;
		snprintf(host, hlen, "%.*s", (int)(end - s - 1), s + 1);
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || memchr(s, ':', (size_t)(colon - s)) != NULL)
			return -EINVAL; /* none, or a bare IPv6 address */
		snprintf(host, hlen, "%.*s", (int)(colon - s), s);
	}
	if (host[0] == '\0' || parse_u64(colon + 1, 65535, &p) < 0 || p == 0)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

static int
copy_path(char *dst, const char *src, const char *opt)
{
	if (strlen(src) >= MS_TLS_PATH_MAX)
		return usage_error("%s: the path is longer than %d characters", opt, MS_TLS_PATH_MAX - 1);
	snprintf(dst, MS_TLS_PATH_MAX, "%s", src);
	return 0;
}

/* The connection options, before the command. */
static int
parse_global(struct cli *cl, int argc, char **argv)
{
	enum { O_CERT = 256, O_KEY, O_CA, O_CA_PATH, O_TIMEOUT, O_JSON };
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"connect", required_argument, NULL, 'c'},
		{"user", required_argument, NULL, 'u'},
		{"cert", required_argument, NULL, O_CERT},
		{"key", required_argument, NULL, O_KEY},
		{"ca", required_argument, NULL, O_CA},
		{"ca-path", required_argument, NULL, O_CA_PATH},
		{"timeout", required_argument, NULL, O_TIMEOUT},
		{"json", no_argument, NULL, O_JSON},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *sock = getenv("MEDIASEC_SOCKET"), *connect_to = NULL;
	bool sock_given = false;
	char *end;
	double t;
	int ch, ret;

	opterr = 0;
	/* "+": the options end at the command, whose own options follow it */
	while ((ch = getopt_long(argc, argv, "+s:c:u:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': sock = optarg; sock_given = true; break;
		case 'c': connect_to = optarg; break;
		case 'u': cl->o.user = optarg; break;
		case O_CERT:
			if ((ret = copy_path(cl->o.tls.certificate, optarg, "--cert")) != 0)
				return ret;
			break;
		case O_KEY:
			if ((ret = copy_path(cl->o.tls.key, optarg, "--key")) != 0)
				return ret;
			break;
		case O_CA:
			if ((ret = copy_path(cl->o.tls.ca_file, optarg, "--ca")) != 0)
				return ret;
			break;
		case O_CA_PATH:
			if ((ret = copy_path(cl->o.tls.ca_path, optarg, "--ca-path")) != 0)
				return ret;
			break;
		case O_TIMEOUT:
			t = strtod(optarg, &end);
			if (*end != '\0' || !(t > 0 && t <= 3600))
				return usage_error("--timeout: '%s' is not 0 to 3600 seconds", optarg);
			cl->o.timeout_ms = (int)(t * 1000 + 0.5);
			if (cl->o.timeout_ms == 0)
				cl->o.timeout_ms = 1;
			break;
		case O_JSON: cl->json = true; break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		default:
			if (optopt != 0 && optopt < 256)
				return usage_error("unknown option -%c, or it needs a value", optopt);
			return usage_error("unknown option %s, or it needs a value", argv[optind - 1]);
		}
	}
	if (connect_to != NULL) {
		if (sock_given)
			return usage_error("-s and -c: one or the other");
		if (parse_hostport(connect_to, cl->host, sizeof(cl->host), &cl->o.port) < 0)
			return usage_error("-c: '%s' is not HOST:PORT (IPv6 as [addr]:port)", connect_to);
		cl->o.host = cl->host;
		if (cl->o.tls.certificate[0] == '\0' || cl->o.tls.key[0] == '\0')
			return usage_error("-c: TLS needs this client's --cert and --key");
		if (cl->o.tls.ca_file[0] == '\0' && cl->o.tls.ca_path[0] == '\0')
			return usage_error("-c: TLS needs the server's CA: --ca or --ca-path");
	} else {
		if (cl->o.tls.certificate[0] || cl->o.tls.key[0] || cl->o.tls.ca_file[0] ||
		    cl->o.tls.ca_path[0])
			return usage_error("--cert, --key, --ca and --ca-path go with -c HOST:PORT");
		cl->o.socket_path = sock != NULL && sock[0] != '\0' ? sock : DEFAULT_SOCKET;
	}
	cl->o.name = PROG;
	return 0;
}

static void
make_id_prefix(struct cli *cl)
{
	uint64_t r = 0;
	struct timespec ts;

	/* getrandom, else the clock and the pid: unique enough to tell runs apart */
	if (getrandom(&r, sizeof(r), 0) != sizeof(r)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		r = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^ ((uint64_t)getpid() << 40);
	}
	snprintf(cl->id_prefix, sizeof(cl->id_prefix), "ctl-%016" PRIx64 "-", r);
}

int
main(int argc, char **argv)
{
	static struct cli cl; /* static: zeroed, and off the stack that ends with exit */
	const struct command *cmd = NULL;
	int ret, first;

	/* a server gone away fails the write; it must not kill us silently (tls.h) */
	signal(SIGPIPE, SIG_IGN);
	ret = parse_global(&cl, argc, argv);
	if (ret != 0)
		return ret < 0 ? EXIT_OK : ret;
	make_id_prefix(&cl);
	first = optind;
	if (first >= argc)
		return usage_error("no command");
	for (unsigned i = 0; i < sizeof(commands) / sizeof(commands[0]) && cmd == NULL; i++) {
		const struct command *c = &commands[i];

		if (c->group == NULL ? strcmp(argv[first], c->name) == 0
				     : strcmp(argv[first], c->group) == 0 && first + 1 < argc &&
					       strcmp(argv[first + 1], c->name) == 0)
			cmd = c;
	}
	if (cmd == NULL) {
		char subs[128] = "";

		for (unsigned i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (commands[i].group != NULL && strcmp(argv[first], commands[i].group) == 0) {
				size_t n = strlen(subs);

				snprintf(subs + n, sizeof(subs) - n, "%s%s", n ? "|" : "", commands[i].name);
			}
		if (subs[0] != '\0')
			return usage_error("%s %s: unknown; one of %s %s", argv[first],
					   first + 1 < argc ? argv[first + 1] : "(nothing)", argv[first], subs);
		return usage_error("unknown command '%s'", argv[first]);
	}
	first += cmd->group != NULL ? 2 : 1;
	for (int i = first; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			return EXIT_OK;
		}
	ret = cmd->fn(&cl, argc - first, argv + first);
	ms_client_close(cl.c);
	ms_secure_zero(cl.password, sizeof(cl.password));
	if (fflush(stdout) != 0 && ret == 0)
		ret = EXIT_CONN;
	return ret;
}

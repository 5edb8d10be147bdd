/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration: the built-in default, a full file, SDES keys, and a clear
 * error for each bad value. The keys here are test keys; still, no test
 * prints one: keys are compared with memcmp, and a failing case prints its
 * number and the edit, never the configuration text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "eal_args.h"
#include "ms_test.h"
#include "secmem.h"

/* ------------------------------------------------------------------ helpers */

/* An independent base64 decoder (RFC 4648, padded), to check the loader's. */
static int
b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static size_t
b64_decode(const char *s, uint8_t *out, size_t max)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;

	for (; *s != '\0' && *s != '=' && *s != '|'; s++) {
		int v = b64_val(*s);

		assert_true(v >= 0);
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			assert_true(n < max);
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return n;
}

static void
addr_is(const struct ms_addr *a, const char *str, uint8_t prefix_len)
{
	struct ms_addr want;

	assert_int_equal(ms_addr_parse(str, &want, false), 0);
	assert_int_equal(a->family, want.family);
	assert_true(memcmp(a->a, want.a, sizeof(a->a)) == 0);
	assert_int_equal(a->prefix_len, prefix_len);
}

/* True when the SDES key matches key || salt of k (compared, never printed). */
static bool
key_matches(const struct ms_srtp_key_cfg *k, enum ms_srtp_suite suite, const char *sdes)
{
	const struct ms_srtp_suite_info *si = ms_srtp_suite_info(suite);
	uint8_t bytes[64];
	size_t n = b64_decode(sdes + strlen("inline:"), bytes, sizeof(bytes));
	bool ok = n == (size_t)si->master_key_len + si->master_salt_len &&
		  memcmp(k->key, bytes, si->master_key_len) == 0 &&
		  memcmp(k->salt, bytes + si->master_key_len, si->master_salt_len) == 0;

	ms_secure_zero(bytes, sizeof(bytes));
	return ok;
}


/* Secret-memory blocks in use: LeakSanitizer does not see these (mmap). */
static size_t
secmem_blocks(void)
{
	struct ms_secmem_stats st;

	ms_secmem_get_stats(&st);
	return st.blocks_in_use;
}

/* ------------------------------------------------------------ the default */

static void
test_builtin_default(void **state)
{
	struct ms_config cfg;
	char err[256] = "";
	size_t blocks = secmem_blocks();

	(void)state;
	assert_int_equal(ms_config_load(NULL, &cfg, err, sizeof(err)), 0);
	assert_int_equal(secmem_blocks(), blocks);
	assert_string_equal(cfg.crypto.engine->name, "ipsec-mb");
	assert_int_equal(cfg.crypto.replay_window, 128);

	assert_int_equal(cfg.eal.hugepages, MS_HUGEPAGES_AUTO);
	assert_int_equal(cfg.eal.memory_mb, 0);
	assert_int_equal(cfg.eal.main_lcore, 0);
	assert_int_equal(cfg.eal.nb_args, 1);
	assert_string_equal(cfg.eal.args[0], "--log-level=lib.eal:notice");
	assert_int_equal(cfg.mbufs.count, 8191);
	assert_int_equal(cfg.mbufs.cache, 256);
	assert_int_equal(cfg.limits.legs, 4096);
	assert_int_equal(cfg.limits.neighbours, 1024);
	assert_int_equal(cfg.stats_interval_ms, 0);

	assert_int_equal(cfg.nb_ports, 2);
	assert_string_equal(cfg.ports[0].name, "a");
	assert_string_equal(cfg.ports[0].device, "net_af_packet_a");
	assert_string_equal(cfg.ports[0].args, "iface=msdemo-a,qpairs=1");
	assert_false(cfg.ports[0].pci);
	assert_int_equal(cfg.ports[0].l3.nb_addrs, 2);
	addr_is(&cfg.ports[0].l3.addrs[0], "10.201.1.1", 24);
	addr_is(&cfg.ports[0].l3.addrs[1], "fd00:201:1::1", 64);
	assert_int_equal(cfg.ports[0].l3.vlan, 0);
	assert_int_equal(cfg.ports[0].l3.gateway4.family, 0);
	assert_int_equal(cfg.ports[0].l3.gateway6.family, 0);
	assert_true(rte_is_zero_ether_addr(&cfg.ports[0].l3.mac));
	assert_int_equal(cfg.ports[0].media_port_min, 30000);
	assert_int_equal(cfg.ports[0].media_port_max, 39999);
	assert_int_equal(cfg.ports[0].rx_desc, 1024);
	assert_int_equal(cfg.ports[0].tx_desc, 1024);
	assert_int_equal(cfg.ports[0].mtu, 0);
	assert_int_equal(cfg.ports[0].nb_rx_queues, 1);
	assert_int_equal(cfg.ports[0].nb_neighbours, 0);
	assert_string_equal(cfg.ports[1].name, "b");
	addr_is(&cfg.ports[1].l3.addrs[0], "10.201.2.1", 24);
	assert_int_equal(cfg.ports[1].rx_desc, 1024);
	assert_int_equal(cfg.ports[1].nb_rx_queues, 1);
	assert_int_equal(ms_config_port_index(&cfg, "a"), 0);
	assert_int_equal(ms_config_port_index(&cfg, "b"), 1);
	assert_int_equal(ms_config_port_index(&cfg, "c"), -1);

	assert_int_equal(cfg.nb_workers, 1);
	assert_int_equal(cfg.workers[0].lcore, 1);
	assert_int_equal(cfg.workers[0].nb_queues, 2);
	assert_int_equal(cfg.workers[0].queues[0].port, 0);
	assert_int_equal(cfg.workers[0].queues[0].queue, 0);
	assert_int_equal(cfg.workers[0].queues[1].port, 1);
	assert_int_equal(cfg.workers[0].queues[1].queue, 0);

	/* the demo call comes through the control socket, not from the file */
	assert_int_equal(cfg.nb_sessions, 0);
	assert_null(cfg.sessions);
	assert_string_equal(cfg.control.realm, "mediasec");
	assert_string_equal(cfg.control.capture_dir, "/var/lib/mediasec/captures");
	assert_int_equal(cfg.control.max_message, 65536);
	assert_int_equal(cfg.control.nb_listeners, 1);
	assert_int_equal(cfg.control.listeners[0].transport, MS_TRANSPORT_UNIX);
	assert_string_equal(cfg.control.listeners[0].path, "/run/mediasec/control.sock");
	assert_int_equal(cfg.control.listeners[0].mode, 0600);
	assert_int_equal(cfg.control.listeners[0].nb_uids, 1);
	assert_int_equal(cfg.control.listeners[0].uids[0], 0);
	assert_string_equal(cfg.control.listeners[0].profile, "local");
	assert_int_equal(cfg.control.nb_profiles, 1);
	assert_string_equal(cfg.control.profiles[0].name, "local");
	assert_int_equal(cfg.control.profiles[0].transport, MS_TRANSPORT_UNIX);
	assert_int_equal(cfg.control.profiles[0].security_mode, MS_LEG_RTP);
	assert_false(cfg.control.profiles[0].digest);
	assert_int_equal(cfg.control.profiles[0].nonce_validity, 600);
	assert_int_equal(cfg.control.nb_clients, 0);

	ms_config_free(&cfg);
	assert_null(cfg.sessions);
	assert_int_equal(cfg.nb_sessions, 0);
	assert_int_equal(cfg.eal.nb_args, 0);
	assert_int_equal(secmem_blocks(), blocks);
	ms_config_free(&cfg); /* twice is harmless */
}

/* --------------------------------------------------------- a full file */

#define K1 "inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e"
#define K2 "inline:ZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5/gIGC"
#define K3 "inline:ycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm"
#define K4 "inline:HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8"
/* AES-256: 32 + 14 bytes; GCM: 16 + 12 and 32 + 12 */
#define K256 "inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLg=="
#define KGCM128 "inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHA=="
#define KGCM256 "inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKyw="
/* a master key of zeros (salt 1..14) */
#define KZERO "inline:AAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQoLDA0O"

static const char *const test_keys[] = {K1, K2, K3, K4, K256, KGCM128, KGCM256, KZERO};

/*
 * Every setting written out, each on its own line, so that one edit of a
 * unique piece of text makes one bad configuration.
 */
static const char base_conf[] =
	"eal = {\n"
	"  hugepages = \"auto\";\n"
	"  memory_mb = 0;\n"
	"  main_lcore = 0;\n"
	"  args = [ \"--log-level=lib.eal:notice\", \"--file-prefix\", \"mstest\" ];\n"
	"};\n"
	"crypto = { engine = \"libsrtp2\"; replay_window = 1024; };\n"
	"mbufs = { count = 4095; cache = 128; };\n"
	"limits = { legs = 64; neighbours = 32; };\n"
	"ports = (\n"
	"  {\n"
	"    name = \"a\";\n"
	"    device = \"net_tap0\";\n"
	"    args = \"iface=mst0\";\n"
	"    addresses = [ \"10.0.1.1/24\", \"fd00:1::1/64\", \"192.0.2.7\" ];\n"
	"    gateway4 = \"10.0.1.254\";\n"
	"    gateway6 = \"fd00:1::fe\";\n"
	"    vlan = 100;\n"
	"    media_ports = \"30000-39999\";\n"
	"    rx_desc = 512;\n"
	"    tx_desc = 2048;\n"
	"    mtu = 1500;\n"
	"    neighbours = ( { address = \"10.0.1.2\"; mac = \"02:00:00:00:00:02\"; },\n"
	"                   { address = \"fd00:1::2\"; mac = \"02:00:00:00:00:03\"; } );\n"
	"  },\n"
	"  {\n"
	"    name = \"b_2\";\n"
	"    device = \"0000:01:00.1\";\n"
	"    pci = true;\n"
	"    addresses = [ \"10.0.2.1/24\" ];\n"
	"    media_ports = \"40000-40100\";\n"
	"  }\n"
	");\n"
	"workers = (\n"
	"  { lcore = 1; queues = [ \"a:0\", \"b_2:0\" ]; },\n"
	"  { lcore = 3; queues = [ \"a:1\" ]; }\n"
	");\n"
	"stats_interval_ms = 1000;\n"
	"sessions = (\n"
	"  { name = \"s1\"; legs = (\n"
	"    {\n"
	"      port = \"a\";\n"
	"      local = \"10.0.1.1:30000\";\n"
	"      peer = \"10.0.1.2:5004\";\n"
	"      mode = \"encrypted\";\n"
	"      suite = \"AES_CM_128_HMAC_SHA1_80\";\n"
	"      recv_key = \"" K1 "\";\n"
	"      send_key = \"" K2 "|2^20|1:4\";\n"
	"      recv_roc = 7;\n"
	"      send_roc = 4294967295L;\n"
	"      replay_window = 256;\n"
	"    },\n"
	"    {\n"
	"      port = \"b_2\";\n"
	"      local = \"10.0.2.1:40000\";\n"
	"      rtcp = \"mux\";\n"
	"      peer = \"learn\";\n"
	"      strict_source = true;\n"
	"      mode = \"authenticated\";\n"
	"      suite = \"NULL_HMAC_SHA1_32\";\n"
	"      recv_key = \"" K3 "\";\n"
	"      send_key = \"" K4 "\";\n"
	"    }\n"
	"  ); },\n"
	"  { name = \"call-2@x\"; legs = (\n"
	"    {\n"
	"      port = \"a\";\n"
	"      local = \"[fd00:1::1]:30010\";\n"
	"      peer = \"[fd00:1::2]:6000\";\n"
	"      peer_rtcp = 6100;\n"
	"      mode = \"rtp\";\n"
	"    },\n"
	"    {\n"
	"      port = \"b_2\";\n"
	"      local = \"10.0.2.1:40002\";\n"
	"      rtcp = 40010;\n"
	"      mode = \"rtp\";\n"
	"    }\n"
	"  ); }\n"
	");\n";

static void
check_base(const struct ms_config *cfg)
{
	const struct ms_leg_cfg *l;

	assert_string_equal(cfg->crypto.engine->name, "libsrtp2");
	assert_int_equal(cfg->crypto.replay_window, 1024);
	assert_int_equal(cfg->eal.nb_args, 3);
	assert_string_equal(cfg->eal.args[2], "mstest");
	assert_int_equal(cfg->mbufs.count, 4095);
	assert_int_equal(cfg->mbufs.cache, 128);
	assert_int_equal(cfg->limits.legs, 64);
	assert_int_equal(cfg->limits.neighbours, 32);
	assert_int_equal(cfg->stats_interval_ms, 1000);

	assert_int_equal(cfg->nb_ports, 2);
	assert_int_equal(cfg->ports[0].l3.nb_addrs, 3);
	addr_is(&cfg->ports[0].l3.addrs[2], "192.0.2.7", 32);
	addr_is(&cfg->ports[0].l3.gateway4, "10.0.1.254", 0);
	addr_is(&cfg->ports[0].l3.gateway6, "fd00:1::fe", 0);
	assert_int_equal(cfg->ports[0].l3.vlan, 100);
	assert_int_equal(cfg->ports[0].rx_desc, 512);
	assert_int_equal(cfg->ports[0].tx_desc, 2048);
	assert_int_equal(cfg->ports[0].mtu, 1500);
	assert_int_equal(cfg->ports[0].nb_rx_queues, 2);
	assert_int_equal(cfg->ports[0].nb_neighbours, 2);
	addr_is(&cfg->ports[0].neighbours[1].addr, "fd00:1::2", 0);
	assert_int_equal(cfg->ports[0].neighbours[1].mac.addr_bytes[5], 3);
	assert_string_equal(cfg->ports[1].name, "b_2");
	assert_true(cfg->ports[1].pci);
	assert_string_equal(cfg->ports[1].device, "0000:01:00.1");
	assert_string_equal(cfg->ports[1].args, "");
	assert_int_equal(cfg->ports[1].media_port_min, 40000);
	assert_int_equal(cfg->ports[1].media_port_max, 40100);
	assert_int_equal(cfg->ports[1].nb_rx_queues, 1);
	assert_int_equal(cfg->nb_workers, 2);
	assert_int_equal(cfg->workers[1].lcore, 3);
	assert_int_equal(cfg->workers[1].queues[0].queue, 1);

	assert_int_equal(cfg->nb_sessions, 2);
	l = &cfg->sessions[0].legs[0];
	assert_int_equal(l->recv.initial_roc, 7);
	assert_int_equal(l->send.initial_roc, 4294967295u);
	assert_int_equal(l->replay_window, 256);
	assert_true(key_matches(&l->recv.ctx.keys[0], l->recv.ctx.suite, K1));
	assert_true(key_matches(&l->send.ctx.keys[0], l->send.ctx.suite, K2));
	assert_int_equal(l->recv.ctx.mki_len, 0);
	assert_int_equal(l->send.ctx.mki_len, 4);
	assert_int_equal(l->send.ctx.keys[0].mki[3], 1);
	assert_int_equal(l->send.ctx.keys[0].rtp_lifetime, 1u << 20);
	l = &cfg->sessions[0].legs[1];
	assert_int_equal(l->port, 1);
	assert_int_equal(l->mode, MS_LEG_AUTHENTICATED);
	assert_true(l->rtcp_mux);
	assert_true(l->peer_learn);
	assert_true(l->strict_source);
	assert_int_equal(l->local_rtcp_port, 40000);
	assert_int_equal(l->peer.family, 0);
	assert_int_equal(l->peer_port, 0);
	assert_int_equal(l->peer_rtcp_port, 0);
	assert_int_equal(l->recv.ctx.suite, MS_SUITE_NULL_HMAC_SHA1_32);
	assert_true(key_matches(&l->send.ctx.keys[0], l->send.ctx.suite, K4));
	assert_string_equal(cfg->sessions[1].name, "call-2@x");
	l = &cfg->sessions[1].legs[0];
	addr_is(&l->local, "fd00:1::1", 0);
	assert_int_equal(l->local_rtcp_port, 30011);
	assert_int_equal(l->peer_port, 6000);
	assert_int_equal(l->peer_rtcp_port, 6100);
	assert_int_equal(l->mode, MS_LEG_RTP);
	l = &cfg->sessions[1].legs[1];
	assert_int_equal(l->local_rtcp_port, 40010);
	assert_true(l->peer_learn);
	assert_string_equal(l->session, "call-2@x");
}

static void
test_full_text(void **state)
{
	struct ms_config cfg;
	char err[256] = "";

	(void)state;
	if (ms_config_parse(base_conf, &cfg, err, sizeof(err)) != 0)
		fail_msg("the base configuration is refused: %s", err);
	check_base(&cfg);
	ms_config_drop_sessions(&cfg);
	assert_null(cfg.sessions);
	assert_int_equal(cfg.nb_sessions, 0);
	assert_int_equal(cfg.nb_ports, 2);
	ms_config_free(&cfg);
}

static void
write_file(char *path, const char *text)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0600), 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void
test_file(void **state)
{
	char path[] = "/tmp/mstest-conf-XXXXXX";
	struct ms_config cfg;
	char err[256] = "";

	(void)state;
	write_file(path, base_conf);
	assert_int_equal(ms_config_load(path, &cfg, err, sizeof(err)), 0);
	check_base(&cfg);
	ms_config_free(&cfg);
	unlink(path);

	/* errors name the file first */
	char bad_path[] = "/tmp/mstest-conf-XXXXXX";
	write_file(bad_path, "ports = ();\n");
	assert_int_equal(ms_config_load(bad_path, &cfg, err, sizeof(err)), -EINVAL);
	assert_true(strncmp(err, bad_path, strlen(bad_path)) == 0);
	assert_non_null(strstr(err, "line 1: ports:"));
	unlink(bad_path);

	char syn_path[] = "/tmp/mstest-conf-XXXXXX";
	write_file(syn_path, "ports = (\n\n{ name = ; } );\n");
	assert_int_equal(ms_config_load(syn_path, &cfg, err, sizeof(err)), -EINVAL);
	assert_true(strncmp(err, syn_path, strlen(syn_path)) == 0);
	assert_non_null(strstr(err, "line 3"));
	unlink(syn_path);
}

static void
test_missing_file(void **state)
{
	struct ms_config cfg;
	char err[256] = "";

	(void)state;
	assert_int_equal(ms_config_load("/nonexistent/mediasec.conf", &cfg, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "/nonexistent/mediasec.conf"));
}

/* ------------------------------------------------------ bad configurations */

struct edit {
	const char *find;    /* unique in base_conf */
	const char *replace;
	const char *mention; /* the error names this */
	const char *mention2; /* and this, when set */
};

/* base_conf with one edit; the caller frees it. */
static char *
edited(const struct edit *e, unsigned idx)
{
	const char *at = strstr(base_conf, e->find);
	size_t pre, flen = strlen(e->find), rlen = strlen(e->replace);
	char *out;

	if (at == NULL || strstr(at + 1, e->find) != NULL)
		fail_msg("case %u: \"%s\" is not unique in the base configuration", idx, e->find);
	pre = (size_t)(at - base_conf);
	out = malloc(sizeof(base_conf) - flen + rlen);
	assert_non_null(out);
	memcpy(out, base_conf, pre);
	memcpy(out + pre, e->replace, rlen);
	memcpy(out + pre + rlen, at + flen, sizeof(base_conf) - pre - flen);
	return out;
}

/* The error text quotes no key (not even a part of one: the first 12 characters). */
static void
assert_no_key(const char *err, unsigned idx)
{
	for (unsigned k = 0; k < RTE_DIM(test_keys); k++) {
		char part[16];

		snprintf(part, sizeof(part), "%.12s", test_keys[k] + strlen("inline:"));
		if (strstr(err, part) != NULL)
			fail_msg("case %u: the error quotes a key", idx);
	}
}

static void
expect_text_error(const char *text, unsigned idx, const char *what, const char *mention,
		  const char *mention2)
{
	struct ms_config cfg;
	char err[256] = "";
	size_t blocks = secmem_blocks();
	int ret = ms_config_parse(text, &cfg, err, sizeof(err));

	/* a case that writes a key is named by its number alone */
	if (strstr(what, "inline:") != NULL || strstr(what, "_key") != NULL)
		what = "a key";
	if (ret != -EINVAL) {
		if (ret == 0)
			ms_config_free(&cfg);
		fail_msg("case %u (%s): returned %d, not -EINVAL", idx, what, ret);
	}
	assert_no_key(err, idx);
	if (strstr(err, mention) == NULL || (mention2 != NULL && strstr(err, mention2) == NULL))
		fail_msg("case %u (%s): error \"%s\" does not mention \"%s\"%s%s", idx, what, err,
			 mention, mention2 ? " and " : "", mention2 ? mention2 : "");
	/* nothing is left to free, and freeing it again is harmless */
	assert_null(cfg.sessions);
	assert_int_equal(cfg.eal.nb_args, 0);
	assert_int_equal(secmem_blocks(), blocks);
	ms_config_free(&cfg);
}

static void
expect_error(const char *text, const char *mention)
{
	expect_text_error(text, 0, "text", mention, NULL);
}

static const struct edit bad_edits[] = {
	/* eal */
	{"hugepages = \"auto\"", "hugepages = \"maybe\"", "eal.hugepages", "maybe"},
	{"hugepages = \"auto\"", "hugepages = true", "eal.hugepages", "string"},
	{"memory_mb = 0", "memory_mb = -1", "eal.memory_mb", NULL},
	{"main_lcore = 0", "main_lcore = 128", "eal.main_lcore", NULL},
	{"main_lcore = 0", "main_lcore = 0; hugepage = \"no\"", "unknown setting 'eal.hugepage'", NULL},
	{"\"--file-prefix\", \"mstest\"", "\"-l\", \"0-3\"", "eal.args[1]", "-l"},
	{"\"--file-prefix\"", "\"-l0-3\"", "eal.args[1]", "-l"},
	{"\"--file-prefix\"", "\"-c\"", "eal.args[1]", "-c"},
	{"\"--file-prefix\"", "\"--lcores=0@0\"", "eal.args[1]", "--lcores"},
	{"\"--file-prefix\"", "\"--main-lcore=2\"", "eal.args[1]", "--main-lcore"},
	{"\"--file-prefix\"", "\"--vdev=net_null0\"", "eal.args[1]", "--vdev"},
	{"\"--file-prefix\"", "\"-a0000:01:00.0\"", "eal.args[1]", "-a"},
	{"\"--file-prefix\"", "\"--allow\"", "eal.args[1]", "--allow"},
	{"\"--file-prefix\"", "\"-b\"", "eal.args[1]", "-b"},
	{"\"--file-prefix\"", "\"--block=0000:01:00.0\"", "eal.args[1]", "--block"},
	{"\"--file-prefix\"", "\"--in-memory\"", "eal.args[1]", "--in-memory"},
	{"\"--file-prefix\"", "\"--in-mem\"", "eal.args[1]", "--in-memory"},
	{"\"--file-prefix\"", "\"--no-huge\"", "eal.args[1]", "--no-huge"},
	{"\"--file-prefix\"", "\"-m\"", "eal.args[1]", "-m"},
	{"\"--file-prefix\"", "\"-vm512\"", "eal.args[1]", "-m"},
	{"\"--file-prefix\"", "\"--no-pci\"", "eal.args[1]", "--no-pci"},
	{"\"--file-prefix\"", "\"--\"", "eal.args[1]", NULL},
	{"\"--file-prefix\"", "\"\"", "eal.args[1]", "empty"},
	{"args = [ \"--log-level=lib.eal:notice\", \"--file-prefix\", \"mstest\" ]", "args = [ 1 ]",
	 "eal.args[0]", "string"},
	/* crypto */
	{"engine = \"libsrtp2\"", "engine = \"openssl\"", "crypto.engine", "openssl"},
	{"replay_window = 1024", "replay_window = 32", "crypto.replay_window", "64..8192"},
	/* mbufs, limits */
	{"count = 4095", "count = 1000", "mbufs.count", NULL},
	{"count = 4095", "count = \"many\"", "mbufs.count", "integer"},
	{"cache = 128", "cache = 513", "mbufs.cache", NULL},
	{"legs = 64", "legs = 1", "limits.legs", NULL},
	{"legs = 64", "legs = 16777217", "limits.legs", NULL},
	{"legs = 64", "legs = 3", "sessions", "limits.legs"},
	{"neighbours = 32", "neighbours = 15", "limits.neighbours", NULL},
	{"neighbours = 32", "neighbours = 1048577", "limits.neighbours", NULL},
	{"limits = {", "limits = { legz = 2;", "unknown setting 'limits.legz'", NULL},
	/* ports */
	{"name = \"b_2\";", "", "ports[1].name", "missing"},
	{"name = \"b_2\";", "name = \"a\";", "ports[1].name", "already"},
	{"name = \"b_2\";", "name = \"b 2\";", "ports[1].name", NULL},
	{"name = \"b_2\";", "name = \"\";", "ports[1].name", NULL},
	{"name = \"b_2\";", "name = \"abcdefghijklmnopqrstuvwxyz012345\";", "ports[1].name", NULL},
	{"device = \"net_tap0\";", "", "ports[0].device", "missing"},
	{"device = \"net_tap0\";", "device = \"0000:01:00.1\"; pci = true;", "ports[1].device", "already"},
	{"device = \"net_tap0\";", "device = \"net_tap0\"; pci = true;", "ports[0].device", "PCI"},
	{"device = \"net_tap0\";", "device = \"0000:03:00.0\";", "ports[0].device", "pci = true"},
	{"device = \"0000:01:00.1\";", "device = \"0000:01:20.1\";", "ports[1].device", NULL},
	{"device = \"net_tap0\";", "device = \"net tap0\";", "ports[0].device", NULL},
	{"pci = true;", "pci = 1;", "ports[1].pci", "true or false"},
	{"args = \"iface=mst0\";", "args = \"iface=\\tmst0\";", "ports[0].args", NULL},
	{"addresses = [ \"10.0.2.1/24\" ];", "", "ports[1].addresses", "missing"},
	{"addresses = [ \"10.0.2.1/24\" ];", "addresses = [ ];", "ports[1].addresses", NULL},
	{"addresses = [ \"10.0.2.1/24\" ];",
	 "addresses = [ \"10.0.2.1\", \"10.0.2.2\", \"10.0.2.3\", \"10.0.2.4\", \"10.0.2.5\", "
	 "\"10.0.2.6\", \"10.0.2.7\", \"10.0.2.8\", \"10.0.2.9\" ];",
	 "ports[1].addresses", "1 to 8"},
	{"\"10.0.2.1/24\" ]", "\"10.0.2.300/24\" ]", "ports[1].addresses[0]", NULL},
	{"\"10.0.2.1/24\" ]", "\"10.0.2.1/33\" ]", "ports[1].addresses[0]", NULL},
	{"\"10.0.2.1/24\" ]", "\"10.0.2.1/24\", \"10.0.2.1/16\" ]", "ports[1].addresses[1]", "already"},
	{"\"10.0.2.1/24\" ]", "\"fd00:1::1/64\" ]", "ports[1].addresses[0]", "ports[0].addresses[1]"},
	{"\"10.0.2.1/24\" ]", "\"224.0.0.5/24\" ]", "ports[1].addresses[0]", "unicast"},
	{"gateway4 = \"10.0.1.254\"", "gateway4 = \"fd00:1::fe\"", "ports[0].gateway4", "IPv4"},
	{"gateway4 = \"10.0.1.254\"", "gateway4 = \"10.0.9.254\"", "ports[0].gateway4", "prefixes"},
	{"gateway4 = \"10.0.1.254\"", "gateway4 = \"10.0.1.1\"", "ports[0].gateway4", "own"},
	{"gateway4 = \"10.0.1.254\"", "gateway4 = \"10.0.1.254/24\"", "ports[0].gateway4", NULL},
	{"gateway6 = \"fd00:1::fe\"", "gateway6 = \"10.0.1.253\"", "ports[0].gateway6", "IPv6"},
	{"vlan = 100", "vlan = 4095", "ports[0].vlan", "0..4094"},
	{"vlan = 100", "vlan = -1", "ports[0].vlan", NULL},
	{"media_ports = \"30000-39999\"", "media_ports = \"30000\"", "ports[0].media_ports", "min-max"},
	{"media_ports = \"30000-39999\"", "media_ports = \"1000-39999\"", "ports[0].media_ports", "1024"},
	{"media_ports = \"30000-39999\"", "media_ports = \"39999-30000\"", "ports[0].media_ports", "min"},
	{"media_ports = \"30000-39999\"", "media_ports = \"30000-65536\"", "ports[0].media_ports", NULL},
	{"media_ports = \"30000-39999\"", "media_ports = \"-30000-39999\"", "ports[0].media_ports", NULL},
	{"rx_desc = 512", "rx_desc = 32", "ports[0].rx_desc", "64..16384"},
	{"tx_desc = 2048", "tx_desc = 16385", "ports[0].tx_desc", NULL},
	{"mtu = 1500", "mtu = 67", "ports[0].mtu", NULL},
	{"mtu = 1500", "mtu = 9601", "ports[0].mtu", NULL},
	{"mac = \"02:00:00:00:00:02\"", "mac = \"01:00:5e:00:00:01\"", "ports[0].neighbours[0].mac", "multicast"},
	{"mac = \"02:00:00:00:00:02\"", "mac = \"00:00:00:00:00:00\"", "ports[0].neighbours[0].mac", "zero"},
	{"mac = \"02:00:00:00:00:02\"", "mac = \"02:00:00:00:00\"", "ports[0].neighbours[0].mac", NULL},
	{"mac = \"02:00:00:00:00:02\"", "mac = \"02-00-00-00-00-02\"", "ports[0].neighbours[0].mac", NULL},
	{"mac = \"02:00:00:00:00:02\";", "", "ports[0].neighbours[0].mac", "missing"},
	{"address = \"10.0.1.2\"", "address = \"10.0.1.2/24\"", "ports[0].neighbours[0].address", NULL},
	{"address = \"10.0.1.2\"", "address = \"10.9.9.9\"", "ports[0].neighbours[0].address", "prefixes"},
	{"address = \"10.0.1.2\"", "address = \"fd00:1::2\"", "ports[0].neighbours[1].address", "already"},
	{"address = \"10.0.1.2\"", "address = \"10.0.1.2\"; ip = 1", "unknown setting 'ports[0].neighbours[0].ip'", NULL},
	{"mtu = 1500", "mtu = 1500; vlna = 3", "unknown setting 'ports[0].vlna'", NULL},
	{"ports = (\n", "ports = ( \"a\", \n", "ports[0]", "group"},
	/* workers */
	{"{ lcore = 3;", "{ lcore = 1;", "workers[1].lcore", "already"},
	{"{ lcore = 3;", "{ lcore = 0;", "workers[1].lcore", "main_lcore"},
	{"{ lcore = 3;", "{ lcore = 128;", "workers[1].lcore", NULL},
	{"{ lcore = 3;", "{ lcore = 3; cpu = 128;", "workers[1].cpu", NULL},
	{"main_lcore = 0", "main_lcore = 0; main_cpu = -1", "eal.main_cpu", NULL},
	{"{ lcore = 3;", "{", "workers[1].lcore", "missing"},
	{"[ \"a:1\" ]", "[ ]", "workers[1].queues", NULL},
	{"[ \"a:1\" ]", "[ \"c:0\" ]", "workers[1].queues[0]", "no port 'c'"},
	{"[ \"a:1\" ]", "[ \"a:16\" ]", "workers[1].queues[0]", "0..15"},
	{"[ \"a:1\" ]", "[ \"a1\" ]", "workers[1].queues[0]", "port:queue"},
	{"[ \"a:1\" ]", "[ \"a:x\" ]", "workers[1].queues[0]", "port:queue"},
	{"[ \"a:1\" ]", "[ \"a:0\" ]", "workers[1].queues[0]", "workers[0]"},
	{"[ \"a:1\" ]", "[ \"a:2\" ]", "workers", "queue 1"},
	{"\"a:0\", \"b_2:0\" ]", "\"a:0\" ]", "workers", "no worker polls port 'b_2'"},
	{"queues = [ \"a:1\" ]", "queues = \"a:1\"", "workers[1].queues", "array"},
	/* stats_interval_ms */
	{"stats_interval_ms = 1000", "stats_interval_ms = 3600001", "stats_interval_ms", NULL},
	{"stats_interval_ms = 1000", "stats_interval_ms = -1", "stats_interval_ms", NULL},
	/* sessions */
	{"name = \"call-2@x\";", "name = \"s1\";", "sessions[1].name", "already"},
	{"name = \"call-2@x\";", "name = \"call 2\";", "sessions[1].name", NULL},
	{"name = \"call-2@x\";", "", "sessions[1].name", "missing"},
	{"name = \"call-2@x\";", "name = \"0123456789012345678901234567890123456789012345678\";",
	 "sessions[1].name", NULL},
	{"{ name = \"s1\"; legs = (", "{ name = \"s1\"; leg = 1; legs = (", "unknown setting 'sessions[0].leg'", NULL},
	{"port = \"a\";\n      local = \"[fd00", "port = \"c\";\n      local = \"[fd00",
	 "sessions[1].legs[0].port", "no port 'c'"},
	{"port = \"a\";\n      local = \"[fd00", "local = \"[fd00", "sessions[1].legs[0].port", "missing"},
	{"local = \"10.0.2.1:40002\";", "", "sessions[1].legs[1].local", "missing"},
	{"local = \"10.0.2.1:40002\";", "local = \"10.0.1.1:40002\";", "sessions[1].legs[1].local", "addresses"},
	{"local = \"10.0.2.1:40002\";", "local = \"10.0.2.1:40200\";", "sessions[1].legs[1].local", "media_ports"},
	{"local = \"10.0.2.1:40002\";", "local = \"10.0.2.1\";", "sessions[1].legs[1].local", NULL},
	{"local = \"[fd00:1::1]:30010\"", "local = \"fd00:1::1:30010\"", "sessions[1].legs[0].local", NULL},
	{"local = \"10.0.2.1:40002\";", "local = \"10.0.2.1:40000\";", "sessions[1].legs[1].local", "sessions[0].legs[1]"},
	{"local = \"[fd00:1::1]:30010\";\n      peer = \"[fd00:1::2]:6000\";",
	 "local = \"10.0.1.1:30001\"; peer = \"10.0.1.2:6000\";",
	 "sessions[1].legs[0].local", "RTCP port of sessions[0].legs[0]"},
	{"local = \"[fd00:1::1]:30010\";\n      peer = \"[fd00:1::2]:6000\";",
	 "local = \"10.0.1.1:30010\"; peer = \"10.0.1.2:6000\"; rtcp = 30000;",
	 "sessions[1].legs[0].rtcp", "RTP port of sessions[0].legs[0]"},
	{"local = \"10.0.1.1:30000\"", "local = \"10.0.1.1:39999\"", "sessions[0].legs[0].rtcp", "media_ports"},
	{"rtcp = \"mux\";", "rtcp = \"muxx\";", "sessions[0].legs[1].rtcp", "mux"},
	{"rtcp = 40010;", "rtcp = 40002;", "sessions[1].legs[1].rtcp", "mux"},
	{"rtcp = 40010;", "rtcp = 50000;", "sessions[1].legs[1].rtcp", "media_ports"},
	{"rtcp = 40010;", "rtcp = 40000;", "sessions[1].legs[1].rtcp", "sessions[0].legs[1]"},
	{"rtcp = 40010;", "rtcp = 1.5;", "sessions[1].legs[1].rtcp", "integer"},
	{"peer = \"10.0.1.2:5004\"", "peer = \"10.0.1.2\"", "sessions[0].legs[0].peer", NULL},
	{"peer = \"10.0.1.2:5004\"", "peer = \"[fd00:1::2]:5004\"", "sessions[0].legs[0].peer", "IPv6"},
	{"peer = \"10.0.1.2:5004\"", "peer = \"10.0.1.2:65535\"", "sessions[0].legs[0].peer_rtcp", NULL},
	{"peer = \"10.0.1.2:5004\"", "peer = \"0.0.0.0:5004\"", "sessions[0].legs[0].peer", "unicast"},
	{"peer = \"learn\";", "peer = \"learn\"; peer_rtcp = 5005;", "sessions[0].legs[1].peer_rtcp", "mux"},
	{"peer_rtcp = 6100", "peer_rtcp = 65536", "sessions[1].legs[0].peer_rtcp", NULL},
	{"strict_source = true", "strict_source = \"yes\"", "sessions[0].legs[1].strict_source", NULL},
	{"mode = \"authenticated\";", "", "sessions[0].legs[1].mode", "missing"},
	{"mode = \"authenticated\";", "mode = \"srtp\";", "sessions[0].legs[1].mode", NULL},
	{"suite = \"AES_CM_128_HMAC_SHA1_80\";", "", "sessions[0].legs[0].suite", "mode encrypted"},
	{"suite = \"AES_CM_128_HMAC_SHA1_80\";", "suite = \"AES_CM_128_HMAC_SHA1_81\";",
	 "sessions[0].legs[0].suite", "AES_CM_128_HMAC_SHA1_81"},
	{"suite = \"AES_CM_128_HMAC_SHA1_80\";", "suite = \"NULL_HMAC_SHA1_80\";",
	 "sessions[0].legs[0].suite", "NULL_HMAC_SHA1_80 is not an encrypted suite (mode encrypted)"},
	{"suite = \"NULL_HMAC_SHA1_32\";", "suite = \"AES_CM_128_HMAC_SHA1_32\";",
	 "sessions[0].legs[1].suite", "not an authenticated suite"},
	{"rtcp = 40010;\n      mode = \"rtp\";", "rtcp = 40010; mode = \"rtp\"; suite = \"NULL_HMAC_SHA1_80\";",
	 "sessions[1].legs[1].suite", "mode rtp"},
	{"rtcp = 40010;\n      mode = \"rtp\";", "rtcp = 40010; mode = \"rtp\"; recv_key = \"" K3 "\";",
	 "sessions[1].legs[1].recv_key", "mode rtp"},
	{"rtcp = 40010;\n      mode = \"rtp\";", "rtcp = 40010; mode = \"rtp\"; send_roc = 1;",
	 "sessions[1].legs[1].send_roc", "mode rtp"},
	{"recv_key = \"" K1 "\";", "", "sessions[0].legs[0].recv_key", "missing"},
	{"send_key = \"" K4 "\";", "", "sessions[0].legs[1].send_key", "missing"},
	{"recv_key = \"" K1 "\";", "recv_key = \"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e\";",
	 "sessions[0].legs[0].recv_key", "inline:"},
	{"recv_key = \"" K1 "\";", "recv_key = \"inline:AQIDBAUGBwgJCgsM!Q4PEBESExQVFhcYGRobHB0e\";",
	 "sessions[0].legs[0].recv_key", "base64"},
	{"recv_key = \"" K1 "\";", "recv_key = \"inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAh\";",
	 "sessions[0].legs[0].recv_key", "wrong length"},
	{"recv_key = \"" K1 "\";", "recv_key = \"" K256 "\";", "sessions[0].legs[0].recv_key", "wrong length"},
	{"recv_key = \"" K1 "\";", "recv_key = \"" KZERO "\";", "sessions[0].legs[0].recv_key", "zeros"},
	{"recv_key = \"" K1 "\";", "recv_key = \"" K1 "|1:5\";", "sessions[0].legs[0].recv_key", "MKI"},
	{"recv_key = \"" K1 "\";", "recv_key = \"" K1 "|2^49\";", "sessions[0].legs[0].recv_key", "2^48"},
	{"recv_key = \"" K1 "\";", "recv_key = 5;", "sessions[0].legs[0].recv_key", "string"},
	{"recv_roc = 7", "recv_roc = -1", "sessions[0].legs[0].recv_roc", NULL},
	{"send_roc = 4294967295L", "send_roc = 4294967296L", "sessions[0].legs[0].send_roc", NULL},
	{"send_roc = 4294967295L", "send_roc = 4294967295", "send_roc", "32 bits"},
	{"recv_roc = 7", "recv_roc = -2147483649", "recv_roc", "32 bits"},
	{"legs = 64", "legs = 0x100000040", "legs", "32 bits"},
	{"rx_desc = 512", "rx_desc = 99999999999999999999999", "rx_desc", "32 bits"},
	{"replay_window = 256", "replay_window = 32", "sessions[0].legs[0].replay_window", NULL},
	{"replay_window = 256", "replay_window = 8193", "sessions[0].legs[0].replay_window", NULL},
	{"replay_window = 256;", "replay_window = 256; key = 1;", "unknown setting 'sessions[0].legs[0].key'", NULL},
	{"legs = (\n    {\n      port = \"a\";\n      local = \"[fd00",
	 "legs = (\n    {\n      port = \"a\";\n      local = \"[fd00:1::1]:30020\"; mode = \"rtp\"; },\n"
	 "    {\n      port = \"a\";\n      local = \"[fd00",
	 "sessions[1].legs", "exactly 2"},
	/* the root */
	{"stats_interval_ms = 1000;", "stats_interval_ms = 1000; stats = 1;", "unknown setting 'stats'", NULL},
};

/* The argument after the first one equal to name, or NULL. */
static const char *
eal_arg(const struct ms_eal_args *a, const char *name)
{
	for (int i = 0; i + 1 < a->argc; i++)
		if (strcmp(a->argv[i], name) == 0)
			return a->argv[i + 1];
	return NULL;
}

/*
 * Lcores are passed as -l unless a CPU is given for one: then as --lcores
 * lcore@cpu, which lets several lcores share a CPU (more workers than CPUs).
 */
static void
test_lcore_cpus(void **state)
{
	const struct edit e = {"{ lcore = 3;", "{ lcore = 3; cpu = 1;", NULL, NULL};
	struct ms_config cfg;
	struct ms_eal_args a;
	char err[256] = "", *text = edited(&e, 0);

	(void)state;
	if (ms_config_parse(base_conf, &cfg, err, sizeof(err)) != 0)
		fail_msg("the base configuration is refused: %s", err);
	assert_int_equal(ms_eal_args_build(&cfg, "mediasecd", &a, err, sizeof(err)), 0);
	assert_string_equal(eal_arg(&a, "-l"), "0,1,3");
	assert_null(eal_arg(&a, "--lcores"));
	ms_eal_args_free(&a);
	ms_config_free(&cfg);

	if (ms_config_parse(text, &cfg, err, sizeof(err)) != 0)
		fail_msg("cpu = 1 is refused: %s", err);
	assert_true(cfg.workers[1].cpu_set);
	assert_int_equal(cfg.workers[1].cpu, 1);
	assert_int_equal(ms_eal_args_build(&cfg, "mediasecd", &a, err, sizeof(err)), 0);
	assert_null(eal_arg(&a, "-l"));
	assert_string_equal(eal_arg(&a, "--lcores"), "0@0,1@1,3@1");
	assert_string_equal(eal_arg(&a, "--main-lcore"), "0");
	ms_eal_args_free(&a);
	ms_config_free(&cfg);
	free(text);
}

static void
test_bad_configs(void **state)
{
	(void)state;
	for (unsigned i = 0; i < RTE_DIM(bad_edits); i++) {
		char *text = edited(&bad_edits[i], i);

		expect_text_error(text, i, bad_edits[i].replace, bad_edits[i].mention,
				  bad_edits[i].mention2);
		free(text);
	}
	print_message("%u bad configurations refused\n", (unsigned)RTE_DIM(bad_edits));
}

/* What is missing or malformed as a whole, and the old crypto checks. */
static void
test_errors_name_the_setting(void **state)
{
	(void)state;
	expect_error("crypto = { engine = \"openssl\"; };", "crypto.engine: 'openssl'");
	expect_error("crypto = { engine = 3; };", "crypto.engine: must be a string");
	expect_error("crypto = { replay_window = 32; };", "crypto.replay_window: 32");
	expect_error("crypto = { replay_window = 100000; };", "64..8192");
	expect_error("crypto = { replay_window = \"big\"; };", "must be an integer");
	expect_error("crypto = { replay_windw = 128; };", "unknown setting 'crypto.replay_windw'");
	expect_error("cryptoo = { };", "unknown setting 'cryptoo'");
	expect_error("crypto = 5;", "crypto: must be a group");
	expect_error("crypto = {\n\n engine = ipsec-mb;\n};", "line 3");
	expect_error("crypto = { engine = \"ipsec-mb\"; };", "ports: missing");
	expect_error("ports = ();", "ports: 0 ports");
	expect_error("ports = ( { name = \"a\"; device = \"net_null0\"; addresses = [ \"10.1.1.1\" ]; } );",
		     "workers: missing");
	expect_error("ports = ( { name = \"a\"; device = \"net_null0\"; addresses = [ \"10.1.1.1\" ]; } );\n"
		     "workers = ();",
		     "workers: 0 workers");
	expect_error("eal = { args = [ \"-l0\" ]; };\nports = ();", "line 1: eal.args[0]");
	expect_error("ports = ( { name = \"a\"; device = \"net_null0\"; addresses = [ \"10.1.1.1\" ]; } );\n"
		     "workers = 1;",
		     "line 2: workers: must be a list");
	expect_error("ports = ( { name = \"a\"; device = \"net_null0\"; addresses = [ \"10.1.1.1\" ]; } );\n"
		     "workers = ( { lcore = 1; queues = [ \"a:0\" ]; } );\nsessions = { };",
		     "line 3: sessions: must be a list");
	expect_error("ports = ( { name = \"a\"; device = \"net_null0\"; addresses = [ \"10.1.1.1\" ]; } );\n"
		     "workers = ( { lcore = 1; queues = [ \"a:0\" ]; } );\n"
		     "sessions = ( { name = \"x\"; legs = 2; } );",
		     "line 3: sessions[0].legs: must be a list");
}

/* A configuration with the smallest port and worker set, then more text. */
static char *
minimal_plus(const char *port_extra, const char *more)
{
	const char *fmt = "ports = ( { name = \"a\"; device = \"net_null0\";\n"
			  "  addresses = [ \"10.1.0.1/16\" ]; %s } );\n"
			  "workers = ( { lcore = 1; queues = [ \"a:0\" ]; } );\n%s";
	size_t len = strlen(fmt) + strlen(port_extra) + strlen(more) + 1;
	char *s = malloc(len);

	assert_non_null(s);
	snprintf(s, len, fmt, port_extra, more);
	return s;
}

/* Limits that need many entries to reach: built, not written out. */
static void
test_counts(void **state)
{
	size_t cap = 256 * 1024;
	char *neigh = malloc(cap), *sess = malloc(cap), *text;
	size_t off;
	struct ms_config cfg;
	char err[256] = "";
	/* more than one 64 KiB block of secret memory holds: the sessions get a mapping of their own */
	uint32_t max_sessions = MS_SECMEM_MAX_BLOCK / sizeof(struct ms_session_cfg) + 20;
	char *top = malloc(cap + 64);

	(void)state;
	assert_non_null(neigh);
	assert_non_null(sess);

	/* MS_CFG_MAX_NEIGHBOURS static neighbours load; one more is refused */
	for (unsigned n = MS_CFG_MAX_NEIGHBOURS; n <= MS_CFG_MAX_NEIGHBOURS + 1; n++) {
		off = (size_t)snprintf(neigh, cap, "neighbours = (");
		for (unsigned i = 0; i < n; i++)
			off += (size_t)snprintf(neigh + off, cap - off,
						"%s{ address = \"10.1.1.%u\"; mac = \"02:00:00:00:01:%02x\"; }",
						i ? ", " : "", i + 2, i);
		snprintf(neigh + off, cap - off, ");");
		text = minimal_plus(neigh, "");
		if (n == MS_CFG_MAX_NEIGHBOURS) {
			if (ms_config_parse(text, &cfg, err, sizeof(err)) != 0)
				fail_msg("%u neighbours refused: %s", n, err);
			assert_int_equal(cfg.ports[0].nb_neighbours, n);
			ms_config_free(&cfg);
		} else {
			expect_text_error(text, n, "neighbours", "ports[0].neighbours", "at most");
		}
		free(text);
	}
	/* and limits.neighbours holds all the static ones */
	off = (size_t)snprintf(neigh, cap, "neighbours = (");
	for (unsigned i = 0; i < 17; i++)
		off += (size_t)snprintf(neigh + off, cap - off,
					"%s{ address = \"10.1.1.%u\"; mac = \"02:00:00:00:01:%02x\"; }",
					i ? ", " : "", i + 2, i);
	snprintf(neigh + off, cap - off, ");");
	text = minimal_plus(neigh, "limits = { neighbours = 16; };\n");
	expect_text_error(text, 17, "limits.neighbours", "limits.neighbours", "17");
	free(text);

	/* max_sessions load; with limits.legs = 2 * max_sessions, one more is refused */
	assert_non_null(top);
	for (uint32_t n = max_sessions; n <= max_sessions + 1; n++) {
		off = (size_t)snprintf(sess, cap, "sessions = (");
		for (uint32_t i = 0; i < n; i++)
			off += (size_t)snprintf(sess + off, cap - off,
						"%s{ name = \"s%u\"; legs = ( "
						"{ port = \"a\"; local = \"10.1.0.1:%u\"; mode = \"rtp\"; }, "
						"{ port = \"a\"; local = \"10.1.0.1:%u\"; rtcp = \"mux\"; mode = \"rtp\"; } ); }",
						i ? ", " : "", i, 30000 + 3 * i, 30002 + 3 * i);
		snprintf(sess + off, cap - off, ");\n");
		snprintf(top, cap + 64, "limits = { legs = %u; };\n%s", 2 * max_sessions, sess);
		text = minimal_plus("", top);
		if (n == max_sessions) {
			if (ms_config_parse(text, &cfg, err, sizeof(err)) != 0)
				fail_msg("%u sessions refused: %s", n, err);
			assert_int_equal(cfg.nb_sessions, n);
			char last[16];

			snprintf(last, sizeof(last), "s%u", n - 1);
			assert_string_equal(cfg.sessions[n - 1].legs[1].session, last);
			ms_config_free(&cfg);
		} else {
			expect_text_error(text, n, "sessions", "sessions", "limits.legs");
		}
		free(text);
	}
	free(top);
	free(neigh);
	free(sess);
}

/* Defaults of a port, a worker on several queues, and a leg written shortly. */
static void
test_defaults(void **state)
{
	struct ms_config cfg;
	char err[256] = "";
	char *text = minimal_plus("",
				  "sessions = ( { name = \"x\"; legs = (\n"
				  "  { port = \"a\"; local = \"10.1.0.1:30000\"; rtcp = 30100;\n"
				  "    mode = \"encrypted\"; suite = \"AEAD_AES_256_GCM\";\n"
				  "    recv_key = \"" KGCM256 "\"; send_key = \"" KGCM256 "\"; },\n"
				  "  { port = \"a\"; local = \"10.1.0.1:30002\";\n"
				  "    peer = \"10.1.9.9:7000\"; rtcp = \"mux\"; mode = \"encrypted\";\n"
				  "    suite = \"AES_256_CM_HMAC_SHA1_32\";\n"
				  "    recv_key = \"" K256 "\"; send_key = \"" K256 "|7:1\"; }\n"
				  "); } );\n");
	const struct ms_leg_cfg *l;

	(void)state;
	if (ms_config_parse(text, &cfg, err, sizeof(err)) != 0)
		fail_msg("refused: %s", err);
	free(text);
	assert_int_equal(cfg.ports[0].media_port_min, 30000);
	assert_int_equal(cfg.ports[0].media_port_max, 39999);
	assert_int_equal(cfg.ports[0].rx_desc, 1024);
	assert_int_equal(cfg.ports[0].tx_desc, 1024);
	assert_int_equal(cfg.ports[0].mtu, 0);
	assert_int_equal(cfg.ports[0].l3.vlan, 0);
	assert_int_equal(cfg.ports[0].l3.addrs[0].prefix_len, 16);
	assert_string_equal(cfg.ports[0].args, "");
	assert_false(cfg.ports[0].pci);
	assert_string_equal(cfg.crypto.engine->name, "ipsec-mb");
	assert_int_equal(cfg.crypto.replay_window, MS_SRTP_REPLAY_WINDOW_DEFAULT);
	assert_int_equal(cfg.eal.nb_args, 0);
	assert_int_equal(cfg.mbufs.count, 8191);
	assert_int_equal(cfg.limits.legs, 4096);
	l = &cfg.sessions[0].legs[0];
	assert_true(l->peer_learn);
	assert_false(l->strict_source);
	assert_int_equal(l->local_rtcp_port, 30100);
	assert_int_equal(l->peer_rtcp_port, 0);
	assert_int_equal(l->recv.ctx.suite, MS_SUITE_AEAD_AES_256_GCM);
	assert_true(key_matches(&l->recv.ctx.keys[0], MS_SUITE_AEAD_AES_256_GCM, KGCM256));
	l = &cfg.sessions[0].legs[1];
	assert_false(l->peer_learn);
	assert_true(l->rtcp_mux);
	assert_int_equal(l->local_rtcp_port, 30002);
	assert_int_equal(l->peer_rtcp_port, 7000);
	assert_true(key_matches(&l->recv.ctx.keys[0], MS_SUITE_AES_256_CM_HMAC_SHA1_32, K256));
	assert_int_equal(l->send.ctx.mki_len, 1);
	assert_int_equal(l->send.ctx.keys[0].mki[0], 7);
	ms_config_free(&cfg);
}

/* ------------------------------------------------------------------ SDES */

static int
sdes(const char *s, enum ms_srtp_suite suite, struct ms_srtp_key_cfg *k, uint8_t *mki_len,
     const char **why)
{
	*why = NULL;
	return ms_sdes_parse(s, suite, k, mki_len, why);
}

static void
test_sdes_good(void **state)
{
	struct ms_srtp_key_cfg k;
	uint8_t mki_len = 9;
	const char *why;

	(void)state;
	assert_int_equal(sdes(K1, MS_SUITE_AES_CM_128_HMAC_SHA1_80, &k, &mki_len, &why), 0);
	assert_true(key_matches(&k, MS_SUITE_AES_CM_128_HMAC_SHA1_80, K1));
	assert_int_equal(mki_len, 0);
	assert_int_equal(k.rtp_lifetime, 0);

	/* lifetime and MKI */
	assert_int_equal(sdes(K1 "|2^20|1:4", MS_SUITE_AES_CM_128_HMAC_SHA1_80, &k, &mki_len, &why), 0);
	assert_true(key_matches(&k, MS_SUITE_AES_CM_128_HMAC_SHA1_80, K1));
	assert_int_equal(k.rtp_lifetime, 1u << 20);
	assert_int_equal(k.rtcp_lifetime, 1u << 20);
	assert_int_equal(mki_len, 4);
	assert_int_equal(k.mki[0], 0);
	assert_int_equal(k.mki[3], 1);

	assert_int_equal(sdes(K1 "|1000000|258:2", MS_SUITE_NULL_HMAC_SHA1_80, &k, &mki_len, &why), 0);
	assert_int_equal(k.rtp_lifetime, 1000000);
	assert_int_equal(mki_len, 2);
	assert_int_equal(k.mki[0], 1);
	assert_int_equal(k.mki[1], 2);

	assert_int_equal(sdes(K1 "|4294967295:4", MS_SUITE_AES_CM_128_HMAC_SHA1_32, &k, &mki_len, &why), 0);
	assert_int_equal(mki_len, 4);
	assert_int_equal(k.mki[0], 0xff);
	assert_int_equal(k.rtp_lifetime, 0);

	/* the RFC 3711 limit itself, in both forms */
	assert_int_equal(sdes(K1 "|2^48", MS_SUITE_AES_CM_128_HMAC_SHA1_80, &k, &mki_len, &why), 0);
	assert_int_equal(k.rtp_lifetime, 1ull << 48);
	assert_int_equal(k.rtcp_lifetime, 0);
	assert_int_equal(sdes(K1 "|281474976710656", MS_SUITE_AES_CM_128_HMAC_SHA1_80, &k, &mki_len, &why), 0);
	assert_int_equal(k.rtp_lifetime, 1ull << 48);

	/* 46, 28 and 44 bytes: "==", "==" and "=" of padding, or none */
	assert_int_equal(sdes(K256, MS_SUITE_AES_256_CM_HMAC_SHA1_80, &k, &mki_len, &why), 0);
	assert_true(key_matches(&k, MS_SUITE_AES_256_CM_HMAC_SHA1_80, K256));
	assert_int_equal(sdes(KGCM128, MS_SUITE_AEAD_AES_128_GCM, &k, &mki_len, &why), 0);
	assert_true(key_matches(&k, MS_SUITE_AEAD_AES_128_GCM, KGCM128));
	assert_int_equal(sdes(KGCM256, MS_SUITE_AEAD_AES_256_GCM, &k, &mki_len, &why), 0);
	assert_true(key_matches(&k, MS_SUITE_AEAD_AES_256_GCM, KGCM256));
	assert_int_equal(sdes("inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHA", MS_SUITE_AEAD_AES_128_GCM,
			      &k, &mki_len, &why), 0);
	assert_true(key_matches(&k, MS_SUITE_AEAD_AES_128_GCM, KGCM128));
	ms_secure_zero(&k, sizeof(k));
}

static void
test_sdes_bad(void **state)
{
	static const struct {
		const char *s;
		enum ms_srtp_suite suite;
		const char *why; /* part of the reason */
	} cases[] = {
		{"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "inline:"},
		{"INLINE:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "inline:"},
		{"inline:", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "no key"},
		{"inline:AQIDBAUGBwgJCgsMDQ4P!BESExQVFhcYGRobHB0e", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "base64"},
		{"inline: AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "base64"},
		{"inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e ", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "base64"},
		{"inline:AQIDBAUGBwgJCgsMDQ4PE\nBESExQVFhcYGRobHB0e", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "base64"},
		{"inline:AQIDBAUGBwgJCgsMDQ4P=BESExQVFhcYGRobHB0e", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "base64"},
		/* one character short, 29 bytes, 33 bytes */
		{"inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "length"},
		{"inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHA==", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "length"},
		{"inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "length"},
		/* the right length for another suite */
		{K1, MS_SUITE_AES_256_CM_HMAC_SHA1_80, "length"},
		{K1, MS_SUITE_AEAD_AES_128_GCM, "length"},
		/* padding: too much, or where none belongs */
		{"inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHA===", MS_SUITE_AEAD_AES_128_GCM, "padding"},
		{"inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e==", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "padding"},
		{"inline:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHA=", MS_SUITE_AEAD_AES_128_GCM, "padding"},
		/* lifetime */
		{K1 "|2^49", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "2^48"},
		{K1 "|281474976710657", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "2^48"},
		{K1 "|99999999999999999999999", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "lifetime"},
		{K1 "|0", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "lifetime"},
		{K1 "|2^", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "lifetime"},
		{K1 "|-5", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "lifetime"},
		{K1 "|", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "lifetime"},
		{K1 "|2^10 ", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "lifetime"},
		/* MKI */
		{K1 "|1:5", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "MKI length"},
		{K1 "|1:0", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "MKI length"},
		{K1 "|256:1", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "fit"},
		{K1 "|65536:2", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "fit"},
		{K1 "|4294967296:4", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "MKI"},
		{K1 "|1:", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "MKI"},
		{K1 "|:1", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "MKI"},
		{K1 "|2^20|1", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "MKI"},
		{K1 "|1:1|2^20", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "lifetime"},
		{K1 "|2^20|1:1|x", MS_SUITE_AES_CM_128_HMAC_SHA1_80, "at most"},
	};
	struct ms_srtp_key_cfg k;
	uint8_t mki_len;
	const char *why;

	(void)state;
	for (unsigned i = 0; i < RTE_DIM(cases); i++) {
		mki_len = 9;
		if (sdes(cases[i].s, cases[i].suite, &k, &mki_len, &why) != -EINVAL)
			fail_msg("SDES case %u accepted", i);
		assert_non_null(why);
		if (strstr(why, cases[i].why) == NULL)
			fail_msg("SDES case %u: reason \"%s\" does not mention \"%s\"", i, why,
				 cases[i].why);
		assert_no_key(why, i);
		assert_int_equal(mki_len, 0);
		for (unsigned b = 0; b < sizeof(k.key); b++)
			assert_int_equal(k.key[b], 0);
	}
	assert_int_equal(sdes(K1, MS_SUITE_COUNT, &k, &mki_len, &why), -EINVAL);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_default),
		cmocka_unit_test(test_full_text),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_errors_name_the_setting),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_lcore_cpus),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_sdes_good),
		cmocka_unit_test(test_sdes_bad),
	};

	ms_test_init(argc, argv);
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}

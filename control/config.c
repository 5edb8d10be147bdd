/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration loader (docs/configuration.md). Every value is checked
 * here, and the first one that is wrong gives "line N: path.to.setting:
 * reason". Reasons never quote a key: SDES keys are decoded straight into
 * the sessions' secret memory, and the copies in libconfig's tree (and in
 * the file buffer) are wiped before they are freed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "config.h"
#include "config_parse.h"
#include "secmem.h"

/* As many sessions as one secret-memory block holds. */
/* Sessions a file may hold; more belong on the control socket. */
#define MS_CFG_MAX_SESSIONS 1000000u
#define MS_CFG_MAX_LCORE RTE_MAX_LCORE

#define MS_CFGP_PATH_LEN 96
#define MS_CFG_MAX_FILE (16u << 20)

/* ------------------------------------------------------------------ eal */

/*
 * EAL options mediasecd derives itself. Long options may be abbreviated
 * (getopt_long), so any prefix of one of these is refused too.
 */
static const struct {
	const char *opt;
	const char *from;
} eal_derived[] = {
	{"-l", "eal.main_lcore and workers"},
	{"-c", "eal.main_lcore and workers"},
	{"--lcores", "eal.main_lcore and workers"},
	{"--main-lcore", "eal.main_lcore"},
	{"--master-lcore", "eal.main_lcore"},
	{"--vdev", "ports"},
	{"-a", "ports"},
	{"--allow", "ports"},
	{"-b", "ports"},
	{"--block", "ports"},
	{"--no-pci", "ports (pci)"},
	{"--in-memory", "eal.hugepages"},
	{"--no-huge", "eal.hugepages"},
	{"-m", "eal.memory_mb"},
};

/* EAL short options that take a value: what follows them in a cluster is that value. */
#define EAL_SHORT_WITH_VALUE "abcdlmnrsSw"

static int
eal_arg_derived(const char *a)
{
	if (strcmp(a, "--") == 0)
		return -2;
	if (a[0] == '-' && a[1] == '-') {
		size_t n = strcspn(a, "=");

		if (n < 3)
			return -1;
		for (unsigned i = 0; i < RTE_DIM(eal_derived); i++)
			if (eal_derived[i].opt[1] == '-' && strncmp(eal_derived[i].opt, a, n) == 0)
				return (int)i;
		return -1;
	}
	if (a[0] != '-')
		return -1;
	/* "-vl0": getopt reads -v, then -l with the value "0" */
	for (const char *c = a + 1; *c != '\0'; c++) {
		for (unsigned i = 0; i < RTE_DIM(eal_derived); i++)
			if (eal_derived[i].opt[1] == *c && eal_derived[i].opt[2] == '\0')
				return (int)i;
		if (strchr(EAL_SHORT_WITH_VALUE, *c) != NULL)
			break;
	}
	return -1;
}

static int
parse_eal(struct ms_cfgp *p, const config_setting_t *g, struct ms_eal_cfg *e)
{
	static const char *const known[] = {"hugepages", "memory_mb", "main_lcore", "main_cpu", "args",
					    NULL};
	const config_setting_t *args;
	const char *hp;
	long long lcore;
	int ret = ms_cfgp_check_known(p, g, "eal", known);

	if (ret < 0)
		return ret;
	ret = ms_cfgp_str(p, g, "eal", "hugepages", &hp);
	if (ret < 0)
		return ret;
	if (ret > 0) {
		if (strcmp(hp, "auto") == 0)
			e->hugepages = MS_HUGEPAGES_AUTO;
		else if (strcmp(hp, "yes") == 0)
			e->hugepages = MS_HUGEPAGES_YES;
		else if (strcmp(hp, "no") == 0)
			e->hugepages = MS_HUGEPAGES_NO;
		else
			return ms_cfgp_bad(p, config_setting_get_member(g, "hugepages"), "eal.hugepages",
				   "'%s' is not \"auto\", \"yes\" or \"no\"", hp);
	}
	if ((ret = ms_cfgp_u32(p, g, "eal", "memory_mb", 0, 1024 * 1024, &e->memory_mb)) < 0)
		return ret;
	if ((ret = ms_cfgp_int(p, g, "eal", "main_lcore", 0, MS_CFG_MAX_LCORE - 1, &lcore)) < 0)
		return ret;
	if (ret > 0)
		e->main_lcore = (unsigned)lcore;
	if ((ret = ms_cfgp_int(p, g, "eal", "main_cpu", 0, MS_CFG_MAX_LCORE - 1, &lcore)) < 0)
		return ret;
	if (ret > 0) {
		e->main_cpu_set = true;
		e->main_cpu = (unsigned)lcore;
	}
	ret = ms_cfgp_str_list(p, g, "eal", "args", &args);
	if (ret <= 0)
		return ret;
	if (config_setting_length(args) > MS_CFG_MAX_EAL_ARGS)
		return ms_cfgp_bad(p, args, "eal.args", "%d arguments, at most %d", config_setting_length(args),
			   MS_CFG_MAX_EAL_ARGS);
	for (int i = 0; i < config_setting_length(args); i++) {
		const config_setting_t *s = config_setting_get_elem(args, (unsigned)i);
		const char *a = config_setting_get_string(s);
		char path[MS_CFGP_PATH_LEN];
		int d;

		ms_cfgp_elem(path, sizeof(path), "eal.args", (unsigned)i);
		if (a[0] == '\0')
			return ms_cfgp_bad(p, s, path, "empty argument");
		d = eal_arg_derived(a);
		if (d == -2)
			return ms_cfgp_bad(p, s, path, "'--' would end the EAL arguments");
		if (d >= 0)
			return ms_cfgp_bad(p, s, path, "'%s' is %s, which mediasecd sets itself from %s", a,
				   eal_derived[d].opt, eal_derived[d].from);
		e->args[e->nb_args] = strdup(a);
		if (e->args[e->nb_args] == NULL) {
			snprintf(p->err, p->errlen, "%s: out of memory", path);
			return -ENOMEM;
		}
		e->nb_args++;
	}
	return 0;
}

/* --------------------------------------------------------------- crypto */

static int
parse_crypto(struct ms_cfgp *p, const config_setting_t *g, struct ms_crypto_cfg *c)
{
	static const char *const known[] = {"engine", "replay_window", NULL};
	const char *name;
	int ret = ms_cfgp_check_known(p, g, "crypto", known);

	if (ret < 0)
		return ret;
	ret = ms_cfgp_str(p, g, "crypto", "engine", &name);
	if (ret < 0)
		return ret;
	if (ret > 0) {
		c->engine = ms_crypto_engine_find(name);
		if (c->engine == NULL)
			return ms_cfgp_bad(p, config_setting_get_member(g, "engine"), "crypto.engine",
				   "'%s' is not built in (ipsec-mb, libsrtp2)", name);
	}
	ret = ms_cfgp_u32(p, g, "crypto", "replay_window", MS_SRTP_REPLAY_WINDOW_MIN,
		      MS_SRTP_REPLAY_WINDOW_MAX, &c->replay_window);
	return ret < 0 ? ret : 0;
}

/* ---------------------------------------------------------- mbufs, limits */

static int
parse_mbufs(struct ms_cfgp *p, const config_setting_t *g, struct ms_mbuf_cfg *m)
{
	static const char *const known[] = {"count", "cache", NULL};
	int ret = ms_cfgp_check_known(p, g, "mbufs", known);

	if (ret < 0)
		return ret;
	if ((ret = ms_cfgp_u32(p, g, "mbufs", "count", 1023, UINT32_MAX, &m->count)) < 0)
		return ret;
	if ((ret = ms_cfgp_u32(p, g, "mbufs", "cache", 0, 512, &m->cache)) < 0)
		return ret;
	/* DPDK's rule: a cache larger than count / 1.5 is refused */
	if ((uint64_t)m->cache * 3 > (uint64_t)m->count * 2) {
		const config_setting_t *s = config_setting_get_member(g, "cache");

		return ms_cfgp_bad(p, s ? s : g, "mbufs.cache",
			   "%u is more than mbufs.count / 1.5 = %u (DPDK's rule)", m->cache,
			   (unsigned)((uint64_t)m->count * 2 / 3));
	}
	return 0;
}

static int
parse_limits(struct ms_cfgp *p, const config_setting_t *g, struct ms_limits_cfg *l)
{
	static const char *const known[] = {"legs", "neighbours", NULL};
	int ret = ms_cfgp_check_known(p, g, "limits", known);

	if (ret < 0)
		return ret;
	if ((ret = ms_cfgp_u32(p, g, "limits", "legs", 2, 16777216, &l->legs)) < 0)
		return ret;
	if ((ret = ms_cfgp_u32(p, g, "limits", "neighbours", 16, 1048576, &l->neighbours)) < 0)
		return ret;
	return 0;
}

/* ---------------------------------------------------------------- ports */

static bool
port_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= MS_CFG_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* hex digits at *s, between min and max of them; advances *s */
static bool
hex_run(const char **s, unsigned min, unsigned max, unsigned long *v)
{
	unsigned n = 0;
	unsigned long x = 0;

	for (;;) {
		char c = **s;
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			break;
		if (++n > max)
			return false;
		x = x * 16 + d;
		(*s)++;
	}
	*v = x;
	return n >= min;
}

/* [domain:]bus:device.function, as EAL -a takes it */
static bool
pci_addr_valid(const char *s)
{
	const char *c = s;
	unsigned long v;

	if (strchr(s, '.') == NULL)
		return false;
	if (strchr(strchr(s, ':') ? strchr(s, ':') + 1 : s, ':') != NULL) { /* a domain */
		if (!hex_run(&c, 1, 8, &v) || *c++ != ':')
			return false;
	}
	if (!hex_run(&c, 2, 2, &v) || *c++ != ':')
		return false;
	if (!hex_run(&c, 2, 2, &v) || v > 0x1f || *c++ != '.')
		return false;
	return hex_run(&c, 1, 1, &v) && v <= 7 && *c == '\0';
}

/* "xx:xx:xx:xx:xx:xx" */
static bool
parse_mac(const char *s, struct rte_ether_addr *mac)
{
	if (strlen(s) != 17)
		return false;
	for (unsigned i = 0; i < RTE_ETHER_ADDR_LEN; i++) {
		const char *c = s + 3 * i;
		unsigned long v;

		if (!hex_run(&c, 2, 2, &v) || (i < 5 && *c != ':'))
			return false;
		mac->addr_bytes[i] = (uint8_t)v;
	}
	return true;
}

/* "min-max" */
static bool
parse_range(const char *s, unsigned long *lo, unsigned long *hi)
{
	const char *dash = strchr(s, '-');

	return dash != NULL && ms_cfgp_uint(s, (size_t)(dash - s), 65535, lo) &&
	       ms_cfgp_uint(dash + 1, strlen(dash + 1), 65535, hi);
}

/* Where an address of the port is already configured: "ports[i].addresses[j]". */
static bool
addr_taken(const struct ms_config *cfg, uint16_t nb_ports, const struct ms_port_cfg *self,
	   unsigned self_n, const struct ms_addr *a, char *where, size_t len)
{
	for (uint16_t i = 0; i <= nb_ports; i++) {
		const struct ms_port_cfg *pc = i < nb_ports ? &cfg->ports[i] : self;
		unsigned n = i < nb_ports ? pc->l3.nb_addrs : self_n;

		for (unsigned j = 0; j < n; j++)
			if (ms_addr_equal(&pc->l3.addrs[j], a)) {
				snprintf(where, len, "ports[%u].addresses[%u]", i, j);
				return true;
			}
	}
	return false;
}

static bool
on_link(const struct ms_port_l3 *l3, const struct ms_addr *a)
{
	for (unsigned j = 0; j < l3->nb_addrs; j++)
		if (ms_addr_in_prefix(&l3->addrs[j], a))
			return true;
	return false;
}

static int
parse_addresses(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, uint16_t idx,
		struct ms_port_cfg *pc)
{
	const config_setting_t *list;
	char path[MS_CFGP_PATH_LEN], lpath[MS_CFGP_PATH_LEN], where[64];
	int ret = ms_cfgp_str_list(p, g, gpath, "addresses", &list);

	if (ret < 0)
		return ret;
	if (ret == 0)
		return ms_cfgp_missing(p, g, gpath, "addresses", "a port has at least one address");
	ms_cfgp_join(lpath, sizeof(lpath), gpath, "addresses");
	if (config_setting_length(list) < 1 || config_setting_length(list) > MS_PORT_MAX_ADDRS)
		return ms_cfgp_bad(p, list, lpath, "%d addresses, a port has 1 to %d",
			   config_setting_length(list), MS_PORT_MAX_ADDRS);
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *s = config_setting_get_elem(list, (unsigned)i);
		const char *str = config_setting_get_string(s);
		struct ms_addr a;

		ms_cfgp_elem(path, sizeof(path), lpath, (unsigned)i);
		if (ms_addr_parse(str, &a, true) < 0)
			return ms_cfgp_bad(p, s, path, "'%s' is not an address \"ip\" or \"ip/len\"", str);
		if (!ms_cfgp_unicast(&a))
			return ms_cfgp_bad(p, s, path, "'%s' is not a unicast address", str);
		if (a.prefix_len == 0)
			a.prefix_len = a.family == AF_INET ? 32 : 128;
		if (addr_taken(p->cfg, idx, pc, (unsigned)i, &a, where, sizeof(where)))
			return ms_cfgp_bad(p, s, path, "'%s' is already %s", str, where);
		pc->l3.addrs[i] = a;
		pc->l3.nb_addrs = (uint16_t)(i + 1);
	}
	return 0;
}

static int
parse_gateway(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, const char *name,
	      uint8_t family, struct ms_port_l3 *l3, struct ms_addr *gw)
{
	char path[MS_CFGP_PATH_LEN];
	const char *str = NULL;
	int ret = ms_cfgp_str(p, g, gpath, name, &str);
	const config_setting_t *s = config_setting_get_member(g, name);

	if (ret <= 0)
		return ret;
	ms_cfgp_join(path, sizeof(path), gpath, name);
	if (ms_addr_parse(str, gw, false) < 0)
		return ms_cfgp_bad(p, s, path, "'%s' is not an address (without /len)", str);
	if (gw->family != family)
		return ms_cfgp_bad(p, s, path, "'%s' is not an %s address", str, ms_cfgp_family(family));
	if (!ms_cfgp_unicast(gw))
		return ms_cfgp_bad(p, s, path, "'%s' is not a unicast address", str);
	if (ms_port_l3_own(l3, gw) != NULL)
		return ms_cfgp_bad(p, s, path, "'%s' is the port's own address", str);
	if (!on_link(l3, gw))
		return ms_cfgp_bad(p, s, path, "'%s' is in none of the port's prefixes", str);
	return 0;
}

static int
parse_neighbours(struct ms_cfgp *p, const config_setting_t *g, const char *gpath,
		 struct ms_port_cfg *pc)
{
	static const char *const known[] = {"address", "mac", NULL};
	const config_setting_t *list;
	char lpath[MS_CFGP_PATH_LEN], epath[MS_CFGP_PATH_LEN], path[MS_CFGP_PATH_LEN];
	int ret = ms_cfgp_group_list(p, g, gpath, "neighbours", &list);

	if (ret <= 0)
		return ret;
	ms_cfgp_join(lpath, sizeof(lpath), gpath, "neighbours");
	if (config_setting_length(list) > MS_CFG_MAX_NEIGHBOURS)
		return ms_cfgp_bad(p, list, lpath, "%d neighbours, at most %d per port",
			   config_setting_length(list), MS_CFG_MAX_NEIGHBOURS);
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		struct ms_neigh_cfg *n = &pc->neighbours[i];
		const char *str = NULL;

		ms_cfgp_elem(epath, sizeof(epath), lpath, (unsigned)i);
		if ((ret = ms_cfgp_check_known(p, e, epath, known)) < 0)
			return ret;
		if ((ret = ms_cfgp_str(p, e, epath, "address", &str)) < 0)
			return ret;
		if (ret == 0)
			return ms_cfgp_missing(p, e, epath, "address", "the neighbour's IP address");
		ms_cfgp_join(path, sizeof(path), epath, "address");
		if (ms_addr_parse(str, &n->addr, false) < 0)
			return ms_cfgp_bad(p, config_setting_get_member(e, "address"), path,
				   "'%s' is not an address (without /len)", str);
		if (!ms_cfgp_unicast(&n->addr) || ms_port_l3_own(&pc->l3, &n->addr) != NULL)
			return ms_cfgp_bad(p, config_setting_get_member(e, "address"), path,
				   "'%s' is not a unicast address of another host", str);
		if (!on_link(&pc->l3, &n->addr))
			return ms_cfgp_bad(p, config_setting_get_member(e, "address"), path,
				   "'%s' is in none of the port's prefixes", str);
		for (int j = 0; j < i; j++)
			if (ms_addr_equal(&pc->neighbours[j].addr, &n->addr))
				return ms_cfgp_bad(p, config_setting_get_member(e, "address"), path,
					   "'%s' is already %s[%d]", str, lpath, j);
		if ((ret = ms_cfgp_str(p, e, epath, "mac", &str)) < 0)
			return ret;
		if (ret == 0)
			return ms_cfgp_missing(p, e, epath, "mac", "the neighbour's MAC address");
		ms_cfgp_join(path, sizeof(path), epath, "mac");
		if (!parse_mac(str, &n->mac))
			return ms_cfgp_bad(p, config_setting_get_member(e, "mac"), path,
				   "'%s' is not a MAC address \"aa:bb:cc:dd:ee:ff\"", str);
		if (rte_is_multicast_ether_addr(&n->mac) || rte_is_zero_ether_addr(&n->mac))
			return ms_cfgp_bad(p, config_setting_get_member(e, "mac"), path,
				   "'%s' is a multicast or zero MAC address", str);
		pc->nb_neighbours = (uint16_t)(i + 1);
	}
	return 0;
}

static int
parse_port(struct ms_cfgp *p, const config_setting_t *g, uint16_t idx, struct ms_port_cfg *pc)
{
	static const char *const known[] = {"name", "device", "args", "pci", "addresses",
					    "gateway4", "gateway6", "vlan", "media_ports",
					    "rx_desc", "tx_desc", "mtu", "neighbours", NULL};
	struct ms_config *cfg = p->cfg;
	char gpath[MS_CFGP_PATH_LEN], path[MS_CFGP_PATH_LEN];
	const char *str = NULL;
	long long v;
	int ret;

	ms_cfgp_elem(gpath, sizeof(gpath), "ports", idx);
	if ((ret = ms_cfgp_check_known(p, g, gpath, known)) < 0)
		return ret;

	if ((ret = ms_cfgp_str(p, g, gpath, "name", &str)) < 0)
		return ret;
	if (ret == 0)
		return ms_cfgp_missing(p, g, gpath, "name", "what workers and legs call the port");
	ms_cfgp_join(path, sizeof(path), gpath, "name");
	if (!port_name_valid(str))
		return ms_cfgp_bad(p, config_setting_get_member(g, "name"), path,
			   "'%s' is not 1 to %d characters of A-Z a-z 0-9 _ -", str,
			   MS_CFG_NAME_MAX - 1);
	if (ms_config_port_index(cfg, str) >= 0)
		return ms_cfgp_bad(p, config_setting_get_member(g, "name"), path,
			   "'%s' is already the name of ports[%d]", str,
			   ms_config_port_index(cfg, str));
	snprintf(pc->name, sizeof(pc->name), "%s", str);

	if ((ret = ms_cfgp_bool(p, g, gpath, "pci", &pc->pci)) < 0)
		return ret;

	if ((ret = ms_cfgp_str(p, g, gpath, "device", &str)) < 0)
		return ret;
	if (ret == 0)
		return ms_cfgp_missing(p, g, gpath, "device", "an ethdev name, or a PCI address with pci = true");
	ms_cfgp_join(path, sizeof(path), gpath, "device");
	if (pc->pci && !pci_addr_valid(str))
		return ms_cfgp_bad(p, config_setting_get_member(g, "device"), path,
			   "'%s' is not a PCI address \"0000:01:00.0\" (pci = true)", str);
	if (!pc->pci && pci_addr_valid(str))
		return ms_cfgp_bad(p, config_setting_get_member(g, "device"), path,
			   "'%s' is a PCI address: set pci = true", str);
	if (str[0] == '\0' || strlen(str) >= sizeof(pc->device) || !ms_cfgp_printable(str, false) ||
	    strchr(str, ',') != NULL)
		return ms_cfgp_bad(p, config_setting_get_member(g, "device"), path,
			   "'%s' is not a device name (1 to %zu characters, no blanks or commas)",
			   str, sizeof(pc->device) - 1);
	for (uint16_t i = 0; i < idx; i++)
		if (strcmp(cfg->ports[i].device, str) == 0)
			return ms_cfgp_bad(p, config_setting_get_member(g, "device"), path,
				   "'%s' is already the device of ports[%u]", str, i);
	snprintf(pc->device, sizeof(pc->device), "%s", str);

	if ((ret = ms_cfgp_str(p, g, gpath, "args", &str)) < 0)
		return ret;
	if (ret > 0) {
		ms_cfgp_join(path, sizeof(path), gpath, "args");
		if (strlen(str) >= sizeof(pc->args) || !ms_cfgp_printable(str, true))
			return ms_cfgp_bad(p, config_setting_get_member(g, "args"), path,
				   "must be at most %zu printable characters", sizeof(pc->args) - 1);
		snprintf(pc->args, sizeof(pc->args), "%s", str);
	}

	if ((ret = parse_addresses(p, g, gpath, idx, pc)) < 0)
		return ret;
	if ((ret = parse_gateway(p, g, gpath, "gateway4", AF_INET, &pc->l3, &pc->l3.gateway4)) < 0)
		return ret;
	if ((ret = parse_gateway(p, g, gpath, "gateway6", AF_INET6, &pc->l3, &pc->l3.gateway6)) < 0)
		return ret;
	if ((ret = ms_cfgp_u16(p, g, gpath, "vlan", 0, 4094, &pc->l3.vlan)) < 0)
		return ret;

	pc->media_port_min = 30000;
	pc->media_port_max = 39999;
	if ((ret = ms_cfgp_str(p, g, gpath, "media_ports", &str)) < 0)
		return ret;
	if (ret > 0) {
		const config_setting_t *s = config_setting_get_member(g, "media_ports");
		unsigned long lo, hi;

		ms_cfgp_join(path, sizeof(path), gpath, "media_ports");
		if (!parse_range(str, &lo, &hi))
			return ms_cfgp_bad(p, s, path, "'%s' is not \"min-max\" (UDP ports)", str);
		if (lo < 1024)
			return ms_cfgp_bad(p, s, path, "'%s': the range must lie within 1024-65535", str);
		if (lo > hi)
			return ms_cfgp_bad(p, s, path, "'%s': min is above max", str);
		pc->media_port_min = (uint16_t)lo;
		pc->media_port_max = (uint16_t)hi;
	}

	pc->rx_desc = 1024;
	pc->tx_desc = 1024;
	if ((ret = ms_cfgp_u16(p, g, gpath, "rx_desc", 64, 16384, &pc->rx_desc)) < 0)
		return ret;
	if ((ret = ms_cfgp_u16(p, g, gpath, "tx_desc", 64, 16384, &pc->tx_desc)) < 0)
		return ret;
	if ((ret = ms_cfgp_int(p, g, gpath, "mtu", 0, 9600, &v)) < 0)
		return ret;
	if (ret > 0) {
		if (v != 0 && v < 68)
			return ms_cfgp_bad(p, config_setting_get_member(g, "mtu"),
				   ms_cfgp_join(path, sizeof(path), gpath, "mtu"),
				   "%lld is not 0 (the device's) or 68..9600", v);
		pc->mtu = (uint16_t)v;
	}
	return parse_neighbours(p, g, gpath, pc);
}

static int
parse_ports(struct ms_cfgp *p, const config_setting_t *root)
{
	struct ms_config *cfg = p->cfg;
	const config_setting_t *list;
	int ret = ms_cfgp_group_list(p, root, "", "ports", &list);

	if (ret < 0)
		return ret;
	if (ret == 0)
		return ms_cfgp_missing(p, NULL, "", "ports", "at least one port ( { name; device; ... } )");
	if (config_setting_length(list) < 1 || config_setting_length(list) > MS_CFG_MAX_PORTS)
		return ms_cfgp_bad(p, list, "ports", "%d ports, at least 1 and at most %d",
			   config_setting_length(list), MS_CFG_MAX_PORTS);
	for (int i = 0; i < config_setting_length(list); i++) {
		ret = parse_port(p, config_setting_get_elem(list, (unsigned)i), (uint16_t)i,
				 &cfg->ports[i]);
		if (ret < 0)
			return ret;
		cfg->nb_ports = (uint16_t)(i + 1);
	}
	return 0;
}

/* -------------------------------------------------------------- workers */

static int
parse_worker(struct ms_cfgp *p, const config_setting_t *g, unsigned w,
	     uint8_t owner[MS_CFG_MAX_PORTS][MS_CFG_MAX_QUEUES])
{
	static const char *const known[] = {"lcore", "cpu", "queues", NULL};
	struct ms_config *cfg = p->cfg;
	struct ms_worker_cfg *wc = &cfg->workers[w];
	const config_setting_t *list;
	char gpath[MS_CFGP_PATH_LEN], path[MS_CFGP_PATH_LEN], lpath[MS_CFGP_PATH_LEN];
	long long lcore;
	int ret;

	ms_cfgp_elem(gpath, sizeof(gpath), "workers", w);
	if ((ret = ms_cfgp_check_known(p, g, gpath, known)) < 0)
		return ret;
	if ((ret = ms_cfgp_int(p, g, gpath, "lcore", 0, MS_CFG_MAX_LCORE - 1, &lcore)) < 0)
		return ret;
	if (ret == 0)
		return ms_cfgp_missing(p, g, gpath, "lcore", "the lcore the worker runs on");
	ms_cfgp_join(path, sizeof(path), gpath, "lcore");
	if ((unsigned)lcore == cfg->eal.main_lcore)
		return ms_cfgp_bad(p, config_setting_get_member(g, "lcore"), path,
			   "%lld is eal.main_lcore, which runs the control thread", lcore);
	for (unsigned i = 0; i < w; i++)
		if (cfg->workers[i].lcore == (unsigned)lcore)
			return ms_cfgp_bad(p, config_setting_get_member(g, "lcore"), path,
				   "%lld is already the lcore of workers[%u]", lcore, i);
	wc->lcore = (unsigned)lcore;
	if ((ret = ms_cfgp_int(p, g, gpath, "cpu", 0, MS_CFG_MAX_LCORE - 1, &lcore)) < 0)
		return ret;
	if (ret > 0) {
		wc->cpu_set = true;
		wc->cpu = (unsigned)lcore;
	}

	if ((ret = ms_cfgp_str_list(p, g, gpath, "queues", &list)) < 0)
		return ret;
	if (ret == 0)
		return ms_cfgp_missing(p, g, gpath, "queues", "the \"port:queue\" pairs the worker polls");
	ms_cfgp_join(lpath, sizeof(lpath), gpath, "queues");
	if (config_setting_length(list) < 1 ||
	    config_setting_length(list) > MS_CFG_MAX_WORKER_QUEUES)
		return ms_cfgp_bad(p, list, lpath, "%d queues, a worker polls 1 to %d",
			   config_setting_length(list), MS_CFG_MAX_WORKER_QUEUES);
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *s = config_setting_get_elem(list, (unsigned)i);
		const char *str = config_setting_get_string(s);
		const char *colon = strrchr(str, ':');
		char name[MS_CFG_NAME_MAX];
		unsigned long q;
		int port;

		ms_cfgp_elem(path, sizeof(path), lpath, (unsigned)i);
		if (colon == NULL || colon == str || (size_t)(colon - str) >= sizeof(name) ||
		    !ms_cfgp_uint(colon + 1, strlen(colon + 1), 65535, &q))
			return ms_cfgp_bad(p, s, path, "'%s' is not \"port:queue\"", str);
		memcpy(name, str, (size_t)(colon - str));
		name[colon - str] = '\0';
		port = ms_config_port_index(cfg, name);
		if (port < 0)
			return ms_cfgp_bad(p, s, path, "'%s': there is no port '%s'", str, name);
		if (q >= MS_CFG_MAX_QUEUES)
			return ms_cfgp_bad(p, s, path, "'%s': queue %lu is outside 0..%d", str, q,
				   MS_CFG_MAX_QUEUES - 1);
		if (owner[port][q] != 0)
			return ms_cfgp_bad(p, s, path, "'%s' is already polled by workers[%u]", str,
				   owner[port][q] - 1u);
		owner[port][q] = (uint8_t)(w + 1);
		wc->queues[i].port = (uint16_t)port;
		wc->queues[i].queue = (uint16_t)q;
		wc->nb_queues = (uint16_t)(i + 1);
	}
	return 0;
}

static int
parse_workers(struct ms_cfgp *p, const config_setting_t *root)
{
	struct ms_config *cfg = p->cfg;
	uint8_t owner[MS_CFG_MAX_PORTS][MS_CFG_MAX_QUEUES];
	const config_setting_t *list;
	int ret = ms_cfgp_group_list(p, root, "", "workers", &list);

	RTE_BUILD_BUG_ON(MS_CFG_MAX_WORKERS > UINT8_MAX - 1);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return ms_cfgp_missing(p, NULL, "", "workers", "at least one worker ( { lcore; queues; } )");
	if (config_setting_length(list) < 1 || config_setting_length(list) > MS_CFG_MAX_WORKERS)
		return ms_cfgp_bad(p, list, "workers", "%d workers, at least 1 and at most %d",
			   config_setting_length(list), MS_CFG_MAX_WORKERS);
	memset(owner, 0, sizeof(owner));
	for (int i = 0; i < config_setting_length(list); i++) {
		ret = parse_worker(p, config_setting_get_elem(list, (unsigned)i), (unsigned)i, owner);
		if (ret < 0)
			return ret;
		cfg->nb_workers = (uint16_t)(i + 1);
	}
	/* every port polled, on queues 0..n-1 */
	for (uint16_t port = 0; port < cfg->nb_ports; port++) {
		unsigned n = 0;

		for (unsigned q = 0; q < MS_CFG_MAX_QUEUES; q++)
			if (owner[port][q] != 0)
				n = q + 1;
		if (n == 0)
			return ms_cfgp_bad(p, list, "workers", "no worker polls port '%s'",
				   cfg->ports[port].name);
		for (unsigned q = 0; q < n; q++)
			if (owner[port][q] == 0)
				return ms_cfgp_bad(p, list, "workers",
					   "port '%s': queue %u is polled but queue %u is not (the queues of a port are 0..n-1)",
					   cfg->ports[port].name, n - 1, q);
		cfg->ports[port].nb_rx_queues = (uint16_t)n;
	}
	return 0;
}

/* ------------------------------------------------------------- sessions */

/* A local UDP endpoint of a leg, to find two legs on the same one. */
struct endpoint {
	uint16_t port;
	uint16_t udp;
	struct ms_addr addr;
	uint32_t session;
	uint8_t leg;
	bool rtcp;
};

/*
 * The earlier sessions' names and local ends, indexed by open addressing:
 * a file of 500,000 sessions is checked in linear time (scanning every
 * earlier one took minutes at that size).
 */
struct seen {
	uint32_t *slot; /* index + 1; 0: empty */
	uint32_t mask;
};

struct uniq {
	struct endpoint *eps;
	unsigned nb_eps;
	struct seen names, ends;
};

static int
seen_init(struct seen *s, uint32_t n)
{
	uint32_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	s->slot = calloc(cap, sizeof(*s->slot));
	s->mask = cap - 1;
	return s->slot != NULL ? 0 : -ENOMEM;
}

/* FNV-1a */
static uint64_t
hash_bytes(const void *p, size_t n, uint64_t h)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

#define HASH_SEED 0xcbf29ce484222325ull

static uint64_t
endpoint_hash(const struct endpoint *e)
{
	uint64_t h = hash_bytes(&e->port, sizeof(e->port), HASH_SEED);

	h = hash_bytes(&e->udp, sizeof(e->udp), h);
	h = hash_bytes(&e->addr.family, sizeof(e->addr.family), h);
	return hash_bytes(e->addr.a, sizeof(e->addr.a), h);
}

static int
parse_keys(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, const char *name,
	   const char *roc_name, enum ms_srtp_suite suite, struct ms_leg_keys *k)
{
	config_setting_t *s = config_setting_get_member(g, name);
	char path[MS_CFGP_PATH_LEN];
	const char *str = NULL, *why = NULL;
	int ret;

	if ((ret = ms_cfgp_str(p, g, gpath, name, &str)) < 0)
		return ret;
	if (ret == 0)
		return ms_cfgp_missing(p, g, gpath, name, "an SDES key \"inline:...\"");
	ms_cfgp_join(path, sizeof(path), gpath, name);
	k->ctx.suite = suite;
	k->ctx.nb_keys = 1;
	ret = ms_sdes_parse(str, suite, &k->ctx.keys[0], &k->ctx.mki_len, &why);
	if (ret < 0)
		return ms_cfgp_bad(p, s, path, "%s", why);
	if (ms_srtp_ctx_cfg_check(&k->ctx, &why) < 0)
		return ms_cfgp_bad(p, s, path, "%s", why);
	ret = ms_cfgp_u32(p, g, gpath, roc_name, 0, UINT32_MAX, &k->initial_roc);
	return ret < 0 ? ret : 0;
}

static int
parse_leg(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, struct ms_leg_cfg *leg)
{
	static const char *const known[] = {"port", "local", "rtcp", "peer", "peer_rtcp",
					    "strict_source", "mode", "suite", "recv_key",
					    "send_key", "recv_roc", "send_roc", "replay_window",
					    NULL};
	static const char *const keyed[] = {"suite", "recv_key", "send_key", "recv_roc",
					    "send_roc"};
	const struct ms_config *cfg = p->cfg;
	const struct ms_port_cfg *pc;
	const config_setting_t *s;
	char path[MS_CFGP_PATH_LEN];
	const char *str = NULL;
	long long v;
	int ret, mode, port;

	if ((ret = ms_cfgp_check_known(p, g, gpath, known)) < 0)
		return ret;

	/* port */
	if ((ret = ms_cfgp_str(p, g, gpath, "port", &str)) < 0)
		return ret;
	if (ret == 0)
		return ms_cfgp_missing(p, g, gpath, "port", "the name of the port the leg is on");
	port = ms_config_port_index(cfg, str);
	if (port < 0)
		return ms_cfgp_bad(p, config_setting_get_member(g, "port"), ms_cfgp_join(path, sizeof(path), gpath, "port"),
			   "there is no port '%s'", str);
	leg->port = (uint16_t)port;
	pc = &cfg->ports[port];

	/* local */
	if ((ret = ms_cfgp_str(p, g, gpath, "local", &str)) < 0)
		return ret;
	if (ret == 0)
		return ms_cfgp_missing(p, g, gpath, "local", "\"address:port\" of the leg on its port");
	s = config_setting_get_member(g, "local");
	ms_cfgp_join(path, sizeof(path), gpath, "local");
	if (ms_addr_port_parse(str, &leg->local, &leg->local_port) < 0)
		return ms_cfgp_bad(p, s, path, "'%s' is not \"address:port\" or \"[v6 address]:port\"", str);
	if (ms_port_l3_own(&pc->l3, &leg->local) == NULL)
		return ms_cfgp_bad(p, s, path, "'%s': the address is not one of port '%s''s addresses", str,
			   pc->name);
	if (leg->local_port < pc->media_port_min || leg->local_port > pc->media_port_max)
		return ms_cfgp_bad(p, s, path, "'%s': UDP port %u is outside media_ports %u-%u of port '%s'",
			   str, leg->local_port, pc->media_port_min, pc->media_port_max, pc->name);

	/* rtcp */
	s = config_setting_get_member(g, "rtcp");
	ms_cfgp_join(path, sizeof(path), gpath, "rtcp");
	if (s == NULL) {
		if (leg->local_port == 65535 || leg->local_port + 1 > pc->media_port_max)
			return ms_cfgp_bad(p, g, path,
				   "the default, local port + 1 = %u, is outside media_ports %u-%u of port '%s': set rtcp",
				   leg->local_port + 1u, pc->media_port_min, pc->media_port_max,
				   pc->name);
		leg->local_rtcp_port = (uint16_t)(leg->local_port + 1);
	} else if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (strcmp(config_setting_get_string(s), "mux") != 0)
			return ms_cfgp_bad(p, s, path, "'%s' is not \"mux\" or a UDP port",
				   config_setting_get_string(s));
		leg->rtcp_mux = true;
		leg->local_rtcp_port = leg->local_port;
	} else {
		if ((ret = ms_cfgp_int(p, g, gpath, "rtcp", 1, 65535, &v)) < 0)
			return ret;
		if (v == leg->local_port)
			return ms_cfgp_bad(p, s, path, "%lld is the RTP port: write rtcp = \"mux\"", v);
		if (v < pc->media_port_min || v > pc->media_port_max)
			return ms_cfgp_bad(p, s, path, "%lld is outside media_ports %u-%u of port '%s'", v,
				   pc->media_port_min, pc->media_port_max, pc->name);
		leg->local_rtcp_port = (uint16_t)v;
	}

	/* peer, peer_rtcp */
	if ((ret = ms_cfgp_str(p, g, gpath, "peer", &str)) < 0)
		return ret;
	s = config_setting_get_member(g, "peer");
	ms_cfgp_join(path, sizeof(path), gpath, "peer");
	if (ret == 0 || strcmp(str, "learn") == 0) {
		leg->peer_learn = true;
	} else {
		if (ms_addr_port_parse(str, &leg->peer, &leg->peer_port) < 0)
			return ms_cfgp_bad(p, s, path,
				   "'%s' is not \"learn\", \"address:port\" or \"[v6 address]:port\"",
				   str);
		if (leg->peer.family != leg->local.family)
			return ms_cfgp_bad(p, s, path, "'%s' is an %s address, local is %s", str,
				   ms_cfgp_family(leg->peer.family), ms_cfgp_family(leg->local.family));
		if (!ms_cfgp_unicast(&leg->peer))
			return ms_cfgp_bad(p, s, path, "'%s' is not a unicast address", str);
	}
	s = config_setting_get_member(g, "peer_rtcp");
	ms_cfgp_join(path, sizeof(path), gpath, "peer_rtcp");
	if ((ret = ms_cfgp_int(p, g, gpath, "peer_rtcp", 1, 65535, &v)) < 0)
		return ret;
	if (ret > 0) {
		if (leg->rtcp_mux)
			return ms_cfgp_bad(p, s, path,
				   "not with rtcp = \"mux\": RTCP goes to the peer's RTP port");
		leg->peer_rtcp_port = (uint16_t)v;
	} else if (leg->rtcp_mux) {
		leg->peer_rtcp_port = leg->peer_port; /* 0 while learning */
	} else if (!leg->peer_learn) {
		if (leg->peer_port == 65535)
			return ms_cfgp_bad(p, g, path,
				   "the default, peer port + 1, is not a UDP port: set peer_rtcp");
		leg->peer_rtcp_port = (uint16_t)(leg->peer_port + 1);
	}
	if ((ret = ms_cfgp_bool(p, g, gpath, "strict_source", &leg->strict_source)) < 0)
		return ret;

	/* mode, suite, keys */
	if ((ret = ms_cfgp_str(p, g, gpath, "mode", &str)) < 0)
		return ret;
	if (ret == 0)
		return ms_cfgp_missing(p, g, gpath, "mode", "\"rtp\", \"authenticated\" or \"encrypted\"");
	mode = ms_leg_mode_from_str(str);
	if (mode < 0)
		return ms_cfgp_bad(p, config_setting_get_member(g, "mode"),
			   ms_cfgp_join(path, sizeof(path), gpath, "mode"),
			   "'%s' is not \"rtp\", \"authenticated\" or \"encrypted\"", str);
	leg->mode = (uint8_t)mode;
	if (mode == MS_LEG_RTP) {
		for (unsigned i = 0; i < RTE_DIM(keyed); i++) {
			s = config_setting_get_member(g, keyed[i]);
			if (s != NULL)
				return ms_cfgp_bad(p, s, ms_cfgp_join(path, sizeof(path), gpath, keyed[i]),
					   "an rtp leg has no SRTP keys (mode rtp)");
		}
	} else {
		int suite;

		if ((ret = ms_cfgp_str(p, g, gpath, "suite", &str)) < 0)
			return ret;
		if (ret == 0)
			return ms_cfgp_missing(p, g, gpath, "suite",
				       mode == MS_LEG_ENCRYPTED ? "required for mode encrypted"
								: "required for mode authenticated");
		s = config_setting_get_member(g, "suite");
		ms_cfgp_join(path, sizeof(path), gpath, "suite");
		suite = ms_srtp_suite_from_name(str);
		if (suite < 0) {
			char names[256] = "";
			size_t off = 0;

			for (unsigned i = 0; i < MS_SUITE_COUNT; i++) {
				int n = snprintf(names + off, sizeof(names) - off, "%s%s",
						 i ? ", " : "",
						 ms_srtp_suite_info((enum ms_srtp_suite)i)->name);

				if (n < 0 || (size_t)n >= sizeof(names) - off)
					break;
				off += (size_t)n;
			}
			return ms_cfgp_bad(p, s, path, "'%s' is not a suite (%s)", str, names);
		}
		if (ms_leg_mode_of_suite((enum ms_srtp_suite)suite) != (enum ms_leg_mode)mode)
			return ms_cfgp_bad(p, s, path, "%s is not an %s suite (mode %s)", str,
				   ms_leg_mode_str((enum ms_leg_mode)mode),
				   ms_leg_mode_str((enum ms_leg_mode)mode));
		ret = parse_keys(p, g, gpath, "recv_key", "recv_roc", (enum ms_srtp_suite)suite,
				 &leg->recv);
		if (ret < 0)
			return ret;
		ret = parse_keys(p, g, gpath, "send_key", "send_roc", (enum ms_srtp_suite)suite,
				 &leg->send);
		if (ret < 0)
			return ret;
	}
	ret = ms_cfgp_u16(p, g, gpath, "replay_window", MS_SRTP_REPLAY_WINDOW_MIN,
		      MS_SRTP_REPLAY_WINDOW_MAX, &leg->replay_window);
	return ret < 0 ? ret : 0;
}

/* Adds a leg's local end; refuses one that another leg has. */
static int
add_endpoint(struct ms_cfgp *p, const config_setting_t *g, const char *gpath, struct uniq *u,
	     const struct ms_leg_cfg *leg, uint32_t session, uint8_t legno, bool rtcp)
{
	struct endpoint *eps = u->eps;
	struct endpoint e = {
		.port = leg->port,
		.udp = rtcp ? leg->local_rtcp_port : leg->local_port,
		.addr = leg->local,
		.session = session,
		.leg = legno,
		.rtcp = rtcp,
	};
	const char *name = rtcp ? "rtcp" : "local";
	const config_setting_t *s = config_setting_get_member(g, name);
	char path[MS_CFGP_PATH_LEN], a[MS_ADDR_STRLEN];

	uint32_t k = (uint32_t)endpoint_hash(&e) & u->ends.mask;

	for (; u->ends.slot[k] != 0; k = (k + 1) & u->ends.mask) {
		const struct endpoint *o = &eps[u->ends.slot[k] - 1];

		if (o->port == e.port && o->udp == e.udp && ms_addr_equal(&o->addr, &e.addr))
			return ms_cfgp_bad(p, s ? s : g, ms_cfgp_join(path, sizeof(path), gpath, name),
				   "%s port %u on port '%s' is already the %s port of sessions[%u].legs[%u]",
				   ms_addr_str(&e.addr, a, sizeof(a)), e.udp,
				   p->cfg->ports[e.port].name, o->rtcp ? "RTCP" : "RTP", o->session,
				   o->leg);
	}
	eps[u->nb_eps++] = e;
	u->ends.slot[k] = u->nb_eps;
	return 0;
}

static bool
session_name_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < sizeof(((struct ms_session_cfg *)NULL)->name) && ms_cfgp_printable(s, false);
}

static int
parse_session(struct ms_cfgp *p, const config_setting_t *g, uint32_t idx, struct uniq *u)
{
	static const char *const known[] = {"name", "legs", NULL};
	struct ms_config *cfg = p->cfg;
	struct ms_session_cfg *sc = &cfg->sessions[idx];
	const config_setting_t *legs;
	char gpath[MS_CFGP_PATH_LEN], path[MS_CFGP_PATH_LEN], lpath[MS_CFGP_PATH_LEN];
	const char *str = NULL;
	int ret;

	ms_cfgp_elem(gpath, sizeof(gpath), "sessions", idx);
	if ((ret = ms_cfgp_check_known(p, g, gpath, known)) < 0)
		return ret;
	if ((ret = ms_cfgp_str(p, g, gpath, "name", &str)) < 0)
		return ret;
	if (ret == 0)
		return ms_cfgp_missing(p, g, gpath, "name", "the session's name");
	ms_cfgp_join(path, sizeof(path), gpath, "name");
	if (!session_name_valid(str))
		return ms_cfgp_bad(p, config_setting_get_member(g, "name"), path,
			   "'%s' is not 1 to %zu printable characters without blanks", str,
			   sizeof(sc->name) - 1);
	uint32_t k = (uint32_t)hash_bytes(str, strlen(str), HASH_SEED) & u->names.mask;

	for (; u->names.slot[k] != 0; k = (k + 1) & u->names.mask)
		if (strcmp(cfg->sessions[u->names.slot[k] - 1].name, str) == 0)
			return ms_cfgp_bad(p, config_setting_get_member(g, "name"), path,
				   "'%s' is already the name of sessions[%u]", str,
				   u->names.slot[k] - 1);
	snprintf(sc->name, sizeof(sc->name), "%s", str);
	u->names.slot[k] = idx + 1;

	if ((ret = ms_cfgp_group_list(p, g, gpath, "legs", &legs)) < 0)
		return ret;
	if (ret == 0)
		return ms_cfgp_missing(p, g, gpath, "legs", "the session's two legs ( { ... }, { ... } )");
	ms_cfgp_join(path, sizeof(path), gpath, "legs");
	if (config_setting_length(legs) != 2)
		return ms_cfgp_bad(p, legs, path, "%d legs, a session has exactly 2",
			   config_setting_length(legs));
	for (unsigned l = 0; l < 2; l++) {
		const config_setting_t *lg = config_setting_get_elem(legs, l);
		struct ms_leg_cfg *leg = &sc->legs[l];

		ms_cfgp_elem(lpath, sizeof(lpath), path, l);
		if ((ret = parse_leg(p, lg, lpath, leg)) < 0)
			return ret;
		snprintf(leg->session, sizeof(leg->session), "%s", sc->name);
		if ((ret = add_endpoint(p, lg, lpath, u, leg, idx, (uint8_t)l, false)) < 0)
			return ret;
		if (!leg->rtcp_mux &&
		    (ret = add_endpoint(p, lg, lpath, u, leg, idx, (uint8_t)l, true)) < 0)
			return ret;
	}
	return 0;
}

static int
parse_sessions(struct ms_cfgp *p, const config_setting_t *root)
{
	struct ms_config *cfg = p->cfg;
	const config_setting_t *list;
	struct uniq u = {0};
	uint32_t n;
	int ret = ms_cfgp_group_list(p, root, "", "sessions", &list);

	if (ret <= 0)
		return ret;
	n = (uint32_t)config_setting_length(list);
	if (n == 0)
		return 0;
	if (n > MS_CFG_MAX_SESSIONS)
		return ms_cfgp_bad(p, list, "sessions",
			   "%u sessions, at most %u in the file (install more through the control socket)",
			   n, MS_CFG_MAX_SESSIONS);
	if ((uint64_t)n * 2 > cfg->limits.legs)
		return ms_cfgp_bad(p, list, "sessions", "%u sessions need %u legs, more than limits.legs = %u",
			   n, n * 2, cfg->limits.legs);
	cfg->sessions = ms_secmem_alloc(n * sizeof(*cfg->sessions));
	u.eps = calloc((size_t)n * 4, sizeof(*u.eps));
	if (cfg->sessions == NULL || u.eps == NULL || seen_init(&u.names, n) < 0 ||
	    seen_init(&u.ends, n * 4) < 0) {
		free(u.eps);
		free(u.names.slot);
		free(u.ends.slot);
		snprintf(p->err, p->errlen, "sessions: out of memory");
		return -ENOMEM;
	}
	cfg->nb_sessions = n;
	for (uint32_t i = 0; i < n; i++) {
		ret = parse_session(p, config_setting_get_elem(list, i), i, &u);
		if (ret < 0)
			break;
	}
	free(u.eps);
	free(u.names.slot);
	free(u.ends.slot);
	return ret;
}

/* ----------------------------------------------------------------- root */

static bool
name_char(char c, bool first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '*' ||
	       (!first && ((c >= '0' && c <= '9') || c == '-' || c == '_'));
}

static bool
hex_digit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * libconfig 1.5 reads an integer literal that does not fit in 32 bits
 * without a word, keeping its low 32 bits: "send_roc = 4294967296" would be
 * 0. Such literals are refused before libconfig reads the text; with an L
 * suffix ("4294967296L") libconfig reads a 64-bit integer, right. The
 * scanner skips comments and strings (keys are strings: never quoted) and
 * names the setting the literal belongs to.
 */
static int
check_int_literals(const char *t, char *err, size_t errlen)
{
	char name[48] = "";
	int line = 1;
	const char *c = t;

	while (*c != '\0') {
		if (*c == '\n') {
			line++;
			c++;
		} else if (*c == '#' || (c[0] == '/' && c[1] == '/')) {
			while (*c != '\0' && *c != '\n')
				c++;
		} else if (c[0] == '/' && c[1] == '*') {
			for (c += 2; *c != '\0' && !(c[0] == '*' && c[1] == '/'); c++)
				line += *c == '\n';
			c += *c != '\0' ? 2 : 0;
		} else if (*c == '"') {
			for (c++; *c != '\0' && *c != '"'; c++) {
				if (*c == '\\' && c[1] != '\0')
					c++;
				line += *c == '\n';
			}
			c += *c != '\0';
		} else if (name_char(*c, true)) {
			size_t n = 0;

			for (; name_char(*c, false); c++)
				if (n < sizeof(name) - 1)
					name[n++] = *c;
			name[n] = '\0';
		} else if ((*c >= '0' && *c <= '9') ||
			   ((*c == '-' || *c == '+') && c[1] >= '0' && c[1] <= '9')) {
			const char *start = c, *d;
			bool neg = *c == '-', hex, big = false;
			unsigned long long v = 0;

			c += *c == '-' || *c == '+';
			hex = c[0] == '0' && (c[1] == 'x' || c[1] == 'X');
			d = c = hex ? c + 2 : c;
			for (; hex ? hex_digit(*c) : (*c >= '0' && *c <= '9'); c++) {
				unsigned dig = *c <= '9' ? (unsigned)(*c - '0')
							 : (unsigned)((*c | 0x20) - 'a' + 10);

				big |= v > (1ull << 40);
				v = v * (hex ? 16 : 10) + dig;
			}
			if (!hex && (*c == '.' || *c == 'e' || *c == 'E')) { /* a float */
				while ((*c >= '0' && *c <= '9') || *c == '.' || *c == 'e' || *c == 'E' ||
				       ((*c == '-' || *c == '+') && (c[-1] == 'e' || c[-1] == 'E')))
					c++;
				continue;
			}
			if (*c == 'L' || c == d)
				continue;
			if (big || v > (neg ? 2147483648ull : 2147483647ull))
				return ms_cfgp_fail(err, errlen,
					    "line %d: %s: %.*s does not fit in 32 bits: write %.*sL (a 64-bit integer)",
					    line, name[0] ? name : "value", (int)(c - start), start,
					    (int)(c - start), start);
		} else {
			c++;
		}
	}
	return 0;
}

static int
parse(config_t *lc, struct ms_config *cfg, char *err, size_t errlen)
{
	static const char *const known[] = {"eal", "crypto", "mbufs", "limits", "ports",
					    "workers", "stats_interval_ms", "sessions", "control",
					    NULL};
	const config_setting_t *root = config_root_setting(lc);
	struct ms_cfgp p = {.err = err, .errlen = errlen, .cfg = cfg};
	const config_setting_t *g = NULL;
	unsigned nb_neigh = 0;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->crypto.engine = ms_crypto_engine_find("ipsec-mb");
	cfg->crypto.replay_window = MS_SRTP_REPLAY_WINDOW_DEFAULT;
	cfg->eal.hugepages = MS_HUGEPAGES_AUTO;
	cfg->mbufs.count = 8191;
	cfg->mbufs.cache = 256;
	cfg->limits.legs = 4096;
	cfg->limits.neighbours = 1024;

	if ((ret = ms_cfgp_check_known(&p, root, "", known)) < 0)
		return ret;
	if ((ret = ms_cfgp_group(&p, root, "", "eal", &g)) < 0 ||
	    (ret > 0 && (ret = parse_eal(&p, g, &cfg->eal)) < 0))
		return ret;
	if ((ret = ms_cfgp_group(&p, root, "", "crypto", &g)) < 0 ||
	    (ret > 0 && (ret = parse_crypto(&p, g, &cfg->crypto)) < 0))
		return ret;
	if ((ret = ms_cfgp_group(&p, root, "", "mbufs", &g)) < 0 ||
	    (ret > 0 && (ret = parse_mbufs(&p, g, &cfg->mbufs)) < 0))
		return ret;
	if ((ret = ms_cfgp_group(&p, root, "", "limits", &g)) < 0 ||
	    (ret > 0 && (ret = parse_limits(&p, g, &cfg->limits)) < 0))
		return ret;
	if ((ret = parse_ports(&p, root)) < 0)
		return ret;
	for (uint16_t i = 0; i < cfg->nb_ports; i++)
		nb_neigh += cfg->ports[i].nb_neighbours;
	if (nb_neigh > cfg->limits.neighbours)
		return ms_cfgp_bad(&p, config_setting_get_member(root, "limits"), "limits.neighbours",
			   "%u is less than the %u static neighbours of the ports",
			   cfg->limits.neighbours, nb_neigh);
	if ((ret = parse_workers(&p, root)) < 0)
		return ret;
	if ((ret = ms_cfgp_u32(&p, root, "", "stats_interval_ms", 0, 3600000,
			   &cfg->stats_interval_ms)) < 0)
		return ret;
	if ((ret = ms_cfgp_control(&p, root)) < 0)
		return ret;
	return parse_sessions(&p, root);
}

static int
parse_config(config_t *lc, struct ms_config *cfg, char *err, size_t errlen)
{
	int ret = parse(lc, cfg, err, errlen);

	if (ret < 0) {
		ms_config_free(cfg);
		memset(cfg, 0, sizeof(*cfg));
	}
	return ret;
}

/*
 * Wipes the SDES keys in libconfig's tree (whatever setting they are under,
 * parsed or not) before config_destroy frees it. The copies the parser made
 * on the way (its input and string buffers) are out of reach.
 */
static void
wipe_keys(config_setting_t *s)
{
	const char *name = config_setting_name(s);

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		const char *str = config_setting_get_string(s);

		if (str != NULL && ((name != NULL && strstr(name, "key") != NULL) ||
				    strncmp(str, "inline:", 7) == 0))
			ms_secure_zero((char *)(uintptr_t)str, strlen(str));
		return;
	}
	if (config_setting_is_aggregate(s))
		for (int i = 0; i < config_setting_length(s); i++)
			wipe_keys(config_setting_get_elem(s, (unsigned)i));
}

int
ms_config_parse(const char *text, struct ms_config *cfg, char *err, size_t errlen)
{
	config_t lc;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	if ((ret = check_int_literals(text, err, errlen)) < 0)
		return ret;
	config_init(&lc);
	if (config_read_string(&lc, text) != CONFIG_TRUE) {
		memset(cfg, 0, sizeof(*cfg));
		ret = ms_cfgp_fail(err, errlen, "line %d: %s", config_error_line(&lc), config_error_text(&lc));
	} else {
		ret = parse_config(&lc, cfg, err, errlen);
	}
	wipe_keys(config_root_setting(&lc));
	config_destroy(&lc);
	return ret;
}

/* The whole file, NUL-terminated; it holds keys: the caller wipes it. */
static int
read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	size_t cap = 0, n = 0;
	char *buf = NULL;
	int ret = 0;

	if (f == NULL)
		return ms_cfgp_fail(err, errlen, "%s: cannot read: %s", path, strerror(errno));
	for (;;) {
		size_t got;

		if (cap - n < 4096) {
			/* grow by copying, so that no stale copy of a key is left behind */
			size_t ncap = cap ? cap * 2 : 16384;
			char *nbuf = ncap <= MS_CFG_MAX_FILE + 1 ? malloc(ncap) : NULL;

			if (nbuf == NULL) {
				ret = ms_cfgp_fail(err, errlen, "%s: %s", path,
					   ncap > MS_CFG_MAX_FILE + 1 ? "larger than 16 MiB" : "out of memory");
				break;
			}
			if (buf != NULL) {
				memcpy(nbuf, buf, n);
				ms_secure_zero(buf, cap);
				free(buf);
			}
			buf = nbuf;
			cap = ncap;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				ret = ms_cfgp_fail(err, errlen, "%s: cannot read: %s", path, strerror(errno));
			break;
		}
	}
	fclose(f);
	if (ret < 0) {
		if (buf != NULL) {
			ms_secure_zero(buf, cap);
			free(buf);
		}
		return ret;
	}
	buf[n] = '\0';
	if (memchr(buf, '\0', n) != NULL) {
		ms_secure_zero(buf, cap);
		free(buf);
		return ms_cfgp_fail(err, errlen, "%s: not a text file (it holds a NUL byte)", path);
	}
	*text = buf;
	*len = cap;
	return 0;
}

int
ms_config_load(const char *path, struct ms_config *cfg, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	if (path == NULL)
		return ms_config_parse(ms_config_default_text, cfg, err, errlen);
	memset(cfg, 0, sizeof(*cfg));
	if ((ret = read_file(path, &text, &len, err, errlen)) < 0)
		return ret;
	ret = ms_config_parse(text, cfg, err, errlen);
	ms_secure_zero(text, len);
	free(text);
	if (ret < 0 && errlen > 0) {
		char *tmp = strdup(err);

		if (tmp != NULL) {
			snprintf(err, errlen, "%s: %s", path, tmp);
			free(tmp);
		}
	}
	return ret;
}

void
ms_config_drop_sessions(struct ms_config *cfg)
{
	if (cfg->sessions != NULL) {
		ms_secure_zero(cfg->sessions, (size_t)cfg->nb_sessions * sizeof(*cfg->sessions));
		ms_secmem_free(cfg->sessions);
	}
	cfg->sessions = NULL;
	cfg->nb_sessions = 0;
}

void
ms_config_free(struct ms_config *cfg)
{
	ms_config_drop_sessions(cfg);
	ms_ctl_cfg_free(&cfg->control);
	for (unsigned i = 0; i < cfg->eal.nb_args && i < MS_CFG_MAX_EAL_ARGS; i++) {
		free(cfg->eal.args[i]);
		cfg->eal.args[i] = NULL;
	}
	cfg->eal.nb_args = 0;
}

int
ms_config_port_index(const struct ms_config *cfg, const char *name)
{
	for (uint16_t i = 0; i < cfg->nb_ports && i < MS_CFG_MAX_PORTS; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			return i;
	return -1;
}

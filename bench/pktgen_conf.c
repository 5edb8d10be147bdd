/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mediasec-bench pktgen: what mediasecd loads. sessions.conf is a
 * `sessions = ( ... );` statement for mediasecd's configuration (included
 * with @include), with the keys, addresses, ports and initial ROCs the pcap
 * files were made with; mediasec.conf an example configuration of an
 * appliance with two NIC ports that includes it.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_common.h>

#include "pktgen.h"

static void
endpoint_str(const struct pg_opts *o, const struct pg_plan *p, unsigned side, unsigned role,
	     uint32_t i, char *buf, size_t len)
{
	struct pg_ip ip;
	uint16_t port;
	char a[64];

	pg_endpoint(o, p, side, role, i, &ip, &port);
	pg_ip_str(&ip, a, sizeof(a));
	snprintf(buf, len, ip.fam == 6 ? "[%s]:%u" : "%s:%u", a, port);
}

/* libconfig 1.5 keeps only 32 bits of a literal above 2^31 - 1 without the L suffix. */
static void
write_roc(FILE *f, const char *name, uint64_t roc)
{
	if (roc != 0)
		fprintf(f, " %s = %" PRIu64 "%s;", name, roc, roc > 2147483647u ? "L" : "");
}

static void
write_leg(FILE *f, const struct pg_opts *o, const struct pg_plan *p, const struct pg_streams *s,
	  const struct pg_keys *k, unsigned side, uint32_t i)
{
	char local[80], peer[80];

	endpoint_str(o, p, side, 0, i, local, sizeof(local));
	endpoint_str(o, p, side, 1, i, peer, sizeof(peer));
	fprintf(f, "\t\t{ port = \"%c\"; local = \"%s\"; rtcp = \"mux\"; peer = \"%s\";",
		side ? 'b' : 'a', local, peer);
	if (!pg_leg_srtp(o, side)) {
		fprintf(f, " mode = \"rtp\"; }");
		return;
	}
	const struct ms_srtp_suite_info *si = ms_srtp_suite_info(o->suite[side]);
	fprintf(f, " mode = \"%s\"; suite = \"%s\";\n\t\t  recv_key = \"%s\";\n\t\t  send_key = \"%s\";",
		si->cipher == MS_CIPHER_NULL ? "authenticated" : "encrypted", si->name,
		k->sdes[i * PG_KEYS_PER_SESSION + (side ? PG_B_RECV : PG_A_RECV)],
		k->sdes[i * PG_KEYS_PER_SESSION + (side ? PG_B_SEND : PG_A_SEND)]);
	/*
	 * What leaves a leg is the other leg's stream, sequence numbers
	 * unchanged: its ROC is that stream's.
	 */
	write_roc(f, "recv_roc", pg_roc(o, &s->id[side][i], o->first_packet));
	write_roc(f, "send_roc", pg_roc(o, &s->id[!side][i], o->first_packet));
	if (o->replay_window != 0)
		fprintf(f, " replay_window = %u;", o->replay_window);
	fprintf(f, " }");
}

int
pg_sessions_write(const struct pg_opts *o, const struct pg_plan *p, const struct pg_streams *s,
		  const struct pg_keys *k, const char *path)
{
	void *buf;
	FILE *f = pg_secret_fopen(path, &buf);

	if (f == NULL)
		return -errno;
	fprintf(f,
		"# written by mediasec-bench pktgen: %u sessions, %s, for mediasecd's configuration\n"
		"# (@include it at the top level). It holds the SRTP master keys: keep it mode 0600,\n"
		"# readable by mediasecd alone. Sessions match a.pcap and b.pcap of the same run.\n"
		"sessions = (\n",
		o->sessions, fwd_mode_info(o->mode)->label);
	for (uint32_t i = 0; i < o->sessions; i++) {
		fprintf(f, "\t{ name = \"s%u\"; legs = (\n", i);
		write_leg(f, o, p, s, k, 0, i);
		fprintf(f, ",\n");
		write_leg(f, o, p, s, k, 1, i);
		fprintf(f, "\n\t); }%s\n", i + 1 < o->sessions ? "," : "");
	}
	fprintf(f, ");\n");
	return pg_secret_fclose(f, buf);
}

/* A PCI address, "0000:01:00.0" or "01:00.0", as opposed to a vdev name. */
static bool
is_pci(const char *d)
{
	unsigned dom, bus, dev, fn;
	char end;

	return sscanf(d, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &end) == 4 ||
	       sscanf(d, "%x:%x.%x%c", &bus, &dev, &fn, &end) == 3;
}

static void
write_port(FILE *f, const struct pg_opts *o, const struct pg_plan *p, unsigned side)
{
	const char *dev = o->device[side];
	char a[64];
	struct pg_ip ip;
	uint16_t port;

	fprintf(f, "\t{\n\t\tname = \"%c\";\n", side ? 'b' : 'a');
	if (is_pci(dev))
		fprintf(f,
			"\t\t# the NIC port cabled to pktgen's port %u (%s)\n"
			"\t\tdevice = \"%s\";\n\t\tpci = true;\n",
			o->pktgen_port[side], strcmp(dev, side ? "0000:01:00.1" : "0000:01:00.0") == 0 ?
						      "a placeholder: put the real PCI address here" :
						      "bound to vfio-pci",
			dev);
	else
		fprintf(f, "\t\tdevice = \"%s\";\n", dev);
	if (o->devargs[side] != NULL && o->devargs[side][0] != '\0')
		fprintf(f, "\t\targs = \"%s\";\n", o->devargs[side]);
	fprintf(f, "\t\taddresses = [ ");
	for (uint32_t b = 0; b < p->nb_addrs; b++) {
		pg_endpoint(o, p, side, 0, b * p->per_addr, &ip, &port);
		fprintf(f, "%s\"%s/%u\"", b ? ", " : "", pg_ip_str(&ip, a, sizeof(a)), o->prefix_len);
	}
	fprintf(f, " ];\n\t\tmedia_ports = \"%u-%u\";\n", o->udp_base,
		(unsigned)(o->udp_base + p->per_addr - 1));
	fprintf(f, "\t\trx_desc = 2048;\n\t\ttx_desc = 2048;\n");
	/*
	 * Static neighbours: pktgen answers no ARP or ND for the peers'
	 * addresses, and a request from mediasecd would land in pktgen's
	 * receive counters as an extra packet.
	 */
	fprintf(f, "\t\tneighbours = (");
	for (uint32_t b = 0; b < p->nb_addrs; b++) {
		const uint8_t *m = o->mac[side][1];

		pg_endpoint(o, p, side, 1, b * p->per_addr, &ip, &port);
		fprintf(f, "%s\n\t\t\t{ address = \"%s\"; mac = \"%02x:%02x:%02x:%02x:%02x:%02x\"; }",
			b ? "," : "", pg_ip_str(&ip, a, sizeof(a)), m[0], m[1], m[2], m[3], m[4], m[5]);
	}
	fprintf(f, "\n\t\t);\n\t}");
}

int
pg_config_write(const struct pg_opts *o, const struct pg_plan *p, const char *sessions_path,
		const char *path)
{
	FILE *f = fopen(path, "we");
	uint32_t legs = RTE_MAX(4096u, rte_align32pow2(2 * o->sessions));

	if (f == NULL)
		return -errno;
	fprintf(f,
		"# mediasecd on an appliance with two NIC ports, for a pktgen benchmark: written by\n"
		"# mediasec-bench pktgen (%u sessions, %s). Port a faces pktgen's port %u (side A),\n"
		"# port b pktgen's port %u (side B). Check it with: mediasecd --check -f <this file>\n",
		o->sessions, fwd_mode_info(o->mode)->label, o->pktgen_port[0], o->pktgen_port[1]);
	fprintf(f,
		"eal = {\n"
		"\t# benchmarks on hugepages: \"no\" would halve the rates (docs/benchmarking-with-pktgen.md)\n"
		"\thugepages = \"%s\";\n"
		"\tmemory_mb = %u;\n"
		"\tmain_lcore = 0;\n"
		"\targs = [ \"--log-level=lib.eal:notice\"",
		o->hugepages, o->memory_mb);
	for (unsigned i = 0; i < o->nb_eal_args; i++)
		fprintf(f, ", \"%s\"", o->eal_args[i]);
	fprintf(f, " ];\n};\n");
	fprintf(f, "crypto = { engine = \"ipsec-mb\"; replay_window = 128; };\n");
	fprintf(f, "mbufs = { count = 65535; cache = 256; };\n");
	fprintf(f, "limits = { legs = %u; neighbours = 1024; };\n", legs);
	fprintf(f, "ports = (\n");
	write_port(f, o, p, 0);
	fprintf(f, ",\n");
	write_port(f, o, p, 1);
	fprintf(f, "\n);\n");
	/* one queue per worker on each port: RSS spreads the sessions' UDP ports over them */
	fprintf(f, "workers = (\n");
	for (unsigned w = 0; w < o->workers; w++)
		fprintf(f, "\t{ lcore = %u; queues = [ \"a:%u\", \"b:%u\" ]; }%s\n", w + 1, w, w,
			w + 1 < o->workers ? "," : "");
	fprintf(f, ");\n");
	fprintf(f, "# every worker's and leg's counters every 10 s (and at exit)\n"
		   "stats_interval_ms = 10000;\n");
	if (o->control_socket != NULL && o->control_socket[0] != '\0')
		fprintf(f,
			"# the control socket: mediasecctl -s %s stats\n"
			"control = {\n"
			"\tlisteners = ( { transport = \"unix\"; path = \"%s\"; mode = \"0600\";\n"
			"\t\tprofile = \"local\"; } );\n"
			"\tprofiles = ( { name = \"local\"; transport = \"unix\";\n"
			"\t\tsecurity_mode = \"non-secure\"; } );\n"
			"};\n",
			o->control_socket, o->control_socket);
	fprintf(f,
		"# the sessions of the pcap files, with their keys (a path relative to mediasecd's\n"
		"# working directory, or absolute: change it if you copy the files elsewhere)\n"
		"@include \"%s\"\n",
		sessions_path);
	if (ferror(f) || fclose(f) != 0)
		return -EIO;
	return 0;
}

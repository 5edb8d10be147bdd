/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mediasec-bench pktgen: everything a Pktgen-DPDK benchmark of an appliance
 * running mediasecd needs, in one directory: the pcap files of N concurrent
 * valid SRTP/RTP streams per direction, long enough for the run, the session
 * file with the same keys, an example mediasecd configuration for two NIC
 * ports, the key file, the Lua scripts and a README.
 *
 * Why files and not pktgen's own packets: pktgen's range mode never
 * advances an RTP sequence number, and a file replayed in a loop is a
 * replay. So every stream in the files advances one sequence number (and
 * timestamp step) per packet, crosses 65535 into the next ROC where it is
 * long enough, and the files hold as many packets as the run sends.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_ether.h>

#include "bench.h"
#include "pktgen.h"

#define DEFAULT_MIN_PACKETS 32768u

bool
pg_leg_srtp(const struct pg_opts *o, unsigned side)
{
	const struct fwd_mode_info *mi = fwd_mode_info(o->mode);

	return side == 0 ? mi->srtp_in : mi->srtp_out;
}

/* ip + n, the address taken as one big-endian number. */
static void
ip_add(struct pg_ip *ip, uint32_t n)
{
	int last = ip->fam == 6 ? 15 : 3;
	uint32_t carry = n;

	for (int i = last; i >= 0 && carry != 0; i--) {
		uint32_t v = ip->b[i] + (carry & 0xff);

		ip->b[i] = (uint8_t)v;
		carry = (carry >> 8) + (v >> 8);
	}
}

void
pg_endpoint(const struct pg_opts *o, const struct pg_plan *p, unsigned side, unsigned role,
	    uint32_t i, struct pg_ip *ip, uint16_t *port)
{
	*ip = o->addr[side][role];
	ip_add(ip, i / p->per_addr);
	*port = (uint16_t)((role ? o->peer_udp_base : o->udp_base) + i % p->per_addr);
}

const char *
pg_ip_str(const struct pg_ip *ip, char *buf, size_t len)
{
	if (inet_ntop(ip->fam == 6 ? AF_INET6 : AF_INET, ip->b, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

static uint64_t
splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int
pg_streams_make(const struct pg_opts *o, struct pg_streams *s)
{
	uint64_t state = o->seed;

	s->n = o->sessions;
	for (unsigned d = 0; d < 2; d++) {
		s->id[d] = calloc(o->sessions, sizeof(*s->id[d]));
		if (s->id[d] == NULL) {
			pg_streams_free(s);
			return -ENOMEM;
		}
	}
	/* from the seed alone: a later run with --seed and --first-packet continues these streams */
	for (uint32_t i = 0; i < o->sessions; i++) {
		for (unsigned d = 0; d < 2; d++) {
			uint64_t r = splitmix(&state);
			struct pg_stream_id *id = &s->id[d][i];

			id->ssrc = (uint32_t)r;
			id->ts0 = (uint32_t)(r >> 32);
			r = splitmix(&state);
			id->seq0 = o->seq_start >= 0 ? (uint16_t)o->seq_start : (uint16_t)r;
		}
	}
	return 0;
}

void
pg_streams_free(struct pg_streams *s)
{
	for (unsigned d = 0; d < 2; d++) {
		free(s->id[d]);
		s->id[d] = NULL;
	}
}

static void
help(void)
{
	printf(
		"usage: mediasec-bench pktgen --out DIR --a-mac MAC --b-mac MAC [options] [-- EAL options]\n"
		"\n"
		"Writes DIR/{a.pcap,b.pcap,sessions.conf,mediasec.conf,keys,replay.lua,ndr.lua,README}:\n"
		"what pktgen's port A and port B send to the appliance's ports a and b, mediasecd's\n"
		"sessions for them, an example configuration, the keys (mode 0600) and the Lua\n"
		"scripts for pktgen. See docs/benchmarking-with-pktgen.md.\n"
		"\n"
		"traffic:\n"
		"  --sessions N        concurrent sessions, one stream per direction each (default 1000)\n"
		"  --mode M            srtp-rtp (default), rtp-srtp, srtp-srtp, rtp-rtp: what leg A and\n"
		"                      leg B speak\n"
		"  --suite S           SRTP suite of the SRTP legs (default AES_CM_128_HMAC_SHA1_80)\n"
		"  --suite-b S         leg B's suite, when it differs (srtp-srtp)\n"
		"  --rate PPS          packets per second per direction the run will send (default\n"
		"                      1000000); with --seconds it sizes the files\n"
		"  --seconds S         how long the files last at that rate (default 10)\n"
		"  --packets N         packets per stream in each file (instead of --seconds)\n"
		"  --min-packets N     at least this many packets per file (default %u: pktgen\n"
		"                      repeats a shorter file inside its packet pool)\n"
		"  --first-packet K    the files start at packet K of every stream: the continuation\n"
		"                      of a run that ended at K (same --seed and --keys)\n"
		"  --seq-start N       first sequence number of every stream (default: random per\n"
		"                      stream); 65000 makes streams of 536+ packets cross into ROC 1\n"
		"  --roc-start R       ROC of sequence number --seq-start (default 0)\n"
		"  --payload BYTES     RTP payload (default 160: G.711, 20 ms)\n"
		"  --pt N              payload type (default 0, PCMU)\n"
		"  --ts-step N         timestamp step per packet (default: the payload size for PT 0\n"
		"                      and 8, G.711's 8000 Hz; else 160)\n"
		"  --seed N            streams' SSRCs, sequence numbers and timestamps (default random;\n"
		"                      written in the README). Keys never come from it\n"
		"  --keys FILE         take the keys from FILE (one line per session, leg and\n"
		"                      direction: README); default: random keys, written to DIR/keys\n"
		"addresses (side A faces the appliance's port a, side B port b):\n"
		"  --a-mac MAC, --b-mac MAC            the appliance's ports' MAC addresses (required)\n"
		"  --a-peer-mac MAC, --b-peer-mac MAC  pktgen's ports' (default 02:00:00:00:0a:02,\n"
		"                                      02:00:00:00:0b:02; pktgen runs promiscuous)\n"
		"  --a-addr IP, --b-addr IP            mediasecd's first address on each port\n"
		"                                      (default 198.18.0.1, 198.19.0.1, RFC 2544's\n"
		"                                      benchmark range; with --ipv6 2001:2:0:a::1,\n"
		"                                      2001:2:0:b::1, RFC 5180's)\n"
		"  --a-peer IP, --b-peer IP            the peers' first address (default 198.18.1.1,\n"
		"                                      198.19.1.1; 2001:2:0:a::1:1, 2001:2:0:b::1:1)\n"
		"  --ipv6              IPv6 defaults\n"
		"  --prefix-len N      of the ports' addresses (default 16; 64 with IPv6)\n"
		"  --udp-port N        mediasecd's UDP port of session 0 (default 20000); session i\n"
		"                      uses N + i, then the next address\n"
		"  --peer-udp-port N   the peers' (default: --udp-port)\n"
		"mediasec.conf:\n"
		"  --a-device D, --b-device D    PCI addresses (default 0000:01:00.0, 0000:01:00.1:\n"
		"                                placeholders) or DPDK vdev names\n"
		"  --a-devargs S, --b-devargs S  device arguments\n"
		"  --hugepages H       yes (default), no, auto\n"
		"  --memory-mb N       DPDK memory (default 2048)\n"
		"  --workers N         worker lcores 1..N, each polling queue i of both ports (default 1)\n"
		"  --replay-window N   per leg (default: mediasecd's, 128)\n"
		"  --control-socket P  the control socket for mediasecctl (default\n"
		"                      /run/mediasec/control.sock; \"\": no control section)\n"
		"  --eal-arg ARG       one more eal.args entry (repeat up to %u times)\n"
		"pktgen:\n"
		"  --pktgen-ports A,B  pktgen's port numbers of side A and side B (default 0,1)\n",
		DEFAULT_MIN_PACKETS, PG_MAX_EAL_ARGS);
}

static int
parse_ip(const char *s, struct pg_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, ip->b) == 1) {
		ip->fam = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, ip->b) == 1) {
		ip->fam = 6;
		return 0;
	}
	return -EINVAL;
}

static int
parse_mac(const char *s, uint8_t *mac)
{
	struct rte_ether_addr a;

	if (rte_ether_unformat_addr(s, &a) != 0 || rte_is_multicast_ether_addr(&a) ||
	    rte_is_zero_ether_addr(&a))
		return -EINVAL;
	memcpy(mac, a.addr_bytes, 6);
	return 0;
}

static int
parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || s[0] == '-' || s[0] == '\0' || x < lo || x > hi)
		return -EINVAL;
	*v = x;
	return 0;
}

static int
bad(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "pktgen: --%s %s: %s\n", opt, val, why);
	return -EINVAL;
}

static int
parse_opts(int argc, char **argv, struct pg_opts *o, bool *macs)
{
	enum {
		O_SESSIONS = 256, O_MODE, O_SUITE, O_SUITE_B, O_RATE, O_SECONDS, O_PACKETS, O_MINPKT,
		O_FIRST, O_SEQ, O_ROC, O_PAYLOAD, O_PT, O_TS, O_SEED, O_KEYS, O_AMAC, O_BMAC,
		O_APMAC, O_BPMAC, O_AADDR, O_BADDR, O_APEER, O_BPEER, O_IPV6, O_PLEN, O_UDP,
		O_PUDP, O_ADEV, O_BDEV, O_AARGS, O_BARGS, O_HUGE, O_MEM, O_WORKERS, O_WINDOW,
		O_CTL, O_EAL, O_PGPORTS, O_OUT,
	};
	static const struct option longopts[] = {
		{"sessions", required_argument, NULL, O_SESSIONS},
		{"mode", required_argument, NULL, O_MODE},
		{"suite", required_argument, NULL, O_SUITE},
		{"suite-b", required_argument, NULL, O_SUITE_B},
		{"rate", required_argument, NULL, O_RATE},
		{"seconds", required_argument, NULL, O_SECONDS},
		{"packets", required_argument, NULL, O_PACKETS},
		{"min-packets", required_argument, NULL, O_MINPKT},
		{"first-packet", required_argument, NULL, O_FIRST},
		{"seq-start", required_argument, NULL, O_SEQ},
		{"roc-start", required_argument, NULL, O_ROC},
		{"payload", required_argument, NULL, O_PAYLOAD},
		{"pt", required_argument, NULL, O_PT},
		{"ts-step", required_argument, NULL, O_TS},
		{"seed", required_argument, NULL, O_SEED},
		{"keys", required_argument, NULL, O_KEYS},
		{"a-mac", required_argument, NULL, O_AMAC},
		{"b-mac", required_argument, NULL, O_BMAC},
		{"a-peer-mac", required_argument, NULL, O_APMAC},
		{"b-peer-mac", required_argument, NULL, O_BPMAC},
		{"a-addr", required_argument, NULL, O_AADDR},
		{"b-addr", required_argument, NULL, O_BADDR},
		{"a-peer", required_argument, NULL, O_APEER},
		{"b-peer", required_argument, NULL, O_BPEER},
		{"ipv6", no_argument, NULL, O_IPV6},
		{"prefix-len", required_argument, NULL, O_PLEN},
		{"udp-port", required_argument, NULL, O_UDP},
		{"peer-udp-port", required_argument, NULL, O_PUDP},
		{"a-device", required_argument, NULL, O_ADEV},
		{"b-device", required_argument, NULL, O_BDEV},
		{"a-devargs", required_argument, NULL, O_AARGS},
		{"b-devargs", required_argument, NULL, O_BARGS},
		{"hugepages", required_argument, NULL, O_HUGE},
		{"memory-mb", required_argument, NULL, O_MEM},
		{"workers", required_argument, NULL, O_WORKERS},
		{"replay-window", required_argument, NULL, O_WINDOW},
		{"control-socket", required_argument, NULL, O_CTL},
		{"eal-arg", required_argument, NULL, O_EAL},
		{"pktgen-ports", required_argument, NULL, O_PGPORTS},
		{"out", required_argument, NULL, O_OUT},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *addr_s[2][2] = {{NULL, NULL}, {NULL, NULL}};
	bool v6 = false, suite_b = false, plen_given = false, ts_given = false, seed_given = false;
	uint64_t v;
	int c, s;

	memset(o, 0, sizeof(*o));
	o->mode = FWD_SRTP_RTP;
	o->suite[0] = o->suite[1] = MS_SUITE_AES_CM_128_HMAC_SHA1_80;
	o->sessions = 1000;
	o->rate = 1e6;
	o->seconds = 10;
	o->seq_start = -1;
	o->payload = 160;
	o->min_packets = DEFAULT_MIN_PACKETS;
	o->udp_base = 20000;
	o->peer_udp_base = 0;
	o->device[0] = "0000:01:00.0";
	o->device[1] = "0000:01:00.1";
	o->hugepages = "yes";
	o->memory_mb = 2048;
	o->workers = 1;
	o->control_socket = "/run/mediasec/control.sock";
	o->pktgen_port[1] = 1;
	parse_mac("02:00:00:00:0a:02", o->mac[0][1]);
	parse_mac("02:00:00:00:0b:02", o->mac[1][1]);
	macs[0] = macs[1] = false;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_SESSIONS:
			if (parse_u64(optarg, 1, 8u * 65536u, &v) < 0)
				return bad("sessions", optarg, "1 to 524288");
			o->sessions = (uint32_t)v;
			break;
		case O_MODE:
			if ((s = fwd_mode_from_name(optarg)) < 0)
				return bad("mode", optarg, "srtp-rtp, rtp-srtp, srtp-srtp or rtp-rtp");
			o->mode = (enum fwd_mode)s;
			break;
		case O_SUITE:
		case O_SUITE_B:
			if ((s = ms_srtp_suite_from_name(optarg)) < 0)
				return bad(c == O_SUITE ? "suite" : "suite-b", optarg, "no such suite");
			if (c == O_SUITE)
				o->suite[0] = (enum ms_srtp_suite)s;
			else
				suite_b = true;
			o->suite[1] = (enum ms_srtp_suite)s;
			break;
		case O_RATE:
			o->rate = strtod(optarg, NULL);
			if (!(o->rate >= 1 && o->rate <= 1e9))
				return bad("rate", optarg, "1 to 1e9 packets per second");
			break;
		case O_SECONDS:
			o->seconds = strtod(optarg, NULL);
			if (!(o->seconds > 0 && o->seconds <= 86400))
				return bad("seconds", optarg, "above 0, at most 86400");
			break;
		case O_PACKETS:
			if (parse_u64(optarg, 1, 1ull << 40, &o->packets) < 0)
				return bad("packets", optarg, "1 to 2^40");
			o->packets_given = true;
			break;
		case O_MINPKT:
			if (parse_u64(optarg, 0, 1ull << 32, &o->min_packets) < 0)
				return bad("min-packets", optarg, "0 to 2^32");
			break;
		case O_FIRST:
			if (parse_u64(optarg, 0, 1ull << 47, &o->first_packet) < 0)
				return bad("first-packet", optarg, "0 to 2^47");
			break;
		case O_SEQ:
			if (strcmp(optarg, "random") == 0)
				o->seq_start = -1;
			else if (parse_u64(optarg, 0, 65535, &v) < 0)
				return bad("seq-start", optarg, "0 to 65535, or random");
			else
				o->seq_start = (int32_t)v;
			break;
		case O_ROC:
			if (parse_u64(optarg, 0, UINT32_MAX, &v) < 0)
				return bad("roc-start", optarg, "0 to 4294967295");
			o->roc_start = (uint32_t)v;
			break;
		case O_PAYLOAD:
			if (parse_u64(optarg, 1, PG_MAX_PAYLOAD, &v) < 0)
				return bad("payload", optarg, "1 to 1400 bytes");
			o->payload = (uint16_t)v;
			break;
		case O_PT:
			if (parse_u64(optarg, 0, 127, &v) < 0)
				return bad("pt", optarg, "0 to 127");
			o->pt = (uint8_t)v;
			break;
		case O_TS:
			if (parse_u64(optarg, 0, 65535, &v) < 0)
				return bad("ts-step", optarg, "0 to 65535");
			o->ts_step = (uint16_t)v;
			ts_given = true;
			break;
		case O_SEED:
			if (parse_u64(optarg, 0, UINT64_MAX, &o->seed) < 0)
				return bad("seed", optarg, "a number");
			seed_given = true;
			break;
		case O_KEYS:
			o->keys_in = optarg;
			break;
		case O_AMAC:
		case O_BMAC:
		case O_APMAC:
		case O_BPMAC: {
			unsigned side = c == O_BMAC || c == O_BPMAC, role = c == O_APMAC || c == O_BPMAC;

			if (parse_mac(optarg, o->mac[side][role]) < 0)
				return bad(longopts[c - 256].name, optarg, "not a unicast MAC address");
			if (role == 0)
				macs[side] = true;
			break;
		}
		case O_AADDR:
		case O_BADDR:
		case O_APEER:
		case O_BPEER:
			addr_s[c == O_BADDR || c == O_BPEER][c == O_APEER || c == O_BPEER] = optarg;
			break;
		case O_IPV6:
			v6 = true;
			break;
		case O_PLEN:
			if (parse_u64(optarg, 1, 128, &v) < 0)
				return bad("prefix-len", optarg, "1 to 128");
			o->prefix_len = (unsigned)v;
			plen_given = true;
			break;
		case O_UDP:
		case O_PUDP:
			if (parse_u64(optarg, 1024, 65535, &v) < 0)
				return bad(longopts[c - 256].name, optarg, "1024 to 65535");
			if (c == O_UDP)
				o->udp_base = (uint16_t)v;
			else
				o->peer_udp_base = (uint16_t)v;
			break;
		case O_ADEV:
		case O_BDEV:
			o->device[c == O_BDEV] = optarg;
			break;
		case O_AARGS:
		case O_BARGS:
			o->devargs[c == O_BARGS] = optarg;
			break;
		case O_HUGE:
			if (strcmp(optarg, "yes") != 0 && strcmp(optarg, "no") != 0 &&
			    strcmp(optarg, "auto") != 0)
				return bad("hugepages", optarg, "yes, no or auto");
			o->hugepages = optarg;
			break;
		case O_MEM:
			if (parse_u64(optarg, 0, 1048576, &v) < 0)
				return bad("memory-mb", optarg, "0 to 1048576");
			o->memory_mb = (unsigned)v;
			break;
		case O_WORKERS:
			if (parse_u64(optarg, 1, PG_MAX_WORKERS, &v) < 0)
				return bad("workers", optarg, "1 to 16");
			o->workers = (unsigned)v;
			break;
		case O_WINDOW:
			if (parse_u64(optarg, MS_SRTP_REPLAY_WINDOW_MIN, MS_SRTP_REPLAY_WINDOW_MAX, &v) < 0)
				return bad("replay-window", optarg, "64 to 8192");
			o->replay_window = (unsigned)v;
			break;
		case O_CTL:
			o->control_socket = optarg;
			break;
		case O_EAL:
			if (o->nb_eal_args == PG_MAX_EAL_ARGS || strchr(optarg, '"') != NULL)
				return bad("eal-arg", optarg, "too many, or a quote in it");
			o->eal_args[o->nb_eal_args++] = optarg;
			break;
		case O_PGPORTS: {
			unsigned a, b;
			char end;

			if (sscanf(optarg, "%u,%u%c", &a, &b, &end) != 2 || a == b || a > 63 || b > 63)
				return bad("pktgen-ports", optarg, "two different port numbers: A,B");
			o->pktgen_port[0] = a;
			o->pktgen_port[1] = b;
			break;
		}
		case O_OUT:
			o->out_dir = optarg;
			break;
		case 'h':
			help();
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (o->out_dir == NULL) {
		fprintf(stderr, "pktgen: --out DIR is required\n");
		return -EINVAL;
	}
	if (!macs[0] || !macs[1]) {
		fprintf(stderr, "pktgen: --a-mac and --b-mac are required: the MAC addresses of the "
				"appliance's ports (frames to any other MAC are dropped by its NIC)\n");
		return -EINVAL;
	}
	if (!suite_b)
		o->suite[1] = o->suite[0];
	if (!seed_given && getrandom(&o->seed, sizeof(o->seed), 0) != sizeof(o->seed))
		return -errno;
	if (!ts_given)
		o->ts_step = o->pt == 0 || o->pt == 8 ? o->payload : 160;
	if (o->peer_udp_base == 0)
		o->peer_udp_base = o->udp_base;
	{
		static const char *const def4[2][2] = {{"198.18.0.1", "198.18.1.1"},
						       {"198.19.0.1", "198.19.1.1"}};
		static const char *const def6[2][2] = {{"2001:2:0:a::1", "2001:2:0:a::1:1"},
						       {"2001:2:0:b::1", "2001:2:0:b::1:1"}};

		for (unsigned side = 0; side < 2; side++)
			for (unsigned role = 0; role < 2; role++) {
				const char *a = addr_s[side][role];

				if (a == NULL)
					a = v6 ? def6[side][role] : def4[side][role];
				if (parse_ip(a, &o->addr[side][role]) < 0) {
					fprintf(stderr, "pktgen: %s: not an IPv4 or IPv6 address\n", a);
					return -EINVAL;
				}
			}
	}
	int fam = o->addr[0][0].fam;
	for (unsigned side = 0; side < 2; side++)
		for (unsigned role = 0; role < 2; role++)
			if (o->addr[side][role].fam != fam) {
				fprintf(stderr, "pktgen: the four addresses must all be IPv4 or all IPv6\n");
				return -EINVAL;
			}
	if (!plen_given)
		o->prefix_len = fam == 6 ? 64 : 16;
	if (fam == 4 && o->prefix_len > 32) {
		fprintf(stderr, "pktgen: --prefix-len %u: at most 32 for IPv4\n", o->prefix_len);
		return -EINVAL;
	}
	return 0;
}

/* Whether the blocks of n addresses from a and from b overlap. */
static bool
blocks_overlap(const struct pg_ip *a, const struct pg_ip *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct pg_ip x = *a;

		ip_add(&x, i);
		for (uint32_t j = 0; j < n; j++) {
			struct pg_ip y = *b;

			ip_add(&y, j);
			if (memcmp(x.b, y.b, 16) == 0)
				return true;
		}
	}
	return false;
}

static unsigned
frame_len(const struct pg_opts *o, unsigned side, unsigned mki_len)
{
	unsigned len = RTE_ETHER_HDR_LEN + (o->addr[0][0].fam == 6 ? 40 : 20) + 8 + FWD_RTP_HDR +
		       o->payload;

	if (pg_leg_srtp(o, side))
		len += ms_srtp_suite_info(o->suite[side])->rtp_tag_len + mki_len;
	return len;
}

/* MKI length of a key slot of session 0 (keys with an MKI make longer packets). */
static unsigned
mki_len_of(const struct pg_keys *k, unsigned slot)
{
	const char *s = k->sdes[slot], *bar = strrchr(s, '|');
	unsigned len = 0;

	if (bar != NULL && strchr(bar, ':') != NULL)
		sscanf(strchr(bar, ':') + 1, "%u", &len);
	return len;
}

static int
plan_make(struct pg_opts *o, struct pg_plan *p)
{
	uint64_t total;

	memset(p, 0, sizeof(*p));
	p->per_addr = 65536u - RTE_MAX(o->udp_base, o->peer_udp_base);
	p->nb_addrs = (o->sessions + p->per_addr - 1) / p->per_addr;
	if (p->nb_addrs > PG_MAX_ADDRS) {
		fprintf(stderr,
			"pktgen: %u sessions need %u addresses per port at %u UDP ports each; "
			"mediasecd takes %u per port (lower --udp-port)\n",
			o->sessions, p->nb_addrs, p->per_addr, PG_MAX_ADDRS);
		return -EINVAL;
	}
	for (unsigned side = 0; side < 2; side++)
		if (blocks_overlap(&o->addr[side][0], &o->addr[side][1], p->nb_addrs)) {
			fprintf(stderr, "pktgen: side %c: mediasecd's %u address(es) and the peers' "
					"overlap (--%c-addr, --%c-peer)\n",
				side ? 'B' : 'A', p->nb_addrs, side ? 'b' : 'a', side ? 'b' : 'a');
			return -EINVAL;
		}
	if (!o->packets_given)
		o->packets = (uint64_t)ceil(o->rate * o->seconds / o->sessions);
	if (o->packets * o->sessions < o->min_packets) {
		uint64_t want = (o->min_packets + o->sessions - 1) / o->sessions;

		fprintf(stderr,
			"pktgen: %" PRIu64 " packets per stream make files of %" PRIu64
			" packets; raised to %" PRIu64 " per stream (--min-packets %" PRIu64 ")\n",
			o->packets, o->packets * o->sessions, want, o->min_packets);
		o->packets = want;
	}
	total = o->packets * o->sessions;
	/* the highest ROC any stream reaches must fit in 32 bits */
	if (o->roc_start + ((65535u + o->first_packet + o->packets - 1) >> 16) > UINT32_MAX) {
		fprintf(stderr, "pktgen: the streams would pass ROC 2^32 - 1 (--roc-start)\n");
		return -EINVAL;
	}
	p->file_packets = total;
	o->seconds = (double)total / o->rate;
	return 0;
}

static void
plan_sizes(const struct pg_opts *o, struct pg_plan *p, const struct pg_keys *k,
	   const struct pg_streams *s)
{
	for (unsigned side = 0; side < 2; side++) {
		unsigned in_mki = pg_leg_srtp(o, side) ? mki_len_of(k, side ? PG_B_RECV : PG_A_RECV) : 0;
		unsigned out_mki = pg_leg_srtp(o, side) ? mki_len_of(k, side ? PG_B_SEND : PG_A_SEND) : 0;

		p->frame_len[side] = frame_len(o, side, in_mki);
		p->out_frame_len[side] = frame_len(o, side, out_mki);
		p->file_bytes[side] = 24 + p->file_packets * (16 + p->frame_len[side]);
		/* pktgen: a mempool object header, an mbuf, headroom + the frame on cache lines */
		p->pktgen_bytes[side] =
			p->file_packets * (64 + 128 + RTE_ALIGN_CEIL(128 + p->frame_len[side], 64));
		for (uint32_t i = 0; i < o->sessions; i++) {
			uint64_t first = s->id[side][i].seq0 + o->first_packet;

			if ((first + o->packets - 1) >> 16 != first >> 16)
				p->wraps[side]++;
		}
	}
}

static double
gib(uint64_t b)
{
	return (double)b / (1024.0 * 1024 * 1024);
}

static int
space_check(const char *dir, const struct pg_plan *p)
{
	struct statvfs vfs;
	uint64_t need = p->file_bytes[0] + p->file_bytes[1] + (64u << 20);

	if (statvfs(dir, &vfs) < 0)
		return 0; /* cannot tell: writing will */
	if ((uint64_t)vfs.f_bavail * vfs.f_frsize < need) {
		fprintf(stderr, "pktgen: %s has %.2f GiB free; the files need %.2f GiB\n", dir,
			gib((uint64_t)vfs.f_bavail * vfs.f_frsize), gib(need));
		return -ENOSPC;
	}
	return 0;
}

static void
eal_start(int eal_argc, char **eal_argv, uint32_t sessions)
{
	static char lcore[24], mem[16], prefix[48];
	char *args[40];
	int n = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	/* a file writer: ordinary memory, no files of EAL's own, no devices */
	snprintf(lcore, sizeof(lcore), "%ld", cpus > 1 ? cpus - 1 : 0);
	snprintf(mem, sizeof(mem), "%u", 128u + sessions / 256u);
	args[n++] = "mediasec-bench";
	args[n++] = "--no-pci";
	args[n++] = "--no-telemetry";
	/* --in-memory does not go with --no-huge: no shared files, a prefix of our own */
	snprintf(prefix, sizeof(prefix), "--file-prefix=mspktgen%ld", (long)getpid());
	args[n++] = "--no-shconf";
	args[n++] = prefix;
	args[n++] = "--no-huge";
	args[n++] = "-m";
	args[n++] = mem;
	args[n++] = "-l";
	args[n++] = lcore;
	args[n++] = "--log-level=lib.eal:error";
	args[n++] = "--log-level=mediasec.*:warning";
	for (int i = 0; i < eal_argc && n < 39; i++)
		args[n++] = eal_argv[i];
	args[n] = NULL;
	if (rte_eal_init(n, args) < 0) {
		fprintf(stderr, "pktgen: cannot initialise EAL\n");
		exit(1);
	}
}

static int
readme_write(const struct pg_opts *o, const struct pg_plan *p, const char *dir, int argc,
	     char **argv)
{
	char path[PATH_MAX + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/README", dir);
	f = fopen(path, "we");
	if (f == NULL)
		return -errno;
	fprintf(f, "Files for benchmarking mediasecd with Pktgen-DPDK, written by:\n\n    mediasec-bench");
	for (int i = 0; i < argc; i++)
		fprintf(f, " %s", argv[i]);
	fprintf(f, "\n\n(seed %" PRIu64 ")\n\n", o->seed);
	fprintf(f,
		"Mode %s: leg A (appliance port a, pktgen port %u) is %s, leg B (port b, pktgen\n"
		"port %u) is %s. %u sessions; each has one stream per direction.\n\n",
		fwd_mode_info(o->mode)->label, o->pktgen_port[0],
		pg_leg_srtp(o, 0) ? ms_srtp_suite_info(o->suite[0])->name : "plain RTP",
		o->pktgen_port[1], pg_leg_srtp(o, 1) ? ms_srtp_suite_info(o->suite[1])->name : "plain RTP",
		o->sessions);
	fprintf(f,
		"a.pcap         what pktgen's port %u sends to the appliance's port a: packets %" PRIu64
		" to %" PRIu64 "\n"
		"               of every stream A->B, %u-byte frames, %.2f GiB\n"
		"b.pcap         the same for port %u -> port b, streams B->A, %u-byte frames, %.2f GiB\n"
		"sessions.conf  mediasecd's sessions for them, keys included (mode 0600)\n"
		"mediasec.conf  an example configuration for the appliance; it @includes sessions.conf\n"
		"keys           the keys, one line per session, leg and direction (mode 0600)\n"
		"replay.lua     pktgen: one run at %.0f pps per direction for %.3f s, with loss per\n"
		"               direction\n"
		"ndr.lua        pktgen: a search for the highest rate without loss\n\n",
		o->pktgen_port[0], o->first_packet, o->first_packet + o->packets - 1,
		p->frame_len[0], gib(p->file_bytes[0]), o->pktgen_port[1], p->frame_len[1],
		gib(p->file_bytes[1]), o->rate, o->seconds);
	fprintf(f,
		"Each file holds %" PRIu64 " packets: %.3f s at %.0f pps per direction. pktgen must\n"
		"never send a file twice in one go (every repeated SRTP packet is a replay), so the\n"
		"scripts keep to what the files hold. pktgen loads a file into hugepage memory:\n"
		"about %.2f GiB for a.pcap and %.2f GiB for b.pcap on their ports' NUMA nodes.\n\n",
		p->file_packets, o->seconds, o->rate, gib(p->pktgen_bytes[0]),
		gib(p->pktgen_bytes[1]));
	fprintf(f,
		"Sequence numbers: %u of %u streams A->B and %u of %u B->A cross 65535 in these\n"
		"files (the ROC advances). Each file ends at packet %" PRIu64
		" of every stream; to go on\n"
		"where it stops, make the next files with the same command plus\n"
		"    --seed %" PRIu64 " --keys %s/keys --first-packet %" PRIu64 "\n"
		"into another directory, and restart pktgen on them (mediasecd keeps its sessions).\n"
		"A stream may not jump ahead by 32768 packets or more: mediasecd (as any SRTP\n"
		"receiver) would guess its ROC wrong.\n\n",
		p->wraps[0], o->sessions, p->wraps[1], o->sessions,
		o->first_packet + o->packets, o->seed, dir, o->first_packet + o->packets);
	fprintf(f,
		"On the appliance (docs/benchmarking-with-pktgen.md has every step):\n"
		"    mediasecd --check -f mediasec.conf && mediasecd -f mediasec.conf\n"
		"    mediasecctl%s%s stats       # drops by reason: replay, auth_fail, ...\n"
		"On the pktgen machine:\n"
		"    pktgen -l 0-4 -n 4 -a <PCI of port A> -a <PCI of port B> -- -P \\\n"
		"        -m \"[1:2].%u,[3:4].%u\" -s %u:a.pcap -s %u:b.pcap -f replay.lua\n"
		"The Lua scripts were checked against a stub of pktgen's Lua API, not a real pktgen.\n",
		o->control_socket && o->control_socket[0] ? " -s " : "",
		o->control_socket && o->control_socket[0] ? o->control_socket : "",
		o->pktgen_port[0], o->pktgen_port[1], o->pktgen_port[0], o->pktgen_port[1]);
	if (ferror(f) || fclose(f) != 0)
		return -EIO;
	return 0;
}

static int
step(int ret, const char *what)
{
	if (ret < 0)
		fprintf(stderr, "pktgen: %s: %s\n", what, strerror(-ret));
	return ret;
}

int
bench_pktgen(int argc, char **argv)
{
	struct pg_opts o;
	struct pg_plan p;
	struct pg_streams s = {0};
	struct pg_keys k = {0};
	char dir[PATH_MAX], path[PATH_MAX + 32], sessions_path[PATH_MAX + 32];
	int eal_argc = 0, own_argc = argc, ret;
	char **eal_argv = NULL;
	bool macs[2], eal_up = false;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			own_argc = i;
			eal_argc = argc - i - 1;
			eal_argv = argv + i + 1;
			break;
		}
	if (parse_opts(own_argc, argv, &o, macs) < 0 || plan_make(&o, &p) < 0)
		return 2;
	if (mkdir(o.out_dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "pktgen: %s: %s\n", o.out_dir, strerror(errno));
		return 1;
	}
	if (realpath(o.out_dir, dir) == NULL) {
		fprintf(stderr, "pktgen: %s: %s\n", o.out_dir, strerror(errno));
		return 1;
	}
	if (pg_keys_load(&o, &k) < 0)
		return 1;
	ret = step(pg_streams_make(&o, &s), "streams");
	if (ret == 0) {
		plan_sizes(&o, &p, &k, &s);
		ret = space_check(dir, &p);
	}
	if (ret == 0) {
		printf("pktgen: %u sessions, %s, %" PRIu64 " packets per stream (from packet %" PRIu64
		       "): %" PRIu64 " packets per file, %.3f s at %.0f pps per direction\n",
		       o.sessions, fwd_mode_info(o.mode)->label, o.packets, o.first_packet,
		       p.file_packets, o.seconds, o.rate);
		printf("pktgen: a.pcap %.2f GiB, b.pcap %.2f GiB on disk; pktgen needs about %.2f + "
		       "%.2f GiB of hugepages to load them\n",
		       gib(p.file_bytes[0]), gib(p.file_bytes[1]), gib(p.pktgen_bytes[0]),
		       gib(p.pktgen_bytes[1]));
		printf("pktgen: streams crossing into the next ROC: %u of %u A->B, %u of %u B->A\n",
		       p.wraps[0], o.sessions, p.wraps[1], o.sessions);
		fflush(stdout);
		eal_start(eal_argc, eal_argv, o.sessions);
		eal_up = true;
	}
	for (unsigned side = 0; side < 2 && ret == 0; side++) {
		snprintf(path, sizeof(path), "%s/%c.pcap", dir, side ? 'b' : 'a');
		ret = step(pg_pcap_write(&o, &p, &s, &k, side, path), path);
	}
	if (ret == 0) {
		snprintf(sessions_path, sizeof(sessions_path), "%s/sessions.conf", dir);
		ret = step(pg_sessions_write(&o, &p, &s, &k, sessions_path), sessions_path);
	}
	if (ret == 0) {
		snprintf(path, sizeof(path), "%s/mediasec.conf", dir);
		ret = step(pg_config_write(&o, &p, sessions_path, path), path);
	}
	if (ret == 0) {
		char keys_path[PATH_MAX + 32], in_real[PATH_MAX];

		snprintf(keys_path, sizeof(keys_path), "%s/keys", dir);
		/* a key file given as DIR/keys is already there */
		if (o.keys_in == NULL || realpath(o.keys_in, in_real) == NULL ||
		    strcmp(in_real, keys_path) != 0)
			ret = step(pg_keys_write(&o, &k, keys_path), keys_path);
	}
	if (ret == 0)
		ret = step(pg_lua_write(&o, &p, dir), "Lua scripts");
	if (ret == 0)
		ret = step(readme_write(&o, &p, dir, own_argc, argv), "README");
	pg_keys_free(&k);
	pg_streams_free(&s);
	if (eal_up) {
		/* EAL leaves its (empty) runtime directory behind */
		char rundir[PATH_MAX];

		snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
		rte_eal_cleanup();
		rmdir(rundir);
	}
	if (ret == 0)
		printf("pktgen: wrote %s/{a.pcap,b.pcap,sessions.conf,mediasec.conf,keys,replay.lua,"
		       "ndr.lua,README}\n",
		       dir);
	return ret == 0 ? 0 : 1;
}

/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_eth_ring.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "it.h"
#include "it_bytes.h"

struct it_env it;

/* ------------------------------------------------------------------------- */
/* Random numbers */

static uint64_t rng;

void
it_seed(void)
{
	const char *seed = getenv("MS_TEST_SEED");

	rng = seed ? strtoull(seed, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	if (rng == 0)
		rng = 1;
	printf("# MS_TEST_SEED=%llu\n", (unsigned long long)rng);
	fflush(stdout);
}

uint32_t
it_rand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545F4914F6CDD1DULL) >> 32);
}

void
it_rand_bytes(void *p, size_t n)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)it_rand();
}

uint64_t
it_hash(uint64_t a, uint64_t b)
{
	/* splitmix64 over both words */
	uint64_t z = a * 0x9E3779B97F4A7C15ULL + b + 0x632BE59BD9B4E019ULL;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

uint64_t
it_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
it_sleep_ms(unsigned ms)
{
	usleep(ms * 1000);
}

/* ------------------------------------------------------------------------- */
/* Failures */

void
it_fail(const char *fmt, ...)
{
	va_list ap;
	uint64_t n = __atomic_fetch_add(&it.errors, 1, __ATOMIC_RELAXED) - it.errors_base;

	if (n >= 50) {
		if (n == 50)
			printf("# (further failures not printed)\n");
		return;
	}
	va_start(ap, fmt);
	printf("# FAIL: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

void
it_assert_clean(void)
{
	uint64_t errors = __atomic_load_n(&it.errors, __ATOMIC_RELAXED) - it.errors_base;

	if (errors != 0) {
		char cwd[256];

		if (getcwd(cwd, sizeof(cwd)) == NULL)
			snprintf(cwd, sizeof(cwd), ".");
		printf("# %llu check(s) failed; frames: %s/%s (injected), %s/%s (emitted)\n",
		       (unsigned long long)errors, cwd, it.pcap_in_path, cwd, it.pcap_out_path);
		fflush(stdout);
	}
	assert_int_equal(errors, 0);
}

static void
pool_in_use(struct rte_mempool *mp, void *arg)
{
	unsigned *bad = arg;
	unsigned n = rte_mempool_in_use_count(mp);

	/* the injection pool and the dataplane's mbuf pools */
	if ((mp == it.pool || strncmp(mp->name, "ms_mbufs", 8) == 0) && n != 0) {
		printf("# mempool %s: %u mbufs still in use\n", mp->name, n);
		(*bad)++;
	}
}

void
it_assert_no_leak(void)
{
	unsigned bad = 0;

	it_settle();
	rte_mempool_walk(pool_in_use, &bad);
	if (bad)
		it_fail("mbufs leaked (or held) after every frame was processed");
	it_assert_clean();
}

/* ------------------------------------------------------------------------- */
/* pcap: a tiny writer (classic format, Ethernet) */

static pthread_mutex_t pcap_lock = PTHREAD_MUTEX_INITIALIZER;

static FILE *
pcap_open(const char *path)
{
	FILE *f = fopen(path, "wb");
	struct {
		uint32_t magic;
		uint16_t major, minor;
		int32_t zone;
		uint32_t sigfigs, snaplen, linktype;
	} h = {0xa1b2c3d4, 2, 4, 0, 0, 65535, 1};

	if (f == NULL) {
		printf("# cannot write %s: %s\n", path, strerror(errno));
		return NULL;
	}
	fwrite(&h, sizeof(h), 1, f);
	return f;
}

/* *fp is read under the lock: another thread may switch files (it_pcap_case). */
static void
pcap_write(FILE **fp, const void *frame, uint16_t len)
{
	struct timeval tv;
	struct {
		uint32_t sec, usec, incl, orig;
	} r;

	gettimeofday(&tv, NULL);
	r.sec = (uint32_t)tv.tv_sec;
	r.usec = (uint32_t)tv.tv_usec;
	r.incl = r.orig = len;
	pthread_mutex_lock(&pcap_lock);
	if (*fp != NULL) {
		fwrite(&r, sizeof(r), 1, *fp);
		fwrite(frame, len, 1, *fp);
	}
	pthread_mutex_unlock(&pcap_lock);
}

void
it_pcap_close(void)
{
	pthread_mutex_lock(&pcap_lock);
	if (it.pcap_in)
		fclose(it.pcap_in);
	if (it.pcap_out)
		fclose(it.pcap_out);
	it.pcap_in = it.pcap_out = NULL;
	pthread_mutex_unlock(&pcap_lock);
}

void
it_pcap_case(const char *name)
{
	it_pcap_close();
	snprintf(it.pcap_in_path, sizeof(it.pcap_in_path), "%s.%s.in.pcap", it.prog, name);
	snprintf(it.pcap_out_path, sizeof(it.pcap_out_path), "%s.%s.out.pcap", it.prog, name);
	FILE *in = pcap_open(it.pcap_in_path), *out = pcap_open(it.pcap_out_path);

	pthread_mutex_lock(&pcap_lock);
	it.pcap_in = in;
	it.pcap_out = out;
	pthread_mutex_unlock(&pcap_lock);
	/* each test case counts its own failures (without losing another thread's) */
	it.errors_base = __atomic_load_n(&it.errors, __ATOMIC_RELAXED);
	printf("# %s: frames in %s and %s\n", name, it.pcap_in_path, it.pcap_out_path);
	fflush(stdout);
}

/* ------------------------------------------------------------------------- */
/* EAL, ports, configuration */

void
it_init(const char *prog, int argc, char **argv)
{
	char prefix[64];
	char *eal[] = {
		argv[0], "--no-huge", "-m", "1024", "--no-pci", "--no-shconf", "--no-telemetry",
		"--file-prefix", prefix, "--lcores", "0@0,1@1,2@1",
		"--log-level=lib.eal:error", "--log-level=mediasec.*:warning",
	};

	(void)argc;
	memset(&it, 0, sizeof(it));
	it.prog = prog;
	snprintf(prefix, sizeof(prefix), "mstest%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "cannot initialise EAL\n");
		exit(1);
	}
	it_seed();
	it.pool = rte_pktmbuf_pool_create("it_inject", 32767, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	if (it.pool == NULL) {
		fprintf(stderr, "cannot create the mbuf pool\n");
		exit(1);
	}
#ifdef MS_HAVE_LIBSRTP2
	/*
	 * libsrtp2 once for the whole process, through mediasec's reference
	 * engine: srtp_init() a second time fails (libsrtp2 2.5 registers its
	 * debug module again), and the engine would then refuse to start.
	 */
	if (ms_crypto_engine_init(ms_crypto_engine_find("libsrtp2")) != 0) {
		fprintf(stderr, "the libsrtp2 engine does not start\n");
		exit(1);
	}
#else
	if (srtp_init() != srtp_err_status_ok) {
		fprintf(stderr, "srtp_init failed\n");
		exit(1);
	}
#endif
}

void
it_host_mac(const struct ms_addr *a, struct rte_ether_addr *mac)
{
	uint64_t w[2], h;

	memcpy(w, a->a, sizeof(w));
	h = it_hash(a->family, it_hash(w[0], w[1]));

	mac->addr_bytes[0] = 0x02; /* locally administered, unicast */
	mac->addr_bytes[1] = 0x42;
	for (int i = 2; i < 6; i++)
		mac->addr_bytes[i] = (uint8_t)(h >> (8 * i));
}

static void
addr4(struct ms_addr *x, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t v[4] = {a, b, c, d};

	ms_addr_set_v4(x, v);
}

static void
addr6(struct ms_addr *x, uint8_t net, uint8_t host)
{
	uint8_t v[16] = {0xfd, 0x00, 0, net};

	v[15] = host;
	ms_addr_set_v6(x, v);
}

const struct ms_addr *
it_host(unsigned port, uint8_t family, unsigned i)
{
	assert_true(port < it.nb_ports && i < IT_HOSTS + 8);
	return family == AF_INET ? &it.ports[port].host4[i] : &it.ports[port].host6[i];
}

void
it_ports_create(const struct it_port_spec *specs, unsigned n, uint16_t nb_txq)
{
	assert_true(n <= IT_MAX_PORTS && nb_txq <= IT_MAX_QUEUES);
	it.nb_ports = n;
	for (unsigned p = 0; p < n; p++) {
		struct it_port *pt = &it.ports[p];
		char rname[RTE_RING_NAMESIZE];
		int ret;

		snprintf(pt->name, sizeof(pt->name), "%s", specs[p].name);
		pt->nb_rxq = specs[p].nb_rxq;
		pt->nb_txq = nb_txq;
		pt->vlan = specs[p].vlan;
		pt->net = specs[p].net;
		assert_true(pt->nb_rxq >= 1 && pt->nb_rxq <= IT_MAX_QUEUES);
		for (unsigned q = 0; q < pt->nb_rxq; q++) {
			snprintf(rname, sizeof(rname), "it_%s_rx%u", pt->name, q);
			pt->rx[q] = rte_ring_create(rname, 8192, SOCKET_ID_ANY, 0);
			assert_non_null(pt->rx[q]);
		}
		for (unsigned q = 0; q < nb_txq; q++) {
			snprintf(rname, sizeof(rname), "it_%s_tx%u", pt->name, q);
			pt->tx[q] = rte_ring_create(rname, 32768, SOCKET_ID_ANY, 0);
			assert_non_null(pt->tx[q]);
		}
		snprintf(rname, sizeof(rname), "it_%s", pt->name);
		ret = rte_eth_from_rings(rname, pt->rx, pt->nb_rxq, pt->tx, nb_txq, (unsigned)rte_socket_id());
		assert_true(ret >= 0);
		pt->port_id = (uint16_t)ret;
		assert_int_equal(rte_eth_dev_get_name_by_port(pt->port_id, pt->dev), 0);
		/* a MAC of our own where the PMD lets us (net_ring does not: all alike) */
		struct rte_ether_addr mac = {{0x02, 0x00, 0x00, 0x00, pt->net, 0x01}};
		(void)rte_eth_dev_default_mac_addr_set(pt->port_id, &mac);
		assert_int_equal(rte_eth_macaddr_get(pt->port_id, &pt->mac), 0);
		addr4(&pt->addr4, 10, pt->net, 0, 1);
		pt->addr4.prefix_len = 24;
		addr6(&pt->addr6, pt->net, 1);
		pt->addr6.prefix_len = 64;
		for (unsigned h = 0; h < IT_HOSTS + 8; h++) {
			addr4(&pt->host4[h], 10, pt->net, 0, (uint8_t)(h + 2));
			addr6(&pt->host6[h], pt->net, (uint8_t)(h + 2));
		}
	}
}

static char cfg_text[65536];

static void __attribute__((format(printf, 1, 2)))
cfg_add(const char *fmt, ...)
{
	size_t used = strlen(cfg_text);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cfg_text + used, sizeof(cfg_text) - used, fmt, ap);
	va_end(ap);
	assert_true(strlen(cfg_text) < sizeof(cfg_text) - 1);
}

static const char *
mac_str(const struct rte_ether_addr *m, char *buf)
{
	rte_ether_format_addr(buf, RTE_ETHER_ADDR_FMT_SIZE, m);
	return buf;
}

const char *
it_config_text(const char *engine, const char *const *workers, unsigned nb_workers,
	       const char *extra)
{
	char a[MS_ADDR_STRLEN], m[RTE_ETHER_ADDR_FMT_SIZE];

	cfg_text[0] = '\0';
	cfg_add("crypto = { engine = \"%s\"; replay_window = 128; };\n", engine);
	cfg_add("mbufs = { count = 16383; cache = 256; };\n");
	cfg_add("limits = { legs = 4096; neighbours = 1024; };\n");
	cfg_add("ports = (\n");
	for (unsigned p = 0; p < it.nb_ports; p++) {
		const struct it_port *pt = &it.ports[p];

		cfg_add("\t{\n\t\tname = \"%s\";\n\t\tdevice = \"%s\";\n", pt->name, pt->dev);
		cfg_add("\t\taddresses = [ \"%s\", ", ms_addr_str(&pt->addr4, a, sizeof(a)));
		cfg_add("\"%s\" ];\n", ms_addr_str(&pt->addr6, a, sizeof(a)));
		if (pt->vlan)
			cfg_add("\t\tvlan = %u;\n", pt->vlan);
		cfg_add("\t\tmedia_ports = \"1024-65000\";\n");
		cfg_add("\t\tneighbours = (\n");
		for (unsigned h = 0; h < IT_HOSTS; h++) {
			struct rte_ether_addr mac;

			for (int fam = 0; fam < 2; fam++) {
				const struct ms_addr *ha = fam ? &pt->host6[h] : &pt->host4[h];

				it_host_mac(ha, &mac);
				cfg_add("\t\t\t{ address = \"%s\"; mac = \"%s\"; }%s\n",
					ms_addr_str(ha, a, sizeof(a)), mac_str(&mac, m),
					h == IT_HOSTS - 1 && fam ? "" : ",");
			}
		}
		cfg_add("\t\t);\n\t}%s\n", p == it.nb_ports - 1 ? "" : ",");
	}
	cfg_add(");\nworkers = (\n");
	for (unsigned w = 0; w < nb_workers; w++)
		cfg_add("\t{ lcore = %u; queues = [ %s ]; }%s\n", w + 1, workers[w],
			w == nb_workers - 1 ? "" : ",");
	cfg_add(");\n");
	if (extra)
		cfg_add("%s", extra);
	it.nb_workers = nb_workers;
	return cfg_text;
}

void
it_dataplane_start(const char *text)
{
	char err[512] = "";
	int ret;

	ret = ms_config_parse(text, &it.cfg, err, sizeof(err));
	if (ret != 0)
		printf("# configuration refused: %s\n--- configuration ---\n%s---\n", err, text);
	assert_int_equal(ret, 0);
	it.cfg_loaded = true;
	ret = ms_dataplane_create(&it.cfg, &it.dp, err, sizeof(err));
	if (ret != 0)
		printf("# ms_dataplane_create: %s\n", err);
	assert_int_equal(ret, 0);
	it.legs = ms_dataplane_legs(it.dp);
	assert_non_null(it.legs);
	ret = ms_dataplane_install_sessions(it.dp, &it.cfg, err, sizeof(err));
	if (ret != 0)
		printf("# ms_dataplane_install_sessions: %s\n", err);
	assert_int_equal(ret, 0);
	for (unsigned p = 0; p < it.nb_ports; p++) {
		assert_int_equal(ms_dataplane_port_id(it.dp, (uint16_t)p), it.ports[p].port_id);
		assert_int_equal(rte_eth_macaddr_get(it.ports[p].port_id, &it.ports[p].mac), 0);
	}
	assert_int_equal(ms_dataplane_start(it.dp), 0);
}

void
it_dataplane_stop(void)
{
	if (it.dp) {
		it_collect();
		ms_dataplane_stop(it.dp);
		ms_dataplane_print_stats(it.dp, stdout);
		ms_dataplane_free(it.dp);
		it.dp = NULL;
	}
	if (it.cfg_loaded)
		ms_config_free(&it.cfg);
	it.cfg_loaded = false;
	/* whatever the dataplane left on the rings */
	for (unsigned p = 0; p < it.nb_ports; p++) {
		void *objs[64];
		unsigned n;

		for (unsigned q = 0; q < it.ports[p].nb_rxq; q++)
			while ((n = rte_ring_dequeue_burst(it.ports[p].rx[q], objs, 64, NULL)) > 0)
				rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n);
		for (unsigned q = 0; q < it.ports[p].nb_txq; q++)
			while ((n = rte_ring_dequeue_burst(it.ports[p].tx[q], objs, 64, NULL)) > 0)
				rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n);
	}
	it_pcap_close();
}

/* ------------------------------------------------------------------------- */
/* The programs' layouts */

static const char *const *layout_workers;
static unsigned layout_nb_workers;

void
it_layout_one_worker(void)
{
	static const struct it_port_spec ports[] = {
		{"a", 1, 0, 1},
		{"b", 1, 0, 2},
		{"c", 1, 100, 3},
	};
	static const char *const workers[] = {"\"a:0\", \"b:0\", \"c:0\""};

	it_ports_create(ports, RTE_DIM(ports), 1);
	layout_workers = workers;
	layout_nb_workers = RTE_DIM(workers);
}

void
it_layout_two_workers(void)
{
	static const struct it_port_spec ports[] = {
		{"a", 2, 0, 1},
		{"b", 2, 0, 2},
	};
	static const char *const workers[] = {"\"a:0\", \"b:0\"", "\"a:1\", \"b:1\""};

	it_ports_create(ports, RTE_DIM(ports), 2);
	layout_workers = workers;
	layout_nb_workers = RTE_DIM(workers);
}

void
it_layout_start(const char *engine, const char *extra)
{
	assert_non_null(layout_workers);
	it_pcap_case("setup");
	it_dataplane_start(it_config_text(engine, layout_workers, layout_nb_workers, extra));
}

int
it_group_teardown(void **state)
{
	(void)state;
	printf("# %llu media packets decoded and compared, %llu frames out\n",
	       (unsigned long long)it.checked, (unsigned long long)it.out_frames);
	it_dataplane_stop();
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Frames */

static uint16_t
eth_hdr(uint8_t *f, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
	uint16_t vlan, uint16_t type)
{
	uint16_t off = 12;

	memcpy(f, dst->addr_bytes, 6);
	memcpy(f + 6, src->addr_bytes, 6);
	if (vlan) {
		put16(f + off, RTE_ETHER_TYPE_VLAN);
		put16(f + off + 2, vlan);
		off += 4;
	}
	put16(f + off, type);
	return (uint16_t)(off + 2);
}

static uint32_t ip_id;

static uint16_t
udp_cksum(const struct ms_addr *src, const struct ms_addr *dst, const uint8_t *udp, uint16_t ulen)
{
	uint32_t sum = 0;
	size_t alen = src->family == AF_INET ? 4 : 16;

	sum = sum16(src->a, alen, sum);
	sum = sum16(dst->a, alen, sum);
	sum += 17;
	sum += ulen;
	sum = sum16(udp, ulen, sum);
	return (uint16_t)~fold(sum);
}

uint16_t
it_frame_udp(uint8_t *f, const struct it_l4 *h, const void *payload, uint16_t len)
{
	uint16_t off = eth_hdr(f, &h->dst_mac, &h->src_mac, h->vlan,
			       h->src->family == AF_INET ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
	uint16_t ulen = (uint16_t)(8 + len);
	uint8_t *ip = f + off, *udp;

	if (h->src->family == AF_INET) {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + ulen));
		put16(ip + 4, (uint16_t)__atomic_fetch_add(&ip_id, 1, __ATOMIC_RELAXED));
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, h->src->a, 4);
		memcpy(ip + 16, h->dst->a, 4);
		put16(ip + 10, (uint16_t)~fold(sum16(ip, 20, 0)));
		udp = ip + 20;
	} else {
		memset(ip, 0, 40);
		ip[0] = 0x60;
		put16(ip + 4, ulen);
		ip[6] = 17;
		ip[7] = 64;
		memcpy(ip + 8, h->src->a, 16);
		memcpy(ip + 24, h->dst->a, 16);
		udp = ip + 40;
	}
	put16(udp, h->sport);
	put16(udp + 2, h->dport);
	put16(udp + 4, ulen);
	put16(udp + 6, 0);
	memcpy(udp + 8, payload, len);
	uint16_t ck = udp_cksum(h->src, h->dst, udp, ulen);
	put16(udp + 6, ck == 0 ? 0xffff : ck);
	uint16_t flen = (uint16_t)(udp + ulen - f);
	/* padded to the Ethernet minimum, as it comes from a NIC */
	while (flen < 60)
		f[flen++] = 0;
	return flen;
}

const char *
it_frame_check(const uint8_t *f, uint16_t flen, struct it_parsed *p)
{
	uint16_t off = 14;
	const uint8_t *ip, *udp;
	uint16_t ulen;

	memset(p, 0, sizeof(*p));
	p->vlan = -1;
	if (flen < 14)
		return "shorter than an Ethernet header";
	memcpy(p->dst_mac.addr_bytes, f, 6);
	memcpy(p->src_mac.addr_bytes, f + 6, 6);
	p->ethertype = get16(f + 12);
	if (p->ethertype == RTE_ETHER_TYPE_VLAN) {
		if (flen < 18)
			return "truncated 802.1Q tag";
		p->vlan = get16(f + 14) & 0xfff;
		p->ethertype = get16(f + 16);
		off = 18;
	}
	ip = f + off;
	if (p->ethertype == RTE_ETHER_TYPE_IPV4) {
		if (flen < off + 20)
			return "truncated IPv4 header";
		if (ip[0] != 0x45)
			return "IPv4 version/IHL is not 0x45";
		uint16_t tot = get16(ip + 2);
		if (tot < 28 || off + tot > flen)
			return "IPv4 total length does not fit the frame";
		if (off + tot != flen && flen > 60)
			return "bytes after the IPv4 datagram";
		if (fold(sum16(ip, 20, 0)) != 0xffff)
			return "bad IPv4 header checksum";
		if ((get16(ip + 6) & 0x3fff) != 0)
			return "IPv4 fragment";
		if (ip[8] != 64)
			return "IPv4 TTL is not 64";
		if (ip[9] != 17)
			return "not udp";
		ms_addr_set_v4(&p->src, ip + 12);
		ms_addr_set_v4(&p->dst, ip + 16);
		udp = ip + 20;
		ulen = (uint16_t)(tot - 20);
	} else if (p->ethertype == RTE_ETHER_TYPE_IPV6) {
		if (flen < off + 40)
			return "truncated IPv6 header";
		if ((ip[0] >> 4) != 6)
			return "IPv6 version is not 6";
		uint16_t plen = get16(ip + 4);
		if (off + 40 + plen > flen)
			return "IPv6 payload length does not fit the frame";
		if (off + 40 + plen != flen && flen > 60)
			return "bytes after the IPv6 packet";
		if (ip[6] != 17)
			return "not udp";
		if (ip[7] != 64)
			return "IPv6 hop limit is not 64";
		ms_addr_set_v6(&p->src, ip + 8);
		ms_addr_set_v6(&p->dst, ip + 24);
		udp = ip + 40;
		ulen = plen;
	} else {
		return "not udp";
	}
	if (ulen < 8 || get16(udp + 4) != ulen)
		return "UDP length disagrees with the IP length";
	if (get16(udp + 6) == 0)
		return "UDP checksum missing (0)";
	if (fold(sum16(p->src.a, p->src.family == AF_INET ? 4 : 16,
		       sum16(p->dst.a, p->dst.family == AF_INET ? 4 : 16,
			     sum16(udp, ulen, 17u + ulen)))) != 0xffff)
		return "bad UDP checksum";
	p->sport = get16(udp);
	p->dport = get16(udp + 2);
	p->payload = udp + 8;
	p->len = (uint16_t)(ulen - 8);
	return NULL;
}

uint16_t
it_frame_arp(uint8_t *f, unsigned port, uint16_t op, const struct rte_ether_addr *sha,
	     const struct ms_addr *spa, const struct rte_ether_addr *tha, const struct ms_addr *tpa)
{
	const struct it_port *pt = &it.ports[port];
	struct rte_ether_addr bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	uint16_t off = eth_hdr(f, op == 1 ? &bcast : tha, sha, pt->vlan, RTE_ETHER_TYPE_ARP);
	uint8_t *a = f + off;

	put16(a, 1);
	put16(a + 2, RTE_ETHER_TYPE_IPV4);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, sha->addr_bytes, 6);
	memcpy(a + 14, spa->a, 4);
	if (op == 1)
		memset(a + 18, 0, 6);
	else
		memcpy(a + 18, tha->addr_bytes, 6);
	memcpy(a + 24, tpa->a, 4);
	off = (uint16_t)(off + 28);
	/* pad to the Ethernet minimum, as a NIC would */
	while (off < 60)
		f[off++] = 0;
	return off;
}

void
it_inject(unsigned port, unsigned queue, const void *frame, uint16_t len)
{
	struct it_port *pt = &it.ports[port];
	struct rte_mbuf *m;
	uint64_t t0 = 0;

	assert_true(port < it.nb_ports && queue < pt->nb_rxq);
	while ((m = rte_pktmbuf_alloc(it.pool)) == NULL) {
		if (t0 == 0)
			t0 = it_now_ms();
		if (it_now_ms() - t0 > 20000) {
			it_fail("injection: the mbuf pool stays empty");
			return;
		}
		usleep(100);
	}
	char *d = rte_pktmbuf_append(m, len);
	assert_non_null(d);
	memcpy(d, frame, len);
	/* what a NIC's rx sets (net_ring passes the mbufs on untouched) */
	m->port = pt->port_id;
	pcap_write(&it.pcap_in, frame, len);
	t0 = 0;
	while (rte_ring_enqueue(pt->rx[queue], m) != 0) {
		if (t0 == 0)
			t0 = it_now_ms();
		if (it_now_ms() - t0 > 20000) {
			it_fail("injection: rx ring %s:%u stays full", pt->name, queue);
			rte_pktmbuf_free(m);
			return;
		}
		usleep(50);
	}
	__atomic_fetch_add(&it.injected, 1, __ATOMIC_RELEASE);
}

/* ------------------------------------------------------------------------- */
/* libsrtp2 */

static void
set_policy(srtp_crypto_policy_t *rtp, srtp_crypto_policy_t *rtcp, enum ms_srtp_suite suite)
{
	switch (suite) {
	case MS_SUITE_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtcp);
		break;
	case MS_SUITE_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtcp);
		break;
	case MS_SUITE_AES_256_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtcp);
		break;
	case MS_SUITE_AES_256_CM_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtcp);
		break;
	case MS_SUITE_NULL_HMAC_SHA1_80:
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(rtp);
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(rtcp);
		break;
	case MS_SUITE_NULL_HMAC_SHA1_32:
		/* RFC 4568: the 32-bit tag is SRTP's; SRTCP keeps 80 bits */
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(rtp);
		rtp->auth_tag_len = 4;
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(rtcp);
		break;
	case MS_SUITE_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(rtcp);
		break;
	case MS_SUITE_AEAD_AES_256_GCM:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(rtcp);
		break;
	default:
		fail_msg("suite %d", suite);
	}
}

srtp_t
it_srtp_new(const struct ms_srtp_ctx_cfg *c, bool outbound, uint32_t ssrc, uint32_t roc,
	    unsigned window)
{
	const struct ms_srtp_suite_info *si = ms_srtp_suite_info(c->suite);
	uint8_t key[MS_SRTP_MAX_KEYS][MS_SRTP_MAX_KEY_LEN + MS_SRTP_MAX_SALT_LEN];
	uint8_t mki[MS_SRTP_MAX_KEYS][MS_SRTP_MAX_MKI_LEN];
	srtp_master_key_t mk[MS_SRTP_MAX_KEYS], *mkp[MS_SRTP_MAX_KEYS];
	srtp_policy_t p;
	srtp_t s = NULL;

	assert_non_null(si);
	assert_true(c->nb_keys >= 1 && c->nb_keys <= MS_SRTP_MAX_KEYS);
	memset(&p, 0, sizeof(p));
	set_policy(&p.rtp, &p.rtcp, c->suite);
	for (unsigned k = 0; k < c->nb_keys; k++) {
		memcpy(key[k], c->keys[k].key, si->master_key_len);
		memcpy(key[k] + si->master_key_len, c->keys[k].salt, si->master_salt_len);
		memcpy(mki[k], c->keys[k].mki, sizeof(mki[k]));
		mk[k].key = key[k];
		mk[k].mki_id = mki[k];
		mk[k].mki_size = c->mki_len;
		mkp[k] = &mk[k];
	}
	if (c->mki_len > 0) {
		p.keys = mkp;
		p.num_master_keys = c->nb_keys;
	} else {
		assert_int_equal(c->nb_keys, 1);
		p.key = key[0];
	}
	p.ssrc.type = ssrc_specific;
	p.ssrc.value = ssrc;
	p.window_size = window ? window : 128;
	p.allow_repeat_tx = 0;
	(void)outbound; /* libsrtp2 streams protect and unprotect alike */
	assert_int_equal(srtp_create(&s, &p), srtp_err_status_ok);
	if (roc != 0)
		assert_int_equal(srtp_set_stream_roc(s, ssrc, roc), srtp_err_status_ok);
	memset(key, 0, sizeof(key));
	return s;
}

void
it_srtp_update(srtp_t s, const struct ms_srtp_ctx_cfg *c, uint32_t ssrc)
{
	const struct ms_srtp_suite_info *si = ms_srtp_suite_info(c->suite);
	uint8_t key[MS_SRTP_MAX_KEY_LEN + MS_SRTP_MAX_SALT_LEN];
	srtp_policy_t p;

	memset(&p, 0, sizeof(p));
	set_policy(&p.rtp, &p.rtcp, c->suite);
	memcpy(key, c->keys[0].key, si->master_key_len);
	memcpy(key + si->master_key_len, c->keys[0].salt, si->master_salt_len);
	p.key = key;
	p.ssrc.type = ssrc_specific;
	p.ssrc.value = ssrc;
	p.window_size = 128;
	assert_int_equal(srtp_update(s, &p), srtp_err_status_ok);
	memset(key, 0, sizeof(key));
}

void
it_srtp_free(srtp_t s)
{
	if (s != NULL)
		srtp_dealloc(s);
}

uint32_t
it_srtp_roc(srtp_t s, uint32_t ssrc)
{
	uint32_t roc = 0;

	assert_int_equal(srtp_get_stream_roc(s, ssrc, &roc), srtp_err_status_ok);
	return roc;
}

void
it_keys(struct ms_srtp_ctx_cfg *c, enum ms_srtp_suite suite)
{
	memset(c, 0, sizeof(*c));
	c->suite = suite;
	c->nb_keys = 1;
	it_rand_bytes(c->keys[0].key, sizeof(c->keys[0].key));
	it_rand_bytes(c->keys[0].salt, sizeof(c->keys[0].salt));
}

void
it_sdes(const struct ms_srtp_ctx_cfg *c, char *out, size_t outlen)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const struct ms_srtp_suite_info *si = ms_srtp_suite_info(c->suite);
	uint8_t in[MS_SRTP_MAX_KEY_LEN + MS_SRTP_MAX_SALT_LEN];
	size_t n = (size_t)si->master_key_len + si->master_salt_len, o = 7;

	assert_true(outlen >= 8 + (n + 2) / 3 * 4);
	memcpy(in, c->keys[0].key, si->master_key_len);
	memcpy(in + si->master_key_len, c->keys[0].salt, si->master_salt_len);
	memcpy(out, "inline:", 7);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);

		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	memset(in, 0, sizeof(in));
}

/* ------------------------------------------------------------------------- */
/* Legs, sessions, flows */

static struct it_session *registry[IT_MAX_SESSIONS];
static unsigned nb_registry;
static uint32_t next_flow_id = 1;

void
it_leg_init(struct it_leg *l, unsigned port, uint8_t family, enum ms_leg_mode mode,
	    enum ms_srtp_suite suite, unsigned host, uint16_t lport, uint16_t pport, bool rtcp_mux)
{
	const struct it_port *pt = &it.ports[port];

	memset(l, 0, sizeof(*l));
	l->port = (uint16_t)port;
	l->family = family;
	l->mode = mode == MS_LEG_RTP ? MS_LEG_RTP : ms_leg_mode_of_suite(suite);
	l->rtcp_mux = rtcp_mux;
	l->local = family == AF_INET ? pt->addr4 : pt->addr6;
	l->local.prefix_len = 0;
	l->lport = lport;
	l->lrtcp = rtcp_mux ? lport : (uint16_t)(lport + 1);
	l->peer = *it_host(port, family, host);
	l->pport = pport;
	l->prtcp = rtcp_mux ? pport : (uint16_t)(pport + 1);
	it_host_mac(&l->peer, &l->peer_mac);
	if (l->mode != MS_LEG_RTP) {
		it_keys(&l->recv, suite);
		it_keys(&l->send, suite);
	}
	do
		l->ssrc = it_rand();
	while (l->ssrc == 0);
}

void
it_leg_cfg(const struct it_leg *l, struct ms_leg_cfg *c, const char *session)
{
	memset(c, 0, sizeof(*c));
	c->port = l->port;
	c->mode = (uint8_t)l->mode;
	c->rtcp_mux = l->rtcp_mux;
	c->peer_learn = l->learn;
	c->strict_source = l->strict;
	c->replay_window = l->window;
	c->local = l->local;
	c->local_port = l->lport;
	c->local_rtcp_port = l->lrtcp;
	if (!l->learn) {
		c->peer = l->peer;
		c->peer_port = l->pport;
		c->peer_rtcp_port = l->prtcp;
	}
	if (l->mode != MS_LEG_RTP) {
		c->recv.ctx = l->recv;
		c->recv.initial_roc = l->recv_roc;
		c->send.ctx = l->send;
		c->send.initial_roc = l->send_roc;
	}
	snprintf(c->session, sizeof(c->session), "%s", session);
}

static void
flow_init(struct it_flow *f, struct it_session *s, int d, uint32_t ssrc, uint32_t capacity)
{
	memset(f, 0, sizeof(*f));
	f->id = next_flow_id++;
	f->sess = s;
	f->from = &s->leg[d];
	f->to = &s->leg[1 - d];
	f->ssrc = ssrc;
	f->tx = f->from->mode != MS_LEG_RTP
			? it_srtp_new(&f->from->recv, true, ssrc, f->from->recv_roc, 0)
			: NULL;
	f->tx_mki = f->tx != NULL && f->from->recv.mki_len > 0;
	f->dec[0].s = f->to->mode != MS_LEG_RTP
			      ? it_srtp_new(&f->to->send, false, ssrc, f->to->send_roc, 1024)
			      : NULL;
	f->dec[0].from = 0;
	f->nb_dec = 1;
	f->seq0 = (uint16_t)it_rand();
	f->ts0 = it_rand();
	f->seen_cap = capacity;
	f->seen = calloc(capacity, 1);
	assert_non_null(f->seen);
}

void
it_session_prepare(struct it_session *s, const char *name, uint32_t capacity)
{
	if (name != s->name)
		snprintf(s->name, sizeof(s->name), "%s", name);
	for (int d = 0; d < 2; d++)
		flow_init(&s->flow[d], s, d, s->leg[d].ssrc, capacity);
}

void
it_flow_extra(struct it_flow *x, struct it_session *s, int d, uint32_t ssrc, uint32_t capacity)
{
	struct it_flow **pp = &s->flow[d].alt;

	flow_init(x, s, d, ssrc, capacity);
	while (*pp != NULL)
		pp = &(*pp)->alt;
	*pp = x;
}

static void
flow_free(struct it_flow *f)
{
	it_srtp_free(f->tx);
	f->tx = NULL;
	for (unsigned e = 0; e < f->nb_dec; e++)
		it_srtp_free(f->dec[e].s);
	f->nb_dec = 0;
	free(f->seen);
	f->seen = NULL;
}

void
it_flow_extra_free(struct it_flow *x)
{
	flow_free(x);
}

static void
registry_add(struct it_session *s)
{
	for (unsigned i = 0; i < nb_registry; i++)
		if (registry[i] == s)
			return;
	assert_true(nb_registry < IT_MAX_SESSIONS);
	registry[nb_registry++] = s;
}

void
it_session_install(struct it_session *s)
{
	struct ms_leg_cfg c[2];
	uint32_t ids[2];
	char err[256] = "";
	int ret;

	it_leg_cfg(&s->leg[0], &c[0], s->name);
	it_leg_cfg(&s->leg[1], &c[1], s->name);
	ret = ms_session_add(it.legs, c, ids, err, sizeof(err));
	memset(c, 0, sizeof(c));
	if (ret != 0)
		printf("# ms_session_add %s: %d %s\n", s->name, ret, err);
	assert_int_equal(ret, 0);
	s->leg[0].id = ids[0];
	s->leg[1].id = ids[1];
	s->installed = true;
	registry_add(s);
}

void
it_session_register(struct it_session *s)
{
	for (int i = 0; i < 2; i++) {
		bool found = false;

		for (uint32_t id = ms_legtab_next(it.legs, UINT32_MAX); id != UINT32_MAX;
		     id = ms_legtab_next(it.legs, id)) {
			const struct ms_leg *leg = ms_legtab_get(it.legs, id);

			if (leg != NULL && strcmp(leg->session, s->name) == 0 &&
			    leg->local_port == s->leg[i].lport && leg->port == s->leg[i].port) {
				s->leg[i].id = id;
				found = true;
				break;
			}
		}
		if (!found)
			fail_msg("leg %d of configured session %s not installed", i, s->name);
	}
	s->installed = true;
	registry_add(s);
}

void
it_session_remove(struct it_session *s)
{
	uint32_t count = ms_legtab_count(it.legs);

	assert_true(s->installed);
	assert_int_equal(ms_session_del(it.legs, s->leg[0].id), 0);
	/* both legs went, at once */
	assert_int_equal(ms_legtab_count(it.legs), count - 2);
	assert_null(ms_legtab_get(it.legs, s->leg[0].id));
	assert_null(ms_legtab_get(it.legs, s->leg[1].id));
	/* what control's next turn does: free them once the workers let go */
	ms_legtab_reclaim(it.legs, true);
	assert_int_equal(ms_legtab_pending(it.legs), 0);
	s->installed = false;
}

void
it_session_unregister(struct it_session *s)
{
	for (unsigned i = 0; i < nb_registry; i++)
		if (registry[i] == s) {
			registry[i] = registry[--nb_registry];
			return;
		}
}

void
it_session_free(struct it_session *s)
{
	it_session_unregister(s);
	for (int d = 0; d < 2; d++)
		flow_free(&s->flow[d]);
	memset(&s->leg[0].recv, 0, sizeof(s->leg[0].recv) * 2);
	memset(&s->leg[1].recv, 0, sizeof(s->leg[1].recv) * 2);
}

static bool
flow_is_rtcp(const struct it_flow *f, uint32_t c)
{
	return f->rtcp_every && c % f->rtcp_every == f->rtcp_every - 1u;
}

uint16_t
it_flow_plain(const struct it_flow *f, uint32_t c, uint8_t *buf, bool *rtcp)
{
	uint64_t h = it_hash(f->id, c);
	uint16_t len, off;

	*rtcp = flow_is_rtcp(f, c);
	if (*rtcp) {
		uint16_t words = (uint16_t)(6 + h % 10);

		buf[0] = 0x80;
		buf[1] = 200;
		put16(buf + 2, words);
		put32(buf + 4, f->ssrc);
		off = 8;
		len = (uint16_t)(8 + 4 * words);
	} else {
		static const uint8_t pts[] = {0, 8, 96, 111, 9, 18};
		uint32_t idx = c - (f->rtcp_every ? c / f->rtcp_every : 0);

		buf[0] = 0x80;
		buf[1] = (uint8_t)(pts[h % RTE_DIM(pts)] | (idx % 50 == 0 ? 0x80 : 0));
		put16(buf + 2, (uint16_t)(f->seq0 + idx));
		put32(buf + 4, f->ts0 + 160 * idx);
		put32(buf + 8, f->ssrc);
		off = 12;
		len = (uint16_t)(12 + (f->rtp_len ? f->rtp_len : 20 + (h >> 16) % 281));
	}
	put32(buf + off, f->id);
	put32(buf + off + 4, c);
	for (uint16_t i = (uint16_t)(off + 8); i < len; i++)
		buf[i] = (uint8_t)(it_hash(h, i) >> 13);
	return len;
}

uint16_t
it_flow_wire(struct it_flow *f, uint32_t c, uint8_t *buf, bool *rtcp)
{
	int len = it_flow_plain(f, c, buf, rtcp);

	if (f->tx != NULL) {
		uint32_t k = __atomic_load_n(&f->mki_index, __ATOMIC_ACQUIRE);
		srtp_err_status_t st =
			*rtcp ? srtp_protect_rtcp_mki(f->tx, buf, &len, f->tx_mki, k)
			      : srtp_protect_mki(f->tx, buf, &len, f->tx_mki, k);
		if (st != srtp_err_status_ok)
			it_fail("libsrtp2 protect failed (%d), flow %u packet %u", st, f->id, c);
	}
	return (uint16_t)len;
}

uint16_t
it_flow_frame(const struct it_flow *f, uint8_t *frame, const void *payload, uint16_t len,
	      bool rtcp, const struct ms_addr *src, uint16_t sport)
{
	const struct it_leg *l = f->from;
	const struct it_port *pt = &it.ports[l->port];
	struct it_l4 h = {
		.dst_mac = pt->mac,
		.vlan = pt->vlan,
		.src = src ? src : &l->peer,
		.dst = &l->local,
		.sport = sport ? sport : rtcp ? l->prtcp : l->pport,
		.dport = rtcp ? l->lrtcp : l->lport,
	};

	it_host_mac(h.src, &h.src_mac);
	return it_frame_udp(frame, &h, payload, len);
}

uint32_t
it_flow_send(struct it_flow *f, unsigned queue)
{
	uint32_t c = __atomic_fetch_add(&f->next, 1, __ATOMIC_SEQ_CST);
	uint32_t pkt[IT_MAX_FRAME / 4];
	uint8_t frame[IT_MAX_FRAME];
	bool rtcp;
	uint16_t len = it_flow_wire(f, c, (uint8_t *)pkt, &rtcp);
	uint16_t flen = it_flow_frame(f, frame, pkt, len, rtcp, NULL, 0);

	it_inject(f->from->port, queue, frame, flen);
	return c;
}

void
it_flow_add_dec(struct it_flow *f, srtp_t s, uint32_t from)
{
	assert_true(f->nb_dec < IT_MAX_EPOCHS);
	f->dec[f->nb_dec].s = s;
	f->dec[f->nb_dec].from = from;
	f->dec[f->nb_dec].exact = false;
	f->nb_dec++;
}

static uint16_t local_port_next = 10000, peer_port_next = 5004;

uint16_t
it_next_local_port(void)
{
	uint16_t p = local_port_next;

	local_port_next = (uint16_t)(local_port_next + 2);
	assert_true(local_port_next < 65000);
	return p;
}

uint16_t
it_next_peer_port(void)
{
	uint16_t p = peer_port_next;

	peer_port_next = (uint16_t)(peer_port_next + 2);
	return p;
}

static unsigned
flow_queue(const struct it_flow *f, uint32_t c)
{
	unsigned nb = (unsigned)__builtin_popcount(f->queue_mask), k;

	if (nb <= 1)
		return f->queue_mask ? (unsigned)__builtin_ctz(f->queue_mask) : 0;
	k = (c + f->id) % nb; /* flows start on different queues: owners on both workers */
	for (unsigned q = 0; q < 16; q++)
		if (f->queue_mask & (1u << q)) {
			if (k == 0)
				return q;
			k--;
		}
	return 0;
}

unsigned
it_flow_queue(const struct it_flow *f, uint32_t c)
{
	return flow_queue(f, c);
}

void
it_send_rr(struct it_flow *const *flows, unsigned n, unsigned per_flow)
{
	unsigned sent = 0;
	uint64_t base = it.injected - it.out_udp;

	for (unsigned r = 0; r < per_flow; r++)
		for (unsigned i = 0; i < n; i++) {
			struct it_flow *f = flows[i];

			assert_true(f->next < f->seen_cap);
			it_flow_send(f, flow_queue(f, f->next));
			if (++sent % 64 == 0)
				it_collect();
			/* at most it.pace packets in flight (every one is expected out) */
			if (it.pace && it.injected - it.out_udp - base > it.pace) {
				uint64_t t0 = it_now_ms();

				while (it.injected - it.out_udp - base > it.pace) {
					if (it_collect() == 0)
						usleep(20);
					if (it_now_ms() - t0 > 10000) {
						it_fail("pacing: %llu packets in flight for 10 s",
							(unsigned long long)(it.injected - it.out_udp - base));
						base = it.injected - it.out_udp;
					}
				}
			}
		}
}

void
it_expect_all(struct it_flow *const *flows, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct it_flow *f = flows[i];

		if (f->delivered != f->next || f->dup || f->bad)
			it_fail("flow %u (%s, leg %u -> leg %u): %u of %u packets delivered, %u twice, "
				"%u bad",
				f->id, f->sess->name, f->from->id, f->to->id, f->delivered, f->next,
				f->dup, f->bad);
		for (uint32_t c = 0; c < f->next && f->delivered != f->next; c++)
			if (f->seen[c] == 0) {
				it_fail("flow %u: first missing packet %u", f->id, c);
				break;
			}
	}
}

/* ------------------------------------------------------------------------- */
/* Output */

static bool
leg_local_match(const struct it_leg *l, unsigned port, const struct it_parsed *p)
{
	return l->port == port && ms_addr_equal(&l->local, &p->src) &&
	       (p->sport == l->lport || p->sport == l->lrtcp);
}

static struct it_flow *
find_flow(unsigned port, const struct it_parsed *p)
{
	for (unsigned i = 0; i < nb_registry; i++) {
		struct it_session *s = registry[i];

		for (int j = 0; j < 2; j++)
			if (leg_local_match(&s->leg[j], port, p))
				return &s->flow[1 - j];
	}
	return NULL;
}

/* Plain match: the bytes are exactly the plaintext of the counter they name. */
static bool
plain_match(const struct it_flow *f, const uint8_t *b, uint16_t len, bool rtcp, uint32_t *c)
{
	uint32_t exp[IT_MAX_FRAME / 4];
	uint16_t off = rtcp ? 8 : 12;
	bool r;

	if (len < off + 8 || get32(b + off) != f->id)
		return false;
	*c = get32(b + off + 4);
	if (*c >= f->seen_cap)
		return false;
	if (it_flow_plain(f, *c, (uint8_t *)exp, &r) != len || r != rtcp)
		return false;
	return memcmp(exp, b, len) == 0;
}

static void
check_media(struct it_flow *f, const struct it_parsed *p)
{
	uint32_t buf[IT_MAX_FRAME / 4];
	bool rtcp = ms_pkt_is_rtcp(p->payload, p->len);
	const struct it_leg *to = f->to;
	int found = -1, replay = 0;
	uint32_t c = 0;

	/* addresses: the paired leg's local end to its peer */
	uint16_t want_sport = rtcp ? to->lrtcp : to->lport;
	uint16_t want_dport = rtcp ? to->prtcp : to->pport;
	if (p->sport != want_sport || p->dport != want_dport || !ms_addr_equal(&p->dst, &to->peer)) {
		char a[MS_ADDR_STRLEN], b[MS_ADDR_STRLEN];

		it_fail("flow %u (%s): %s sent %u -> %s:%u, expected %u -> %s:%u", f->id,
			f->sess->name, rtcp ? "RTCP" : "RTP", p->sport,
			ms_addr_str(&p->dst, a, sizeof(a)), p->dport, want_sport,
			ms_addr_str(&to->peer, b, sizeof(b)), want_dport);
	}
	if (!rte_is_same_ether_addr(&p->dst_mac, &to->peer_mac))
		it_fail("flow %u: destination MAC is not the peer's", f->id);

	for (int e = (int)f->nb_dec - 1; e >= 0 && found < 0; e--) {
		int len = p->len;

		memcpy(buf, p->payload, p->len);
		if (f->dec[e].s == NULL) {
			if (plain_match(f, (uint8_t *)buf, (uint16_t)len, rtcp, &c))
				found = e;
			continue;
		}
		srtp_err_status_t st =
			rtcp ? srtp_unprotect_rtcp_mki(f->dec[e].s, buf, &len, f->dec[e].mki)
			     : srtp_unprotect_mki(f->dec[e].s, buf, &len, f->dec[e].mki);
		if (st == srtp_err_status_ok) {
			if (plain_match(f, (uint8_t *)buf, (uint16_t)len, rtcp, &c))
				found = e;
			else
				it_fail("flow %u (%s): %s decrypts with libsrtp2 (decoder %d) but "
					"is not a packet of the flow (len %d)",
					f->id, f->sess->name, rtcp ? "SRTCP" : "SRTP", e, len);
			if (found < 0)
				return;
		} else if (st == srtp_err_status_replay_fail || st == srtp_err_status_replay_old) {
			replay = 1;
		}
	}
	if (found < 0) {
		it_fail("flow %u (%s): %u-byte %s output decodes with none of its %u decoder(s)%s",
			f->id, f->sess->name, p->len, rtcp ? "RTCP" : "RTP", f->nb_dec,
			replay ? " (libsrtp2: replay: sent twice?)" : "");
		f->bad++;
		return;
	}
	/*
	 * Not checked: that decoders only move forward in output order. Outputs of
	 * two workers' tx rings are collected one ring after the other, so their
	 * order is lost here; the check below is the one that holds.
	 */
	if ((unsigned)found > f->cur_dec)
		f->cur_dec = (unsigned)found;
	if (f->dec[found].exact && c < f->dec[found].from)
		it_fail("flow %u (%s): packet %u used decoder %d, which applies from packet %u on",
			f->id, f->sess->name, c, found, f->dec[found].from);
	if ((unsigned)found + 1 < f->nb_dec && c >= f->dec[found + 1].from)
		it_fail("flow %u (%s): packet %u, injected after the change at %u, used decoder %d",
			f->id, f->sess->name, c, f->dec[found + 1].from, found);
	if (f->seen[c]++ != 0) {
		it_fail("flow %u (%s): packet %u delivered %u times", f->id, f->sess->name, c,
			f->seen[c]);
		f->dup++;
		return;
	}
	__atomic_store_n(&f->delivered, f->delivered + 1, __ATOMIC_RELEASE);
	if (rtcp)
		f->delivered_rtcp++;
	it.checked++;
}

static void
handle_arp(unsigned port, const uint8_t *f, uint16_t len, const struct it_parsed *p)
{
	struct it_port *pt = &it.ports[port];
	uint16_t off = p->vlan >= 0 ? 18 : 14;
	const uint8_t *a = f + off;
	struct ms_addr spa, tpa;

	it.out_arp++;
	if (len < off + 28 || get16(a) != 1 || get16(a + 2) != RTE_ETHER_TYPE_IPV4 || a[4] != 6 ||
	    a[5] != 4) {
		it_fail("port %s: malformed ARP frame from the dataplane", pt->name);
		return;
	}
	ms_addr_set_v4(&spa, a + 14);
	ms_addr_set_v4(&tpa, a + 24);
	if (!ms_addr_equal(&spa, &pt->addr4))
		it_fail("port %s: ARP from another sender address than the port's", pt->name);
	if (memcmp(a + 8, pt->mac.addr_bytes, 6) != 0 ||
	    !rte_is_same_ether_addr(&p->src_mac, &pt->mac))
		it_fail("port %s: ARP with another MAC than the port's", pt->name);
	if (get16(a + 6) == 2) {
		struct rte_ether_addr hmac;

		/* to the host that asked, at its MAC */
		it.arp_replies++;
		it_host_mac(&tpa, &hmac);
		if (memcmp(a + 18, hmac.addr_bytes, 6) != 0 ||
		    !rte_is_same_ether_addr(&p->dst_mac, &hmac))
			it_fail("port %s: ARP reply not to the requester's MAC", pt->name);
		return;
	}
	if (get16(a + 6) != 1) {
		it_fail("port %s: ARP op %u", pt->name, get16(a + 6));
		return;
	}
	it.arp_requests++;
	if (!it.arp_auto)
		return;
	for (unsigned h = 0; h < IT_HOSTS + 8; h++)
		if (ms_addr_equal(&tpa, &pt->host4[h])) {
			struct rte_ether_addr mac;
			uint8_t reply[64];
			uint16_t rl;

			it_host_mac(&tpa, &mac);
			rl = it_frame_arp(reply, port, 2, &mac, &tpa, &pt->mac, &pt->addr4);
			it_inject(port, 0, reply, rl);
		}
}

uint16_t
it_frame_nd(uint8_t *f, unsigned port, uint8_t type, const struct rte_ether_addr *src_mac,
	    const struct rte_ether_addr *dst_mac, const struct ms_addr *src,
	    const struct ms_addr *dst, const struct ms_addr *target, uint8_t flags)
{
	const struct it_port *pt = &it.ports[port];
	uint16_t off = eth_hdr(f, dst_mac, src_mac, pt->vlan, RTE_ETHER_TYPE_IPV6);
	uint8_t *ip = f + off, *icmp = ip + 40;
	uint16_t plen = 24 + 8;
	uint32_t sum;

	memset(ip, 0, 40 + plen);
	ip[0] = 0x60;
	put16(ip + 4, plen);
	ip[6] = 58;
	ip[7] = 255;
	memcpy(ip + 8, src->a, 16);
	memcpy(ip + 24, dst->a, 16);
	icmp[0] = type;
	icmp[4] = flags;
	memcpy(icmp + 8, target->a, 16);
	icmp[24] = type == 135 ? 1 : 2; /* source / target link-layer address */
	icmp[25] = 1;
	memcpy(icmp + 26, src_mac->addr_bytes, 6);
	sum = sum16(src->a, 16, sum16(dst->a, 16, 58u + plen));
	put16(icmp + 2, (uint16_t)~fold(sum16(icmp, plen, sum)));
	return (uint16_t)(off + 40 + plen);
}

/* ICMPv6 from the dataplane: neighbour solicitations and advertisements. */
static void
handle_nd(unsigned port, const uint8_t *f, uint16_t len, const struct it_parsed *p)
{
	struct it_port *pt = &it.ports[port];
	uint16_t off = p->vlan >= 0 ? 18 : 14;
	const uint8_t *ip = f + off, *icmp = ip + 40;
	struct ms_addr src, dst, target;
	uint16_t plen;

	if (len < off + 40 + 24 || (plen = get16(ip + 4)) < 24 || off + 40 + plen > len) {
		it_fail("port %s: truncated ICMPv6 from the dataplane", pt->name);
		return;
	}
	ms_addr_set_v6(&src, ip + 8);
	ms_addr_set_v6(&dst, ip + 24);
	ms_addr_set_v6(&target, icmp + 8);
	if (ip[7] != 255)
		it_fail("port %s: ND with hop limit %u", pt->name, ip[7]);
	if (fold(sum16(src.a, 16, sum16(dst.a, 16, sum16(icmp, plen, 58u + plen)))) != 0xffff)
		it_fail("port %s: bad ICMPv6 checksum", pt->name);
	if (!ms_addr_equal(&src, &pt->addr6) || !rte_is_same_ether_addr(&p->src_mac, &pt->mac))
		it_fail("port %s: ND from another address or MAC than the port's", pt->name);
	if (icmp[0] == 136) {
		struct rte_ether_addr hmac;

		it.nd_adverts++;
		it_host_mac(&dst, &hmac);
		if (!ms_addr_equal(&target, &pt->addr6))
			it_fail("port %s: advertisement for another target", pt->name);
		if (!rte_is_same_ether_addr(&p->dst_mac, &hmac))
			it_fail("port %s: advertisement not to the soliciting host's MAC", pt->name);
		if (plen < 32 || icmp[24] != 2 || icmp[25] != 1 ||
		    memcmp(icmp + 26, pt->mac.addr_bytes, 6) != 0)
			it_fail("port %s: advertisement without the port's MAC", pt->name);
		if ((icmp[4] & 0x40) == 0)
			it_fail("port %s: advertisement without the Solicited flag", pt->name);
		return;
	}
	if (icmp[0] != 135) {
		it.out_other++;
		return;
	}
	it.nd_solicits++;
	/* to the solicited-node multicast address of the target */
	if (dst.a[0] != 0xff || dst.a[1] != 0x02 || dst.a[11] != 0x01 || dst.a[12] != 0xff ||
	    memcmp(dst.a + 13, target.a + 13, 3) != 0 || p->dst_mac.addr_bytes[0] != 0x33 ||
	    p->dst_mac.addr_bytes[1] != 0x33)
		it_fail("port %s: solicitation not to the solicited-node address", pt->name);
	if (!it.arp_auto)
		return;
	for (unsigned h = 0; h < IT_HOSTS + 8; h++)
		if (ms_addr_equal(&target, &pt->host6[h])) {
			struct rte_ether_addr mac;
			uint8_t na[128];

			it_host_mac(&target, &mac);
			it_inject(port, 0, na,
				  it_frame_nd(na, port, 136, &mac, &pt->mac, &target, &pt->addr6,
					      &target, 0x60));
		}
}

static void
check_frame(unsigned port, const uint8_t *f, uint16_t len)
{
	const struct it_port *pt = &it.ports[port];
	struct it_parsed p;
	const char *why = it_frame_check(f, len, &p);

	it.out_frames++;
	if (p.ethertype != 0) {
		bool vlan_ok = pt->vlan ? p.vlan == pt->vlan : p.vlan < 0;

		if (!vlan_ok)
			it_fail("port %s: frame with VLAN %d, the port's is %u", pt->name, p.vlan,
				pt->vlan);
	}
	if (p.ethertype == RTE_ETHER_TYPE_ARP) {
		handle_arp(port, f, len, &p);
		return;
	}
	if (why != NULL && strcmp(why, "not udp") == 0) {
		if (p.ethertype == RTE_ETHER_TYPE_IPV6 && len >= (p.vlan >= 0 ? 18 : 14) + 40 &&
		    f[(p.vlan >= 0 ? 18 : 14) + 6] == 58)
			handle_nd(port, f, len, &p);
		else
			it.out_other++;
		return;
	}
	if (why != NULL) {
		it_fail("port %s: bad %u-byte frame: %s", pt->name, len, why);
		return;
	}
	__atomic_store_n(&it.out_udp, it.out_udp + 1, __ATOMIC_RELAXED);
	if (!rte_is_same_ether_addr(&p.src_mac, &pt->mac))
		it_fail("port %s: source MAC is not the port's", pt->name);
	struct it_flow *fl = find_flow(port, &p);
	if (fl != NULL && fl->alt != NULL && p.len >= 12) {
		/* the flow of this SSRC (clear in SRTP and SRTCP headers) */
		uint32_t ssrc = get32(p.payload + (ms_pkt_is_rtcp(p.payload, p.len) ? 4 : 8));

		for (struct it_flow *x = fl; x != NULL; x = x->alt)
			if (x->ssrc == ssrc) {
				fl = x;
				break;
			}
	}
	if (fl == NULL) {
		char a[MS_ADDR_STRLEN];

		it_fail("port %s: UDP from %s:%u that no registered leg sends from", pt->name,
			ms_addr_str(&p.src, a, sizeof(a)), p.sport);
		return;
	}
	check_media(fl, &p);
}

unsigned
it_collect(void)
{
	unsigned total = 0;

	for (unsigned p = 0; p < it.nb_ports; p++) {
		struct it_port *pt = &it.ports[p];

		for (unsigned q = 0; q < pt->nb_txq; q++) {
			struct rte_mbuf *ms[64];
			unsigned n;

			while ((n = rte_ring_dequeue_burst(pt->tx[q], (void **)ms, 64, NULL)) > 0) {
				for (unsigned i = 0; i < n; i++) {
					uint8_t copy[IT_MAX_FRAME];
					uint32_t len = rte_pktmbuf_pkt_len(ms[i]);
					const uint8_t *d;

					if (len > sizeof(copy)) {
						it_fail("port %s: %u-byte frame", pt->name, len);
						rte_pktmbuf_free(ms[i]);
						continue;
					}
					d = rte_pktmbuf_read(ms[i], 0, len, copy);
					if (d != copy)
						memcpy(copy, d, len);
					pcap_write(&it.pcap_out, copy, (uint16_t)len);
					rte_pktmbuf_free(ms[i]);
					check_frame(p, copy, (uint16_t)len);
				}
				total += n;
			}
		}
	}
	return total;
}

void
it_total(struct ms_worker_stats *st)
{
	ms_dataplane_total_stats(it.dp, st);
}

void
it_settle(void)
{
	uint64_t t0 = it_now_ms(), quiet_since = 0;

	for (;;) {
		struct ms_worker_stats st;
		unsigned n = it_collect();
		uint64_t now = it_now_ms();

		it_total(&st);
		/* everything received, nothing waiting in a handoff ring, nothing out for a while */
		if (n > 0 || st.rx_pkts < __atomic_load_n(&it.injected, __ATOMIC_ACQUIRE) ||
		    st.taken_over < st.handed_off)
			quiet_since = 0;
		else if (quiet_since == 0)
			quiet_since = now;
		else if (now - quiet_since >= 100)
			return;
		if (now - t0 > 30000) {
			it_fail("settle: workers received %llu of %llu frames after 30 s",
				(unsigned long long)st.rx_pkts, (unsigned long long)it.injected);
			return;
		}
		usleep(200);
	}
}

bool
it_wait_count(const volatile uint32_t *counter, uint32_t want, unsigned timeout_ms)
{
	uint64_t t0 = it_now_ms();

	while (*counter < want) {
		if (it_collect() == 0)
			usleep(100);
		if (it_now_ms() - t0 > timeout_ms)
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------------- */
/* Counters */

void
it_leg_stats(const struct it_leg *l, struct ms_leg_side_stats *rx, struct ms_leg_side_stats *tx)
{
	const struct ms_leg *leg = ms_legtab_get(it.legs, l->id);

	assert_non_null(leg);
	ms_leg_stats_read(leg, rx, tx);
}

uint64_t
it_leg_srtp_drops(const struct it_leg *l, enum ms_srtp_result r)
{
	struct ms_leg_side_stats rx, tx;

	it_leg_stats(l, &rx, &tx);
	return rx.srtp[r] + tx.srtp[r];
}

uint64_t
it_leg_drops(const struct it_leg *l, enum ms_leg_drop d)
{
	struct ms_leg_side_stats rx, tx;

	it_leg_stats(l, &rx, &tx);
	return rx.drops[d] + tx.drops[d];
}

/* ------------------------------------------------------------------------- */
/* Live traffic */

static struct {
	struct it_session *sess;
	unsigned max, n;
	int *state;                      /* enum it_live_state, per flow */
	uint32_t *switch_at;             /* per flow: the peer changes key at this packet */
	struct ms_srtp_ctx_cfg *switch_key; /* to this key (nb_keys 0: none pending) */
	uint32_t *switch_mki;            /* or to this MKI index + 1 (0: none pending) */
	int stop;
	uint64_t rounds;
	pthread_t thread;
	bool running;
} live;

static unsigned
live_flow(const struct it_flow *f)
{
	return (unsigned)(f->sess - live.sess) * 2 + (unsigned)(f - f->sess->flow);
}

static void *
live_loop(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&live.stop, __ATOMIC_ACQUIRE)) {
		unsigned n = __atomic_load_n(&live.n, __ATOMIC_ACQUIRE);

		for (unsigned i = 0; i < 2 * n; i++) {
			struct it_flow *f = &live.sess[i / 2].flow[i % 2];

			if (__atomic_load_n(&live.state[i], __ATOMIC_ACQUIRE) != IT_LIVE_ON)
				continue;
			uint32_t c = __atomic_load_n(&f->next, __ATOMIC_RELAXED);
			if (c + 1 >= f->seen_cap)
				continue;
			/* make-before-break: the peer moves to the new key between two packets */
			if (__atomic_load_n(&live.switch_at[i], __ATOMIC_ACQUIRE) == c) {
				if (live.switch_key[i].nb_keys != 0) {
					it_srtp_update(f->tx, &live.switch_key[i], f->ssrc);
					memset(&live.switch_key[i], 0, sizeof(live.switch_key[i]));
				}
				if (live.switch_mki[i] != 0) {
					__atomic_store_n(&f->mki_index, live.switch_mki[i] - 1,
							 __ATOMIC_RELEASE);
					live.switch_mki[i] = 0;
				}
			}
			it_flow_send(f, it_flow_queue(f, c));
		}
		__atomic_fetch_add(&live.rounds, 1, __ATOMIC_RELEASE);
		/* pace: wait until the workers took what was put on the rings */
		uint64_t t0 = it_now_ms();
		for (;;) {
			struct ms_worker_stats st;

			ms_dataplane_total_stats(it.dp, &st);
			if (st.rx_pkts >= __atomic_load_n(&it.injected, __ATOMIC_ACQUIRE) ||
			    it_now_ms() - t0 > 50)
				break;
			usleep(100);
		}
		usleep(300);
	}
	return NULL;
}

void
it_live_start(struct it_session *sess, unsigned max)
{
	live.sess = sess;
	live.max = max;
	live.state = calloc(2 * max, sizeof(*live.state));
	live.switch_at = malloc(2 * max * sizeof(*live.switch_at));
	live.switch_key = calloc(2 * max, sizeof(*live.switch_key));
	live.switch_mki = calloc(2 * max, sizeof(*live.switch_mki));
	assert_non_null(live.state);
	assert_non_null(live.switch_at);
	assert_non_null(live.switch_key);
	assert_non_null(live.switch_mki);
	for (unsigned i = 0; i < 2 * max; i++)
		live.switch_at[i] = UINT32_MAX;
	live.stop = 0;
	assert_int_equal(pthread_create(&live.thread, NULL, live_loop, NULL), 0);
	live.running = true;
}

void
it_live_count(unsigned n)
{
	assert_true(n <= live.max);
	__atomic_store_n(&live.n, n, __ATOMIC_RELEASE);
}

void
it_live_stop(void)
{
	if (!live.running)
		return;
	__atomic_store_n(&live.stop, 1, __ATOMIC_RELEASE);
	pthread_join(live.thread, NULL);
	live.running = false;
	free(live.state);
	free(live.switch_at);
	memset(live.switch_key, 0, 2 * live.max * sizeof(*live.switch_key));
	free(live.switch_key);
	free(live.switch_mki);
}

void
it_live_set(struct it_flow *f, enum it_live_state st)
{
	__atomic_store_n(&live.state[live_flow(f)], (int)st, __ATOMIC_RELEASE);
}

void
it_live_run(unsigned ms)
{
	uint64_t t0 = it_now_ms();

	while (it_now_ms() - t0 < ms)
		if (it_collect() == 0)
			usleep(100);
}

void
it_live_sync(void)
{
	uint64_t r = __atomic_load_n(&live.rounds, __ATOMIC_ACQUIRE);
	uint64_t t0 = it_now_ms();

	while (__atomic_load_n(&live.rounds, __ATOMIC_ACQUIRE) < r + 2) {
		if (it_collect() == 0)
			usleep(100);
		if (it_now_ms() - t0 > 20000)
			fail_msg("the injector stopped");
	}
}

void
it_live_pause_drain(struct it_flow *f)
{
	it_live_set(f, IT_LIVE_PAUSED);
	it_live_sync();
	if (!it_wait_count(&f->delivered, f->next, 10000))
		it_fail("flow %u (%s): %u of %u delivered after 10 s", f->id, f->sess->name,
			f->delivered, f->next);
}

uint32_t
it_live_next(const struct it_flow *f)
{
	return __atomic_load_n(&f->next, __ATOMIC_SEQ_CST);
}

void
it_live_switch_key(struct it_flow *f, uint32_t at, const struct ms_srtp_ctx_cfg *key)
{
	unsigned i = live_flow(f);

	live.switch_key[i] = *key;
	__atomic_store_n(&live.switch_at[i], at, __ATOMIC_RELEASE);
}

void
it_live_switch_mki(struct it_flow *f, uint32_t at, uint32_t mki_index)
{
	unsigned i = live_flow(f);

	live.switch_mki[i] = mki_index + 1;
	__atomic_store_n(&live.switch_at[i], at, __ATOMIC_RELEASE);
}

uint32_t
it_live_switch_at(const struct it_flow *f)
{
	return __atomic_load_n(&live.switch_at[live_flow(f)], __ATOMIC_ACQUIRE);
}

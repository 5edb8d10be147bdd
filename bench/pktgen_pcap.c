/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mediasec-bench pktgen: a.pcap and b.pcap, what the peers on side A and
 * side B send to the appliance. Packets go round-robin over the sessions:
 * packet k of every session, then packet k + 1, so each stream advances by
 * one sequence number per round and pktgen, which sends a file in order,
 * never repeats one until it wraps around the whole file. SRTP streams are
 * protected with mediasec's own engine (ipsec-mb) under the leg's recv key,
 * starting at the ROC of their first packet in the file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "config.h"
#include "pktgen.h"
#include "secmem.h"

#define BURST 32
#define POOL_SIZE 1023
#define FILE_BUF (1u << 20)

struct writer {
	const struct pg_opts *o;
	const struct pg_plan *p;
	const struct pg_streams *s;
	unsigned side;
	bool srtp;
	const struct ms_crypto_engine *engine;
	struct ms_crypto_lcore *lc;
	struct rte_mempool *pool;
	struct ms_srtp_ctx **ctx;
	struct ms_srtp_stream **stream;
	pcap_dumper_t *dump;
	uint64_t written;
	double start_s; /* the file's first timestamp */
};

static void
streams_free(struct writer *w)
{
	for (uint32_t i = 0; w->stream != NULL && i < w->o->sessions; i++) {
		if (w->stream[i] != NULL)
			w->engine->stream_free(w->stream[i]);
		if (w->ctx[i] != NULL)
			w->engine->ctx_free(w->ctx[i]);
	}
	free(w->stream);
	free(w->ctx);
	w->stream = NULL;
	w->ctx = NULL;
}

/* The protect stream of every session for this side's recv key. */
static int
streams_make(struct writer *w, const struct pg_keys *k)
{
	const struct pg_opts *o = w->o;
	unsigned slot = w->side == 0 ? PG_A_RECV : PG_B_RECV;
	struct ms_srtp_ctx_cfg *cfg = ms_secmem_alloc(sizeof(*cfg));
	const char *why = NULL;
	int ret = 0;

	w->ctx = calloc(o->sessions, sizeof(*w->ctx));
	w->stream = calloc(o->sessions, sizeof(*w->stream));
	if (cfg == NULL || w->ctx == NULL || w->stream == NULL) {
		ms_secmem_free(cfg);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < o->sessions && ret == 0; i++) {
		const struct pg_stream_id *id = &w->s->id[w->side][i];
		struct ms_srtp_stream_cfg scfg = {
			.dir = MS_SRTP_PROTECT,
			.initial_roc = (uint32_t)pg_roc(o, id, o->first_packet),
		};

		memset(cfg, 0, sizeof(*cfg));
		cfg->suite = o->suite[w->side];
		cfg->nb_keys = 1;
		ret = ms_sdes_parse(k->sdes[i * PG_KEYS_PER_SESSION + slot], cfg->suite, &cfg->keys[0],
				    &cfg->mki_len, &why);
		if (ret == 0)
			ret = w->engine->ctx_create(cfg, &w->ctx[i]);
		if (ret == 0)
			ret = w->engine->stream_create(&scfg, w->ctx[i], &w->stream[i]);
		if (ret < 0)
			fprintf(stderr, "pktgen: session s%u: cannot set up its SRTP stream: %s\n", i,
				why != NULL ? why : strerror(-ret));
	}
	ms_secmem_free(cfg);
	return ret;
}

/* RTP header and payload of packet k (counted from packet 0) of session i at p. */
static void
write_rtp(const struct writer *w, uint8_t *p, uint32_t i, uint64_t k)
{
	const struct pg_opts *o = w->o;
	const struct pg_stream_id *id = &w->s->id[w->side][i];
	uint8_t *pl = p + FWD_RTP_HDR;
	uint8_t tagline[17];

	p[0] = 0x80;
	p[1] = o->pt & 0x7f;
	*(unaligned_uint16_t *)(p + 2) = rte_cpu_to_be_16(pg_seq(o, id, k));
	*(unaligned_uint32_t *)(p + 4) = rte_cpu_to_be_32((uint32_t)(id->ts0 + k * o->ts_step));
	*(unaligned_uint32_t *)(p + 8) = rte_cpu_to_be_32(id->ssrc);
	/*
	 * "MSPG", the session, the packet and the direction, then µ-law
	 * silence: every packet differs, so a checker sees any duplicate or
	 * packet of another stream.
	 */
	memcpy(tagline, "MSPG", 4);
	*(unaligned_uint32_t *)(tagline + 4) = rte_cpu_to_be_32(i);
	*(unaligned_uint64_t *)(tagline + 8) = rte_cpu_to_be_64(k);
	tagline[16] = (uint8_t)w->side;
	memset(pl, 0xff, o->payload);
	memcpy(pl, tagline, RTE_MIN((size_t)o->payload, sizeof(tagline)));
}

/* Ethernet, IP and UDP in front of the RTP/SRTP packet in m. */
static void
write_headers(const struct writer *w, struct rte_mbuf *m, uint32_t i)
{
	const struct pg_opts *o = w->o;
	unsigned side = w->side;
	bool v6 = o->addr[side][0].fam == 6;
	uint16_t udp_len = (uint16_t)(sizeof(struct rte_udp_hdr) + rte_pktmbuf_data_len(m));
	unsigned l3 = v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(
		m, (uint16_t)(sizeof(*eth) + l3 + sizeof(struct rte_udp_hdr)));
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)((uint8_t *)(eth + 1) + l3);
	struct pg_ip local, peer;
	uint16_t lport, pport;

	pg_endpoint(o, w->p, side, 0, i, &local, &lport);
	pg_endpoint(o, w->p, side, 1, i, &peer, &pport);
	memcpy(eth->dst_addr.addr_bytes, o->mac[side][0], 6);
	memcpy(eth->src_addr.addr_bytes, o->mac[side][1], 6);
	udp->src_port = rte_cpu_to_be_16(pport);
	udp->dst_port = rte_cpu_to_be_16(lport);
	udp->dgram_len = rte_cpu_to_be_16(udp_len);
	udp->dgram_cksum = 0;
	if (v6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		/* traffic class EF (46 << 2), as phones mark media */
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28 | 0xb8u << 20);
		ip->payload_len = rte_cpu_to_be_16(udp_len);
		ip->proto = IPPROTO_UDP;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, peer.b, 16);
		memcpy(ip->dst_addr, local.b, 16);
		udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip, udp);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->type_of_service = 0xb8;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(l3 + udp_len));
		ip->packet_id = 0;
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		ip->hdr_checksum = 0;
		memcpy(&ip->src_addr, peer.b, 4);
		memcpy(&ip->dst_addr, local.b, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	}
}

static int
write_burst(struct writer *w, struct rte_mbuf **m, const uint32_t *sess, unsigned n)
{
	struct ms_srtp_stream *st[BURST];
	uint8_t res[BURST];

	if (w->srtp) {
		for (unsigned j = 0; j < n; j++)
			st[j] = w->stream[sess[j]];
		w->engine->rtp_protect(w->lc, m, st, (uint16_t)n, res);
		for (unsigned j = 0; j < n; j++)
			if (res[j] != MS_SRTP_OK) {
				/* a key lifetime from the key file that the file outlasts, say */
				fprintf(stderr, "pktgen: session s%u: protect refused: %s\n", sess[j],
					ms_srtp_result_str(res[j]));
				return -EINVAL;
			}
	}
	for (unsigned j = 0; j < n; j++) {
		struct pcap_pkthdr h;
		double t = w->start_s + (double)w->written / w->o->rate;

		write_headers(w, m[j], sess[j]);
		h.ts.tv_sec = (time_t)t;
		h.ts.tv_usec = (suseconds_t)((t - (double)h.ts.tv_sec) * 1e6);
		h.caplen = h.len = rte_pktmbuf_data_len(m[j]);
		pcap_dump((u_char *)w->dump, &h, rte_pktmbuf_mtod(m[j], const u_char *));
		w->written++;
	}
	return 0;
}

static int
write_all(struct writer *w)
{
	const struct pg_opts *o = w->o;
	uint64_t end = o->first_packet + o->packets, total = o->packets * o->sessions;
	uint64_t next_report = total / 10;
	struct rte_mbuf *m[BURST];
	uint32_t sess[BURST];
	unsigned n = 0;
	int ret = 0;

	for (uint64_t k = o->first_packet; k < end && ret == 0; k++) {
		for (uint32_t i = 0; i < o->sessions && ret == 0; i++) {
			if (n == 0 && rte_pktmbuf_alloc_bulk(w->pool, m, BURST) != 0)
				return -ENOMEM;
			uint8_t *p = (uint8_t *)rte_pktmbuf_append(m[n], (uint16_t)(FWD_RTP_HDR +
										  o->payload));
			write_rtp(w, p, i, k);
			sess[n++] = i;
			if (n == BURST) {
				ret = write_burst(w, m, sess, n);
				rte_pktmbuf_free_bulk(m, BURST);
				n = 0;
			}
		}
		if (total >= 10000000 && w->written >= next_report) {
			fprintf(stderr, "pktgen: %s.pcap: %.0f %%\n", w->side ? "b" : "a",
				100.0 * (double)w->written / (double)total);
			next_report += total / 10;
		}
	}
	if (n > 0) {
		if (ret == 0)
			ret = write_burst(w, m, sess, n);
		rte_pktmbuf_free_bulk(m, BURST);
	}
	return ret;
}

int
pg_pcap_write(const struct pg_opts *o, const struct pg_plan *p, const struct pg_streams *s,
	      const struct pg_keys *k, unsigned side, const char *path)
{
	struct writer w = {.o = o, .p = p, .s = s, .side = side, .srtp = pg_leg_srtp(o, side)};
	char pool_name[32];
	pcap_t *dead = NULL;
	FILE *f = NULL;
	char *fbuf = NULL;
	int ret = 0;

	w.engine = ms_crypto_engine_find("ipsec-mb");
	if (w.engine == NULL || ms_crypto_engine_init(w.engine) < 0) {
		fprintf(stderr, "pktgen: the ipsec-mb engine cannot run on this machine\n");
		return -ENOTSUP;
	}
	ret = w.engine->lcore_create((int)rte_socket_id(), &w.lc);
	if (ret < 0)
		return ret;
	snprintf(pool_name, sizeof(pool_name), "pg_pcap_%u", side);
	w.pool = rte_pktmbuf_pool_create(pool_name, POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					 (int)rte_socket_id());
	if (w.pool == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	if (w.srtp && (ret = streams_make(&w, k)) < 0)
		goto out;
	/*
	 * Microsecond timestamps: pktgen accepts only the classic pcap magic
	 * (a1b2c3d4), not the nanosecond one.
	 */
	dead = pcap_open_dead(DLT_EN10MB, 65535);
	f = fopen(path, "we");
	fbuf = malloc(FILE_BUF);
	if (dead == NULL || f == NULL || fbuf == NULL) {
		ret = f == NULL ? -errno : -ENOMEM;
		fprintf(stderr, "pktgen: %s: %s\n", path, strerror(-ret));
		goto out;
	}
	setvbuf(f, fbuf, _IOFBF, FILE_BUF);
	w.dump = pcap_dump_fopen(dead, f);
	if (w.dump == NULL) {
		fprintf(stderr, "pktgen: %s: %s\n", path, pcap_geterr(dead));
		ret = -EIO;
		goto out;
	}
	f = NULL; /* the dumper owns it */
	w.start_s = (double)time(NULL);
	ret = write_all(&w);
	if (ret == 0 && pcap_dump_flush(w.dump) != 0) {
		fprintf(stderr, "pktgen: %s: write error (disk full?)\n", path);
		ret = -EIO;
	}
out:
	if (w.dump != NULL)
		pcap_dump_close(w.dump);
	if (f != NULL)
		fclose(f);
	free(fbuf);
	if (dead != NULL)
		pcap_close(dead);
	streams_free(&w);
	rte_mempool_free(w.pool);
	if (w.lc != NULL)
		w.engine->lcore_free(w.lc);
	return ret;
}

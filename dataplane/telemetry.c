/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters out of the dataplane: DPDK telemetry commands, and the text
 * summary mediasecd prints. Nothing here reads a key: legs show their mode,
 * suite and addresses only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "ms_log.h"
#include "worker.h"

static struct ms_dataplane *tel_dp;

static void
add_worker_stats(struct rte_tel_data *d, const struct ms_worker_stats *st)
{
	char name[64];

	rte_tel_data_add_dict_u64(d, "rx_pkts", st->rx_pkts);
	rte_tel_data_add_dict_u64(d, "rx_bytes", st->rx_bytes);
	rte_tel_data_add_dict_u64(d, "tx_pkts", st->tx_pkts);
	rte_tel_data_add_dict_u64(d, "tx_bytes", st->tx_bytes);
	rte_tel_data_add_dict_u64(d, "unprotected", st->xform.unprotected);
	rte_tel_data_add_dict_u64(d, "protected", st->xform.protected);
	rte_tel_data_add_dict_u64(d, "passed_plain", st->xform.passed_plain);
	rte_tel_data_add_dict_u64(d, "handed_off", st->handed_off);
	rte_tel_data_add_dict_u64(d, "taken_over", st->taken_over);
	rte_tel_data_add_dict_u64(d, "busy_cycles", st->busy_cycles);
	rte_tel_data_add_dict_u64(d, "busy_pkts", st->busy_pkts);
	rte_tel_data_add_dict_u64(d, "polls", st->polls);
	for (unsigned i = 0; i < MS_WORKER_DROP_COUNT; i++) {
		snprintf(name, sizeof(name), "drop_%s", ms_worker_drop_str(i));
		rte_tel_data_add_dict_u64(d, name, st->drops[i]);
	}
	for (unsigned i = 0; i < MS_LEG_DROP_COUNT; i++) {
		snprintf(name, sizeof(name), "drop_%s", ms_leg_drop_str(i));
		rte_tel_data_add_dict_u64(d, name, st->leg_drops[i]);
	}
	for (unsigned i = 1; i < MS_SRTP_RESULT_COUNT; i++) {
		snprintf(name, sizeof(name), "drop_in_%s", ms_srtp_result_str(i));
		rte_tel_data_add_dict_u64(d, name, st->xform.in_drops[i]);
		snprintf(name, sizeof(name), "drop_out_%s", ms_srtp_result_str(i));
		rte_tel_data_add_dict_u64(d, name, st->xform.out_drops[i]);
	}
	rte_tel_data_add_dict_u64(d, "arp_replies_sent", st->neigh.arp_replies_sent);
	rte_tel_data_add_dict_u64(d, "nd_adverts_sent", st->neigh.nd_adverts_sent);
	rte_tel_data_add_dict_u64(d, "neigh_requests_sent", st->neigh.requests_sent);
	rte_tel_data_add_dict_u64(d, "neigh_learned", st->neigh.learned);
}

/* /mediasec/stats: the totals, then one dict per worker ("worker_<lcore>"). */
static int
tel_stats(const char *cmd __rte_unused, const char *params __rte_unused, struct rte_tel_data *d)
{
	struct ms_dataplane *dp = tel_dp;
	struct ms_worker_stats st;

	if (dp == NULL)
		return -ENODEV;
	rte_tel_data_start_dict(d);
	ms_dataplane_total_stats(dp, &st);
	rte_tel_data_add_dict_u64(d, "workers", dp->nb_workers);
	rte_tel_data_add_dict_u64(d, "legs", ms_legtab_count(dp->legs));
	add_worker_stats(d, &st);
	for (unsigned w = 0; w < dp->nb_workers; w++) {
		struct rte_tel_data *wd = rte_tel_data_alloc();
		char name[32];

		if (wd == NULL)
			break;
		rte_tel_data_start_dict(wd);
		ms_dataplane_worker_stats(dp, w, &st);
		rte_tel_data_add_dict_u64(wd, "lcore", dp->workers[w]->lcore);
		add_worker_stats(wd, &st);
		snprintf(name, sizeof(name), "worker_%u", dp->workers[w]->lcore);
		rte_tel_data_add_dict_container(d, name, wd, 0);
	}
	return 0;
}

/* /mediasec/legs[,FIRST]: ids of installed legs, from FIRST on, at most 512. */
static int
tel_legs(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	struct ms_dataplane *dp = tel_dp;
	uint32_t id = UINT32_MAX;
	unsigned n = 0;

	if (dp == NULL)
		return -ENODEV;
	if (params != NULL && *params != '\0') {
		char *end;
		unsigned long first = strtoul(params, &end, 10);

		if (*end != '\0')
			return -EINVAL;
		id = first == 0 ? UINT32_MAX : (uint32_t)(first - 1);
	}
	rte_tel_data_start_array(d, RTE_TEL_U64_VAL);
	for (id = ms_legtab_next(dp->legs, id); id != UINT32_MAX && n < RTE_TEL_MAX_ARRAY_ENTRIES;
	     id = ms_legtab_next(dp->legs, id), n++)
		rte_tel_data_add_array_u64(d, id);
	return 0;
}

static struct rte_tel_data *
side_dict(const struct ms_leg_side_stats *s)
{
	struct rte_tel_data *d = rte_tel_data_alloc();
	char name[64];

	if (d == NULL)
		return NULL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "pkts", s->pkts);
	rte_tel_data_add_dict_u64(d, "bytes", s->bytes);
	for (unsigned i = 1; i < MS_SRTP_RESULT_COUNT; i++) {
		snprintf(name, sizeof(name), "drop_%s", ms_srtp_result_str(i));
		rte_tel_data_add_dict_u64(d, name, s->srtp[i]);
	}
	for (unsigned i = 0; i < MS_LEG_DROP_COUNT; i++) {
		snprintf(name, sizeof(name), "drop_%s", ms_leg_drop_str(i));
		rte_tel_data_add_dict_u64(d, name, s->drops[i]);
	}
	return d;
}

/* /mediasec/leg,ID: one leg: where it is, its mode, its peer and its counters. */
static int
tel_leg(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	struct ms_dataplane *dp = tel_dp;
	struct ms_leg_side_stats rx, tx;
	const struct ms_leg *leg;
	struct ms_leg_peer peer;
	char a[MS_ADDR_STRLEN], s[MS_ADDR_STRLEN + 16];
	unsigned long id;
	char *end;

	if (dp == NULL)
		return -ENODEV;
	if (params == NULL || *params == '\0')
		return -EINVAL;
	id = strtoul(params, &end, 10);
	if (*end != '\0' || id >= UINT32_MAX)
		return -EINVAL;
	/*
	 * This thread reads the leg without control's knowledge: a leg removed
	 * meanwhile may show a mix of old and new fields. Pointers and indexes
	 * are read once and checked, so that it never faults: the leg array
	 * itself lives as long as the dataplane.
	 */
	leg = ms_legtab_get(dp->legs, (uint32_t)id);
	if (leg == NULL)
		return -ENOENT;
	const struct ms_leg *pair = __atomic_load_n(&leg->pair, __ATOMIC_RELAXED);
	uint32_t owner = __atomic_load_n(&leg->owner, __ATOMIC_RELAXED);

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "id", leg->id);
	rte_tel_data_add_dict_string(d, "session", leg->session);
	rte_tel_data_add_dict_u64(d, "pair", pair != NULL ? pair->id : UINT32_MAX);
	rte_tel_data_add_dict_string(d, "port", dp->ports[leg->port].name);
	rte_tel_data_add_dict_string(d, "mode", ms_leg_mode_str(leg->mode));
	rte_tel_data_add_dict_string(d, "suite",
				     leg->has_keys ? ms_srtp_suite_info(leg->suite)->name : "none");
	snprintf(s, sizeof(s), "%s:%u", ms_addr_str(&leg->local, a, sizeof(a)), leg->local_port);
	rte_tel_data_add_dict_string(d, "local", s);
	rte_tel_data_add_dict_u64(d, "local_rtcp_port", leg->local_rtcp_port);
	if (ms_leg_peer_read(leg, &peer) && peer.known) {
		snprintf(s, sizeof(s), "%s:%u", ms_addr_str(&peer.addr, a, sizeof(a)), peer.port);
		rte_tel_data_add_dict_string(d, "peer", s);
		rte_tel_data_add_dict_u64(d, "peer_rtcp_port", peer.rtcp_known ? peer.rtcp_port : 0);
	} else {
		rte_tel_data_add_dict_string(d, "peer",
					     (leg->flags & MS_LEG_F_PEER_LEARN) ? "learning" : "none");
	}
	rte_tel_data_add_dict_int(d, "owner_lcore",
				  owner != 0 && owner <= dp->nb_workers ? (int)dp->workers[owner - 1]->lcore
									: -1);
	ms_leg_stats_read(leg, &rx, &tx);
	struct rte_tel_data *rd = side_dict(&rx), *td = side_dict(&tx);
	if (rd != NULL)
		rte_tel_data_add_dict_container(d, "rx", rd, 0);
	if (td != NULL)
		rte_tel_data_add_dict_container(d, "tx", td, 0);
	return 0;
}

int
ms_dataplane_telemetry_register(struct ms_dataplane *dp)
{
	int ret;

	tel_dp = dp;
	ret = rte_telemetry_register_cmd("/mediasec/stats", tel_stats,
					 "mediasec totals and per-worker counters. No parameters");
	if (ret == 0)
		ret = rte_telemetry_register_cmd(
			"/mediasec/legs", tel_legs,
			"Ids of installed legs (at most 512). Parameter: first id (optional)");
	if (ret == 0)
		ret = rte_telemetry_register_cmd(
			"/mediasec/leg", tel_leg,
			"One leg: session, mode, suite, addresses, counters. Parameter: leg id");
	/* registration fails only when the name is taken: once per process is enough */
	return ret == -EINVAL ? 0 : ret;
}

/* Counters first..n-1 of v that are not zero, as " prefixname=value". */
static void
print_drops(FILE *f, const char *prefix, const uint64_t *v, unsigned first, unsigned n,
	    const char *(*name)(unsigned))
{
	for (unsigned i = first; i < n; i++)
		if (v[i] != 0)
			fprintf(f, " %s%s=%" PRIu64, prefix, name(i), v[i]);
}

static const char *
worker_drop_name(unsigned i)
{
	return ms_worker_drop_str(i);
}

static const char *
leg_drop_name(unsigned i)
{
	return ms_leg_drop_str(i);
}

static const char *
srtp_name(unsigned i)
{
	return ms_srtp_result_str(i);
}

void
ms_dataplane_print_stats(const struct ms_dataplane *dp, FILE *f)
{
	for (unsigned w = 0; w < dp->nb_workers; w++) {
		struct ms_worker_stats st;

		ms_dataplane_worker_stats(dp, w, &st);
		fprintf(f,
			"worker lcore %u: rx %" PRIu64 " tx %" PRIu64 " unprotected %" PRIu64
			" protected %" PRIu64 " plain %" PRIu64 " handed_off %" PRIu64
			" taken_over %" PRIu64 " cycles/pkt %.0f",
			dp->workers[w]->lcore, st.rx_pkts, st.tx_pkts, st.xform.unprotected,
			st.xform.protected, st.xform.passed_plain, st.handed_off, st.taken_over,
			st.busy_pkts ? (double)st.busy_cycles / (double)st.busy_pkts : 0.0);
		print_drops(f, "", st.drops, 0, MS_WORKER_DROP_COUNT, worker_drop_name);
		print_drops(f, "", st.leg_drops, 0, MS_LEG_DROP_COUNT, leg_drop_name);
		print_drops(f, "in_", st.xform.in_drops, 1, MS_SRTP_RESULT_COUNT, srtp_name);
		print_drops(f, "out_", st.xform.out_drops, 1, MS_SRTP_RESULT_COUNT, srtp_name);
		fprintf(f, " arp_replies %" PRIu64 " nd_adverts %" PRIu64 " neigh_requests %" PRIu64 "\n",
			st.neigh.arp_replies_sent, st.neigh.nd_adverts_sent, st.neigh.requests_sent);
	}
	for (uint32_t id = ms_legtab_next(dp->legs, UINT32_MAX); id != UINT32_MAX;
	     id = ms_legtab_next(dp->legs, id)) {
		const struct ms_leg *leg = ms_legtab_get(dp->legs, id);
		struct ms_leg_side_stats rx, tx;
		struct ms_leg_peer peer;
		char a[MS_ADDR_STRLEN], b[MS_ADDR_STRLEN];

		if (leg == NULL)
			continue;
		ms_leg_stats_read(leg, &rx, &tx);
		bool known = ms_leg_peer_read(leg, &peer) && peer.known;
		fprintf(f,
			"leg %u (%s) port %s %s:%u <-> %s:%u %s: rx %" PRIu64 " pkts %" PRIu64
			" bytes, tx %" PRIu64 " pkts %" PRIu64 " bytes",
			id, leg->session, dp->ports[leg->port].name,
			ms_addr_str(&leg->local, a, sizeof(a)), leg->local_port,
			known ? ms_addr_str(&peer.addr, b, sizeof(b)) : "?", known ? peer.port : 0,
			leg->has_keys ? ms_srtp_suite_info(leg->suite)->name : "rtp", rx.pkts, rx.bytes,
			tx.pkts, tx.bytes);
		print_drops(f, "rx_", rx.srtp, 1, MS_SRTP_RESULT_COUNT, srtp_name);
		print_drops(f, "rx_", rx.drops, 0, MS_LEG_DROP_COUNT, leg_drop_name);
		print_drops(f, "tx_", tx.srtp, 1, MS_SRTP_RESULT_COUNT, srtp_name);
		print_drops(f, "tx_", tx.drops, 0, MS_LEG_DROP_COUNT, leg_drop_name);
		fputc('\n', f);
	}
	fflush(f);
}

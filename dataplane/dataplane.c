/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_errno.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "ms_err.h"
#include "ms_log.h"
#include "worker.h"

const char *
ms_worker_drop_str(enum ms_worker_drop d)
{
	static const char *const names[] = {
#define MS_WORKER_DROP_NAME(id, str) str,
		MS_WORKER_DROPS(MS_WORKER_DROP_NAME)
#undef MS_WORKER_DROP_NAME
	};

	return (unsigned)d < RTE_DIM(names) ? names[d] : "?";
}

/* The device of a configured port: there already (a test's ring port, a PCI NIC), or a new vdev. */
static int
port_probe(const struct ms_port_cfg *pc, char *err, size_t errlen)
{
	char devargs[sizeof(pc->device) + sizeof(pc->args) + 2];
	uint16_t pid;
	int ret;

	if (rte_eth_dev_get_port_by_name(pc->device, &pid) == 0)
		return 0;
	if (pc->pci)
		return ms_err(-ENODEV, err, errlen,
			    "ports.%s: PCI device %s not found (bound to vfio-pci?)", pc->name,
			    pc->device);
	snprintf(devargs, sizeof(devargs), "%s%s%s", pc->device, pc->args[0] ? "," : "", pc->args);
	ret = rte_dev_probe(devargs);
	if (ret < 0)
		return ms_err(ret, err, errlen, "ports.%s: cannot create device %s: %s", pc->name,
			    pc->device, strerror(-ret));
	if (rte_eth_dev_get_port_by_name(pc->device, &pid) != 0)
		return ms_err(-ENODEV, err, errlen, "ports.%s: device %s made no ethdev of that name",
			    pc->name, pc->device);
	return 0;
}

static int
workers_create(struct ms_dataplane *dp, const struct ms_config *cfg, char *err, size_t errlen)
{
	for (unsigned i = 0; i < cfg->nb_workers; i++) {
		const struct ms_worker_cfg *wc = &cfg->workers[i];
		char name[RTE_RING_NAMESIZE];
		struct ms_worker *w;
		int socket, ret;

		if (wc->lcore >= RTE_MAX_LCORE || !rte_lcore_is_enabled(wc->lcore) ||
		    wc->lcore == rte_get_main_lcore())
			return ms_err(-EINVAL, err, errlen,
				    "workers[%u].lcore: lcore %u is not a worker lcore of this EAL", i,
				    wc->lcore);
		socket = (int)rte_lcore_to_socket_id(wc->lcore);
		w = rte_zmalloc_socket("ms_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
		if (w == NULL)
			return ms_err(-ENOMEM, err, errlen, "out of memory for worker %u", i);
		dp->workers[dp->nb_workers++] = w;
		w->dp = dp;
		w->index = i;
		w->lcore = wc->lcore;
		w->nb_rxq = wc->nb_queues;
		memcpy(w->rxq, wc->queues, sizeof(wc->queues[0]) * wc->nb_queues);
		snprintf(name, sizeof(name), "ms_handoff_%p_%u", (void *)dp, i);
		w->handoff = rte_ring_create(name, MS_HANDOFF_RING, socket, RING_F_SC_DEQ);
		if (w->handoff == NULL)
			return ms_err(-ENOMEM, err, errlen, "cannot create worker %u's handoff ring", i);
		ret = dp->engine->lcore_create(socket, &w->xform.crypto);
		if (ret < 0)
			return ms_err(ret, err, errlen, "cannot create crypto state for worker %u: %s", i,
				    strerror(-ret));
	}
	return 0;
}

static void
assign_txq(struct ms_dataplane *dp)
{
	for (unsigned i = 0; i < dp->nb_workers; i++) {
		struct ms_worker *w = dp->workers[i];

		for (uint16_t p = 0; p < dp->nb_ports; p++) {
			uint16_t nb = dp->ports[p].st.nb_txq;

			w->txq[p] = (uint16_t)(i % nb);
			w->txq_shared[p] = dp->nb_workers > nb;
		}
	}
}

int
ms_dataplane_create(const struct ms_config *cfg, struct ms_dataplane **out, char *err,
		    size_t errlen)
{
	static unsigned instance;
	char name[RTE_MEMPOOL_NAMESIZE];
	struct ms_dataplane *dp;
	int socket = (int)rte_socket_id(), ret;
	size_t qsz;

	*out = NULL;
	if (cfg->nb_workers == 0 || cfg->nb_ports == 0)
		return ms_err(-EINVAL, err, errlen, "no ports or no workers");
	if (cfg->workers[0].lcore < RTE_MAX_LCORE && rte_lcore_is_enabled(cfg->workers[0].lcore))
		socket = (int)rte_lcore_to_socket_id(cfg->workers[0].lcore);
	dp = rte_zmalloc_socket("ms_dataplane", sizeof(*dp), RTE_CACHE_LINE_SIZE, socket);
	if (dp == NULL)
		return ms_err(-ENOMEM, err, errlen, "out of memory");
	memset(dp->port_of_ethdev, 0xff, sizeof(dp->port_of_ethdev));
	dp->engine = cfg->crypto.engine;
	ret = ms_crypto_engine_init(dp->engine);
	if (ret < 0) {
		ms_err(ret, err, errlen, "crypto.engine %s: %s", dp->engine->name,
		     ret == -ENOTSUP ? "cannot run on this machine" : "failed its known-answer tests");
		goto error;
	}

	snprintf(name, sizeof(name), "ms_mbufs_%u", __atomic_fetch_add(&instance, 1, __ATOMIC_RELAXED));
	dp->pool = rte_pktmbuf_pool_create(name, cfg->mbufs.count, cfg->mbufs.cache, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (dp->pool == NULL) {
		ret = ms_err(-ENOMEM, err, errlen, "mbufs: cannot create a pool of %u mbufs: %s",
			   cfg->mbufs.count, rte_strerror(rte_errno));
		goto error;
	}

	ret = workers_create(dp, cfg, err, errlen);
	if (ret < 0)
		goto error;

	qsz = rte_rcu_qsbr_get_memsize(dp->nb_workers);
	dp->qsbr = rte_zmalloc_socket("ms_qsbr", qsz, RTE_CACHE_LINE_SIZE, socket);
	if (dp->qsbr == NULL || rte_rcu_qsbr_init(dp->qsbr, dp->nb_workers) != 0) {
		ret = ms_err(-ENOMEM, err, errlen, "cannot create the RCU variable");
		goto error;
	}

	dp->neigh = ms_neigh_create(cfg->limits.neighbours, socket);
	if (dp->neigh == NULL) {
		ret = ms_err(-ENOMEM, err, errlen, "limits.neighbours: cannot create a table of %u",
			   cfg->limits.neighbours);
		goto error;
	}

	for (uint16_t i = 0; i < cfg->nb_ports; i++) {
		const struct ms_port_cfg *pc = &cfg->ports[i];
		struct ms_dp_port *p = &dp->ports[i];
		struct ms_port_conf conf = {
			.device = pc->device,
			.nb_rxq = pc->nb_rx_queues ? pc->nb_rx_queues : 1,
			.nb_txq = (uint16_t)dp->nb_workers,
			.rx_desc = pc->rx_desc ? pc->rx_desc : 1024,
			.tx_desc = pc->tx_desc ? pc->tx_desc : 1024,
			.mtu = pc->mtu,
			.pool = dp->pool,
		};

		ret = port_probe(pc, err, errlen);
		if (ret < 0)
			goto error;
		snprintf(p->name, sizeof(p->name), "%s", pc->name);
		p->l3 = pc->l3;
		ret = ms_port_setup(&conf, &p->st, err, errlen);
		if (ret < 0) {
			char tmp[256];

			snprintf(tmp, sizeof(tmp), "ports.%s: %s", pc->name, err);
			snprintf(err, errlen, "%s", tmp);
			goto error;
		}
		if (dp->port_of_ethdev[p->st.port_id] != UINT16_MAX) {
			ret = ms_err(-EINVAL, err, errlen, "ports.%s: device %s is already port %s",
				   pc->name, pc->device, dp->ports[dp->port_of_ethdev[p->st.port_id]].name);
			ms_port_close(p->st.port_id);
			goto error;
		}
		p->started = true;
		p->l3.mac = p->st.mac;
		for (unsigned q = 0; q < RTE_DIM(p->txq_lock); q++)
			rte_spinlock_init(&p->txq_lock[q]);
		dp->port_of_ethdev[p->st.port_id] = i;
		dp->nb_ports++;
		for (uint16_t j = 0; j < pc->nb_neighbours; j++) {
			ret = ms_neigh_add_static(dp->neigh, i, &pc->neighbours[j].addr,
						  &pc->neighbours[j].mac);
			if (ret < 0) {
				ms_err(ret, err, errlen, "ports.%s.neighbours[%u]: cannot add: %s", pc->name,
				     j, strerror(-ret));
				goto error;
			}
		}
	}
	assign_txq(dp);

	struct ms_legtab_params lp = {
		.max_legs = cfg->limits.legs,
		.socket_id = socket,
		.replay_window = (uint16_t)cfg->crypto.replay_window,
		.engine = dp->engine,
		.qsbr = dp->qsbr,
		.nb_ports = dp->nb_ports,
	};
	dp->legs = ms_legtab_create(&lp);
	if (dp->legs == NULL) {
		ret = ms_err(-ENOMEM, err, errlen, "limits.legs: cannot create a table of %u legs",
			   cfg->limits.legs);
		goto error;
	}
	*out = dp;
	return 0;

error:
	ms_dataplane_free(dp);
	return ret;
}

int
ms_dataplane_install_sessions(struct ms_dataplane *dp, const struct ms_config *cfg, char *err,
			      size_t errlen)
{
	uint32_t (*ids)[2] = calloc(cfg->nb_sessions ? cfg->nb_sessions : 1, sizeof(*ids));
	uint32_t done;
	int ret = 0;

	if (ids == NULL)
		return ms_err(-ENOMEM, err, errlen, "out of memory");
	for (done = 0; done < cfg->nb_sessions; done++) {
		char why[256];

		ret = ms_session_add(dp->legs, cfg->sessions[done].legs, ids[done], why, sizeof(why));
		if (ret < 0) {
			ms_err(ret, err, errlen, "sessions[%u] (%s): %s", done, cfg->sessions[done].name,
			     why);
			break;
		}
	}
	if (ret < 0)
		while (done-- > 0)
			ms_session_del(dp->legs, ids[done][0]);
	free(ids);
	return ret;
}

int
ms_dataplane_start(struct ms_dataplane *dp)
{
	dp->stop = false;
	for (unsigned i = 0; i < dp->nb_workers; i++) {
		int ret = rte_eal_remote_launch(ms_worker_main, dp->workers[i], dp->workers[i]->lcore);

		if (ret != 0) {
			MS_LOG(ERR, dp, "cannot launch worker %u on lcore %u: %s", i,
			       dp->workers[i]->lcore, strerror(-ret));
			ms_dataplane_stop(dp);
			return ret;
		}
	}
	dp->running = true;
	return 0;
}

void
ms_dataplane_stop(struct ms_dataplane *dp)
{
	dp->stop = true;
	for (unsigned i = 0; i < dp->nb_workers; i++)
		rte_eal_wait_lcore(dp->workers[i]->lcore);
	dp->running = false;
}

void
ms_dataplane_free(struct ms_dataplane *dp)
{
	if (dp == NULL)
		return;
	if (dp->running)
		ms_dataplane_stop(dp);
	/*
	 * With no worker running every grace period is immediate: the legs,
	 * their contexts and keys go first, then what the workers used.
	 */
	ms_legtab_free(dp->legs);
	for (uint16_t i = 0; i < dp->nb_ports; i++)
		if (dp->ports[i].started)
			ms_port_close(dp->ports[i].st.port_id);
	for (unsigned i = 0; i < dp->nb_workers; i++) {
		struct ms_worker *w = dp->workers[i];
		struct rte_mbuf *m;

		while (w->handoff != NULL && rte_ring_dequeue(w->handoff, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(w->handoff);
		if (w->xform.crypto != NULL)
			dp->engine->lcore_free(w->xform.crypto);
		rte_free(w);
	}
	ms_neigh_free(dp->neigh);
	rte_free(dp->qsbr);
	rte_mempool_free(dp->pool);
	rte_free(dp);
}

struct ms_legtab *
ms_dataplane_legs(struct ms_dataplane *dp)
{
	return dp->legs;
}

uint16_t
ms_dataplane_nb_ports(const struct ms_dataplane *dp)
{
	return dp->nb_ports;
}

uint16_t
ms_dataplane_port_id(const struct ms_dataplane *dp, uint16_t port)
{
	return dp->ports[port].st.port_id;
}

unsigned
ms_dataplane_nb_workers(const struct ms_dataplane *dp)
{
	return dp->nb_workers;
}

void
ms_dataplane_worker_stats(const struct ms_dataplane *dp, unsigned worker,
			  struct ms_worker_stats *st)
{
	const uint64_t *src = (const uint64_t *)&dp->workers[worker]->st;
	uint64_t *dst = (uint64_t *)st;

	RTE_BUILD_BUG_ON(sizeof(*st) % sizeof(uint64_t) != 0);
	for (size_t i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	/* the transform stage keeps its own counters */
	src = (const uint64_t *)&dp->workers[worker]->xform.stats;
	dst = (uint64_t *)&st->xform;
	for (size_t i = 0; i < sizeof(st->xform) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

void
ms_dataplane_total_stats(const struct ms_dataplane *dp, struct ms_worker_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned w = 0; w < dp->nb_workers; w++) {
		struct ms_worker_stats one;
		const uint64_t *src = (const uint64_t *)&one;
		uint64_t *dst = (uint64_t *)st;

		ms_dataplane_worker_stats(dp, w, &one);
		for (size_t i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
			dst[i] += src[i];
	}
}

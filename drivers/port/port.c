/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "ms_err.h"
#include "ms_log.h"
#include "port.h"

int
ms_port_setup(const struct ms_port_conf *c, struct ms_port_state *st, char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t pid, nb_rxd = c->rx_desc, nb_txd = c->tx_desc, nb_txq;
	int ret;

	memset(st, 0, sizeof(*st));
	if (rte_eth_dev_get_port_by_name(c->device, &pid) != 0)
		return ms_err(-ENODEV, err, errlen, "device %s: not found", c->device);
	ret = rte_eth_dev_info_get(pid, &info);
	if (ret != 0)
		return ms_err(ret, err, errlen, "device %s: no device info: %s", c->device,
			    strerror(-ret));
	if (c->nb_rxq > info.max_rx_queues)
		return ms_err(-EINVAL, err, errlen,
			    "device %s (%s): %u receive queues asked, it has at most %u", c->device,
			    info.driver_name, c->nb_rxq, info.max_rx_queues);
	nb_txq = RTE_MIN(c->nb_txq, info.max_tx_queues);
	if (nb_txq == 0)
		return ms_err(-EINVAL, err, errlen, "device %s: no transmit queue", c->device);

	memset(&conf, 0, sizeof(conf));
	if (c->nb_rxq > 1) {
		uint64_t hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;

		if (hf != 0) {
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			conf.rx_adv_conf.rss_conf.rss_hf = hf;
			st->rss = true;
		} else {
			MS_LOG(WARNING, port,
			       "%s (%s): %u receive queues but no RSS on IP/UDP: queues get what "
			       "the device gives them",
			       c->device, info.driver_name, c->nb_rxq);
		}
	}
	if ((info.rx_offload_capa & (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM)) ==
	    (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM)) {
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
		st->rx_cksum = true;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
		st->tx_ipv4_cksum = true;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
		st->tx_udp_cksum = true;
	}
	ret = rte_eth_dev_configure(pid, c->nb_rxq, nb_txq, &conf);
	if (ret != 0)
		return ms_err(ret, err, errlen, "device %s: cannot configure %u rx / %u tx queues: %s",
			    c->device, c->nb_rxq, nb_txq, strerror(-ret));
	if (c->mtu != 0) {
		ret = rte_eth_dev_set_mtu(pid, c->mtu);
		if (ret != 0)
			return ms_err(ret, err, errlen, "device %s: cannot set MTU %u: %s", c->device,
				    c->mtu, strerror(-ret));
	}
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nb_rxd, &nb_txd);
	if (ret != 0)
		return ms_err(ret, err, errlen, "device %s: descriptor counts: %s", c->device,
			    strerror(-ret));
	st->socket_id = rte_eth_dev_socket_id(pid);
	if (st->socket_id < 0)
		st->socket_id = (int)rte_socket_id();
	for (uint16_t q = 0; q < c->nb_rxq; q++) {
		struct rte_eth_rxconf rxc = info.default_rxconf;

		rxc.offloads = conf.rxmode.offloads;
		ret = rte_eth_rx_queue_setup(pid, q, nb_rxd, (unsigned)st->socket_id, &rxc, c->pool);
		if (ret != 0)
			return ms_err(ret, err, errlen, "device %s: rx queue %u: %s", c->device, q,
				    strerror(-ret));
	}
	for (uint16_t q = 0; q < nb_txq; q++) {
		struct rte_eth_txconf txc = info.default_txconf;

		txc.offloads = conf.txmode.offloads;
		ret = rte_eth_tx_queue_setup(pid, q, nb_txd, (unsigned)st->socket_id, &txc);
		if (ret != 0)
			return ms_err(ret, err, errlen, "device %s: tx queue %u: %s", c->device, q,
				    strerror(-ret));
	}
	ret = rte_eth_dev_start(pid);
	if (ret != 0)
		return ms_err(ret, err, errlen, "device %s: cannot start: %s", c->device,
			    strerror(-ret));
	/* our own MAC, broadcast and the multicast of ND are all we need */
	rte_eth_promiscuous_disable(pid);
	rte_eth_allmulticast_enable(pid);
	ret = rte_eth_macaddr_get(pid, &st->mac);
	if (ret != 0)
		return ms_err(ret, err, errlen, "device %s: no MAC address: %s", c->device,
			    strerror(-ret));
	st->port_id = pid;
	st->nb_txq = nb_txq;
	snprintf(st->driver, sizeof(st->driver), "%s", info.driver_name);
	MS_LOG(INFO, port, "%s (%s, port %u): %u rx queue(s)%s, %u tx queue(s), checksum offload: %s%s",
	       c->device, info.driver_name, pid, c->nb_rxq, st->rss ? " with RSS" : "", nb_txq,
	       st->tx_ipv4_cksum ? "ipv4 " : "", st->tx_udp_cksum ? "udp" : "none");
	return 0;
}

void
ms_port_close(uint16_t port_id)
{
	int ret = rte_eth_dev_stop(port_id);

	if (ret != 0)
		MS_LOG(WARNING, port, "port %u: stop: %s", port_id, strerror(-ret));
	rte_eth_dev_close(port_id);
}

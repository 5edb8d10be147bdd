/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mediasec-bench forward: what grows with the number of legs. The worker's
 * cost per packet at one fixed rate (the no-drop rate of each row differs,
 * and the cost per packet falls as bursts fill up, so rows are compared at
 * the same rate), mediasecd's memory as it reports it and as the kernel
 * counts it, and the projection of worker cores for a line rate.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "client.h"
#include "forward.h"

const double fwd_line_rate_mpps[FWD_LINE_RATES] = {5.0, 12.6, 50.4};
const char *const fwd_line_rate_name[FWD_LINE_RATES] = {"10 GbE", "25 GbE", "100 GbE"};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void
fwd_cost_finish(struct fwd_cost *c)
{
	double v[FWD_COST_MAX_REPS];
	unsigned n = 0;

	c->nb_disturbed = 0;
	for (unsigned i = 0; i < c->n; i++) {
		c->nb_disturbed += c->disturbed[i];
		if (c->cycles[i] > 0)
			v[n++] = c->cycles[i];
	}
	c->median = 0;
	if (n == 0)
		return;
	qsort(v, n, sizeof(v[0]), cmp_double);
	c->median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
proc_mem(int pid, struct fwd_mem *m)
{
	struct fwd_proc_mem pm;

	m->kernel_ok = fwd_proc_mem(pid, &pm);
	m->rss_anon_kb = pm.rss_anon_kb;
	m->rss_file_kb = pm.rss_file_kb;
	m->rss_shmem_kb = pm.rss_shmem_kb;
	m->hugetlb_kb = pm.hugetlb_kb;
}

static double
jnum(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void
stats_op(const char *sock, struct fwd_mem *m)
{
	struct ms_client_opts co;
	struct ms_client *c = NULL;
	char err[256];
	cJSON *r;
	const cJSON *res, *mem;

	memset(&co, 0, sizeof(co));
	co.socket_path = sock;
	co.name = "mediasec-bench forward";
	co.timeout_ms = 10000;
	if (ms_client_connect(&co, &c, err, sizeof(err)) < 0) {
		fprintf(stderr, "  memory: cannot connect to %s: %s\n", sock, err);
		return;
	}
	r = ms_client_call_text(c, "{\"op\":\"stats\"}", err, sizeof(err));
	res = cJSON_GetObjectItemCaseSensitive(r, "result");
	mem = cJSON_GetObjectItemCaseSensitive(res, "memory");
	if (mem != NULL) {
		m->stats_ok = true;
		m->dpdk_heap = jnum(mem, "dpdk_heap_bytes");
		m->key_memory = jnum(mem, "key_memory_bytes");
		m->control_heap = jnum(mem, "control_heap_bytes");
		m->total = jnum(mem, "total_bytes");
		m->legs = jnum(cJSON_GetObjectItemCaseSensitive(res, "sessions"), "legs");
	} else {
		fprintf(stderr, "  memory: the stats op answered no memory%s%s\n", r ? "" : ": ",
			r ? "" : err);
	}
	cJSON_Delete(r);
	ms_client_close(c);
}

void
fwd_mem_read(int pid, const char *ctl_socket, const char *telemetry, struct fwd_mem *m)
{
	json_t *hi;

	memset(m, 0, sizeof(*m));
	if (ctl_socket != NULL)
		stats_op(ctl_socket, m);
	hi = telemetry != NULL && telemetry[0] ? fwd_telemetry(telemetry, "/eal/heap_info,0") : NULL;
	if (hi != NULL) {
		m->heap_ok = true;
		m->heap_mapped = json_number_value(json_object_get(hi, "Heap_size"));
		json_decref(hi);
	}
	proc_mem(pid, m);
}

double
fwd_mem_kernel_mib(const struct fwd_mem *m)
{
	return (m->rss_anon_kb + m->rss_file_kb + m->rss_shmem_kb + m->hugetlb_kb) / 1024;
}

json_t *
fwd_mem_json(const struct fwd_mem *m)
{
	json_t *j = json_object();

	if (m->stats_ok) {
		json_object_set_new(j, "dpdk_heap_bytes", json_real(m->dpdk_heap));
		json_object_set_new(j, "key_memory_bytes", json_real(m->key_memory));
		json_object_set_new(j, "control_heap_bytes", json_real(m->control_heap));
		json_object_set_new(j, "total_bytes", json_real(m->total));
		json_object_set_new(j, "legs_installed", json_real(m->legs));
	}
	if (m->heap_ok)
		json_object_set_new(j, "dpdk_heap_mapped_bytes", json_real(m->heap_mapped));
	if (m->kernel_ok) {
		json_object_set_new(j, "rss_anon_kb", json_real(m->rss_anon_kb));
		json_object_set_new(j, "rss_file_kb", json_real(m->rss_file_kb));
		json_object_set_new(j, "rss_shmem_kb", json_real(m->rss_shmem_kb));
		json_object_set_new(j, "hugetlb_kb", json_real(m->hugetlb_kb));
		json_object_set_new(j, "kernel_total_mib", json_real(fwd_mem_kernel_mib(m)));
	}
	return j;
}

json_t *
fwd_cost_json(const struct fwd_cost *c)
{
	json_t *j = json_object(), *a = json_array();

	json_object_set_new(j, "rate_pps", json_real(c->rate_pps));
	json_object_set_new(j, "cycles_per_packet_median", json_real(c->median));
	for (unsigned i = 0; i < c->n; i++)
		json_array_append_new(a, json_real(c->cycles[i]));
	json_object_set_new(j, "cycles_per_packet", a);
	json_object_set_new(j, "trials_disturbed", json_integer(c->nb_disturbed));
	json_object_set_new(j, "l3_ratio_worst", json_real(c->l3_ratio_worst));
	return j;
}

double
fwd_cores_needed(double cycles_per_pkt, double tsc_hz, double mpps)
{
	if (cycles_per_pkt <= 0 || tsc_hz <= 0)
		return NAN;
	return mpps * 1e6 * cycles_per_pkt / tsc_hz;
}

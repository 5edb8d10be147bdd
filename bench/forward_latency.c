/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mediasec-bench forward: latency at 10%, 50% and 90% of a row's no-drop
 * rate, through mediasecd and through the dpdk-testpmd loop at the same
 * rates, and what mediasecd adds.
 *
 * A packet's latency is the generator's TSC when it read the packet back
 * minus the TSC it wrote into the payload when it built it: both memif hops,
 * the proxy, and the generator's own queues. The loop (testpmd io) has the
 * same hops and a forwarding loop that does nothing to the packet, so the
 * difference of the two at one rate is what mediasecd's work adds. A
 * difference of percentiles is not the percentile of a difference: the
 * "added" figures say how far mediasecd moves the distribution, which is
 * what a user of the proxy sees, not the cost of one packet.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include "forward.h"

const double fwd_lat_loads[FWD_LAT_LOADS] = {0.10, 0.50, 0.90};

void
fwd_lat_point_set(struct fwd_lat_point *p, const struct fwd_trial *t, double loss_pct)
{
	double hz = (double)rte_get_tsc_hz();

	memset(p, 0, sizeof(*p));
	p->ok = t->lat_count > 0;
	p->rate_pps = t->elapsed_s > 0 ? (double)t->sent / t->elapsed_s : 0;
	p->loss_pct = loss_pct;
	p->samples = t->lat_count;
	p->min_us = (double)t->lat_min_cycles / hz * 1e6;
	p->p50_us = fwd_trial_lat_us(t, 50);
	p->p99_us = fwd_trial_lat_us(t, 99);
	p->p999_us = fwd_trial_lat_us(t, 99.9);
	p->max_us = (double)t->lat_max_cycles / hz * 1e6;
	p->gen_busy = t->elapsed_s > 0 ? (double)t->gen_busy_cycles / (t->elapsed_s * hz) : 0;
	p->others = t->others;
	p->disturbed = t->disturbed;
	p->corrupted = t->corrupted;
	p->misforwarded = t->misforwarded;
}

double
fwd_lat_added(const struct fwd_lat *l, unsigned load, double pct)
{
	const struct fwd_lat_point *a = &l->proxy[load], *b = &l->loop[load];

	if (!a->ok || !b->ok || a->overloaded || b->overloaded)
		return NAN;
	return pct >= 99 ? a->p99_us - b->p99_us : a->p50_us - b->p50_us;
}

void
fwd_lat_print_head(FILE *out, bool md)
{
	if (md)
		fprintf(out, "| mode | legs | load | through | Mpps | loss %% | samples | min | p50 | p99 | "
			     "p99.9 | max | added p50 | added p99 | generator busy |\n"
			     "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	else
		fprintf(out, "  %-28s %4s %-9s %7s %7s %9s %7s %7s %7s %7s %8s %7s %7s %5s\n",
			"mode / legs", "load", "through", "Mpps", "loss%", "samples", "min", "p50",
			"p99", "p99.9", "max", "+p50", "+p99", "gbusy");
}

static void
print_point(FILE *out, bool md, const char *label, unsigned load, const char *through,
	    const struct fwd_lat_point *p, double add50, double add99)
{
	char a50[24] = "", a99[24] = "";

	if (!isnan(add50)) {
		snprintf(a50, sizeof(a50), "%.1f", add50);
		snprintf(a99, sizeof(a99), "%.1f", add99);
	} else if (md) {
		snprintf(a50, sizeof(a50), "-");
		snprintf(a99, sizeof(a99), "-");
	}
	if (!p->ok) {
		fprintf(out, md ? "| %s | %.0f%% | %s | not measured |\n" : "  %-28s %3.0f%% %-9s not measured\n",
			label, 100 * fwd_lat_loads[load], through);
		return;
	}
	if (md)
		fprintf(out, "| %s | %.0f%% | %s | %.3f | %.4f | %lu | %.1f | %.1f | %.1f | %.1f | %.1f | %s | "
			     "%s | %.0f%%%s |\n",
			label, 100 * fwd_lat_loads[load], through, p->rate_pps / 1e6, p->loss_pct,
			(unsigned long)p->samples, p->min_us, p->p50_us, p->p99_us, p->p999_us, p->max_us,
			a50, a99, 100 * p->gen_busy,
			p->overloaded ? " (over)" : p->disturbed ? " (!)" : "");
	else
		fprintf(out, "  %-28s %3.0f%% %-9s %7.3f %7.4f %9lu %7.1f %7.1f %7.1f %7.1f %8.1f %7s %7s "
			     "%4.0f%%%s\n",
			label, 100 * fwd_lat_loads[load], through, p->rate_pps / 1e6, p->loss_pct,
			(unsigned long)p->samples, p->min_us, p->p50_us, p->p99_us, p->p999_us, p->max_us,
			a50, a99, 100 * p->gen_busy,
			p->overloaded ? "  (over)" : p->disturbed ? "  (!)" : "");
}

void
fwd_lat_print_row(FILE *out, bool md, const char *label, const struct fwd_lat *l)
{
	for (unsigned k = 0; k < FWD_LAT_LOADS; k++) {
		print_point(out, md, label, k, "mediasecd", &l->proxy[k], fwd_lat_added(l, k, 50),
			    fwd_lat_added(l, k, 99));
		if (l->loop[k].ok)
			print_point(out, md, label, k, "testpmd", &l->loop[k], NAN, NAN);
	}
	if (l->loop_error[0] != '\0')
		fprintf(out, md ? "| %s | | testpmd | %s |\n" : "  %-28s      testpmd   %s\n", label,
			l->loop_error);
}

void
fwd_lat_print_method(FILE *out, bool md)
{
	const char *p = md ? "" : "  ";

	fprintf(out,
		"\n%sLatency, us: from the TSC the generator writes into each packet's payload when it\n"
		"%sbuilds it to the TSC when it reads the packet back (one clock, one CPU), over every\n"
		"%spacket that came back intact in one trial at the load's rate (share of the row's\n"
		"%sno-drop rate). Percentiles by nearest rank from a histogram with buckets under 0.8%%\n"
		"%swide; min and max exact. \"testpmd\": the same generator, rates and packets through\n"
		"%sdpdk-testpmd io in place of mediasecd, right after it: the generator's own loop and\n"
		"%sboth memif hops. \"added\" = mediasecd minus testpmd at the same load, for p50 and\n"
		"%sp99 (a shift of the distribution, not a per-packet cost). With SRTP entering, the\n"
		"%sloop hands the generator SRTP to verify where mediasecd hands it RTP (and the\n"
		"%sreverse for RTP->SRTP): \"generator busy\" shows how much its own work differs.\n"
		"%s(over): that trial lost more packets than the search allows (queues full, here\n"
		"%susually the generator's own limit with the loop's packets): no \"added\" is computed\n"
		"%sfrom it. (!): other tasks took CPU time or the L3 was slow during the trial.\n",
		p, p, p, p, p, p, p, p, p, p, p, p, p);
}

static json_t *
point_json(const struct fwd_lat_point *p, double load)
{
	json_t *j = json_object();

	json_object_set_new(j, "load", json_real(load));
	json_object_set_new(j, "ok", json_boolean(p->ok));
	if (!p->ok)
		return j;
	json_object_set_new(j, "rate_mpps", json_real(p->rate_pps / 1e6));
	json_object_set_new(j, "loss_percent", json_real(p->loss_pct));
	json_object_set_new(j, "samples", json_integer((json_int_t)p->samples));
	json_object_set_new(j, "min_us", json_real(p->min_us));
	json_object_set_new(j, "p50_us", json_real(p->p50_us));
	json_object_set_new(j, "p99_us", json_real(p->p99_us));
	json_object_set_new(j, "p99_9_us", json_real(p->p999_us));
	json_object_set_new(j, "max_us", json_real(p->max_us));
	json_object_set_new(j, "generator_busy", json_real(p->gen_busy));
	json_object_set_new(j, "other_tasks_cpu_share", json_real(p->others));
	json_object_set_new(j, "disturbed", json_boolean(p->disturbed));
	json_object_set_new(j, "overloaded", json_boolean(p->overloaded));
	json_object_set_new(j, "corrupted", json_integer((json_int_t)p->corrupted));
	json_object_set_new(j, "misforwarded", json_integer((json_int_t)p->misforwarded));
	return j;
}

json_t *
fwd_lat_json(const struct fwd_lat *l)
{
	json_t *j = json_object(), *a = json_array();

	for (unsigned k = 0; k < FWD_LAT_LOADS; k++) {
		json_t *e = json_object();
		double a50 = fwd_lat_added(l, k, 50), a99 = fwd_lat_added(l, k, 99);

		json_object_set_new(e, "load", json_real(fwd_lat_loads[k]));
		json_object_set_new(e, "mediasecd", point_json(&l->proxy[k], fwd_lat_loads[k]));
		json_object_set_new(e, "testpmd", point_json(&l->loop[k], fwd_lat_loads[k]));
		if (!isnan(a50)) {
			json_object_set_new(e, "added_p50_us", json_real(a50));
			json_object_set_new(e, "added_p99_us", json_real(a99));
		}
		json_array_append_new(a, e);
	}
	json_object_set_new(j, "loads", a);
	if (l->loop_error[0] != '\0')
		json_object_set_new(j, "testpmd_error", json_string(l->loop_error));
	return j;
}

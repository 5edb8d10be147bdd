/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mediasec-bench forward: session installs per second while mediasecd
 * forwards at a share (80%) of the no-drop rate found. The install machinery
 * is mediasec-bench control's; this runs it as a child of this program, fed
 * with the rate, and reads its JSON, so that one forward run gives both.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "forward.h"

static double
jreal(const json_t *o, const char *name)
{
	const json_t *v = json_object_get(o, name);

	return json_is_number(v) ? json_number_value(v) : 0;
}

static void
read_results(const char *path, struct fwd_installs *r)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr), *inst, *rows, *tr, *row;
	size_t i;

	if (root == NULL) {
		snprintf(r->error, sizeof(r->error), "no results in %.160s: %.60s", path, jerr.text);
		return;
	}
	inst = json_object_get(root, "install");
	rows = json_object_get(inst, "rows");
	json_array_foreach(rows, i, row) {
		const char *t = json_string_value(json_object_get(row, "transport"));
		const char *m = json_string_value(json_object_get(row, "mode"));
		double v = jreal(row, "installs_per_second_median");
		bool srtp = m != NULL && strcmp(m, "srtp-srtp") == 0;

		if (t == NULL || m == NULL)
			continue;
		if (strcmp(t, "unix") == 0) {
			*(srtp ? &r->unix_srtp : &r->unix_rtp) = v;
			if (!srtp)
				r->daemon_us = jreal(row, "daemon_cpu_us_per_install");
		} else {
			*(srtp ? &r->tls_srtp : &r->tls_rtp) = v;
		}
	}
	tr = json_object_get(inst, "traffic");
	if (tr != NULL) {
		r->sent = (uint64_t)jreal(tr, "sent");
		r->received = (uint64_t)jreal(tr, "received_intact");
		r->corrupted = (uint64_t)jreal(tr, "corrupted");
		r->misforwarded = (uint64_t)jreal(tr, "misforwarded");
		r->drops = jreal(tr, "drops");
		r->seconds = jreal(tr, "seconds");
	}
	r->ok = r->unix_rtp > 0;
	if (!r->ok)
		snprintf(r->error, sizeof(r->error), "no Unix SRTP->RTP install rate in %.160s", path);
	json_decref(root);
}

int
fwd_installs_run(unsigned sessions, double rate_pps, double share, unsigned gen_cpu,
		 unsigned worker_cpu, bool quick, const char *dir, struct fwd_installs *r)
{
	char self[PATH_MAX], json[256], log[256];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int status;

	memset(r, 0, sizeof(*r));
	r->ran = true;
	r->sessions = sessions;
	r->rate_pps = rate_pps;
	r->share = share;
	if (n <= 0) {
		snprintf(r->error, sizeof(r->error), "cannot find this program: %s", strerror(errno));
		return -1;
	}
	self[n] = '\0';
	snprintf(json, sizeof(json), "%s/installs.json", dir);
	snprintf(log, sizeof(log), "%s/installs.log", dir);
	/* only the install phase matters here: no probes, no scale passes */
	snprintf(r->command, sizeof(r->command),
		 "mediasec-bench control --traffic %u --traffic-rate %.0f --probes 0 --scale-legs 0 "
		 "--srtp-sessions 0 --gen-cpu %u --worker-cpu %u%s",
		 sessions, rate_pps, gen_cpu, worker_cpu, quick ? " --quick" : "");
	char cmd[PATH_MAX + 1024];
	snprintf(cmd, sizeof(cmd), "'%s' %s --json-file '%s' >'%s' 2>&1", self,
		 r->command + strlen("mediasec-bench "), json, log);
	fprintf(stderr, "key installs while forwarding: %s\n", r->command);
	fflush(NULL);
	status = system(cmd);
	if (status != 0)
		fprintf(stderr, "  mediasec-bench control ended with status %d (log %s)\n", status, log);
	read_results(json, r);
	if (r->ok) {
		unlink(json);
		if (status == 0)
			unlink(log);
	}
	return r->ok ? 0 : -1;
}

json_t *
fwd_installs_json(const struct fwd_installs *r)
{
	json_t *j = json_object();

	json_object_set_new(j, "command", json_string(r->command));
	json_object_set_new(j, "ok", json_boolean(r->ok));
	if (r->error[0])
		json_object_set_new(j, "error", json_string(r->error));
	json_object_set_new(j, "traffic_sessions", json_integer(r->sessions));
	json_object_set_new(j, "traffic_rate_pps", json_real(r->rate_pps));
	json_object_set_new(j, "share_of_no_drop_rate", json_real(r->share));
	json_object_set_new(j, "unix_srtp_rtp_installs_per_second", json_real(r->unix_rtp));
	json_object_set_new(j, "unix_srtp_srtp_installs_per_second", json_real(r->unix_srtp));
	json_object_set_new(j, "tls_srtp_rtp_installs_per_second", json_real(r->tls_rtp));
	json_object_set_new(j, "tls_srtp_srtp_installs_per_second", json_real(r->tls_srtp));
	json_object_set_new(j, "daemon_cpu_us_per_install", json_real(r->daemon_us));
	json_object_set_new(j, "traffic_sent", json_integer((json_int_t)r->sent));
	json_object_set_new(j, "traffic_received_intact", json_integer((json_int_t)r->received));
	json_object_set_new(j, "traffic_corrupted", json_integer((json_int_t)r->corrupted));
	json_object_set_new(j, "traffic_misforwarded", json_integer((json_int_t)r->misforwarded));
	json_object_set_new(j, "proxy_drops", json_real(r->drops));
	json_object_set_new(j, "traffic_seconds", json_real(r->seconds));
	return j;
}

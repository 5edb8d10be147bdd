/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mediasec-bench pktgen: replay.lua and ndr.lua for Pktgen-DPDK. Each is one
 * self-contained file (pktgen loads a script with -f or `load`, with no
 * search path for a library of ours): the run's settings as a Lua table,
 * then bench/pktgen/common.lua, then the script's own part, all three
 * compiled into this program.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pktgen.h"

extern const char ms_pktgen_common_lua[];
extern const char ms_pktgen_replay_lua[];
extern const char ms_pktgen_ndr_lua[];

static int
write_script(const struct pg_opts *o, const struct pg_plan *p, const char *dir, const char *name,
	     const char *body)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (f == NULL)
		return -errno;
	/* the trials of an NDR search take about 6 times one trial's packets at the top rate */
	double ndr_trial_s = o->seconds / 6 < 1 ? 1 : o->seconds / 6;

	fprintf(f,
		"-- %s: written by mediasec-bench pktgen for %u sessions, %s; %" PRIu64
		" packets\n"
		"-- in each of a.pcap and b.pcap. Run it in a pktgen started afresh with this run's\n"
		"-- files and one transmit core per port, for example:\n"
		"--   pktgen -l 0-4 -n 4 -a <PCI of port A> -a <PCI of port B> -- -P \\\n"
		"--     -m \"[1:2].%u,[3:4].%u\" -s %u:a.pcap -s %u:b.pcap -f %s\n"
		"-- docs/benchmarking-with-pktgen.md in mediasec tells the whole procedure.\n"
		"local MS = {\n"
		"\tport_a = %u, port_b = %u,\n"
		"\tframe = { %u, %u }, -- bytes of a frame port A / port B sends, without FCS\n"
		"\tfile_packets = %" PRIu64 ", -- in a.pcap, and in b.pcap\n"
		"\trate = %.0f, -- packets per second per direction\n"
		"\tseconds = %.3f,\n"
		"\tndr_trial_s = %.3f,\n"
		"\tdrain_ms = 500,\n"
		"\tsessions = %u,\n"
		"\tmode = \"%s\",\n"
		"}\n",
		name, o->sessions, fwd_mode_info(o->mode)->label, p->file_packets,
		o->pktgen_port[0], o->pktgen_port[1], o->pktgen_port[0], o->pktgen_port[1], name,
		o->pktgen_port[0], o->pktgen_port[1], p->frame_len[0], p->frame_len[1],
		p->file_packets, o->rate, o->seconds, ndr_trial_s, o->sessions,
		fwd_mode_info(o->mode)->label);
	fputs(ms_pktgen_common_lua, f);
	fputs("\n", f);
	fputs(body, f);
	if (ferror(f) || fclose(f) != 0)
		return -EIO;
	return 0;
}

int
pg_lua_write(const struct pg_opts *o, const struct pg_plan *p, const char *dir)
{
	int ret = write_script(o, p, dir, "replay.lua", ms_pktgen_replay_lua);

	if (ret == 0)
		ret = write_script(o, p, dir, "ndr.lua", ms_pktgen_ndr_lua);
	return ret;
}

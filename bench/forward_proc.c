/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mediasec-bench forward: the proxy under test as a child process. Writes
 * mediasecd's configuration, starts it (or dpdk-testpmd as a loop), waits for
 * the line that says it forwards, reads its counters over DPDK telemetry and
 * stops it.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "forward.h"

#define STDBUF "/usr/bin/stdbuf"
/* about 5 MB of configuration */
#define FWD_SESSIONS_PER_FILE 10000u

void
fwd_base64(const uint8_t *in, size_t n, char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = tab[v >> 18];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = tab[v >> 6 & 63];
		out[o++] = tab[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);

		out[o++] = tab[v >> 18];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

static void
ip_str(uint32_t a, char *s, size_t n)
{
	snprintf(s, n, "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
}

void
fwd_inline_key(const struct fwd_setup *s, uint32_t session, unsigned k, char *out)
{
	const struct ms_srtp_suite_info *si = ms_srtp_suite_info(s->suite);
	uint8_t buf[MS_SRTP_MAX_KEY_LEN + MS_SRTP_MAX_SALT_LEN];

	fwd_session_key(s->suite, session, k, buf, buf + si->master_key_len);
	strcpy(out, "inline:");
	fwd_base64(buf, (size_t)si->master_key_len + si->master_salt_len, out + 7);
	memset(buf, 0, sizeof(buf));
}

static void
write_leg(FILE *f, const struct fwd_setup *s, enum fwd_side side, uint32_t i, bool srtp)
{
	const struct ms_srtp_suite_info *si = ms_srtp_suite_info(s->suite);
	char local[16], peer[16], key[96];

	ip_str(fwd_addr(side, false, i), local, sizeof(local));
	ip_str(fwd_addr(side, true, i), peer, sizeof(peer));
	fprintf(f, "\t\t{ port = \"%c\"; local = \"%s:%u\"; rtcp = \"mux\"; peer = \"%s:%u\"; ",
		side == FWD_A ? 'a' : 'b', local, fwd_udp_port(i), peer, fwd_udp_port(i));
	if (!srtp) {
		fprintf(f, "mode = \"rtp\"; }");
		return;
	}
	fprintf(f, "mode = \"%s\"; suite = \"%s\";\n\t\t  ",
		si->cipher == MS_CIPHER_NULL ? "authenticated" : "encrypted", si->name);
	fwd_inline_key(s, i, side == FWD_A ? 0 : 2, key);
	fprintf(f, "recv_key = \"%s\";\n\t\t  ", key);
	fwd_inline_key(s, i, side == FWD_A ? 1 : 3, key);
	fprintf(f, "send_key = \"%s\"; }", key);
	memset(key, 0, sizeof(key));
}

static void
mac_str(const struct rte_ether_addr *m, char *s, size_t n)
{
	snprintf(s, n, RTE_ETHER_ADDR_PRT_FMT, RTE_ETHER_ADDR_BYTES(m));
}

/* A file for keys: only its owner may read it, whatever the umask. */
static FILE *
fopen_secret(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f;

	if (fd < 0)
		return NULL;
	if (fchmod(fd, 0600) != 0 || (f = fdopen(fd, "w")) == NULL) {
		int err = errno;

		close(fd);
		errno = err;
		return NULL;
	}
	return f;
}

int
fwd_write_config(const struct fwd_sessions_conf *c, const char *path, const char *eal_prefix)
{
	const struct fwd_setup *s = c->setup;
	const struct fwd_mode_info *mi = fwd_mode_info(c->mode);
	uint32_t nb_addrs = (c->sessions + FWD_PORTS_PER_ADDR - 1) / FWD_PORTS_PER_ADDR;
	uint32_t legs = c->legs ? c->legs : RTE_MAX(4096u, rte_align32pow2(2 * c->sessions));
	/* lcores numbered apart from CPUs: several workers, or a worker on the main lcore's CPU */
	bool mapped = c->nb_workers > 1 ||
		      (c->nb_workers == 1 && c->worker_cpus != NULL && c->worker_cpus[0] == c->main_lcore);
	char main_cpu[32] = "";
	unsigned media_lo = c->media_lo ? c->media_lo : FWD_UDP_BASE;
	unsigned media_hi = c->media_hi ? c->media_hi : FWD_UDP_BASE + FWD_PORTS_PER_ADDR - 1;
	FILE *f = fopen_secret(path);
	char mac[24], ip[16];

	nb_addrs = RTE_MAX(nb_addrs, c->min_addrs);
	nb_addrs = RTE_MIN(nb_addrs, (uint32_t)FWD_MAX_ADDRS);
	if (f == NULL)
		return -errno;
	if (mapped)
		snprintf(main_cpu, sizeof(main_cpu), "\tmain_cpu = %u;\n", c->main_lcore);
	fprintf(f,
		"# written by mediasec-bench forward: %u sessions, %s\n"
		"eal = {\n"
		"\thugepages = \"%s\";\n"
		"\tmemory_mb = %u;\n"
		"\tmain_lcore = %u;\n"
		"%s"
		"\targs = [ \"--file-prefix=%s\", \"--log-level=lib.eal:notice\"%s ];\n"
		"};\n"
		"crypto = { engine = \"ipsec-mb\"; replay_window = %u; };\n"
		"mbufs = { count = %u; cache = 256; };\n"
		"limits = { legs = %u; neighbours = 1024; };\n"
		"ports = (\n",
		c->sessions, mi->label, c->hugepages ? "yes" : "no",
		c->hugepages ? 0 : c->memory_mb ? c->memory_mb : 1024,
		mapped ? 0 : c->main_lcore, main_cpu, eal_prefix,
		s->transport == FWD_VHOST ? ", \"--single-file-segments\"" : "", s->replay_window,
		c->mbufs, legs);
	for (unsigned p = 0; p < 2; p++) {
		enum fwd_side side = p ? FWD_B : FWD_A;

		mac_str(&s->proxy_mac[p], mac, sizeof(mac));
		if (s->transport == FWD_MEMIF)
			fprintf(f,
				"\t{ name = \"%c\"; device = \"net_memif_%c\";\n"
				"\t  args = \"role=client,socket=%s/%c.sock,socket-abstract=no,id=0,mac=%s\";\n",
				'a' + p, 'a' + p, s->dir, 'a' + p, mac);
		else
			fprintf(f,
				"\t{ name = \"%c\"; device = \"net_virtio_user_%c\";\n"
				"\t  args = \"path=%s/%c.sock,queues=1,queue_size=1024,mac=%s\";\n",
				'a' + p, 'a' + p, s->dir, 'a' + p, mac);
		fprintf(f, "\t  addresses = [ ");
		for (uint32_t h = 0; h < nb_addrs; h++) {
			ip_str(fwd_addr(side, false, h * FWD_PORTS_PER_ADDR), ip, sizeof(ip));
			fprintf(f, "%s\"%s/16\"", h ? ", " : "", ip);
		}
		fprintf(f, " ];\n\t  media_ports = \"%u-%u\";\n\t  rx_desc = 1024; tx_desc = 1024;\n",
			media_lo, media_hi);
		mac_str(&s->gen_mac[p], mac, sizeof(mac));
		fprintf(f, "\t  neighbours = (");
		for (uint32_t h = 0; h < nb_addrs; h++) {
			ip_str(fwd_addr(side, true, h * FWD_PORTS_PER_ADDR), ip, sizeof(ip));
			fprintf(f, "%s { address = \"%s\"; mac = \"%s\"; }", h ? "," : "", ip, mac);
		}
		fprintf(f, " );\n\t}%s\n", p == 0 ? "," : "");
	}
	if (!mapped) {
		fprintf(f, ");\nworkers = ( { lcore = %u; queues = [ \"a:0\", \"b:0\" ]; } );\n",
			c->worker_lcore);
	} else {
		fprintf(f, ");\nworkers = (\n");
		for (unsigned w = 0; w < c->nb_workers; w++)
			fprintf(f, "\t{ lcore = %u; cpu = %u; queues = [ \"a:%u\", \"b:%u\" ]; }%s\n", w + 1,
				c->worker_cpus[w], w, w, w + 1 < c->nb_workers ? "," : "");
		fprintf(f, ");\n");
	}
	if (c->control_socket != NULL)
		fprintf(f,
			"control = {\n"
			"\tlisteners = ( { transport = \"unix\"; path = \"%s\"; mode = \"0600\";\n"
			"\t\tprofile = \"bench-unix\"; } );\n"
			"\tprofiles = ( { name = \"bench-unix\"; transport = \"unix\";\n"
			"\t\tsecurity_mode = \"non-secure\"; } );\n"
			"};\n",
			c->control_socket);
	fprintf(f, "stats_interval_ms = 0;\nsessions = (\n");
	/*
	 * mediasecd reads files of at most 16 MiB: beyond a few tens of
	 * thousands of sessions they go into files of their own, which
	 * libconfig includes where the list is.
	 */
	FILE *out = f;
	for (uint32_t i = 0; i < c->sessions; i++) {
		if (c->sessions > FWD_SESSIONS_PER_FILE && i % FWD_SESSIONS_PER_FILE == 0) {
			char part[300];

			if (out != f && fclose(out) != 0) {
				fclose(f);
				return -errno;
			}
			snprintf(part, sizeof(part), "%s.%u", path, i / FWD_SESSIONS_PER_FILE);
			out = fopen_secret(part);
			if (out == NULL) {
				int err = errno;

				fclose(f);
				return -err;
			}
			fprintf(f, "@include \"%s\"\n", part);
		}
		fprintf(out, "\t{ name = \"s%u\"; legs = (\n", i);
		write_leg(out, s, FWD_A, i, mi->srtp_in);
		fprintf(out, ",\n");
		write_leg(out, s, FWD_B, i, mi->srtp_out);
		fprintf(out, "\n\t); }%s\n", i + 1 < c->sessions ? "," : "");
	}
	if (out != f && fclose(out) != 0) {
		fclose(f);
		return -errno;
	}
	fprintf(f, ");\n");
	if (c->extra != NULL)
		fputs(c->extra, f);
	if (fclose(f) != 0)
		return -errno;
	return 0;
}

void
fwd_remove_config(const char *path)
{
	char part[300];

	unlink(path);
	for (unsigned k = 0;; k++) {
		snprintf(part, sizeof(part), "%s.%u", path, k);
		if (unlink(part) < 0)
			break;
	}
}

const char *
fwd_default_mediasecd(void)
{
	static char path[PATH_MAX];
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return "mediasecd";
	self[n] = '\0';
	/* <builddir>/bench/mediasec-bench -> <builddir>/mediasecd */
	char *dir = dirname(dirname(self));
	snprintf(path, sizeof(path), "%s/mediasecd", dir);
	return path;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

void
fwd_child_log_tail(const struct fwd_child *ch, FILE *out, unsigned lines)
{
	FILE *f = fopen(ch->log, "r");
	char **ring, buf[512];
	unsigned n = 0;

	if (f == NULL)
		return;
	ring = calloc(lines, sizeof(*ring));
	while (ring != NULL && fgets(buf, sizeof(buf), f) != NULL) {
		free(ring[n % lines]);
		ring[n % lines] = strdup(buf);
		n++;
	}
	for (unsigned k = n > lines ? n - lines : 0; ring != NULL && k < n; k++) {
		fprintf(out, "    | %s", ring[k % lines]);
		free(ring[k % lines]);
	}
	free(ring);
	fclose(f);
}

/* True when the log holds a line containing pattern; *off: where to read on from. */
static bool
log_has(const char *log, const char *pattern, long *off)
{
	FILE *f = fopen(log, "r");
	char line[1024];
	bool found = false;

	if (f == NULL)
		return false;
	if (fseek(f, *off, SEEK_SET) == 0) {
		long start = *off;

		while (fgets(line, sizeof(line), f) != NULL) {
			size_t len = strlen(line);

			if (len == 0 || line[len - 1] != '\n')
				break; /* a line still being written: read it again next time */
			if (strstr(line, pattern) != NULL) {
				found = true;
				break;
			}
			start += (long)len;
		}
		*off = start;
	}
	fclose(f);
	return found;
}

int
fwd_child_start(struct fwd_child *ch, char *const argv[], const char *log,
		const char *ready_pattern, double timeout_s)
{
	double deadline = now_s() + timeout_s;
	long off = 0;
	pid_t pid;
	int fd;

	snprintf(ch->log, sizeof(ch->log), "%s", log);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "forward: %s: %s\n", log, strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fd);
		fprintf(stderr, "forward: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		cpu_set_t all;
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		int null = open("/dev/null", O_RDONLY);

		/* the generator's lcore pinning is not the child's */
		CPU_ZERO(&all);
		for (long c = 0; c < cpus && c < CPU_SETSIZE; c++)
			CPU_SET(c, &all);
		sched_setaffinity(0, sizeof(all), &all);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		setpgid(0, 0);
		dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		/* line-buffered output, or the line that says it is ready waits in a buffer */
		if (access(STDBUF, X_OK) == 0) {
			char *args[64] = {STDBUF, "-oL", "-eL"};
			unsigned n = 3;

			for (unsigned k = 0; argv[k] != NULL && n < RTE_DIM(args) - 1; k++)
				args[n++] = argv[k];
			args[n] = NULL;
			execv(STDBUF, args);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd);
	ch->pid = pid;
	for (;;) {
		int status;

		if (log_has(log, ready_pattern, &off))
			return 0;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			ch->pid = 0;
			fprintf(stderr, "forward: %s exited (status %d) before it was ready; its log:\n",
				argv[0], WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
			fwd_child_log_tail(ch, stderr, 30);
			return -1;
		}
		if (now_s() > deadline) {
			fprintf(stderr, "forward: %s not ready after %.0f s; its log:\n", argv[0],
				timeout_s);
			fwd_child_log_tail(ch, stderr, 30);
			fwd_child_stop(ch, 5);
			return -1;
		}
		sleep_ms(20);
	}
}

int
fwd_child_stop(struct fwd_child *ch, double timeout_s)
{
	double deadline = now_s() + timeout_s;
	int status;

	if (ch->pid <= 0)
		return -1;
	kill(ch->pid, SIGTERM);
	for (;;) {
		pid_t r = waitpid(ch->pid, &status, WNOHANG);

		if (r == ch->pid)
			break;
		if (r < 0) {
			ch->pid = 0;
			return -1;
		}
		if (now_s() > deadline) {
			fprintf(stderr, "forward: child %d ignored SIGTERM for %.0f s: killed\n", ch->pid,
				timeout_s);
			kill(ch->pid, SIGKILL);
			waitpid(ch->pid, &status, 0);
			break;
		}
		sleep_ms(10);
	}
	ch->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

json_t *
fwd_telemetry(const char *socket_path, const char *cmd)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	static char buf[1 << 20];
	json_t *reply = NULL, *value;
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return NULL;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", socket_path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		goto out;
	n = recv(fd, buf, sizeof(buf) - 1, 0); /* the greeting */
	if (n <= 0)
		goto out;
	if (send(fd, cmd, strlen(cmd), 0) < 0)
		goto out;
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		goto out;
	reply = json_loadb(buf, (size_t)n, 0, NULL);
out:
	close(fd);
	if (reply == NULL)
		return NULL;
	/* {"<cmd>": value}; the command as sent, without its parameters */
	value = json_object_size(reply) == 1 ? json_object_iter_value(json_object_iter(reply)) : NULL;
	if (value != NULL)
		json_incref(value);
	json_decref(reply);
	return value;
}

static void
counters_add(struct fwd_counters *c, const char *name, double v)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->name = realloc(c->name, c->cap * sizeof(*c->name));
		c->value = realloc(c->value, c->cap * sizeof(*c->value));
	}
	c->name[c->n] = strdup(name);
	c->value[c->n++] = v;
}

static void
flatten(struct fwd_counters *c, const json_t *j, char *path, size_t len)
{
	size_t base = strlen(path);

	if (json_is_number(j)) {
		counters_add(c, path, json_number_value(j));
	} else if (json_is_object(j)) {
		const char *k;
		json_t *v;

		json_object_foreach((json_t *)(uintptr_t)j, k, v) {
			snprintf(path + base, len - base, "%s%s", base ? "." : "", k);
			flatten(c, v, path, len);
			path[base] = '\0';
		}
	} else if (json_is_array(j)) {
		size_t i;
		json_t *v;

		json_array_foreach(j, i, v) {
			snprintf(path + base, len - base, "%s%zu", base ? "." : "", i);
			flatten(c, v, path, len);
			path[base] = '\0';
		}
	}
}

void
fwd_counters_from_json(struct fwd_counters *c, const json_t *j)
{
	char path[512] = "";

	memset(c, 0, sizeof(*c));
	if (j != NULL)
		flatten(c, j, path, sizeof(path));
}

double
fwd_counters_get(const struct fwd_counters *c, const char *name)
{
	for (unsigned i = 0; i < c->n; i++)
		if (strcmp(c->name[i], name) == 0)
			return c->value[i];
	return 0;
}

double
fwd_counters_sum_leaf(const struct fwd_counters *c, const char *leaf)
{
	size_t ll = strlen(leaf);
	double sum = 0;

	for (unsigned i = 0; i < c->n; i++) {
		size_t nl = strlen(c->name[i]);

		if (nl >= ll && strcmp(c->name[i] + nl - ll, leaf) == 0 &&
		    (nl == ll || c->name[i][nl - ll - 1] == '.'))
			sum += c->value[i];
	}
	return sum;
}

void
fwd_counters_free(struct fwd_counters *c)
{
	for (unsigned i = 0; i < c->n; i++)
		free(c->name[i]);
	free(c->name);
	free(c->value);
	memset(c, 0, sizeof(*c));
}

int
fwd_counters_pick(const struct fwd_counters *c, const char *leaf)
{
	size_t ll = strlen(leaf);
	int best = -1, best_depth = INT_MAX;

	for (unsigned i = 0; i < c->n; i++) {
		size_t nl = strlen(c->name[i]);
		int depth = 0;

		if (nl < ll || strcmp(c->name[i] + nl - ll, leaf) != 0 ||
		    (nl > ll && c->name[i][nl - ll - 1] != '.'))
			continue;
		for (const char *p = c->name[i]; *p; p++)
			depth += *p == '.';
		if (depth < best_depth) {
			best = (int)i;
			best_depth = depth;
		}
	}
	return best;
}

double
fwd_counters_drops(const struct fwd_counters *a, const struct fwd_counters *b, char *out,
		   size_t len)
{
	int bi = fwd_counters_pick(b, "busy_cycles");
	size_t plen, used = 0;
	double total = 0;

	out[0] = '\0';
	if (bi < 0)
		return 0;
	plen = strlen(b->name[bi]) - strlen("busy_cycles");
	for (unsigned i = 0; i < b->n; i++) {
		const char *name = b->name[i];
		double d;

		if (strncmp(name, b->name[bi], plen) != 0 || strchr(name + plen, '.') != NULL ||
		    strstr(name + plen, "drop") == NULL)
			continue;
		d = b->value[i] - fwd_counters_get(a, name);
		if (d == 0)
			continue;
		total += d;
		if (used < len)
			used += (size_t)snprintf(out + used, len - used, "%s%s=%.0f", used ? " " : "",
						 name + plen, d);
	}
	return total;
}

static uint64_t
proc_ticks(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long utime = 0, stime = 0;
	FILE *f;

	snprintf(path, sizeof(path), pid ? "/proc/%d/stat" : "/proc/self/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL)
		return 0;
	/* after the command: state, then fields 4..; utime and stime are 14 and 15 */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
		return 0;
	return utime + stime;
}

void
fwd_cpu_sample(int child, struct fwd_cpu_sample *c)
{
	unsigned long long v[8] = {0};
	FILE *f = fopen("/proc/stat", "r");

	c->all = 0;
	if (f != NULL) {
		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
			   &v[4], &v[5], &v[6], &v[7]) == 8)
			c->all = v[0] + v[1] + v[2] + v[5] + v[6] + v[7]; /* all but idle, iowait */
		fclose(f);
	}
	c->ours = proc_ticks(0) + (child > 0 ? proc_ticks(child) : 0);
	c->tsc = rte_rdtsc();
}

double
fwd_cpu_others(const struct fwd_cpu_sample *a, const struct fwd_cpu_sample *b)
{
	double ticks = (double)sysconf(_SC_CLK_TCK) * (double)(b->tsc - a->tsc) / (double)rte_get_tsc_hz();
	int64_t others = (int64_t)(b->all - a->all) - (int64_t)(b->ours - a->ours);

	return others > 0 && ticks > 0 ? (double)others / ticks : 0;
}

bool
fwd_proc_mem(int pid, struct fwd_proc_mem *m)
{
	char path[64], line[256];
	bool hugetlb = false;
	FILE *f;

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long v;

		if (sscanf(line, "VmRSS: %lu kB", &v) == 1)
			m->vm_rss_kb = (double)v;
		else if (sscanf(line, "RssAnon: %lu kB", &v) == 1)
			m->rss_anon_kb = (double)v;
		else if (sscanf(line, "RssFile: %lu kB", &v) == 1)
			m->rss_file_kb = (double)v;
		else if (sscanf(line, "RssShmem: %lu kB", &v) == 1)
			m->rss_shmem_kb = (double)v;
		else if (sscanf(line, "HugetlbPages: %lu kB", &v) == 1) {
			m->hugetlb_kb = (double)v;
			hugetlb = true;
		}
	}
	fclose(f);
	return hugetlb;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket's TLS: TLS 1.3 with mutual certificate authentication
 * and nothing else. A test PKI is made by tests/control/certs.sh in a
 * temporary directory; each case runs the server side (non-blocking, as in
 * mediasecd) in a thread on a loopback TCP connection and the client side
 * (ours, or a raw OpenSSL client for what ours refuses to do) here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tls.h"

#define ECHO_LEN (64 * 1024 + 123) /* several records, one partial */

static char pki[128]; /* short: every path under it fits PATH_MAX */
static bool have_pki;

/* ------------------------------------------------------------------ helpers */

static void
need_pki(void)
{
	if (!have_pki) {
		print_message("openssl CLI not found: no test PKI\n");
		skip();
	}
}

static void
pki_path(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", pki, name);

	assert_true(n > 0 && (size_t)n < len);
}

/* Fills paths under the PKI directory; NULL leaves one empty. */
static void
files(struct ms_tls_files *f, const char *cert, const char *key, const char *ca_file,
      const char *ca_path)
{
	const char *in[4] = {cert, key, ca_file, ca_path};
	char *out[4] = {f->certificate, f->key, f->ca_file, f->ca_path};

	memset(f, 0, sizeof(*f));
	for (unsigned i = 0; i < 4; i++)
		if (in[i] != NULL)
			pki_path(out[i], MS_TLS_PATH_MAX, in[i]);
}

/* A connected loopback TCP pair: the server end non-blocking, as accepted by mediasecd. */
static void
tcp_pair(int *srv, int *cli)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t alen = sizeof(a);
	int ls = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(ls >= 0);
	assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(ls, 1), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&a, &alen), 0);
	*cli = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(*cli >= 0);
	assert_int_equal(connect(*cli, (struct sockaddr *)&a, sizeof(a)), 0);
	*srv = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
	assert_true(*srv >= 0);
	close(ls);
}

/* ---------------------------------------------------- the server's thread */

/* What the server side saw: filled by its thread, checked here (cmocka is not thread-safe). */
struct srv {
	struct ms_tls_server *s;
	int fd;
	bool echo; /* read ECHO_LEN bytes, send them back */
	int rc;
	char err[256];
	char names[8][MS_TLS_NAME_MAX];
	unsigned nb_names;
	char subject[MS_TLS_SUBJECT_MAX];
	char fingerprint[MS_TLS_SHA256_FP_LEN];
	char protocol[16];
	bool queue_clean;
	size_t pending;
	unsigned char *data;
	size_t got;
};

static int
wait_for(int fd, uint32_t want)
{
	struct pollfd p = {.fd = fd, .events = (want & EPOLLOUT) ? POLLOUT : POLLIN};

	return poll(&p, 1, 10000) == 1 ? 0 : -ETIMEDOUT;
}

static void
echo(struct srv *r, struct ms_tls_conn *c)
{
	size_t put = 0;
	uint32_t want;
	ssize_t n;

	r->data = malloc(ECHO_LEN);
	while (r->data != NULL && r->got < ECHO_LEN) {
		/* One byte first: the rest of its record stays inside OpenSSL. */
		n = ms_tls_conn_read(c, r->data + r->got, r->got == 0 ? 1 : ECHO_LEN - r->got,
				     &want);
		if (n == -EAGAIN) {
			if (ms_tls_conn_pending(c) > 0 || wait_for(r->fd, want) < 0)
				return; /* epoll would have missed nothing: a bug */
			continue;
		}
		if (n <= 0)
			return;
		if (r->got == 0)
			r->pending = ms_tls_conn_pending(c);
		r->got += (size_t)n;
	}
	while (r->data != NULL && put < r->got) {
		n = ms_tls_conn_write(c, r->data + put, r->got - put, &want);
		if (n == -EAGAIN && wait_for(r->fd, want) == 0)
			continue;
		if (n <= 0)
			return;
		put += (size_t)n;
	}
}

static void *
server_main(void *arg)
{
	struct srv *r = arg;
	struct ms_tls_conn *c;
	uint32_t want = 0;
	int rc;

	r->rc = ms_tls_conn_new(r->s, r->fd, &c);
	if (r->rc < 0)
		return NULL;
	while ((rc = ms_tls_conn_handshake(c, &want, r->err, sizeof(r->err))) == 0) {
		if (want != EPOLLIN && want != EPOLLOUT) {
			rc = -EINVAL;
			snprintf(r->err, sizeof(r->err), "bad want %u", want);
		} else if (wait_for(r->fd, want) < 0) {
			rc = -ETIMEDOUT;
			snprintf(r->err, sizeof(r->err), "handshake timed out");
		}
		if (rc < 0)
			break;
	}
	r->rc = rc;
	r->queue_clean = ERR_peek_error() == 0;
	if (rc == 1) {
		r->nb_names = ms_tls_conn_peer_names(c, r->names, sizeof(r->names) / sizeof(r->names[0]));
		snprintf(r->subject, sizeof(r->subject), "%s", ms_tls_conn_peer_subject(c));
		snprintf(r->fingerprint, sizeof(r->fingerprint), "%s",
			 ms_tls_conn_peer_fingerprint(c));
		snprintf(r->protocol, sizeof(r->protocol), "%s", ms_tls_conn_protocol(c));
		if (r->echo)
			echo(r, c);
		ms_tls_conn_shutdown(c);
	}
	ms_tls_conn_free(c);
	close(r->fd);
	return NULL;
}

/* One server and one connection to it: returns the client's end. */
static int
server_start(struct srv *r, pthread_t *t, const struct ms_tls_files *sf, bool do_echo)
{
	char err[256];
	int cli;

	memset(r, 0, sizeof(*r));
	if (ms_tls_server_create(sf, &r->s, err, sizeof(err)) != 0)
		fail_msg("server: %s", err);
	tcp_pair(&r->fd, &cli);
	r->echo = do_echo;
	assert_int_equal(pthread_create(t, NULL, server_main, r), 0);
	return cli;
}

static void
server_join(struct srv *r, pthread_t t, int cli)
{
	assert_int_equal(pthread_join(t, NULL), 0);
	close(cli);
	ms_tls_server_free(r->s);
	assert_true(r->queue_clean);
}

static bool
has_name(const struct srv *r, const char *name)
{
	for (unsigned i = 0; i < r->nb_names; i++)
		if (strcmp(r->names[i], name) == 0)
			return true;
	return false;
}

/*
 * Our client: handshake, ECHO_LEN random bytes there and back. A
 * non-blocking client socket takes the library's poll() path.
 */
static void
good_pair(const struct ms_tls_files *sf, const struct ms_tls_files *cf, bool nonblock,
	  struct srv *r)
{
	static unsigned char out[ECHO_LEN], in[ECHO_LEN];
	struct ms_tls_client *c;
	char err[256];
	size_t got = 0;
	pthread_t t;
	ssize_t n;
	int fd;

	fd = server_start(r, &t, sf, true);
	if (nonblock)
		assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (unsigned char)(rand() >> 7);
	if (ms_tls_client_connect(fd, cf, &c, err, sizeof(err)) != 0)
		fail_msg("client: %s", err);
	assert_string_equal(ms_tls_client_protocol(c), "TLSv1.3");
	assert_string_equal(ms_tls_client_server_fingerprint(c), ms_tls_server_fingerprint(r->s));
	assert_string_equal(ms_tls_client_server_subject(c), ms_tls_server_subject(r->s));
	assert_int_equal(ms_tls_client_write(c, out, sizeof(out)), sizeof(out));
	while (got < sizeof(in)) {
		n = ms_tls_client_read(c, in + got, sizeof(in) - got);
		if (n <= 0)
			fail_msg("client read: %zd %s (server: %s)", n, ms_tls_client_error(c),
				 r->err);
		got += (size_t)n;
	}
	assert_memory_equal(in, out, sizeof(out));
	/* The server's close_notify. */
	assert_int_equal(ms_tls_client_read(c, in, 1), 0);
	ms_tls_client_free(c);
	server_join(r, t, fd);
	if (r->rc != 1)
		fail_msg("server handshake: %s", r->err);
	assert_string_equal(r->protocol, "TLSv1.3");
	assert_int_equal(r->got, sizeof(out));
	assert_memory_equal(r->data, out, sizeof(out));
	free(r->data);
	assert_true(r->pending > 0);
}

/* A client that ours refuses to be: no certificate, or at most max_version. */
static void
raw_client(int fd, bool with_cert, int max_version)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	char path[PATH_MAX];
	SSL *ssl;
	char b;

	assert_non_null(ctx);
	assert_int_equal(SSL_CTX_set_max_proto_version(ctx, max_version), 1);
	pki_path(path, sizeof(path), "ca.pem");
	assert_int_equal(SSL_CTX_load_verify_file(ctx, path), 1);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (with_cert) {
		pki_path(path, sizeof(path), "client1.pem");
		assert_int_equal(SSL_CTX_use_certificate_file(ctx, path, SSL_FILETYPE_PEM), 1);
		pki_path(path, sizeof(path), "client1.key");
		assert_int_equal(SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM), 1);
	}
	ssl = SSL_new(ctx);
	assert_non_null(ssl);
	SSL_set_fd(ssl, fd);
	/* A TLS 1.3 client finishes first; its read waits for the server's verdict. */
	if (SSL_connect(ssl) == 1)
		assert_true(SSL_read(ssl, &b, 1) <= 0);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
}

/* `openssl x509 -fingerprint -<md>` of a file, the part after '='. */
static void
cli_fingerprint(const char *file, const char *md, char *out, size_t len)
{
	char cmd[PATH_MAX + 128], line[256];
	char *eq, *nl;
	FILE *p;
	int n;

	n = snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s/%s' -noout -fingerprint -%s", pki,
		     file, md);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof(line), p));
	assert_int_equal(pclose(p), 0);
	eq = strchr(line, '=');
	assert_non_null(eq);
	nl = strchr(eq, '\n');
	if (nl != NULL)
		*nl = '\0';
	snprintf(out, len, "%s", eq + 1);
}

/* ------------------------------------------------------------------ cases */

static void
test_good_clients(void **state)
{
	char fp[MS_TLS_SHA256_FP_LEN], cli_fp[MS_TLS_SHA256_FP_LEN], err[256], path[PATH_MAX];
	struct ms_tls_files sf, cf;
	struct srv r;

	(void)state;
	need_pki();
	files(&sf, "server.pem", "server.key", "ca.pem", NULL);

	files(&cf, "client1.pem", "client1.key", "ca.pem", NULL);
	good_pair(&sf, &cf, false, &r);
	assert_int_equal(r.nb_names, 1);
	assert_string_equal(r.names[0], "callctl-1");
	assert_string_equal(r.subject, "CN=callctl-1");
	pki_path(path, sizeof(path), "client1.pem");
	assert_int_equal(ms_tls_file_info(path, fp, sizeof(fp), NULL, 0, NULL, 0, err,
					  sizeof(err)), 0);
	assert_string_equal(r.fingerprint, fp);
	cli_fingerprint("client1.pem", "sha256", cli_fp, sizeof(cli_fp));
	assert_string_equal(r.fingerprint, cli_fp);
	assert_int_equal(strlen(fp), MS_TLS_SHA256_FP_LEN - 1);

	files(&cf, "client2.pem", "client2.key", "ca.pem", NULL);
	good_pair(&sf, &cf, false, &r);
	assert_int_equal(r.nb_names, 2);
	assert_true(has_name(&r, "callctl-2"));
	assert_true(has_name(&r, "cc2.example"));

	/* The intruder gets in: keeping it out is the profiles' subject lists' job. */
	files(&cf, "intruder.pem", "intruder.key", "ca.pem", NULL);
	good_pair(&sf, &cf, false, &r);
	assert_int_equal(r.nb_names, 1);
	assert_string_equal(r.names[0], "intruder");
}

static void
test_server_facts(void **state)
{
	char fp[MS_TLS_SHA256_FP_LEN], subject[MS_TLS_SUBJECT_MAX], err[256], path[PATH_MAX];
	struct ms_tls_server *s;
	struct ms_tls_files sf;

	(void)state;
	need_pki();
	files(&sf, "server.pem", "server.key", "ca.pem", NULL);
	if (ms_tls_server_create(&sf, &s, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	pki_path(path, sizeof(path), "server.pem");
	assert_int_equal(ms_tls_file_info(path, fp, sizeof(fp), NULL, 0, subject, sizeof(subject),
					  err, sizeof(err)), 0);
	assert_string_equal(ms_tls_server_fingerprint(s), fp);
	assert_string_equal(ms_tls_server_subject(s), "CN=mediasecd");
	assert_string_equal(subject, "CN=mediasecd");
	ms_tls_server_free(s);
}

/* Runs a raw client (or plain bytes when max_version is 0) against the PEM server. */
static void
refused(int max_version, bool with_cert, struct srv *r)
{
	static const char plain[] = "HELLO mediasec\r\n";
	struct ms_tls_files sf;
	pthread_t t;
	int fd;

	files(&sf, "server.pem", "server.key", "ca.pem", NULL);
	fd = server_start(r, &t, &sf, false);
	if (max_version == 0)
		assert_int_equal(write(fd, plain, sizeof(plain) - 1), sizeof(plain) - 1);
	else
		raw_client(fd, with_cert, max_version);
	shutdown(fd, SHUT_WR);
	server_join(r, t, fd);
	print_message("refused: %s\n", r->err);
	assert_true(r->rc < 0);
}

static void
test_no_client_certificate(void **state)
{
	struct srv r;

	(void)state;
	need_pki();
	refused(TLS1_3_VERSION, false, &r);
	assert_int_equal(r.rc, -EACCES);
	assert_non_null(strstr(r.err, "certificate"));
}

static void
test_tls12_refused(void **state)
{
	struct srv r;

	(void)state;
	need_pki();
	refused(TLS1_2_VERSION, true, &r);
	assert_int_equal(r.rc, -EPROTO);
	assert_non_null(strstr(r.err, "TLS 1.3"));
}

static void
test_plain_tcp_refused(void **state)
{
	struct srv r;

	(void)state;
	need_pki();
	refused(0, false, &r);
	assert_int_equal(r.rc, -EPROTO);
	assert_non_null(strstr(r.err, "does not speak TLS"));
}

static void
test_other_ca_refused(void **state)
{
	struct ms_tls_files sf, cf;
	struct ms_tls_client *c;
	char err[256], b;
	struct srv r;
	pthread_t t;
	int fd;

	(void)state;
	need_pki();
	files(&sf, "server.pem", "server.key", "ca.pem", NULL);

	/* The server refuses a client of another CA, even with an allowed name. */
	files(&cf, "foreign.pem", "foreign.key", "ca.pem", NULL);
	fd = server_start(&r, &t, &sf, false);
	if (ms_tls_client_connect(fd, &cf, &c, err, sizeof(err)) != 0)
		fail_msg("client: %s", err);
	assert_true(ms_tls_client_read(c, &b, 1) < 0);
	print_message("client saw: %s\n", ms_tls_client_error(c));
	assert_non_null(strstr(ms_tls_client_error(c), "alert"));
	assert_true(ms_tls_client_write(c, "x", 1) < 0);
	ms_tls_client_free(c);
	server_join(&r, t, fd);
	print_message("server: %s\n", r.err);
	assert_int_equal(r.rc, -EACCES);
	assert_non_null(strstr(r.err, "verify"));
	assert_non_null(strstr(r.err, "CN=callctl-1"));
	assert_string_equal(r.names[0], "");

	/* The client refuses a server it does not trust. */
	files(&cf, "client1.pem", "client1.key", "other-ca.pem", NULL);
	fd = server_start(&r, &t, &sf, false);
	assert_int_equal(ms_tls_client_connect(fd, &cf, &c, err, sizeof(err)), -EACCES);
	print_message("client: %s\n", err);
	assert_non_null(strstr(err, "certificate verify failed"));
	/* The server sends its chain: the refused certificate is its CA. */
	assert_non_null(strstr(err, "CN=mediasec test CA"));
	assert_int_equal(ERR_peek_error(), 0);
	shutdown(fd, SHUT_WR);
	server_join(&r, t, fd);
	assert_true(r.rc < 0);
}

static void
test_der_and_hashed_dir(void **state)
{
	struct ms_tls_files sf, cf;
	struct srv r;

	(void)state;
	need_pki();
	/* DER everywhere; the client trusts the hashed directory only. */
	files(&sf, "server.der", "server.key.der", "ca.der", NULL);
	files(&cf, "client1.der", "client1.key.der", NULL, "cadir");
	good_pair(&sf, &cf, false, &r);
	assert_string_equal(r.names[0], "callctl-1");

	/* The server trusts the hashed directory only; the client does not block. */
	files(&sf, "server.pem", "server.key", NULL, "cadir");
	files(&cf, "client2.pem", "client2.key", "ca.der", NULL);
	good_pair(&sf, &cf, true, &r);
	assert_true(has_name(&r, "cc2.example"));
}

/* ms_tls_server_create fails with -ret and a reason that contains each of want. */
static void
bad_server(const struct ms_tls_files *f, int ret, const char *want1, const char *want2)
{
	struct ms_tls_server *s = NULL;
	char err[256] = "";

	assert_int_equal(ms_tls_server_create(f, &s, err, sizeof(err)), ret);
	print_message("%s\n", err);
	assert_null(s);
	if (strstr(err, want1) == NULL || (want2 != NULL && strstr(err, want2) == NULL))
		fail_msg("\"%s\" lacks \"%s\" / \"%s\"", err, want1, want2 ? want2 : "");
	assert_int_equal(ERR_peek_error(), 0);
	/* Never the key's text. */
	assert_null(strstr(err, "PRIVATE"));
}

static void
test_bad_files(void **state)
{
	char path[PATH_MAX], cmd[2 * PATH_MAX];
	struct ms_tls_files f;
	FILE *fp;
	int n;

	(void)state;
	need_pki();
	files(&f, "server.pem", "client1.key", "ca.pem", NULL);
	bad_server(&f, -EINVAL, "does not match", "client1.key");

	files(&f, "nonexistent.pem", "server.key", "ca.pem", NULL);
	bad_server(&f, -ENOENT, "nonexistent.pem", "No such file");
	files(&f, "server.pem", "nonexistent.key", "ca.pem", NULL);
	bad_server(&f, -ENOENT, "nonexistent.key", NULL);
	files(&f, "server.pem", "server.key", "nonexistent-ca.pem", NULL);
	bad_server(&f, -ENOENT, "nonexistent-ca.pem", NULL);
	files(&f, "server.pem", "server.key", NULL, "nonexistent-dir");
	bad_server(&f, -ENOENT, "nonexistent-dir", NULL);
	files(&f, "server.pem", "server.key", NULL, "ca.pem");
	bad_server(&f, -ENOTDIR, "not a directory", NULL);
	files(&f, "server.pem", "server.key", NULL, NULL);
	bad_server(&f, -EINVAL, "ca_file or ca_path", NULL);
	files(&f, NULL, "server.key", "ca.pem", NULL);
	bad_server(&f, -EINVAL, "certificate: no file", NULL);

	/* A key where the certificate should be, and garbage. */
	files(&f, "server.key", "server.key", "ca.pem", NULL);
	bad_server(&f, -EINVAL, "server.key", "no PEM certificate");
	pki_path(path, sizeof(path), "garbage.pem");
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("not a certificate\n", fp);
	fclose(fp);
	files(&f, "garbage.pem", "server.key", "ca.pem", NULL);
	bad_server(&f, -EINVAL, "garbage.pem", "neither PEM nor");
	files(&f, "server.pem", "garbage.pem", "ca.pem", NULL);
	bad_server(&f, -EINVAL, "garbage.pem", "private key");

	/* An encrypted key is refused, never prompted for. */
	n = snprintf(cmd, sizeof(cmd),
		     "openssl pkey -in '%s/server.key' -aes256 -passout pass:x -out '%s/enc.key'",
		     pki, pki);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	assert_int_equal(system(cmd), 0);
	files(&f, "server.pem", "enc.key", "ca.pem", NULL);
	bad_server(&f, -EINVAL, "enc.key", "encrypted");
}

static void
test_file_info(void **state)
{
	char s256[2][MS_TLS_SHA256_FP_LEN], s1[2][MS_TLS_SHA1_FP_LEN], subj[2][MS_TLS_SUBJECT_MAX];
	char cli[MS_TLS_SHA256_FP_LEN], err[256], path[PATH_MAX];

	(void)state;
	need_pki();
	/* PEM and DER of one certificate. */
	pki_path(path, sizeof(path), "client1.pem");
	assert_int_equal(ms_tls_file_info(path, s256[0], sizeof(s256[0]), s1[0], sizeof(s1[0]),
					  subj[0], sizeof(subj[0]), err, sizeof(err)), 0);
	pki_path(path, sizeof(path), "client1.der");
	assert_int_equal(ms_tls_file_info(path, s256[1], sizeof(s256[1]), s1[1], sizeof(s1[1]),
					  subj[1], sizeof(subj[1]), err, sizeof(err)), 0);
	assert_string_equal(s256[0], s256[1]);
	assert_string_equal(s1[0], s1[1]);
	assert_string_equal(subj[0], "CN=callctl-1");
	assert_string_equal(subj[1], "CN=callctl-1");
	cli_fingerprint("client1.pem", "sha256", cli, sizeof(cli));
	assert_string_equal(s256[0], cli);
	cli_fingerprint("client1.pem", "sha1", cli, sizeof(cli));
	assert_string_equal(s1[0], cli);
	assert_int_equal(strlen(s1[0]), MS_TLS_SHA1_FP_LEN - 1);

	/* Another certificate differs; a short buffer truncates, never overflows. */
	pki_path(path, sizeof(path), "client2.pem");
	assert_int_equal(ms_tls_file_info(path, s256[1], 10, NULL, 0, NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(strlen(s256[1]), 9);
	assert_true(strncmp(s256[0], s256[1], 8) != 0);

	pki_path(path, sizeof(path), "nonexistent.pem");
	assert_int_equal(ms_tls_file_info(path, s256[0], sizeof(s256[0]), NULL, 0, NULL, 0, err,
					  sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "nonexistent.pem"));
}

/* ------------------------------------------------------------------ setup */

static int remove_pki(void **state);

static int
make_pki(void **state)
{
	const char *script = getenv("MS_CERTS_SH");
	const char *tmp = getenv("TMPDIR");
	char cmd[2 * PATH_MAX + 32], src[PATH_MAX];
	int n;

	if (script == NULL) {
		/* meson compiles from the build directory and runs the tests there. */
		snprintf(cmd, sizeof(cmd), "%s", __FILE__);
		n = snprintf(src, sizeof(src), "%s/../control/certs.sh", dirname(cmd));
	} else {
		n = snprintf(src, sizeof(src), "%s", script);
	}
	if (n < 0 || (size_t)n >= sizeof(src) || access(src, R_OK) != 0) {
		fprintf(stderr, "%s not found: run from the build directory or set MS_CERTS_SH\n",
			src);
		return -1;
	}
	if (system("command -v openssl >/dev/null 2>&1") != 0)
		return 0; /* each case skips */
	n = snprintf(pki, sizeof(pki), "%s/ms_tls.XXXXXX", tmp != NULL ? tmp : "/tmp");
	if (n < 0 || (size_t)n >= sizeof(pki) || mkdtemp(pki) == NULL) {
		pki[0] = '\0';
		return -1;
	}
	n = snprintf(cmd, sizeof(cmd), "bash '%s' '%s'", src, pki);
	if (n < 0 || (size_t)n >= sizeof(cmd) || system(cmd) != 0) {
		remove_pki(state); /* cmocka skips the teardown of a failed setup */
		return -1;
	}
	have_pki = true;
	return 0;
}

static int
remove_pki(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	if (pki[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pki);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_clients),
		cmocka_unit_test(test_server_facts),
		cmocka_unit_test(test_no_client_certificate),
		cmocka_unit_test(test_tls12_refused),
		cmocka_unit_test(test_plain_tcp_refused),
		cmocka_unit_test(test_other_ca_refused),
		cmocka_unit_test(test_der_and_hashed_dir),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_file_info),
	};

	/* As in mediasecd: a peer that went away must fail a write, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	srand(1);
	return cmocka_run_group_tests_name("tls", tests, make_pki, remove_pki);
}

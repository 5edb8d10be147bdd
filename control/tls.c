/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ms_err.h"
#include "tls.h"

#define TLS_FILE_MAX (4u << 20)  /* larger than any CA bundle; stops reading /dev/zero */
#define TLS_VERIFY_DEPTH 5       /* a private control PKI is a root and a few intermediates */

/* What we learn about the peer: its certificate after the handshake, or the one refused. */
struct tls_peer {
	char subject[MS_TLS_SUBJECT_MAX];
	char fingerprint[MS_TLS_SHA256_FP_LEN];
};

struct ms_tls_server {
	SSL_CTX *ctx;
	char fingerprint[MS_TLS_SHA256_FP_LEN];
	char subject[MS_TLS_SUBJECT_MAX];
};

struct ms_tls_conn {
	SSL *ssl;
	bool broken; /* a fatal error: OpenSSL forbids SSL_shutdown() after one */
	struct tls_peer peer;
};

struct ms_tls_client {
	SSL_CTX *ctx;
	SSL *ssl;
	bool broken;
	struct tls_peer peer;
	char error[256];
};

/* ----------------------------------------------------------------- helpers */

/*
 * The oldest entry of the error queue (the cause; later ones only add
 * context), then empties the queue so it cannot leak into the next call.
 */
static const char *
ossl_reason(char *buf, size_t len)
{
	unsigned long code = ERR_peek_error();
	const char *r = code != 0 ? ERR_reason_error_string(code) : NULL;

	if (code == 0)
		snprintf(buf, len, "unknown error");
	else if (r != NULL)
		snprintf(buf, len, "%s", r);
	else
		ERR_error_string_n(code, buf, len);
	ERR_clear_error();
	return buf;
}

struct blob {
	unsigned char *p;
	size_t len;
};

/* Wiped whatever it held: the key file passes through here too. */
static void
blob_free(struct blob *b)
{
	if (b->p != NULL)
		OPENSSL_cleanse(b->p, b->len);
	free(b->p);
	b->p = NULL;
}

/*
 * The whole file in memory, so that PEM and DER can be told apart before
 * parsing. Unbuffered reads: no stdio buffer keeps a copy of a key file.
 */
static int
read_file(const char *what, const char *path, struct blob *b, char *err, size_t errlen)
{
	struct stat st;
	ssize_t n;
	int fd, e;

	memset(b, 0, sizeof(*b));
	if (path[0] == '\0')
		return ms_err(-EINVAL, err, errlen, "%s: no file given", what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		return ms_err(-e, err, errlen, "%s %s: %s", what, path, strerror(e));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0 ||
	    st.st_size > (off_t)TLS_FILE_MAX) {
		close(fd);
		return ms_err(-EINVAL, err, errlen, "%s %s: not a regular file of 1 byte to %u MiB",
			      what, path, TLS_FILE_MAX >> 20);
	}
	b->p = malloc((size_t)st.st_size);
	if (b->p == NULL) {
		close(fd);
		return ms_err(-ENOMEM, err, errlen, "%s %s: out of memory", what, path);
	}
	while (b->len < (size_t)st.st_size) {
		n = read(fd, b->p + b->len, (size_t)st.st_size - b->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			close(fd);
			blob_free(b);
			return ms_err(-e, err, errlen, "%s %s: %s", what, path,
				      n < 0 ? strerror(e) : "shorter than its size");
		}
		b->len += (size_t)n;
	}
	close(fd);
	return 0;
}

static bool
blob_has(const struct blob *b, const char *s)
{
	return memmem(b->p, b->len, s, strlen(s)) != NULL;
}

/* Every certificate of a PEM file, in file order, or the one of a DER file. */
static int
load_certs(const char *what, const char *path, STACK_OF(X509) **out, char *err, size_t errlen)
{
	STACK_OF(X509) *sk = NULL;
	BIO *bio = NULL;
	struct blob b;
	char why[160];
	X509 *x;
	int ret;

	ret = read_file(what, path, &b, err, errlen);
	if (ret < 0)
		return ret;
	sk = sk_X509_new_null();
	bio = BIO_new_mem_buf(b.p, (int)b.len);
	if (sk == NULL || bio == NULL) {
		ret = ms_err(-ENOMEM, err, errlen, "%s %s: out of memory", what, path);
		goto out;
	}
	if (blob_has(&b, "-----BEGIN")) {
		while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
			if (sk_X509_push(sk, x) == 0) {
				X509_free(x);
				ret = ms_err(-ENOMEM, err, errlen, "%s %s: out of memory", what, path);
				goto out;
			}
		}
		/* The end of the file reads as "no start line"; anything else is a bad block. */
		if (sk_X509_num(sk) == 0 &&
		    ERR_GET_REASON(ERR_peek_last_error()) == PEM_R_NO_START_LINE)
			ret = ms_err(-EINVAL, err, errlen, "%s %s: no PEM certificate in it", what,
				     path);
		else if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE)
			ret = ms_err(-EINVAL, err, errlen, "%s %s: bad PEM certificate #%d: %s", what,
				     path, sk_X509_num(sk) + 1, ossl_reason(why, sizeof(why)));
	} else {
		x = d2i_X509_bio(bio, NULL);
		if (x == NULL)
			ret = ms_err(-EINVAL, err, errlen,
				     "%s %s: neither PEM nor a DER certificate: %s", what, path,
				     ossl_reason(why, sizeof(why)));
		else if (sk_X509_push(sk, x) == 0) {
			X509_free(x);
			ret = ms_err(-ENOMEM, err, errlen, "%s %s: out of memory", what, path);
		}
	}
out:
	BIO_free(bio);
	blob_free(&b);
	ERR_clear_error();
	if (ret < 0)
		sk_X509_pop_free(sk, X509_free);
	else
		*out = sk;
	return ret;
}

/* A daemon starts unattended: never let OpenSSL prompt for a passphrase. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* Errors name the file and OpenSSL's reason, never the content. */
static int
load_key(const char *path, EVP_PKEY **out, char *err, size_t errlen)
{
	EVP_PKEY *pkey = NULL;
	struct blob b;
	char why[160];
	BIO *bio;
	int ret;

	ret = read_file("key", path, &b, err, errlen);
	if (ret < 0)
		return ret;
	bio = BIO_new_mem_buf(b.p, (int)b.len);
	if (bio == NULL)
		ret = ms_err(-ENOMEM, err, errlen, "key %s: out of memory", path);
	else if (blob_has(&b, "-----BEGIN") && blob_has(&b, "ENCRYPTED"))
		ret = ms_err(-EINVAL, err, errlen, "key %s: encrypted keys are not supported", path);
	else if (blob_has(&b, "-----BEGIN"))
		pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	else
		pkey = d2i_PrivateKey_bio(bio, NULL); /* PKCS#8 or the algorithm's own DER */
	if (ret == 0 && pkey == NULL)
		ret = ms_err(-EINVAL, err, errlen, "key %s: not a PEM or DER private key: %s", path,
			     ossl_reason(why, sizeof(why)));
	BIO_free(bio);
	blob_free(&b);
	ERR_clear_error();
	*out = pkey;
	return ret;
}

/* "AB:CD:...", as `openssl x509 -fingerprint` prints it; truncated to len. */
static void
fingerprint(const X509 *x, const EVP_MD *md, char *out, size_t len)
{
	char hex[EVP_MAX_MD_SIZE * 3] = "";
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (len == 0)
		return;
	if (X509_digest(x, md, d, &n) != 1)
		ERR_clear_error();
	for (unsigned int i = 0; i < n; i++)
		snprintf(hex + 3 * i, sizeof(hex) - 3 * i, "%02X%s", d[i], i + 1 < n ? ":" : "");
	snprintf(out, len, "%s", hex);
}

/* RFC 2253, with non-ASCII and control bytes escaped: safe to log. */
static void
subject_line(const X509 *x, char *out, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n = 0;

	if (len == 0)
		return;
	if (b != NULL && X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) >= 0)
		n = BIO_read(b, out, (int)(len - 1 < 4096 ? len - 1 : 4096));
	out[n > 0 ? n : 0] = '\0';
	BIO_free(b);
}

static void
peer_info(SSL *ssl, struct tls_peer *p)
{
	const X509 *x = SSL_get0_peer_certificate(ssl);

	if (x == NULL)
		return;
	fingerprint(x, EVP_sha256(), p->fingerprint, sizeof(p->fingerprint));
	subject_line(x, p->subject, sizeof(p->subject));
}

/* Remembers the certificate refused (the first failure ends the handshake), for the reason. */
static int
verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls_peer *p = ssl != NULL ? SSL_get_app_data(ssl) : NULL;
	X509 *x = X509_STORE_CTX_get_current_cert(xs);

	if (!ok && p != NULL && x != NULL && p->subject[0] == '\0')
		subject_line(x, p->subject, sizeof(p->subject));
	return ok;
}

/*
 * Why an SSL call returned rc: -EAGAIN with *want set, 0 for the peer's
 * close_notify, or < 0 with the reason in err. peer is "client" or "server".
 */
static int
ssl_failure(SSL *ssl, int rc, const char *peer, uint32_t *want, char *err, size_t errlen)
{
	int sys = errno; /* the caller zeroed it before the call */
	int e = SSL_get_error(ssl, rc);
	unsigned long code = ERR_peek_error();
	int reason = ERR_GET_LIB(code) == ERR_LIB_SSL ? ERR_GET_REASON(code) : 0;
	const struct tls_peer *p = SSL_get_app_data(ssl);
	const char *refused = p != NULL ? p->subject : "";
	long vr = SSL_get_verify_result(ssl);
	char why[160];
	int ret;

	switch (e) {
	case SSL_ERROR_WANT_READ:
		*want = EPOLLIN;
		ret = -EAGAIN;
		break;
	case SSL_ERROR_WANT_WRITE:
		*want = EPOLLOUT;
		ret = -EAGAIN;
		break;
	case SSL_ERROR_ZERO_RETURN:
		ret = 0;
		break;
	case SSL_ERROR_SYSCALL:
		if (sys != 0)
			ret = ms_err(-sys, err, errlen, "%s", strerror(sys));
		else
			ret = ms_err(-ECONNRESET, err, errlen, "the %s closed the connection", peer);
		break;
	case SSL_ERROR_SSL:
		switch (reason) {
		case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
			ret = ms_err(-EACCES, err, errlen, "no %s certificate", peer);
			break;
		case SSL_R_CERTIFICATE_VERIFY_FAILED:
			ret = ms_err(-EACCES, err, errlen, "certificate verify failed: %s%s%s%s",
				     X509_verify_cert_error_string(vr), refused[0] != '\0' ? " (" : "",
				     refused, refused[0] != '\0' ? ")" : "");
			break;
		case SSL_R_UNSUPPORTED_PROTOCOL:
			ret = ms_err(-EPROTO, err, errlen, "%s offered no TLS 1.3", peer);
			break;
		case SSL_R_WRONG_VERSION_NUMBER: /* the first bytes are not a TLS record */
		case SSL_R_HTTP_REQUEST:
			ret = ms_err(-EPROTO, err, errlen, "the %s does not speak TLS (%s)", peer,
				     ossl_reason(why, sizeof(why)));
			break;
		case SSL_R_UNEXPECTED_EOF_WHILE_READING:
			ret = ms_err(-ECONNRESET, err, errlen,
				     "the %s closed the connection without close_notify", peer);
			break;
		default: /* alerts from the peer read "tlsv13 alert certificate required" */
			ret = ms_err(-EPROTO, err, errlen, "%s", ossl_reason(why, sizeof(why)));
			break;
		}
		break;
	default:
		ret = ms_err(-EPROTO, err, errlen, "TLS error %d", e);
		break;
	}
	ERR_clear_error();
	return ret;
}

/* --------------------------------------------------------------- contexts */

static int
use_certificate(SSL_CTX *ctx, const struct ms_tls_files *f, char *err, size_t errlen)
{
	STACK_OF(X509) *sk = NULL;
	EVP_PKEY *pkey = NULL;
	char why[160];
	X509 *leaf;
	int ret;

	ret = load_certs("certificate", f->certificate, &sk, err, errlen);
	if (ret < 0)
		return ret;
	ret = load_key(f->key, &pkey, err, errlen);
	if (ret < 0)
		goto out;
	leaf = sk_X509_value(sk, 0);
	/* Before use: OpenSSL's own check only says "key values mismatch". */
	if (X509_check_private_key(leaf, pkey) != 1) {
		ret = ms_err(-EINVAL, err, errlen, "key %s does not match certificate %s", f->key,
			     f->certificate);
		goto out;
	}
	if (SSL_CTX_use_certificate(ctx, leaf) != 1) {
		ret = ms_err(-EINVAL, err, errlen, "certificate %s: %s", f->certificate,
			     ossl_reason(why, sizeof(why)));
		goto out;
	}
	/* The rest of a PEM file is the chain sent with the leaf. */
	for (int i = 1; i < sk_X509_num(sk); i++) {
		if (SSL_CTX_add1_chain_cert(ctx, sk_X509_value(sk, i)) != 1) {
			ret = ms_err(-EINVAL, err, errlen, "certificate %s: chain certificate #%d: %s",
				     f->certificate, i + 1, ossl_reason(why, sizeof(why)));
			goto out;
		}
	}
	if (SSL_CTX_use_PrivateKey(ctx, pkey) != 1 || SSL_CTX_check_private_key(ctx) != 1)
		ret = ms_err(-EINVAL, err, errlen, "key %s: %s", f->key,
			     ossl_reason(why, sizeof(why)));
out:
	EVP_PKEY_free(pkey);
	sk_X509_pop_free(sk, X509_free);
	ERR_clear_error();
	return ret;
}

static int
use_trust(SSL_CTX *ctx, const struct ms_tls_files *f, char *err, size_t errlen)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);
	STACK_OF(X509) *sk;
	struct stat st;
	char why[160];
	int ret = 0;

	if (f->ca_file[0] == '\0' && f->ca_path[0] == '\0')
		return ms_err(-EINVAL, err, errlen, "no trust: set ca_file or ca_path");
	if (f->ca_file[0] != '\0') {
		/* By hand, not SSL_CTX_load_verify_file(): that one reads PEM only. */
		ret = load_certs("ca_file", f->ca_file, &sk, err, errlen);
		if (ret < 0)
			return ret;
		for (int i = 0; i < sk_X509_num(sk) && ret == 0; i++)
			if (X509_STORE_add_cert(store, sk_X509_value(sk, i)) != 1)
				ret = ms_err(-EINVAL, err, errlen, "ca_file %s: certificate #%d: %s",
					     f->ca_file, i + 1, ossl_reason(why, sizeof(why)));
		sk_X509_pop_free(sk, X509_free); /* the store holds its own references */
		if (ret < 0)
			return ret;
	}
	if (f->ca_path[0] != '\0') {
		/* OpenSSL opens the directory only when verifying: check it now, at start. */
		if (stat(f->ca_path, &st) != 0) {
			int e = errno;

			return ms_err(-e, err, errlen, "ca_path %s: %s", f->ca_path, strerror(e));
		}
		if (!S_ISDIR(st.st_mode))
			return ms_err(-ENOTDIR, err, errlen, "ca_path %s: not a directory",
				      f->ca_path);
		if (SSL_CTX_load_verify_dir(ctx, f->ca_path) != 1)
			return ms_err(-EINVAL, err, errlen, "ca_path %s: %s", f->ca_path,
				      ossl_reason(why, sizeof(why)));
	}
	return 0;
}

static int
ctx_create(bool server, const struct ms_tls_files *f, SSL_CTX **out, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	char why[160];
	int ret;

	if (ctx == NULL)
		return ms_err(-ENOMEM, err, errlen, "cannot create a TLS context: %s",
			      ossl_reason(why, sizeof(why)));
	/* TLS 1.3 only: no renegotiation, no weak suites, encrypted certificates. */
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
		ret = ms_err(-EPROTO, err, errlen, "cannot restrict TLS to 1.3: %s",
			     ossl_reason(why, sizeof(why)));
		goto fail;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
			   verify_cb);
	SSL_CTX_set_verify_depth(ctx, TLS_VERIFY_DEPTH);
	/* Non-blocking writes return what went out; the caller's buffer may move between tries. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/*
	 * Every connection is a full handshake with a full certificate check:
	 * no session cache, and no tickets, whose post-handshake writes would
	 * surprise the first non-blocking read. (In TLS 1.3 SSL_OP_NO_TICKET
	 * alone only makes tickets stateful; zero tickets stops them.)
	 */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (server) {
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
		SSL_CTX_set_num_tickets(ctx, 0);
	}
	ret = use_certificate(ctx, f, err, errlen);
	if (ret == 0)
		ret = use_trust(ctx, f, err, errlen);
	if (ret < 0)
		goto fail;
	*out = ctx;
	return 0;
fail:
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return ret;
}

/* ------------------------------------------------------------ server side */

int
ms_tls_server_create(const struct ms_tls_files *f, struct ms_tls_server **out, char *err,
		     size_t errlen)
{
	struct ms_tls_server *s = calloc(1, sizeof(*s));
	const X509 *x;
	int ret;

	if (s == NULL)
		return ms_err(-ENOMEM, err, errlen, "out of memory");
	ret = ctx_create(true, f, &s->ctx, err, errlen);
	if (ret < 0) {
		free(s);
		return ret;
	}
	x = SSL_CTX_get0_certificate(s->ctx);
	fingerprint(x, EVP_sha256(), s->fingerprint, sizeof(s->fingerprint));
	subject_line(x, s->subject, sizeof(s->subject));
	ERR_clear_error();
	*out = s;
	return 0;
}

void
ms_tls_server_free(struct ms_tls_server *s)
{
	if (s == NULL)
		return;
	SSL_CTX_free(s->ctx);
	free(s);
}

const char *
ms_tls_server_fingerprint(const struct ms_tls_server *s)
{
	return s->fingerprint;
}

const char *
ms_tls_server_subject(const struct ms_tls_server *s)
{
	return s->subject;
}

int
ms_tls_conn_new(struct ms_tls_server *s, int fd, struct ms_tls_conn **out)
{
	struct ms_tls_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -ENOMEM;
	c->ssl = SSL_new(s->ctx);
	/* A socket BIO without BIO_CLOSE: fd stays the caller's. */
	if (c->ssl == NULL || SSL_set_fd(c->ssl, fd) != 1) {
		SSL_free(c->ssl);
		free(c);
		ERR_clear_error();
		return -ENOMEM;
	}
	SSL_set_app_data(c->ssl, &c->peer);
	SSL_set_accept_state(c->ssl);
	*out = c;
	return 0;
}

/* A failure other than "try again" or a clean close leaves the connection unusable. */
static int
conn_failed(struct ms_tls_conn *c, int ret)
{
	if (ret < 0 && ret != -EAGAIN)
		c->broken = true;
	return ret;
}

int
ms_tls_conn_handshake(struct ms_tls_conn *c, uint32_t *want, char *err, size_t errlen)
{
	int rc, ret;

	if (c->broken)
		return ms_err(-EPROTO, err, errlen, "the connection already failed");
	ERR_clear_error();
	errno = 0;
	rc = SSL_do_handshake(c->ssl);
	if (rc == 1) {
		if (c->peer.fingerprint[0] == '\0')
			peer_info(c->ssl, &c->peer);
		return 1;
	}
	ret = ssl_failure(c->ssl, rc, "client", want, err, errlen);
	if (ret == -EAGAIN)
		return 0;
	if (ret == 0)
		ret = ms_err(-ECONNRESET, err, errlen, "the client closed the connection");
	return conn_failed(c, ret);
}

ssize_t
ms_tls_conn_read(struct ms_tls_conn *c, void *buf, size_t n, uint32_t *want)
{
	size_t got = 0;

	if (n == 0)
		return -EINVAL; /* 0 means "closed" */
	ERR_clear_error();
	errno = 0;
	if (SSL_read_ex(c->ssl, buf, n, &got) == 1)
		return (ssize_t)got;
	return conn_failed(c, ssl_failure(c->ssl, 0, "client", want, NULL, 0));
}

ssize_t
ms_tls_conn_write(struct ms_tls_conn *c, const void *buf, size_t n, uint32_t *want)
{
	size_t put = 0;
	int ret;

	if (n == 0)
		return 0;
	ERR_clear_error();
	errno = 0;
	if (SSL_write_ex(c->ssl, buf, n, &put) == 1)
		return (ssize_t)put;
	ret = ssl_failure(c->ssl, 0, "client", want, NULL, 0);
	return conn_failed(c, ret == 0 ? -EPIPE : ret);
}

size_t
ms_tls_conn_pending(const struct ms_tls_conn *c)
{
	int n = SSL_pending(c->ssl);

	return n > 0 ? (size_t)n : 0;
}

static void
add_name(char (*names)[MS_TLS_NAME_MAX], unsigned *nb, unsigned max, const void *s, int len)
{
	if (*nb >= max || len <= 0 || len >= MS_TLS_NAME_MAX || memchr(s, '\0', len) != NULL)
		return;
	for (unsigned i = 0; i < *nb; i++)
		if (strlen(names[i]) == (size_t)len && memcmp(names[i], s, len) == 0)
			return;
	memcpy(names[*nb], s, len);
	names[*nb][len] = '\0';
	(*nb)++;
}

unsigned
ms_tls_conn_peer_names(const struct ms_tls_conn *c, char (*names)[MS_TLS_NAME_MAX], unsigned max)
{
	const X509 *x = SSL_get0_peer_certificate(c->ssl);
	const X509_NAME *sn;
	GENERAL_NAMES *gens;
	unsigned nb = 0;
	int i = -1;

	/* Only names the CA vouched for. */
	if (x == NULL || !SSL_is_init_finished(c->ssl) || SSL_get_verify_result(c->ssl) != X509_V_OK)
		return 0;
	sn = X509_get_subject_name(x);
	while ((i = X509_NAME_get_index_by_NID(sn, NID_commonName, i)) >= 0) {
		const ASN1_STRING *d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(sn, i));
		unsigned char *u = NULL;
		int len = ASN1_STRING_to_UTF8(&u, d);

		if (len > 0)
			add_name(names, &nb, max, u, len);
		OPENSSL_free(u);
	}
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_DNS)
			add_name(names, &nb, max, ASN1_STRING_get0_data(g->d.dNSName),
				 ASN1_STRING_length(g->d.dNSName));
	}
	GENERAL_NAMES_free(gens);
	ERR_clear_error();
	return nb;
}

const char *
ms_tls_conn_peer_subject(const struct ms_tls_conn *c)
{
	return c->peer.subject;
}

const char *
ms_tls_conn_peer_fingerprint(const struct ms_tls_conn *c)
{
	return c->peer.fingerprint;
}

const char *
ms_tls_conn_protocol(const struct ms_tls_conn *c)
{
	return SSL_get_version(c->ssl);
}

void
ms_tls_conn_shutdown(struct ms_tls_conn *c)
{
	/* One call sends close_notify; waiting for the peer's is not worth a blocked fd. */
	if (!c->broken && SSL_is_init_finished(c->ssl))
		SSL_shutdown(c->ssl);
	ERR_clear_error();
}

void
ms_tls_conn_free(struct ms_tls_conn *c)
{
	if (c == NULL)
		return;
	SSL_free(c->ssl);
	free(c);
}

/* ------------------------------------------------------------ client side */

/*
 * After a client SSL call failed with rc: 1 to call it again (after waiting
 * for the socket), 0 for the server's close_notify, < 0 with the reason in
 * c->error.
 */
static int
client_retry(struct ms_tls_client *c, int rc)
{
	struct pollfd pfd = {.fd = SSL_get_fd(c->ssl)};
	uint32_t want = 0;
	int ret;

	ret = ssl_failure(c->ssl, rc, "server", &want, c->error, sizeof(c->error));
	if (ret != -EAGAIN) {
		if (ret < 0)
			c->broken = true;
		return ret;
	}
	/* Only a non-blocking socket gets here: wait as if it blocked. */
	pfd.events = (want & EPOLLOUT) ? POLLOUT : POLLIN;
	while (poll(&pfd, 1, -1) < 0) {
		if (errno != EINTR) {
			c->broken = true;
			return ms_err(-errno, c->error, sizeof(c->error), "poll: %s",
				      strerror(errno));
		}
	}
	return 1;
}

int
ms_tls_client_connect(int fd, const struct ms_tls_files *f, struct ms_tls_client **out,
		      char *err, size_t errlen)
{
	struct ms_tls_client *c = calloc(1, sizeof(*c));
	int ret, rc;

	if (c == NULL)
		return ms_err(-ENOMEM, err, errlen, "out of memory");
	ret = ctx_create(false, f, &c->ctx, err, errlen);
	if (ret < 0)
		goto fail;
	c->ssl = SSL_new(c->ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, fd) != 1) {
		ret = ms_err(-ENOMEM, err, errlen, "out of memory");
		goto fail;
	}
	SSL_set_app_data(c->ssl, &c->peer);
	SSL_set_connect_state(c->ssl);
	do {
		ERR_clear_error();
		errno = 0;
		rc = SSL_do_handshake(c->ssl);
	} while (rc != 1 && (ret = client_retry(c, rc)) == 1);
	if (rc != 1) {
		if (ret == 0)
			ret = ms_err(-ECONNRESET, c->error, sizeof(c->error),
				     "the server closed the connection");
		ms_err(ret, err, errlen, "%s", c->error);
		goto fail;
	}
	peer_info(c->ssl, &c->peer);
	*out = c;
	return 0;
fail:
	SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	free(c);
	ERR_clear_error();
	return ret;
}

size_t
ms_tls_client_pending(const struct ms_tls_client *c)
{
	return (size_t)SSL_pending(c->ssl);
}

ssize_t
ms_tls_client_read(struct ms_tls_client *c, void *buf, size_t n)
{
	size_t got = 0;
	int ret;

	if (n == 0)
		return -EINVAL; /* 0 means "closed" */
	do {
		ERR_clear_error();
		errno = 0;
		if (SSL_read_ex(c->ssl, buf, n, &got) == 1)
			return (ssize_t)got;
	} while ((ret = client_retry(c, 0)) == 1);
	return ret;
}

ssize_t
ms_tls_client_write(struct ms_tls_client *c, const void *buf, size_t n)
{
	const unsigned char *p = buf;
	size_t done = 0;
	int ret;

	while (done < n) {
		size_t put = 0;

		ERR_clear_error();
		errno = 0;
		if (SSL_write_ex(c->ssl, p + done, n - done, &put) == 1)
			done += put;
		else if ((ret = client_retry(c, 0)) != 1)
			return ret < 0 ? ret : ms_err(-EPIPE, c->error, sizeof(c->error),
						      "the server closed the connection");
	}
	return (ssize_t)n;
}

const char *
ms_tls_client_server_fingerprint(const struct ms_tls_client *c)
{
	return c->peer.fingerprint;
}

const char *
ms_tls_client_server_subject(const struct ms_tls_client *c)
{
	return c->peer.subject;
}

const char *
ms_tls_client_protocol(const struct ms_tls_client *c)
{
	return SSL_get_version(c->ssl);
}

const char *
ms_tls_client_error(const struct ms_tls_client *c)
{
	return c->error;
}

void
ms_tls_client_free(struct ms_tls_client *c)
{
	if (c == NULL)
		return;
	if (!c->broken)
		SSL_shutdown(c->ssl);
	SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	free(c);
	ERR_clear_error();
}

/* -------------------------------------------------------------------- CLI */

int
ms_tls_file_info(const char *path, char *sha256, size_t l1, char *sha1, size_t l2, char *subject,
		 size_t l3, char *err, size_t errlen)
{
	STACK_OF(X509) *sk;
	const X509 *x;
	int ret;

	ret = load_certs("certificate", path, &sk, err, errlen);
	if (ret < 0)
		return ret;
	x = sk_X509_value(sk, 0);
	if (sha256 != NULL)
		fingerprint(x, EVP_sha256(), sha256, l1);
	if (sha1 != NULL)
		fingerprint(x, EVP_sha1(), sha1, l2);
	if (subject != NULL)
		subject_line(x, subject, l3);
	sk_X509_pop_free(sk, X509_free);
	ERR_clear_error();
	return 0;
}

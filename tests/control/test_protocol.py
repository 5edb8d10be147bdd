#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
The control protocol of a real mediasecd (docs/control-protocol.md), from
the outside: a test PKI (tests/control/certs.sh), a daemon on two net_null
ports with a Unix listener, a Unix listener for another uid and a TLS 1.3
listener serving two security profiles, and clients written here with the
Python standard library only.

    test_protocol.py          (MS_BUILD_DIR: the build directory, default build/)

Root only (exit 77 otherwise): DPDK's EAL and SO_PEERCRED against uid 0.
One line per case, "ok - ..." or "not ok - ...: why"; the exit status is
1 when any case failed. Every answer, event and line mediasecd printed is
kept and searched for the key material the test sent, at the end.
"""

import base64
import hashlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("MS_BUILD_DIR", os.path.join(ROOT, "build"))
MEDIASECD = os.path.join(BUILD, "mediasecd")
CERTS_SH = os.path.join(HERE, "certs.sh")

REALM = "mediasec"
URI = "mediasec:control"
NONCE_VALIDITY = 2  # seconds, profile trunk-a
PASSWORDS = {"ops": "ops-password", "admin": "admin-password", "nocap": "nocap-password"}
MAX_MESSAGE = 65536

SUITE_KEY_LEN = {
    "AES_CM_128_HMAC_SHA1_80": 30,
    "AES_CM_128_HMAC_SHA1_32": 30,
    "AES_256_CM_HMAC_SHA1_80": 46,
    "AEAD_AES_128_GCM": 28,
    "AEAD_AES_256_GCM": 44,
    "NULL_HMAC_SHA1_80": 30,
    "NULL_HMAC_SHA1_32": 30,
}

SEEN = []  # every line (bytes) a client of this test received
KEYS = []  # (base64 text, decoded bytes or None) of every key the test sent


def unique_members(pairs):
    """json.loads hook: an object that names a member twice is not valid for us."""
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError("member %r twice in one object" % k)
        obj[k] = v
    return obj


class Failed(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Failed(what)


def sha256_hex(text):
    return hashlib.sha256(text.encode()).hexdigest()


def err_text(r):
    if r is None:
        return "no answer (connection closed)"
    if r.get("ok") is False:
        e = r.get("error", {})
        return "%s %s (field %s)" % (e.get("code"), e.get("message"), e.get("field"))
    return json.dumps(r)[:300]


# ------------------------------------------------------------ keys


def sdes(raw, params=""):
    """An SDES inline key of raw bytes; remembered for the leak check."""
    b64 = base64.b64encode(raw).decode()
    KEYS.append((b64, raw))
    return "inline:" + b64 + params


def new_key(suite="AES_CM_128_HMAC_SHA1_80", params=""):
    return sdes(os.urandom(SUITE_KEY_LEN[suite]), params)


def leg(port, mode="encrypted", suite=None, params="", **kw):
    """A leg of a session.create; keys of the suite's length unless rtp."""
    l = {"port": port, "mode": mode}
    if mode != "rtp":
        suite = suite or ("AES_CM_128_HMAC_SHA1_80" if mode == "encrypted" else "NULL_HMAC_SHA1_80")
        l.update(suite=suite, recv_key=new_key(suite, params), send_key=new_key(suite, params))
    l.update(kw)
    return l


# ------------------------------------------------------------ connections


class Conn:
    """One control connection: JSON lines out, answers and events in."""

    def __init__(self, sock, label):
        self.sock = sock
        self.label = label
        self.buf = b""
        self.events = []
        self.n = 0
        self.eof = False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, obj):
        self.send_raw(json.dumps(obj).encode() + b"\n")

    def raw_line(self, timeout=5.0):
        """The next line as bytes; None at the end of the stream."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failed("%s: nothing within %.1f s" % (self.label, timeout))
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(262144)
            except (socket.timeout, TimeoutError):
                continue
            except (ConnectionResetError, ssl.SSLEOFError):
                data = b""
            if not data:
                self.eof = True
                if self.buf:
                    SEEN.append(self.buf)
                return None
            self.buf += data
        raw, self.buf = self.buf.split(b"\n", 1)
        SEEN.append(raw)
        return raw

    def line(self, timeout=5.0):
        raw = self.raw_line(timeout)
        if raw is None:
            return None
        try:
            return json.loads(raw, object_pairs_hook=unique_members)
        except ValueError as e:
            raise Failed("%s: a line that is not JSON (%s): %r" % (self.label, e, raw[:300]))

    def message(self, timeout=5.0):
        """The next answer; events met on the way are kept in self.events."""
        while True:
            m = self.line(timeout)
            if m is None or "event" not in m:
                return m
            self.events.append(m)

    def next_id(self):
        self.n += 1
        return "%s-%d" % (self.label, self.n)

    def req(self, op, id=None, **args):
        if id is None:
            id = self.next_id()
        obj = {"id": id, "op": op}
        obj.update(args)
        self.send(obj)
        r = self.message()
        expect(r is not None, "%s: connection closed instead of answering %s" % (self.label, op))
        expect(r.get("id") == id, "%s: answer to %r has id %r" % (self.label, id, r.get("id")))
        return r

    def ok(self, op, **args):
        r = self.req(op, **args)
        expect(r.get("ok") is True, "%s %s: %s" % (self.label, op, err_text(r)))
        return r["result"]

    def err(self, op, code, field=None, **args):
        r = self.req(op, **args)
        return check_err(r, code, field, "%s %s" % (self.label, op))

    def wait_eof(self, timeout=3.0):
        """Reads until the stream ends; the lines met are returned."""
        lines = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return lines, False
            try:
                raw = self.raw_line(left)
            except Failed:
                return lines, False
            except ssl.SSLError:
                return lines, True
            if raw is None:
                return lines, True
            lines.append(raw)

    def quiet(self, seconds=0.3):
        """True when nothing arrives for this long."""
        self.sock.settimeout(seconds)
        try:
            data = self.sock.recv(65536)
        except (socket.timeout, TimeoutError):
            return True
        SEEN.append(data)
        self.buf += data
        return False


def check_err(r, code, field, what):
    expect(r is not None, "%s: no answer" % what)
    expect(r.get("ok") is False, "%s: expected %s, got %s" % (what, code, err_text(r)))
    e = r.get("error", {})
    expect(e.get("code") == code, "%s: expected %s, got %s" % (what, code, err_text(r)))
    if field is not None:
        expect(e.get("field") == field,
               "%s: expected field %r, got %s" % (what, field, err_text(r)))
    expect(isinstance(e.get("message"), str) and e["message"], "%s: no message" % what)
    return e


def digest_response(ha1, nonce, nc, cnonce, qop="auth"):
    ha2 = sha256_hex("AUTH:" + URI)
    return sha256_hex("%s:%s:%s:%s:%s:%s" % (ha1, nonce, nc, cnonce, qop, ha2))


class DigestConn(Conn):
    """A connection of a profile with digest authentication."""

    def __init__(self, sock, label, user):
        super().__init__(sock, label)
        self.user = user
        self.challenge = None
        self.nc = 0

    def hello(self):
        r = self.ok("hello", version=1, client="test_protocol/" + self.label)
        self.challenge = r.get("challenge")
        self.nc = 0
        return r

    def take_challenge(self, r):
        c = r.get("error", {}).get("challenge")
        if c is not None:
            if self.challenge is None or c["nonce"] != self.challenge["nonce"]:
                self.nc = 0
            self.challenge = c

    def auth_args(self, password=None, nonce=None, nc=None):
        if password is None:
            password = PASSWORDS[self.user]
        if nonce is None:
            nonce = self.challenge["nonce"]
        if nc is None:
            self.nc += 1
            nc = self.nc
        ncs = "%08x" % nc
        cnonce = os.urandom(8).hex()
        ha1 = sha256_hex("%s:%s:%s" % (self.user, REALM, password))
        return {"username": self.user, "realm": REALM, "nonce": nonce, "uri": URI,
                "qop": "auth", "nc": ncs, "cnonce": cnonce, "algorithm": "SHA-256",
                "response": digest_response(ha1, nonce, ncs, cnonce)}

    def auth(self, **kw):
        r = self.req("auth", **self.auth_args(**kw))
        if r.get("ok") is False:
            self.take_challenge(r)
        return r

    def login(self):
        r = self.auth()
        expect(r.get("ok") is True, "%s: auth as %s: %s" % (self.label, self.user, err_text(r)))
        return r["result"]

    def call(self, op, **args):
        """A request; a 401 (the authentication expired) is answered by authenticating
        again and repeating the request with the same id, as the protocol says."""
        id = self.next_id()
        r = self.req(op, id=id, **args)
        if r.get("ok") is False and r["error"].get("code") == 401:
            self.take_challenge(r)
            self.login()
            r = self.req(op, id=id, **args)
        return r

    def cok(self, op, **args):
        r = self.call(op, **args)
        expect(r.get("ok") is True, "%s %s: %s" % (self.label, op, err_text(r)))
        return r["result"]

    def cerr(self, op, code, field=None, **args):
        return check_err(self.call(op, **args), code, field, "%s %s" % (self.label, op))


# ------------------------------------------------------------ the world


class World:
    tmp = None
    pki = None
    tls_port = 0
    prefix = ""
    conf = None
    daemon = None
    unix_path = None
    other_path = None
    capture_dir = None


W = World()


def free_tcp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def config_text(trunk_b=True, trunk_b_description="call control cluster B",
                trunk_b_notification=False, garbage=False):
    pki = W.pki
    ha1 = {u: sha256_hex("%s:%s:%s" % (u, REALM, p)) for u, p in PASSWORDS.items()}
    profile_b = """,
		{
			name = "trunk-b";
			description = "%s";
			transport = "tls";
			incoming_port = %d;
			x509_subjects = "cc2.example";
			security_mode = "authenticated";
			accept_subscription = true;
			accept_redirect = true;
			accept_notification = %s;
			accept_replacement = false;
		}""" % (trunk_b_description, W.tls_port, "true" if trunk_b_notification else "false")
    text = """# written by tests/control/test_protocol.py
eal = {
	hugepages = "no";
	memory_mb = 512;
	main_lcore = 0;
	args = [ "--file-prefix", "%(prefix)s", "--log-level=lib.eal:notice" ];
};
ports = (
	{ name = "a"; device = "net_null0"; addresses = [ "10.201.1.1/24", "10.201.1.2/24" ];
	  media_ports = "30000-33999"; },
	{ name = "b"; device = "net_null1"; addresses = [ "10.201.2.1/24", "10.201.2.2/24" ];
	  media_ports = "30000-33999"; }
);
workers = ( { lcore = 1; queues = [ "a:0", "b:0" ]; } );
control = {
	capture_dir = "%(capdir)s";
	listeners = (
		{ transport = "unix"; path = "%(unix)s"; allow_uids = [ 0 ]; profile = "local"; },
		{ transport = "unix"; path = "%(other)s"; mode = "0660"; allow_uids = [ 65534 ];
		  profile = "local"; },
		{ transport = "tls"; address = "127.0.0.1"; port = %(port)d;
		  certificate = "%(pki)s/server.der"; key = "%(pki)s/server.key.der";
		  ca_file = "%(pki)s/ca.pem"; }
	);
	profiles = (
		{
			name = "local";
			description = "the test's own socket";
			transport = "unix";
			security_mode = "non-secure";
			accept_subscription = true;
			accept_redirect = true;
			accept_notification = true;
			accept_replacement = true;
		},
		{
			name = "trunk-a";
			description = "call control cluster A";
			transport = "tls";
			incoming_port = %(port)d;
			x509_subjects = "callctl-1";
			security_mode = "encrypted";
			digest_authentication = true;
			nonce_validity = %(nonce)d;
			application_authorization = true;
			accept_subscription = true;
			accept_redirect = false;
			accept_notification = true;
			accept_replacement = true;
		}%(profile_b)s
	);
	clients = (
		{ name = "ops"; digest_ha1 = "%(ha1_ops)s"; operations = [ "session.*" ];
		  profiles = [ "trunk-a" ]; },
		{ name = "admin"; digest_ha1 = "%(ha1_admin)s"; operations = [ "*" ]; },
		{ name = "nocap"; digest_ha1 = "%(ha1_nocap)s";
		  operations = [ "session.*", "leg.*", "events.*", "notify", "profile.*", "stats" ]; }
	);
};
""" % {"prefix": W.prefix, "capdir": W.capture_dir, "unix": W.unix_path, "other": W.other_path,
       "port": W.tls_port, "pki": pki, "nonce": NONCE_VALIDITY,
       "profile_b": profile_b if trunk_b else "",
       "ha1_ops": ha1["ops"], "ha1_admin": ha1["admin"], "ha1_nocap": ha1["nocap"]}
    if garbage:
        text += "\nthis is { not libconfig\n"
    return text


def write_config(**kw):
    tmp = W.conf + ".new"
    with open(tmp, "w") as f:
        f.write(config_text(**kw))
    os.rename(tmp, W.conf)


class Daemon:
    def __init__(self, conf):
        self.conf = conf
        self.out_path = os.path.join(W.tmp, "mediasecd.out")
        self.err_path = os.path.join(W.tmp, "mediasecd.err")
        self.p = None
        self.rc = None

    def out(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode(errors="replace")

    def err(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode(errors="replace")

    def start(self):
        self.p = subprocess.Popen([MEDIASECD, "-f", self.conf],
                                  stdout=open(self.out_path, "wb"),
                                  stderr=open(self.err_path, "wb"))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if "mediasecd: ready" in self.out():
                return
            if self.p.poll() is not None:
                break
            time.sleep(0.05)
        self.kill()
        raise Failed("mediasecd did not get ready (exit %s):\n%s\n%s"
                     % (self.p.returncode, self.out()[-2000:], self.err()[-2000:]))

    def reload(self):
        """SIGHUP; 'ok' when the daemon says it reloaded, 'refused' with its message."""
        out0, err0 = len(self.out()), len(self.err())
        self.p.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            out, err = self.out()[out0:], self.err()[err0:]
            if "mediasecd: reloaded" in out:
                return "ok", out
            for l in err.splitlines():
                if "reload refused" in l:
                    return "refused", l
            time.sleep(0.05)
        raise Failed("no answer to SIGHUP within 10 s")

    def stop(self, timeout=10):
        if self.p is None or self.p.poll() is not None:
            self.rc = self.p.returncode if self.p else None
            return self.rc
        self.p.send_signal(signal.SIGTERM)
        try:
            self.rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            self.rc = None
        return self.rc

    def kill(self):
        if self.p is not None and self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def unix_connect(label, path=None, hello=True):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path or W.unix_path)
    c = Conn(s, label)
    if hello:
        c.ok("hello", version=1, client="test_protocol")
    return c


def tls_context(name=None, tls12=False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.path.join(W.pki, "ca.pem"))
    if name is not None:
        ctx.load_cert_chain(os.path.join(W.pki, name + ".pem"), os.path.join(W.pki, name + ".key"))
    if tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def tls_socket(name=None, tls12=False):
    raw = socket.create_connection(("127.0.0.1", W.tls_port), timeout=5)
    try:
        return tls_context(name, tls12).wrap_socket(raw, server_hostname="localhost")
    except BaseException:
        raw.close()
        raise


def tls_connect(label, cert, user=None, hello=True):
    s = tls_socket(cert)
    c = DigestConn(s, label, user) if user is not None else Conn(s, label)
    if hello:
        if user is not None:
            c.hello()
        else:
            c.ok("hello", version=1, client="test_protocol")
    return c


def trunk_a(label, user="admin", login=True):
    c = tls_connect(label, "client1", user)
    if login:
        c.login()
    return c


def session_exists(u, name):
    r = u.req("session.get", session=name)
    if r.get("ok"):
        return True
    expect(r["error"]["code"] == 404, "session.get %s: %s" % (name, err_text(r)))
    return False


def sessions_matching(u, match):
    names, after = [], None
    while True:
        args = {"match": match, "limit": 1000}
        if after is not None:
            args["after"] = after
        res = u.ok("session.list", **args)
        names += [s["session"] for s in res["sessions"]]
        after = res.get("next")
        if after is None:
            return names


def rtp_session(name, **kw):
    return {"session": name, "legs": [leg("a", "rtp"), leg("b", "rtp")], **kw}


# ------------------------------------------------------------ cases: who may connect


def case_tls_client_certificate():
    c = tls_connect("c1", "client1", "admin", hello=False)
    try:
        r = c.hello()
        expect(r["transport"] == "tls", "transport %r" % r.get("transport"))
        expect(r["profile"] == "trunk-a", "profile %r" % r.get("profile"))
        expect(r["principal"] == "callctl-1", "principal %r" % r.get("principal"))
        expect(r["authentication"] == "digest", "authentication %r" % r.get("authentication"))
        ch = r.get("challenge", {})
        expect(ch.get("algorithm") == "SHA-256" and ch.get("realm") == REALM and
               ch.get("uri") == URI and ch.get("qop") == "auth" and len(ch.get("nonce", "")) >= 16,
               "challenge %r" % ch)
        expect("callctl-1" in r["tls"]["client_subject"], "tls %r" % r.get("tls"))
        expect(r["max_message"] == MAX_MESSAGE, "max_message %r" % r.get("max_message"))
    finally:
        c.close()


def case_tls_san_second_profile():
    c = tls_connect("c2", "client2", hello=False)
    try:
        r = c.ok("hello", version=1)
        expect(r["profile"] == "trunk-b", "profile %r" % r.get("profile"))
        expect(r["principal"] == "cc2.example", "principal %r" % r.get("principal"))
        expect(r["authentication"] == "none", "authentication %r" % r.get("authentication"))
        expect("challenge" not in r, "a challenge without digest")
        c.ok("ping")
    finally:
        c.close()


def refused_tls(cert, tls12=False):
    """Connects and says hello; returns (lines received, how it ended)."""
    try:
        s = tls_socket(cert, tls12)
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError) as e:
        return [], "handshake failed: %s" % e
    c = Conn(s, "refused")
    try:
        try:
            c.send({"id": 1, "op": "hello", "version": 1})
        except (ssl.SSLError, OSError):
            pass
        lines, eof = c.wait_eof(5)
        return lines, "closed" if eof else "still open"
    finally:
        c.close()


def case_tls_unknown_subject():
    lines, how = refused_tls("intruder")
    expect(how == "closed", "the connection is %s" % how)
    expect(len(lines) == 1, "expected one refusal line, got %r" % lines)
    r = json.loads(lines[0])
    expect(r.get("ok") is False and r["error"]["code"] == 403, "expected 403: %r" % r)
    expect("intruder" in r["error"]["message"], "message %r" % r["error"]["message"])


def case_tls_no_client_certificate():
    lines, how = refused_tls(None)
    expect(how != "still open", "a client without certificate is still connected")
    expect(not lines, "a client without certificate was answered: %r" % lines)


def case_tls_wrong_ca():
    lines, how = refused_tls("foreign")
    expect(how != "still open", "a certificate of another CA is still connected")
    expect(not lines, "a certificate of another CA was answered: %r" % lines)


def case_tls12_refused():
    lines, how = refused_tls("client1", tls12=True)
    expect(how.startswith("handshake failed"), "a TLS 1.2 client: %s" % how)
    expect(not lines, "a TLS 1.2 client was answered: %r" % lines)


def case_plain_tcp_refused():
    s = socket.create_connection(("127.0.0.1", W.tls_port), timeout=5)
    got = b""
    try:
        s.sendall(b'{"id":1,"op":"hello","version":1}\n{"id":2,"op":"ping"}\n')
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            s.settimeout(deadline - time.monotonic())
            try:
                d = s.recv(4096)
            except (socket.timeout, TimeoutError):
                raise Failed("plain TCP connection neither answered nor closed in 5 s")
            except ConnectionResetError:
                break
            if not d:
                break
            got += d
    finally:
        s.close()
    SEEN.append(got)
    expect(b"{" not in got and b'"ok"' not in got, "plain TCP was served: %r" % got[:200])


def case_unix_uid_refused():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(W.other_path)
    c = Conn(s, "uid")
    try:
        lines, eof = c.wait_eof(5)
    finally:
        c.close()
    expect(eof, "the connection of a uid not allowed stays open")
    expect(len(lines) == 1, "expected one refusal line, got %r" % lines)
    r = json.loads(lines[0])
    expect(r.get("ok") is False and r["error"]["code"] == 403, "expected 403: %r" % r)
    expect("uid 0" in r["error"]["message"], "message %r" % r["error"]["message"])


# ------------------------------------------------------------ cases: digest authentication


class DigestState:
    d1 = d3 = None
    nonce_given = d1_authed = 0.0


DS = DigestState()


def case_digest_required_and_wrong_password():
    c = trunk_a("d1", login=False)
    DS.d1 = c
    n1 = c.challenge["nonce"]
    e = c.err("session.list", 401)
    expect(e.get("stale") is False, "stale %r before any authentication" % e.get("stale"))
    expect(e["challenge"]["nonce"] == n1, "an unauthenticated client lost its nonce")
    c.ok("ping")  # allowed before authentication
    r = c.auth(password="wrong password")
    e = check_err(r, 401, None, "auth with a wrong password")
    expect(e["challenge"]["nonce"] != n1, "no fresh challenge after a failure")
    expect(e.get("stale") is False, "stale %r after a wrong password" % e.get("stale"))
    c.err("session.list", 401)  # still not authenticated
    u = unix_connect("auth-check")
    try:
        expect(u.ok("profile.get", name="trunk-a")["profile"]["name"] == "trunk-a", "profile")
    finally:
        u.close()


def case_digest_good():
    c = DS.d1
    res = c.login()
    expect(res["principal"] == "admin", "principal %r" % res.get("principal"))
    expect(0 <= res["valid_for"] <= NONCE_VALIDITY, "valid_for %r" % res.get("valid_for"))
    c.ok("session.list", limit=1)
    # a higher nc with the same nonce is fine
    r = c.auth(nc=c.nc + 1)
    expect(r.get("ok") is True, "auth with nc+1: %s" % err_text(r))
    c.nc += 1


def case_digest_replay():
    c = DS.d1
    args = c.auth_args()
    r = c.req("auth", **args)
    expect(r.get("ok") is True, "auth: %s" % err_text(r))
    r = c.req("auth", **args)  # the same nonce and nc again
    e = check_err(r, 401, None, "a replayed response")
    expect("replay" in e["message"], "message %r" % e["message"])
    c.take_challenge(r)
    c.login()
    c.ok("session.list", limit=1)
    DS.d1_authed = time.monotonic()


def case_digest_five_failures():
    c = trunk_a("d2", login=False)
    try:
        for i in range(4):
            check_err(c.auth(password="bad %d" % i), 401, None, "failure %d" % (i + 1))
        c.ok("ping")  # still connected after 4
        r = c.auth(password="bad 5")
        check_err(r, 401, None, "failure 5")
        lines, eof = c.wait_eof(3)
        expect(eof, "the connection stays open after 5 failures")
        expect(not lines, "answers after the fifth failure: %r" % lines)
    finally:
        c.close()


def prepare_expiry():
    DS.d3 = trunk_a("d3", login=False)
    DS.nonce_given = time.monotonic()


def case_digest_expired_nonce():
    c = DS.d3
    try:
        old = c.challenge["nonce"]
        r = c.auth()
        e = check_err(r, 401, None, "auth with an expired nonce")
        expect(e.get("stale") is True, "stale %r" % e.get("stale"))
        expect(e["challenge"]["nonce"] != old, "no new nonce")
        c.login()
        c.ok("session.list", limit=1)
    finally:
        c.close()


def case_digest_connection_expires():
    c, u = DS.d1, unix_connect("expiry-check")
    try:
        create = {"session": "exp-1", "legs": [leg("a"), leg("b")]}
        r = c.req("session.create", id="exp-req", **create)
        e = check_err(r, 401, None, "a request after the authentication expired")
        expect(e.get("stale") is True, "stale %r" % e.get("stale"))
        expect(not session_exists(u, "exp-1"), "the refused request created its session")
        c.take_challenge(r)
        c.login()
        r = c.req("session.create", id="exp-req", **create)
        expect(r.get("ok") is True and not r.get("duplicate"), "repeat: %s" % err_text(r))
        r2 = c.req("session.create", id="exp-req", **create)
        expect(r2.get("ok") is True and r2.get("duplicate") is True,
               "a second repeat is not answered from memory: %s" % err_text(r2))
        expect(sessions_matching(u, "exp-1") == ["exp-1"], "not exactly one session exp-1")
        u.ok("session.delete", session="exp-1")
    finally:
        c.close()
        u.close()


# ------------------------------------------------------------ cases: authorization


def case_app_authorization():
    c, u = trunk_a("ops", user="ops"), unix_connect("authz-check")
    try:
        before = [p["name"] for p in u.ok("profile.list")["profiles"]]
        e = c.cerr("profile.add", 403, "op",
                   profile={"name": "sneaky", "transport": "unix"})
        expect("operation list" in e["message"], "message %r" % e["message"])
        c.cerr("stats", 403, "op")
        c.cerr("events.subscribe", 403, "op")
        after = [p["name"] for p in u.ok("profile.list")["profiles"]]
        expect(before == after, "profiles changed: %r -> %r" % (before, after))
        res = c.cok("session.create", session="authz-1", legs=[leg("a"), leg("b")])
        expect(res["profile"] == "trunk-a", "create: %r" % res)
        got = u.ok("session.get", session="authz-1")
        expect(got["principal"] == "ops", "principal %r" % got.get("principal"))
        c.cok("session.delete", session="authz-1")
    finally:
        c.close()
        u.close()


def case_capture_needs_app_authorization():
    u = unix_connect("cap-refused")
    b = tls_connect("cap-b", "client2")
    n = trunk_a("nocap", user="nocap")
    try:
        u.ok("session.create", **rtp_session("capref-1"))
        e = u.err("capture.start", 403, "op", session="capref-1", leg=0, file="x.pcap")
        expect("application-level authorization" in e["message"], "message %r" % e["message"])
        u.err("capture.list", 403, "op")
        b.err("capture.start", 403, "op", session="capref-1", leg=0, file="x.pcap")
        n.cerr("capture.start", 403, "op", session="capref-1", leg=0, file="x.pcap")
        n.cerr("capture.list", 403, "op")
        n.cok("session.get", session="capref-1")  # what its list allows still works
        expect(not os.path.exists(os.path.join(W.capture_dir, "x.pcap")), "a capture file appeared")
        u.ok("session.delete", session="capref-1")
    finally:
        u.close()
        b.close()
        n.close()


def case_operation_classes():
    u = unix_connect("classes")
    a = trunk_a("classes-a")
    b = tls_connect("classes-b", "client2")
    try:
        u.ok("session.create", **rtp_session("class-1"))
        before = u.ok("session.get", session="class-1")
        e = a.cerr("leg.redirect", 403, "op", session="class-1", leg=1, peer="10.201.2.9:7078")
        expect("accept_redirect" in e["message"], "message %r" % e["message"])
        b.err("notify", 403, "op", topic="x", data=1)
        b.err("leg.replace", 403, "op", session="class-1", leg=1, **{"with": leg("b", "rtp")})
        after = u.ok("session.get", session="class-1")
        expect([l["peer"] for l in before["legs"]] == [l["peer"] for l in after["legs"]] and
               [l["id"] for l in before["legs"]] == [l["id"] for l in after["legs"]],
               "a refused operation changed the session")
        # a profile change applies to the next request of a connection already open
        u.ok("profile.update", name="trunk-b", profile={"accept_subscription": False})
        b.err("events.subscribe", 403, "op")
        u.ok("profile.update", name="trunk-b", profile={"accept_subscription": True})
        b.ok("events.subscribe", events=["session.created"])
        b.ok("events.unsubscribe")
        u.ok("session.delete", session="class-1")
    finally:
        u.close()
        a.close()
        b.close()


def case_security_mode_encrypted():
    a, u = trunk_a("secmode-a"), unix_connect("secmode-check")
    try:
        e = a.cerr("session.create", 403, "legs[1].mode",
                   session="sm-a1", legs=[leg("a"), leg("b", "rtp")])
        expect("encrypted" in e["message"], "message %r" % e["message"])
        a.cerr("session.create", 403, "legs[0].mode",
               session="sm-a1", legs=[leg("a", "authenticated"), leg("b")])
        expect(not session_exists(u, "sm-a1"), "a refused session exists")
        res = a.cok("session.create", session="sm-a1",
                    legs=[leg("a", suite="AEAD_AES_128_GCM"), leg("b", suite="AES_256_CM_HMAC_SHA1_80")])
        expect(res["security"] == "encrypted", "security %r" % res.get("security"))
        a.cerr("session.update", 403, "mode", session="sm-a1", leg=1, mode="rtp")
        a.cerr("leg.replace", 403, "with.mode", session="sm-a1", leg=1,
               **{"with": leg("b", "rtp")})
        a.cok("session.delete", session="sm-a1")
    finally:
        a.close()
        u.close()


def case_security_mode_authenticated():
    b = tls_connect("secmode-b", "client2")
    try:
        res = b.ok("session.create", session="sm-b1",
                   legs=[leg("a", "authenticated"), leg("b", "authenticated", suite="NULL_HMAC_SHA1_32")])
        expect(res["security"] == "authenticated", "security %r" % res.get("security"))
        b.err("session.create", 403, "legs[0].mode", session="sm-b2",
              legs=[leg("a", "rtp"), leg("b", "authenticated")])
        res = b.ok("session.create", session="sm-b2", legs=[leg("a"), leg("b", "authenticated")])
        expect(res["security"] == "authenticated", "security %r" % res.get("security"))
        b.err("session.update", 403, "mode", session="sm-b2", leg=0, mode="rtp")
        b.ok("session.delete", session="sm-b1")
        b.ok("session.delete", session="sm-b2")
    finally:
        b.close()


# ------------------------------------------------------------ cases: the protocol


def case_hello_required():
    c = unix_connect("nohello", hello=False)
    try:
        c.err("ping", 428)
        c.err("session.list", 428)
        c.ok("hello", version=1)
        c.ok("ping")
    finally:
        c.close()


def case_version_negotiation():
    cases = [({"version": 1}, None), ({"version": 7}, None), ({"versions": [1, 2]}, None),
             ({"version": 0}, 426), ({"versions": [2]}, 426), ({"versions": [0, 3]}, 426)]
    for args, code in cases:
        c = unix_connect("ver", hello=False)
        try:
            if code is None:
                r = c.ok("hello", **args)
                expect(r["version"] == 1, "%r: version %r" % (args, r.get("version")))
                c.err("hello", 409, None, version=1)  # once per connection
            else:
                e = c.err("hello", code, None, **args)
                expect("1" in e["message"], "%r: the server's versions are not listed: %r"
                       % (args, e["message"]))
                c.err("ping", 428)  # no version agreed: still no hello
        finally:
            c.close()


def case_session_lifecycle():
    u = unix_connect("life")
    try:
        mki_legs = leg("a", params="|2^31|1:4", local="10.201.1.2:31000", peer="10.201.1.50:5004")
        res = u.ok("session.create", session="life-1",
                   legs=[mki_legs, leg("b", "rtp", local="10.201.2.2")])
        expect(res["session"] == "life-1" and res["security"] == "non-secure" and
               res["profile"] == "local", "create: %r" % res)
        l0, l1 = res["legs"]
        expect(l0["local"] == "10.201.1.2:31000" and l0["rtcp"] == "10.201.1.2:31001" and
               l0["peer"] == "10.201.1.50:5004" and l0["peer_rtcp"] == "10.201.1.50:5005",
               "leg 0: %r" % l0)
        port1 = int(l1["local"].rsplit(":", 1)[1])
        expect(l1["local"].startswith("10.201.2.2:") and port1 % 2 == 0 and
               l1["rtcp"] == "10.201.2.2:%d" % (port1 + 1), "leg 1 allocation: %r" % l1)
        got = u.ok("session.get", session="life-1")
        expect(got["principal"] == "uid:0" and got["origin"] == "client" and "created" in got,
               "get: %r" % {k: got.get(k) for k in ("principal", "origin", "created")})
        expect("counters" in got["legs"][0] and "keys" in got["legs"][0], "get: no counters/keys")
        upd = u.ok("session.update", session="life-1", leg=0,
                   rekey={"dir": "recv", "key": new_key(params="|2:4"), "from": 1000})
        expect(upd["changed"] == ["rekey.recv"], "rekey: %r" % upd.get("changed"))
        expect(len(upd["legs"][0]["keys"]["recv"]) == 2 and
               upd["legs"][0]["keys"]["recv"][1]["mki"] == "2:4" and
               upd["legs"][0]["keys"]["recv"][1]["from"] == 1000,
               "the rekey answer lists the keys: %r" % upd["legs"][0].get("keys"))
        keys = u.ok("session.get", session="life-1")["legs"][0]["keys"]["recv"]
        expect(len(keys) == 2, "recv keys after a rekey: %r" % keys)
        upd = u.ok("session.update", session="life-1", leg=0, retire={"dir": "recv"})
        expect(upd["changed"] == ["retire.recv"], "retire: %r" % upd.get("changed"))
        upd = u.ok("session.update", session="life-1", leg=1, peer="10.201.2.77:6000")
        expect(upd["changed"] == ["peer"] and
               upd["legs"][1]["peer"] == "10.201.2.77:6000", "peer: %r" % upd)
        upd = u.ok("session.update", session="life-1", leg=1, mode="encrypted",
                   suite="AES_CM_128_HMAC_SHA1_32", recv_key=new_key(), send_key=new_key())
        expect(upd["changed"] == ["mode"] and upd["security"] == "encrypted",
               "switch: %r" % upd)
        d = u.ok("session.delete", session="life-1")
        expect(d["deleted"] is True and len(d["legs"]) == 2, "delete: %r" % d)
        u.err("session.get", 404, "session", session="life-1")
        u.err("session.delete", 404, "session", session="life-1")
    finally:
        u.close()


def case_session_list_paging():
    u = unix_connect("paging")
    try:
        for i in range(5):
            u.ok("session.create", **rtp_session("page-%d" % i))
        seen, after, pages = [], None, 0
        while True:
            args = {"match": "page-", "limit": 2}
            if after is not None:
                args["after"] = after
            res = u.ok("session.list", **args)
            pages += 1
            expect(len(res["sessions"]) <= 2, "page of %d" % len(res["sessions"]))
            expect(res["total"] >= 5, "total %r" % res.get("total"))
            seen += [s["session"] for s in res["sessions"]]
            after = res.get("next")
            if after is None:
                break
            expect(pages < 10, "paging does not end")
        expect(sorted(seen) == ["page-%d" % i for i in range(5)], "paged: %r" % seen)
        expect(pages == 3, "%d pages for 5 sessions of 2" % pages)
        u.err("session.list", 400, "after", after="not-a-cursor")
        for i in range(5):
            u.ok("session.delete", session="page-%d" % i)
    finally:
        u.close()


def case_redirect_and_replace():
    u = unix_connect("redirect")
    try:
        res = u.ok("session.create", **rtp_session("rr-1"))
        old_id = res["legs"][1]["id"]
        r = u.ok("leg.redirect", session="rr-1", leg=1, peer="10.201.2.9:7078", peer_rtcp=7079)
        expect(r["changed"] == ["peer"] and r["legs"][1]["peer"] == "10.201.2.9:7078"
               and r["legs"][1]["peer_rtcp"] == "10.201.2.9:7079", "redirect: %r" % r)
        r = u.ok("leg.replace", session="rr-1", leg=1,
                 **{"with": leg("b", local="10.201.2.2", peer="10.201.2.10:8000")})
        nl = r["legs"][1]
        expect(nl["id"] != old_id and nl["mode"] == "encrypted" and nl["peer"] == "10.201.2.10:8000",
               "replace: %r" % nl)
        u.err("leg.redirect", 400, "peer", session="rr-1", leg=0, peer="nowhere")
        u.ok("session.delete", session="rr-1")
    finally:
        u.close()


def read_events(c, n, timeout=3.0):
    deadline = time.monotonic() + timeout
    while len(c.events) < n:
        left = deadline - time.monotonic()
        expect(left > 0, "%s: %d events of %d: %r" % (c.label, len(c.events), n,
                                                     [e["event"] for e in c.events]))
        m = c.line(left)
        expect(m is not None, "%s: closed" % c.label)
        expect("event" in m, "%s: an answer nobody asked for: %r" % (c.label, m))
        c.events.append(m)
    got, c.events = c.events[:n], c.events[n:]
    return got


def case_events_and_notify():
    s = unix_connect("subscriber")
    u = unix_connect("events")
    a = trunk_a("notifier")
    try:
        r = s.ok("events.subscribe", events=["session.*", "notification"])
        expect(r["subscribed"] is True, "subscribe: %r" % r)
        u.ok("session.create", session="ev-1", legs=[leg("a"), leg("b", "rtp")])
        u.ok("session.update", session="ev-1", leg=1, mode="encrypted",
             suite="AES_CM_128_HMAC_SHA1_80", recv_key=new_key(), send_key=new_key())
        u.ok("session.delete", session="ev-1")
        evs = read_events(s, 4)
        names = [e["event"] for e in evs]
        expect(names == ["session.created", "session.updated", "session.security_changed",
                         "session.deleted"], "events %r" % names)
        seqs = [e["seq"] for e in evs]
        expect(seqs == [1, 2, 3, 4], "seq %r" % seqs)
        expect(all(e["data"]["session"] == "ev-1" and "time" in e for e in evs), "data %r" % evs)
        expect(evs[0]["data"]["security"] == "non-secure" and evs[0]["data"]["principal"] == "uid:0",
               "created: %r" % evs[0]["data"])
        expect(evs[2]["data"]["security"] == "encrypted" and evs[2]["data"]["was"] == "non-secure",
               "security_changed: %r" % evs[2]["data"])
        expect(evs[3]["data"]["reason"] == "request", "deleted: %r" % evs[3]["data"])
        data = {"hold": True, "legs": [0, 1], "note": "music on hold"}
        expect(a.cok("notify", topic="ev-1/hold", data=data)["sent"] is True, "notify")
        n = read_events(s, 1)[0]
        expect(n["event"] == "notification" and n["seq"] == 5, "notification: %r" % n)
        expect(n["data"].get("topic") == "ev-1/hold" and n["data"].get("from") == "admin" and
               n["data"].get("data") == data, "notification data: %r" % n["data"])
        expect(s.ok("events.unsubscribe")["subscribed"] is False, "unsubscribe")
        u.ok("session.create", **rtp_session("ev-2"))
        u.ok("session.delete", session="ev-2")
        s.ok("ping")
        expect(not s.events and s.quiet(0.3), "events after unsubscribe: %r" % s.events)
        s.err("events.subscribe", 400, "events[0]", events=["no.such"])
    finally:
        s.close()
        u.close()
        a.close()


def case_capture():
    u, a = unix_connect("capture"), trunk_a("capture-a")
    try:
        u.ok("session.create", **rtp_session("cap-1"))
        r = a.cok("capture.start", session="cap-1", leg=0, file="proto-cap.pcap", max_seconds=60)
        expect(r["file"] == "proto-cap.pcap" and r["leg"] == 0, "start: %r" % r)
        caps = a.cok("capture.list")["captures"]
        expect([(c["session"], c["leg"]) for c in caps] == [("cap-1", 0)], "list: %r" % caps)
        a.cerr("capture.start", 409, None, session="cap-1", leg=0, file="other.pcap")
        a.cerr("capture.start", 400, "file", session="cap-1", leg=1, file="../evil.pcap")
        a.cerr("capture.start", 404, "session", session="no-such", leg=0, file="n.pcap")
        r = a.cok("capture.stop", session="cap-1", leg=0)
        expect(r["session"] == "cap-1" and "packets" in r, "stop: %r" % r)
        expect(a.cok("capture.list")["captures"] == [], "a capture is left")
        a.cerr("capture.stop", 404, None, session="cap-1", leg=0)
        path = os.path.join(W.capture_dir, "proto-cap.pcap")
        expect(os.path.exists(path), "no file %s" % path)
        with open(path, "rb") as f:
            magic = f.read(4)
        expect(magic in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1",
                         b"\xa1\xb2\x3c\x4d"), "not a pcap: %r" % magic)
        u.ok("session.delete", session="cap-1")
    finally:
        u.close()
        a.close()


def case_profiles():
    u = unix_connect("profiles")
    b = tls_connect("profiles-b", "client2")
    try:
        names = [p["name"] for p in u.ok("profile.list")["profiles"]]
        expect({"local", "trunk-a", "trunk-b"} <= set(names), "list: %r" % names)
        hits = [p["name"] for p in u.ok("profile.list", search="call control")["profiles"]]
        expect(sorted(hits) == ["trunk-a", "trunk-b"], "search description: %r" % hits)
        hits = [p["name"] for p in u.ok("profile.list", search="trunk", **{"in": "description"})["profiles"]]
        expect(hits == [], "search trunk in descriptions: %r" % hits)
        g = u.ok("profile.get", name="trunk-a")
        expect(g["profile"]["digest_authentication"] is True and
               g["profile"]["nonce_validity"] == NONCE_VALIDITY and
               g["profile"]["x509_subjects"] == "callctl-1" and "used_by" in g, "get: %r" % g)
        u.err("profile.get", 404, "name", name="no-such")
        r = u.ok("profile.add", profile={"name": "rt-added", "transport": "unix",
                                         "description": "added at run time"})
        expect(r["name"] == "rt-added" and r["origin"] == "runtime" and
               r["security_mode"] == "encrypted", "add: %r" % r)
        u.err("profile.add", 409, "profile.name", profile={"name": "rt-added", "transport": "unix"})
        e = u.err("profile.add", 409, "profile.x509_subjects",
                  profile={"name": "dup-subject", "transport": "tls", "incoming_port": W.tls_port,
                           "x509_subjects": "someone, CALLCTL-1"})
        expect("trunk-a" in e["message"], "message %r" % e["message"])
        u.err("profile.add", 400, "profile.application_authorization",
              profile={"name": "bad", "transport": "unix", "application_authorization": True})
        u.err("profile.add", 409, "profile.incoming_port",
              profile={"name": "noport", "transport": "tls", "incoming_port": 1999,
                       "x509_subjects": "x.example"})
        r = u.ok("profile.copy", **{"from": "trunk-b", "name": "trunk-b2",
                                    "profile": {"x509_subjects": "other.example"}})
        expect(r["name"] == "trunk-b2" and r["security_mode"] == "authenticated" and
               r["x509_subjects"] == "other.example", "copy: %r" % r)
        r = u.ok("profile.update", name="trunk-b2", profile={"description": "a copy"})
        expect(r["description"] == "a copy", "update: %r" % r)
        u.err("profile.update", 400, "profile.name", name="trunk-b2", profile={"name": "x"})
        expect(u.ok("profile.delete", name="trunk-b2") == {"deleted": "trunk-b2"}, "delete")
        u.err("profile.get", 404, "name", name="trunk-b2")
        # in use: a session created under trunk-b (kept for the reload cases)
        b.ok("session.create", session="tb-used", legs=[leg("a", "authenticated"), leg("b")])
        r = u.req("profile.delete", name="trunk-b")
        e = check_err(r, 409, "name", "profile.delete of a profile in use")
        ub = e.get("used_by", {})
        expect("tb-used" in ub.get("session_names", []) and ub.get("sessions") == 1,
               "used_by: %r" % ub)
        expect(any("cc2.example" in c for c in ub.get("connections", [])), "used_by: %r" % ub)
        r = u.req("profile.update", name="trunk-b",
                  profile={"transport": "unix", "incoming_port": 0, "x509_subjects": ""})
        e = check_err(r, 409, "profile.transport", "a transport change of a profile in use")
        expect("tb-used" in e.get("used_by", {}).get("session_names", []), "used_by: %r" % e)
        g = u.ok("profile.get", name="trunk-b")
        expect(g["profile"]["transport"] == "tls", "trunk-b changed: %r" % g["profile"])
        expect(g["used_by"]["session_names"] == ["tb-used"], "get used_by: %r" % g["used_by"])
        u.err("profile.delete", 409, "name", name="local")  # its listeners
    finally:
        u.close()
        b.close()


def case_stats():
    u = unix_connect("stats")
    try:
        st = u.ok("stats")
        expect(len(st["dataplane"]["workers"]) == 1, "workers: %r" % st["dataplane"]["workers"])
        expect(st["sessions"]["total"] >= 1 and st["sessions"]["leg_capacity"] >= 2,
               "sessions: %r" % st["sessions"])
        ctl = st["control"]
        expect(ctl["requests"] > 0 and ctl["connections"] >= 1 and ctl["digest_failures"] >= 5 and
               ctl["refused"] >= 3 and ctl["errors"]["403"] > 0, "control: %r" % ctl)
        expect(st["key_memory"]["bytes_in_use"] > 0, "key memory: %r" % st["key_memory"])
    finally:
        u.close()


def telemetry(cmd):
    """One DPDK telemetry command to the daemon (its v2 socket); the answer, checked as JSON."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    try:
        s.connect("/var/run/dpdk/%s/dpdk_telemetry.v2" % W.prefix)
        s.recv(65536)  # the greeting: version, pid, max_output_len
        s.send(cmd.encode())
        data = s.recv(1 << 20)
    finally:
        s.close()
    SEEN.append(data)  # scanned for keys at the end like every answer
    try:
        return json.loads(data, object_pairs_hook=unique_members)[cmd.split(",")[0]]
    except ValueError as e:
        raise Failed("telemetry %s: not JSON (%s): %r" % (cmd, e, data[:300]))


def case_telemetry():
    u = unix_connect("telemetry")
    try:
        res = u.ok("session.create", session="tel-1",
                   legs=[leg("a", local="10.201.1.2:31200", peer="10.201.1.60:5004"),
                         leg("b", "rtp", local="10.201.2.2")])
        id0, id1 = res["legs"][0]["id"], res["legs"][1]["id"]
        ids = telemetry("/mediasec/legs")
        expect(id0 in ids and id1 in ids, "/mediasec/legs %r lacks %d, %d" % (ids, id0, id1))
        l0 = telemetry("/mediasec/leg,%d" % id0)
        expect(l0["session"] == "tel-1" and l0["pair"] == id1 and l0["port"] == "a" and
               l0["mode"] == "encrypted" and l0["suite"] == "AES_CM_128_HMAC_SHA1_80" and
               l0["local"] == "10.201.1.2:31200" and l0["peer"] == "10.201.1.60:5004" and
               "pkts" in l0["rx"] and "drop_auth_fail" in l0["rx"], "leg 0: %r" % l0)
        l1 = telemetry("/mediasec/leg,%d" % id1)
        expect(l1["mode"] == "rtp" and l1["suite"] == "none" and l1["pair"] == id0,
               "leg 1: %r" % l1)
        st = telemetry("/mediasec/stats")
        expect("drop_neigh_tx_full" in st and "drop_tx_full" in st and "busy_cycles" in st,
               "stats: %r" % sorted(st)[:20])
        u.ok("session.delete", session="tel-1")
        gone = telemetry("/mediasec/leg,%d" % id0)
        expect(gone is None, "a deleted leg: %r" % gone)
        ids = telemetry("/mediasec/legs")
        expect(id0 not in ids and id1 not in ids, "deleted legs still listed: %r" % ids)
    finally:
        u.close()


MALFORMED = [
    # (what, bytes sent, field)
    ("not JSON", b"this is not json", None),
    ("a number", b"42", None),
    ("a JSON array", b'[{"id":"m","op":"ping"}]', None),
    ("invalid UTF-8", b'{"id":"m-u8","op":"ping","x":"\xff\xfe"}', None),
    ("an overlong UTF-8 form", b'{"id":"m-ol","op":"ping","x":"\xc0\xaf"}', None),
    ("a NUL byte", b'{"id":"m-nul","op":"ping"}\x00', None),
    ("no id", b'{"op":"ping"}', "id"),
    ("id true", b'{"id":true,"op":"ping"}', "id"),
    ("id negative", b'{"id":-1,"op":"ping"}', "id"),
    ("id fraction", b'{"id":1.5,"op":"ping"}', "id"),
    ("id empty", b'{"id":"","op":"ping"}', "id"),
    ("id of 65 characters", b'{"id":"' + b"x" * 65 + b'","op":"ping"}', "id"),
    ("id an object", b'{"id":{"a":1},"op":"ping"}', "id"),
    ("id null", b'{"id":null,"op":"ping"}', "id"),
]

# (what, request, field): each answered 400 with the request's id
BAD_REQUESTS = [
    ("unknown op", {"op": "session.explode"}, "op"),
    ("no op", {}, "op"),
    ("op a number", {"op": 7}, "op"),
    ("unknown member", {"op": "ping", "extra": 1}, "extra"),
    ("unknown member of a leg", {"op": "session.create", "session": "bad-1",
                                 "legs": [dict(leg("a"), colour="red"), leg("b")]}, "legs[0].colour"),
    ("legs not an array", {"op": "session.create", "legs": "two"}, "legs"),
    ("one leg", {"op": "session.create", "legs": [{"port": "a", "mode": "rtp"}]}, "legs"),
    ("port a number", {"op": "session.create",
                       "legs": [{"port": 5, "mode": "rtp"}, leg("b", "rtp")]}, "legs[0].port"),
    ("no such port", {"op": "session.create",
                      "legs": [leg("a", "rtp"), leg("z", "rtp")]}, "legs[1].port"),
    ("strict_source a string", {"op": "session.create",
                                "legs": [leg("a", "rtp", strict_source="yes"), leg("b", "rtp")]},
     "legs[0].strict_source"),
    ("mode unknown", {"op": "session.create", "legs": [leg("a", "rtp"), {"port": "b", "mode": "secure"}]},
     "legs[1].mode"),
    ("suite of another mode", {"op": "session.create",
                               "legs": [leg("a", "encrypted", suite="NULL_HMAC_SHA1_80"), leg("b", "rtp")]},
     "legs[0].suite"),
    ("keys on an rtp leg", {"op": "session.create",
                            "legs": [leg("a", "rtp", recv_key="inline:x"), leg("b", "rtp")]},
     "legs[0].recv_key"),
    ("no send_key", {"op": "session.create",
                     "legs": [{k: v for k, v in leg("a").items() if k != "send_key"}, leg("b", "rtp")]},
     "legs[0].send_key"),
    ("limit a string", {"op": "session.list", "limit": "10"}, "limit"),
    ("limit 0", {"op": "session.list", "limit": 0}, "limit"),
    ("limit 1001", {"op": "session.list", "limit": 1001}, "limit"),
    ("replay_window 32", {"op": "session.create",
                          "legs": [leg("a", replay_window=32), leg("b", "rtp")]},
     "legs[0].replay_window"),
    ("recv_roc 2^32", {"op": "session.create",
                       "legs": [leg("a", recv_roc=4294967296), leg("b", "rtp")]}, "legs[0].recv_roc"),
    ("local port outside media_ports", {"op": "session.create",
                                        "legs": [leg("a", "rtp", local="10.201.1.2:40000"), leg("b", "rtp")]},
     "legs[0].local"),
    ("local address of another port", {"op": "session.create",
                                       "legs": [leg("a", "rtp", local="10.201.2.2:31000"), leg("b", "rtp")]},
     "legs[0].local"),
    ("peer not an address", {"op": "session.create",
                             "legs": [leg("a", "rtp", peer="somewhere"), leg("b", "rtp")]}, "legs[0].peer"),
    ("session name with a blank", {"op": "session.create", "session": "a b",
                                   "legs": [leg("a", "rtp"), leg("b", "rtp")]}, "session"),
    ("leg 2", {"op": "session.update", "session": "keep-1", "leg": 2, "peer": "learn"}, "leg"),
    ("leg a string", {"op": "session.update", "session": "keep-1", "leg": "0", "peer": "learn"}, "leg"),
    ("rekey not an object", {"op": "session.update", "session": "keep-1", "leg": 0, "rekey": "now"},
     "rekey"),
    ("update with nothing", {"op": "session.update", "session": "keep-1", "leg": 0}, None),
    ("nonce_validity 0", {"op": "profile.add", "profile": {"name": "p0", "transport": "unix",
                                                           "nonce_validity": 0}},
     "profile.nonce_validity"),
    ("notify data too big", {"op": "notify", "topic": "t", "data": "x" * 5000}, "data"),
    ("subscribe events not an array", {"op": "events.subscribe", "events": "session.*"}, "events"),
]


def case_malformed_messages():
    m = unix_connect("malformed")
    try:
        m.ok("session.create", **rtp_session("keep-1"))
        total = m.ok("session.list", limit=1)["total"]
        for what, data, field in MALFORMED:
            m.send_raw(data + b"\n")
            r = m.message()
            e = check_err(r, 400, field, what)
            expect(r["id"] is None, "%s: id %r" % (what, r["id"]))
            expect(e["status"] == "bad_request", "%s: status %r" % (what, e.get("status")))
            m.ok("ping")
        for what, req, field in BAD_REQUESTS:
            id = m.next_id()
            m.send(dict({"id": id}, **req))
            r = m.message()
            check_err(r, 400, field, what)
            expect(r["id"] == id, "%s: id %r" % (what, r["id"]))
            m.ok("ping")
        # members given twice, in raw text (a dict cannot hold them)
        m.send_raw(b'{"id":"m-dup","op":"session.get","session":"keep-1","session":"other"}\n')
        check_err(m.message(), 400, "session", "a member given twice")
        m.send_raw(b'{"id":"m-dup1","id":"m-dup2","op":"session.delete","session":"keep-1"}\n')
        check_err(m.message(), 400, "id", "id given twice")
        m.ok("session.get", session="keep-1")
        m.send_raw(b'{"id":"m-crlf","op":"ping"}\r\n')  # \r before \n is ignored
        r = m.message()
        expect(r.get("ok") is True and r["id"] == "m-crlf", "CRLF: %s" % err_text(r))
        m.send_raw(b"\n\n")  # empty lines are nothing
        m.ok("ping")
        expect(m.ok("session.list", limit=1)["total"] == total, "a refused request changed something")
        m.ok("session.delete", session="keep-1")
    finally:
        m.close()


def case_oversized_message():
    m = unix_connect("oversized")
    try:
        m.send_raw(b"x" * 70000)
        r = m.message()
        e = check_err(r, 413, None, "70000 bytes without newline")
        expect(r["id"] is None and e["status"] == "too_large", "413: %r" % r)
        m.send_raw(b"x" * 1000 + b"\n")  # the rest of the same line
        r = m.req("ping")
        expect(r.get("ok") is True, "the request after a 413: %s" % err_text(r))
        m.send_raw(b"y" * 70000 + b"\n")
        check_err(m.message(), 413, None, "70000 bytes with newline")
        m.ok("ping")
        # the limit counts the newline: exactly max_message is fine, one more is not
        head = b'{"id":"big","op":"ping"'
        m.send_raw(head + b" " * (MAX_MESSAGE - len(head) - 2) + b"}\n")
        r = m.message()
        expect(r.get("ok") is True and r["id"] == "big", "a message of max_message bytes: %s"
               % err_text(r))
        m.send_raw(head + b" " * (MAX_MESSAGE - len(head) - 1) + b"}\n")
        check_err(m.message(), 413, None, "a message of max_message + 1 bytes")
        m.ok("ping")
    finally:
        m.close()


def case_key_errors():
    u = unix_connect("keys")
    try:
        def create_err(field, first, what):
            e = u.err("session.create", 400, field, session="badkey", legs=[first, leg("b", "rtp")])
            expect(not session_exists(u, "badkey"), "%s: a session exists" % what)
            return e

        e = create_err("legs[0].recv_key", dict(leg("a"), recv_key="inline:" + "!" * 40), "bad base64")
        expect("base64" in e["message"], "message %r" % e["message"])
        create_err("legs[0].recv_key", dict(leg("a"), recv_key="inline:" + "QUJD" * 9 + "QUJ="),
                   "truncated base64")
        create_err("legs[0].recv_key", dict(leg("a"), recv_key="9VZEy6t1Ur3NwIxIzxa6COHUfMpv2jZ2flqvq7y6"),
                   "no inline: prefix")
        short = leg("a", suite="AES_256_CM_HMAC_SHA1_80")
        short["recv_key"] = new_key("AES_CM_128_HMAC_SHA1_80")  # 30 bytes for a 46-byte suite
        e = create_err("legs[0].recv_key", short, "a 30-byte key for AES-256")
        expect("length" in e["message"], "message %r" % e["message"])
        gcm = leg("a", suite="AEAD_AES_128_GCM")
        gcm["send_key"] = new_key("AES_CM_128_HMAC_SHA1_80")  # the CM length, 30, not 28
        create_err("legs[0].send_key", gcm, "a GCM key of the CM length")
        zero = leg("a")
        zero["send_key"] = sdes(bytes(16) + os.urandom(14))
        e = create_err("legs[0].send_key", zero, "a zero master key")
        expect("zero" in e["message"], "message %r" % e["message"])
        create_err("legs[0].recv_key", dict(leg("a"), recv_key=new_key(params="|1:5")),
                   "an MKI of 5 bytes")
        create_err("legs[0].recv_key", dict(leg("a"), recv_key=new_key(params="|2^49")),
                   "a lifetime beyond 2^48")
    finally:
        u.close()


def case_rekey_mki_mismatch():
    u = unix_connect("mki")
    try:
        u.ok("session.create", session="mki-1",
             legs=[leg("a", params="|1:4"), leg("b", suite="AEAD_AES_256_GCM")])
        before = u.ok("session.get", session="mki-1")["legs"][0]["keys"]
        e = u.err("session.update", 400, "rekey.key", session="mki-1", leg=0,
                  rekey={"dir": "send", "key": new_key(params="|2:2")})
        expect("MKI" in e["message"], "message %r" % e["message"])
        u.err("session.update", 400, "rekey.key", session="mki-1", leg=0,
              rekey={"dir": "send", "key": new_key()})
        u.err("session.update", 400, "rekey.key", session="mki-1", leg=1,
              rekey={"dir": "recv", "key": new_key(params="|1:1")})
        u.err("session.update", 400, "rekey.key", session="mki-1", leg=1,
              rekey={"dir": "recv", "key": new_key("AES_CM_128_HMAC_SHA1_80")})
        u.err("session.update", 400, "rekey.dir", session="mki-1", leg=0,
              rekey={"dir": "both", "key": new_key(params="|2:4")})
        u.err("session.update", 409, "retire", session="mki-1", leg=0, retire={"dir": "send"})
        after = u.ok("session.get", session="mki-1")["legs"][0]["keys"]
        expect(before == after or
               [[k["id"] for k in before[d]] for d in ("recv", "send")] ==
               [[k["id"] for k in after[d]] for d in ("recv", "send")],
               "refused rekeys changed the keys: %r -> %r" % (before, after))
        r = u.ok("session.update", session="mki-1", leg=0,
                 rekey={"dir": "send", "key": new_key(params="|2:4")})
        expect(r["changed"] == ["rekey.send"], "rekey: %r" % r)
        u.ok("session.delete", session="mki-1")
    finally:
        u.close()


def case_duplicate_request_ids():
    u = unix_connect("dup")
    try:
        line = json.dumps({"id": "dup-1", "op": "session.create", **rtp_session("dup-sess")}).encode()
        u.send_raw(line + b"\n")
        first = u.message()
        expect(first.get("ok") is True and "duplicate" not in first, "first: %s" % err_text(first))
        u.send_raw(line + b"\n")
        again = u.message()
        expect(again.get("ok") is True and again.get("duplicate") is True,
               "the same request again: %s" % err_text(again))
        expect(again["result"] == first["result"], "a different result the second time")
        expect(sessions_matching(u, "dup-sess") == ["dup-sess"], "not exactly one session")
        e = u.err("session.create", 409, "id", id="dup-1", **rtp_session("dup-other"))
        expect("different" in e["message"], "message %r" % e["message"])
        expect(not session_exists(u, "dup-other"), "the conflicting request created its session")
        u.ok("session.get", id="dup-1", session="dup-sess")  # a read is not remembered
        u.ok("session.delete", session="dup-sess")
        u.ok("session.create", id=12345, **rtp_session("dup-num"))
        r = u.req("session.create", id=12345, **rtp_session("dup-num"))
        expect(r.get("duplicate") is True and r["id"] == 12345, "integer id: %s" % err_text(r))
        u.ok("session.delete", session="dup-num")
    finally:
        u.close()


def case_disconnect_mid_request():
    c = unix_connect("half")
    line = json.dumps({"id": "half-1", "op": "session.create", **rtp_session("half-sess")}).encode()
    c.send_raw(line[: len(line) // 2])
    time.sleep(0.1)
    c.close()
    time.sleep(0.2)
    u = unix_connect("half-check")
    try:
        expect(not session_exists(u, "half-sess"), "half a request created a session")
        u.ok("ping")
    finally:
        u.close()


def case_close_before_answer():
    c = unix_connect("gone")
    line = json.dumps({"id": "gone-1", "op": "session.create", **rtp_session("gone-sess")}).encode()
    c.send_raw(line + b"\n")
    c.close()
    u = unix_connect("gone-check")
    try:
        deadline = time.monotonic() + 3
        while not session_exists(u, "gone-sess"):
            expect(time.monotonic() < deadline, "a complete request of a client gone was not carried out")
            time.sleep(0.05)
        u.send_raw(line + b"\n")
        r = u.message()
        expect(r.get("ok") is True and r.get("duplicate") is True,
               "the retry on a new connection: %s" % err_text(r))
        expect(r["result"]["session"] == "gone-sess", "retry result: %r" % r["result"])
        expect(sessions_matching(u, "gone-sess") == ["gone-sess"], "not exactly one session")
        u.ok("session.delete", session="gone-sess")
    finally:
        u.close()


def case_pipelining():
    n = 500
    u = unix_connect("pipe")
    try:
        lines = []
        for i in range(n):
            lines.append(json.dumps({"id": "p%d" % i, "op": "session.create", "session": "pipe-%d" % i,
                                     "legs": [leg("a"), leg("b", "rtp")]}).encode())
        blob = b"\n".join(lines) + b"\n"
        t = threading.Thread(target=u.send_raw, args=(blob,))
        t.start()
        ids = []
        for i in range(n):
            r = u.message(10)
            expect(r is not None, "closed after %d answers" % i)
            expect(r.get("ok") is True, "create %d: %s" % (i, err_text(r)))
            ids.append(r["id"])
        t.join()
        expect(ids == ["p%d" % i for i in range(n)], "answers out of order")
        expect(len(sessions_matching(u, "pipe-")) == n, "not %d sessions" % n)
        blob = b"".join(json.dumps({"id": "pd%d" % i, "op": "session.delete",
                                    "session": "pipe-%d" % i}).encode() + b"\n" for i in range(n))
        blob += b'{"id":"pipe-end","op":"ping"}\n'
        t = threading.Thread(target=u.send_raw, args=(blob,))
        t.start()
        ids = []
        for i in range(n + 1):
            r = u.message(10)
            expect(r is not None and r.get("ok") is True, "delete %d: %s" % (i, err_text(r)))
            ids.append(r["id"])
        t.join()
        expect(ids == ["pd%d" % i for i in range(n)] + ["pipe-end"], "delete answers out of order")
        expect(sessions_matching(u, "pipe-") == [], "pipelined sessions left")
    finally:
        u.close()


def case_failed_leg_installs_nothing():
    u = unix_connect("atomic")
    try:
        u.ok("session.create", session="at-holder",
             legs=[leg("a", "rtp"), leg("b", "rtp", local="10.201.2.2:30500")])
        total = u.ok("session.list", limit=1)["total"]
        e = u.err("session.create", 409, "legs[1].local", session="at-fail",
                  legs=[leg("a", local="10.201.1.2:30600"), leg("b", "rtp", local="10.201.2.2:30500")])
        expect("in use" in e["message"], "message %r" % e["message"])
        expect(not session_exists(u, "at-fail"), "the failed session exists")
        expect(u.ok("session.list", limit=1)["total"] == total, "the session count changed")
        r = u.ok("session.create", session="at-after",
                 legs=[leg("a", "rtp", local="10.201.1.2:30600"), leg("b", "rtp")])
        expect(r["legs"][0]["local"] == "10.201.1.2:30600", "leg 0's port: %r" % r["legs"][0])
        # within one session: both legs on the same local end
        u.err("session.create", 409, "legs[1].local", session="at-same",
              legs=[leg("a", "rtp", local="10.201.1.2:30700"), leg("a", "rtp", local="10.201.1.2:30700")])
        u.ok("session.create", session="at-same",
             legs=[leg("a", "rtp", local="10.201.1.2:30700"), leg("b", "rtp")])
        for s in ("at-holder", "at-after", "at-same"):
            u.ok("session.delete", session=s)
    finally:
        u.close()


def case_failed_replace_changes_nothing():
    """A leg.replace refused by the leg table keeps the leg as it was, its capture included."""
    u, a, s = unix_connect("replace-fail"), trunk_a("replace-fail-a"), unix_connect("replace-sub")
    try:
        s.ok("events.subscribe")
        u.ok("session.create", session="rf-holder",
             legs=[leg("a", "rtp", local="10.201.1.2:30800"), leg("b", "rtp")])
        old = u.ok("session.create", **rtp_session("rf-1"))["legs"][0]["id"]
        a.cok("capture.start", session="rf-1", leg=0, file="rf-1.pcap")
        u.err("leg.replace", 409, None, session="rf-1", leg=0,
              **{"with": leg("a", "rtp", local="10.201.1.2:30800")})
        r = u.ok("session.get", session="rf-1")
        expect(r["legs"][0]["id"] == old, "the leg changed")
        caps = a.cok("capture.list")["captures"]
        expect(("rf-1", 0) in [(c["session"], c["leg"]) for c in caps],
               "the refused replace stopped the leg's capture")
        a.cok("capture.stop", session="rf-1", leg=0)
    finally:
        for name in ("rf-1", "rf-holder"):
            u.req("session.delete", session=name)
        u.close()
        a.close()
        s.close()


# ------------------------------------------------------------ cases: SIGHUP


def case_reload_applies():
    u = unix_connect("reload")
    b = tls_connect("reload-b", "client2")
    a = trunk_a("reload-a")
    try:
        u.ok("session.create", **rtp_session("rl-1"))
        u.ok("profile.add", profile={"name": "rt-keep", "transport": "unix",
                                     "description": "added at run time"})
        u.ok("profile.update", name="trunk-a", profile={"description": "changed at run time"})
        b.err("notify", 403, "op", topic="before", data=None)
        write_config(trunk_b_description="call control cluster B, reloaded", trunk_b_notification=True)
        how, msg = W.daemon.reload()
        expect(how == "ok", "reload: %s" % msg)
        p = u.ok("profile.get", name="trunk-b")["profile"]
        expect(p["description"] == "call control cluster B, reloaded" and
               p["accept_notification"] is True, "trunk-b after the reload: %r" % p)
        p = u.ok("profile.get", name="trunk-a")["profile"]
        expect(p["description"] == "call control cluster A", "trunk-a is not the file's again: %r" % p)
        p = u.ok("profile.get", name="rt-keep")["profile"]
        expect(p["origin"] == "runtime", "rt-keep: %r" % p)
        u.ok("session.get", session="rl-1")
        u.ok("session.get", session="tb-used")
        b.ok("notify", topic="after", data=None)  # the open connection, under the new profile
        a.cok("session.list", limit=1)
        u.ok("ping")
    finally:
        u.close()
        b.close()
        a.close()


def case_reload_bad_syntax():
    u = unix_connect("reload-bad")
    try:
        before = u.ok("profile.list")["profiles"]
        write_config(trunk_b_description="never applied", garbage=True)
        how, msg = W.daemon.reload()
        expect(how == "refused", "a file with a syntax error was applied")
        expect("line" in msg, "the refusal does not say where: %r" % msg)
        after = u.ok("profile.list")["profiles"]
        expect(before == after, "profiles changed by a refused reload")
        u.ok("session.get", session="rl-1")
    finally:
        u.close()


def case_reload_removing_used_profile():
    u = unix_connect("reload-used")
    try:
        write_config(trunk_b=False)
        how, msg = W.daemon.reload()
        expect(how == "refused", "removing trunk-b, used by session tb-used, was applied")
        expect("trunk-b" in msg and "in use" in msg, "message %r" % msg)
        p = u.ok("profile.get", name="trunk-b")["profile"]
        expect(p["description"] == "call control cluster B, reloaded", "trunk-b changed: %r" % p)
        expect(u.ok("profile.get", name="rt-keep")["profile"]["origin"] == "runtime", "rt-keep")
        # the file as it was: a good reload again
        write_config(trunk_b_description="call control cluster B, reloaded", trunk_b_notification=True)
        how, msg = W.daemon.reload()
        expect(how == "ok", "reload of the good file: %s" % msg)
        u.ok("profile.get", name="rt-keep")
        u.ok("session.delete", session="rl-1")
        u.ok("session.delete", session="tb-used")
        u.ok("profile.delete", name="rt-keep")
    finally:
        u.close()


# ------------------------------------------------------------ the end


def case_daemon_stops():
    rc = W.daemon.stop(5)
    out = W.daemon.out()
    expect(rc == 0, "exit status %r after SIGTERM" % rc)
    expect("keys wiped" in out, "no 'keys wiped' in its output")
    err = W.daemon.err()
    expect("Sanitizer" not in err and "runtime error:" not in err, "a sanitizer report")


def case_keys_never_leak():
    texts = [b.decode("latin-1") for b in SEEN]
    texts.append(W.daemon.out())
    texts.append(W.daemon.err())
    blob = "\n".join(texts)
    low = blob.lower()
    leaks = []
    for b64, raw in KEYS:
        if len(b64.rstrip("=")) >= 16 and b64.rstrip("=") in blob:
            leaks.append("base64 " + b64[:8] + "...")
        if raw is not None and raw.hex() in low:
            leaks.append("hex of " + b64[:8] + "...")
        if raw is not None and len(raw) >= 28:
            key_part = raw[: len(raw) - 14 if len(raw) in (30, 46) else len(raw) - 12]
            if any(b != 0 for b in key_part) and key_part.hex() in low:
                leaks.append("hex of the master key of " + b64[:8] + "...")
    expect(len(KEYS) > 1000, "only %d keys were sent" % len(KEYS))
    expect(not leaks, "%d leaks: %s" % (len(leaks), ", ".join(leaks[:5])))


# ------------------------------------------------------------ running


def main():
    if os.geteuid() != 0:
        print("skipped: needs root (DPDK EAL, SO_PEERCRED against uid 0)")
        return 77
    if (os.cpu_count() or 1) < 2:
        print("skipped: needs 2 CPUs (a main lcore and a worker lcore)")
        return 77
    if shutil.which("openssl") is None:
        print("skipped: openssl is missing (tests/control/certs.sh)")
        return 77
    if not os.access(MEDIASECD, os.X_OK):
        print("not ok - mediasecd is not built: %s" % MEDIASECD)
        return 1

    start = time.monotonic()
    W.tmp = tempfile.mkdtemp(prefix="ms-proto.")
    W.pki = os.path.join(W.tmp, "pki")
    W.prefix = "msproto%d" % os.getpid()
    W.unix_path = os.path.join(W.tmp, "control.sock")
    W.other_path = os.path.join(W.tmp, "others.sock")
    W.capture_dir = os.path.join(W.tmp, "captures")
    W.conf = os.path.join(W.tmp, "mediasec.conf")
    W.tls_port = free_tcp_port()
    failed = []
    passed = 0

    def run(name, fn):
        nonlocal passed
        try:
            fn()
        except Failed as e:
            failed.append(name)
            print("not ok - %s: %s" % (name, e))
            return
        except Exception as e:  # a broken connection, a KeyError in an answer
            failed.append(name)
            print("not ok - %s: %s: %s" % (name, type(e).__name__, e))
            return
        passed += 1
        print("ok - %s" % name)
        sys.stdout.flush()

    try:
        r = subprocess.run(["bash", CERTS_SH, W.pki], capture_output=True, text=True)
        if r.returncode != 0:
            print("not ok - certs.sh: %s%s" % (r.stdout, r.stderr))
            return 1
        write_config()
        W.daemon = Daemon(W.conf)
        W.daemon.start()
        print("# mediasecd ready in %.1f s, TLS port %d, files in %s"
              % (time.monotonic() - start, W.tls_port, W.tmp))

        run("TLS client certificate -> hello ok, profile trunk-a, principal callctl-1",
            case_tls_client_certificate)
        run("TLS certificate with subjectAltName cc2.example -> profile trunk-b",
            case_tls_san_second_profile)
        run("TLS certificate on no subject list -> 403 line, connection closed",
            case_tls_unknown_subject)
        run("TLS without a client certificate -> refused", case_tls_no_client_certificate)
        run("TLS certificate of another CA -> refused", case_tls_wrong_ca)
        run("TLS 1.2-only client -> refused", case_tls12_refused)
        run("plain TCP to the TLS port -> nothing served", case_plain_tcp_refused)
        run("Unix listener of another uid -> 403 line (SO_PEERCRED)", case_unix_uid_refused)

        run("digest: 401 before auth keeps the nonce; wrong password -> 401, fresh challenge",
            case_digest_required_and_wrong_password)
        run("digest: good response -> principal of the user", case_digest_good)
        run("digest: replayed response (same nonce and nc) -> 401", case_digest_replay)
        # the waits for the nonce validity are shared: d3's nonce and d1's authentication
        run("digest: a connection for the expiry cases", prepare_expiry)
        run("digest: 5 failures in a row close the connection", case_digest_five_failures)
        wait = NONCE_VALIDITY + 0.3 - (time.monotonic() - max(DS.nonce_given, DS.d1_authed))
        if wait > 0:
            time.sleep(wait)
        run("digest: expired nonce -> 401 stale, then ok with the new nonce",
            case_digest_expired_nonce)
        run("digest: an expired authentication -> 401 stale; re-auth, retry answered once",
            case_digest_connection_expires)

        run("application authorization: operation not in the list -> 403, nothing changed",
            case_app_authorization)
        run("capture refused without application authorization or without it in the list",
            case_capture_needs_app_authorization)
        run("operation classes: redirect, notify, replace, subscription -> 403 when off",
            case_operation_classes)
        run("device security mode encrypted: rtp/authenticated legs -> 403 naming the leg",
            case_security_mode_encrypted)
        run("device security mode authenticated: NULL_HMAC_SHA1 ok, rtp -> 403",
            case_security_mode_authenticated)

        run("hello required first -> 428", case_hello_required)
        run("version negotiation: 1 ok, 0 and [2] -> 426", case_version_negotiation)
        run("session create/get/update (rekey, retire, peer, mode)/delete", case_session_lifecycle)
        run("session.list paging with next", case_session_list_paging)
        run("leg.redirect and leg.replace", case_redirect_and_replace)
        run("events: created/updated/security_changed/deleted in seq order; notify; unsubscribe",
            case_events_and_notify)
        run("capture.start/list/stop by an allowed client", case_capture)
        run("profile list/get/add/copy/update/delete; in use -> 409 with used_by",
            case_profiles)
        run("stats", case_stats)
        run("DPDK telemetry: /mediasec/legs, /mediasec/leg,ID, /mediasec/stats", case_telemetry)
        run("malformed messages -> 400 naming the field, the connection goes on",
            case_malformed_messages)
        run("oversized message -> 413, the next request works", case_oversized_message)
        run("bad keys: base64, length for the suite, zero key, MKI, lifetime -> 400",
            case_key_errors)
        run("rekey with a different MKI length or suite length -> 400, keys unchanged",
            case_rekey_mki_mismatch)
        run("duplicate request ids: same -> remembered answer; different -> 409",
            case_duplicate_request_ids)
        run("client gone in mid-request -> nothing done, daemon serves", case_disconnect_mid_request)
        run("client gone before the answer -> done; retry on a new connection is a duplicate",
            case_close_before_answer)
        run("500 pipelined creates and deletes answered in order", case_pipelining)
        run("a failure in leg 1 installs nothing of leg 0", case_failed_leg_installs_nothing)
        run("a refused leg.replace changes nothing (its capture goes on)",
            case_failed_replace_changes_nothing)

        run("SIGHUP: profile changes applied, sessions and connections survive",
            case_reload_applies)
        run("SIGHUP: a file with a syntax error is refused, profiles stay", case_reload_bad_syntax)
        run("SIGHUP: removing a profile in use is refused; runtime profile survives",
            case_reload_removing_used_profile)
    except Failed as e:
        failed.append("setup")
        print("not ok - setup: %s" % e)
    finally:
        if W.daemon is not None and W.daemon.p is not None:
            run("mediasecd stops on SIGTERM: exit 0, keys wiped", case_daemon_stops)
            run("no key material in any answer, event or daemon output", case_keys_never_leak)
            if failed:
                print("# mediasecd stderr (last 40 lines):")
                for l in W.daemon.err().splitlines()[-40:]:
                    print("#   " + l)
            W.daemon.kill()
        for d in ("/var/run/dpdk", "/run/dpdk", "/tmp/dpdk"):
            shutil.rmtree(os.path.join(d, W.prefix), ignore_errors=True)
        if not failed:
            shutil.rmtree(W.tmp, ignore_errors=True)
        else:
            print("# files kept in %s" % W.tmp)
    print("# %d passed, %d failed, %.1f s" % (passed, len(failed), time.monotonic() - start))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The pieces of bench/compare, checked in seconds (meson suite 'bench').

  ngclient   bencode round trips, malformed input refused (not crashed on),
             SDP port parsing; then, when rtpengine is installed, a real
             rtpengine in a namespace of its own answers ping and one
             SRTP->RTP call (offer with SDES, answer) with ports and SRTP
             towards side A.
  relay      the libsrtp2 relay and the generator in a namespace of their
             own, 20 calls at 4,000 packets/s for one second: every packet
             must come back decrypted and intact, none corrupted or
             misforwarded; then garbage sent at the relay must not stop it.

Usage: test_compare.py BUILD_DIR [ngclient|relay]...
Exit: 0 pass, 1 fail, 77 skip (not root, or a tool missing).
"""

import base64
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ngclient  # noqa: E402

failures = []


def check(cond, what):
    print("%s: %s" % ("ok" if cond else "FAIL", what), flush=True)
    if not cond:
        failures.append(what)


def test_bencode():
    v = {"command": "offer", "flags": ["a", "b"], "n": -12, "z": 0, "raw": b"\x00\xff",
         "nested": {"x": [1, [2, {"y": "é"}]]}}
    enc = ngclient.bencode(v)
    check(enc.startswith(b"d7:command5:offer"), "bencode sorts keys, strings as length:bytes")
    check(ngclient.bdecode(enc) == v, "bencode -> bdecode round trip")
    check(ngclient.bencode({"b": 1, "a": 2}) == b"d1:ai2e1:bi1ee", "dictionary keys sorted")
    bad = [b"", b"i12", b"i-0e", b"i01e", b"5:abc", b"l", b"d1:ae", b"d i1e1:ae", b"x",
           b"i1ei2e", b"999999999999:a", b"l" * 100 + b"e" * 100, b"d3:abci1e"]
    refused = 0
    for data in bad:
        try:
            ngclient.bdecode(data)
        except ngclient.BencodeError:
            refused += 1
    check(refused == len(bad), "malformed bencode refused with BencodeError (%d/%d)"
          % (refused, len(bad)))
    sdp = ngclient.sdp_audio("127.0.0.1", 5004, "RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_80 inline:x")
    check(ngclient.sdp_media_port(sdp) == ("127.0.0.1", 5004), "SDP: address and port found")


def netns(name):
    subprocess.run(["ip", "netns", "add", name], check=True)
    subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)


def test_rtpengine(ns):
    p = subprocess.Popen(["ip", "netns", "exec", ns, "rtpengine", "--config-file=none",
                          "--table=-1", "--foreground", "--log-stderr", "--log-level=3",
                          "--interface=127.0.0.1", "--listen-ng=127.0.0.1:2223",
                          "--port-min=30000", "--port-max=30100"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # the key goes on stdin: argv is visible to everyone (ps)
        helper = (
            "import sys, json, time; sys.path.insert(0, %r)\n"
            "key = sys.stdin.readline().strip()\n"
            "import ngclient\n"
            "ng = ngclient.NgClient('127.0.0.1', 2223, timeout=0.5)\n"
            "for _ in range(40):\n"
            "    try:\n"
            "        ok = ng.ping(); break\n"
            "    except ngclient.NgError:\n"
            "        time.sleep(0.25)\n"
            "else:\n"
            "    ok = False\n"
            "a, b = ngclient.srtp_to_rtp_call(ng, 'test-1', '127.0.0.1', 5004, '127.0.0.1', 5006,\n"
            "    key)\n"
            "err = None\n"
            "try:\n"
            "    ng.request({'command': 'answer', 'call-id': 'no-such-call', 'from-tag': 'x',\n"
            "                'to-tag': 'y', 'sdp': 'v=0'})\n"
            "except ngclient.NgError as e:\n"
            "    err = str(e)\n"
            "print(json.dumps({'ping': ok, 'a': a, 'b': b, 'error': err}))\n"
            % HERE)
        key = "inline:" + base64.b64encode(os.urandom(30)).decode()
        r = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", helper],
                           input=key + "\n", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=30)
        if r.returncode != 0:
            check(False, "NG exchange with rtpengine: %s" % r.stderr.strip()[-300:])
            return
        out = json.loads(r.stdout)
        check(out["ping"], "rtpengine answers ping with pong")
        check(30000 <= out["a"][1] <= 30100 and 30000 <= out["b"][1] <= 30100
              and out["a"][1] != out["b"][1],
              "offer/answer: rtpengine opened one port towards A (%d) and one towards B (%d)"
              % (out["a"][1], out["b"][1]))
        check(out["error"] is not None, "an answer for an unknown call is refused (NgError)")
    finally:
        p.terminate()
        p.wait(5)


def test_relay(build, ns, work):
    gen_exe = os.path.join(build, "bench/compare/mediasec-compare-gen")
    relay_exe = os.path.join(build, "bench/compare/mediasec-compare-relay")
    if not os.access(relay_exe, os.X_OK):
        print("skip: the relay is not built (libsrtp2 missing)", flush=True)
        return
    calls = os.path.join(work, "calls")
    fd = os.open(calls, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as f:
        for i in range(20):
            f.write("%d %08x 127.0.0.1 %d 127.0.0.1 %d inline:%s\n" % (
                i, 0x1000 + i, 21000 + i, 22000 + i, base64.b64encode(os.urandom(30)).decode()))
    relay = subprocess.Popen(["ip", "netns", "exec", ns, relay_exe, "--calls", calls,
                              "--to", "127.0.0.1:5006", "--cpu", "1"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    gen = None
    try:
        r, _, _ = select.select([relay.stdout], [], [], 20)
        check(bool(r) and relay.stdout.readline().startswith("ready"), "relay ready")
        gen = subprocess.Popen(["ip", "netns", "exec", ns, gen_exe, "--calls", calls,
                                "--tx", "127.0.0.1:5004", "--rx", "127.0.0.1:5006",
                                "--cpu", "0", "--proxy-pid", str(relay.pid)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, bufsize=1)

        def ask(cmd):
            gen.stdin.write(cmd + "\n")
            gen.stdin.flush()
            r, _, _ = select.select([gen.stdout], [], [], 30)
            return json.loads(gen.stdout.readline()) if r else {}

        r, _, _ = select.select([gen.stdout], [], [], 30)
        check(bool(r) and json.loads(gen.stdout.readline()).get("ready"), "generator ready")
        t = ask("trial 4000 1")
        check(t.get("sent") == 4000, "generator sent 4000 packets (%s)" % t.get("sent"))
        check(t.get("good") == t.get("sent"), "every packet came back decrypted and intact "
              "(%s of %s)" % (t.get("good"), t.get("sent")))
        check(t.get("corrupted") == 0 and t.get("misforwarded") == 0 and t.get("unknown_source") == 0,
              "none corrupted, misforwarded or from an unknown source")
        check(t.get("proxy_cpu_s", -1) > 0, "the relay's CPU time was measured")

        # garbage at the relay: short, not RTP, forged, huge; then traffic again
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        junk = [b"", b"\x80", b"\x80" * 11, os.urandom(12), os.urandom(60), os.urandom(1500),
                b"\x80\x00" + os.urandom(170), os.urandom(9000)]
        script = ("import socket, sys\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                  "for h in sys.stdin.read().split():\n"
                  "    s.sendto(bytes.fromhex(h), ('127.0.0.1', 21003))\n")
        subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", script],
                       input=" ".join((j.hex() or "00") for j in junk), text=True, check=True)
        s.close()
        time.sleep(0.2)
        check(relay.poll() is None, "the relay survived garbage")
        t = ask("trial 4000 0.5")
        check(t.get("good") == t.get("sent") == 2000,
              "after the garbage, every packet still came back intact (%s of %s)"
              % (t.get("good"), t.get("sent")))
    finally:
        if gen:
            try:
                gen.stdin.write("quit\n")
                gen.stdin.flush()
                gen.wait(5)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                gen.kill()
        relay.send_signal(2)
        try:
            _, err = relay.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            relay.kill()
            _, err = relay.communicate()
        counters = json.loads(err.strip().splitlines()[-1]) if err.strip() else {}
        check(counters.get("auth_fail", 0) >= 1 and counters.get("rx", 0) >= 6000,
              "the relay counted the forged packets as drops (%s)"
              % {k: v for k, v in counters.items() if k != "relay"})


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    build = sys.argv[1]
    which = sys.argv[2:] or ["ngclient", "relay"]
    if "ngclient" in which:
        test_bencode()  # needs nothing
        if shutil.which("rtpengine") is None:
            print("SKIP: rtpengine is not installed (apt-get install rtpengine-daemon; "
                  "bench/compare/run installs it): the offer/answer check did not run")
            return 1 if failures else 77
    if os.geteuid() != 0:
        print("SKIP: the rest needs root (network namespaces)")
        return 1 if failures else 77
    if (os.cpu_count() or 1) < 2:
        print("SKIP: needs 2 CPUs")
        return 1 if failures else 77
    ns = "mcmp-%d-test" % os.getpid()
    work = tempfile.mkdtemp(prefix="mediasec-compare-test.")
    netns(ns)
    try:
        if "ngclient" in which:
            test_rtpengine(ns)
        if "relay" in which:
            test_relay(build, ns, work)
    finally:
        subprocess.run(["ip", "netns", "del", ns])
        shutil.rmtree(work, ignore_errors=True)
        for d in os.listdir("/var/run/dpdk") if os.path.isdir("/var/run/dpdk") else []:
            if d.startswith("mcmp-gen-") and not os.path.exists("/proc/" + d[9:]):
                shutil.rmtree("/var/run/dpdk/" + d, ignore_errors=True)
    print("FAILED: %d check(s)" % len(failures) if failures else "PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

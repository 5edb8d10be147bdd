# SPDX-License-Identifier: BSD-3-Clause
"""A small client of rtpengine's NG control protocol, for bench/compare.

NG is bencode over UDP: each request is "<cookie> <bencoded dictionary>", the
answer repeats the cookie. The dictionary carries a "command" (ping, offer,
answer, delete, ...) and its parameters; an offer or answer carries the SDP
of one side and returns the SDP rtpengine rewrote for the other side.

How bench/compare uses it: per call, an offer with the SDP of side A (the
generator's SRTP sender: RTP/SAVP with an SDES a=crypto line, the key the
generator encrypts with) asking rtpengine to offer plain RTP/AVP to side B,
then an answer with side B's plain RTP SDP. rtpengine then decrypts what A
sends and forwards RTP to B. The port rtpengine opened towards A comes back
in the answer's SDP, the one towards B in the offer's.

NG has no authentication and no encryption: SDES keys cross it in clear, so
bench/compare talks to rtpengine only over loopback inside a network
namespace of its own. Nothing here prints or logs a message body.
"""

import os
import re
import socket


class BencodeError(ValueError):
    pass


def bencode(value):
    """bytes of value: dict (str/bytes keys), list, int, str or bytes."""
    out = []

    def enc(v):
        if isinstance(v, bool):
            raise BencodeError("bencode has no booleans")
        if isinstance(v, int):
            out.append(b"i%de" % v)
        elif isinstance(v, (bytes, bytearray)):
            out.append(b"%d:" % len(v))
            out.append(bytes(v))
        elif isinstance(v, str):
            enc(v.encode())
        elif isinstance(v, (list, tuple)):
            out.append(b"l")
            for x in v:
                enc(x)
            out.append(b"e")
        elif isinstance(v, dict):
            out.append(b"d")
            items = [(k.encode() if isinstance(k, str) else bytes(k), x) for k, x in v.items()]
            for k, x in sorted(items):  # bencode wants keys sorted as raw bytes
                enc(k)
                enc(x)
            out.append(b"e")
        else:
            raise BencodeError("cannot bencode %s" % type(v).__name__)

    enc(value)
    return b"".join(out)


def bdecode(data, text=True):
    """The value bencoded in data. Strings come back as str (UTF-8) when text
    is true and they decode, else as bytes. Raises BencodeError on anything
    malformed or left over: the input comes from the network."""
    if not isinstance(data, (bytes, bytearray)):
        raise BencodeError("bdecode wants bytes")
    data = bytes(data)
    depth_limit = 64

    def dec(i, depth):
        if depth > depth_limit:
            raise BencodeError("nested too deeply")
        if i >= len(data):
            raise BencodeError("truncated")
        c = data[i:i + 1]
        if c == b"i":
            end = data.find(b"e", i + 1)
            if end < 0:
                raise BencodeError("unterminated integer")
            digits = data[i + 1:end]
            if not re.fullmatch(rb"-?(0|[1-9][0-9]*)", digits) or digits == b"-0":
                raise BencodeError("bad integer")
            return int(digits), end + 1
        if c == b"l":
            i += 1
            items = []
            while data[i:i + 1] != b"e":
                v, i = dec(i, depth + 1)
                items.append(v)
            return items, i + 1
        if c == b"d":
            i += 1
            d = {}
            while data[i:i + 1] != b"e":
                k, i = dec(i, depth + 1)
                if not isinstance(k, (str, bytes)):
                    raise BencodeError("dictionary key is not a string")
                v, i = dec(i, depth + 1)
                d[k] = v
            return d, i + 1
        if c.isdigit():
            colon = data.find(b":", i)
            if colon < 0 or not data[i:colon].isdigit():
                raise BencodeError("bad string length")
            n = int(data[i:colon])
            start = colon + 1
            if start + n > len(data):
                raise BencodeError("string runs past the end")
            raw = data[start:start + n]
            if text:
                try:
                    return raw.decode(), start + n
                except UnicodeDecodeError:
                    pass
            return raw, start + n
        raise BencodeError("unexpected byte %r at %d" % (c, i))

    try:
        value, end = dec(0, 0)
    except RecursionError:
        raise BencodeError("nested too deeply") from None
    if end != len(data):
        raise BencodeError("%d bytes after the value" % (len(data) - end))
    return value


class NgError(RuntimeError):
    pass


class NgClient:
    """Requests to one rtpengine NG listener (UDP), one at a time."""

    def __init__(self, host="127.0.0.1", port=2223, timeout=2.0, retries=3):
        self.addr = (host, port)
        self.timeout = timeout
        self.retries = retries
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(timeout)
        self.prefix = os.urandom(4).hex()
        self.seq = 0

    def close(self):
        self.sock.close()

    def request(self, params):
        """Sends params (a dict with "command"), returns the answer's dict.
        Raises NgError when rtpengine says "error" or never answers."""
        self.seq += 1
        cookie = ("%s_%d" % (self.prefix, self.seq)).encode()
        msg = cookie + b" " + bencode(params)
        for _ in range(self.retries):
            self.sock.sendto(msg, self.addr)
            while True:
                try:
                    data, _ = self.sock.recvfrom(65535)
                except socket.timeout:
                    break
                sp = data.find(b" ")
                if sp < 0 or data[:sp] != cookie:
                    continue  # an answer to an earlier, retried request
                try:
                    reply = bdecode(data[sp + 1:])
                except BencodeError as e:
                    raise NgError("malformed answer to %s: %s" % (params.get("command"), e))
                if not isinstance(reply, dict):
                    raise NgError("answer to %s is not a dictionary" % params.get("command"))
                if reply.get("result") == "error":
                    raise NgError("%s refused: %s" % (params.get("command"),
                                                       reply.get("error-reason", "?")))
                return reply
        raise NgError("no answer from rtpengine at %s:%d to %s" %
                      (self.addr[0], self.addr[1], params.get("command")))

    def ping(self):
        return self.request({"command": "ping"}).get("result") == "pong"


def sdp_audio(addr, port, proto, crypto=None, session_id=1):
    """An SDP body with one PCMU audio stream; crypto: the a=crypto value."""
    lines = [
        "v=0",
        "o=- %d 1 IN IP4 %s" % (session_id, addr),
        "s=mediasec-compare",
        "c=IN IP4 %s" % addr,
        "t=0 0",
        "m=audio %d %s 0" % (port, proto),
        "a=rtpmap:0 PCMU/8000",
    ]
    if crypto:
        lines.append("a=crypto:%s" % crypto)
    lines.append("a=sendrecv")
    return "\r\n".join(lines) + "\r\n"


def sdp_media_port(sdp):
    """(address, port) of the first audio stream of an SDP body."""
    addr = port = None
    for line in sdp.splitlines():
        if line.startswith("c=IN IP4 ") and addr is None:
            addr = line.split()[2]
        m = re.match(r"m=audio (\d+) ", line)
        if m:
            port = int(m.group(1))
            # a media-level c= line after m= wins over the session's
            continue
        if port is not None and line.startswith("c=IN IP4 "):
            addr = line.split()[2]
            break
    if addr is None or port is None:
        raise NgError("no audio stream in the SDP rtpengine returned")
    return addr, port


def srtp_to_rtp_call(ng, call_id, a_addr, a_port, b_addr, b_port, inline_key,
                     suite="AES_CM_128_HMAC_SHA1_80"):
    """Creates one call: A sends SRTP (suite, inline_key) from a_addr:a_port,
    B receives plain RTP at b_addr:b_port. Returns ((ip, port) where A must
    send, (ip, port) rtpengine sends to B from)."""
    offer_sdp = sdp_audio(a_addr, a_port, "RTP/SAVP", "1 %s %s" % (suite, inline_key))
    offer = ng.request({
        "command": "offer", "call-id": call_id, "from-tag": call_id + "-a",
        "sdp": offer_sdp, "transport-protocol": "RTP/AVP", "ICE": "remove",
        "replace": ["origin", "session-connection"],
    })
    to_b = sdp_media_port(offer.get("sdp", ""))
    answer_sdp = sdp_audio(b_addr, b_port, "RTP/AVP")
    answer = ng.request({
        "command": "answer", "call-id": call_id, "from-tag": call_id + "-a",
        "to-tag": call_id + "-b", "sdp": answer_sdp, "ICE": "remove",
        "replace": ["origin", "session-connection"],
    })
    to_a = sdp_media_port(answer.get("sdp", ""))
    if "RTP/SAVP" not in answer.get("sdp", ""):
        raise NgError("rtpengine did not answer side A with SRTP")
    return to_a, to_b

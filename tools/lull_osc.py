#!/usr/bin/env python3
"""lull_osc.py: a small OSC 1.0 client over UDP (standard library only) that prints replies.

It encodes and decodes messages itself so that the tests can also send what no
well-behaved library would (truncated packets, bad padding, NaN, bundles) and can
bind the sending socket to a chosen loopback address.

CLI:
  lull_osc.py call PORT ADDRESS [ARG...]      send, print the first reply as JSON
  lull_osc.py status PORT                     /lull/status as a JSON object of its pairs
  lull_osc.py watch PORT [SECONDS]            the live /lull/state once a second (one JSON
                                              line each), renewing the subscription every
                                              20 s; unsubscribes on exit (Ctrl-C, SIGTERM,
                                              or after SECONDS)
ARG is typed by a prefix: f:1.5  i:3  s:text  (a bare word is a string).
Options (before the command): --host H (default 127.0.0.1), --from ADDR (bind the
sender), --timeout S (default 2).
"""
import json
import math
import socket
import struct
import sys
import time


def _pad(b):
    return b + b"\0" * (4 - len(b) % 4)


def encode_string(s):
    return _pad(s.encode() if isinstance(s, str) else s)


def encode_message(address, *args):
    """args: floats -> f, ints -> i, str -> s, bytes -> b, or (tag, value) pairs."""
    tags = ","
    data = b""
    for a in args:
        tag, v = a if isinstance(a, tuple) else (
            "f" if isinstance(a, float) else "i" if isinstance(a, int)
            else "b" if isinstance(a, bytes) else "s", a)
        tags += tag
        if tag == "f":
            data += struct.pack(">f", v)
        elif tag == "d":
            data += struct.pack(">d", v)
        elif tag == "i":
            data += struct.pack(">i", v)
        elif tag == "h":
            data += struct.pack(">q", v)
        elif tag == "s":
            data += encode_string(v)
        elif tag == "b":
            data += struct.pack(">i", len(v)) + v + b"\0" * ((4 - len(v) % 4) % 4)
        elif tag in "TFNI":
            pass
        else:
            raise ValueError("unsupported tag " + tag)
    return encode_string(address) + encode_string(tags) + data


def encode_bundle(*elements, timetag=1):
    out = b"#bundle\0" + struct.pack(">Q", timetag)
    for e in elements:
        out += struct.pack(">i", len(e)) + e
    return out


def _read_string(data, pos):
    end = data.index(b"\0", pos)
    s = data[pos:end].decode(errors="replace")
    return s, (end + 4) & ~3


def decode_message(data):
    address, pos = _read_string(data, 0)
    tags, pos = _read_string(data, pos)
    args = []
    for t in tags[1:]:
        if t == "f":
            args.append(struct.unpack_from(">f", data, pos)[0]); pos += 4
        elif t == "i":
            args.append(struct.unpack_from(">i", data, pos)[0]); pos += 4
        elif t == "d":
            args.append(struct.unpack_from(">d", data, pos)[0]); pos += 8
        elif t == "h":
            args.append(struct.unpack_from(">q", data, pos)[0]); pos += 8
        elif t == "s":
            s, pos = _read_string(data, pos); args.append(s)
        else:
            raise ValueError("unexpected tag " + t)
    return address, args


def pairs(args):
    """Flat key/value list -> dict."""
    return {args[i]: args[i + 1] for i in range(0, len(args) - 1, 2)}


class Client:
    def __init__(self, port, host="127.0.0.1", bind=None, timeout=2.0):
        self.target = (host, port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.bind((bind or "127.0.0.1", 0))
        self.timeout = timeout

    def send_raw(self, data):
        self.sock.sendto(data, self.target)

    def send(self, address, *args):
        self.send_raw(encode_message(address, *args))

    def receive(self, timeout=None):
        """Next message (address, args), or None after the timeout."""
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        try:
            data, _ = self.sock.recvfrom(65536)
        except socket.timeout:
            return None
        return decode_message(data)

    def drain(self, timeout=0.2, max_s=3.0):
        """Messages until none came for `timeout` s, or for at most max_s s
        (a subscription never goes quiet)."""
        got = []
        deadline = time.time() + max_s
        while time.time() < deadline:
            m = self.receive(timeout)
            if m is None:
                break
            got.append(m)
        return got

    def call(self, address, *args, timeout=None):
        self.send(address, *args)
        return self.receive(timeout)

    def status(self):
        """/lull/status as a dict, skipping unrelated messages (e.g. /lull/state)."""
        self.send("/lull/status")
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            m = self.receive(max(0.01, deadline - time.time()))
            if m and m[0] == "/lull/status.reply":
                return pairs(m[1])
        return None

    def close(self):
        self.sock.close()


def _parse_arg(text):
    if text.startswith("f:"):
        return ("f", float(text[2:]))
    if text.startswith("i:"):
        return ("i", int(text[2:]))
    if text.startswith("s:"):
        return ("s", text[2:])
    return ("s", text)


def _json_safe(v):
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def main(argv):
    host, bind, timeout = "127.0.0.1", None, 2.0
    while argv and argv[0].startswith("--"):
        opt, val = argv[0], argv[1]
        argv = argv[2:]
        if opt == "--host":
            host = val
        elif opt == "--from":
            bind = val
        elif opt == "--timeout":
            timeout = float(val)
        else:
            sys.exit("lull_osc.py: unknown option " + opt)
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, port = argv[0], int(argv[1])
    c = Client(port, host, bind, timeout)
    if cmd == "status":
        st = c.status()
        if st is None:
            sys.exit("lull_osc.py: no status reply")
        print(json.dumps({k: _json_safe(v) for k, v in st.items()}))
    elif cmd == "call":
        m = c.call(argv[2], *[_parse_arg(a) for a in argv[3:]])
        if m is None:
            print("null")
            return 1
        print(json.dumps({"address": m[0], "args": [_json_safe(a) for a in m[1]]}))
        # some addresses answer with several messages (/lull/preset/info with no
        # name: one per preset): print every one that follows closely
        for m in c.drain(0.3):
            print(json.dumps({"address": m[0], "args": [_json_safe(a) for a in m[1]]}))
    elif cmd == "watch":
        return watch(c, float(argv[2]) if len(argv) > 2 else None)
    else:
        sys.exit("lull_osc.py: unknown command " + cmd)
    return 0


def watch(c, seconds=None, renew_s=20.0):
    """Prints the latest /lull/state once a second; lulld's lease is 60 s, so the
    subscription is renewed every renew_s. Always unsubscribes on the way out."""
    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    start = time.time()
    c.send("/lull/subscribe", ("i", 250))
    renewed, printed, latest, last_seq = start, start, None, None
    try:
        while seconds is None or time.time() - start < seconds:
            now = time.time()
            if now - renewed >= renew_s:
                c.send("/lull/subscribe", ("i", 250))
                renewed = now
            m = c.receive(0.1)
            if m and m[0] == "/lull/state":
                latest = pairs(m[1])
            elif m and m[0] == "/lull/fail":
                print(json.dumps({"fail": m[1]}), file=sys.stderr)
            if time.time() - printed >= 1.0:
                printed = time.time()
                if latest is None or latest.get("seq") == last_seq:
                    print(json.dumps({"stale": True, "since_s": round(printed - start, 1)}))
                else:
                    last_seq = latest.get("seq")
                    print(json.dumps({k: _json_safe(v) for k, v in latest.items()}))
                sys.stdout.flush()
    except KeyboardInterrupt:
        pass
    finally:
        c.send("/lull/unsubscribe")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

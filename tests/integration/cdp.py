"""cdp.py: drive headless Chromium over the DevTools protocol with the standard
library only (a minimal RFC 6455 WebSocket client), for the tablet page tests.

    with Browser() as b:
        page = b.new_page("http://127.0.0.1:8080/", 1024, 768)
        page.wait("document.querySelector('#pin') !== null")
        page.screenshot("shot.png")

Also a plain WebSocket client (`WebSocket`) the security tests use against lull-web.
"""
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time

CHROMIUM_NAMES = ("chromium", "chromium-browser", "chromium-headless-shell", "google-chrome")


def find_chromium():
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    for path in ("/usr/lib/chromium/chromium", "/usr/lib/chromium/headless_shell"):
        if os.path.exists(path):
            return path
    return None


class WebSocket:
    """A blocking WebSocket client: handshake, masked frames out, frames in."""

    def __init__(self, host, port, path, headers=None, subprotocol=None, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET %s HTTP/1.1" % path, "Host: %s:%d" % (host, port), "Upgrade: websocket",
                 "Connection: Upgrade", "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"]
        if subprotocol:
            lines.append("Sec-WebSocket-Protocol: " + subprotocol)
        for k, v in (headers or {}).items():
            lines = [l for l in lines if not l.lower().startswith(k.lower() + ":")]
            lines.append("%s: %s" % (k, v))
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            head += chunk
        self.status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
        self.buf = head.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in head else b""

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("WebSocket closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, data, opcode=None):
        if opcode is None:
            opcode = 1 if isinstance(data, str) else 2
        if isinstance(data, str):
            data = data.encode()
        head = bytes([0x80 | opcode])
        n = len(data)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(head + mask + body)

    def recv(self, timeout=None):
        """Next data message (bytes or str); answers pings; None on timeout."""
        self.sock.settimeout(timeout)
        try:
            message, first_op = b"", None
            while True:
                b0, b1 = self._read(2)
                op, n = b0 & 15, b1 & 127
                if n == 126:
                    n = struct.unpack(">H", self._read(2))[0]
                elif n == 127:
                    n = struct.unpack(">Q", self._read(8))[0]
                mask = self._read(4) if b1 & 0x80 else None
                data = self._read(n)
                if mask:
                    data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
                if op == 9:       # ping
                    self.send(data, opcode=10)
                    continue
                if op == 8:
                    raise ConnectionError("WebSocket closed by the server")
                if op in (1, 2):
                    first_op = op
                message += data
                if b0 & 0x80:
                    return message.decode() if first_op == 1 else message
        except socket.timeout:
            return None

    def close(self):
        try:
            self.send(b"\x03\xe8", opcode=8)
        except OSError:
            pass
        self.sock.close()


class Page:
    def __init__(self, browser, session):
        self.b, self.session = browser, session

    def call(self, method, **params):
        return self.b.call(method, params, self.session)

    def eval(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                      awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError("page: %s" % r["exceptionDetails"].get("exception", {})
                               .get("description", r["exceptionDetails"]))
        return r.get("result", {}).get("value")

    def wait(self, expression, timeout=10.0, interval=0.05):
        """Polls until the expression is truthy; returns (value, seconds waited)."""
        t0 = time.time()
        while True:
            v = self.eval(expression)
            if v:
                return v, time.time() - t0
            if time.time() - t0 > timeout:
                raise TimeoutError("waited %.1f s for: %s" % (timeout, expression))
            time.sleep(interval)

    def viewport(self, width, height):
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def screenshot(self, path):
        r = self.call("Page.captureScreenshot", format="png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))


class Browser:
    def __init__(self, chromium=None, timeout=15.0):
        self.chromium = chromium or find_chromium()
        if not self.chromium:
            raise FileNotFoundError("no chromium found (tools/install-deps.sh installs it)")
        self.dir = tempfile.mkdtemp(prefix="lull-chromium-")
        self.proc = subprocess.Popen(
            [self.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-default-apps", "--disable-extensions", "--mute-audio",
             "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
             "--user-data-dir=" + self.dir, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "stderr.log"), "wb"))
        port_file = os.path.join(self.dir, "DevToolsActivePort")
        t0 = time.time()
        while not (os.path.exists(port_file) and len(open(port_file).read().split()) >= 2):
            if self.proc.poll() is not None or time.time() - t0 > timeout:
                raise RuntimeError("chromium did not start: " +
                                   open(os.path.join(self.dir, "stderr.log")).read()[-800:])
            time.sleep(0.05)
        port, path = open(port_file).read().split()[:2]
        self.ws = WebSocket("127.0.0.1", int(port), path, timeout=30.0)
        if self.ws.status != 101:
            raise RuntimeError("DevTools handshake: HTTP %d" % self.ws.status)
        self.next_id = 0
        self.events = []

    def call(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        while True:
            r = json.loads(self.ws.recv(30.0) or "{}")
            if r.get("id") == self.next_id:
                if "error" in r:
                    raise RuntimeError("%s: %s" % (method, r["error"]))
                return r.get("result", {})
            if "method" in r:
                self.events.append(r)

    def new_page(self, url, width=1024, height=768):
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"]
        page = Page(self, session)
        page.call("Page.enable")
        page.call("Runtime.enable")
        page.viewport(width, height)
        page.call("Page.navigate", url=url)
        return page

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

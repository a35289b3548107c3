#!/usr/bin/env bash
# New Session Manager support against a minimal stand-in NSM server (the protocol's
# server side, in Python): lulld announces itself, takes the client id from
# /nsm/client/open as its JACK name, answers /reply, and on /nsm/client/save
# writes its settings to <path>.conf, which a later open reads back.
source "$(dirname "$0")/lib.sh"
require_tools

start_jackd 48000 512
OSC_PORT="$(free_port)"
python3 - "$HERE" "$LULL_BIN/lulld" "$OSC_PORT" "$TEST_TMP" "$LULL_PRESET_DIR" "$LULL_PLUGIN_DIR" <<'PY' || fail "NSM session"
import os, socket, subprocess, sys, time
sys.path.insert(0, sys.argv[1])
from lull_osc import encode_message, decode_message, Client
lulld, port, tmp, presets, plugins = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]

nsm = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
nsm.bind(("127.0.0.1", 0))
nsm.settimeout(10)
env = dict(os.environ, NSM_URL="osc.udp://127.0.0.1:%d/" % nsm.getsockname()[1])
instance = os.path.join(tmp, "session", "lulld.nRTX")
os.makedirs(os.path.dirname(instance))

def session(client_id, expect_preset):
    log = open(os.path.join(tmp, "lulld.log"), "a")
    p = subprocess.Popen([lulld, "--osc-port", str(port), "--presets", presets, "--plugins", plugins,
                          "--preset", "default"], env=env, stdout=log, stderr=log)
    try:
        data, peer = nsm.recvfrom(65536)
        addr, args = decode_message(data)
        assert addr == "/nsm/server/announce", addr
        assert args[0] == "lulld" and args[3:5] == [1, 2] and args[5] == p.pid, args
        nsm.sendto(encode_message("/reply", "/nsm/server/announce", "hi", "test-nsm", ":"), peer)
        nsm.sendto(encode_message("/nsm/client/open", instance, "lull", client_id), peer)
        data, _ = nsm.recvfrom(65536)
        assert decode_message(data) == ("/reply", ["/nsm/client/open", "opened"]), decode_message(data)
        c = Client(port, timeout=0.5)
        for _ in range(60):
            st = c.status()
            if st and st["jack"] == "up":
                break
            time.sleep(0.25)
        assert st and st["jack"] == "up", st
        assert st["preset"] == expect_preset, (st["preset"], expect_preset)
        ports = subprocess.run(["jack_lsp"], capture_output=True, text=True).stdout
        assert client_id + ":out_left" in ports, ports
        return p, peer, c
    except Exception:
        p.kill(); p.wait()
        raise

procs = []
try:
    p, peer, c = session("lulld_a1", "default")
    procs.append(p)
    assert c.call("/lull/preset/load", "surf", 0.0, timeout=5)[0] == "/lull/done"
    for _ in range(40):          # the audio thread takes the new preset at its next block
        if c.status()["preset"] == "surf":
            break
        time.sleep(0.05)
    # Anyone else on the network is ignored: an open naming another path and a save
    # sent from a different socket must not write a file.
    evil = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    evil.bind(("127.0.0.1", 0))
    stray = os.path.join(tmp, "stray")
    evil.sendto(encode_message("/nsm/client/open", stray, "lull", "evil"), peer)
    evil.sendto(encode_message("/nsm/client/save"), peer)
    time.sleep(0.5)
    assert not os.path.exists(stray + ".conf"), "a stranger's open/save wrote a file"
    nsm.sendto(encode_message("/nsm/client/save"), peer)
    data, _ = nsm.recvfrom(65536)
    assert decode_message(data) == ("/reply", ["/nsm/client/save", "saved"]), decode_message(data)
    saved = open(instance + ".conf").read()
    assert "preset = surf" in saved and "jack-name = lulld_a1" in saved, saved
    p.terminate()
    assert p.wait(timeout=10) == 0
    # Reopened, the session's saved preset wins over the command line's.
    p, peer, c = session("lulld_a1", "surf")
    procs.append(p)
    p.terminate()
    assert p.wait(timeout=10) == 0
finally:
    for q in procs:
        if q.poll() is None:
            q.kill()
            q.wait()
print("NSM: announce, open, save, reopen ok", file=sys.stderr)
PY
log "PASS"

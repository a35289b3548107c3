#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz harnesses (tests/fuzz/corpus/<harness>/) from
the shipped files and the test fixtures. Run from anywhere; rerun when they change.
Seeds are kept small (a few KB) so that each fuzz execution is fast."""
import os, re, shutil, struct

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.normpath(os.path.join(here, '..', '..'))
data = os.path.join(root, 'tests', 'data')


def out(harness, name, content):
    d = os.path.join(here, 'corpus', harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(content)


def clear(harness):
    shutil.rmtree(os.path.join(here, 'corpus', harness), ignore_errors=True)


# Presets: every shipped preset and every fixture (good and bad).
clear('preset')
for d in (os.path.join(root, 'presets'), os.path.join(data, 'presets')):
    for n in sorted(os.listdir(d)):
        if n.endswith('.json'):
            out('preset', os.path.basename(d) + '_' + n, open(os.path.join(d, n), 'rb').read())

# Device maps: the shipped dialects.
clear('device_map')
for n in sorted(os.listdir(os.path.join(root, 'tools', 'devices'))):
    if n.endswith('.map'):
        out('device_map', n, open(os.path.join(root, 'tools', 'devices', n), 'rb').read())

# CSV records: the head of every CSV fixture (header and ~60 rows).
clear('csv')
for dirpath, _, files in sorted(os.walk(data)):
    for n in sorted(files):
        if n.endswith('.csv'):
            lines = open(os.path.join(dirpath, n), 'rb').read().split(b'\n')
            out('csv', os.path.basename(dirpath) + '_' + n, b'\n'.join(lines[:60]) + b'\n')

# WFDB: each record's header renamed to r (signal file r.dat), with the sample count
# cut to what the first bytes of its signal file hold, then "@@DAT@@" and those
# bytes, then "@@ATR@@" and the head of its annotation file.
clear('wfdb')
for rec, ann, nbytes in (('100', '100.atr', 3000), ('03700181', '03700181.gqrsh', 3000)):
    hea = open(os.path.join(data, rec + '.hea'), 'rb').read().decode()
    lines = hea.split('\n')
    hdr = [l for l in lines if l and not l.startswith('#')]
    fields = hdr[0].split()
    nsig = int(fields[1])
    # format 212 packs 2 samples in 3 bytes: frames = bytes*2/3/nsig (conservative)
    frames = nbytes * 2 // 3 // nsig // 4  # 03700181 has 4 samples per frame of MCL1
    fields[0] = 'r'
    fields[3] = str(frames)
    body = []
    for l in lines:
        if l and not l.startswith('#') and l is not hdr[0]:
            body.append(re.sub(r'^\S+\.dat', 'r.dat', l))
        elif l.startswith('#'):
            body.append(l)
    text = ' '.join(fields) + '\n' + '\n'.join(body) + '\n'
    sig = open(os.path.join(data, rec + '.dat'), 'rb').read()[:nbytes]
    atr = open(os.path.join(data, ann), 'rb').read()[:400]
    out('wfdb', rec, text.encode() + b'@@DAT@@' + sig + b'@@ATR@@' + atr)
    out('wfdb', rec + '_header_only', text.encode())


# OSC: one datagram per control and sensor address, a device message, a bundle.
def pad(b):
    return b + b'\0' * (4 - len(b) % 4)


def osc(path, *args):
    tags, payload = ',', b''
    for a in args:
        if isinstance(a, float):
            tags += 'f'; payload += struct.pack('>f', a)
        elif isinstance(a, int):
            tags += 'i'; payload += struct.pack('>i', a)
        else:
            tags += 's'; payload += pad(a.encode())
    return pad(path.encode()) + pad(tags.encode()) + payload


def bundle(*msgs):
    b = pad(b'#bundle') + struct.pack('>Q', 1)
    for m in msgs:
        b += struct.pack('>i', len(m)) + m
    return b


clear('osc')
seeds = {
    'status': osc('/lull/status'),
    'preset_list': osc('/lull/preset/list'),
    'preset_load': osc('/lull/preset/load', 'drone', 0.5),
    'preset_info': osc('/lull/preset/info', 'default'),
    'param_set': osc('/lull/param/set', 'rain', 'level', 0.3),
    'volume': osc('/lull/volume', -12.0),
    'session_start': osc('/lull/session/start'),
    'session_stop': osc('/lull/session/stop'),
    'session_mark': osc('/lull/session/mark', 'note'),
    'pacer_mode': osc('/lull/pacer/mode', 'guide', 6.0),
    'subscribe': osc('/lull/subscribe', 100),
    'unsubscribe': osc('/lull/unsubscribe'),
    'bio_resp': osc('/lull/bio/resp', *[0.1 * i for i in range(16)]),
    'bio_ecg': osc('/lull/bio/ecg', *[0.01 * i for i in range(32)]),
    'bio_ppg': osc('/lull/bio/ppg', 0.5, 0.6, 0.7),
    'bio_rr': osc('/lull/bio/rr', 850.0),
    'bio_hr': osc('/lull/bio/hr', 64.0),
    'bio_resp_rate': osc('/lull/bio/resp/rate', 25.0),
    'bio_ecg_rate': osc('/lull/bio/ecg/rate', 250.0),
    'emotibit_ppg': osc('/EmotiBit/0/PPG:IR', 0.1, 0.2),
    'muse_ppg': osc('/muse/ppg', 1.0, 2.0, 3.0),
    'unknown': osc('/lull/nothing', 1),
    'bundle': bundle(osc('/lull/volume', -6.0), osc('/lull/bio/hr', 70.0)),
}
for name, b in seeds.items():
    out('osc', name, b)
print('corpus written to', os.path.join(here, 'corpus'))

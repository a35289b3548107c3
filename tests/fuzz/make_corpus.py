#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz harnesses (tests/fuzz/corpus/<harness>/) from
the shipped files and the test fixtures. Run from anywhere; rerun when they change.
Seeds are kept small (a few KB) so that each fuzz execution is fast."""
import math, os, re, shutil, struct

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


# EDF/EDF+/BDF: small files written to the specifications edf_record.h cites
# (Kemp 1992; Kemp & Olivan 2003; BioSemi's BDF): a plain EDF, an EDF+C with an
# annotation signal, a BDF+C and a plain BDF; 3 records of 1 s each.
def edf_file(bdf, plus, annotations=()):
    width = 3 if bdf else 2
    sigs = [('ECG', 'mV', -5, 5, 32), ('Resp', 'a.u.', -1, 1, 8)]
    if plus:
        sigs.append(('BDF Annotations' if bdf else 'EDF Annotations', '', -1, 1, 30))
    dmax = (1 << (8 * width - 1)) - 1
    ns, nrec = len(sigs), 3
    f = lambda v, n: str(v).encode().ljust(n)[:n]
    h = (b'\xffBIOSEMI' if bdf else f(0, 8)) + f('X X X X' if plus else 'lull fuzz seed', 80)
    h += f('Startdate 01-JAN-2024 X X X' if plus else 'lull fuzz seed', 80)
    h += f('01.01.24', 8) + f('10.00.00', 8) + f(256 * (ns + 1), 8)
    h += f(('BDF+C' if bdf else 'EDF+C') if plus else ('24BIT' if bdf else ''), 44)
    h += f(nrec, 8) + f(1, 8) + f(ns, 4)
    for key, n in ((0, 16), (None, 80), (1, 8), (2, 8), (3, 8), ('dmin', 8), ('dmax', 8),
                   (None, 80), (4, 8), (None, 32)):
        for sg in sigs:
            if key == 'dmin': h += f(-dmax - 1, n)
            elif key == 'dmax': h += f(dmax, n)
            elif key is None: h += f('', n)
            else: h += f(sg[key], n)
    body = b''
    for r in range(nrec):
        for name, _, lo, hi, spr in sigs:
            if name.endswith('Annotations'):
                tal = ('+%d\x14\x14\x00' % r).encode()
                for onset, dur, text in annotations:
                    if int(onset) == r:
                        tal += ('+%g' % onset + ('\x15%g' % dur if dur else '') + '\x14' + text +
                                '\x14\x00').encode()
                body += tal.ljust(spr * width, b'\x00')[:spr * width]
                continue
            for i in range(spr):
                v = int(dmax * 0.5 * math.sin(2 * math.pi * (r * spr + i) / spr))
                body += (v & ((1 << (8 * width)) - 1)).to_bytes(width, 'little')
    return h + body


clear('edf')
out('edf', 'plain.edf', edf_file(False, False))
out('edf', 'plus.edf', edf_file(False, True, ((0.5, 0, 'Lights off'), (1.25, 1.5, 'Apnea'))))
out('edf', 'plus.bdf', edf_file(True, True, ((2.0, 0, 'Arousal'),)))
out('edf', 'plain.bdf', edf_file(True, False))


# Session stores: a file written by lull itself (`lull render --session-db`, a
# 30 s render), and a copy with the rows a live session adds (marks, release
# moments, preset and volume changes) and some odd but storable values. Needs the
# GCC build's lull (build/bin/lull, or $LULL); skipped with a note without it.
lull = os.environ.get('LULL', os.path.join(root, 'build', 'bin', 'lull'))
if os.access(lull, os.X_OK):
    import sqlite3, subprocess, tempfile
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, 's.db')
        subprocess.run([lull, 'render', '--preset', 'default', '--simulate', 'relaxing',
                        '--seconds', '30', '-o', os.path.join(tmp, 'x.wav'), '--session-db', db],
                       check=True, capture_output=True)
        clear('session')
        out('session', 'render.db', open(db, 'rb').read())
        c = sqlite3.connect(db)
        t0 = c.execute('SELECT started FROM sessions').fetchone()[0]
        c.executemany('INSERT INTO events(session_id, t, kind, detail) VALUES (1, ?, ?, ?)',
                      [(t0 + 5, 'mark', 'calm'), (t0 + 8, 'release', '12.5 s: breath slower 9.1->6.2'),
                       (t0 + 9, 'volume', '-12.0 dB'), (t0 + 10, 'preset', '<b>&"drone"'),
                       (t0 + 11, 'release', 'x s: no number'), (t0 + 12, 'sensor_lost', 'heart')])
        c.execute("UPDATE sessions SET client = 'client <1>', room = 'room & co'")
        c.execute('UPDATE frames SET heart_rate = NULL, pacer_mode = NULL WHERE rowid % 3 = 0')
        c.execute("INSERT INTO sessions(started, room, client, source) VALUES (?, 'r', 'client <1>', 'live')",
                  (t0 + 100,))
        c.commit()
        c.execute('PRAGMA wal_checkpoint(TRUNCATE)')
        c.close()
        out('session', 'events.db', open(db, 'rb').read())
else:
    print('make_corpus.py: no', lull, '(build lull with GCC first): session seeds not rewritten')
print('corpus written to', os.path.join(here, 'corpus'))

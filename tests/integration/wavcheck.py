#!/usr/bin/env python3
"""Checks a recorded WAV (16/24/32-bit PCM) for the integration tests, standard
library only: level, peak, clicks and gaps.

  wavcheck.py FILE [--skip S] [--min-rms-db DB] [--max-peak-db DB]
                   [--no-clicks] [--no-gaps] [--click-ratio K] [--gap-db DB]

Prints the measurements as one JSON line; exits 1 naming each failed check.

Clicks: the second difference d2[n] = x[n] - 2x[n-1] + x[n-2] of a smooth or even a
noisy signal stays within a few times its own local RMS; a discontinuity (a step,
a dropped block) makes one sample of d2 many times larger than the local RMS of d2
around it (5 ms windows, the sample itself excluded). Flagged when the ratio
exceeds --click-ratio (default 12) and the jump is above -60 dBFS.
Gaps: the RMS over 10 ms windows falling more than --gap-db (default 30) below the
median window RMS of the file (a silent block, a stall).
"""
import array
import json
import math
import sys
import wave


def read_wav(path):
    w = wave.open(path, "rb")
    ch, width, rate, n = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
    raw = w.readframes(n)
    w.close()
    if width == 2:
        a = array.array("h"); a.frombytes(raw); scale = 32768.0
    elif width == 4:
        a = array.array("i"); a.frombytes(raw); scale = 2147483648.0
    elif width == 3:
        a = array.array("i", (int.from_bytes(raw[i:i + 3], "little", signed=True) << 8
                              for i in range(0, len(raw), 3)))
        scale = 2147483648.0
    else:
        sys.exit("wavcheck: unsupported sample width %d" % width)
    if sys.byteorder == "big":
        a.byteswap()
    chans = [[a[i] / scale for i in range(c, len(a), ch)] for c in range(ch)]
    return chans, rate


def db(x):
    return 20.0 * math.log10(x) if x > 0 else -999.0


def rms(xs):
    return math.sqrt(sum(v * v for v in xs) / len(xs)) if xs else 0.0


def clicks(x, rate, ratio, floor):
    d2 = [0.0, 0.0] + [x[i] - 2 * x[i - 1] + x[i - 2] for i in range(2, len(x))]
    half = max(8, int(rate * 0.005))
    sq = [v * v for v in d2]
    prefix = [0.0]
    for v in sq:
        prefix.append(prefix[-1] + v)
    found = []
    for i in range(half + 2, len(d2) - half):
        v = abs(d2[i])
        if v < floor:
            continue
        s = prefix[i + half + 1] - prefix[i - half] - sq[i]
        local = math.sqrt(s / (2 * half))
        if v > ratio * max(local, 1e-9):
            found.append((i, v / max(local, 1e-9)))
    return found


def gaps(x, rate, gap_db):
    win = max(1, int(rate * 0.010))
    levels = [rms(x[i:i + win]) for i in range(0, len(x) - win + 1, win)]
    if not levels:
        return [], 0.0
    median = sorted(levels)[len(levels) // 2]
    limit = median * 10 ** (-gap_db / 20.0)
    return [i * win for i, l in enumerate(levels) if l < limit], median


def main(argv):
    if not argv:
        sys.exit(__doc__)
    path = argv[0]
    opts = {"skip": 0.0, "min-rms-db": None, "max-peak-db": None, "click-ratio": 12.0,
            "gap-db": 30.0}
    flags = set()
    i = 1
    while i < len(argv):
        a = argv[i]
        if a in ("--no-clicks", "--no-gaps"):
            flags.add(a); i += 1
        elif a.startswith("--") and a[2:] in opts:
            opts[a[2:]] = float(argv[i + 1]); i += 2
        else:
            sys.exit("wavcheck: unknown argument " + a)

    chans, rate = read_wav(path)
    skip = int(opts["skip"] * rate)
    chans = [c[skip:] for c in chans]
    if not chans or len(chans[0]) < rate * 0.1:
        print(json.dumps({"error": "recording too short"}))
        return 1
    report = {"seconds": round(len(chans[0]) / rate, 3), "rate": rate, "channels": len(chans)}
    failures = []
    for ci, x in enumerate(chans):
        r, p = rms(x), max(abs(v) for v in x)
        report["rms_db_%d" % ci] = round(db(r), 2)
        report["peak_db_%d" % ci] = round(db(p), 2)
        if opts["min-rms-db"] is not None and db(r) < opts["min-rms-db"]:
            failures.append("channel %d: RMS %.1f dBFS below %.1f" % (ci, db(r), opts["min-rms-db"]))
        if opts["max-peak-db"] is not None and db(p) > opts["max-peak-db"]:
            failures.append("channel %d: peak %.2f dBFS above %.2f" % (ci, db(p), opts["max-peak-db"]))
        if "--no-clicks" in flags:
            c = clicks(x, rate, opts["click-ratio"], 10 ** (-60 / 20.0))
            report["clicks_%d" % ci] = len(c)
            if c:
                worst = max(c, key=lambda t: t[1])
                failures.append("channel %d: %d click(s), worst at %.4f s (%.1fx local level)"
                                % (ci, len(c), (worst[0] + skip) / rate, worst[1]))
        if "--no-gaps" in flags:
            g, median = gaps(x, rate, opts["gap-db"])
            report["gaps_%d" % ci] = len(g)
            if g:
                failures.append("channel %d: %d gap window(s), first at %.3f s (median RMS %.1f dBFS)"
                                % (ci, len(g), (g[0] + skip) / rate, db(median)))
    report["failures"] = failures
    print(json.dumps(report))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

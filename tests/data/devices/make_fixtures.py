#!/usr/bin/env python3
"""Writes the device-dialect fixtures replayed by tests/unit/test_osc_devices.c.

Each fixture is one loop of a device's message stream, in the device's own
addresses, argument types and units, as its app's or firmware's source sends
them (the map files in tools/devices/ cite the sources and versions):

  T ADDRESS TYPES ARG...     one OSC message at T seconds into the loop
  %loop SECONDS              the loop's length: the test replays it end to end

The body is synthetic and known: a heart at 75 bpm (0.8 s, 5 beats per 4 s
loop) and breathing at 15/min (one 4 s cycle). Deterministic: run it again and
the files come out the same.
"""
import math, os

HERE = os.path.dirname(os.path.abspath(__file__))
LOOP = 4.0
BEAT = 0.8


def ecg_mv(t):
    """A PQRST complex every 0.8 s, R = 1.2 mV (sum of Gaussians, after
    McSharry et al. 2003's shape)."""
    ph = (t % BEAT) - 0.3
    waves = ((-0.10, 0.025, 0.12), (-0.025, 0.008, -0.15), (0.0, 0.010, 1.2),
             (0.025, 0.008, -0.25), (0.20, 0.040, 0.30))
    return sum(a * math.exp(-((ph - mu) / w) ** 2 / 2) for mu, w, a in waves)


def resp_pct(t):
    """PZT belt, % of full scale: one breath per 4 s, inhale 40 %."""
    return 20.0 * math.sin(2 * math.pi * t / LOOP - math.pi / 2)


def ppg(t):
    """Pulse wave every 0.8 s: systolic rise and a dicrotic bump."""
    ph = (t % BEAT) / BEAT
    return (math.exp(-((ph - 0.2) / 0.08) ** 2 / 2) + 0.35 * math.exp(-((ph - 0.5) / 0.1) ** 2 / 2))


def ecg_adc(t):   # inverse of the PLUX ECG transfer function (10 bits, 3.3 V, G 1100)
    return max(0, min(1023, round((ecg_mv(t) + 1.5) / 0.0029296875)))


def resp_adc(t):  # inverse of the PLUX PZT transfer function
    return max(0, min(1023, round((resp_pct(t) + 50.0) / 0.09765625)))


def write(name, header, lines):
    with open(os.path.join(HERE, name), "w") as f:
        for h in header:
            f.write("# " + h + "\n")
        f.write("%%loop %.3f\n" % LOOP)
        f.writelines(lines)


def bitalino_max():
    lines = []
    for i in range(int(LOOP * 1000)):
        t = i / 1000.0
        lines.append("%.3f /A2 f %d\n" % (t, ecg_adc(t)))
        lines.append("%.3f /A3 f %d\n" % (t, resp_adc(t)))
    write("bitalino-max.osc",
          ["bitalino-max (Ircam-RnD/bitalino-max 88f9bcf) through Max [udpsend]:",
           "one float (raw ADC) per message and channel, 1000 Hz, ECG on A2, PZT on A3."],
          lines)


def riot():
    lines = []
    for i in range(int(LOOP * 200)):
        t = i / 200.0
        seq = (i * 5) % 16            # the BITalino's 4-bit frame counter, every 5th frame
        analog = [0, ecg_adc(t), resp_adc(t), 512, 31, 31]
        args = [seq, 0, 0, 1, 1] + analog
        lines.append("%.3f /0/bitalino %s %s\n" % (t, "i" * 11, " ".join(str(a) for a in args)))
    write("riot.osc",
          ["BITalino R-IoT firmware v2.1 (Ircam-R-IoT/bitalino-riot-firmware 1900b95):",
           "/<ID>/bitalino, 11 int32: seq, D1-D4, A1-A6; ID 0; 5 ms period (200 Hz).",
           "The module's /0/raw (22 floats of motion) is left out."],
          lines)


def openbci():
    # NetworkStreamOut sends bpm and ibi each time new data arrive (here every
    # 40 ms); W_PulseSensor seeds ibi with 600, discards the first interval from
    # bpm and reports bpm 0 until the second beat.
    lines, ibi, bpm, beats = [], 600, 0, 0
    beat_times = [0.1 + k * BEAT for k in range(6)]
    t = 0.0
    while t < LOOP - 1e-9:
        while beats < len(beat_times) and beat_times[beats] <= t:
            if beats >= 1:
                ibi = round(BEAT * 1000 / 4) * 4   # 4 ms steps at 250 Hz
            if beats >= 2:
                bpm = 60000 // ibi
            beats += 1
        lines.append("%.3f /openbci/pulse/bpm i %d\n" % (t, bpm))
        lines.append("%.3f /openbci/pulse/ibi i %d\n" % (t, ibi))
        t += 0.04
    write("openbci.osc",
          ["OpenBCI GUI v6.0.0-beta.1 (OpenBCI/OpenBCI_GUI 41610b9), Networking, OSC, Pulse:",
           "bpm and ibi (ints) resent with every data update; ibi seeded with 600.",
           "Not looped in real life: the first loop has the seed, later loops repeat 75 bpm."],
          lines)


def emotibit():
    # The Oscilloscope sends each EmotiBit packet as one message: PPG:IR packets
    # carry a few 25 Hz samples (here 2 or 3, as the firmware's 100 ms packets
    # do); HR one value when the firmware derives one (per beat). BI is not
    # sent: it is neither patched nor plotted by default.
    lines = []
    n = int(LOOP * 25)
    i = 0
    while i < n:
        k = 3 if (i // 3) % 2 == 0 else 2
        k = min(k, n - i)
        t = (i + k - 1) / 25.0
        vals = ["%.1f" % (80000.0 + 600.0 * ppg(j / 25.0)) for j in range(i, i + k)]
        lines.append("%.3f /EmotiBit/0/PPG:IR %s %s\n" % (t, "f" * k, " ".join(vals)))
        i += k
    for b in range(5):
        lines.append("%.3f /EmotiBit/0/HR f 75.0\n" % (0.35 + b * BEAT))
    lines.sort(key=lambda s: float(s.split()[0]))
    write("emotibit.osc",
          ["EmotiBit Oscilloscope 1.16.5 (EmotiBit/ofxEmotiBit 45ba6ac), default OSC settings:",
           "/EmotiBit/0/PPG:IR floats (25 Hz, 2-3 per message), /EmotiBit/0/HR float; no BI."],
          lines)


if __name__ == "__main__":
    bitalino_max(); riot(); openbci(); emotibit()

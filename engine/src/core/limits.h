/* Every limit and default that more than one layer checks, in one place: the
 * preset parser (preset/preset.c), the OSC control surface (osc/), the engine
 * (engine/, clocks/) and the biosignal pipeline (bio/) all read them from here, so
 * a value accepted by one is never refused by another with a different range.
 * The user-facing tables in docs/presets.md ("tempo", "pacer") and docs/daemon.md
 * (the /lull/... addresses) quote these numbers; change both together.
 *
 * Plain constants, no functions: usable from any thread. */
#ifndef LULL_CORE_LIMITS_H
#define LULL_CORE_LIMITS_H

/* ---- Tempo clock (bpm) --------------------------------------------------------
 * 20..240 bpm is the range of a metronome (and of the nodes' ref_bpm params,
 * docs/nodes.md); 60 bpm, about a resting heart, is the tempo without a preset or
 * a heart signal. Followed heart tempo stays within floor..ceiling, which default
 * to a calm 40..90, and moves at most `slew` bpm per minute. */
#define LULL_TEMPO_MIN_BPM 20.0
#define LULL_TEMPO_MAX_BPM 240.0
#define LULL_TEMPO_DEFAULT_BPM 60.0
#define LULL_TEMPO_DEFAULT_FLOOR_BPM 40.0
#define LULL_TEMPO_DEFAULT_CEILING_BPM 90.0
#define LULL_TEMPO_MIN_SLEW 0.1     /* bpm per minute */
#define LULL_TEMPO_MAX_SLEW 600.0   /* bpm per minute */
#define LULL_TEMPO_DEFAULT_SLEW 4.0 /* bpm per minute */

/* ---- Breath pacer (breaths/min) ------------------------------------------------
 * The pacer's rate stays within 4..30/min: 4/min is below the slowest resonance
 * breathing (4.5-6.5/min, Lehrer & Gevirtz 2014, Front. Psychol. 5:756) and 30/min
 * is fast breathing at rest. A guide target is 4..12/min: the pacer leads
 * toward slow breathing, never above a calm adult's 12/min. 6/min is the
 * resonance breathing most people settle at, the default rate and target. */
#define LULL_PACER_MIN_RATE 4.0
#define LULL_PACER_MAX_RATE 30.0
#define LULL_PACER_DEFAULT_RATE 6.0
#define LULL_PACER_MIN_TARGET 4.0
#define LULL_PACER_MAX_TARGET 12.0
#define LULL_PACER_DEFAULT_TARGET 6.0
/* Share of each breath spent inhaling: 0.2..0.6, default 0.4 (the exhale is
 * longer), as lull_clocks.inhale_fraction documents in plugin.h. */
#define LULL_PACER_MIN_INHALE 0.2
#define LULL_PACER_MAX_INHALE 0.6
#define LULL_PACER_DEFAULT_INHALE 0.4

/* ---- Node descriptors (plugin/registry.c refuses more; docs/plugins.md "Limits") ----
 * Ports and parameters one node may declare: enough for any node shipped (the most,
 * sampler, has 13 parameters) while the host sizes its per-node scratch statically. */
#define LULL_NODE_MAX_PORTS 16
#define LULL_NODE_MAX_PARAMS 64

/* ---- Preset switches -------------------------------------------------------------
 * Longest crossfade a preset load may ask for, s (OSC /lull/preset/load, the
 * engine's load call). */
#define LULL_MAX_CROSSFADE_S 60.0

/* ---- Sensors (OSC /lull/bio/..., bio/bio_pipeline.c) --------------------------------
 * Nominal sampling rates each waveform's extractor accepts, Hz, and the rate
 * assumed until a sensor announces its own (/lull/bio/<signal>/rate):
 *   respiration 4..1000 Hz, default 25 Hz (a breath spans seconds; belts send
 *     10-100 Hz);
 *   ECG 50..10000 Hz, default 250 Hz (QRS energy lies in 5-25 Hz; the MIT-BIH
 *     records are 360 Hz, Polar H10 130 Hz);
 *   PPG 20..10000 Hz, default 64 Hz (Empatica E4's BVP rate). */
#define LULL_RESP_MIN_RATE_HZ 4.0
#define LULL_RESP_MAX_RATE_HZ 1000.0
#define LULL_RESP_DEFAULT_RATE_HZ 25.0
#define LULL_ECG_MIN_RATE_HZ 50.0
#define LULL_ECG_MAX_RATE_HZ 10000.0
#define LULL_ECG_DEFAULT_RATE_HZ 250.0
#define LULL_PPG_MIN_RATE_HZ 20.0
#define LULL_PPG_MAX_RATE_HZ 10000.0
#define LULL_PPG_DEFAULT_RATE_HZ 64.0
/* Beat intervals a sensor may send (/lull/bio/rr): 200..3000 ms, i.e. 20..300 bpm. */
#define LULL_RR_MIN_MS 200.0
#define LULL_RR_MAX_MS 3000.0
/* Heart rate a sensor may send (/lull/bio/hr): 20..250 bpm. */
#define LULL_HR_MIN_BPM 20.0
#define LULL_HR_MAX_BPM 250.0

#endif

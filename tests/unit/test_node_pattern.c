/* pattern: notes exactly on step frames (constant tempo and tempo changes, checked
 * against a copy of the host's beat clock), the same step sequence whatever the
 * tempo, determinism per seed, density 0 and 1, pitches in the scale and register
 * window, note rate proportional to tempo, and the combined period of the lanes:
 * exactly lcm(37, 41, 43) steps, no shorter. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "node_harness.h"

/* The documented lanes (docs/nodes.md): lengths and notes per lane. */
static const unsigned lane_len[3] = {37, 41, 43};
static const unsigned lane_hits[3] = {3, 5, 4};
#define LCM (37u * 41u * 43u)
/* A position this close below a step counts as on it (docs/nodes.md, pattern). */
#define STEP_EPS 1e-6

/* The documented scales, relative to the root. */
static const int scales[8][8] = {{0, 2, 4, 7, 9, -1},        {0, 3, 5, 7, 10, -1},
                                 {0, 2, 5, 7, 9, -1},        {0, 2, 3, 5, 7, 9, 10, -1},
                                 {0, 2, 4, 6, 7, 9, 11, -1}, {0, 2, 4, 5, 7, 9, 10, -1},
                                 {0, 2, 3, 5, 7, 8, 10, -1}, {0, 2, 3, 7, 8, -1}};

typedef struct {
    uint64_t frame;
    float pitch, velocity;
    size_t step; /* index of the step boundary it sits on, SIZE_MAX if none */
} note_rec;

/* A run: the node in the harness, a copy of the harness's beat clock (the same
 * floating-point operations, block for block) giving every step-boundary frame, and
 * the notes collected. */
typedef struct {
    node_harness *h;
    double rate, bpm, sub;
    uint32_t block;
    uint64_t frame;
    double beat;   /* beat at the next frame to render, as the harness keeps it */
    double x_prev; /* (beat at the last frame) * sub */
    bool started;
    uint64_t *bounds; /* frame of every step boundary so far */
    size_t nb, cap_b;
    note_rec *notes;
    size_t nn, cap_n;
} run;

static void run_open(run *r, uint64_t seed, double rate, double bpm, double sub, uint32_t block)
{
    memset(r, 0, sizeof *r);
    r->h = nh_open("pattern", "pattern", rate, seed);
    r->rate = rate;
    r->bpm = bpm;
    r->sub = sub;
    r->block = block;
    nh_set_block_size(r->h, block);
    nh_set_tempo(r->h, bpm);
    nh_set_param(r->h, "subdivision", (float)sub);
}

static void run_close(run *r)
{
    nh_close(r->h);
    free(r->bounds);
    free(r->notes);
}

static void run_tempo(run *r, double bpm)
{
    r->bpm = bpm;
    nh_set_tempo(r->h, bpm);
}

/* The step boundaries of `frames` frames cut into blocks as nh_run cuts them: a
 * boundary is the first frame whose (beat + f * beat_inc) * sub reaches an integer. */
static void mirror(run *r, size_t frames)
{
    double inc = r->bpm / 60.0 / r->rate;
    for (size_t done = 0; done < frames;) {
        uint32_t n = (uint32_t)(frames - done < r->block ? frames - done : r->block);
        for (uint32_t f = 0; f < n; f++) {
            double x = (r->beat + (double)f * inc) * r->sub + STEP_EPS;
            bool hit = r->started ? floor(x) > floor(r->x_prev)
                                  : floor(x) > floor((r->beat - inc) * r->sub + STEP_EPS);
            if (hit) {
                if (r->nb == r->cap_b) {
                    r->cap_b = r->cap_b ? 2 * r->cap_b : 4096;
                    r->bounds = realloc(r->bounds, r->cap_b * sizeof *r->bounds);
                }
                r->bounds[r->nb++] = r->frame + f;
            }
            r->x_prev = x;
            r->started = true;
        }
        r->beat += inc * n;
        r->frame += n;
        done += n;
    }
}

static void run_frames(run *r, size_t frames)
{
    const size_t chunk = 4000;
    for (size_t done = 0; done < frames;) {
        size_t n = frames - done < chunk ? frames - done : chunk;
        nh_run(r->h, NULL, NULL, n);
        size_t first_bound = r->nb;
        mirror(r, n);
        lull_note got[4096];
        uint64_t at[4096];
        size_t k = nh_take_notes(r->h, got, at, 4096);
        size_t b = first_bound > 4 ? first_bound - 4 : 0;
        for (size_t i = 0; i < k; i++) {
            if (r->nn == r->cap_n) {
                r->cap_n = r->cap_n ? 2 * r->cap_n : 4096;
                r->notes = realloc(r->notes, r->cap_n * sizeof *r->notes);
            }
            while (b < r->nb && r->bounds[b] < at[i]) b++;
            size_t step = b < r->nb && r->bounds[b] == at[i] ? b : SIZE_MAX;
            r->notes[r->nn++] = (note_rec){at[i], got[i].pitch, got[i].velocity, step};
        }
        done += n;
    }
}

static size_t notes_off_grid(const run *r)
{
    size_t bad = 0;
    for (size_t i = 0; i < r->nn; i++) bad += r->notes[i].step == SIZE_MAX;
    return bad;
}

/* Notes at density 1 and no rests over steps [0, n): each lane sounds its notes in
 * every cycle, so the count lies between the whole cycles' and one more cycle's. */
static void check_full_density_count(const run *r, const char *what)
{
    double lo = 0, hi = 0;
    for (int i = 0; i < 3; i++) {
        lo += lane_hits[i] * floor((double)r->nb / lane_len[i]);
        hi += lane_hits[i] * ceil((double)r->nb / lane_len[i]);
    }
    CHECK(r->nn >= lo && r->nn <= hi, "%s: %zu notes over %zu steps, lanes allow %.0f..%.0f", what,
          r->nn, r->nb, lo, hi);
}

static void test_grid_constant_tempo(void)
{
    run r;
    run_open(&r, 7, 48000.0, 71.0, 3.0, 37); /* 13521.1 frames per step, odd blocks */
    nh_set_param(r.h, "density", 1.0f);
    nh_set_param(r.h, "rest", 0.0f);
    run_frames(&r, 48000 * 300);
    size_t bad = notes_off_grid(&r);
    fprintf(stderr, "constant 71 bpm x3, 300 s: %zu steps, %zu notes, %zu off a step frame\n", r.nb,
            r.nn, bad);
    CHECK(r.nb > 1000 && r.nn > 100, "too few steps (%zu) or notes (%zu)", r.nb, r.nn);
    CHECK(bad == 0, "%zu of %zu notes are not on a step frame", bad, r.nn);
    CHECK(r.nb && r.bounds[0] == 0, "first step not at frame 0");
    check_full_density_count(&r, "71 bpm");
    run_close(&r);
}

/* Tempo changes between and inside blocks' worth of frames: every note still on the
 * frame the beat clock says, and the notes per step identical to a constant-tempo
 * run (the pattern is a sequence of steps; tempo only says when they come). */
static void test_grid_tempo_changes(void)
{
    run a, b;
    run_open(&a, 11, 48000.0, 60.0, 2.0, 64);
    run_open(&b, 11, 48000.0, 60.0, 2.0, 64);
    nh_set_param(a.h, "density", 1.0f);
    nh_set_param(b.h, "density", 1.0f);
    const double tempi[] = {84.0, 47.5, 66.6, 120.0, 40.0};
    size_t seg = 48000 * 40 + 17; /* 40 s plus a few frames: changes land mid-block */
    for (int i = 0; i < 5; i++) {
        run_tempo(&a, tempi[i]);
        run_frames(&a, seg);
    }
    size_t bad = notes_off_grid(&a);
    run_frames(&b, 48000 * 200);
    fprintf(stderr,
            "tempo changes 84/47.5/66.6/120/40 bpm: %zu steps, %zu notes, %zu off a step frame\n",
            a.nb, a.nn, bad);
    CHECK(bad == 0, "tempo changes: %zu of %zu notes off the step frames", bad, a.nn);
    size_t same = 0, compared = 0;
    size_t ib = 0;
    for (size_t i = 0; i < a.nn && a.notes[i].step != SIZE_MAX; i++) {
        while (ib < b.nn && b.notes[ib].step < a.notes[i].step) ib++;
        if (ib >= b.nn) break;
        compared++;
        same += b.notes[ib].step == a.notes[i].step && b.notes[ib].pitch == a.notes[i].pitch &&
                b.notes[ib].velocity == a.notes[i].velocity;
        ib++;
    }
    CHECK(compared > 50 && same == compared,
          "tempo changes: %zu of %zu notes differ per step from the constant-tempo run",
          compared - same, compared);
    run_close(&a);
    run_close(&b);
}

static bool same_notes(const run *a, const run *b)
{
    if (a->nn != b->nn) return false;
    for (size_t i = 0; i < a->nn; i++)
        if (a->notes[i].frame != b->notes[i].frame || a->notes[i].pitch != b->notes[i].pitch ||
            a->notes[i].velocity != b->notes[i].velocity)
            return false;
    return true;
}

static void test_determinism(void)
{
    run a, b, c;
    run_open(&a, 42, 48000.0, 60.0, 2.0, 64);
    run_open(&b, 42, 48000.0, 60.0, 2.0, 29);
    run_open(&c, 43, 48000.0, 60.0, 2.0, 64);
    run_frames(&a, 48000 * 240);
    run_frames(&b, 48000 * 240);
    run_frames(&c, 48000 * 240);
    fprintf(stderr, "defaults 240 s: seed 42 %zu notes, seed 43 %zu notes\n", a.nn, c.nn);
    CHECK(a.nn > 20, "defaults: only %zu notes in 240 s", a.nn);
    CHECK(same_notes(&a, &b), "seed 42 differs between two runs (blocks 64 and 29)");
    CHECK(!same_notes(&a, &c), "seeds 42 and 43 give the same notes");
    /* reset() returns to the start: the same notes again. */
    nh_reset(a.h);
    lull_note got[4096];
    uint64_t at[4096];
    nh_run(a.h, NULL, NULL, 48000 * 60);
    size_t k = nh_take_notes(a.h, got, at, 4096);
    size_t match = 0;
    for (size_t i = 0; i < k && i < a.nn; i++)
        match += at[i] == a.notes[i].frame && got[i].pitch == a.notes[i].pitch;
    CHECK(k > 0 && match == k, "after reset: %zu of %zu notes repeat the first run", match, k);
    run_close(&a);
    run_close(&b);
    run_close(&c);
}

static void test_density_zero(void)
{
    run r;
    run_open(&r, 5, 4000.0, 90.0, 4.0, 64);
    nh_set_param(r.h, "density", 0.0f);
    nh_set_param(r.h, "rest", 0.0f);
    run_frames(&r, 4000 * 1800);
    fprintf(stderr, "density 0: %zu notes in %zu steps\n", r.nn, r.nb);
    CHECK(r.nn == 0 && r.nb > 10000, "density 0 gave %zu notes in %zu steps", r.nn, r.nb);
    run_close(&r);
}

static bool in_scale(int scale, int root, int pitch)
{
    int pc = ((pitch - root) % 12 + 12) % 12;
    for (int j = 0; scales[scale][j] >= 0; j++)
        if (scales[scale][j] == pc) return true;
    return false;
}

static void test_pitches(void)
{
    static const char *const names[] = {"major_pentatonic", "minor_pentatonic", "yo",
                                        "dorian",           "lydian",           "mixolydian",
                                        "aeolian",          "hirajoshi"};
    static const struct {
        float reg, spread;
        int root;
    } windows[] = {{62, 9, 62},       {40, 2, 61}, {80, 24, 57},
                   {50.5f, 2.3f, 64}, {96, 24, 0}, {24, 2, 67}};
    for (int s = 0; s < 8; s++)
        for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
            run r;
            run_open(&r, 100 + s, 4000.0, 600.0, 4.0, 64); /* 40 steps/s */
            nh_set_param(r.h, "scale", (float)s);
            nh_set_param(r.h, "root", (float)windows[w].root);
            nh_set_param(r.h, "register", windows[w].reg);
            nh_set_param(r.h, "spread", windows[w].spread);
            nh_set_param(r.h, "density", 1.0f);
            nh_set_param(r.h, "velocity_min", 0.2f);
            nh_set_param(r.h, "velocity_max", 0.6f);
            run_frames(&r, 4000 * 60);
            size_t bad_scale = 0, bad_window = 0, bad_vel = 0, distinct = 0;
            bool seen[128] = {false};
            for (size_t i = 0; i < r.nn; i++) {
                float p = r.notes[i].pitch;
                int ip = (int)p;
                bad_scale += (float)ip != p || !in_scale(s, windows[w].root, ip);
                bad_window += fabsf(p - windows[w].reg) > windows[w].spread;
                bad_vel += r.notes[i].velocity < 0.2f - 1e-6f || r.notes[i].velocity > 0.6f + 1e-6f;
                if (ip >= 0 && ip < 128 && !seen[ip]) distinct++, seen[ip] = true;
            }
            if (w == 0)
                fprintf(stderr, "%-16s register 62 +-9: %zu notes, %zu distinct pitches\n",
                        names[s], r.nn, distinct);
            CHECK(r.nn > 500, "%s: only %zu notes", names[s], r.nn);
            CHECK(bad_scale == 0, "%s root %d: %zu notes outside the scale", names[s],
                  windows[w].root, bad_scale);
            CHECK(bad_window == 0, "%s register %.1f +- %.1f: %zu notes outside the window",
                  names[s], windows[w].reg, windows[w].spread, bad_window);
            CHECK(bad_vel == 0, "%s: %zu velocities outside 0.2..0.6", names[s], bad_vel);
            CHECK(windows[w].spread < 9 || distinct >= 4, "%s: only %zu distinct pitches", names[s],
                  distinct);
            run_close(&r);
        }
}

/* Same seed at 60 and 84 bpm for the same time: 1.4 x the notes. */
static void test_rate_scales_with_tempo(void)
{
    for (int deterministic = 1; deterministic >= 0; deterministic--) {
        double hours = deterministic ? 1.0 : 6.0;
        size_t frames = (size_t)(2000.0 * 3600.0 * hours);
        size_t count[2];
        const double bpm[2] = {60.0, 84.0};
        for (int t = 0; t < 2; t++) {
            run r;
            run_open(&r, 9, 2000.0, bpm[t], 2.0, 64);
            if (deterministic) {
                nh_set_param(r.h, "density", 1.0f);
                nh_set_param(r.h, "rest", 0.0f);
            }
            run_frames(&r, frames);
            count[t] = r.nn;
            run_close(&r);
        }
        double ratio = (double)count[1] / (double)count[0];
        fprintf(stderr,
                "%s, %.0f h: %zu notes at 60 bpm (%.3f/s), %zu at 84 bpm: ratio %.4f (1.4)\n",
                deterministic ? "density 1, no rests" : "defaults (density 0.5, rest 0.2)", hours,
                count[0], count[0] / (3600.0 * hours), count[1], ratio);
        CHECK(fabs(ratio / 1.4 - 1.0) < 0.03, "84/60 bpm note ratio %.4f, not 1.4 within 3 %%",
              ratio);
    }
}

/* The combined pattern (which steps sound which pitches, at density 1 without rests)
 * repeats after exactly LCM steps. A sequence with period LCM and a shorter period P
 * also has period gcd(P, LCM), a proper divisor of LCM = 37 * 41 * 43, hence one of
 * LCM/37, LCM/41, LCM/43 or a divisor of it; so it is enough to show that none of
 * those three is a period. */
static void test_period(void)
{
    run r;
    run_open(&r, 3, 1000.0, 600.0, 4.0, 64); /* 40 steps/s, 25 frames per step */
    nh_set_param(r.h, "density", 1.0f);
    nh_set_param(r.h, "rest", 0.0f);
    size_t steps = LCM + LCM / 37 + 100;
    run_frames(&r, steps * 25);
    CHECK(r.nb >= steps, "only %zu steps", r.nb);
    CHECK(notes_off_grid(&r) == 0, "notes off the step frames");
    uint32_t *sig = calloc(r.nb, sizeof *sig);
    for (size_t i = 0; i < r.nn; i++)
        if (r.notes[i].step != SIZE_MAX)
            sig[r.notes[i].step] = sig[r.notes[i].step] * 131u + (uint32_t)r.notes[i].pitch + 1u;
    size_t in_lcm = 0;
    for (size_t i = 0; i < r.nn; i++) in_lcm += r.notes[i].step < LCM;
    size_t expect = 0;
    for (int i = 0; i < 3; i++) expect += lane_hits[i] * (LCM / lane_len[i]);
    fprintf(stderr, "period: %zu notes in the first %u steps (lanes allow %zu)\n", in_lcm, LCM,
            expect);
    CHECK(in_lcm == expect, "density 1: %zu notes in %u steps, lanes allow %zu", in_lcm, LCM,
          expect);
    size_t diff_lcm = 0;
    for (size_t s = 0; s + LCM < r.nb; s++) diff_lcm += sig[s] != sig[s + LCM];
    CHECK(diff_lcm == 0, "%zu steps differ from the step LCM later: the period is not LCM",
          diff_lcm);
    const size_t divisors[3] = {LCM / 37, LCM / 41, LCM / 43};
    for (int d = 0; d < 3; d++) {
        size_t diff = 0;
        for (size_t s = 0; s < LCM; s++) diff += sig[s] != sig[s + divisors[d]];
        fprintf(stderr, "period: shift by %zu steps changes %zu of %u steps\n", divisors[d], diff,
                LCM);
        CHECK(diff > 0, "the pattern repeats after %zu steps, before LCM", divisors[d]);
    }
    fprintf(stderr, "period: %u steps = %.2f h at 60 bpm x2, %.1f h at 48 bpm x1\n", LCM,
            LCM * 0.5 / 3600.0, LCM * 1.25 / 3600.0);
    free(sig);
    run_close(&r);
}

int main(void)
{
    test_grid_constant_tempo();
    test_grid_tempo_changes();
    test_determinism();
    test_density_zero();
    test_pitches();
    test_rate_scales_with_tempo();
    test_period();
    return check_finish("test_node_pattern");
}

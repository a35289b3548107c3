/* The breath pacer's modes against their contract (docs/design.md "Engine clocks"),
 * driven block by block with synthetic feature frames. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "clocks/breath_pacer.h"
#include "clocks/tempo_clock.h"

#define RATE 48000.0
#define BLOCK 32u

typedef struct run {
    breath_pacer p;
    lull_features f;
    lull_event ev[16];
    double t;
    uint32_t inhales, exhales;
    double inhale_time, exhale_time; /* accumulated durations of each half */
} run;

static void run_init(run *r, enum pacer_mode mode, float preset_rate)
{
    memset(r, 0, sizeof *r);
    preset_pacer s = {mode, preset_rate, 6.0f, 0.4f};
    breath_pacer_init(&r->p, &s);
    lull_features_init(&r->f);
}

/* Advance `seconds`; `client` (breaths/min, <= 0: no breath signal) is what the
 * client is measured to breathe. Returns the lowest rate the pacer reached. */
static double advance(run *r, double seconds, double client)
{
    double lowest = 1e9;
    r->f.breath_state = client > 0 ? LULL_SENSOR_OK : LULL_SENSOR_STALE;
    r->f.breath_rate = client > 0 ? (float)client : NAN;
    for (double end = r->t + seconds; r->t < end; r->t += BLOCK / RATE) {
        lull_clocks c = {0};
        uint32_t n = 0;
        double phase = r->p.phase;
        breath_pacer_advance(&r->p, &r->f, RATE, BLOCK, &c, r->ev, &n, 16);
        for (uint32_t i = 0; i < n; i++) {
            if (r->ev[i].type == LULL_EVENT_INHALE) r->inhales++;
            if (r->ev[i].type == LULL_EVENT_EXHALE) r->exhales++;
        }
        if (phase < c.inhale_fraction)
            r->inhale_time += BLOCK / RATE;
        else
            r->exhale_time += BLOCK / RATE;
        lowest = fmin(lowest, r->p.rate);
        CHECK(c.pacer_phase >= 0 && c.pacer_phase < 1, "phase %g out of [0,1)", c.pacer_phase);
    }
    return lowest;
}

static void test_off_runs_at_preset_rate(void)
{
    run r;
    run_init(&r, PACER_OFF, 6.0f);
    advance(&r, 120, 14);
    CHECK(fabs(r.p.rate - 6.0) < 1e-9, "off mode rate %g", r.p.rate);
    CHECK(r.inhales == 12 || r.inhales == 11, "%u inhales in 2 min at 6/min", r.inhales);
    CHECK(r.exhale_time > 1.4 * r.inhale_time, "exhale %.1f s not longer than inhale %.1f s",
          r.exhale_time, r.inhale_time);
}

static void test_guide_follower_steps_down(void)
{
    /* A client who follows perfectly: after the pacer steps, they match it. */
    run r;
    run_init(&r, PACER_GUIDE, 6.0f);
    double client = 14;
    advance(&r, 5, client);
    double first = r.p.rate;
    for (int i = 0; i < 400 && client > 6.01; i++) {
        advance(&r, 5, client);
        if (r.p.rate < client) client = r.p.rate; /* follows the pacer */
    }
    CHECK(first <= 14 && first >= 12.9, "guide started at %.2f for a client at 14", first);
    CHECK(fabs(r.p.rate - 6.0) < 1e-9, "guide ended at %.2f, target 6", r.p.rate);
}

static void test_guide_never_faster_or_below_floor(void)
{
    run r;
    run_init(&r, PACER_GUIDE, 6.0f);
    breath_pacer_set_mode(&r.p, PACER_GUIDE, 4.0);
    /* A client who ignores the pacer and slows to 3/min on their own. */
    advance(&r, 60, 10);
    CHECK(r.p.rate <= 10 + PACER_CLIENT_SLACK + 1e-9, "pacer %.2f faster than a client at 10",
          r.p.rate);
    double lowest = advance(&r, 300, 3);
    CHECK(lowest >= PACER_MIN_RATE - 1e-9, "pacer went down to %.2f", lowest);
    /* A client who doesn't follow (stays at 12) while the pacer is at 11: the pacer
     * holds or steps back toward them, never runs away downward. */
    run s;
    run_init(&s, PACER_GUIDE, 6.0f);
    advance(&s, 10, 12);
    double start = s.p.rate;
    double lo = advance(&s, 300, 12);
    CHECK(lo >= start - PACER_GUIDE_STEP - 1e-9,
          "pacer ran away from a non-following client: %.2f -> %.2f", start, lo);
    CHECK(s.p.rate <= 12 + PACER_CLIENT_SLACK + 1e-9, "pacer faster than the client: %.2f",
          s.p.rate);
}

static void test_follow_mirrors(void)
{
    run r;
    run_init(&r, PACER_FOLLOW, 6.0f);
    advance(&r, 30, 11);
    CHECK(fabs(r.p.rate - 11) < 0.01, "follow rate %.2f for a client at 11", r.p.rate);
    /* Sensor lost: the pacer holds its rate. */
    advance(&r, 30, -1);
    CHECK(fabs(r.p.rate - 11) < 0.01, "follow rate %.2f after the sensor went stale", r.p.rate);
}

static void test_resonance_picks_largest_swing(void)
{
    run r;
    run_init(&r, PACER_RESONANCE, 6.0f);
    r.f.heart_state = LULL_SENSOR_OK;
    r.f.breath_state = LULL_SENSOR_OK;
    r.f.breath_rate = 6;
    /* Heart rate swings with the pacer phase; the swing is largest at 5.0/min. */
    for (double end = 20 * 60; r.t < end; r.t += BLOCK / RATE) {
        double amp = 8.0 - 6.0 * fabs(r.p.rate - 5.0);
        r.f.heart_rate = (float)(65 + amp * sin(2 * M_PI * r.p.phase));
        lull_clocks c = {0};
        uint32_t n = 0;
        breath_pacer_advance(&r.p, &r.f, RATE, BLOCK, &c, r.ev, &n, 16);
    }
    CHECK(r.p.resonance_done, "resonance trials did not finish in 20 min");
    CHECK(fabs(r.p.rate - 5.0) < 1e-9, "resonance kept %.2f/min, the largest swing was at 5.0",
          r.p.rate);
}

/* Every beat and every breath gives its event, even when rounding puts the crossing
 * in the last frame of a block (at 60 bpm and 48 kHz every beat falls on a block
 * boundary; a clock once dropped such events). */
static void test_clock_events_counted(void)
{
    const double bpms[] = {60.0, 72.0, 45.5};
    for (size_t k = 0; k < 3; k++) {
        preset_tempo pt = {(float)bpms[k], 0, 20, 240, 0};
        tempo_clock t;
        tempo_clock_init(&t, &pt);
        uint64_t beats = 0;
        const double seconds = 600;
        for (uint64_t f = 0; f < (uint64_t)(seconds * RATE); f += BLOCK) {
            lull_clocks c = {0};
            lull_event ev[16];
            uint32_t n = 0;
            tempo_clock_advance(&t, &pt, NAN, 0, RATE, BLOCK, &c, ev, &n, 16);
            for (uint32_t i = 0; i < n; i++) {
                beats += ev[i].type == LULL_EVENT_BEAT;
                CHECK(ev[i].offset < BLOCK, "beat offset %u", ev[i].offset);
            }
        }
        double want = bpms[k] / 60.0 * seconds;
        CHECK(fabs((double)beats - want) <= 1.0, "%.1f bpm: %llu beats in 10 min, want %.0f",
              bpms[k], (unsigned long long)beats, want);
    }
    run r;
    run_init(&r, PACER_OFF, 6.0f);
    advance(&r, 3600, -1);
    CHECK(r.inhales >= 359 && r.inhales <= 360 && r.exhales >= 359 && r.exhales <= 360,
          "an hour at 6/min: %u inhales, %u exhales", r.inhales, r.exhales);
}

int main(void)
{
    test_clock_events_counted();
    test_off_runs_at_preset_rate();
    test_guide_follower_steps_down();
    test_guide_never_faster_or_below_floor();
    test_follow_mirrors();
    test_resonance_picks_largest_swing();
    return check_finish("test_breath_pacer");
}

/* bench_control_latency: how long a control message sent to lulld over OSC/UDP takes
 * to be heard at lulld's JACK output, and how fast a sensor flood can be sent.
 * Driven by tools/bench/control_latency.sh, which starts a private jackd and lulld
 * with a one-sine preset; it prints figures and asserts nothing about timing.
 *
 *   bench_control_latency latency --port P [--trials N] [--node tone] [--param level]
 *         [--level 0.5] [--freq 1000] [--threshold 1e-3] [--jack-name lulld]
 *   bench_control_latency flood --port P [--messages 20000] [--values 10]
 *
 * latency: a JACK client of its own listens to lulld's two outputs. lulld plays a
 * sine whose period is a whole number of frames, so its output in steady state
 * (silent, or a steady tone) repeats exactly every cycle. A trial arms the process
 * callback, stamps jack_get_time() and sends /lull/param/set node param value with
 * liblo; the callback reports the first frame that differs from the frame one sine
 * cycle earlier by more than the threshold (1e-3 = -60 dBFS): the onset of a tone
 * switched on, or the first audible drop of one switched off. That frame's time is
 * jack_get_time() at the start of the callback plus the frame's offset in the period;
 * jack_frames_to_time(last_frame_time + offset) is reported beside it, but its
 * estimate of the cycle start jumps at every xrun, and the non-realtime dummy server
 * has many (it gave latencies of -40 ms at a 64-frame period). Trials alternate on
 * (0 -> level) and off (level -> 0); each waits for the output to be steady first.
 *
 * flood: sends N /lull/bio/ecg messages of V floats each from one UDP socket as
 * fast as liblo can, and prints how many went out and how long it took. */
#include <errno.h>
#include <jack/jack.h>
#include <jack/ringbuffer.h>
#include <lo/lo.h>
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CYCLE 4096

typedef struct probe {
    jack_client_t *client;
    jack_port_t *in[2];
    jack_ringbuffer_t *hits; /* a detection (hit) per trial, audio -> main */
    double rate;
    float threshold;
    uint32_t cycle; /* frames per sine cycle */
    float history[2][MAX_CYCLE];
    uint32_t pos;
    atomic_int armed;
    atomic_uint_fast64_t steady_frames; /* frames since the last deviation */
    atomic_uint_fast64_t missed_hits;   /* ring full (never expected) */
    atomic_uint xruns;                  /* seen by this client */
} probe;

/* JACK's notification thread. An xrun can feed the probe a stale or silent
 * buffer, which reads as a change: trials with one are counted apart. */
static int on_xrun(void *arg)
{
    atomic_fetch_add(&((probe *)arg)->xruns, 1);
    return 0;
}

/* When the changed frame was heard, by two clocks (microseconds, jack_get_time()'s):
 * `wall` is the callback's own start plus the frame's offset, `dll` is JACK's
 * estimate of when that frame's cycle began (jack_frames_to_time), which xruns on
 * the non-realtime dummy server throw off. */
typedef struct hit {
    jack_time_t wall, dll;
} hit;

/* Audio thread: no locks, no allocation, no printing. */
static int on_process(jack_nframes_t nframes, void *arg)
{
    probe *p = arg;
    jack_time_t woke = jack_get_time();
    const float *in[2] = {jack_port_get_buffer(p->in[0], nframes),
                          jack_port_get_buffer(p->in[1], nframes)};
    jack_nframes_t first = jack_last_frame_time(p->client);
    uint64_t steady = atomic_load_explicit(&p->steady_frames, memory_order_relaxed);
    int armed = atomic_load_explicit(&p->armed, memory_order_acquire);
    for (jack_nframes_t i = 0; i < nframes; i++) {
        float dev = 0.0f;
        for (int c = 0; c < 2; c++) {
            float d = fabsf(in[c][i] - p->history[c][p->pos]);
            if (d > dev) dev = d;
            p->history[c][p->pos] = in[c][i];
        }
        p->pos = p->pos + 1 == p->cycle ? 0 : p->pos + 1;
        if (dev <= p->threshold) {
            steady++;
            continue;
        }
        steady = 0;
        if (armed) {
            hit h = {woke + (jack_time_t)((double)i / p->rate * 1e6),
                     jack_frames_to_time(p->client, first + i)};
            if (jack_ringbuffer_write_space(p->hits) >= sizeof h)
                jack_ringbuffer_write(p->hits, (const char *)&h, sizeof h);
            else
                atomic_fetch_add_explicit(&p->missed_hits, 1, memory_order_relaxed);
            armed = 0;
            atomic_store_explicit(&p->armed, 0, memory_order_release);
        }
    }
    atomic_store_explicit(&p->steady_frames, steady, memory_order_relaxed);
    return 0;
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) && errno == EINTR) {
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static double percentile(const double *v, size_t n, double q)
{
    size_t k = (size_t)ceil(q * (double)n);
    return v[k == 0 ? 0 : k - 1];
}

static void print_stats(const char *what, double *ms, size_t n)
{
    if (n == 0) {
        printf("%-4s trials 0\n", what);
        return;
    }
    qsort(ms, n, sizeof *ms, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += ms[i];
    printf("%-4s trials %zu  min %.2f  p50 %.2f  mean %.2f  p99 %.2f  max %.2f ms\n", what, n,
           ms[0], percentile(ms, n, 0.5), sum / (double)n, percentile(ms, n, 0.99), ms[n - 1]);
}

static const char *arg_value(int argc, char **argv, const char *name, const char *def)
{
    for (int i = 2; i + 1 < argc; i += 2)
        if (!strcmp(argv[i], name)) return argv[i + 1];
    return def;
}

/* Waits until the output has not deviated for `frames` frames (or the timeout). */
static int wait_steady(probe *p, uint64_t frames, long timeout_us)
{
    for (long waited = 0; waited < timeout_us; waited += 1000) {
        if (atomic_load_explicit(&p->steady_frames, memory_order_relaxed) >= frames) return 0;
        sleep_us(1000);
    }
    return -1;
}

static int take_hit(probe *p, hit *t, long timeout_us)
{
    for (long waited = 0; waited < timeout_us; waited += 200) {
        if (jack_ringbuffer_read_space(p->hits) >= sizeof *t) {
            jack_ringbuffer_read(p->hits, (char *)t, sizeof *t);
            return 0;
        }
        sleep_us(200);
    }
    return -1;
}

static int run_latency(int argc, char **argv)
{
    const char *port = arg_value(argc, argv, "--port", NULL);
    int trials = atoi(arg_value(argc, argv, "--trials", "300"));
    const char *node = arg_value(argc, argv, "--node", "tone");
    const char *param = arg_value(argc, argv, "--param", "level");
    float level = strtof(arg_value(argc, argv, "--level", "0.5"), NULL);
    double freq = strtod(arg_value(argc, argv, "--freq", "1000"), NULL);
    float threshold = strtof(arg_value(argc, argv, "--threshold", "1e-3"), NULL);
    const char *target = arg_value(argc, argv, "--jack-name", "lulld");
    if (!port || trials < 2 || !(freq > 0) || !(threshold > 0)) {
        fprintf(stderr, "bench_control_latency latency: needs --port, --trials >= 2\n");
        return 2;
    }

    static probe p; /* the histories are large: not on the stack */
    jack_status_t status;
    p.client = jack_client_open("latency_probe", JackNoStartServer, &status);
    if (!p.client) {
        fprintf(stderr, "bench_control_latency: no JACK server (status 0x%x)\n", (unsigned)status);
        return 1;
    }
    double rate = jack_get_sample_rate(p.client);
    double cycle = rate / freq;
    if (fabs(cycle - round(cycle)) > 1e-9 || cycle < 2 || cycle > MAX_CYCLE) {
        fprintf(stderr, "bench_control_latency: %g Hz is not a whole number of frames at %g Hz\n",
                freq, rate);
        jack_client_close(p.client);
        return 2;
    }
    p.cycle = (uint32_t)round(cycle);
    p.rate = rate;
    p.threshold = threshold;
    p.hits = jack_ringbuffer_create(4096);
    p.in[0] = jack_port_register(p.client, "in_left", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
    p.in[1] = jack_port_register(p.client, "in_right", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
    if (!p.hits || !p.in[0] || !p.in[1] || jack_set_process_callback(p.client, on_process, &p) ||
        jack_set_xrun_callback(p.client, on_xrun, &p) || jack_activate(p.client)) {
        fprintf(stderr, "bench_control_latency: cannot set up the JACK client\n");
        return 1;
    }
    char src[2][300];
    snprintf(src[0], sizeof src[0], "%s:out_left", target);
    snprintf(src[1], sizeof src[1], "%s:out_right", target);
    if (jack_connect(p.client, src[0], jack_port_name(p.in[0])) ||
        jack_connect(p.client, src[1], jack_port_name(p.in[1]))) {
        fprintf(stderr, "bench_control_latency: cannot connect %s and %s\n", src[0], src[1]);
        jack_client_close(p.client);
        return 1;
    }
    jack_nframes_t period = jack_get_buffer_size(p.client);
    lo_address osc = lo_address_new("127.0.0.1", port);

    /* Start silent, then check that a steady output raises no detections. */
    lo_send(osc, "/lull/param/set", "ssf", node, param, 0.0f);
    if (wait_steady(&p, (uint64_t)(0.1 * rate), 5000000)) {
        fprintf(stderr, "bench_control_latency: the output never became steady\n");
        jack_client_close(p.client);
        return 1;
    }
    atomic_store(&p.armed, 1);
    sleep_us(500000);
    int false_hits = atomic_load(&p.armed) == 0;
    atomic_store(&p.armed, 0);
    hit junk;
    while (take_hit(&p, &junk, 0) == 0) {
    }

    double *on_ms = calloc((size_t)trials, sizeof *on_ms);
    double *off_ms = calloc((size_t)trials, sizeof *off_ms);
    double *dll_ms = calloc((size_t)trials, sizeof *dll_ms);
    size_t n_on = 0, n_off = 0, n_dll = 0;
    int lost = 0, unsteady = 0, spoiled = 0;
    double *spoiled_ms = calloc((size_t)trials, sizeof *spoiled_ms);
    srand(12345);
    for (int i = 0; i < trials; i++) {
        bool on = (i % 2) == 0;
        /* Steady for 10 ms (the 20 ms ramp of the previous trial is over), then a
         * random 0..period wait so the sends fall anywhere in the JACK cycle. */
        if (wait_steady(&p, (uint64_t)(0.01 * rate), 2000000)) unsteady++;
        sleep_us((long)((double)rand() / RAND_MAX * period / rate * 1e6));
        unsigned xruns_before = atomic_load(&p.xruns);
        atomic_store_explicit(&p.armed, 1, memory_order_release);
        jack_time_t sent = jack_get_time();
        lo_send(osc, "/lull/param/set", "ssf", node, param, on ? level : 0.0f);
        hit heard;
        if (take_hit(&p, &heard, 1000000)) {
            atomic_store(&p.armed, 0);
            lost++;
            continue;
        }
        double ms = ((double)heard.wall - (double)sent) / 1000.0;
        if (atomic_load(&p.xruns) != xruns_before) {
            spoiled_ms[spoiled++] = ms;
            continue;
        }
        dll_ms[n_dll++] = ((double)heard.dll - (double)sent) / 1000.0;
        if (on)
            on_ms[n_on++] = ms;
        else
            off_ms[n_off++] = ms;
    }

    printf("JACK %g Hz, period %u frames (%.2f ms); sine %g Hz (%u-frame cycle); "
           "threshold %g (%.0f dBFS) on |x[n] - x[n-cycle]|\n",
           rate, period, period / rate * 1e3, freq, p.cycle, threshold, 20 * log10(threshold));
    printf(
        "false detections in 0.5 s of steady output: %d; trials lost (no change heard in 1 s): %d;"
        " waits for steady output that timed out: %d; ring overflows: %llu\n",
        false_hits, lost, unsteady, (unsigned long long)atomic_load(&p.missed_hits));
    size_t n_all = n_on + n_off;
    double *all_ms = calloc(n_all ? n_all : 1, sizeof *all_ms);
    memcpy(all_ms, on_ms, n_on * sizeof *all_ms);
    memcpy(all_ms + n_on, off_ms, n_off * sizeof *all_ms);
    printf("xruns seen by the probe: %u; trials with an xrun between send and detection "
           "(left out below): %d\n",
           atomic_load(&p.xruns), spoiled);
    print_stats("xrun", spoiled_ms, (size_t)spoiled);
    print_stats("on", on_ms, n_on);
    print_stats("off", off_ms, n_off);
    print_stats("all", all_ms, n_all);
    printf("(the same trials timed by jack_frames_to_time, JACK's estimate of the cycle start:)\n");
    print_stats("dll", dll_ms, n_dll);

    lo_send(osc, "/lull/param/set", "ssf", node, param, 0.0f);
    lo_address_free(osc);
    jack_client_close(p.client);
    jack_ringbuffer_free(p.hits);
    free(on_ms);
    free(off_ms);
    free(all_ms);
    free(dll_ms);
    free(spoiled_ms);
    return lost == trials ? 1 : 0;
}

static int run_flood(int argc, char **argv)
{
    const char *port = arg_value(argc, argv, "--port", NULL);
    long messages = atol(arg_value(argc, argv, "--messages", "20000"));
    int values = atoi(arg_value(argc, argv, "--values", "10"));
    if (!port || messages < 1 || values < 1 || values > 1000) {
        fprintf(stderr,
                "bench_control_latency flood: needs --port, --messages >= 1, --values 1..1000\n");
        return 2;
    }
    lo_address osc = lo_address_new("127.0.0.1", port);
    lo_message m = lo_message_new();
    /* An ECG-like wiggle in millivolts; the content does not matter to the queue. */
    for (int v = 0; v < values; v++) lo_message_add_float(m, (float)(0.1 * sin(0.3 * v)));
    long failed = 0;
    /* No JACK client here, so the monotonic clock rather than jack_get_time(). */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < messages; i++)
        if (lo_send_message(osc, "/lull/bio/ecg", m) < 0) failed++;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    printf("flood: %ld /lull/bio/ecg messages of %d floats, %ld refused by the local socket, "
           "in %.3f s (%.0f messages/s)\n",
           messages - failed, values, failed, s, (double)messages / s);
    printf("flood_sent=%ld flood_seconds=%.3f\n", messages - failed, s);
    lo_message_free(m);
    lo_address_free(osc);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "latency")) return run_latency(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "flood")) return run_flood(argc, argv);
    fprintf(stderr,
            "usage: bench_control_latency latency --port P [--trials N] [--node tone]"
            " [--param level] [--level 0.5] [--freq 1000] [--threshold 1e-3] [--jack-name lulld]\n"
            "       bench_control_latency flood --port P [--messages 20000] [--values 10]\n"
            "Normally run through tools/bench/control_latency.sh.\n");
    return 2;
}

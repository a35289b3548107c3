/* Device address maps: the shipped maps load, parse errors name the file and
 * line, polar2osc's 1/1024 s intervals become ms, Mind Monitor's infrared PPG is
 * picked by argument index, BITalino's ADC counts become mV, one R-IoT address
 * feeds two signals (one rule per argument), and playing a device (the reverse)
 * gives back the same values. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "osc/device_map.h"

/* liblo's argument pointers are 4-byte aligned only: read the bytes. */
static int32_t arg_i(const lo_arg *a)
{
    int32_t v;
    memcpy(&v, a, sizeof v);
    return v;
}
static float arg_f(const lo_arg *a)
{
    float v;
    memcpy(&v, a, sizeof v);
    return v;
}

/* Decodes a built message the way the daemon would see it and translates it. */
static int roundtrip(const device_map *m, const char *addr, lo_message msg, enum sensor_kind *kind,
                     float *vals, int *n, const char **why)
{
    size_t size = 0;
    void *data = lo_message_serialise(msg, addr, NULL, &size);
    int result = 0;
    lo_message back = lo_message_deserialise(data, size, &result);
    int rc = device_map_translate(m, addr, lo_message_get_types(back), lo_message_get_argv(back),
                                  lo_message_get_argc(back), kind, vals, 32, n, NULL, why);
    lo_message_free(back);
    free(data);
    return rc;
}

static void test_shipped(void)
{
    const char *names[] = {"emotibit", "mindmonitor", "openbci", "polar2osc", "bitalino", "riot"};
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tools/devices", test_env("LULL_SOURCE_DIR"));
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[1200], err[512] = "";
        snprintf(path, sizeof path, "%s/%s.map", dir, names[i]);
        device_map m;
        device_map_init(&m);
        CHECK(device_map_load(&m, path, err, sizeof err) && m.n > 0, "%s: %s", names[i], err);
    }
}

static void expect_error(const char *text, const char *fragment)
{
    device_map m;
    device_map_init(&m);
    char err[512] = "";
    bool ok = device_map_parse(&m, text, "x.map", err, sizeof err);
    CHECK(!ok && strstr(err, fragment) && m.n == 0, "\"%s\" -> \"%s\" (want \"%s\")", text, err,
          fragment);
}

static void test_errors(void)
{
    expect_error("# ok\n\n/a -> /lull/bio/hr\n/b /lull/bio/rr\n", "x.map:4: expected");
    expect_error("/a -> /lull/bio/heart\n", "x.map:1: unknown lull address");
    expect_error("a -> /lull/bio/hr\n", "x.map:1: bad device address");
    expect_error("/a -> /lull/bio/ppg arg=-1\n", "x.map:1: arg must be");
    expect_error("/a -> /lull/bio/ppg scale=0\n", "x.map:1: scale must be");
    expect_error("/a -> /lull/bio/ppg scale=nan\n", "x.map:1: scale must be");
    expect_error("/a -> /lull/bio/ppg rate=fast\n", "x.map:1: rate must be");
    expect_error("/a -> /lull/bio/rr rate=25\n", "x.map:1: rate applies to waveforms");
    expect_error("/a -> /lull/bio/ppg colour=red\n", "x.map:1: unknown option");
    expect_error("/a -> /lull/bio/ppg arg=3 args=2\n", "x.map:1: arg=3 is not among");
    expect_error("/a -> /lull/bio/ppg\n\n/a -> /lull/bio/ecg\n",
                 "x.map:3: /a is already mapped (x.map:1)");
    expect_error("/a -> /lull/bio/ppg type=d\n", "x.map:1: type must be");
    /* One address, several signals: one rule per argument, agreeing on the message. */
    expect_error("/a -> /lull/bio/ecg arg=1 args=3\n/a -> /lull/bio/resp\n",
                 "x.map:2: /a is already mapped (x.map:1); one address feeds several signals only "
                 "with arg=N");
    expect_error("/a -> /lull/bio/ecg arg=1 args=3\n/a -> /lull/bio/resp arg=1 args=3\n",
                 "x.map:2: argument 1 of /a is already mapped (x.map:1)");
    expect_error("/a -> /lull/bio/ecg arg=1 args=3\n/a -> /lull/bio/resp arg=0\n",
                 "x.map:2: /a has args=1 here but args=3 in x.map:1");
    expect_error("/a -> /lull/bio/ecg arg=1 args=3\n# two\n/a -> /lull/bio/resp arg=2 args=4\n",
                 "x.map:3: /a has args=4 here but args=3 in x.map:1");
    expect_error("/a -> /lull/bio/ecg arg=1 args=3 type=i\n/a -> /lull/bio/resp arg=2 args=3\n",
                 "x.map:2: /a has type=f here but type=i in x.map:1");

    /* A failed load leaves what was loaded before. */
    device_map m;
    device_map_init(&m);
    char err[256];
    CHECK(device_map_parse(&m, "/a -> /lull/bio/hr\n", "a.map", err, sizeof err), "%s", err);
    CHECK(!device_map_parse(&m, "/b -> /lull/bio/rr\n/c -> /nope\n", "b.map", err, sizeof err),
          "bad second map refused");
    CHECK(m.n == 1 && device_map_find(&m, "/a") && !device_map_find(&m, "/b"),
          "the first map is untouched (%zu rules)", m.n);
    CHECK(!device_map_load(&m, "/nonexistent/dir/x.map", err, sizeof err) &&
              strstr(err, "/nonexistent/dir/x.map: cannot open"),
          "missing file: %s", err);
}

static void load_shipped(device_map *m, const char *name)
{
    char path[1200], err[512] = "";
    snprintf(path, sizeof path, "%s/tools/devices/%s.map", test_env("LULL_SOURCE_DIR"), name);
    device_map_init(m);
    if (!device_map_load(m, path, err, sizeof err)) CHECK(0, "%s", err);
}

static void test_polar(void)
{
    device_map m;
    load_shipped(&m, "polar2osc");
    /* 1024 units = 1 s; 870 units = 849.6 ms. */
    lo_message msg = lo_message_new();
    lo_message_add_int32(msg, 870);
    enum sensor_kind kind;
    float v[32];
    int n = 0;
    const char *why = "";
    int rc = roundtrip(&m, "/polar/1/ibi", msg, &kind, v, &n, &why);
    lo_message_free(msg);
    CHECK(rc == 1 && kind == SENSOR_RR && n == 1 && fabsf(v[0] - 849.609375f) < 1e-3f,
          "870/1024 s -> %.4f ms (rc %d, %s)", n ? v[0] : -1, rc, why);
    /* Reverse: 1000 ms -> 1024 units, sent as an int as polar2osc does. */
    const device_rule *r = device_map_rule_for(&m, SENSOR_RR);
    float ms = 1000.0f;
    lo_message dev = device_rule_message(r, &ms, 1);
    CHECK(dev && !strcmp(lo_message_get_types(dev), "i") &&
              arg_i(lo_message_get_argv(dev)[0]) == 1024,
          "1000 ms -> 1024 units as int32");
    lo_message_free(dev);
    CHECK(device_map_translate(&m, "/polar/2/ibi", "i", NULL, 0, &kind, v, 32, &n, NULL, &why) == 0,
          "an unmapped address is not ours");
}

static void test_mindmonitor(void)
{
    device_map m;
    load_shipped(&m, "mindmonitor");
    lo_message msg = lo_message_new();
    lo_message_add_float(msg, 11.0f);  /* ambient */
    lo_message_add_float(msg, 222.5f); /* infrared */
    lo_message_add_float(msg, 33.0f);  /* red */
    enum sensor_kind kind;
    float v[32];
    int n = 0;
    const char *why = "";
    int rc = roundtrip(&m, "/muse/ppg", msg, &kind, v, &n, &why);
    lo_message_free(msg);
    CHECK(rc == 1 && kind == SENSOR_PPG && n == 1 && v[0] == 222.5f, "IR channel picked: %g", v[0]);
    const device_rule *r = device_map_find(&m, "/muse/ppg");
    CHECK(r && r->rate == 64.0, "Mind Monitor PPG at 64 Hz");
    /* One float is too few for argument 1. */
    lo_message short_msg = lo_message_new();
    lo_message_add_float(short_msg, 1.0f);
    rc = roundtrip(&m, "/muse/ppg", short_msg, &kind, v, &n, &why);
    lo_message_free(short_msg);
    CHECK(rc == -1 && strstr(why, "fewer arguments"), "short message refused: %s", why);
    /* Reverse: three floats, the value at index 1. */
    float x = 5.0f;
    lo_message dev = device_rule_message(r, &x, 1);
    CHECK(dev && !strcmp(lo_message_get_types(dev), "fff") &&
              arg_f(lo_message_get_argv(dev)[1]) == 5.0f,
          "played as ,fff with IR at index 1");
    lo_message_free(dev);
    CHECK(!device_rule_message(r, v, 2), "an indexed rule carries one sample per message");
}

static void test_bitalino_and_batches(void)
{
    device_map m;
    load_shipped(&m, "bitalino");
    lo_message msg = lo_message_new();
    lo_message_add_int32(msg, 512); /* mid-scale: 0 mV */
    lo_message_add_int32(msg, 853); /* +1.0 mV */
    lo_message_add_string(msg, "x");
    enum sensor_kind kind;
    float v[32];
    int n = 0;
    const char *why = "";
    int rc = roundtrip(&m, "/A2", msg, &kind, v, &n, &why);
    CHECK(rc == -1 && strstr(why, "non-numeric"), "a string in a batch is refused: %s", why);
    lo_message_free(msg);
    msg = lo_message_new();
    lo_message_add_int32(msg, 512);
    lo_message_add_int32(msg, 853);
    rc = roundtrip(&m, "/A2", msg, &kind, v, &n, &why);
    lo_message_free(msg);
    CHECK(rc == 1 && kind == SENSOR_ECG && n == 2 && fabsf(v[0]) < 1e-6f &&
              fabsf(v[1] - 0.999f) < 0.002f,
          "ADC 512, 853 -> %.4f, %.4f mV", v[0], v[1]);
    const device_rule *r = device_map_rule_for(&m, SENSOR_ECG);
    CHECK(r && r->rate == 1000.0 && r->type == 'f', "bitalino-max: floats at 1000 Hz");
    /* bitalino-max sends one float per message (the ADC count) */
    float mv[1] = {1.0f};
    lo_message dev = device_rule_message(r, mv, 1);
    lo_arg **a = dev ? lo_message_get_argv(dev) : NULL;
    CHECK(a && !strcmp(lo_message_get_types(dev), "f") && fabsf(arg_f(a[0]) - 853.33f) < 0.01f,
          "1 mV -> ADC count %g as a float", a ? arg_f(a[0]) : -1.0f);
    lo_message_free(dev);
    /* Non-finite input is refused. */
    msg = lo_message_new();
    lo_message_add_float(msg, NAN);
    rc = roundtrip(&m, "/A3", msg, &kind, v, &n, &why);
    lo_message_free(msg);
    CHECK(rc == -1 && strstr(why, "non-finite"), "NaN refused: %s", why);
}

/* The R-IoT's /0/bitalino: 11 ints, A2 (argument 6) -> ECG, A3 (7) -> resp. */
static void test_riot(void)
{
    device_map m;
    load_shipped(&m, "riot");
    lo_message msg = lo_message_new();
    int frame[11] = {3, 0, 0, 1, 1, 100, 853, 717, 512, 31, 31};
    for (int i = 0; i < 11; i++) lo_message_add_int32(msg, frame[i]);
    size_t size = 0;
    void *data = lo_message_serialise(msg, "/0/bitalino", NULL, &size);
    int result = 0;
    lo_message back = lo_message_deserialise(data, size, &result);
    float v[32];
    device_output outs[4];
    const char *why = "";
    int n = device_map_translate_all(&m, "/0/bitalino", lo_message_get_types(back),
                                     lo_message_get_argv(back), lo_message_get_argc(back), v, 32,
                                     outs, 4, &why, NULL);
    CHECK(n == 2 && outs[0].kind == SENSOR_ECG && outs[1].kind == SENSOR_RESP &&
              outs[0].count == 1 && outs[1].count == 1,
          "one message, two signals (%d outputs: %s)", n, why);
    if (n == 2) {
        float ecg = v[outs[0].first], resp = v[outs[1].first];
        /* ADC 853 -> +1.0 mV; ADC 717 -> 717 x 100/1024 - 50 = 20.0 % */
        CHECK(fabsf(ecg - 0.999f) < 0.002f && fabsf(resp - 20.02f) < 0.01f,
              "A2 853 -> %.4f mV, A3 717 -> %.3f %%", ecg, resp);
    }
    /* A message cut before A3 feeds neither signal. */
    n = device_map_translate_all(&m, "/0/bitalino", lo_message_get_types(back),
                                 lo_message_get_argv(back), 7, v, 32, outs, 4, &why, NULL);
    CHECK(n == -1 && strstr(why, "fewer arguments"), "cut message refused whole: %d %s", n, why);
    CHECK(device_map_translate_all(&m, "/1/bitalino", "i", NULL, 0, v, 32, outs, 4, &why, NULL) ==
              0,
          "another module ID is not mapped");
    lo_message_free(back);
    lo_message_free(msg);
    free(data);
}

int main(void)
{
    test_shipped();
    test_errors();
    test_polar();
    test_mindmonitor();
    test_bitalino_and_batches();
    test_riot();
    return check_finish("test_sim_device_map");
}

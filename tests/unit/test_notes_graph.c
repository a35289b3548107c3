/* Note events between nodes (ABI 1.2), host side: presets wire note outputs to note
 * inputs through the real preset parser, plan_compile builds the routing and
 * plan_run delivers the notes. Test plugins (tests/plugins/note_*.c): note_source
 * emits notes at exact frames, note_relay forwards them, note_sink logs every note
 * it receives with its absolute frame and writes an impulse at its offset.
 *
 * Proves: notes arrive on the exact frame they were sent, in the same block, across
 * sub-block sizes 1..64 and through the engine at host blocks 1/64/93/256; fan-in
 * merges by offset then connection order; ports are the receiver's indices;
 * capacity LULL_MAX_NOTES holds and the rest is counted; loops and kind mismatches
 * are refused at line:column; note ports are validated in the registry; an ABI 1.1
 * plugin still loads and runs; plugin-check passes the good note plugins and fails
 * the broken ones. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "engine/engine.h"
#include "engine_fixture.h"
#include "graph/plan.h"
#include "plugin/plugin_check.h"
#include "plugin/registry.h"
#include "preset/preset.h"

#define RATE 48000.0

/* The sink's log, as tests/plugins/note_sink.c lays it out. */
typedef struct {
    uint64_t seed, frame;
    lull_note note;
} sink_entry;
typedef struct {
    uint32_t count;
    sink_entry entries[65536];
} sink_log;

static char test_plugin_dir[4096];
static sink_log *g_log;

static void plugin_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s.so", test_plugin_dir, name);
}

static plugin_registry *load_registry(void)
{
    plugin_registry *reg = registry_new();
    const char *names[] = {"note_source", "note_sink", "note_relay", "note_abi11"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[4200], err[1024];
        plugin_path(path, sizeof path, names[i]);
        bool loaded = registry_load_file(reg, path, err, sizeof err);
        CHECK(loaded, "%s refused: %s", names[i], err);
        if (!loaded) exit(check_finish("test_notes_graph"));
    }
    /* The sink's log lives in the loaded object: reach it without loading it twice. */
    char path[4200];
    plugin_path(path, sizeof path, "note_sink");
    void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    sink_log *(*fn)(void) = NULL;
    if (h) *(void **)&fn = dlsym(h, "note_sink_log");
    CHECK(fn != NULL, "note_sink_log not found in %s", path);
    if (!fn) exit(check_finish("test_notes_graph"));
    g_log = fn();
    return reg;
}

static lull_plan *compile(const plugin_registry *reg, const char *json, const char *what)
{
    char err[1024] = "";
    lull_preset *p = preset_load_string(json, what, reg, err, sizeof err);
    CHECK(p != NULL, "%s refused: %s", what, err);
    if (!p) return NULL;
    lull_plan *plan = plan_compile(p, RATE, NULL, err, sizeof err);
    CHECK(plan != NULL, "%s: plan_compile failed: %s", what, err);
    preset_free(p);
    return plan;
}

/* Runs `frames` in sub-blocks cycling through `sizes` (each 1..64); left output into
 * `out` (may be NULL). */
static void run_plan(lull_plan *plan, uint64_t frames, const uint32_t *sizes, size_t nsizes,
                     float *out)
{
    lull_clocks clk = {.sample_rate = RATE,
                       .tempo_bpm = 60,
                       .beat_inc = 1.0 / RATE,
                       .pacer_rate = 6,
                       .pacer_phase_inc = 0.1 / RATE,
                       .inhale_fraction = 0.4};
    size_t k = 0;
    for (uint64_t done = 0; done < frames;) {
        uint32_t n = sizes[k++ % nsizes];
        if (n > frames - done) n = (uint32_t)(frames - done);
        clk.frame = done;
        plan_run(plan, &clk, NULL, 0, n);
        if (out) memcpy(out + done, plan->out_buf[0], n * sizeof(float));
        done += n;
    }
}

/* ---- timing ------------------------------------------------------------------------ */

/* source (every 37 frames from frame 5) -> relay -> sink, and the source straight
 * into the sink's second input: every note on its exact frame, in the same block
 * (two hops), for several sub-block patterns. */
static const char *k_chain =
    "{\"lull_preset\": 1,\n"
    " \"nodes\": [{\"name\": \"src\", \"type\": \"note_source\", \"params\": {\"period\": 37, "
    "\"phase\": 5, \"pitch\": 60}},\n"
    "           {\"name\": \"relay\", \"type\": \"note_relay\"},\n"
    "           {\"name\": \"sink\", \"type\": \"note_sink\"}],\n"
    " \"connections\": [{\"from\": \"src:notes\", \"to\": \"relay:notes_in\"},\n"
    "                 {\"from\": \"relay:notes_out\", \"to\": \"sink:a\"},\n"
    "                 {\"from\": \"src:notes\", \"to\": \"sink:b\"},\n"
    "                 {\"from\": \"sink:out\", \"to\": \"out:left\"},\n"
    "                 {\"from\": \"sink:out\", \"to\": \"out:right\"}]}\n";

static void test_timing(const plugin_registry *reg)
{
    static const uint32_t p32[] = {32}, p1[] = {1}, p64[] = {64},
                          pmix[] = {64, 17, 1, 33, 63, 7, 32};
    const struct {
        const char *name;
        const uint32_t *sizes;
        size_t n;
    } patterns[] = {{"32 (the engine's)", p32, 1},
                    {"1", p1, 1},
                    {"64", p64, 1},
                    {"64,17,1,33,63,7,32", pmix, 7}};
    const uint64_t frames = 4800;
    const uint64_t expected_notes = (frames - 5 + 36) / 37; /* frames 5, 42, ... < 4800 */
    for (size_t pi = 0; pi < sizeof patterns / sizeof patterns[0]; pi++) {
        lull_plan *plan = compile(reg, k_chain, "chain");
        if (!plan) return;
        g_log->count = 0;
        float *out = calloc(frames, sizeof(float));
        run_plan(plan, frames, patterns[pi].sizes, patterns[pi].n, out);
        uint32_t count = g_log->count, wrong_frame = 0, wrong_order = 0, wrong_pitch = 0;
        uint64_t per_port[2] = {0, 0};
        for (uint32_t i = 0; i < count && i < 65536; i++) {
            const sink_entry *e = &g_log->entries[i];
            uint64_t k = (uint64_t)e->note.duration_s; /* the source's note number */
            if (e->frame != 5 + 37 * k) wrong_frame++;
            /* both copies of note k arrive at one frame: a (relay, first connection
             * into the sink's a... ) and b; a is port 0, b port 1 */
            if (e->note.port > 1) continue;
            per_port[e->note.port]++;
            if (e->note.pitch != (e->note.port == 0 ? 72.0f : 60.0f)) wrong_pitch++;
            if (i > 0 && g_log->entries[i - 1].frame > e->frame) wrong_order++;
        }
        /* impulses: height 1 (port a) + 2 (port b) = 3 at every note frame, 0 elsewhere */
        uint64_t impulse_faults = 0;
        for (uint64_t f = 0; f < frames; f++) {
            float want = (f >= 5 && (f - 5) % 37 == 0) ? 3.0f : 0.0f;
            impulse_faults += out[f] != want;
        }
        fprintf(stderr,
                "chain, sub-blocks %s: %u notes received (want %llu per port x 2), "
                "%u off their frame, %llu output samples wrong, dropped %llu\n",
                patterns[pi].name, count, (unsigned long long)expected_notes, wrong_frame,
                (unsigned long long)impulse_faults, (unsigned long long)plan->notes_dropped);
        CHECK(per_port[0] == expected_notes && per_port[1] == expected_notes,
              "sub-blocks %s: %llu notes on a, %llu on b, want %llu each", patterns[pi].name,
              (unsigned long long)per_port[0], (unsigned long long)per_port[1],
              (unsigned long long)expected_notes);
        CHECK(wrong_frame == 0, "sub-blocks %s: %u notes not on frame 5 + 37k", patterns[pi].name,
              wrong_frame);
        CHECK(wrong_order == 0, "sub-blocks %s: %u notes out of order", patterns[pi].name,
              wrong_order);
        CHECK(wrong_pitch == 0, "sub-blocks %s: %u notes with the wrong pitch (relay adds 12)",
              patterns[pi].name, wrong_pitch);
        CHECK(impulse_faults == 0,
              "sub-blocks %s: %llu output samples differ from the impulse "
              "train",
              patterns[pi].name, (unsigned long long)impulse_faults);
        CHECK(plan->notes_dropped == 0, "nothing dropped: %llu",
              (unsigned long long)plan->notes_dropped);
        free(out);
        plan_free(plan);
    }
}

/* ---- fan-in, fan-out, ports, capacity ------------------------------------------------ */

/* s2 is connected before s1, so at a frame both send on, s2's note comes first;
 * s3 sends on its "alt" output (port 1) into the sink's b; s4 sends on "alt" too but
 * only its "notes" output is connected, so nothing of it arrives. s1 fans out to a
 * second sink's b. */
static const char *k_fan =
    "{\"lull_preset\": 1,\n"
    " \"nodes\": [{\"name\": \"s1\", \"type\": \"note_source\", \"params\": {\"period\": 10, "
    "\"pitch\": 40}},\n"
    "           {\"name\": \"s2\", \"type\": \"note_source\", \"params\": {\"period\": 15, "
    "\"pitch\": 50}},\n"
    "           {\"name\": \"s3\", \"type\": \"note_source\", \"params\": {\"period\": 4, "
    "\"phase\": 2, \"pitch\": 70, \"port\": 1}},\n"
    "           {\"name\": \"s4\", \"type\": \"note_source\", \"params\": {\"period\": 3, "
    "\"pitch\": 90, \"port\": 1}},\n"
    "           {\"name\": \"sink\", \"type\": \"note_sink\"},\n"
    "           {\"name\": \"sink2\", \"type\": \"note_sink\"}],\n"
    " \"connections\": [{\"from\": \"s2:notes\", \"to\": \"sink:a\"},\n"
    "                 {\"from\": \"s1:notes\", \"to\": \"sink:a\"},\n"
    "                 {\"from\": \"s3:alt\", \"to\": \"sink:b\"},\n"
    "                 {\"from\": \"s4:notes\", \"to\": \"sink:b\"},\n"
    "                 {\"from\": \"s1:notes\", \"to\": \"sink2:b\"},\n"
    "                 {\"from\": \"sink:out\", \"to\": \"out:left\"},\n"
    "                 {\"from\": \"sink2:out\", \"to\": \"out:right\"}]}\n";

static void test_fan(const plugin_registry *reg)
{
    lull_plan *plan = compile(reg, k_fan, "fan");
    if (!plan) return;
    g_log->count = 0;
    static const uint32_t sizes[] = {32};
    const uint64_t frames = 960;
    run_plan(plan, frames, sizes, 1, NULL);
    /* What the sink must see, in order: at each frame s2 (pitch 50), s1 (40) on port
     * 0, then s3 (70) on port 1, merged across the whole 32-frame block by offset. */
    uint64_t seed_sink = 0, seed_sink2 = 0;
    {
        /* node_seed is FNV-1a of the name (node_runtime.h); the log tells instances apart */
        seed_sink = node_seed("sink");
        seed_sink2 = node_seed("sink2");
    }
    uint32_t i = 0, mismatches = 0, n_sink = 0, n_sink2 = 0, sink2_bad = 0, s4_seen = 0;
    const sink_entry *e = g_log->entries;
    uint32_t count = g_log->count;
    for (uint32_t k = 0; k < count; k++) {
        if (e[k].seed == seed_sink2) {
            n_sink2++;
            sink2_bad += e[k].note.port != 1 || e[k].note.pitch != 40.0f || e[k].frame % 10 != 0;
        } else if (e[k].seed == seed_sink) {
            n_sink++;
            s4_seen += e[k].note.pitch == 90.0f;
        }
    }
    for (uint64_t f = 0; f < frames; f++) {
        struct {
            bool on;
            float pitch;
            uint32_t port;
        } want[3] = {
            {f % 15 == 0, 50, 0}, {f % 10 == 0, 40, 0}, {f >= 2 && (f - 2) % 4 == 0, 70, 1}};
        for (int w = 0; w < 3; w++) {
            if (!want[w].on) continue;
            while (i < count && e[i].seed != seed_sink) i++;
            if (i >= count || e[i].frame != f || e[i].note.pitch != want[w].pitch ||
                e[i].note.port != want[w].port) {
                if (mismatches++ < 3)
                    fprintf(stderr,
                            "  frame %llu: want pitch %g port %u, got frame %llu pitch %g "
                            "port %u\n",
                            (unsigned long long)f, want[w].pitch, want[w].port,
                            i < count ? (unsigned long long)e[i].frame : 0ull,
                            i < count ? e[i].note.pitch : -1.0f, i < count ? e[i].note.port : 99u);
            }
            i++;
        }
    }
    fprintf(stderr,
            "fan-in: sink got %u notes (s1+s2+s3 in %llu frames), %u out of the expected "
            "order; fan-out: sink2 got %u (%u wrong)\n",
            n_sink, (unsigned long long)frames, mismatches, n_sink2, sink2_bad);
    CHECK(mismatches == 0, "fan-in: %u notes not in (offset, connection) order", mismatches);
    CHECK(n_sink == 96 + 64 + 240, "fan-in: sink got %u notes, want 96 + 64 + 240", n_sink);
    CHECK(s4_seen == 0, "s4 sends on \"alt\", only its \"notes\" is wired: %u leaked", s4_seen);
    CHECK(n_sink2 == 96 && sink2_bad == 0,
          "fan-out: sink2 got %u notes (%u wrong), want 96 on "
          "port 1",
          n_sink2, sink2_bad);
    plan_free(plan);
}

/* Two sources of 64-note bursts on the same frames: the receiver gets LULL_MAX_NOTES,
 * the first connection's first, and the plan counts the rest as dropped. */
static void test_capacity(const plugin_registry *reg)
{
    const char *json =
        "{\"lull_preset\": 1,\n"
        " \"nodes\": [{\"name\": \"s1\", \"type\": \"note_source\", \"params\": {\"period\": 32, "
        "\"burst\": 64, \"pitch\": 40}},\n"
        "           {\"name\": \"s2\", \"type\": \"note_source\", \"params\": {\"period\": 32, "
        "\"burst\": 64, \"pitch\": 50}},\n"
        "           {\"name\": \"sink\", \"type\": \"note_sink\"}],\n"
        " \"connections\": [{\"from\": \"s1:notes\", \"to\": \"sink:a\"},\n"
        "                 {\"from\": \"s2:notes\", \"to\": \"sink:b\"},\n"
        "                 {\"from\": \"sink:out\", \"to\": \"out:left\"},\n"
        "                 {\"from\": \"sink:out\", \"to\": \"out:right\"}]}\n";
    lull_plan *plan = compile(reg, json, "capacity");
    if (!plan) return;
    g_log->count = 0;
    static const uint32_t sizes[] = {32};
    run_plan(plan, 320, sizes, 1, NULL); /* 10 blocks, 128 notes sent into each */
    uint32_t from_s2 = 0;
    for (uint32_t k = 0; k < g_log->count; k++) from_s2 += g_log->entries[k].note.pitch == 50.0f;
    fprintf(stderr,
            "capacity: 10 blocks x 128 notes sent, %u delivered (%u from the second "
            "connection), %llu dropped\n",
            g_log->count, from_s2, (unsigned long long)plan->notes_dropped);
    CHECK(g_log->count == 10 * LULL_MAX_NOTES, "delivered %u, want %u", g_log->count,
          10 * LULL_MAX_NOTES);
    CHECK(from_s2 == 0, "ties go to the first connection: %u of the second's got in", from_s2);
    CHECK(plan->notes_dropped == 10 * LULL_MAX_NOTES, "dropped %llu, want %u",
          (unsigned long long)plan->notes_dropped, 10 * LULL_MAX_NOTES);
    plan_free(plan);
}

/* ---- refusals ------------------------------------------------------------------------ */

/* Line and column (1-based) of the n-th occurrence of `needle` in `text`. */
static void position_of(const char *text, const char *needle, int nth, int *line, int *column)
{
    const char *at = text;
    for (int k = 0; k <= nth && at; k++) at = strstr(k ? at + 1 : at, needle);
    *line = 1;
    *column = 1;
    for (const char *c = text; at && c < at; c++) {
        if (*c == '\n') {
            (*line)++;
            *column = 1;
        } else {
            (*column)++;
        }
    }
}

/* The preset must be refused at the n-th occurrence of `at` with `fragment`. */
static void expect_refused(const plugin_registry *reg, const char *json, const char *at, int nth,
                           const char *fragment)
{
    char err[1024] = "", prefix[64];
    lull_preset *p = preset_load_string(json, "t.json", reg, err, sizeof err);
    CHECK(p == NULL, "accepted: %s", json);
    preset_free(p);
    int line, column;
    position_of(json, at, nth, &line, &column);
    snprintf(prefix, sizeof prefix, "t.json:%d:%d: ", line, column);
    CHECK(strncmp(err, prefix, strlen(prefix)) == 0 && strstr(err, fragment),
          "expected \"%s...%s\", got \"%s\"", prefix, fragment, err);
    fprintf(stderr, "refused as expected: %s\n", err);
}

#define PRESET(nodes, conns)                                                                       \
    "{\"lull_preset\": 1,\n \"nodes\": [" nodes "],\n \"connections\": [" conns "]}\n"
#define NODES_SRS                                                                                  \
    "{\"name\": \"src\", \"type\": \"note_source\"}, {\"name\": \"r1\", \"type\": "                \
    "\"note_relay\"},\n"                                                                           \
    "  {\"name\": \"r2\", \"type\": \"note_relay\"}, {\"name\": \"sink\", \"type\": "              \
    "\"note_sink\"}"
#define TO_OUT                                                                                     \
    "{\"from\": \"sink:out\", \"to\": \"out:left\"}, {\"from\": \"sink:out\", \"to\": "            \
    "\"out:right\"}"

static void test_refusals(const plugin_registry *reg)
{
    /* a loop of note connections */
    expect_refused(reg,
                   PRESET(NODES_SRS,
                          "{\"from\": \"r1:notes_out\", \"to\": \"r2:notes_in\"},\n"
                          "  {\"from\": \"r2:notes_out\", \"to\": \"r1:notes_in\"},\n  " TO_OUT),
                   "{\"from\": \"r2:notes_out\"", 0,
                   "cycle through node \"r1\": r1->r2->r1 (a graph cannot feed back into itself; "
                   "a loop of note connections is a cycle too)");
    /* a loop made of one audio and one note connection */
    expect_refused(reg,
                   PRESET(NODES_SRS,
                          "{\"from\": \"r1:out\", \"to\": \"r2:in\"},\n"
                          "  {\"from\": \"r2:notes_out\", \"to\": \"r1:notes_in\"},\n  " TO_OUT),
                   "{\"from\": \"r2:notes_out\"", 0,
                   "cycle through node \"r1\": r1->r2->r1 (a graph cannot feed back into itself; "
                   "note connections are edges like audio ones)");
    /* a node feeding its own note input */
    expect_refused(
        reg, PRESET(NODES_SRS, "{\"from\": \"r1:notes_out\", \"to\": \"r1:notes_in\"},\n  " TO_OUT),
        "{\"from\": \"r1:notes_out\"", 0, "cycle through node \"r1\": r1->r1");
    /* note output into an audio input */
    expect_refused(reg,
                   PRESET(NODES_SRS, "{\"from\": \"src:notes\", \"to\": \"sink:in\"},\n  " TO_OUT),
                   "\"sink:in\"", 0,
                   "\"src:notes\" is a note output and \"sink:in\" is an audio input: a connection "
                   "joins ports of one kind (note inputs of sink: a, b; or audio outputs of src: "
                   "none)");
    /* audio output into a note input */
    expect_refused(reg, PRESET(NODES_SRS, "{\"from\": \"r1:out\", \"to\": \"sink:b\"},\n  " TO_OUT),
                   "\"sink:b\"", 0,
                   "\"r1:out\" is an audio output and \"sink:b\" is a note input: a connection "
                   "joins ports of one kind (audio inputs of sink: in; or note outputs of r1: "
                   "notes_out)");
    /* notes to the preset's output */
    expect_refused(reg,
                   PRESET(NODES_SRS, "{\"from\": \"src:alt\", \"to\": \"out:left\"},\n  " TO_OUT),
                   "\"out:left\"", 0,
                   "\"src:alt\" is a note output and \"out:left\" is an audio input: a connection "
                   "joins ports of one kind (the output takes no notes, only audio; or audio "
                   "outputs of src: none)");
    /* gain on a note connection, pointed at the key */
    expect_refused(
        reg,
        PRESET(NODES_SRS,
               "{\"from\": \"src:notes\", \"to\": \"sink:a\", \"gain\": 0.5},\n  " TO_OUT),
        "\"gain\"", 0, "connections[0].gain: a note connection has no gain");
    /* the same note connection twice */
    expect_refused(reg,
                   PRESET(NODES_SRS, "{\"from\": \"src:notes\", \"to\": \"sink:a\"},\n"
                                     "  {\"from\": \"src:notes\", \"to\": \"sink:a\"},\n  " TO_OUT),
                   "{\"from\": \"src:notes\"", 1, "duplicate note connection from \"src:notes\"");
    /* an unknown port lists the note ports too */
    expect_refused(
        reg, PRESET(NODES_SRS, "{\"from\": \"src:notes\", \"to\": \"sink:c\"},\n  " TO_OUT),
        "\"sink:c\"", 0,
        "node \"sink\" (note_sink) has no input port \"c\" (inputs: in; note inputs: a, b)");
}

/* ---- the registry ---------------------------------------------------------------------- */

static void *d_create(const lull_descriptor *d, const lull_host *h)
{
    (void)d;
    (void)h;
    return NULL;
}
static bool d_activate(void *s, double r, uint32_t m)
{
    (void)s;
    (void)r;
    (void)m;
    return false;
}
static void d_process(void *s, const lull_process *c)
{
    (void)s;
    (void)c;
}
static void d_void(void *s) { (void)s; }

static void expect_descriptor_refused(lull_descriptor d, const char *fragment)
{
    char err[512] = "";
    bool ok = descriptor_validate(&d, err, sizeof err);
    CHECK(!ok && strstr(err, fragment), "want \"%s\", got %s \"%s\"", fragment,
          ok ? "accepted" : "refused:", err);
    /* through the registry, the message names the origin */
    const lull_descriptor *list[] = {&d};
    lull_plugin_entry e = {LULL_ABI_MAJOR, LULL_ABI_MINOR, sizeof e, 1, list};
    plugin_registry *r = registry_new();
    char rerr[1024] = "";
    CHECK(!registry_add_entry(r, &e, "my_plugin.so", rerr, sizeof rerr) &&
              strstr(rerr, "my_plugin.so: descriptor 0: ") && strstr(rerr, fragment),
          "registry: want \"my_plugin.so: descriptor 0: ...%s\", got \"%s\"", fragment, rerr);
    registry_free(r);
}

static void test_registry(const plugin_registry *reg)
{
    static const lull_port_info in[] = {{"in"}}, out[] = {{"out"}}, notes[] = {{"notes"}},
                                dup[] = {{"a"}, {"a"}}, clash_in[] = {{"in"}}, bad[] = {{"Notes"}};
    static lull_port_info many[17];
    static char names[17][8];
    for (int i = 0; i < 17; i++) {
        snprintf(names[i], sizeof names[i], "p%d", i);
        many[i].id = names[i];
    }
    lull_descriptor base = {.struct_size = sizeof(lull_descriptor),
                            .id = "t",
                            .name = "t",
                            .version = "1",
                            .input_count = 1,
                            .inputs = in,
                            .output_count = 1,
                            .outputs = out,
                            .create = d_create,
                            .activate = d_activate,
                            .process = d_process,
                            .deactivate = d_void,
                            .destroy = d_void};
    char err[512];
    lull_descriptor d = base;
    d.note_input_count = 1, d.note_inputs = notes, d.note_output_count = 1, d.note_outputs = notes;
    CHECK(descriptor_validate(&d, err, sizeof err), "note ports named alike on both sides: %s",
          err);

    d = base, d.note_input_count = 1, d.note_inputs = clash_in;
    expect_descriptor_refused(d, "note input \"in\" has the id of an audio input");
    d = base, d.note_output_count = 1, d.note_outputs = out;
    expect_descriptor_refused(d, "note output \"out\" has the id of an audio output");
    d = base, d.note_input_count = 2, d.note_inputs = dup;
    expect_descriptor_refused(d, "note input port \"a\" is declared twice");
    d = base, d.note_output_count = 1, d.note_outputs = bad;
    expect_descriptor_refused(d, "note output port 0: id \"Notes\" is not [a-z0-9_]+");
    d = base, d.note_input_count = 17, d.note_inputs = many;
    expect_descriptor_refused(d, "17 note inputs and 0 note outputs (at most 16 each)");
    d = base, d.note_output_count = 2, d.note_outputs = NULL;
    expect_descriptor_refused(d, "note output: 2 ports declared but the array is NULL");
    d = base, d.sound_slot_count = 9, d.sound_slots = many;
    expect_descriptor_refused(d, "9 sound slots (at most 8)");
    d = base, d.sound_slot_count = 2, d.sound_slots = dup;
    expect_descriptor_refused(d, "sound slot port \"a\" is declared twice");
    d = base, d.struct_size = (uint32_t)LULL_DESCRIPTOR_SIZE_1_1 - 8;
    expect_descriptor_refused(d, "smaller than");

    /* ABI 1.1: a short descriptor with garbage after it loads, reads as no note ports
     * and no sound slots, and runs. */
    const lull_descriptor *old = registry_find(reg, "note_abi11");
    CHECK(old != NULL, "the ABI 1.1 plugin is loaded");
    if (!old) return;
    CHECK(old->struct_size == LULL_DESCRIPTOR_SIZE_1_1 && old->note_input_count == 0 &&
              old->note_inputs == NULL && old->note_output_count == 0 &&
              old->sound_slot_count == 0 && old->sound_slots == NULL,
          "the registry's copy of a 1.1 descriptor: struct_size %u, note ports %u/%u, slots %u",
          old->struct_size, old->note_input_count, old->note_output_count, old->sound_slot_count);
    const lull_descriptor *src = registry_find(reg, "note_source");
    CHECK(src && src->note_output_count == 2 && strcmp(src->note_outputs[1].id, "alt") == 0,
          "a 1.2 descriptor keeps its note ports");
    const char *json = PRESET("{\"name\": \"src\", \"type\": \"note_source\", \"params\": "
                              "{\"period\": 8}}, {\"name\": \"sink\", \"type\": \"note_sink\"},\n"
                              "  {\"name\": \"half\", \"type\": \"note_abi11\"}",
                              "{\"from\": \"src:notes\", \"to\": \"sink:a\"},\n"
                              "  {\"from\": \"sink:out\", \"to\": \"half:in\"},\n"
                              "  {\"from\": \"half:out\", \"to\": \"out:left\"},\n"
                              "  {\"from\": \"half:out\", \"to\": \"out:right\"}");
    lull_plan *plan = compile(reg, json, "abi11");
    if (!plan) return;
    float rendered[256];
    static const uint32_t sizes[] = {32};
    run_plan(plan, 256, sizes, 1, rendered);
    uint32_t bad_frames = 0;
    for (uint32_t f = 0; f < 256; f++) bad_frames += rendered[f] != (f % 8 == 0 ? 0.5f : 0.0f);
    fprintf(stderr, "ABI 1.1 node in a 1.2 graph: %u of 256 frames wrong\n", bad_frames);
    CHECK(bad_frames == 0, "the 1.1 node halves the sink's impulses: %u frames wrong", bad_frames);
    plan_free(plan);
}

/* ---- through the engine, any host block size ----------------------------------------------- */

/* The engine cuts any host period into fixed sub-blocks (LULL_ENGINE_BLOCK); the notes must land on
 * the same frames whatever the host's period. The output passes the safety stage
 * (DC blocker, limiter), so the test compares renders bit for bit across host
 * blocks and finds the impulses as local peaks at one constant delay. */
static void test_engine(void)
{
    char dir[] = "/tmp/lull-notes-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0, "mkdtemp failed");
        return;
    }
    const char *names[] = {"note_source", "note_sink"};
    char links[2][4400];
    for (int i = 0; i < 2; i++) {
        char target[4200];
        plugin_path(target, sizeof target, names[i]);
        snprintf(links[i], sizeof links[i], "%s/%s.so", dir, names[i]);
        CHECK(symlink(target, links[i]) == 0, "symlink %s", links[i]);
    }
    const char *preset = fx_preset_file(
        PRESET("{\"name\": \"src\", \"type\": \"note_source\", \"params\": {\"period\": 997, "
               "\"phase\": 301}}, {\"name\": \"sink\", \"type\": \"note_sink\"}",
               "{\"from\": \"src:notes\", \"to\": \"sink:a\"},\n  " TO_OUT));
    static const uint32_t blocks[] = {1, 64, 93, 256};
    const size_t frames = 48000;
    float *ref = NULL;
    for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
        lull_engine_config c;
        lull_engine_config_defaults(&c);
        c.sample_rate = RATE;
        c.threaded = false;
        c.fade_in_s = 0.01f; /* the safety stage's shortest: impulses from the start */
        c.plugin_dirs[0] = dir;
        c.plugin_dirs[1] = NULL;
        char err[1024];
        lull_engine *e = lull_engine_create(&c, err, sizeof err);
        CHECK(e != NULL, "engine: %s", err);
        if (!e) break;
        char why[1024] = "";
        bool loaded = fx_load(e, preset, 0.0f, why, sizeof why);
        CHECK(loaded, "preset refused: %s", why);
        float *l = calloc(frames, sizeof(float)), *r = calloc(frames, sizeof(float));
        fx_render(e, l, r, frames, blocks[b]);
        lull_engine_destroy(e);
        if (!ref) {
            /* local peaks above 1 % of the largest: one per note, at a fixed delay */
            float peak = 0;
            for (size_t f = 0; f < frames; f++) peak = fabsf(l[f]) > peak ? fabsf(l[f]) : peak;
            uint32_t found = 0, off_delay = 0;
            long delay = -1;
            for (size_t f = 1; f + 1 < frames; f++) {
                if (!(l[f] > 0.01f * peak && l[f] > l[f - 1] && l[f] >= l[f + 1])) continue;
                long k = ((long)f - 301) / 997, d = (long)f - 301 - 997 * k;
                if (delay < 0) delay = d;
                off_delay += d != delay;
                found++;
            }
            uint32_t want = (uint32_t)((frames - 301 + 996) / 997);
            fprintf(stderr,
                    "engine, host block %u: %u impulses found (notes sent: %u), every "
                    "one %ld frames after its note frame (%u not), peak %.3f\n",
                    blocks[b], found, want, delay, off_delay, peak);
            /* the last note may fall within the output delay of the end */
            CHECK(found + 1 >= want && found <= want && off_delay == 0 && peak > 0,
                  "impulses: %u found for %u notes, %u at another delay", found, want, off_delay);
            ref = l;
        } else {
            size_t first = frames;
            for (size_t f = 0; f < frames && first == frames; f++)
                if (memcmp(&l[f], &ref[f], sizeof(float)) != 0) first = f;
            fprintf(stderr, "engine, host block %u: %s\n", blocks[b],
                    first == frames ? "bit-identical to host block 1" : "DIFFERS");
            CHECK(first == frames, "host block %u differs from host block 1 at frame %zu",
                  blocks[b], first);
            free(l);
        }
        free(r);
    }
    free(ref);
    for (int i = 0; i < 2; i++) unlink(links[i]);
    rmdir(dir);
}

/* ---- plugin-check ---------------------------------------------------------------------- */

static char *check_file(const char *name, int *status)
{
    char path[4200];
    plugin_path(path, sizeof path, name);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    *status = plugin_check_run(path, f);
    fclose(f);
    return text;
}

static void test_plugin_check(void)
{
    const char *good[] = {"note_source", "note_sink", "note_relay", "note_abi11"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int status;
        char *text = check_file(good[i], &status);
        CHECK(status == 0 && strstr(text, "RESULT: PASS"), "%s should pass:\n%s", good[i], text);
        if (i < 3)
            CHECK(strstr(text, "PASS  notes"), "%s: no notes check in the report:\n%s", good[i],
                  text);
        if (i == 0 || i == 2) {
            const char *line = strstr(text, "PASS  notes");
            if (line) fprintf(stderr, "%s: %.*s\n", good[i], (int)strcspn(line, "\n"), line);
        }
        free(text);
    }
    const struct {
        const char *name, *phrase;
    } bad[] = {
        {"bad_notes", "in a block of 64 frames (offsets are 0..frames-1)"},
        {"bad_notes_order", "emit notes in non-decreasing offset order"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int status;
        char *text = check_file(bad[i].name, &status);
        CHECK(status != 0 && strstr(text, "RESULT: FAIL") && strstr(text, "FAIL  signals") &&
                  strstr(text, "emitted notes: ") && strstr(text, bad[i].phrase),
              "%s must fail naming \"%s\":\n%s", bad[i].name, bad[i].phrase, text);
        const char *line = strstr(text, "FAIL  signals");
        if (line) fprintf(stderr, "%s: %.*s\n", bad[i].name, (int)strcspn(line, "\n"), line);
        free(text);
    }
}

int main(void)
{
    const char *plugin_dir = test_env("LULL_PLUGIN_DIR");
    const char *tp = getenv("LULL_TEST_PLUGIN_DIR");
    if (tp && *tp)
        snprintf(test_plugin_dir, sizeof test_plugin_dir, "%s", tp);
    else /* tests/plugins/CMakeLists.txt puts them beside the plugin directory */
        snprintf(test_plugin_dir, sizeof test_plugin_dir, "%s/../test-plugins", plugin_dir);

    plugin_registry *reg = load_registry();
    test_timing(reg);
    test_fan(reg);
    test_capacity(reg);
    test_refusals(reg);
    test_registry(reg);
    test_engine();
    test_plugin_check();
    registry_free(reg);
    return check_finish("test_notes_graph");
}

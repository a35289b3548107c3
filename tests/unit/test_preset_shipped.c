/* The shipped preset library (every .json in presets/) against the real plugins
 * ($LULL_PLUGIN_DIR): what the project promises of every preset a therapist can
 * choose, checked on the validated preset and on its sound.
 *
 * Each preset:
 *   - validates, and has a display name, a description a therapist can read, tags
 *     and a loudness target;
 *   - follows the breath pacer (a swell node or a mapping from a pacer source);
 *   - follows the heart with its tempo (tempo.follow_heart > 0, floor < ceiling) and
 *     has a layer whose pace is the tempo: a pattern (steps on the beat), a
 *     sampler/stretch/grain with tempo_follow > 0, a delay synced in beats or an
 *     envelope triggered on the beat;
 *   - darkens as the client calms: heart.rate or arousal maps onto a parameter in
 *     Hz (a cutoff, a damping), rising with the source;
 *   - thins its events as the client calms: every pattern's density (or register)
 *     is mapped from arousal or heart.rate, rising with it;
 *   - starts every struck or triggered sound gently: bowl, sampler one-shot and
 *     envelope attacks are at least 25 ms, the rise beyond which the startle blink
 *     falls off (Blumenthal & Berg 1986, Psychophysiology 23:635; see docs/nodes.md),
 *     and no modulation takes an attack below that;
 *   - glides to neutral on sensor loss (stale_glide of at least 2 s);
 *   - plays at its declared loudness: rendered offline like `lull loudness`
 *     (simulated relaxing client) for RENDER_SECONDS, its EBU R128 integrated
 *     loudness lies within LOUDNESS_TOLERANCE_LU of the target (the shipped levels
 *     are set within 1 LU over 120 s with `lull loudness --simulate relaxing
 *     --seconds 120`; this shorter render must hold them too);
 * and all targets lie within a 4 LU band, so a preset switch never jumps in level. */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "drivers/offline_driver.h"
#include "plugin/registry.h"
#include "preset/preset.h"
#include "sim/offline_features.h"
#include "sound_quality.h"

#define RATE 48000.0
#define RENDER_SECONDS 40.0
#define MEASURE_FROM_S 3.0 /* the engine's fade-in is not measured */
#define LOUDNESS_TOLERANCE_LU 1.0
#define TARGET_BAND_LU 4.0
#define MIN_ATTACK_S 0.025
#define MIN_STALE_GLIDE_S 2.0

static bool is_type(const preset_node *n, const char *id) { return strcmp(n->desc->id, id) == 0; }

static int param_index(const preset_node *n, const char *id)
{
    for (uint32_t i = 0; i < n->desc->param_count; i++)
        if (strcmp(n->desc->params[i].id, id) == 0) return (int)i;
    return -1;
}

static float param(const preset_node *n, const char *id)
{
    int i = param_index(n, id);
    return i < 0 ? NAN : n->param_values[i];
}

static bool is_pacer_driven(const lull_preset *p)
{
    for (size_t i = 0; i < p->node_count; i++)
        if (is_type(&p->nodes[i], "swell")) return true;
    for (size_t i = 0; i < p->modulation_count; i++) {
        enum mod_source s = p->modulations[i].source;
        if (s == MOD_PACER_PHASE || s == MOD_PACER_RATE || s == MOD_PACER_BREATH) return true;
    }
    return false;
}

/* A note connection arrives at node n. */
static bool has_note_input(const lull_preset *p, uint32_t n)
{
    for (size_t c = 0; c < p->connection_count; c++)
        if (p->connections[c].kind == PRESET_CONNECTION_NOTE && p->connections[c].to_node == n)
            return true;
    return false;
}

/* The name of a layer whose pace is the tempo clock, or NULL. */
static const char *tempo_layer(const lull_preset *p)
{
    for (uint32_t n = 0; n < p->node_count; n++) {
        const preset_node *node = &p->nodes[n];
        if (is_type(node, "pattern")) return node->name;
        if ((is_type(node, "sampler") || is_type(node, "stretch") || is_type(node, "grain")) &&
            param(node, "tempo_follow") > 0.0f)
            return node->name;
        if (is_type(node, "delay") && param(node, "beats") >= 1.0f) return node->name;
        if (is_type(node, "envelope") && param(node, "source") == 1.0f) return node->name;
    }
    return NULL;
}

static bool body_source(enum mod_source s) { return s == MOD_HEART_RATE || s == MOD_AROUSAL; }

/* Rises with the source: the output grows from in_min's end to in_max's end. */
static bool rises(const preset_modulation *m)
{
    return (m->out_max - m->out_min) * (m->in_max - m->in_min) > 0.0f;
}

/* A mapping from the body onto a parameter in Hz that rises with it. */
static const char *darkening(const lull_preset *p)
{
    for (size_t i = 0; i < p->modulation_count; i++) {
        const preset_modulation *m = &p->modulations[i];
        const lull_param_info *info = &p->nodes[m->node].desc->params[m->param];
        if (body_source(m->source) && strcmp(info->unit, "Hz") == 0 && rises(m))
            return p->nodes[m->node].name;
    }
    return NULL;
}

/* Every pattern's density or register follows the body, rising with it. */
static bool patterns_follow_arousal(const lull_preset *p, char *which, size_t n)
{
    for (uint32_t k = 0; k < p->node_count; k++) {
        if (!is_type(&p->nodes[k], "pattern")) continue;
        bool ok = false;
        for (size_t i = 0; i < p->modulation_count; i++) {
            const preset_modulation *m = &p->modulations[i];
            const char *id = p->nodes[k].desc->params[m->param].id;
            if (m->node == k && body_source(m->source) && rises(m) &&
                (strcmp(id, "density") == 0 || strcmp(id, "register") == 0))
                ok = true;
        }
        if (!ok) {
            snprintf(which, n, "%s", p->nodes[k].name);
            return false;
        }
    }
    return true;
}

/* Every struck or triggered sound rises over at least MIN_ATTACK_S. */
static bool gentle_onsets(const lull_preset *p, char *which, size_t n)
{
    for (uint32_t k = 0; k < p->node_count; k++) {
        const preset_node *node = &p->nodes[k];
        bool struck = is_type(node, "bowl") || is_type(node, "envelope") ||
                      (is_type(node, "sampler") && has_note_input(p, k));
        if (!struck) continue;
        float a = param(node, "attack");
        if (!(a >= MIN_ATTACK_S)) {
            snprintf(which, n, "%s.attack = %.3f s", node->name, a);
            return false;
        }
        int ai = param_index(node, "attack");
        for (size_t i = 0; i < p->modulation_count; i++) {
            const preset_modulation *m = &p->modulations[i];
            if (m->node == k && (int)m->param == ai) {
                snprintf(which, n, "%s.attack is modulated", node->name);
                return false;
            }
        }
    }
    return true;
}

/* Integrated loudness of a render against the simulated relaxing client. */
typedef struct meter {
    float *l, *r;
    size_t n, cap, from;
} meter;

static void observe(void *ud, struct lull_engine *e, uint64_t first, const float *left,
                    const float *right, uint32_t n)
{
    (void)e;
    meter *m = ud;
    for (uint32_t i = 0; i < n && m->n < m->cap; i++) {
        if (first + i < m->from) continue;
        m->l[m->n] = left[i];
        m->r[m->n] = right[i];
        m->n++;
    }
}

static double render_loudness(const char *path)
{
    char err[1024];
    meter m = {0};
    m.cap = (size_t)(RENDER_SECONDS * RATE);
    m.from = (size_t)(MEASURE_FROM_S * RATE);
    m.l = malloc(m.cap * sizeof(float));
    m.r = malloc(m.cap * sizeof(float));
    offline_render_opts o;
    offline_render_defaults(&o);
    o.preset = path;
    o.seconds = RENDER_SECONDS;
    o.sample_rate = RATE;
    o.observe = observe;
    o.observe_ud = &m;
    o.fade_out_at_end = 0;
    double lufs = NAN;
    bool ok = render_features_setup(NULL, "relaxing", &o, err, sizeof err);
    CHECK(ok, "%s: %s", path, err);
    offline_render_result res;
    if (ok && offline_render(&o, &res, err, sizeof err))
        lufs = sq_loudness_integrated(m.l, m.r, m.n, RATE);
    else
        CHECK(false, "%s: render failed: %s", path, err);
    render_features_teardown(&o);
    free(m.l);
    free(m.r);
    return lufs;
}

/* The example in docs/presets.md (its first json block) is a valid preset. */
static void check_docs_example(const plugin_registry *reg)
{
    char path[2048], err[1024];
    snprintf(path, sizeof path, "%s/docs/presets.md", test_env("LULL_SOURCE_DIR"));
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL, "cannot open %s", path);
    if (!f) return;
    static char doc[1 << 17];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[n] = '\0';
    char *start = strstr(doc, "```json\n");
    char *end = start ? strstr(start + 8, "```") : NULL;
    CHECK(start && end, "docs/presets.md has no json example");
    if (!start || !end) return;
    *end = '\0';
    lull_preset *p = preset_load_string(start + 8, "docs/presets.md example", reg, err, sizeof err);
    CHECK(p != NULL, "the documented example is refused: %s", err);
    CHECK(p && p->modulation_count == 2 && p->node_count == 7, "the example has its 7 nodes");
    preset_free(p);
}

static void check_preset(const lull_preset *p, const char *path, double *lo, double *hi)
{
    char which[128] = "";
    CHECK(p->display_name && strlen(p->display_name) > 2, "%s: has a display name", p->name);
    CHECK(p->description && strlen(p->description) > 120,
          "%s: has a description a therapist can read (one paragraph)", p->name);
    CHECK(p->tag_count >= 2, "%s: has tags (%zu)", p->name, p->tag_count);
    CHECK(isfinite(p->loudness_lufs), "%s: declares a loudness target", p->name);
    CHECK(is_pacer_driven(p), "%s: nothing follows the breath pacer", p->name);
    CHECK(p->tempo.heart_ratio > 0.0f && p->tempo.heart_ratio < 1.0f &&
              p->tempo.floor_bpm < p->tempo.ceiling_bpm,
          "%s: the tempo follows the heart below its rate (ratio %.2f, %g..%g bpm)", p->name,
          p->tempo.heart_ratio, p->tempo.floor_bpm, p->tempo.ceiling_bpm);
    const char *layer = tempo_layer(p);
    CHECK(layer != NULL, "%s: no layer's pace follows the tempo", p->name);
    const char *dark = darkening(p);
    CHECK(dark != NULL, "%s: no filter darkens as heart rate or arousal falls", p->name);
    CHECK(patterns_follow_arousal(p, which, sizeof which),
          "%s: pattern %s does not thin out as the client calms", p->name, which);
    CHECK(gentle_onsets(p, which, sizeof which), "%s: a sudden onset: %s (want >= %.3f s)", p->name,
          which, MIN_ATTACK_S);
    CHECK(p->stale_glide_s >= MIN_STALE_GLIDE_S, "%s: stale_glide %.1f s", p->name,
          p->stale_glide_s);
    double lufs = render_loudness(path);
    fprintf(stderr,
            "%-13s %-22s target %5.1f LUFS, measured %6.2f LUFS over %.0f s (relaxing); "
            "tempo %.2f x heart in %g..%g bpm via %s; darkens %s\n",
            p->name, p->display_name, p->loudness_lufs, lufs, RENDER_SECONDS - MEASURE_FROM_S,
            p->tempo.heart_ratio, p->tempo.floor_bpm, p->tempo.ceiling_bpm, layer ? layer : "-",
            dark ? dark : "-");
    if (isfinite(p->loudness_lufs)) {
        CHECK(fabs(lufs - p->loudness_lufs) <= LOUDNESS_TOLERANCE_LU,
              "%s: %.2f LUFS, target %.1f +- %.1f LU", p->name, lufs, p->loudness_lufs,
              LOUDNESS_TOLERANCE_LU);
        *lo = fmin(*lo, p->loudness_lufs);
        *hi = fmax(*hi, p->loudness_lufs);
    }
}

int main(void)
{
    char err[1024];
    plugin_registry *reg = registry_load_default(err, sizeof err);
    CHECK(reg != NULL, "cannot load the plugins: %s", err);
    if (!reg) return check_finish("test_preset_shipped");
    const char *dir = test_env("LULL_PRESET_DIR");

    static const char *const required[] = {"surf.json", "drone.json", "default.json"};
    size_t found_required = 0, count = 0;
    double lo = INFINITY, hi = -INFINITY;
    DIR *d = opendir(dir);
    CHECK(d != NULL, "cannot open %s", dir);
    for (struct dirent *ent; d && (ent = readdir(d));) {
        size_t len = strlen(ent->d_name);
        if (len < 6 || strcmp(ent->d_name + len - 5, ".json") != 0) continue;
        for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
            found_required += strcmp(ent->d_name, required[i]) == 0;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        lull_preset *p = preset_load_file(path, reg, err, sizeof err);
        CHECK(p != NULL, "shipped preset refused: %s", err);
        if (!p) continue;
        count++;
        check_preset(p, path, &lo, &hi);
        preset_free(p);
    }
    if (d) closedir(d);
    check_docs_example(reg);
    fprintf(stderr, "%zu presets; loudness targets %.1f..%.1f LUFS (%.1f LU band)\n", count, lo, hi,
            hi - lo);
    CHECK(hi - lo <= TARGET_BAND_LU, "loudness targets span %.1f LU, want <= %.1f", hi - lo,
          TARGET_BAND_LU);
    CHECK(found_required == 3, "surf.json, drone.json and default.json are shipped");
    CHECK(count >= 10, "%zu presets validated (the library has at least 10)", count);
    registry_free(reg);
    return check_finish("test_preset_shipped");
}

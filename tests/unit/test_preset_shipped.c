/* The shipped presets (every .json in presets/) against the real plugins ($LULL_PLUGIN_DIR):
 * each validates, is driven by the breath pacer (a swell node or a modulation from
 * a pacer source), and plays at a reasonable level. The level is measured by
 * rendering 20 s (two paced breaths at 6/min) of each graph with the real nodes
 * (tests/support/node_harness, no engine code): nodes run in dependency order,
 * fan-in is summed with the connection gains, modulated parameters follow the
 * engine's own mapping (mod_map) of the pacer clock, sensor sources sit at their
 * neutral value as they do without sensors. The preset's sum, before the engine's
 * safety stage, should sit near -18 dBFS RMS per channel. */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "modulation/modulation.h"
#include "node_harness.h"
#include "plugin/registry.h"
#include "preset/preset.h"

#define SAMPLE_RATE 48000.0
#define RENDER_SECONDS 20.0
#define SETTLE_SECONDS 1.0   /* filters and smoothers settle; not measured */

static bool is_pacer_driven(const lull_preset *p)
{
    for (size_t i = 0; i < p->node_count; i++)
        if (strcmp(p->nodes[i].desc->id, "swell") == 0) return true;
    for (size_t i = 0; i < p->modulation_count; i++)
        if (mod_source_sensor(p->modulations[i].source) == 0 &&
            p->modulations[i].source != MOD_TEMPO_BPM)
            return true;
    return false;
}

/* The plugin file ("noise" for ".../noise.so") that provides a node type. */
static void plugin_of(const plugin_registry *reg, const lull_descriptor *d, char *out, size_t n)
{
    out[0] = '\0';
    for (size_t i = 0; i < registry_count(reg); i++) {
        if (registry_get(reg, i) != d) continue;
        const char *path = registry_origin(reg, i);
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        snprintf(out, n, "%s", base);
        char *dot = strstr(out, ".so");
        if (dot) *dot = '\0';
    }
}

/* Nodes in an order where every node comes after the nodes feeding it (the preset
 * is acyclic: validation guarantees it). */
static void dependency_order(const lull_preset *p, uint32_t *order)
{
    bool *done = calloc(p->node_count, sizeof *done);
    size_t placed = 0;
    while (placed < p->node_count) {
        for (uint32_t n = 0; n < p->node_count; n++) {
            if (done[n]) continue;
            bool ready = true;
            for (size_t c = 0; c < p->connection_count; c++)
                if (p->connections[c].to_node == n && !done[p->connections[c].from_node])
                    ready = false;
            if (ready) {
                done[n] = true;
                order[placed++] = n;
            }
        }
    }
    free(done);
}

typedef struct level {
    double rms_db[2], peak[2];
    bool finite;
} level;

static level render_level(const lull_preset *p, const plugin_registry *reg)
{
    const size_t frames = (size_t)(SAMPLE_RATE * RENDER_SECONDS);
    level lv = {{0, 0}, {0, 0}, true};
    float ***outs = calloc(p->node_count, sizeof *outs);
    node_harness **nh = calloc(p->node_count, sizeof *nh);
    uint32_t *order = calloc(p->node_count, sizeof *order);
    float *mix[2] = {calloc(frames, sizeof(float)), calloc(frames, sizeof(float))};
    float *trajectories = calloc(p->modulation_count * frames + 1, sizeof(float));
    dependency_order(p, order);

    for (size_t k = 0; k < p->node_count; k++) {
        uint32_t n = order[k];
        const preset_node *node = &p->nodes[n];
        const lull_descriptor *d = node->desc;
        char plugin[256];
        plugin_of(reg, d, plugin, sizeof plugin);
        nh[n] = nh_open(plugin, d->id, SAMPLE_RATE, 1000 + n);
        nh_set_pacer(nh[n], p->pacer.rate, 0.0, p->pacer.inhale_fraction);
        for (uint32_t i = 0; i < d->param_count; i++)
            nh_set_param(nh[n], d->params[i].id, node->param_values[i]);
        /* Modulated parameters: the mapped source per frame (mod_map does the range,
         * curve and clamping exactly as the engine does; smoothing is left out). */
        for (size_t m = 0; m < p->modulation_count; m++) {
            const preset_modulation *mod = &p->modulations[m];
            if (mod->node != n) continue;
            float *t = trajectories + m * frames;
            const lull_param_info *info = &d->params[mod->param];
            lull_clocks c = {.sample_rate = SAMPLE_RATE, .tempo_bpm = p->tempo.bpm,
                             .pacer_rate = p->pacer.rate,
                             .inhale_fraction = p->pacer.inhale_fraction};
            lull_features f;
            memset(&f, 0, sizeof f);
            for (size_t s = 0; s < frames; s++) {
                double phase = fmod((double)s * p->pacer.rate / 60.0 / SAMPLE_RATE, 1.0);
                c.pacer_phase = phase;
                c.beat = (double)s * p->tempo.bpm / 60.0 / SAMPLE_RATE;
                float x = mod_source_sensor(mod->source) == 0 ? mod_source_value(mod->source, &f, &c)
                                                              : mod->neutral;
                float base = mod->mode == MOD_MODE_ADD ? node->param_values[mod->param] : 0.0f;
                float v = base + mod_map(mod, x);
                t[s] = v < info->min ? info->min : v > info->max ? info->max : v;
            }
            nh_set_param_trajectory(nh[n], info->id, t, frames);
        }
        /* Inputs: the sum of every connection into each port. */
        float **in = calloc(d->input_count + 1, sizeof *in);
        for (uint32_t i = 0; i < d->input_count; i++) {
            in[i] = calloc(frames, sizeof(float));
            for (size_t c = 0; c < p->connection_count; c++) {
                const preset_connection *cn = &p->connections[c];
                if (cn->to_node != n || cn->to_port != i) continue;
                const float *src = outs[cn->from_node][cn->from_port];
                for (size_t s = 0; s < frames; s++) in[i][s] += cn->gain * src[s];
            }
        }
        outs[n] = calloc(d->output_count + 1, sizeof *outs[n]);
        for (uint32_t o = 0; o < d->output_count; o++) outs[n][o] = calloc(frames, sizeof(float));
        nh_run(nh[n], (const float *const *)in, (float *const *)outs[n], frames);
        for (uint32_t i = 0; i < d->input_count; i++) free(in[i]);
        free(in);
    }
    for (size_t c = 0; c < p->connection_count; c++) {
        const preset_connection *cn = &p->connections[c];
        if (cn->to_node != PRESET_OUTPUT_NODE) continue;
        const float *src = outs[cn->from_node][cn->from_port];
        for (size_t s = 0; s < frames; s++) mix[cn->to_port][s] += cn->gain * src[s];
    }
    size_t settle = (size_t)(SAMPLE_RATE * SETTLE_SECONDS);
    for (int ch = 0; ch < 2; ch++) {
        double sum = 0;
        for (size_t s = settle; s < frames; s++) {
            float x = mix[ch][s];
            if (!isfinite(x)) lv.finite = false;
            sum += (double)x * x;
            if (fabsf(x) > lv.peak[ch]) lv.peak[ch] = fabsf(x);
        }
        lv.rms_db[ch] = 10.0 * log10(sum / (double)(frames - settle) + 1e-30);
    }

    for (size_t n = 0; n < p->node_count; n++) {
        for (uint32_t o = 0; outs[n] && o < p->nodes[n].desc->output_count; o++) free(outs[n][o]);
        free(outs[n]);
        nh_close(nh[n]);
    }
    free(outs);
    free(nh);
    free(order);
    free(mix[0]);
    free(mix[1]);
    free(trajectories);
    return lv;
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

int main(void)
{
    char err[1024];
    plugin_registry *reg = registry_load_default(err, sizeof err);
    CHECK(reg != NULL, "cannot load the plugins: %s", err);
    if (!reg) return check_finish("test_preset_shipped");
    const char *dir = test_env("LULL_PRESET_DIR");

    static const char *const required[] = {"surf.json", "drone.json", "default.json"};
    size_t found_required = 0, count = 0;
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
        CHECK(p->description && strlen(p->description) > 20, "%s: has a description", p->name);
        CHECK(is_pacer_driven(p), "%s: nothing follows the breath pacer", p->name);
        level lv = render_level(p, reg);
        CHECK(lv.finite, "%s: non-finite output", p->name);
        for (int ch = 0; ch < 2; ch++) {
            fprintf(stderr, "%s %s: %.1f dBFS RMS, peak %.1f dBFS\n", p->name,
                    ch ? "right" : "left", lv.rms_db[ch], 20 * log10(lv.peak[ch] + 1e-30));
            CHECK(lv.rms_db[ch] > -22.0 && lv.rms_db[ch] < -14.0,
                  "%s: channel %d at %.1f dBFS RMS, want -18 +- 4", p->name, ch, lv.rms_db[ch]);
            /* Peaks are the safety limiter's job, but nothing should clip before it.
             * Swelled noise at -18 dBFS RMS peaks ~17 dB higher (a Gaussian's 4.9 sigma
             * over a million samples, plus the swell's crest over its mean power). */
            CHECK(lv.peak[ch] < 0.891f, "%s: channel %d peaks at %.2f (above -1 dBFS)", p->name,
                  ch, lv.peak[ch]);
        }
        preset_free(p);
    }
    if (d) closedir(d);
    check_docs_example(reg);
    CHECK(found_required == 3, "surf.json, drone.json and default.json are shipped");
    CHECK(count >= 3, "%zu presets validated", count);
    registry_free(reg);
    return check_finish("test_preset_shipped");
}

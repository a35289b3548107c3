/* Presets from strings: what a valid preset turns into (indices, parameter values,
 * defaults of every optional field, neutral values), fan-in, and positions counted
 * in characters on lines holding multi-byte UTF-8. Runs against fake descriptors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "plugin/registry.h"
#include "preset/preset.h"
#include "test_preset_fakes.h"

#define NEAR(a, b) (fabsf((float)(a) - (float)(b)) <= 1e-6f * (1.0f + fabsf((float)(b))))

static const char *k_minimal =
    "{\"lull_preset\": 1,\n"
    " \"nodes\": [{\"name\": \"tone\", \"type\": \"osc\"}],\n"
    " \"connections\": [{\"from\": \"tone:out\", \"to\": \"out:left\"},\n"
    "                 {\"from\": \"tone:out\", \"to\": \"out:right\"}],\n"
    " \"modulations\": [{\"source\": \"heart.rate\", \"target\": \"tone:freq\", \"out\": [100, "
    "200]}]}\n";

static void test_defaults(const plugin_registry *reg)
{
    char err[1024] = "";
    lull_preset *p = preset_load_string(k_minimal, "presets/minimal.json", reg, err, sizeof err);
    CHECK(p != NULL, "minimal preset refused: %s", err);
    if (!p) return;
    CHECK(strcmp(p->name, "minimal") == 0, "name from origin: %s", p->name);
    CHECK(strcmp(p->display_name, "minimal") == 0, "display name defaults to the name: %s",
          p->display_name);
    CHECK(p->description == NULL, "no description");
    CHECK(p->path == NULL, "a string has no path");
    CHECK(p->node_count == 1 && p->nodes[0].desc == registry_find(reg, "osc"), "one osc node");
    for (uint32_t i = 0; i < fake_osc.param_count; i++)
        CHECK(p->nodes[0].param_values[i] == fake_osc.params[i].def, "param %s default %g, got %g",
              fake_osc.params[i].id, fake_osc.params[i].def, p->nodes[0].param_values[i]);
    CHECK(p->connection_count == 2, "two connections");
    CHECK(p->connections[0].gain == 1.0f && p->connections[1].gain == 1.0f, "default gain 1");
    CHECK(p->connections[0].to_node == PRESET_OUTPUT_NODE && p->connections[0].to_port == 0,
          "out:left is output port 0");
    CHECK(p->connections[1].to_node == PRESET_OUTPUT_NODE && p->connections[1].to_port == 1,
          "out:right is output port 1");
    /* tempo {bpm 60, follow_heart 0, floor 40, ceiling 90, slew 4} */
    CHECK(p->tempo.bpm == 60 && p->tempo.heart_ratio == 0 && p->tempo.floor_bpm == 40 &&
              p->tempo.ceiling_bpm == 90 && p->tempo.slew_bpm_per_min == 4,
          "tempo defaults: %g %g %g %g %g", p->tempo.bpm, p->tempo.heart_ratio, p->tempo.floor_bpm,
          p->tempo.ceiling_bpm, p->tempo.slew_bpm_per_min);
    /* pacer {follow, rate 6, target 6, inhale_fraction 0.4} */
    CHECK(p->pacer.mode == PACER_FOLLOW && p->pacer.rate == 6 && p->pacer.target == 6 &&
              NEAR(p->pacer.inhale_fraction, 0.4),
          "pacer defaults: %d %g %g %g", p->pacer.mode, p->pacer.rate, p->pacer.target,
          p->pacer.inhale_fraction);
    CHECK(p->stale_glide_s == 4, "stale_glide default 4 s, got %g", p->stale_glide_s);
    CHECK(p->modulation_count == 1, "one modulation");
    const preset_modulation *m = &p->modulations[0];
    CHECK(m->source == MOD_HEART_RATE && m->node == 0 &&
              m->param == (uint32_t)descriptor_find_param(&fake_osc, "freq"),
          "modulation source and target");
    CHECK(m->in_min == 0 && m->in_max == 1, "in defaults to [0, 1]");
    CHECK(m->out_min == 100 && m->out_max == 200, "out as given");
    CHECK(m->curve == MOD_CURVE_LINEAR && m->mode == MOD_MODE_SET, "curve linear, mode set");
    CHECK(NEAR(m->smoothing_ms, 50), "smoothing 0.05 s = 50 ms, got %g", m->smoothing_ms);
    CHECK(m->slew_per_s == 0, "no slew limit");
    CHECK(m->neutral == mod_source_default_neutral(MOD_HEART_RATE), "engine default neutral");
    preset_free(p);
}

static const char *k_full =
    "{\"name\": \"Everything\", \"description\": \"all fields\", \"lull_preset\": 1,\n"
    " \"nodes\": [\n"
    "  {\"name\": \"hiss\", \"type\": \"noise\", \"params\": {\"color\": \"brown\", \"level\": "
    "0.25}},\n"
    "  {\"name\": \"hum\", \"type\": \"osc\", \"params\": {\"waveform\": 1, \"freq\": 55}},\n"
    "  {\"name\": \"lp\", \"type\": \"svf\", \"params\": {\"mode\": \"highpass\"}},\n"
    "  {\"name\": \"place\", \"type\": \"pan\"}],\n"
    " \"connections\": [\n"
    "  {\"from\": \"hiss:out\", \"to\": \"lp:in\", \"gain\": 0.5},\n"
    "  {\"from\": \"hum:out\", \"to\": \"lp:in\"},\n"
    "  {\"from\": \"lp:out\", \"to\": \"place:in\"},\n"
    "  {\"from\": \"place:left\", \"to\": \"out:left\"},\n"
    "  {\"from\": \"place:right\", \"to\": \"out:right\"},\n"
    "  {\"from\": \"hum:out\", \"to\": \"out:right\", \"gain\": -0.25}],\n"
    " \"tempo\": {\"bpm\": 50, \"follow_heart\": 0.5, \"floor\": 45, \"ceiling\": 70, \"slew\": "
    "2},\n"
    " \"pacer\": {\"mode\": \"resonance\", \"rate\": 8, \"target\": 5, \"inhale_fraction\": 0.3},\n"
    " \"neutral\": {\"breath.rate\": 10},\n"
    " \"stale_glide\": 7.5,\n"
    " \"modulations\": [\n"
    "  {\"source\": \"breath.rate\", \"target\": \"lp:cutoff\", \"in\": [4, 20], \"out\": [2000, "
    "300],\n"
    "   \"curve\": \"exp\", \"smoothing\": 0.5, \"slew\": 100, \"mode\": \"set\"},\n"
    "  {\"source\": \"breath.rate\", \"target\": \"hum:level\", \"out\": [0, 0.1], \"neutral\": "
    "14,\n"
    "   \"mode\": \"add\", \"curve\": \"smooth\"},\n"
    "  {\"source\": \"pacer.phase\", \"target\": \"place:pan\", \"out\": [-0.1, 0], \"mode\": "
    "\"add\",\n"
    "   \"curve\": \"log\"}]}\n";

static void test_full(const plugin_registry *reg)
{
    char err[1024] = "";
    lull_preset *p = preset_load_string(k_full, "everything", reg, err, sizeof err);
    CHECK(p != NULL, "full preset refused: %s", err);
    if (!p) return;
    CHECK(strcmp(p->name, "everything") == 0 && strcmp(p->display_name, "Everything") == 0,
          "names: %s / %s", p->name, p->display_name);
    CHECK(p->description && strcmp(p->description, "all fields") == 0, "description");
    CHECK(p->node_count == 4, "four nodes");
    CHECK(preset_find_node(p, "lp") == 2 && preset_find_node(p, "nope") == -1, "find node");
    /* Stepped values by name and by number; the rest keep their defaults. */
    CHECK(p->nodes[0].param_values[0] == 2, "hiss color brown = 2, got %g",
          p->nodes[0].param_values[0]);
    CHECK(p->nodes[0].param_values[1] == 0.25f, "hiss level 0.25");
    CHECK(p->nodes[1].param_values[0] == 1 && p->nodes[1].param_values[1] == 55,
          "hum waveform, freq");
    CHECK(p->nodes[1].param_values[2] == fake_osc.params[2].def, "hum level default");
    CHECK(p->nodes[2].param_values[0] == 2, "lp mode highpass = 2");
    /* Fan-in: two connections into lp:in, and two into out:right. */
    CHECK(p->connection_count == 6, "six connections");
    const preset_connection *c = p->connections;
    CHECK(c[0].from_node == 0 && c[0].from_port == 0 && c[0].to_node == 2 && c[0].to_port == 0 &&
              c[0].gain == 0.5f,
          "hiss:out -> lp:in at 0.5");
    CHECK(c[1].from_node == 1 && c[1].to_node == 2 && c[1].to_port == 0, "hum:out -> lp:in");
    CHECK(c[3].from_node == 3 && c[3].from_port == 0 && c[4].from_port == 1,
          "pan left/right ports");
    CHECK(c[5].to_node == PRESET_OUTPUT_NODE && c[5].to_port == 1 && c[5].gain == -0.25f,
          "hum direct to out:right, inverted");
    CHECK(p->tempo.bpm == 50 && p->tempo.heart_ratio == 0.5f && p->tempo.floor_bpm == 45 &&
              p->tempo.ceiling_bpm == 70 && p->tempo.slew_bpm_per_min == 2,
          "tempo as given");
    CHECK(p->pacer.mode == PACER_RESONANCE && p->pacer.rate == 8 && p->pacer.target == 5 &&
              p->pacer.inhale_fraction == 0.3f,
          "pacer as given");
    CHECK(p->stale_glide_s == 7.5f, "stale_glide as given");
    CHECK(p->modulation_count == 3, "three modulations");
    const preset_modulation *m = p->modulations;
    CHECK(m[0].in_min == 4 && m[0].in_max == 20 && m[0].out_min == 2000 && m[0].out_max == 300,
          "ranges, decreasing out allowed");
    CHECK(m[0].curve == MOD_CURVE_EXP && NEAR(m[0].smoothing_ms, 500) && m[0].slew_per_s == 100,
          "curve, smoothing, slew");
    /* Neutral: the modulation's own, else the preset's for the source, else the default. */
    CHECK(m[0].neutral == 10, "preset neutral for breath.rate: %g", m[0].neutral);
    CHECK(m[1].neutral == 14, "modulation's own neutral: %g", m[1].neutral);
    CHECK(m[2].neutral == mod_source_default_neutral(MOD_PACER_PHASE), "default neutral");
    CHECK(m[1].mode == MOD_MODE_ADD && m[1].curve == MOD_CURVE_SMOOTH, "add, smooth");
    CHECK(m[2].mode == MOD_MODE_ADD && m[2].curve == MOD_CURVE_LOG && m[2].out_min == -0.1f &&
              m[2].node == 3,
          "add with negative offsets");
    preset_free(p);
}

/* An error message for `json` must start with "origin:line:column: ". */
static void expect_error(const plugin_registry *reg, const char *json, int line, int column,
                         const char *fragment)
{
    char err[1024] = "", prefix[64];
    lull_preset *p = preset_load_string(json, "t", reg, err, sizeof err);
    CHECK(p == NULL, "accepted: %s", json);
    preset_free(p);
    snprintf(prefix, sizeof prefix, "t:%d:%d: ", line, column);
    CHECK(strncmp(err, prefix, strlen(prefix)) == 0 && strstr(err, fragment),
          "expected \"%s...%s\", got \"%s\"", prefix, fragment, err);
}

static void test_positions(const plugin_registry *reg)
{
    /* Columns count characters: "é" and "→" are one column each, as jansson counts. */
    expect_error(reg, "{\"description\": \"é→\", \"lull_preset\": 2}", 1, 38,
                 "unsupported lull_preset version 2");
    expect_error(reg, "{\"description\": \"é→\", \"lull_preset\": tru}", 1, 38, "invalid token");
    /* Escapes in keys and strings are decoded before matching. */
    expect_error(reg, "{\"lull_preset\": 1, \"n\\u00f6des\": []}", 1, 20, "unknown key \"nödes\"");
    expect_error(reg, "{\"lull_\\u0070reset\": 1,\n \"nodes\": 3}", 2, 11,
                 "nodes must be an array, not a number");
    /* Tabs and CRLF line ends: a tab is one column, \r is an ordinary character. */
    expect_error(reg, "{\r\n\t\"nodes\": [],\r\n\t\"lull_preset\": 7}", 3, 17,
                 "unsupported lull_preset version 7");
    /* Empty and truncated input are syntax errors; a truncated text is reported at
     * its last character. */
    expect_error(reg, "", 1, 1, "expected near end of file");
    expect_error(reg, "{\"lull_preset\": 1,\n \"nodes\": [", 2, 11, "expected near end of file");
}

static void test_other_refusals(const plugin_registry *reg)
{
    const char *head = "{\"lull_preset\": 1, \"nodes\": [{\"name\": \"n\", \"type\": \"osc\"}], ";
    char json[1024];
    /* A stepped param takes whole numbers only. */
    snprintf(json, sizeof json,
             "{\"lull_preset\": 1, \"nodes\": [{\"name\": \"n\", \"type\": \"osc\", \"params\": "
             "{\"waveform\": 1.5}}]}");
    expect_error(reg, json, 1, 82,
                 "n:waveform must be a whole number or one of: sine, triangle, saw");
    /* Non-stepped params refuse names. */
    snprintf(json, sizeof json,
             "{\"lull_preset\": 1, \"nodes\": [{\"name\": \"n\", \"type\": \"osc\", \"params\": "
             "{\"freq\": \"high\"}}]}");
    expect_error(reg, json, 1, 78, "n:freq must be a number, not a string");
    /* Modulation in-range ends must differ; out must be two numbers. */
    snprintf(
        json, sizeof json,
        "%s\"connections\": [{\"from\": \"n:out\", \"to\": \"out:left\"}, {\"from\": \"n:out\", "
        "\"to\": \"out:right\"}], \"modulations\": [{\"source\": \"arousal\", \"target\": "
        "\"n:level\", \"in\": [1, 1], \"out\": [0, 1]}]}",
        head);
    expect_error(reg, json, 1, 218, "modulations[0].in: the two ends are equal");
    snprintf(
        json, sizeof json,
        "%s\"connections\": [{\"from\": \"n:out\", \"to\": \"out:left\"}, {\"from\": \"n:out\", "
        "\"to\": \"out:right\"}], \"modulations\": [{\"source\": \"arousal\", \"target\": "
        "\"n:level\", \"out\": 1}]}",
        head);
    expect_error(reg, json, 1, 219, "must be an array of two numbers");
    /* An "add" offset is bounded by the parameter's span. */
    snprintf(
        json, sizeof json,
        "%s\"connections\": [{\"from\": \"n:out\", \"to\": \"out:left\"}, {\"from\": \"n:out\", "
        "\"to\": \"out:right\"}], \"modulations\": [{\"source\": \"arousal\", \"target\": "
        "\"n:detune\", \"mode\": \"add\", \"out\": [0, 2401]}]}",
        head);
    expect_error(reg, json, 1, 239, "2401 is out of range -2400..2400 cents");
    /* The same connection twice. */
    snprintf(
        json, sizeof json,
        "%s\"connections\": [{\"from\": \"n:out\", \"to\": \"out:left\"}, {\"from\": \"n:out\", "
        "\"to\": \"out:right\"}, {\"from\": \"n:out\", \"to\": \"out:left\"}]}",
        head);
    expect_error(reg, json, 1, 152, "duplicate connection from \"n:out\" to \"out:left\"");
    /* "out" as a source. */
    snprintf(json, sizeof json,
             "%s\"connections\": [{\"from\": \"out:left\", \"to\": \"out:right\"}]}", head);
    expect_error(reg, json, 1, 86, "\"out:left\" is the preset's output");
    /* A node wired to itself is a cycle too. */
    snprintf(
        json, sizeof json,
        "{\"lull_preset\": 1, \"nodes\": [{\"name\": \"g\", \"type\": \"gain\"}], \"connections\": "
        "[{\"from\": \"g:out\", \"to\": \"out:left\"}, {\"from\": \"g:out\", \"to\": "
        "\"out:right\"}, "
        "{\"from\": \"g:out\", \"to\": \"g:in\"}]}");
    expect_error(reg, json, 1, 153, "cycle through node \"g\": g->g");
    /* A registry without the node type says which types exist. */
    plugin_registry *empty = registry_new();
    char err[512];
    lull_preset *p = preset_load_string(k_minimal, "t", empty, err, sizeof err);
    CHECK(p == NULL &&
              strstr(err, "unknown node type \"osc\" (known types: none: no plugins loaded)"),
          "empty registry: %s", err);
    preset_free(p);
    registry_free(empty);
}

/* A refusal must always be "t:LINE:COLUMN: message" with LINE, COLUMN >= 1. */
static bool well_formed_error(const char *err)
{
    int line = 0, column = 0, consumed = 0;
    return sscanf(err, "t:%d:%d: %n", &line, &column, &consumed) == 2 && consumed > 0 &&
           line >= 1 && column >= 1 && err[consumed] != '\0';
}

/* Every truncation and many single-byte corruptions of a valid preset either load or
 * are refused with a positioned message; none crashes (run under ASan/UBSan). */
static void test_damaged_input(const plugin_registry *reg)
{
    size_t len = strlen(k_full);
    char *text = malloc(len + 1);
    char err[1024];
    size_t refused = 0, malformed = 0;
    for (size_t cut = 0; cut < len; cut++) {
        memcpy(text, k_full, cut);
        text[cut] = '\0';
        lull_preset *p = preset_load_string(text, "t", reg, err, sizeof err);
        if (p) {
            /* Only whitespace may follow the closing brace. */
            CHECK(strspn(k_full + cut, " \n") == len - cut, "truncated at %zu accepted", cut);
            preset_free(p);
            continue;
        }
        refused++;
        if (!well_formed_error(err)) malformed++;
    }
    CHECK(refused >= len - 1 && malformed == 0, "%zu truncations refused, %zu unpositioned",
          refused, malformed);

    static const char replacements[] = "{}[]\":,0-9.eE \"xQ\\/\xc3\xa9\x01";
    uint32_t rng = 12345;
    size_t accepted = 0;
    malformed = 0;
    for (int trial = 0; trial < 3000; trial++) {
        memcpy(text, k_full, len + 1);
        rng = rng * 1664525u + 1013904223u;
        size_t at = (rng >> 8) % len;
        rng = rng * 1664525u + 1013904223u;
        text[at] = replacements[(rng >> 8) % (sizeof replacements - 1)];
        lull_preset *p = preset_load_string(text, "t", reg, err, sizeof err);
        if (p) {
            accepted++;
            preset_free(p);
        } else if (!well_formed_error(err)) {
            malformed++;
            CHECK(false, "unpositioned error for a change at byte %zu: %s", at, err);
        }
    }
    CHECK(malformed == 0, "%zu of 3000 corruptions gave no position", malformed);
    CHECK(accepted < 3000, "corruptions were noticed (%zu accepted)", accepted);
    free(text);
}

static void test_lookups(void)
{
    CHECK(descriptor_find_param(&fake_svf, "cutoff") == 1, "svf cutoff is param 1");
    CHECK(descriptor_find_param(&fake_svf, "in") == -1, "ports are not params");
    CHECK(descriptor_find_input(&fake_mixer, "in3") == 2, "mixer in3 is input 2");
    CHECK(descriptor_find_input(&fake_mixer, "out") == -1, "out is not an input");
    CHECK(descriptor_find_output(&fake_pan, "right") == 1, "pan right is output 1");
    CHECK(descriptor_find_output(&fake_noise, "in") == -1, "noise has no input");
    for (int m = PACER_OFF; m <= PACER_RESONANCE; m++)
        CHECK(pacer_mode_parse(pacer_mode_name((enum pacer_mode)m)) == m,
              "pacer mode %d round trip", m);
    CHECK(pacer_mode_parse("guided") == -1 && pacer_mode_name((enum pacer_mode)7) == NULL,
          "unknown pacer modes");
}

int main(void)
{
    plugin_registry *reg = fake_registry();
    test_defaults(reg);
    test_full(reg);
    test_positions(reg);
    test_other_refusals(reg);
    test_damaged_input(reg);
    test_lookups();
    registry_free(reg);
    return check_finish("test_preset_load");
}

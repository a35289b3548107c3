/* Every bad preset fixture (tests/data/presets/bad_*.json) is refused with the
 * expected message at the expected line and column of the offending value, and the
 * good fixture they were all derived from loads. Runs against fake node descriptors
 * with the contract's ports and parameters (test_preset_fakes.h). */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "plugin/registry.h"
#include "preset/preset.h"
#include "test_preset_fakes.h"

typedef struct expectation {
    const char *file;
    int line, column;
    const char *fragment;
} expectation;

/* Positions were found by locating the offending token in each fixture's text. */
static const expectation k_expected[] = {
    {"bad_syntax.json", 14, 3, "unexpected token near ']'"},
    {"bad_missing_version.json", 1, 1, "the preset is missing the required key \"lull_preset\""},
    {"bad_version.json", 3, 18, "unsupported lull_preset version 2"},
    {"bad_missing_type.json", 7, 5, "nodes[2] is missing the required key \"type\""},
    {"bad_wrong_type.json", 5, 77, "waves:level must be a number, not a string"},
    {"bad_unknown_key.json", 9, 3,
     "unknown key \"conections\" in the preset; did you mean \"connections\"?"},
    {"bad_unknown_node_type.json", 5, 31,
     "unknown node type \"nosie\"; did you mean \"noise\"? (known types: noise, osc, svf, gain, "
     "mixer, pan, swell)"},
    {"bad_duplicate_node.json", 7, 14,
     "duplicate node name \"lp\" (first used at line 6, column 14)"},
    {"bad_node_name.json", 5, 14, "bad node name \"Waves\""},
    {"bad_reserved_name.json", 7, 14, "node name \"out\" is reserved"},
    {"bad_safety_node.json", 7, 29, "node type \"safety\" cannot be used in a preset"},
    {"bad_unknown_param.json", 6, 65,
     "unknown parameter \"cutof\" for node \"lp\" (svf); did you mean \"cutoff\"? (params: mode, "
     "cutoff, q)"},
    {"bad_param_range.json", 6, 75, "lp:cutoff 30000 is out of range 20..20000 Hz"},
    {"bad_value_name.json", 5, 60,
     "unknown value \"purple\" for waves:color (one of: white, pink, brown)"},
    {"bad_port_syntax.json", 10, 14, "bad connection source \"waves\": expected \"node:port\""},
    {"bad_unknown_conn_node.json", 10, 14,
     "unknown node \"wave\" in \"wave:out\"; did you mean \"waves\"?"},
    {"bad_unknown_port.json", 10, 33, "node \"lp\" (svf) has no input port \"input\" (inputs: in)"},
    {"bad_output_as_input.json", 10, 33, "\"waves:out\" is an output port: \"to\" needs an input"},
    {"bad_input_as_output.json", 11, 14,
     "\"lp:in\" is an input port: \"from\" needs an output (outputs of lp: out)"},
    {"bad_cycle.json", 14, 5, "cycle through node \"lp\": lp->echo->lp"},
    {"bad_out_unconnected.json", 9, 18, "nothing is connected to out:right"},
    {"bad_mod_source.json", 18, 16,
     "unknown modulation source \"pacer.breth\"; did you mean \"pacer.breath\"?"},
    {"bad_mod_not_modulatable.json", 18, 42,
     "parameter \"lp:mode\" cannot be modulated (modulatable parameters of lp: cutoff, q)"},
    {"bad_mod_out_range.json", 18, 68,
     "modulations[0].out (lp:cutoff) 30000 is out of range 20..20000 Hz"},
    {"bad_mod_twice.json", 19, 5, "lp:cutoff is already set by modulations[0]"},
    {"bad_pacer_range.json", 16, 38, "pacer.rate 40 is out of range 4..30 breaths/min"},
    {"bad_pacer_mode.json", 16, 21, "unknown pacer mode \"guided\"; did you mean \"guide\"?"},
    {"bad_tempo_range.json", 15, 48, "tempo.ceiling 300 is out of range 20..240 bpm"},
    {"bad_tempo_floor.json", 15, 48, "tempo.floor 80 bpm is above tempo.ceiling 72 bpm"},
    {"bad_nonfinite.json", 11, 48, "real number overflow"},
    {"bad_float_overflow.json", 11, 48, "connections[1].gain 1e+300 is not a finite number"},
    {"bad_duplicate_key.json", 6, 80, "duplicate object key"},
    {"bad_not_object.json", 1, 1, "a preset must be a JSON object, not an array"},
};
#define EXPECTED_COUNT (sizeof k_expected / sizeof k_expected[0])

static const expectation *find_expectation(const char *file)
{
    for (size_t i = 0; i < EXPECTED_COUNT; i++)
        if (strcmp(k_expected[i].file, file) == 0) return &k_expected[i];
    return NULL;
}

static void check_fixture(const plugin_registry *reg, const char *dir, const expectation *e)
{
    char path[1024], err[1024], prefix[1200];
    snprintf(path, sizeof path, "%.900s/%.100s", dir, e->file);
    err[0] = '\0';
    lull_preset *p = preset_load_file(path, reg, err, sizeof err);
    CHECK(p == NULL, "%s was accepted", e->file);
    preset_free(p);
    snprintf(prefix, sizeof prefix, "%s:%d:%d: ", path, e->line, e->column);
    CHECK(strncmp(err, prefix, strlen(prefix)) == 0, "%s: expected position %d:%d, got \"%s\"",
          e->file, e->line, e->column, err);
    CHECK(strstr(err, e->fragment) != NULL, "%s: expected \"%s\" in \"%s\"", e->file, e->fragment,
          err);
    /* The same text from a string names its origin instead of the path. */
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL, "cannot reopen %s", path);
    if (!f) return;
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    p = preset_load_string(text, "<string>", reg, err, sizeof err);
    CHECK(p == NULL, "%s was accepted from a string", e->file);
    preset_free(p);
    snprintf(prefix, sizeof prefix, "<string>:%d:%d: ", e->line, e->column);
    CHECK(strncmp(err, prefix, strlen(prefix)) == 0, "%s from a string: got \"%s\"", e->file, err);
}

int main(void)
{
    plugin_registry *reg = fake_registry();
    char dir[1024], err[1024];
    snprintf(dir, sizeof dir, "%.900s/presets", test_env("LULL_TEST_DATA"));

    /* Every bad_*.json on disk has an expectation, and every expectation a file. */
    DIR *d = opendir(dir);
    CHECK(d != NULL, "cannot open %s", dir);
    size_t seen = 0;
    for (struct dirent *ent; d && (ent = readdir(d));) {
        if (strncmp(ent->d_name, "bad_", 4) != 0) continue;
        const expectation *e = find_expectation(ent->d_name);
        CHECK(e != NULL, "fixture %s has no expectation in this test", ent->d_name);
        if (!e) continue;
        check_fixture(reg, dir, e);
        seen++;
    }
    if (d) closedir(d);
    CHECK(seen == EXPECTED_COUNT, "found %zu of %zu fixtures", seen, EXPECTED_COUNT);

    /* The fixtures differ from this one by exactly one fault each. */
    char path[1100];
    snprintf(path, sizeof path, "%s/good_fixture.json", dir);
    lull_preset *p = preset_load_file(path, reg, err, sizeof err);
    CHECK(p != NULL, "good fixture refused: %s", err);
    preset_free(p);

    /* A file that cannot be read says so and why. */
    snprintf(path, sizeof path, "%s/no_such_preset.json", dir);
    p = preset_load_file(path, reg, err, sizeof err);
    CHECK(p == NULL && strstr(err, "no_such_preset.json: cannot open: No such file") != NULL,
          "missing file: \"%s\"", err);
    preset_free(p);

    registry_free(reg);
    return check_finish("test_preset_validate");
}

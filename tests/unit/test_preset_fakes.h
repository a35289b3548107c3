/* Fake node descriptors for the preset tests: the node types of the shipped plugins
 * with the contract's ports and parameters (DESIGN / docs/presets.md), but no DSP.
 * The validation tests run against these so that they test the preset format, not
 * the current parameter lists of the real plugins. Included by one test file each. */
#ifndef LULL_TEST_PRESET_FAKES_H
#define LULL_TEST_PRESET_FAKES_H

#include "lull/plugin.h"
#include "plugin/registry.h"

static void *fake_create(const lull_descriptor *d, const lull_host *h) { return (void *)d; }
static bool fake_activate(void *self, double sr, uint32_t max_frames) { return true; }
static void fake_process(void *self, const lull_process *ctx) {}
static void fake_deactivate(void *self) {}
static void fake_destroy(void *self) {}

#define FAKE_DESC(id_, ins, outs, params)                                                          \
    {                                                                                              \
        sizeof(lull_descriptor), id_, id_, "0.0.0", "fake " id_, sizeof(ins) / sizeof(ins[0]) - 1, \
            ins, sizeof(outs) / sizeof(outs[0]) - 1, outs, sizeof(params) / sizeof(params[0]),     \
            params, fake_create, fake_activate, fake_process, NULL, fake_deactivate, fake_destroy, \
            NULL, 0, NULL, 0, NULL, 0, NULL                                                        \
    }

#define MOD LULL_PARAM_MODULATABLE
#define STEP LULL_PARAM_STEPPED
#define LOGF LULL_PARAM_LOGARITHMIC

/* Port arrays carry a terminator so that an empty list is still an array. */
static const lull_port_info fake_none[] = {{NULL}};
static const lull_port_info fake_in[] = {{"in"}, {NULL}};
static const lull_port_info fake_out[] = {{"out"}, {NULL}};
static const lull_port_info fake_mix_in[] = {{"in1"}, {"in2"}, {"in3"}, {"in4"}, {NULL}};
static const lull_port_info fake_pan_out[] = {{"left"}, {"right"}, {NULL}};
static const lull_port_info fake_swell_out[] = {{"out"}, {"env"}, {NULL}};

static const char *const fake_colors[] = {"white", "pink", "brown"};
static const char *const fake_waves[] = {"sine", "triangle", "saw"};
static const char *const fake_modes[] = {"lowpass", "bandpass", "highpass"};

static const lull_param_info fake_noise_params[] = {
    {"color", "Colour", "", 0, 2, 1, 0, STEP, fake_colors},
    {"level", "Level", "", 0, 1, 0.5f, 20, MOD, NULL}};
static const lull_param_info fake_osc_params[] = {
    {"waveform", "Waveform", "", 0, 2, 0, 0, STEP, fake_waves},
    {"freq", "Frequency", "Hz", 10, 20000, 110, 20, MOD | LOGF, NULL},
    {"level", "Level", "", 0, 1, 0.5f, 20, MOD, NULL},
    {"detune", "Detune", "cents", -1200, 1200, 0, 20, MOD, NULL}};
static const lull_param_info fake_svf_params[] = {
    {"mode", "Mode", "", 0, 2, 0, 0, STEP, fake_modes},
    {"cutoff", "Cutoff", "Hz", 20, 20000, 1000, 20, MOD | LOGF, NULL},
    {"q", "Q", "", 0.5f, 20, 0.707f, 20, MOD, NULL}};
static const lull_param_info fake_gain_params[] = {
    {"gain_db", "Gain", "dB", -80, 24, 0, 20, MOD, NULL}};
static const lull_param_info fake_mixer_params[] = {
    {"level1", "Level 1", "", 0, 2, 1, 20, MOD, NULL},
    {"level2", "Level 2", "", 0, 2, 1, 20, MOD, NULL},
    {"level3", "Level 3", "", 0, 2, 1, 20, MOD, NULL},
    {"level4", "Level 4", "", 0, 2, 1, 20, MOD, NULL}};
static const lull_param_info fake_pan_params[] = {{"pan", "Pan", "", -1, 1, 0, 20, MOD, NULL}};
static const lull_param_info fake_swell_params[] = {
    {"depth", "Depth", "", 0, 1, 0.5f, 20, MOD, NULL},
    {"lag", "Lag", "cycles", 0, 0.5f, 0, 50, 0, NULL}};

static const lull_descriptor fake_noise =
    FAKE_DESC("noise", fake_none, fake_out, fake_noise_params);
static const lull_descriptor fake_osc = FAKE_DESC("osc", fake_none, fake_out, fake_osc_params);
static const lull_descriptor fake_svf = FAKE_DESC("svf", fake_in, fake_out, fake_svf_params);
static const lull_descriptor fake_gain = FAKE_DESC("gain", fake_in, fake_out, fake_gain_params);
static const lull_descriptor fake_mixer =
    FAKE_DESC("mixer", fake_mix_in, fake_out, fake_mixer_params);
static const lull_descriptor fake_pan = FAKE_DESC("pan", fake_in, fake_pan_out, fake_pan_params);
static const lull_descriptor fake_swell =
    FAKE_DESC("swell", fake_in, fake_swell_out, fake_swell_params);

static const lull_descriptor *const fake_descriptors[] = {
    &fake_noise, &fake_osc, &fake_svf, &fake_gain, &fake_mixer, &fake_pan, &fake_swell};
static const lull_plugin_entry fake_entry = {
    LULL_ABI_MAJOR, LULL_ABI_MINOR, sizeof(lull_plugin_entry),
    sizeof fake_descriptors / sizeof fake_descriptors[0], fake_descriptors};

/* A registry with the fakes and the built-in safety stage, as lulld would have. */
static plugin_registry *fake_registry(void)
{
    char err[512];
    plugin_registry *r = registry_new();
    if (!r || !registry_add_entry(r, lull_safety_entry(), "(built-in)", err, sizeof err) ||
        !registry_add_entry(r, &fake_entry, "(fake nodes)", err, sizeof err)) {
        fprintf(stderr, "cannot build the fake registry: %s\n", r ? err : "out of memory");
        exit(2);
    }
    return r;
}

#undef MOD
#undef STEP
#undef LOGF
#endif

/* plugin.h as a strict C11 plugin author sees it (-std=c11 -pedantic, no GNU
 * extensions): a descriptor with every ABI 1.2 member and the entry macro, renamed
 * with LULL_ENTRY_NAME the way the host links a node statically. */
#define LULL_ENTRY_NAME plugin_h_c11_entry
#include "plugin_h_layout.h"

static void *c11_create(const lull_descriptor *desc, const lull_host *host)
{
    (void)desc;
    (void)host;
    static int instance;
    return &instance;
}

static bool c11_activate(void *self, double sample_rate, uint32_t max_frames)
{
    (void)self;
    return sample_rate > 0.0 && max_frames <= LULL_MAX_BLOCK;
}

static void c11_process(void *self, const lull_process *ctx)
{
    (void)self;
    for (uint32_t f = 0; f < ctx->frames; f++) ctx->outputs[0][f] = 0.0f;
}

static void c11_deactivate(void *self) { (void)self; }
static void c11_destroy(void *self) { (void)self; }

static const lull_port_info c11_outputs[] = {{"out"}};
static const lull_port_info c11_note_inputs[] = {{"notes"}};
static const lull_port_info c11_slots[] = {{"sample"}};
static const char *const c11_modes[] = {"soft", "hard"};
static const lull_param_info c11_params[] = {
    {.id = "gain",
     .name = "Gain",
     .unit = "dB",
     .min = -60.0f,
     .max = 0.0f,
     .def = -6.0f,
     .smoothing_ms = 20.0f,
     .flags = LULL_PARAM_MODULATABLE},
    {.id = "mode",
     .name = "Mode",
     .unit = "",
     .min = 0.0f,
     .max = 1.0f,
     .def = 0.0f,
     .flags = LULL_PARAM_STEPPED,
     .value_names = c11_modes},
};

static const lull_descriptor c11_desc = {
    .struct_size = sizeof(lull_descriptor),
    .id = "abi_c11",
    .name = "ABI check (C11)",
    .version = "1.0.0",
    .description = "plugin.h compiled as C11 -pedantic",
    .output_count = 1,
    .outputs = c11_outputs,
    .param_count = 2,
    .params = c11_params,
    .create = c11_create,
    .activate = c11_activate,
    .process = c11_process,
    .deactivate = c11_deactivate,
    .destroy = c11_destroy,
    .note_input_count = 1,
    .note_inputs = c11_note_inputs,
    .sound_slot_count = 1,
    .sound_slots = c11_slots,
};

LULL_PLUGIN_ENTRY(&c11_desc)

#define LAYOUT_STORE(v) out[i++] = (size_t)(v);
void plugin_h_layout_c11(size_t *out)
{
    size_t i = 0;
    PLUGIN_H_LAYOUT(LAYOUT_STORE)
}

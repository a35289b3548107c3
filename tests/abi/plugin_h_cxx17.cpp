// plugin.h as a C++17 plugin author sees it (-std=c++17 -pedantic): the header's
// extern "C" block and LULL_PLUGIN_ENTRY must give an unmangled lull_entry that
// the host finds with dlsym, with the same struct layout as C.
#include "plugin_h_layout.h"

namespace {

struct Node {
    float gain = 0.0f;
};

void *cxx_create(const lull_descriptor *, const lull_host *)
{
    static Node node;
    return &node;
}

bool cxx_activate(void *, double sample_rate, uint32_t max_frames)
{
    return sample_rate > 0.0 && max_frames <= LULL_MAX_BLOCK;
}

void cxx_process(void *self, const lull_process *ctx)
{
    Node *node = static_cast<Node *>(self);
    for (uint32_t f = 0; f < ctx->frames; f++)
        ctx->outputs[0][f] = ctx->params[0][f] * node->gain;
    if (ctx->notes_out && ctx->notes_out->count < ctx->notes_out->capacity)
        ctx->notes_out->notes[ctx->notes_out->count++] = lull_note{0, 0, LULL_NOTE_ON, 69.0f,
                                                                    1.0f, 0.0f};
}

void cxx_deactivate(void *) {}
void cxx_destroy(void *) {}

const lull_port_info cxx_outputs[] = {{"out"}};
const lull_port_info cxx_note_outputs[] = {{"notes"}};
const lull_param_info cxx_params[] = {
    {"gain", "Gain", "", 0.0f, 1.0f, 0.5f, 20.0f, LULL_PARAM_MODULATABLE, nullptr},
};

// C++17 has no designated initializers: a value-initialized descriptor, filled in.
lull_descriptor make_descriptor()
{
    lull_descriptor d{};
    d.struct_size = sizeof(lull_descriptor);
    d.id = "abi_cxx17";
    d.name = "ABI check (C++17)";
    d.version = "1.0.0";
    d.description = "plugin.h compiled as C++17 -pedantic";
    d.output_count = 1;
    d.outputs = cxx_outputs;
    d.param_count = 1;
    d.params = cxx_params;
    d.create = cxx_create;
    d.activate = cxx_activate;
    d.process = cxx_process;
    d.deactivate = cxx_deactivate;
    d.destroy = cxx_destroy;
    d.note_output_count = 1;
    d.note_outputs = cxx_note_outputs;
    return d;
}

const lull_descriptor cxx_desc = make_descriptor();

} // namespace

LULL_PLUGIN_ENTRY(&cxx_desc)

void plugin_h_layout_cxx17(size_t *out)
{
    size_t i = 0;
#define LAYOUT_STORE(v) out[i++] = static_cast<size_t>(v);
    PLUGIN_H_LAYOUT(LAYOUT_STORE)
#undef LAYOUT_STORE
}

/* plugin.h is the one header plugin authors compile, in C or C++. This test builds
 * it as C11 and as C++17, both with -pedantic -Wall -Wextra -Werror (the build is
 * the first half of the test), then checks at run time that
 *   - both languages see the same layout of every struct (sizes, field offsets), and
 *   - LULL_PLUGIN_ENTRY in a C++ file exports the unmangled LULL_ENTRY_SYMBOL that
 *     the host's dlsym finds (the header's extern "C" is otherwise never exercised). */
#include "check.h"
#include "plugin_h_layout.h"

#include <dlfcn.h>
#include <string.h>

int main(void)
{
    size_t c11[PLUGIN_H_LAYOUT_COUNT], cxx[PLUGIN_H_LAYOUT_COUNT];
    memset(c11, 0xff, sizeof c11);
    memset(cxx, 0xfe, sizeof cxx);
    plugin_h_layout_c11(c11);
    plugin_h_layout_cxx17(cxx);
    int same = 0;
    for (int i = 0; i < PLUGIN_H_LAYOUT_COUNT; i++) {
        CHECK(c11[i] == cxx[i], "layout figure %d: C11 %zu, C++17 %zu", i, c11[i], cxx[i]);
        same += c11[i] == cxx[i];
    }
    printf("layout: %d of %d figures agree (sizeof(lull_descriptor) %zu, lull_process %zu)\n", same,
           (int)PLUGIN_H_LAYOUT_COUNT, sizeof(lull_descriptor), sizeof(lull_process));

    const lull_plugin_entry *c = plugin_h_c11_entry();
    CHECK(c && c->abi_major == LULL_ABI_MAJOR && c->abi_minor == LULL_ABI_MINOR,
          "C11 entry: wrong ABI version");
    CHECK(c && c->struct_size == sizeof(lull_plugin_entry), "C11 entry: struct_size %u",
          c ? c->struct_size : 0u);
    CHECK(c && c->descriptor_count == 1 && strcmp(c->descriptors[0]->id, "abi_c11") == 0,
          "C11 entry: descriptor list");

    /* The C++ unit defines the entry under its default name; the executable exports
     * its symbols (ENABLE_EXPORTS), so a C-linkage entry is visible to dlsym under
     * exactly the name the host looks up. */
    void *sym = dlsym(RTLD_DEFAULT, LULL_ENTRY_SYMBOL);
    CHECK(sym != NULL, "dlsym(\"%s\") found nothing: the C++ entry is not extern \"C\" (%s)",
          LULL_ENTRY_SYMBOL, dlerror());
    if (sym) {
        lull_entry_fn fn;
        memcpy(&fn, &sym, sizeof fn); /* object -> function pointer, as POSIX allows */
        const lull_plugin_entry *e = fn();
        CHECK(e->abi_major == LULL_ABI_MAJOR && e->struct_size == sizeof(lull_plugin_entry),
              "C++17 entry: ABI %u, struct_size %u", e->abi_major, e->struct_size);
        CHECK(e->descriptor_count == 1 && strcmp(e->descriptors[0]->id, "abi_cxx17") == 0,
              "C++17 entry: descriptor list");
        const lull_descriptor *d = e->descriptors[0];
        CHECK(d->struct_size == sizeof(lull_descriptor) && d->note_output_count == 1 &&
                  d->sound_slot_count == 0 && d->get_extension == NULL,
              "C++17 descriptor: members beyond those set must be zero");
        printf("C++17 entry found as \"%s\": descriptor \"%s\", %u param, %u note output\n",
               LULL_ENTRY_SYMBOL, d->id, d->param_count, d->note_output_count);
    }
    return check_finish("test_plugin_h_languages");
}

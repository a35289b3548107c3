/* Presets that use sound files: the "sounds" declarations and the nodes' slot
 * bindings are refused at the right line:column with a clear reason (bad ids,
 * unknown slots or sounds, unbound slots, paths escaping the sound directories by
 * ".." or by a symlink, missing / corrupt / too long / empty / 6-channel files),
 * a refused load leaves the current preset playing, and a preset that loads plays
 * its file at the engine rate (measured). Uses tests/plugins/sound_probe.c, a node
 * whose output is exactly its sound played in a loop. */
#define _GNU_SOURCE
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio_check.h"
#include "check.h"
#include "engine/engine.h"
#include "engine_fixture.h"
#include "plugin/plugin_check.h"
#include "plugin/registry.h"
#include "preset/preset.h"
#include "sound/preset_sounds.h"
#include "sound/sound_bank.h"

static char g_sounds[256], g_outside[256], g_probe_dir[4200];

static void write_sine(const char *dir, const char *rel, int rate, int channels, uint64_t frames,
                       double hz, int format)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    SF_INFO info = {.samplerate = rate, .channels = channels, .format = format};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (!sf) {
        fprintf(stderr, "%s: %s\n", path, sf_strerror(NULL));
        exit(2);
    }
    float buf[1024 * 8];
    for (uint64_t done = 0; done < frames;) {
        uint64_t n = frames - done < 1024 ? frames - done : 1024;
        for (uint64_t f = 0; f < n; f++)
            for (int c = 0; c < channels; c++)
                buf[f * (uint64_t)channels + (uint64_t)c] =
                    (float)(0.5 * sin(2 * M_PI * hz * (double)(done + f) / rate));
        sf_writef_float(sf, buf, (sf_count_t)n);
        done += n;
    }
    sf_close(sf);
}

/* A preset with one sound_probe node "p" wired to the output. */
static const char *preset_text(const char *sounds, const char *node)
{
    static char text[4096];
    snprintf(text, sizeof text,
             "{\n"
             "  \"lull_preset\": 1,\n"
             "  \"sounds\": %s,\n"
             "  \"nodes\": [\n"
             "    %s\n"
             "  ],\n"
             "  \"connections\": [\n"
             "    {\"from\": \"p:left\", \"to\": \"out:left\"},\n"
             "    {\"from\": \"p:right\", \"to\": \"out:right\"}\n"
             "  ]\n"
             "}\n",
             sounds, node);
    return text;
}

/* "line:column" of the n-th (0-based) occurrence of needle in text. */
static const char *pos_of(const char *text, const char *needle, int nth)
{
    static char out[32];
    const char *at = strstr(text, needle);
    while (at && nth-- > 0) at = strstr(at + 1, needle);
    if (!at) return "(needle not found)";
    int line = 1, col = 1;
    for (const char *c = text; c < at; c++) {
        if (*c == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    snprintf(out, sizeof out, ":%d:%d: ", line, col);
    return out;
}

/* Parsing must fail at needle's position with every phrase in the message. */
static void expect_parse_error(const plugin_registry *reg, const char *text, const char *needle,
                               int nth, const char *phrase)
{
    char err[2048] = "";
    lull_preset *p = preset_load_string(text, "t.json", reg, err, sizeof err);
    char want[64];
    snprintf(want, sizeof want, "t.json%s", pos_of(text, needle, nth));
    CHECK(!p, "should be refused (%s):\n%s", phrase, text);
    CHECK(strncmp(err, want, strlen(want)) == 0 && strstr(err, phrase),
          "expected \"%s...%s\", got: %s", want, phrase, err);
    fprintf(stderr, "  %s\n", err);
    preset_free(p);
}

static const char *probe_node(const char *sounds)
{
    static char node[512];
    snprintf(node, sizeof node, "{\"name\": \"p\", \"type\": \"sound_probe\"%s%s}",
             sounds ? ", \"sounds\": " : "", sounds ? sounds : "");
    return node;
}

static void test_parse_errors(const plugin_registry *reg)
{
    fprintf(stderr, "parse errors:\n");
    const char *t;
    t = preset_text("[\"water.wav\"]", probe_node("{\"sound\": \"water\"}"));
    expect_parse_error(reg, t, "[\"water", 0, "sounds must be an object");
    t = preset_text("{\"Water\": \"water.wav\"}", probe_node("{\"sound\": \"water\"}"));
    expect_parse_error(reg, t, "\"Water\"", 0, "bad sound id \"Water\"");
    t = preset_text("{\"water\": 3}", probe_node("{\"sound\": \"water\"}"));
    expect_parse_error(reg, t, "3}", 0, "sounds.water must be a string");
    t = preset_text("{\"water\": \"/etc/water.wav\"}", probe_node("{\"sound\": \"water\"}"));
    expect_parse_error(reg, t, "\"/etc", 0, "\"/etc/water.wav\" is absolute");
    t = preset_text("{\"water\": \"../water.wav\"}", probe_node("{\"sound\": \"water\"}"));
    expect_parse_error(reg, t, "\"../", 0, "contains \"..\"");
    t = preset_text("{\"water\": \"loops/../../water.wav\"}", probe_node("{\"sound\": \"water\"}"));
    expect_parse_error(reg, t, "\"loops", 0, "contains \"..\"");
    t = preset_text("{\"water\": \"loops\\\\water.wav\"}", probe_node("{\"sound\": \"water\"}"));
    expect_parse_error(reg, t, "\"loops", 0, "contains '\\'");
    /* A NUL is refused by the JSON reader itself, at its position. */
    t = preset_text("{\"water\": \"wa\\u0000ter.wav\"}", probe_node("{\"sound\": \"water\"}"));
    expect_parse_error(reg, t, "\"wa\\u", 0, "NUL");
    t = preset_text("{\"water\": \"water.wav\", \"drop\": \"drop.wav\"}",
                    probe_node("{\"sound\": \"rain\"}"));
    expect_parse_error(reg, t, "\"rain\"", 0,
                       "unknown sound \"rain\" for p.sounds.sound (sounds: water, drop)");
    t = preset_text("{}", probe_node("{\"sound\": \"rain\"}"));
    expect_parse_error(reg, t, "\"rain\"", 0, "none declared");
    t = preset_text("{\"water\": \"water.wav\"}", probe_node("{\"sample\": \"water\"}"));
    expect_parse_error(reg, t, "\"sample\"", 0, "has no sound slot \"sample\"");
    expect_parse_error(reg, t, "\"sample\"", 0, "(slots: sound)");
    t = preset_text("{\"water\": \"water.wav\"}", probe_node(NULL));
    expect_parse_error(reg, t, "{\"name\": \"p\"", 0, "needs a sound for its slot \"sound\"");
    t = preset_text("{\"water\": \"water.wav\"}", probe_node("{}"));
    expect_parse_error(reg, t, "{}", 0, "needs a sound for its slot \"sound\"");
    t = preset_text("{\"water\": \"water.wav\"}", probe_node("{\"sound\": 7}"));
    expect_parse_error(reg, t, "7}", 0, "p.sounds.sound must be a string");
    /* A node type without sound slots cannot take "sounds". */
    const char *noise = "{\n  \"lull_preset\": 1,\n  \"sounds\": {\"water\": \"water.wav\"},\n"
                        "  \"nodes\": [{\"name\": \"n\", \"type\": \"noise\", \"sounds\": "
                        "{\"sound\": \"water\"}}],\n"
                        "  \"connections\": [{\"from\": \"n:out\", \"to\": \"out:left\"},\n"
                        "                  {\"from\": \"n:out\", \"to\": \"out:right\"}]\n}\n";
    expect_parse_error(reg, noise, "\"sound\"", 0, "has no sound slots");

    /* Valid: a declared sound never used is fine (and not looked for). */
    t = preset_text("{\"water\": \"water.wav\", \"unused\": \"never/there.flac\"}",
                    probe_node("{\"sound\": \"water\"}"));
    char err[1024];
    lull_preset *p = preset_load_string(t, "t.json", reg, err, sizeof err);
    CHECK(p && p->sound_count == 2 && p->sounds[0].used && !p->sounds[1].used &&
              p->nodes[0].slot_sounds && p->nodes[0].slot_sounds[0] == 0,
          "valid preset refused or misread: %s", p ? "" : err);
    preset_free(p);
}

/* Loading (which reads the files) must fail at the file string of `id`. */
static void expect_load_error(lull_engine *e, const char *sounds, const char *id,
                              const char *phrase)
{
    const char *text = preset_text(sounds, probe_node("{\"sound\": \"s\"}"));
    const char *path = fx_preset_file(text);
    char want[128], needle[64];
    snprintf(needle, sizeof needle, "\"%s\": ", id);
    /* the position of the value after the id */
    const char *at = strstr(text, needle);
    int line = 1, col = 1;
    for (const char *c = text; at && c < at + strlen(needle); c++) {
        if (*c == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    snprintf(want, sizeof want, "%s:%d:%d: sound \"%s\": ", path, line, col, id);
    char why[2048] = "";
    bool ok = fx_load(e, path, 0.1f, why, sizeof why);
    CHECK(!ok, "should be refused (%s)", phrase);
    CHECK(strncmp(why, want, strlen(want)) == 0 && strstr(why, phrase),
          "expected \"%s...%s\", got: %s", want, phrase, why);
    /* lull validate's check says the same. */
    char err[2048] = "";
    lull_preset *p = preset_load_file(path, lull_engine_registry(e), err, sizeof err);
    bool checked = p && preset_sounds_check(p, lull_engine_sound_bank(e), err, sizeof err);
    CHECK(p && !checked && strncmp(err, want, strlen(want)) == 0 && strstr(err, phrase),
          "validate's check: expected \"%s...%s\", got: %s", want, phrase, err);
    preset_free(p);
    fprintf(stderr, "  %s\n", why);
}

static lull_engine *sound_engine(double rate, bool threaded)
{
    lull_engine_config c;
    lull_engine_config_defaults(&c);
    c.sample_rate = rate;
    c.threaded = threaded;
    c.plugin_dirs[0] = test_env("LULL_PLUGIN_DIR");
    c.plugin_dirs[1] = g_probe_dir;
    c.sound_dirs[0] = g_sounds;
    char err[1024];
    lull_engine *e = lull_engine_create(&c, err, sizeof err);
    if (!e) {
        fprintf(stderr, "engine: %s\n", err);
        exit(2);
    }
    return e;
}

static void test_load_errors_and_playback(void)
{
    /* The files: a 441 Hz sine at 44.1 kHz (plays at 441 Hz whatever the rate), and
     * every kind of bad file. */
    write_sine(g_sounds, "tone.wav", 44100, 1, 44100 * 2, 441.0, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    write_sine(g_sounds, "loops/low.flac", 48000, 2, 48000, 110.0,
               SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
    write_sine(g_sounds, "six.wav", 48000, 6, 4800, 100.0, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    write_sine(g_sounds, "empty.wav", 48000, 1, 0, 100.0, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    write_sine(g_sounds, "huge.wav", 1000, 1, 601000, 50.0, SF_FORMAT_WAV | SF_FORMAT_PCM_U8);
    char path[600];
    snprintf(path, sizeof path, "%s/corrupt.wav", g_sounds);
    FILE *f = fopen(path, "wb");
    fputs("RIFF\x24\x00\x00\x00WAVEfmt garbage that is not a header", f);
    fclose(f);
    write_sine(g_outside, "secret.wav", 48000, 1, 4800, 100.0, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    char target[600], link[600];
    snprintf(target, sizeof target, "%s/secret.wav", g_outside);
    snprintf(link, sizeof link, "%s/escape.wav", g_sounds);
    CHECK(symlink(target, link) == 0, "symlink failed");

    lull_engine *e = sound_engine(48000.0, true);
    char why[2048];
    const char *good =
        fx_preset_file(preset_text("{\"s\": \"tone.wav\"}", probe_node("{\"sound\": \"s\"}")));
    CHECK(fx_load(e, good, 0.0f, why, sizeof why), "good preset: %s", why);
    const size_t n = 48000 * 3;
    float *l = calloc(n, sizeof(float)), *r = calloc(n, sizeof(float));
    fx_render(e, l, r, n, 256);
    /* After the 2 s fade-in: the file's tone, converted to 48 kHz. */
    double hz = ac_zero_cross_hz(l + (48000 * 2 + 4800), (size_t)(n - (48000 * 2 + 4800)), 48000.0);
    double level = ac_rms(l + (48000 * 2 + 4800), (size_t)(n - (48000 * 2 + 4800)));
    fprintf(stderr, "playing tone.wav (441 Hz at 44.1 kHz) at 48 kHz: %.3f Hz, rms %.4f\n", hz,
            level);
    CHECK(fabs(hz - 441.0) < 0.05, "tone.wav plays at %.3f Hz, not 441", hz);
    CHECK(level > 0.05, "tone.wav plays too quietly: rms %.4f", level);

    fprintf(stderr, "load errors:\n");
    expect_load_error(e, "{\"s\": \"missing/nothing.flac\"}", "s",
                      "no such file in the sound directories");
    expect_load_error(e, "{\"t\": \"tone.wav\", \"s\": \"escape.wav\"}", "s", "outside");
    expect_load_error(e, "{\"s\": \"corrupt.wav\"}", "s", "corrupt.wav");
    expect_load_error(e, "{\"s\": \"huge.wav\"}", "s", "oversized");
    expect_load_error(e, "{\"s\": \"empty.wav\"}", "s", "0 frames");
    expect_load_error(e, "{\"s\": \"six.wav\"}", "s", "6 channels");

    /* The refused loads left tone.wav playing, unchanged. */
    lull_engine_status st;
    lull_engine_get_status(e, &st);
    fx_render(e, l, r, 48000, 256);
    hz = ac_zero_cross_hz(l + 4800, (size_t)(48000 - 4800), 48000.0);
    level = ac_rms(l + 4800, (size_t)(48000 - 4800));
    CHECK(strstr(good, st.preset) && fabs(hz - 441.0) < 0.05 && level > 0.05,
          "after refused loads: preset \"%s\", %.3f Hz, rms %.4f", st.preset, hz, level);
    fprintf(stderr, "after 6 refused loads, still playing %s: %.3f Hz, rms %.4f\n", st.preset, hz,
            level);

    /* A second preset with the same file shares it; switching frees nothing it uses. */
    const char *also =
        fx_preset_file(preset_text("{\"again\": \"tone.wav\", \"low\": \"loops/low.flac\"}",
                                   probe_node("{\"sound\": \"again\"}")));
    CHECK(fx_load(e, also, 0.1f, why, sizeof why), "second preset: %s", why);
    fx_render(e, l, r, 48000, 256);
    sound_bank_stats bs;
    sound_bank_get_stats(lull_engine_sound_bank(e), &bs);
    /* tone.wav decoded once (shared); low.flac is declared but unused: never read;
     * the six refused files were decoded as far as their fault. */
    CHECK(bs.sounds == 1, "after the switch the bank holds %zu sounds (1: tone.wav)", bs.sounds);
    fprintf(stderr, "bank after the switch: %zu sound, %.1f KiB, %llu decodes\n", bs.sounds,
            bs.bytes / 1024.0, (unsigned long long)bs.decodes);
    lull_engine_destroy(e);

    /* At 44.1 kHz the same file needs no conversion: the probe's output starts with
     * the file's own samples (through the safety stage's gain). */
    e = sound_engine(44100.0, false);
    CHECK(fx_load(e, good, 0.0f, why, sizeof why), "at 44.1 kHz: %s", why);
    fx_render(e, l, r, 44100 * 3, 441);
    hz =
        ac_zero_cross_hz(l + (44100 * 2 + 4410), (size_t)(44100 * 3 - (44100 * 2 + 4410)), 44100.0);
    fprintf(stderr, "at 44.1 kHz: %.3f Hz\n", hz);
    CHECK(fabs(hz - 441.0) < 0.05, "at 44.1 kHz the tone plays at %.3f Hz", hz);
    lull_engine_destroy(e);
    free(l);
    free(r);
}

int main(void)
{
    const char *plugin_dir = test_env("LULL_PLUGIN_DIR");
    const char *tp = getenv("LULL_TEST_PLUGIN_DIR");
    if (tp && *tp)
        snprintf(g_probe_dir, sizeof g_probe_dir, "%s/sound", tp);
    else /* tests/plugins/CMakeLists.txt: build/test-plugins/sound */
        snprintf(g_probe_dir, sizeof g_probe_dir, "%s/../test-plugins/sound", plugin_dir);
    snprintf(g_sounds, sizeof g_sounds, "/tmp/lull-psounds-%d-XXXXXX", (int)getpid());
    snprintf(g_outside, sizeof g_outside, "/tmp/lull-poutside-%d-XXXXXX", (int)getpid());
    if (!mkdtemp(g_sounds) || !mkdtemp(g_outside)) {
        perror("mkdtemp");
        return 2;
    }
    char sub[400];
    snprintf(sub, sizeof sub, "%s/loops", g_sounds);
    mkdir(sub, 0755);

    const char *dirs[] = {plugin_dir, g_probe_dir, NULL};
    char err[1024];
    plugin_registry *reg = registry_load_dirs(dirs, err, sizeof err);
    if (!reg || !registry_find(reg, "sound_probe")) {
        fprintf(stderr, "sound_probe not found in %s: %s\n", g_probe_dir, reg ? "" : err);
        return 2;
    }
    test_parse_errors(reg);
    registry_free(reg);

    /* lull plugin-check binds a synthetic sound to every slot: the probe, which
     * refuses to activate without one, is checked like any node and passes. */
    char so[4300], *report = NULL;
    size_t report_len = 0;
    snprintf(so, sizeof so, "%s/sound_probe.so", g_probe_dir);
    FILE *rep = open_memstream(&report, &report_len);
    int status = plugin_check_run(so, rep);
    fclose(rep);
    CHECK(status == 0 && strstr(report, "PASS  activate") && strstr(report, "RESULT: PASS"),
          "plugin-check of a node with a sound slot:\n%s", report);
    free(report);
    test_load_errors_and_playback();

    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", g_sounds, g_outside);
    if (system(cmd) != 0) fprintf(stderr, "could not remove the temporary directories\n");
    return check_finish("test_preset_sounds");
}

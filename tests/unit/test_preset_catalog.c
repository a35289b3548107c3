/* The preset catalog behind /lull/preset/list and /lull/preset/info: only valid
 * presets are listed (a broken file is left out with its error, and comes back
 * when fixed), a name in an earlier directory hides a later one, presets load by
 * display name ignoring case, and the info carries display name, description,
 * tags and loudness target. Real files in a temporary directory, a real engine. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "engine/engine.h"

static char dir_a[256], dir_b[256];

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "cannot write %s", path);
    if (!f) exit(2);
    fputs(text, f);
    fclose(f);
}

#define TONE_GRAPH                                                                                 \
    "\"nodes\": [{\"name\": \"tone\", \"type\": \"osc\"}], \"connections\": [{\"from\": "          \
    "\"tone:out\", \"to\": \"out:left\"}, {\"from\": \"tone:out\", \"to\": \"out:right\"}]"

static bool g_done, g_ok;
static char g_name[128];
static void on_done(void *ud, bool ok, const char *name, const char *message)
{
    g_done = true;
    g_ok = ok;
    snprintf(g_name, sizeof g_name, "%s", name);
}

int main(void)
{
    snprintf(dir_a, sizeof dir_a, "/tmp/lull-catalog-a-XXXXXX");
    snprintf(dir_b, sizeof dir_b, "/tmp/lull-catalog-b-XXXXXX");
    CHECK(mkdtemp(dir_a) && mkdtemp(dir_b), "temp dirs");
    write_file(dir_a, "bowls.json",
               "{\"lull_preset\": 1, \"name\": \"Singing Bowls\", \"description\": \"Bowls.\","
               " \"tags\": [\"bowls\", \"calm\"], \"loudness\": -30, " TONE_GRAPH "}");
    write_file(dir_a, "broken.json",
               "{\"lull_preset\": 1, \"nodes\": [{\"name\": \"x\", \"type\": \"nosuchnode\"}],"
               " \"connections\": []}");
    write_file(dir_a, "plain.json", "{\"lull_preset\": 1, " TONE_GRAPH "}");
    write_file(dir_b, "plain.json", "{\"lull_preset\": 1, \"name\": \"Hidden\", " TONE_GRAPH "}");
    write_file(dir_b, "other.json", "{\"lull_preset\": 1, \"name\": \"Other\", " TONE_GRAPH "}");
    write_file(dir_b, "notjson.txt", "ignored");

    lull_engine_config ec;
    lull_engine_config_defaults(&ec);
    ec.sample_rate = 48000;
    ec.threaded = false;
    ec.preset_dirs[0] = dir_a;
    ec.preset_dirs[1] = dir_b;
    char err[1024];
    lull_engine *e = lull_engine_create(&ec, err, sizeof err);
    CHECK(e != NULL, "engine: %s", err);
    if (!e) return check_finish("test_preset_catalog");

    char names[16][64];
    size_t n = lull_engine_list_presets(e, names, 16);
    CHECK(n == 3 && !strcmp(names[0], "bowls") && !strcmp(names[1], "other") &&
              !strcmp(names[2], "plain"),
          "listed %zu: the valid ones, sorted (broken left out)", n);

    preset_info info;
    CHECK(lull_engine_preset_info(e, "singing bowls", &info, err, sizeof err),
          "info by display name: %s", err);
    CHECK(!strcmp(info.name, "bowls") && !strcmp(info.display_name, "Singing Bowls") &&
              !strcmp(info.description, "Bowls.") && info.tag_count == 2 &&
              !strcmp(info.tags[1], "calm") && info.loudness_lufs == -30.0f,
          "info fields: %s / %s / %u tags / %g LUFS", info.name, info.display_name, info.tag_count,
          info.loudness_lufs);
    CHECK(lull_engine_preset_info(e, "plain", &info, err, sizeof err) &&
              !strcmp(info.display_name, "plain") && isnan(info.loudness_lufs),
          "the first directory's plain wins, display name = file name, no loudness");
    CHECK(!lull_engine_preset_info(e, "broken", &info, err, sizeof err) &&
              strstr(err, "not valid") && strstr(err, "nosuchnode"),
          "a broken preset's info says why: %s", err);

    /* Load by display name (any case); a path never resolves. */
    g_done = false;
    CHECK(lull_engine_load_preset(e, "SINGING BOWLS", 0.1f, on_done, NULL, err, sizeof err) &&
              g_done && g_ok && !strcmp(g_name, "bowls"),
          "load by display name: %s (%s)", g_name, err);
    CHECK(!lull_engine_load_preset(e, "../bowls", 0.1f, on_done, NULL, err, sizeof err) &&
              strstr(err, "no preset is named"),
          "a path is refused: %s", err);
    g_done = false;
    bool accepted = lull_engine_load_preset(e, "broken", 0.1f, on_done, NULL, err, sizeof err);
    CHECK(accepted && g_done && !g_ok, "loading the broken file by name fails with its error");

    /* Fixed on disk: listed at the next look, without a restart. */
    sleep(1); /* a new modification time even on coarse clocks */
    write_file(dir_a, "broken.json", "{\"lull_preset\": 1, \"name\": \"Mended\", " TONE_GRAPH "}");
    n = lull_engine_list_presets(e, names, 16);
    CHECK(n == 4 && lull_engine_preset_info(e, "mended", &info, err, sizeof err),
          "the mended file is listed (%zu presets)", n);
    /* Deleted: gone. */
    char path[512];
    snprintf(path, sizeof path, "%s/other.json", dir_b);
    unlink(path);
    n = lull_engine_list_presets(e, names, 16);
    CHECK(n == 3, "a deleted preset is no longer listed (%zu)", n);

    lull_engine_destroy(e);
    const char *files[] = {"bowls.json", "broken.json", "plain.json"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir_a, files[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/plain.json", dir_b);
    unlink(path);
    snprintf(path, sizeof path, "%s/notjson.txt", dir_b);
    unlink(path);
    rmdir(dir_a);
    rmdir(dir_b);
    return check_finish("test_preset_catalog");
}

/* The one name checker (core/names.h) and the rules built on it: every alphabet
 * accepts what its users documented and refuses the rest, lengths stop at 63
 * bytes, and the preset-name and OSC-name rules keep their messages. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "core/names.h"
#include "osc/osc_server.h"
#include "preset/preset_name.h"

static const struct {
    const char *alphabet_name;
    const char *alphabet;
    const char *good[4];
    const char *bad[5];
} k_cases[] = {
    {"id", NAME_ID_CHARS, {"gain", "pad_1", "x", "0"}, {"", "Gain", "a.b", "a-b", "a b"}},
    {"type id",
     NAME_TYPE_ID_CHARS,
     {"noise", "ext.svf", "a_b.c", "9"},
     {"", "A", "a-b", "a/b", "é"}},
    {"tag", NAME_TAG_CHARS, {"water", "deep-sleep", "8d", "a"}, {"", "a_b", "Water", "a.b", "a b"}},
    {"file",
     NAME_FILE_CHARS,
     {"Surf", "night_forest", "v1.2", "a-b"},
     {"", "a b", "a/b", "é", "a\tb"}},
    {"osc", NAME_OSC_CHARS, {"Surf 2", "pad_1", "x.y", "A-b"}, {"", "a/b", "a:b", "a\nb", "é"}},
};

int main(void)
{
    int checked = 0;
    for (size_t c = 0; c < sizeof k_cases / sizeof k_cases[0]; c++) {
        for (int i = 0; i < 4; i++, checked++)
            CHECK(name_valid(k_cases[c].good[i], k_cases[c].alphabet, NAME_MAX_LEN),
                  "%s alphabet refuses \"%s\"", k_cases[c].alphabet_name, k_cases[c].good[i]);
        for (int i = 0; i < 5; i++, checked++)
            CHECK(!name_valid(k_cases[c].bad[i], k_cases[c].alphabet, NAME_MAX_LEN),
                  "%s alphabet accepts \"%s\"", k_cases[c].alphabet_name, k_cases[c].bad[i]);
    }
    CHECK(!name_valid(NULL, NAME_ID_CHARS, NAME_MAX_LEN), "NULL accepted");

    /* Length: 63 bytes pass, 64 do not; a caller's shorter limit holds. */
    char longest[NAME_MAX_LEN + 2];
    memset(longest, 'a', sizeof longest);
    longest[NAME_MAX_LEN] = '\0';
    CHECK(name_valid(longest, NAME_ID_CHARS, NAME_MAX_LEN), "63 bytes refused");
    longest[NAME_MAX_LEN] = 'a';
    longest[NAME_MAX_LEN + 1] = '\0';
    CHECK(!name_valid(longest, NAME_ID_CHARS, NAME_MAX_LEN), "64 bytes accepted");
    CHECK(!name_valid("abcde", NAME_ID_CHARS, 4) && name_valid("abcd", NAME_ID_CHARS, 4),
          "max_len 4 not applied");

    CHECK(name_first_bad("ab c", NAME_ID_CHARS) == 2 && name_first_bad("abc", NAME_ID_CHARS) == 3,
          "name_first_bad offsets");
    CHECK(name_is_plain("a.b") && !name_is_plain(".a") && !name_is_plain("a..b") &&
              !name_is_plain(".."),
          "name_is_plain");

    /* The preset-name rule (preset/preset_name.h): file names, never a way out. */
    char err[160];
    CHECK(preset_name_valid("night_forest", err, sizeof err), "night_forest refused: %s", err);
    CHECK(preset_name_valid("Surf-2.v1", err, sizeof err), "Surf-2.v1 refused: %s", err);
    CHECK(!preset_name_valid("../etc", err, sizeof err) && strstr(err, "only use"), "../etc: %s",
          err);
    CHECK(!preset_name_valid("a..b", err, sizeof err) && strstr(err, "\"..\""), "a..b: %s", err);
    CHECK(!preset_name_valid(".hidden", err, sizeof err), ".hidden accepted");
    CHECK(!preset_name_valid("", err, sizeof err) && strstr(err, "1..63"), "empty: %s", err);
    CHECK(!preset_name_valid(longest, err, sizeof err), "64-byte preset name accepted");
    printf("preset name refusal: %s\n", err);

    /* The OSC rule keeps its message naming the byte and its offset. */
    CHECK(!osc_name_is_safe("pad\x01", err, sizeof err) && strstr(err, "0x01 at 3"),
          "control byte: %s", err);
    printf("osc name refusal: %s\n", err);
    CHECK(osc_name_is_safe("Warm pad", err, sizeof err), "Warm pad refused: %s", err);
    CHECK(!osc_name_is_safe(longest, err, sizeof err) && strstr(err, "63"), "64 bytes: %s", err);

    /* "Did you mean": the closest candidate within a third of its length plus one. */
    name_suggestion sg = {"defualt", NULL, SIZE_MAX};
    const char *cands[] = {"drone", "default", "deep_drone", "defaults_long_name"};
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++)
        name_suggestion_consider(&sg, cands[i]);
    char hint[96];
    CHECK(sg.best && strcmp(sg.best, "default") == 0 && sg.distance == 2,
          "defualt -> %s (distance %zu)", sg.best ? sg.best : "none", sg.distance);
    CHECK(strcmp(name_suggestion_text(&sg, hint, sizeof hint), "; did you mean \"default\"?") == 0,
          "hint text: %s", hint);
    name_suggestion far = {"zzzzzz", NULL, SIZE_MAX};
    name_suggestion_consider(&far, "default");
    CHECK(far.best == NULL && name_suggestion_text(&far, hint, sizeof hint)[0] == '\0',
          "nothing close: no hint");
    name_suggestion tiny = {"x", NULL, SIZE_MAX};
    name_suggestion_consider(&tiny, "y");
    CHECK(tiny.best == NULL, "a one-letter name is never 'close' to another one-letter name");
    printf("suggestion: defualt%s\n", name_suggestion_text(&sg, hint, sizeof hint));

    printf("%d alphabet cases\n", checked);
    return check_finish("test_core_names");
}

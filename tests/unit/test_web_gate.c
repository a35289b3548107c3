/* lull-web's OSC gate: what a tablet's frame may carry to lulld. The allowlist
 * passes the therapist's controls and refuses sensors, sound design, bundles,
 * other types and malformed or oversize frames, each with a reason. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "osc_gate.h"

/* Builds an OSC message: types from "ifs", values from the varargs-free arrays. */
static size_t build(unsigned char *out, const char *address, const char *types, const int *ints,
                    const float *floats, const char *const *strings)
{
    size_t pos = 0;
    const char *parts[2] = {address, NULL};
    char tags[32];
    snprintf(tags, sizeof tags, ",%s", types);
    parts[1] = tags;
    for (int k = 0; k < 2; k++) {
        size_t n = strlen(parts[k]) + 1;
        memcpy(out + pos, parts[k], n);
        memset(out + pos + n, 0, ((n + 3) & ~(size_t)3) - n);
        pos += (n + 3) & ~(size_t)3;
    }
    int ni = 0, nf = 0, ns = 0;
    for (const char *t = types; *t; t++) {
        if (*t == 'i') {
            unsigned v = (unsigned)ints[ni++];
            unsigned char be[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                                   (unsigned char)(v >> 8), (unsigned char)v};
            memcpy(out + pos, be, 4);
            pos += 4;
        } else if (*t == 'f') {
            unsigned v;
            memcpy(&v, &floats[nf++], 4);
            unsigned char be[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                                   (unsigned char)(v >> 8), (unsigned char)v};
            memcpy(out + pos, be, 4);
            pos += 4;
        } else {
            size_t n = strlen(strings[ns]) + 1;
            memcpy(out + pos, strings[ns++], n);
            memset(out + pos + n, 0, ((n + 3) & ~(size_t)3) - n);
            pos += (n + 3) & ~(size_t)3;
        }
    }
    return pos;
}

static bool passes(const unsigned char *m, size_t n, char *why)
{
    char address[128];
    return osc_gate_check(m, n, address, sizeof address, why, 160);
}

int main(void)
{
    unsigned char m[8192];
    char why[160];
    float vol = -12.0f;
    const char *surf[] = {"surf"}, *guide[] = {"guide"}, *word[] = {"sigh"};
    int interval[] = {250};

    /* The therapist's controls pass. */
    struct {
        const char *address, *types;
    } ok[] = {{"/lull/status", ""},        {"/lull/preset/list", ""},  {"/lull/preset/info", ""},
              {"/lull/preset/load", "s"},  {"/lull/volume", "f"},      {"/lull/pacer/mode", "s"},
              {"/lull/session/start", ""}, {"/lull/session/stop", ""}, {"/lull/session/mark", "s"},
              {"/lull/subscribe", "i"},    {"/lull/unsubscribe", ""}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        const char *const *strs = !strcmp(ok[i].address, "/lull/pacer/mode")     ? guide
                                  : !strcmp(ok[i].address, "/lull/session/mark") ? word
                                                                                 : surf;
        size_t n = build(m, ok[i].address, ok[i].types, interval, &vol, strs);
        CHECK(passes(m, n, why), "%s refused: %s", ok[i].address, why);
    }

    /* Sensors, sound design and unknown addresses never pass. */
    const char *refused[] = {"/lull/bio/hr",
                             "/lull/bio/ecg",
                             "/lull/param/set",
                             "/lull/*",
                             "/lull/status/x",
                             "/LULL/STATUS",
                             "/"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        size_t n = build(m, refused[i], "f", NULL, &vol, NULL);
        bool p = passes(m, n, why);
        CHECK(!p && strstr(why, "not allowed"), "%s: passed=%d why=%s", refused[i], p, why);
    }
    printf("refused /lull/bio/hr: \"%s\"\n", why);

    /* Oversize: 4097 bytes is refused, a 4096-byte message passes. */
    char big[4200];
    memset(big, 'a', sizeof big);
    big[4096 - 24 - 1] = '\0'; /* address 20 + tags 4 + string padded to fill 4096 */
    const char *bigs[] = {big};
    size_t n = build(m, "/lull/session/mark", "s", NULL, NULL, bigs);
    printf("largest accepted frame: %zu bytes\n", n);
    CHECK(n <= OSC_GATE_MAX_FRAME && passes(m, n, why), "a %zu-byte frame refused: %s", n, why);
    big[4096 - 24 - 1] = 'a';
    big[4096 - 24 + 3] = '\0';
    n = build(m, "/lull/session/mark", "s", NULL, NULL, bigs);
    CHECK(n > OSC_GATE_MAX_FRAME && !passes(m, n, why) && strstr(why, "larger"),
          "a %zu-byte frame: %s", n, why);

    /* Malformed: truncation, bad padding, missing arguments, trailing bytes, types. */
    n = build(m, "/lull/volume", "f", NULL, &vol, NULL);
    CHECK(!passes(m, n - 4, why) && strstr(why, "malformed"), "missing argument: %s", why);
    CHECK(!passes(m, n - 1, why), "length not a multiple of 4");
    memset(m + n, 0, 4);
    CHECK(!passes(m, n + 4, why) && strstr(why, "after"), "trailing bytes: %s", why);
    n = build(m, "/lull/volume", "f", NULL, &vol, NULL);
    m[13] = 'x'; /* a pad byte of "/lull/volume\0\0\0\0" */
    CHECK(!passes(m, n, why), "bad padding passed");
    n = build(m, "/lull/volume", "", NULL, NULL, NULL);
    memcpy(m + 16, ",d\0\0\0\0\0\0\0\0\0\0", 12);
    CHECK(!passes(m, 28, why) && strstr(why, "type 'd'"), "double: %s", why);
    memcpy(m, "#bundle\0\0\0\0\0\0\0\0\1", 16);
    CHECK(!passes(m, 16, why) && strstr(why, "bundle"), "bundle: %s", why);
    memcpy(m, "/lull/status\0\0\0\0", 16); /* no type tags */
    CHECK(!passes(m, 16, why), "no type tags passed");

    /* The replies lull-web builds are well-formed OSC. */
    n = osc_gate_fail_message(m, sizeof m, "/lull/bio/hr", "address not allowed from a tablet");
    CHECK(n > 0 && n % 4 == 0 && !memcmp(m, "/lull/fail\0\0,ss\0", 16), "fail message");
    n = osc_gate_unsubscribe_message(m, sizeof m);
    CHECK(n == 24 && !memcmp(m, "/lull/unsubscribe\0\0\0,\0\0\0", 24), "unsubscribe: %zu", n);
    return check_finish("test_web_gate");
}

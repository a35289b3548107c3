/* Control handlers and /lull/state subscriptions of the OSC control surface
 * (osc_server_internal.h): one function per control address, each checking its
 * arguments, acting on the engine and answering /lull/done or /lull/fail; and
 * the timer-driven /lull/state stream. [control] thread, except on_load_done
 * ([worker]: a preset load finishes there). */
#include "osc/osc_server_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bio/release_detector.h"
#include "core/limits.h"
#include "core/names.h"
#include "core/rt.h"
#include "preset/preset.h"
#include "session/session_recorder.h"

/* ---- control handlers ------------------------------------------------------ */

static const char *sensor_state_name(uint8_t state)
{
    switch (state) {
    case LULL_SENSOR_OK: return "ok";
    case LULL_SENSOR_STALE: return "stale";
    default: return "none";
    }
}

static void add_kv_s(lo_message m, const char *k, const char *v)
{
    lo_message_add_string(m, k);
    lo_message_add_string(m, v);
}
static void add_kv_f(lo_message m, const char *k, double v)
{
    lo_message_add_string(m, k);
    lo_message_add_float(m, (float)v);
}
static void add_kv_i(lo_message m, const char *k, int64_t v)
{
    lo_message_add_string(m, k);
    lo_message_add_int32(m, v > INT32_MAX ? INT32_MAX : (int32_t)v);
}

void osc_on_status(const request *r, const char *address, const char *types, lo_arg **argv,
                   int argc)
{
    if (!osc_arg_count(r, address, argc, 0, 0, "(none)")) return;
    osc_server *s = r->s;
    lull_engine_status st;
    lull_engine *e = engine_slot_acquire(s->engine);
    lull_engine_get_status(e, &st);
    engine_slot_release(s->engine);
    osc_audio_status au = {.jack = "down"};
    if (s->audio_status) s->audio_status(s->audio_status_ud, &au);
    osc_server_counters c;
    osc_server_get_counters(s, &c);
    int subs = 0;
    for (int i = 0; i < MAX_SUBSCRIBERS; i++) subs += s->subs[i].used;

    lo_message m = lo_message_new();
    add_kv_s(m, "version", LULL_VERSION);
    add_kv_s(m, "jack", au.jack);
    add_kv_i(m, "rate", au.rate);
    add_kv_i(m, "period", au.period);
    add_kv_f(m, "dsp_load", au.dsp_load);
    add_kv_i(m, "xruns", au.xruns);
    add_kv_s(m, "preset", st.preset);
    add_kv_f(m, "tempo", st.tempo_bpm);
    add_kv_f(m, "pacer", st.pacer_rate);
    add_kv_s(m, "breath", sensor_state_name(st.features.breath_state));
    add_kv_s(m, "heart", sensor_state_name(st.features.heart_state));
    add_kv_i(m, "dropped", (int64_t)st.dropped);
    add_kv_f(m, "uptime", rt_now_s() - s->started_s);
    /* Beyond the contract's minimum: what a technician needs to diagnose. */
    add_kv_f(m, "volume", st.volume_db);
    add_kv_s(m, "session", st.session_running ? "running" : "stopped");
    add_kv_i(m, "faded_out", st.faded_out);
    add_kv_i(m, "crossfading", st.crossfading);
    add_kv_s(m, "pacer_mode", pacer_mode_name(st.pacer_mode));
    add_kv_f(m, "pacer_phase", st.pacer_phase);
    add_kv_i(m, "nan_events", (int64_t)st.nan_events);
    add_kv_s(m, "nan_node", st.nan_node);
    add_kv_i(m, "net_dropped", (int64_t)c.net_dropped);
    add_kv_i(m, "malformed", (int64_t)c.malformed);
    add_kv_i(m, "sensor_samples", (int64_t)c.sensor_samples);
    add_kv_i(m, "sensor_dropped", (int64_t)c.sensor_dropped);
    add_kv_i(m, "subscribers", subs);
    session_recorder *rec = session_recorder_global(); /* the session store's health */
    session_recorder_status ss = {.state = "off", .session_id = -1};
    if (rec) session_recorder_get_status(rec, &ss);
    add_kv_s(m, "session_db", ss.state);
    add_kv_s(m, "session_db_error", ss.message);
    add_kv_i(m, "session_id", ss.session_id);
    add_kv_i(m, "session_lost", (int64_t)(ss.lost + ss.dropped));
    osc_reply(r, "/lull/status.reply", m);
}

void osc_on_preset_list(const request *r, const char *address, const char *types, lo_arg **argv,
                        int argc)
{
    if (!osc_arg_count(r, address, argc, 0, 0, "(none)")) return;
    char(*names)[64] = r->s->preset_names;
    lull_engine *e = engine_slot_acquire(r->s->engine);
    size_t n = lull_engine_list_presets(e, names, MAX_PRESETS_LISTED);
    engine_slot_release(r->s->engine);
    lo_message m = lo_message_new();
    for (size_t i = 0; i < n; i++) lo_message_add_string(m, names[i]);
    osc_reply(r, "/lull/preset/list.reply", m);
}

/* A name a client may send for a preset: 1..127 bytes of printable UTF-8 (no
 * control characters). Resolution (file name, else display name) is the engine's. */
static bool display_name_ok(const char *name, char *why, size_t whylen)
{
    size_t n = strlen(name);
    if (n == 0 || n > 127) {
        snprintf(why, whylen, "a preset name has 1 to 127 bytes");
        return false;
    }
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        if (*c < 0x20 || *c == 0x7f) {
            snprintf(why, whylen, "control character in the name");
            return false;
        }
    return true;
}

static void send_preset_info(const request *r, const preset_info *info)
{
    lo_message m = lo_message_new();
    add_kv_s(m, "name", info->name);
    add_kv_s(m, "display_name", info->display_name);
    add_kv_s(m, "description", info->description);
    char tags[PRESET_INFO_TAGS * 34] = "";
    for (unsigned t = 0; t < info->tag_count; t++) {
        if (t) strcat(tags, ",");
        strcat(tags, info->tags[t]);
    }
    add_kv_s(m, "tags", tags);
    if (isfinite(info->loudness_lufs)) add_kv_f(m, "loudness", info->loudness_lufs);
    osc_reply(r, "/lull/preset/info.reply", m);
}

/* /lull/preset/info s:name -> one reply; with no name, one reply per preset (in
 * name order): the list with what a tablet shows on each card. */
void osc_on_preset_info(const request *r, const char *address, const char *types, lo_arg **argv,
                        int argc)
{
    const char *name = NULL;
    char why[256];
    if (!osc_arg_count(r, address, argc, 0, 1, "[s:name]") ||
        (argc == 1 && !osc_arg_string(r, address, types, argv, 0, "name", &name)))
        return;
    if (name && !display_name_ok(name, why, sizeof why)) {
        osc_send_fail(r, address, "preset name refused: %s", why);
        return;
    }
    preset_info *info = &r->s->preset_info;
    char(*names)[64] = r->s->preset_names;
    lull_engine *e = engine_slot_acquire(r->s->engine);
    if (name) {
        bool ok = lull_engine_preset_info(e, name, info, why, sizeof why);
        engine_slot_release(r->s->engine);
        if (ok)
            send_preset_info(r, info);
        else
            osc_send_fail(r, address, "%s", why);
        return;
    }
    size_t n = lull_engine_list_presets(e, names, MAX_PRESETS_LISTED);
    for (size_t i = 0; i < n; i++)
        if (lull_engine_preset_info(e, names[i], info, why, sizeof why)) send_preset_info(r, info);
    engine_slot_release(r->s->engine);
}

/* A preset load completes later on the engine's worker thread; the reply goes
 * to the sender recorded here. */
typedef struct pending_load {
    osc_server *s;
    struct sockaddr_storage addr;
    socklen_t len;
} pending_load;

static void on_load_done(void *ud, bool ok, const char *name, const char *message)
{
    pending_load *p = ud;
    lo_message m = lo_message_new();
    lo_message_add_string(m, "/lull/preset/load");
    if (ok) {
        lo_message_add_string(m, name);
        osc_send_message_to(p->s, (struct sockaddr *)&p->addr, p->len, "/lull/done", m);
    } else {
        char reason[256];
        snprintf(reason, sizeof reason, "preset '%s': %s", name, message);
        lo_message_add_string(m, reason);
        atomic_fetch_add(&p->s->failed, 1);
        osc_send_message_to(p->s, (struct sockaddr *)&p->addr, p->len, "/lull/fail", m);
    }
    lo_message_free(m);
    atomic_fetch_sub(&p->s->pending_loads, 1);
    free(p);
}

void osc_on_preset_load(const request *r, const char *address, const char *types, lo_arg **argv,
                        int argc)
{
    const char *name;
    double xfade = -1.0;
    char why[160];
    if (!osc_arg_count(r, address, argc, 1, 2, "s:name [f:crossfade_seconds]") ||
        !osc_arg_string(r, address, types, argv, 0, "name", &name))
        return;
    if (argc == 2 && !osc_arg_number(r, address, types, argv, 1, "crossfade_seconds", 0.0,
                                     LULL_MAX_CROSSFADE_S, &xfade))
        return;
    /* A file name, or a display name the engine finds in its catalog (which only
     * ever yields paths inside the preset directories). */
    if (!display_name_ok(name, why, sizeof why)) {
        osc_send_fail(r, address, "preset name refused: %s", why);
        return;
    }
    pending_load *p = calloc(1, sizeof *p);
    if (!p) {
        osc_send_fail(r, address, "out of memory");
        return;
    }
    p->s = r->s;
    memcpy(&p->addr, r->from, r->from_len);
    p->len = r->from_len;
    atomic_fetch_add(&r->s->pending_loads, 1);
    char err[256] = "";
    lull_engine *e = engine_slot_acquire(r->s->engine);
    bool accepted =
        lull_engine_load_preset(e, name, (float)xfade, on_load_done, p, err, sizeof err);
    engine_slot_release(r->s->engine);
    if (!accepted) {
        atomic_fetch_sub(&r->s->pending_loads, 1);
        free(p);
        osc_send_fail(r, address, "preset '%s': %s", name, err[0] ? err : "refused");
    }
}

void osc_on_param_set(const request *r, const char *address, const char *types, lo_arg **argv,
                      int argc)
{
    const char *node, *param;
    double value;
    char why[160];
    if (!osc_arg_count(r, address, argc, 3, 3, "s:node s:param f:value") ||
        !osc_arg_string(r, address, types, argv, 0, "node", &node) ||
        !osc_arg_string(r, address, types, argv, 1, "param", &param) ||
        !osc_arg_number(r, address, types, argv, 2, "value", -1e9, 1e9, &value))
        return;
    if (!osc_name_is_safe(node, why, sizeof why) || !osc_name_is_safe(param, why, sizeof why)) {
        osc_send_fail(r, address, "node/param name refused: %s", why);
        return;
    }
    char err[256] = "";
    lull_engine *e = engine_slot_acquire(r->s->engine);
    bool ok = lull_engine_set_param(e, node, param, (float)value, err, sizeof err);
    engine_slot_release(r->s->engine);
    if (!ok) {
        osc_send_fail(r, address, "%s", err[0] ? err : "refused");
        return;
    }
    char detail[160];
    snprintf(detail, sizeof detail, "%s.%s", node, param);
    osc_send_done(r, address, detail);
}

void osc_on_volume(const request *r, const char *address, const char *types, lo_arg **argv,
                   int argc)
{
    double db;
    if (!osc_arg_count(r, address, argc, 1, 1, "f:dB") ||
        !osc_arg_number(r, address, types, argv, 0, "dB", -120.0, 60.0, &db))
        return;
    lull_engine *e = engine_slot_acquire(r->s->engine);
    float applied;
    bool queued = lull_engine_set_volume(e, (float)db, &applied);
    engine_slot_release(r->s->engine);
    if (!queued) {
        osc_send_fail(r, address, "command queue full; dropped");
        return;
    }
    char detail[32];
    snprintf(detail, sizeof detail, "%.2f", (double)applied);
    osc_send_done(r, address, detail);
}

static void on_session(const request *r, const char *address, bool start, int argc)
{
    if (!osc_arg_count(r, address, argc, 0, 0, "(none)")) return;
    lull_engine *e = engine_slot_acquire(r->s->engine);
    bool queued = lull_engine_session(e, start);
    engine_slot_release(r->s->engine);
    if (queued)
        osc_send_done(r, address, start ? "started" : "stopping");
    else
        osc_send_fail(r, address, "command queue full; dropped");
}

void osc_on_session_start(const request *r, const char *address, const char *types, lo_arg **argv,
                          int argc)
{
    on_session(r, address, true, argc);
}

void osc_on_session_stop(const request *r, const char *address, const char *types, lo_arg **argv,
                         int argc)
{
    on_session(r, address, false, argc);
}

/* /lull/session/mark s:word: a therapist's marker, stored with the open session
 * (session/session_recorder.h). A word is 1..63 bytes without control
 * characters; it goes onto the recorder's queue, never to disk from here. */
void osc_on_session_mark(const request *r, const char *address, const char *types, lo_arg **argv,
                         int argc)
{
    const char *word;
    if (!osc_arg_count(r, address, argc, 1, 1, "s:word") ||
        !osc_arg_string(r, address, types, argv, 0, "word", &word))
        return;
    size_t n = strlen(word);
    if (n == 0 || n >= SESSION_TEXT_MAX) {
        osc_send_fail(r, address, "a mark is 1 to %d bytes, got %zu", SESSION_TEXT_MAX - 1, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)word[i] < 0x20 || word[i] == 0x7f) {
            osc_send_fail(r, address, "control character (0x%02x) at byte %zu of the mark",
                          (unsigned char)word[i], i);
            return;
        }
    session_recorder *rec = session_recorder_global();
    if (!rec) {
        osc_send_fail(r, address, "sessions are not recorded (lulld --session-db off)");
        return;
    }
    if (!session_recorder_mark(rec, session_wall_now(), word)) {
        osc_send_fail(r, address, "session queue full; mark dropped");
        return;
    }
    osc_send_done(r, address, word);
}

void osc_on_pacer_mode(const request *r, const char *address, const char *types, lo_arg **argv,
                       int argc)
{
    const char *mode_name;
    double target = 0.0;
    if (!osc_arg_count(r, address, argc, 1, 2, "s:off|follow|guide|resonance [f:target]") ||
        !osc_arg_string(r, address, types, argv, 0, "mode", &mode_name))
        return;
    int mode = pacer_mode_parse(mode_name);
    if (mode < 0) {
        osc_send_fail(r, address, "unknown pacer mode (expected off, follow, guide or resonance)");
        return;
    }
    if (argc == 2 && !osc_arg_number(r, address, types, argv, 1, "target breaths/min",
                                     LULL_PACER_MIN_TARGET, LULL_PACER_MAX_TARGET, &target))
        return;
    char err[256] = "";
    lull_engine *e = engine_slot_acquire(r->s->engine);
    bool ok = lull_engine_set_pacer(e, (enum pacer_mode)mode, (float)target, err, sizeof err);
    engine_slot_release(r->s->engine);
    if (!ok) {
        osc_send_fail(r, address, "%s", err[0] ? err : "refused");
        return;
    }
    osc_send_done(r, address, pacer_mode_name((enum pacer_mode)mode));
}

static bool same_sender(const subscriber *sub, const struct sockaddr *a, socklen_t len)
{
    return sub->used && sub->len == len && memcmp(&sub->addr, a, len) == 0;
}

void osc_on_subscribe(const request *r, const char *address, const char *types, lo_arg **argv,
                      int argc)
{
    double interval = 250.0;
    if (!osc_arg_count(r, address, argc, 0, 1, "[i:interval_ms]")) return;
    if (argc == 1 &&
        !osc_arg_number(r, address, types, argv, 0, "interval_ms", 20.0, 60000.0, &interval))
        return;
    osc_server *s = r->s;
    subscriber *slot = NULL;
    for (int i = 0; i < MAX_SUBSCRIBERS && !slot; i++)
        if (same_sender(&s->subs[i], r->from, r->from_len)) slot = &s->subs[i];
    for (int i = 0; i < MAX_SUBSCRIBERS && !slot; i++)
        if (!s->subs[i].used) slot = &s->subs[i];
    if (!slot) { /* full: the oldest subscription makes room (tablets come and go) */
        slot = &s->subs[0];
        for (int i = 1; i < MAX_SUBSCRIBERS; i++)
            if (s->subs[i].since_s < slot->since_s) slot = &s->subs[i];
        slot->used = false;
    }
    if (!slot->used) {
        slot->since_s = r->arrival_s;
        slot->seq = 0;
    }
    memcpy(&slot->addr, r->from, r->from_len);
    slot->len = r->from_len;
    slot->interval_ms = (unsigned)interval;
    slot->next_s = r->arrival_s;
    slot->expires_s = r->arrival_s + SUBSCRIPTION_LEASE_S;
    slot->used = true;
    char detail[32];
    snprintf(detail, sizeof detail, "%u", slot->interval_ms);
    osc_send_done(r, address, detail);
}

void osc_on_unsubscribe(const request *r, const char *address, const char *types, lo_arg **argv,
                        int argc)
{
    if (!osc_arg_count(r, address, argc, 0, 0, "(none)")) return;
    bool found = false;
    for (int i = 0; i < MAX_SUBSCRIBERS; i++)
        if (same_sender(&r->s->subs[i], r->from, r->from_len)) {
            r->s->subs[i].used = false;
            found = true;
        }
    if (!found) {
        osc_send_fail(r, address, "this address and port is not subscribed");
        return;
    }
    osc_send_done(r, address, "unsubscribed");
}

/* ---- subscriptions ------------------------------------------------------------ */

void osc_send_state(osc_server *s, double now)
{
    bool due = false;
    for (int i = 0; i < MAX_SUBSCRIBERS; i++) {
        if (s->subs[i].used && now > s->subs[i].expires_s)
            s->subs[i].used = false; /* lease ran out: not renewed */
        due |= s->subs[i].used && now >= s->subs[i].next_s;
    }
    if (!due) return;
    lull_engine_status st;
    lull_engine *e = engine_slot_acquire(s->engine);
    lull_engine_get_status(e, &st);
    engine_slot_release(s->engine);
    const lull_features *f = &st.features;
    /* The wall-clock time of this snapshot, UTC with milliseconds, so that a
     * client or a log can place it; the age a display shows is measured by the
     * receiver (its own clock), which needs no clock agreement. */
    char stamp[32] = "";
    struct timespec wall;
    struct tm utc;
    if (clock_gettime(CLOCK_REALTIME, &wall) == 0 && gmtime_r(&wall.tv_sec, &utc)) {
        size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
        snprintf(stamp + n, sizeof stamp - n, ".%03ldZ", wall.tv_nsec / 1000000L);
    }

    lo_message m = lo_message_new();
    add_kv_f(m, "breath", f->breath_rate);
    add_kv_s(m, "breath_state", sensor_state_name(f->breath_state));
    add_kv_f(m, "breath_phase", f->breath_phase);
    add_kv_f(m, "heart", f->heart_rate);
    add_kv_s(m, "heart_state", sensor_state_name(f->heart_state));
    add_kv_f(m, "coherence", f->coherence);
    add_kv_f(m, "arousal", f->arousal);
    /* Seconds each feature still needs before it is known (0 = known, NaN = no
     * sensor), and `learning`: the longest of them, so that a display shows
     * "learning, 40 s" rather than a bare NaN. */
    add_kv_f(m, "coherence_learning", f->coherence_learning_s);
    add_kv_f(m, "arousal_learning", f->arousal_learning_s);
    add_kv_f(m, "learning",
             fmaxf(isfinite(f->coherence_learning_s) ? f->coherence_learning_s : 0.0f,
                   isfinite(f->arousal_learning_s) ? f->arousal_learning_s : 0.0f));
    /* A release moment in progress (0/1) and its evidence ("sigh+irregular",
     * "" when none): bio/release_detector.h. */
    char why[64];
    release_evidence_text(f->release_evidence, why, (int)sizeof why);
    add_kv_f(m, "release", f->release);
    add_kv_s(m, "release_evidence", why);
    add_kv_f(m, "tempo", st.tempo_bpm);
    add_kv_f(m, "pacer", st.pacer_rate);
    add_kv_f(m, "pacer_phase", st.pacer_phase);
    add_kv_s(m, "preset", st.preset);
    add_kv_s(m, "time", stamp);
    /* Last, so that its value can be patched per subscriber in place below. */
    lo_message_add_string(m, "seq");
    lo_message_add_int32(m, 0);
    lo_arg **argv = lo_message_get_argv(m);
    int seq_arg = lo_message_get_argc(m) - 1;
    for (int i = 0; i < MAX_SUBSCRIBERS; i++) {
        subscriber *sub = &s->subs[i];
        if (!sub->used || now < sub->next_s) continue;
        /* Counts 1, 2, 3... per subscriber: a gap is a lost datagram. */
        int32_t seq = (int32_t)(++sub->seq & 0x7fffffff);
        memcpy(argv[seq_arg], &seq, sizeof seq); /* host order, as liblo keeps it */
        osc_send_message_to(s, (struct sockaddr *)&sub->addr, sub->len, "/lull/state", m);
        sub->next_s += sub->interval_ms * 1e-3;
        if (sub->next_s < now) /* fell behind (e.g. a stall): don't burst to catch up */
            sub->next_s = now + sub->interval_ms * 1e-3;
    }
    lo_message_free(m);
}

int osc_next_timer_ms(const osc_server *s, double now)
{
    double wait = 0.05; /* also the latency of osc_server_destroy */
    for (int i = 0; i < MAX_SUBSCRIBERS; i++)
        if (s->subs[i].used && s->subs[i].next_s - now < wait) wait = s->subs[i].next_s - now;
    return wait <= 0 ? 0 : (int)ceil(wait * 1000.0);
}

#include "osc/device_map.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/install_paths.h"

#define MAP_FILE_MAX (256 * 1024)

static const struct {
    const char *address;
    enum sensor_kind kind;
} k_targets[] = {
    {"/lull/bio/resp", SENSOR_RESP}, {"/lull/bio/ecg", SENSOR_ECG}, {"/lull/bio/ppg", SENSOR_PPG},
    {"/lull/bio/rr", SENSOR_RR},     {"/lull/bio/hr", SENSOR_HR},
};

const char *device_map_lull_address(enum sensor_kind kind)
{
    for (size_t i = 0; i < sizeof k_targets / sizeof k_targets[0]; i++)
        if (k_targets[i].kind == kind) return k_targets[i].address;
    return "?";
}

void device_map_init(device_map *m) { m->n = 0; }

static bool fail(char *err, size_t errlen, const char *name, int line, const char *fmt, ...)
{
    int used = snprintf(err, errlen, "%s:%d: ", name, line);
    va_list ap;
    va_start(ap, fmt);
    if (used >= 0 && (size_t)used < errlen) vsnprintf(err + used, errlen - (size_t)used, fmt, ap);
    va_end(ap);
    return false;
}

static bool parse_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v)) return false;
    *out = v;
    return true;
}

static bool parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < lo || v > hi) return false;
    *out = (int)v;
    return true;
}

static bool valid_address(const char *a)
{
    if (a[0] != '/' || strlen(a) >= DEVICE_MAP_ADDRESS_MAX) return false;
    for (const char *p = a; *p; p++)
        if (!isgraph((unsigned char)*p) || strchr("#*,?[]{}", *p)) return false;
    return true;
}

/* One rule line (comment stripped, not blank). */
static bool parse_rule(const char *name, int line, char *text, device_rule *r, char *err,
                       size_t errlen)
{
    char *tok[16];
    int nt = 0;
    for (char *save = NULL, *t = strtok_r(text, " \t\r", &save); t;
         t = strtok_r(NULL, " \t\r", &save)) {
        if (nt == 16) return fail(err, errlen, name, line, "too many fields");
        tok[nt++] = t;
    }
    if (nt < 3 || strcmp(tok[1], "->"))
        return fail(err, errlen, name, line,
                    "expected \"DEVICE_ADDRESS -> LULL_ADDRESS [options]\"");
    if (!valid_address(tok[0]))
        return fail(err, errlen, name, line,
                    "bad device address \"%s\" (must start with '/', no spaces or wildcards, "
                    "under %d chars)",
                    tok[0], DEVICE_MAP_ADDRESS_MAX);
    memset(r, 0, sizeof *r);
    snprintf(r->address, sizeof r->address, "%s", tok[0]);
    size_t ti = 0;
    while (ti < sizeof k_targets / sizeof k_targets[0] && strcmp(tok[2], k_targets[ti].address))
        ti++;
    if (ti == sizeof k_targets / sizeof k_targets[0])
        return fail(err, errlen, name, line,
                    "unknown lull address \"%s\" (one of /lull/bio/resp, /lull/bio/ecg, "
                    "/lull/bio/ppg, /lull/bio/rr, /lull/bio/hr)",
                    tok[2]);
    r->kind = k_targets[ti].kind;
    r->arg = -1;
    r->nargs = 0;
    r->scale = 1.0;
    r->offset = 0.0;
    r->type = 'f';
    for (int i = 3; i < nt; i++) {
        char *eq = strchr(tok[i], '=');
        if (!eq || eq == tok[i] || !eq[1])
            return fail(err, errlen, name, line, "expected KEY=VALUE, got \"%s\"", tok[i]);
        *eq = '\0';
        const char *key = tok[i], *val = eq + 1;
        if (!strcmp(key, "arg")) {
            if (!parse_int(val, 0, 255, &r->arg))
                return fail(err, errlen, name, line, "arg must be an integer 0..255, got \"%s\"",
                            val);
        } else if (!strcmp(key, "args")) {
            if (!parse_int(val, 1, 256, &r->nargs))
                return fail(err, errlen, name, line, "args must be an integer 1..256, got \"%s\"",
                            val);
        } else if (!strcmp(key, "scale")) {
            if (!parse_number(val, &r->scale) || r->scale == 0.0)
                return fail(err, errlen, name, line,
                            "scale must be a finite non-zero number, got \"%s\"", val);
        } else if (!strcmp(key, "offset")) {
            if (!parse_number(val, &r->offset))
                return fail(err, errlen, name, line, "offset must be a finite number, got \"%s\"",
                            val);
        } else if (!strcmp(key, "rate")) {
            if (!parse_number(val, &r->rate) || r->rate <= 0.0 || r->rate > 10000.0)
                return fail(err, errlen, name, line,
                            "rate must be a number of Hz in (0, 10000], got \"%s\"", val);
            if (r->kind == SENSOR_RR || r->kind == SENSOR_HR)
                return fail(err, errlen, name, line, "rate applies to waveforms only, not %s",
                            tok[2]);
        } else if (!strcmp(key, "type")) {
            if (strcmp(val, "f") && strcmp(val, "i"))
                return fail(err, errlen, name, line, "type must be f or i, got \"%s\"", val);
            r->type = val[0];
        } else {
            return fail(err, errlen, name, line,
                        "unknown option \"%s\" (arg, args, scale, offset, rate, type)", key);
        }
    }
    if (r->nargs && r->arg < 0)
        return fail(err, errlen, name, line, "args=N needs arg=N (which argument is the sample)");
    if (r->arg >= 0 && !r->nargs) r->nargs = r->arg + 1;
    if (r->arg >= r->nargs)
        return fail(err, errlen, name, line, "arg=%d is not among the %d arguments (args)", r->arg,
                    r->nargs);
    snprintf(r->source, sizeof r->source, "%.50s:%d", name, line);
    return true;
}

bool device_map_parse(device_map *m, const char *text, const char *name, char *err, size_t errlen)
{
    device_map tmp = *m;
    int line = 0;
    for (const char *p = text; *p;) {
        line++;
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char buf[1024];
        if (len >= sizeof buf) return fail(err, errlen, name, line, "line too long");
        memcpy(buf, p, len);
        buf[len] = '\0';
        p += len + (nl ? 1 : 0);
        char *hash = strchr(buf, '#');
        if (hash) *hash = '\0';
        char *s = buf;
        while (isspace((unsigned char)*s)) s++;
        if (!*s) continue;
        device_rule r;
        if (!parse_rule(name, line, s, &r, err, errlen)) return false;
        /* One address may feed several signals, one rule per argument (a
         * multi-channel frame such as the R-IoT's /<ID>/bitalino); the rules of
         * one address must then agree on what the message looks like. */
        for (const device_rule *o = device_map_next(&tmp, r.address, NULL); o;
             o = device_map_next(&tmp, r.address, o)) {
            if (o->arg < 0 || r.arg < 0)
                return fail(err, errlen, name, line,
                            "%s is already mapped (%s); one address feeds several signals only "
                            "with arg=N on each of its rules",
                            r.address, o->source);
            if (o->arg == r.arg)
                return fail(err, errlen, name, line, "argument %d of %s is already mapped (%s)",
                            r.arg, r.address, o->source);
            if (o->nargs != r.nargs)
                return fail(err, errlen, name, line,
                            "%s has args=%d here but args=%d in %s: the rules of one address "
                            "must agree on its argument count",
                            r.address, r.nargs, o->nargs, o->source);
            if (o->type != r.type)
                return fail(err, errlen, name, line,
                            "%s has type=%c here but type=%c in %s: the rules of one address "
                            "must agree on its argument type",
                            r.address, r.type, o->type, o->source);
        }
        if (tmp.n == DEVICE_MAP_MAX_RULES)
            return fail(err, errlen, name, line, "too many rules (at most %d)",
                        DEVICE_MAP_MAX_RULES);
        tmp.rules[tmp.n++] = r;
    }
    *m = tmp;
    return true;
}

bool device_map_load(device_map *m, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    char *text = malloc(MAP_FILE_MAX + 1);
    size_t n = text ? fread(text, 1, MAP_FILE_MAX + 1, f) : 0;
    bool read_error = ferror(f);
    fclose(f);
    if (!text || read_error || n > MAP_FILE_MAX) {
        snprintf(err, errlen, "%s: %s", path,
                 !text        ? "out of memory"
                 : read_error ? "read error"
                              : "file too large");
        free(text);
        return false;
    }
    text[n] = '\0';
    if (memchr(text, '\0', n)) {
        free(text);
        snprintf(err, errlen, "%s: not a text file (NUL byte)", path);
        return false;
    }
    const char *base = strrchr(path, '/');
    bool ok = device_map_parse(m, text, base ? base + 1 : path, err, errlen);
    free(text);
    return ok;
}

const device_rule *device_map_find(const device_map *m, const char *address)
{
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->rules[i].address, address)) return &m->rules[i];
    return NULL;
}

const device_rule *device_map_rule_for(const device_map *m, enum sensor_kind kind)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->rules[i].kind == kind) return &m->rules[i];
    return NULL;
}

/* liblo's argument pointers are only 4-byte aligned (OSC pads to 4), while the
 * lo_arg union asks for 8: read the bytes rather than the union member. */
static bool numeric_arg(char type, const lo_arg *a, double *out)
{
    switch (type) {
    case LO_FLOAT: {
        float f;
        memcpy(&f, a, sizeof f);
        *out = f;
        return true;
    }
    case LO_DOUBLE: memcpy(out, a, sizeof *out); return true;
    case LO_INT32: {
        int32_t i;
        memcpy(&i, a, sizeof i);
        *out = i;
        return true;
    }
    case LO_INT64: {
        int64_t h;
        memcpy(&h, a, sizeof h);
        *out = (double)h;
        return true;
    }
    default: return false;
    }
}

const device_rule *device_map_next(const device_map *m, const char *address,
                                   const device_rule *after)
{
    size_t i = after ? (size_t)(after - m->rules) + 1 : 0;
    for (; i < m->n; i++)
        if (!strcmp(m->rules[i].address, address)) return &m->rules[i];
    return NULL;
}

bool device_rule_translate(const device_rule *r, const char *types, lo_arg **argv, int argc,
                           float *values, int max, int *count, const char **why)
{
    int first = r->arg >= 0 ? r->arg : 0;
    int n = r->arg >= 0 ? 1 : argc;
    if (argc == 0 || first >= argc) {
        *why = "fewer arguments than the map expects";
        return false;
    }
    if (n > max) {
        *why = "more values than fit one sensor batch";
        return false;
    }
    for (int i = 0; i < n; i++) {
        double v;
        if (!numeric_arg(types[first + i], argv[first + i], &v)) {
            *why = "non-numeric argument";
            return false;
        }
        v = v * r->scale + r->offset;
        if (!isfinite(v) || fabs(v) > 1e30) {
            *why = "non-finite value";
            return false;
        }
        values[i] = (float)v;
    }
    *count = n;
    return true;
}

int device_map_translate_all(const device_map *m, const char *address, const char *types,
                             lo_arg **argv, int argc, float *values, int max, device_output *outs,
                             int max_outs, const char **why, const device_rule **bad)
{
    int nout = 0, used = 0;
    for (const device_rule *r = device_map_next(m, address, NULL); r;
         r = device_map_next(m, address, r)) {
        int n = 0;
        if (nout == max_outs) {
            *why = "more rules for this address than outputs";
            if (bad) *bad = r;
            return -1;
        }
        if (!device_rule_translate(r, types, argv, argc, values + used, max - used, &n, why)) {
            if (bad) *bad = r;
            return -1;
        }
        outs[nout++] = (device_output){.rule = r, .kind = r->kind, .first = used, .count = n};
        used += n;
    }
    return nout;
}

int device_map_translate(const device_map *m, const char *address, const char *types, lo_arg **argv,
                         int argc, enum sensor_kind *kind, float *values, int max, int *count,
                         const device_rule **rule, const char **why)
{
    const device_rule *r = device_map_find(m, address);
    if (rule) *rule = r;
    if (!r) return 0;
    if (!device_rule_translate(r, types, argv, argc, values, max, count, why)) return -1;
    *kind = r->kind;
    return 1;
}

static void add_value(lo_message msg, char type, double v)
{
    if (type == 'i')
        lo_message_add_int32(msg, (int32_t)lround(fmax(-2147483648.0, fmin(2147483647.0, v))));
    else
        lo_message_add_float(msg, (float)v);
}

lo_message device_rule_message(const device_rule *r, const float *values, int n)
{
    if (n < 1 || (r->arg >= 0 && n != 1)) return NULL;
    lo_message msg = lo_message_new();
    if (!msg) return NULL;
    if (r->arg >= 0) {
        for (int i = 0; i < r->nargs; i++)
            add_value(msg, r->type, i == r->arg ? (values[0] - r->offset) / r->scale : 0.0);
    } else {
        for (int i = 0; i < n; i++) add_value(msg, r->type, (values[i] - r->offset) / r->scale);
    }
    return msg;
}

const char *device_map_dir(void)
{
    const char *env = getenv("LULL_DEVICE_MAP_DIR");
    if (env && *env) return env;
    /* The source tree's tools/devices only for a program running from the build tree. */
    return lull_default_device_map_dir();
}

void device_map_path_for(const char *dialect, char *out, size_t outlen)
{
    size_t len = strlen(dialect);
    if (strchr(dialect, '/') || (len > 4 && !strcmp(dialect + len - 4, ".map")))
        snprintf(out, outlen, "%s", dialect);
    else
        snprintf(out, outlen, "%s/%s.map", device_map_dir(), dialect);
}

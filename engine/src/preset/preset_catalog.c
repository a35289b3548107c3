#include "preset/preset_catalog.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/names.h"

#include "core/log.h"
#include "preset/preset.h"
#include "preset/preset_name.h"

#define CATALOG_MAX_DIRS 8

/* One *.json file seen in a directory; `seen` marks it present in this scan. */
typedef struct catalog_file {
    char name[64];
    char path[4096];
    struct timespec mtime;
    off_t size;
    bool valid, seen;
    char error[1024]; /* why it was refused, when !valid */
    preset_info info;
} catalog_file;

struct preset_catalog {
    char *dirs[CATALOG_MAX_DIRS + 1];
    const struct plugin_registry *reg;
    catalog_file *files; /* PRESET_CATALOG_MAX */
    size_t file_count;
    const preset_info *sorted[PRESET_CATALOG_MAX];
    size_t valid_count;
    bool warned_full;
};

preset_catalog *preset_catalog_new(const char *const *dirs, const struct plugin_registry *reg)
{
    preset_catalog *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->reg = reg;
    c->files = calloc(PRESET_CATALOG_MAX, sizeof *c->files);
    if (!c->files) {
        free(c);
        return NULL;
    }
    for (size_t i = 0; dirs && dirs[i] && i < CATALOG_MAX_DIRS; i++) {
        c->dirs[i] = strdup(dirs[i]);
        if (!c->dirs[i]) {
            preset_catalog_free(c);
            return NULL;
        }
    }
    return c;
}

void preset_catalog_free(preset_catalog *c)
{
    if (!c) return;
    for (size_t i = 0; c->dirs[i]; i++) free(c->dirs[i]);
    free(c->files);
    free(c);
}

static catalog_file *find_file(preset_catalog *c, const char *name)
{
    for (size_t i = 0; i < c->file_count; i++)
        if (strcmp(c->files[i].name, name) == 0) return &c->files[i];
    return NULL;
}

static void copy_info(preset_info *info, const lull_preset *p, const catalog_file *f)
{
    memset(info, 0, sizeof *info);
    snprintf(info->name, sizeof info->name, "%s", f->name);
    snprintf(info->path, sizeof info->path, "%s", f->path);
    snprintf(info->display_name, sizeof info->display_name, "%s",
             p->display_name && *p->display_name ? p->display_name : f->name);
    snprintf(info->description, sizeof info->description, "%s",
             p->description ? p->description : "");
    for (size_t t = 0; t < p->tag_count && t < PRESET_INFO_TAGS; t++)
        snprintf(info->tags[info->tag_count++], sizeof info->tags[0], "%s", p->tags[t]);
    info->loudness_lufs = p->loudness_lufs;
}

/* Parse and validate one file (only when it is new or changed). */
static void examine(preset_catalog *c, catalog_file *f, const struct stat *st)
{
    bool changed = f->size != st->st_size || f->mtime.tv_sec != st->st_mtim.tv_sec ||
                   f->mtime.tv_nsec != st->st_mtim.tv_nsec || !f->path[0];
    f->seen = true;
    if (!changed) return;
    f->size = st->st_size;
    f->mtime = st->st_mtim;
    char err[1024] = "";
    lull_preset *p = preset_load_file(f->path, c->reg, err, sizeof err);
    f->valid = p != NULL;
    if (p) {
        copy_info(&f->info, p, f);
        f->error[0] = '\0';
        preset_free(p);
    } else {
        snprintf(f->error, sizeof f->error, "%s", err);
        log_warn("preset %s is not listed: %s", f->name, err);
    }
}

static int cmp_info(const void *a, const void *b)
{
    const preset_info *x = *(const preset_info *const *)a, *y = *(const preset_info *const *)b;
    return strcmp(x->name, y->name);
}

static void scan_dir(preset_catalog *c, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len <= 5 || len - 5 >= 64 || strcmp(de->d_name + len - 5, ".json") != 0) continue;
        char name[64], why[128];
        snprintf(name, sizeof name, "%.*s", (int)(len - 5), de->d_name);
        if (!preset_name_valid(name, why, sizeof why)) continue;
        catalog_file *f = find_file(c, name);
        if (f && f->seen) continue; /* an earlier directory has it: that one wins */
        char path[4096];
        struct stat st;
        if (snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path ||
            stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (!f) {
            if (c->file_count >= PRESET_CATALOG_MAX) {
                if (!c->warned_full)
                    log_warn("more than %d preset files: %s and later ones are not listed",
                             PRESET_CATALOG_MAX, path);
                c->warned_full = true;
                continue;
            }
            f = &c->files[c->file_count++];
            memset(f, 0, sizeof *f);
            snprintf(f->name, sizeof f->name, "%s", name);
        }
        if (strcmp(f->path, path) != 0) {
            snprintf(f->path, sizeof f->path, "%s", path);
            f->size = -1; /* moved to another directory: examine again */
        }
        examine(c, f, &st);
    }
    closedir(d);
}

size_t preset_catalog_refresh(preset_catalog *c)
{
    for (size_t i = 0; i < c->file_count; i++) c->files[i].seen = false;
    for (size_t i = 0; c->dirs[i]; i++) scan_dir(c, c->dirs[i]);
    /* forget files that disappeared */
    size_t k = 0;
    for (size_t i = 0; i < c->file_count; i++)
        if (c->files[i].seen) {
            if (k != i) c->files[k] = c->files[i];
            k++;
        }
    c->file_count = k;
    c->valid_count = 0;
    for (size_t i = 0; i < c->file_count; i++)
        if (c->files[i].valid) c->sorted[c->valid_count++] = &c->files[i].info;
    qsort(c->sorted, c->valid_count, sizeof c->sorted[0], cmp_info);
    return c->valid_count;
}

size_t preset_catalog_count(const preset_catalog *c) { return c->valid_count; }

const preset_info *preset_catalog_get(const preset_catalog *c, size_t i)
{
    return i < c->valid_count ? c->sorted[i] : NULL;
}

const preset_info *preset_catalog_find(const preset_catalog *c, const char *name)
{
    for (size_t i = 0; i < c->valid_count; i++)
        if (strcmp(c->sorted[i]->name, name) == 0) return c->sorted[i];
    for (size_t i = 0; i < c->valid_count; i++)
        if (strcasecmp(c->sorted[i]->display_name, name) == 0) return c->sorted[i];
    return NULL;
}

void preset_catalog_suggest(const preset_catalog *c, name_suggestion *s)
{
    for (size_t i = 0; i < c->valid_count; i++) {
        name_suggestion_consider(s, c->sorted[i]->name);
        name_suggestion_consider(s, c->sorted[i]->display_name);
    }
}

const char *preset_catalog_error(const preset_catalog *c, const char *name)
{
    for (size_t i = 0; i < c->file_count; i++)
        if (!c->files[i].valid && strcmp(c->files[i].name, name) == 0) return c->files[i].error;
    return "";
}

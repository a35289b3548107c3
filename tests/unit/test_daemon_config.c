/* lulld's settings: flags, the config file, precedence (flags win, list flags
 * replace the file's list), and errors that name the flag or file:line. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/log.h"
#include "daemon/config.h"

static enum lulld_config_outcome run(lulld_config *c, char *err, size_t errlen, int argc, ...)
{
    char *argv[32];
    va_list ap;
    va_start(ap, argc);
    argv[0] = "lulld";
    for (int i = 1; i < argc; i++) argv[i] = va_arg(ap, char *);
    va_end(ap);
    err[0] = '\0';
    return lulld_config_from_args(c, argc, argv, err, errlen);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

int main(void)
{
    static lulld_config c;
    char err[512];

    CHECK(run(&c, err, sizeof err, 1) == LULLD_CONFIG_RUN, "no flags: %s", err);
    CHECK(c.osc_port == 9000 && !strcmp(c.jack_name, "lulld") && c.max_volume_db == 0.0f &&
              c.log_level == LOG_INFO && c.allow.count == 8 && c.preset[0] == '\0',
          "defaults");

    CHECK(run(&c, err, sizeof err, 11, "--osc-port", "9100", "--preset=surf", "--allow",
              "10.0.0.0/8", "--allow", "192.168.4.0/24", "--connect", "a:x,b:y",
              "--max-volume=-3") == LULLD_CONFIG_RUN,
          "flags: %s", err);
    CHECK(c.osc_port == 9100 && !strcmp(c.preset, "surf") && c.allow.count == 2 &&
              c.connect_count == 2 && !strcmp(c.connect[1], "b:y") && c.max_volume_db == -3.0f,
          "flag values");

    char dir[] = "/tmp/lull_cfg_XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char path[256];
    snprintf(path, sizeof path, "%s/lulld.conf", dir);
    write_file(path, "# lulld\n  osc-port = 9200\npreset=drone\nallow = 10.0.0.0/8\n"
                     "allow = 172.16.0.0/12\nconnect = p:1\nconnect = p:2\n"
                     "log-level = debug\n\n");
    CHECK(run(&c, err, sizeof err, 3, "--config", path) == LULLD_CONFIG_RUN, "file: %s", err);
    CHECK(c.osc_port == 9200 && !strcmp(c.preset, "drone") && c.allow.count == 2 &&
              c.connect_count == 2 && c.log_level == LOG_DEBUG,
          "file values (port %d, allow %zu, connect %zu)", c.osc_port, c.allow.count,
          c.connect_count);
    /* Flags win; a list flag replaces the file's list. Order of --config is free. */
    CHECK(run(&c, err, sizeof err, 7, "--osc-port", "9300", "--allow", "127.0.0.0/8", "--config",
              path) == LULLD_CONFIG_RUN,
          "file+flags: %s", err);
    CHECK(c.osc_port == 9300 && c.allow.count == 1 && !strcmp(c.preset, "drone"),
          "precedence (port %d, allow %zu)", c.osc_port, c.allow.count);

    /* Errors: exit 2 material, with the place named. */
    struct {
        const char *text;
        const char *want;
    } bad_files[] = {
        {"osc-port = 9000\nmax-volume = loud\n", ":2: max-volume"},
        {"volume = 3\n", ":1: unknown key 'volume'"},
        {"just words\n", ":1: expected 'key = value'"},
        {"config = other.conf\n", ":1: unknown key 'config'"},
        {"\n\nallow = 300.0.0.0/8\n", ":3: allow"},
        {"osc-port =\n", ":1: osc-port"},
    };
    for (size_t i = 0; i < sizeof bad_files / sizeof bad_files[0]; i++) {
        write_file(path, bad_files[i].text);
        CHECK(run(&c, err, sizeof err, 3, "--config", path) == LULLD_CONFIG_ERROR,
              "accepted file '%s'", bad_files[i].text);
        CHECK(strstr(err, path) && strstr(err, bad_files[i].want), "message '%s' lacks '%s'", err,
              bad_files[i].want);
    }
    CHECK(run(&c, err, sizeof err, 2, "--nope") == LULLD_CONFIG_ERROR &&
              strstr(err, "unknown option '--nope'"),
          "unknown flag: %s", err);
    CHECK(run(&c, err, sizeof err, 2, "--jack-name") == LULLD_CONFIG_ERROR &&
              strstr(err, "needs a value"),
          "missing value: %s", err);
    CHECK(run(&c, err, sizeof err, 3, "--jack-name", "a:b") == LULLD_CONFIG_ERROR, "colon name");
    CHECK(run(&c, err, sizeof err, 3, "--bind", "10.0.0.0/8") == LULLD_CONFIG_ERROR, "bind CIDR");
    CHECK(run(&c, err, sizeof err, 3, "--bind", "::1") == LULLD_CONFIG_RUN, "bind ::1: %s", err);
    CHECK(run(&c, err, sizeof err, 3, "--connect", "a,,b") == LULLD_CONFIG_ERROR, "empty port");
    CHECK(run(&c, err, sizeof err, 3, "--max-volume", "inf") == LULLD_CONFIG_ERROR, "inf volume");
    CHECK(run(&c, err, sizeof err, 3, "--osc-port", "12.5") == LULLD_CONFIG_ERROR, "port 12.5");
    CHECK(run(&c, err, sizeof err, 3, "--preset", "../../x") == LULLD_CONFIG_ERROR, "preset path");
    /* Memory locking: on unless turned off, by flag or file; nothing else accepted. */
    CHECK(run(&c, err, sizeof err, 1) == LULLD_CONFIG_RUN && c.mlock, "mlock on by default");
    CHECK(run(&c, err, sizeof err, 3, "--mlock", "off") == LULLD_CONFIG_RUN && !c.mlock,
          "--mlock off: %s", err);
    CHECK(run(&c, err, sizeof err, 3, "--mlock", "maybe") == LULLD_CONFIG_ERROR &&
              strstr(err, "'maybe' is not on or off"),
          "--mlock maybe: %s", err);
    write_file(path, "mlock = off\n");
    CHECK(run(&c, err, sizeof err, 3, "--config", path) == LULLD_CONFIG_RUN && !c.mlock,
          "mlock = off in a file: %s", err);
    write_file(path, "\nmlock = yes\n");
    CHECK(run(&c, err, sizeof err, 3, "--config", path) == LULLD_CONFIG_ERROR &&
              strstr(err, path) && strstr(err, ":2: mlock"),
          "mlock = yes in a file: %s", err);

    /* The session manager's save round-trips. */
    CHECK(run(&c, err, sizeof err, 7, "--preset", "surf", "--jack-name", "lull_1", "--connect",
              "x:l,x:r") == LULLD_CONFIG_RUN,
          "%s", err);
    CHECK(lulld_config_save_file(&c, path, err, sizeof err), "save: %s", err);
    static lulld_config back;
    lulld_config_defaults(&back);
    CHECK(lulld_config_load_file(&back, path, err, sizeof err), "reload: %s", err);
    CHECK(!strcmp(back.preset, "surf") && !strcmp(back.jack_name, "lull_1") &&
              back.connect_count == 2 && !strcmp(back.connect[1], "x:r"),
          "round trip");
    unlink(path);
    rmdir(dir);
    /* Device maps: a shipped dialect by name, a bad file with its line, and a rule
     * on lull's own address space (handled first by the daemon: it could never apply). */
    char srcmap[1024];
    snprintf(srcmap, sizeof srcmap, "%s/tools/devices/polar2osc.map", test_env("LULL_SOURCE_DIR"));
    CHECK(run(&c, err, sizeof err, 3, "--device-map", srcmap) == LULLD_CONFIG_RUN &&
              c.devices.n >= 2 && device_map_find(&c.devices, "/polar/1/ibi"),
          "polar2osc map: %s", err);
    const char *own = "/tmp/lull-test-own.map";
    FILE *mf = fopen(own, "w");
    if (mf) {
        fputs("# remaps a lull address\n/lull/bio/hr -> /lull/bio/rr\n", mf);
        fclose(mf);
    }
    CHECK(run(&c, err, sizeof err, 3, "--device-map", own) == LULLD_CONFIG_ERROR &&
              strstr(err, "lull-test-own.map:2") && strstr(err, "lull's own address"),
          "own-address map: %s", err);
    remove(own);
    return check_finish("test_daemon_config");
}

/* Refused OSC input is logged, rate limited (core/log_limit.h, osc/osc_server.c).
 *
 * A mistyped command sent with oscsend gets a /lull/fail the sender never reads
 * (oscsend has exited), so the daemon's log is where the mistake must show: one
 * line naming the address, the sender and the reason. A flood of refusals costs
 * at most one line per second per reason plus a summary with the count, and one
 * flooded reason does not hide a different one.
 *
 * Part 1 drives the limiter with a fake clock (exact line counts); part 2 sends
 * datagrams through the OSC dispatcher (osc_server_handle_datagram, no network)
 * and reads what lulld would write to its log (stderr, captured). */
#include <arpa/inet.h>
#include <lo/lo.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "core/log.h"
#include "core/log_limit.h"
#include "core/rt.h"
#include "engine/engine.h"
#include "osc/osc_server.h"
#include "osc/sensor_msg.h"

/* ---- stderr capture ------------------------------------------------------------ */

static char capture_path[] = "/tmp/lull_refusal_log_XXXXXX";
static int saved_stderr = -1;
static char captured[1 << 20];

static void capture_start(void)
{
    fflush(stderr);
    int fd = mkstemp(capture_path);
    if (fd < 0) {
        perror("mkstemp");
        exit(1);
    }
    saved_stderr = dup(2);
    dup2(fd, 2);
    close(fd);
}

/* Stops capturing; the text is in `captured`. */
static void capture_stop(void)
{
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    FILE *f = fopen(capture_path, "r");
    size_t n = f ? fread(captured, 1, sizeof captured - 1, f) : 0;
    captured[n] = '\0';
    if (f) fclose(f);
    unlink(capture_path);
    memcpy(capture_path + strlen(capture_path) - 6, "XXXXXX", 6);
}

/* Lines of `captured` containing every one of the (up to two) fragments. */
static int count_lines(const char *a, const char *b)
{
    int n = 0;
    for (const char *line = captured; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[1024];
        size_t k = len < sizeof buf - 1 ? len : sizeof buf - 1;
        memcpy(buf, line, k);
        buf[k] = '\0';
        if (strstr(buf, a) && (!b || strstr(buf, b))) n++;
        line += len + (end ? 1 : 0);
    }
    return n;
}

/* ---- part 1: the limiter, fake clock --------------------------------------------- */

static void test_limiter(void)
{
    static const char kind_a[] = "a", kind_b[] = "b";
    log_limiter l;
    log_limiter_init(&l, 1.0);
    capture_start();
    /* 1000 of kind a within half a second: the first is written, 999 counted. */
    for (int i = 0; i < 1000; i++)
        log_limited(&l, kind_a, 10.0 + i * 0.0005, LOG_WARN, "refused thing %d", i);
    /* A different kind in the middle of the flood is not hidden by it. */
    bool b_written = log_limited(&l, kind_b, 10.2, LOG_WARN, "other reason");
    log_limiter_flush(&l, 10.9); /* under a second since the written line: nothing */
    capture_stop();
    int before_interval = count_lines("refused thing", NULL);
    int first_as_is = count_lines("refused thing 0", NULL);
    int b_lines = count_lines("other reason", NULL);
    printf("limiter: %d line(s) for 1000 refusals of one kind in 0.5 s\n", before_interval);

    capture_start();
    log_limiter_flush(&l, 11.0); /* the summary: newest line and the count */
    /* After the summary the interval starts again. */
    bool early = log_limited(&l, kind_a, 11.5, LOG_WARN, "refused thing late");
    bool later = log_limited(&l, kind_a, 12.1, LOG_WARN, "refused thing later");
    /* A level the log does not print is neither written nor counted. */
    log_set_level(LOG_WARN);
    uint64_t suppressed_before = l.suppressed_total;
    bool debug_written = log_limited(&l, kind_b, 20.0, LOG_DEBUG, "debug detail");
    log_set_level(LOG_INFO);
    capture_stop();

    printf("limiter: then %s", captured);
    printf("limiter: written %llu, suppressed %llu\n", (unsigned long long)l.written,
           (unsigned long long)l.suppressed_total);
    CHECK(before_interval == 1, "%d lines for a flood within one interval, expected 1",
          before_interval);
    CHECK(first_as_is == 1, "the first refusal not written as is");
    CHECK(count_lines("refused thing 999", "x999 in the last 1.0 s") == 1,
          "no summary with the newest line and the count 999:\n%s", captured);
    CHECK(b_written && b_lines == 1, "another reason was hidden by the flood");
    CHECK(!early && later, "after the summary: %d at +0.5 s (want 0), %d at +1.1 s (want 1)", early,
          later);
    CHECK(count_lines("refused thing late", "x1 in the last") == 1,
          "the one left out before a written line is not reported first:\n%s", captured);
    CHECK(!debug_written && l.suppressed_total == suppressed_before,
          "a line below the log level was written or counted");
    log_limiter_destroy(&l);
}

/* ---- part 2: the OSC server -------------------------------------------------------- */

static size_t message(unsigned char *buf, size_t cap, const char *path, const char *types, ...)
{
    lo_message m = lo_message_new();
    va_list ap;
    va_start(ap, types);
    for (const char *t = types; *t; t++) {
        if (*t == 'f')
            lo_message_add_float(m, (float)va_arg(ap, double));
        else if (*t == 's')
            lo_message_add_string(m, va_arg(ap, const char *));
    }
    va_end(ap);
    size_t len = cap;
    lo_message_serialise(m, path, buf, &len);
    lo_message_free(m);
    return len;
}

static struct sockaddr_in addr_of(const char *ip, int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static void send_to(osc_server *s, const unsigned char *pkt, size_t len, struct sockaddr_in *from)
{
    osc_server_handle_datagram(s, pkt, len, (struct sockaddr *)from, sizeof *from);
}

static void test_server(void)
{
    lull_engine_config ec;
    lull_engine_config_defaults(&ec);
    ec.sample_rate = 48000;
    ec.threaded = false;
    char err[256];
    lull_engine *e = lull_engine_create(&ec, err, sizeof err);
    CHECK(e != NULL, "engine: %s", err);
    if (!e) return;
    engine_slot slot;
    engine_slot_init(&slot, e);
    spsc_queue q;
    spsc_init(&q, 64, sizeof(sensor_msg));
    osc_server_config oc = {.port = 0, .bind = "127.0.0.1", .engine = &slot, .sensor_queue = &q};
    net_filter_defaults(&oc.allow);
    osc_server *s = osc_server_create(&oc, err, sizeof err);
    CHECK(s != NULL, "server: %s", err);
    if (!s) return;

    /* The sender's replies land in a socket nobody reads, like oscsend's after it exits. */
    int deaf = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in local = addr_of("127.0.0.1", 0);
    socklen_t local_len = sizeof local;
    bind(deaf, (struct sockaddr *)&local, sizeof local);
    getsockname(deaf, (struct sockaddr *)&local, &local_len);
    char sender[64];
    snprintf(sender, sizeof sender, "from 127.0.0.1:%d", ntohs(local.sin_port));

    unsigned char typo[256], wrong_type[256], lan_control[256];
    size_t typo_len = message(typo, sizeof typo, "/lull/volum", "f", -12.0);
    size_t wrong_len = message(wrong_type, sizeof wrong_type, "/lull/volume", "s", "loud");
    size_t lan_len = message(lan_control, sizeof lan_control, "/lull/status", "");
    struct sockaddr_in lan = addr_of("192.168.1.20", 5000);    /* sensors only */
    struct sockaddr_in outside = addr_of("203.0.113.7", 5000); /* not allowed at all */

    /* One mistyped command: one line, naming address, sender and reason. */
    capture_start();
    send_to(s, typo, typo_len, &local);
    capture_stop();
    int typo_lines = count_lines("refused /lull/volum ", "unknown address");
    printf("one mistyped command: %s", captured);
    CHECK(typo_lines == 1 && count_lines(sender, NULL) == 1,
          "a mistyped /lull/volum gave %d line(s) naming it (want 1, %s):\n%s", typo_lines, sender,
          captured);

    /* The other refusals each say why. */
    capture_start();
    send_to(s, lan_control, lan_len, &lan);
    send_to(s, typo, typo_len, &outside);
    send_to(s, wrong_type, wrong_len, &local);
    capture_stop();
    CHECK(count_lines("refused /lull/status from 192.168.1.20:5000", "may not control") == 1,
          "control from a sensor-only sender not logged:\n%s", captured);
    CHECK(count_lines("203.0.113.7:5000", "not in the allow list") == 1,
          "a disallowed sender not logged:\n%s", captured);
    CHECK(count_lines("refused /lull/volume", "must be a number") == 1,
          "a wrong argument type not logged:\n%s", captured);

    /* A flood of two mistakes on a fresh server (nothing logged yet): a few lines,
     * both reasons present. */
    osc_server_destroy(s);
    s = osc_server_create(&oc, err, sizeof err);
    CHECK(s != NULL, "server: %s", err);
    if (!s) return;
    osc_server_counters before, after;
    osc_server_get_counters(s, &before);
    const int flood = 20000;
    capture_start();
    double t0 = rt_now_s();
    for (int i = 0; i < flood; i++) {
        send_to(s, typo, typo_len, &local);
        send_to(s, wrong_type, wrong_len, &local);
    }
    double secs = rt_now_s() - t0;
    capture_stop();
    osc_server_get_counters(s, &after);
    int lines = count_lines("osc: ", NULL);
    /* Per reason: one line at once, then at most one per second (the summaries are
     * written by the control thread's timer, not running here). */
    int allowed = 2 * (2 + (int)secs);
    printf("flood: %d refusals in %.2f s -> %d log line(s) (allowed %d); failed counter +%llu\n",
           2 * flood, secs, lines, allowed, (unsigned long long)(after.failed - before.failed));
    CHECK(after.failed - before.failed == (uint64_t)(2 * flood), "refusals not all counted");
    CHECK(lines <= allowed, "%d lines for a flood of %.2f s (at most %d)", lines, secs, allowed);
    CHECK(count_lines("refused /lull/volum ", "unknown address") >= 1 &&
              count_lines("refused /lull/volume", "must be a number") >= 1,
          "one of the two flooded reasons never logged:\n%s", captured);

    close(deaf);
    osc_server_destroy(s);
    spsc_destroy(&q);
    engine_slot_destroy(&slot);
    lull_engine_destroy(e);
}

int main(void)
{
    log_set_level(LOG_INFO);
    test_limiter();
    test_server();
    return check_finish("test_osc_refusal_log");
}

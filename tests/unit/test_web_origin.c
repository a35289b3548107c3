/* lull-web's Host and Origin checks (DNS rebinding, cross-site WebSocket
 * hijacking): the box's own names pass, anyone else's are refused. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "origin_check.h"

int main(void)
{
    origin_policy p = {.port = 8080};
    snprintf(p.hostname, sizeof p.hostname, "lullbox");
    origin_room_label("Room 3 (quiet)", p.room, sizeof p.room);
    CHECK(!strcmp(p.room, "room-3-quiet"), "room label '%s'", p.room);

    const char *good[] = {"127.0.0.1:8080",     "192.168.1.20:8080",      "[::1]:8080",
                          "localhost:8080",     "lullbox:8080",           "lullbox.local:8080",
                          "LULLBOX.LOCAL:8080", "room-3-quiet.local:8080"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK(origin_host_ok(&p, good[i]), "Host %s refused", good[i]);
    const char *bad[] = {"attacker.example:8080",
                         "127.0.0.1:9999",
                         "127.0.0.1",
                         "lullbox.evil.com:8080",
                         "room-3-quiet:8080",
                         "",
                         "[::1:8080",
                         "127.0.0.1:",
                         "127.0.0.1:80x",
                         "lullbox.local.evil:8080",
                         "xlullbox:8080"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!origin_host_ok(&p, bad[i]), "Host '%s' admitted", bad[i]);
    /* On port 80 the port may be left out. */
    p.port = 80;
    CHECK(origin_host_ok(&p, "lullbox.local") && origin_host_ok(&p, "10.0.0.5:80"),
          "port 80 without a port");

    CHECK(origin_origin_ok("http://127.0.0.1:8080", "127.0.0.1:8080"), "same origin refused");
    CHECK(origin_origin_ok("HTTP://LullBox.local", "lullbox.local"), "case");
    const char *bad_origins[] = {
        "http://attacker.example", "https://127.0.0.1:8080", "http://127.0.0.1:8080/", "null", "",
        "http://127.0.0.1:80800"};
    for (size_t i = 0; i < sizeof bad_origins / sizeof bad_origins[0]; i++)
        CHECK(!origin_origin_ok(bad_origins[i], "127.0.0.1:8080"), "Origin '%s' admitted",
              bad_origins[i]);
    CHECK(!origin_origin_ok(NULL, "127.0.0.1:8080"), "a missing Origin admitted");
    return check_finish("test_web_origin");
}

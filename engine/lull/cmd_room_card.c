/* lull room-card: a page to print and leave in the treatment room, with what a
 * tablet needs to reach lull-web: the address by name (http://<host>.local), the
 * same address by IP as a QR code (for tablets that cannot resolve .local names;
 * libqrencode, ISO/IEC 18004), and the pairing PIN. HTML with the QR code as
 * inline SVG: nothing fetched from anywhere, prints from any browser. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef LULL_HAVE_QRENCODE
#include <qrencode.h>
#endif

#include "commands.h"

static const char usage[] =
    "usage: lull room-card [--room NAME] [--port N] [--ip ADDR] [--pin-file F] -o CARD.html\n"
    "  --room NAME    the room's name as lull-web shows it (default: the host name)\n"
    "  --port N       lull-web's port (default 80, as tools/lull-web.service)\n"
    "  --ip ADDR      the box's address for the QR code (default: its first\n"
    "                 non-loopback IPv4 address)\n"
    "  --pin-file F   lull-web's PIN file (default: /var/lib/lull-web/pin, else\n"
    "                 ~/.local/state/lull/pin)\n";

static void html_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* The first IPv4 address of an interface that is up and not loopback. */
static bool first_ipv4(char *out, size_t cap)
{
    struct ifaddrs *list = NULL;
    if (getifaddrs(&list) != 0) return false;
    bool found = false;
    for (struct ifaddrs *i = list; i && !found; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP) ||
            (i->ifa_flags & IFF_LOOPBACK))
            continue;
        found = inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, out,
                          (socklen_t)cap) != NULL;
    }
    freeifaddrs(list);
    return found;
}

static bool read_pin(const char *path, char *pin, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) return false;
    bool ok = fgets(pin, (int)cap, f) != NULL;
    fclose(f);
    pin[strcspn(pin, " \t\r\n")] = '\0';
    return ok && pin[0] && strspn(pin, "0123456789") == strlen(pin);
}

/* The QR code of text as SVG squares, 4 modules of quiet zone (ISO/IEC 18004). */
static bool write_qr_svg(FILE *f, const char *text)
{
#ifdef LULL_HAVE_QRENCODE
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr) return false;
    int n = qr->width, size = n + 8;
    fprintf(f,
            "<svg class=\"qr\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\" "
            "role=\"img\" aria-label=\"QR code of ",
            size, size);
    html_escape(f, text);
    fprintf(f, "\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"", size,
            size);
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++)
            if (qr->data[y * n + x] & 1) /* bit 0: dark module */
                fprintf(f, "M%d %dh1v1h-1z", x + 4, y + 4);
    fputs("\"/></svg>\n", f);
    QRcode_free(qr);
    return true;
#else
    (void)f;
    (void)text;
    return false;
#endif
}

int cmd_room_card(int argc, char **argv)
{
    const char *room = NULL, *ip = NULL, *pin_file = NULL, *out = NULL;
    int port = 80;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "lull room-card: %s needs a value\n%s", a, usage);
            return 2;
        }
        const char *v = argv[++i];
        if (!strcmp(a, "--room"))
            room = v;
        else if (!strcmp(a, "--ip"))
            ip = v;
        else if (!strcmp(a, "--pin-file"))
            pin_file = v;
        else if (!strcmp(a, "-o") || !strcmp(a, "--output"))
            out = v;
        else if (!strcmp(a, "--port")) {
            char *end;
            long p = strtol(v, &end, 10);
            if (!*v || *end || p < 1 || p > 65535) {
                fprintf(stderr, "lull room-card: --port: '%s' is not a port number 1..65535\n", v);
                return 2;
            }
            port = (int)p;
        } else {
            fprintf(stderr, "lull room-card: unknown option '%s'\n%s", a, usage);
            return 2;
        }
    }
    if (!out) {
        fprintf(stderr, "lull room-card: -o CARD.html is required\n%s", usage);
        return 2;
    }
    char host[128] = "lull";
    gethostname(host, sizeof host - 1);
    if (!room) room = host;

    char ipbuf[64];
    unsigned char probe[16];
    if (ip && inet_pton(AF_INET, ip, probe) != 1 && inet_pton(AF_INET6, ip, probe) != 1) {
        fprintf(stderr, "lull room-card: --ip: '%s' is not an IP address\n", ip);
        return 2;
    }
    if (!ip) {
        if (!first_ipv4(ipbuf, sizeof ipbuf)) {
            fprintf(stderr, "lull room-card: this machine has no network address besides "
                            "loopback; give the room's with --ip ADDR\n");
            return 1;
        }
        ip = ipbuf;
    }

    char pin[32], default_pin[512];
    if (!pin_file) {
        const char *home = getenv("HOME");
        pin_file = "/var/lib/lull-web/pin";
        if (access(pin_file, R_OK) != 0 && home) {
            snprintf(default_pin, sizeof default_pin, "%s/.local/state/lull/pin", home);
            pin_file = default_pin;
        }
    }
    errno = 0;
    if (!read_pin(pin_file, pin, sizeof pin)) {
        fprintf(stderr,
                "lull room-card: %s: no PIN there (%s); start lull-web once, it creates "
                "the PIN, or name the file with --pin-file\n",
                pin_file, errno ? strerror(errno) : "not digits");
        return 1;
    }

    char port_part[16] = "";
    if (port != 80) snprintf(port_part, sizeof port_part, ":%d", port);
    char url_name[256], url_ip[128];
    snprintf(url_name, sizeof url_name, "http://%s.local%s/", host, port_part);
    snprintf(url_ip, sizeof url_ip, strchr(ip, ':') ? "http://[%s]%s/" : "http://%s%s/", ip,
             port_part);

    FILE *f = fopen(out, "w");
    if (!f) {
        fprintf(stderr, "lull room-card: %s: cannot write: %s\n", out, strerror(errno));
        return 1;
    }
    fputs("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", f);
    html_escape(f, room);
    fputs(" · lull</title>\n<style>\n"
          "body{font-family:system-ui,sans-serif;max-width:17cm;margin:1.5cm auto;color:#111}\n"
          "h1{font-size:28pt;margin:0 0 .2em}.url{font-size:16pt;font-family:monospace}\n"
          ".pin{font-size:40pt;letter-spacing:.2em;font-family:monospace;margin:.2em 0}\n"
          ".qr{width:6cm;height:6cm}.cols{display:flex;gap:1cm;align-items:center}\n"
          "ol{font-size:12pt;line-height:1.6}small{color:#555}\n"
          "</style></head><body>\n<h1>",
          f);
    html_escape(f, room);
    fputs("</h1>\n<p>Sound for this room, from any tablet on the room's network:</p>\n"
          "<div class=\"cols\"><div>\n",
          f);
    bool qr = write_qr_svg(f, url_ip);
    fputs("</div><div>\n<p>Open</p><p class=\"url\">", f);
    html_escape(f, url_name);
    fputs("</p><p>or, if that name does not open</p><p class=\"url\">", f);
    html_escape(f, url_ip);
    fputs("</p>\n<p>PIN</p><p class=\"pin\">", f);
    html_escape(f, pin);
    fputs("</p></div></div>\n<ol><li>Join the room's Wi-Fi.</li>\n"
          "<li>Scan the code, or type the address.</li>\n"
          "<li>Type the PIN once: the tablet stays paired.</li></ol>\n"
          "<p><small>Keep this card in the room: the PIN lets a tablet see the client's breath "
          "and heart and change the sound.</small></p>\n</body></html>\n",
          f);
    if (fclose(f) != 0) {
        fprintf(stderr, "lull room-card: %s: cannot write: %s\n", out, strerror(errno));
        return 1;
    }
    if (!qr)
        fprintf(stderr, "lull room-card: warning: no QR code (this build has no libqrencode)\n");
    printf("room card for '%s': %s and %s, PIN from %s -> %s\n", room, url_name, url_ip, pin_file,
           out);
    return 0;
}

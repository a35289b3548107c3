/* The OSC allow list: CIDR parsing, the default blocks, IPv4-mapped IPv6 sources,
 * and that --allow replaces the defaults. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "check.h"
#include "osc/net_filter.h"

static bool allows(const net_filter *f, const char *addr)
{
    struct sockaddr_in v4 = {.sin_family = AF_INET};
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
    if (inet_pton(AF_INET, addr, &v4.sin_addr) == 1)
        return net_filter_allows(f, (struct sockaddr *)&v4, sizeof v4);
    if (inet_pton(AF_INET6, addr, &v6.sin6_addr) == 1)
        return net_filter_allows(f, (struct sockaddr *)&v6, sizeof v6);
    return false;
}

int main(void)
{
    net_filter f;
    net_filter_defaults(&f);
    const char *inside[] = {"127.0.0.1",       "127.255.0.9", "::1",
                            "10.1.2.3",        "172.16.0.1",  "172.31.255.255",
                            "192.168.1.20",    "169.254.7.7", "fe80::1",
                            "fd12:3456::1",    "fc00::5",     "::ffff:192.168.0.4",
                            "::ffff:127.0.0.1"};
    const char *outside[] = {"8.8.8.8",        "172.15.255.255", "172.32.0.0",      "192.169.0.1",
                             "11.0.0.1",       "2001:db8::1",    "fec0::1",         "::2",
                             "::ffff:8.8.8.8", "0.0.0.0",        "255.255.255.255", "169.253.1.1"};
    for (size_t i = 0; i < sizeof inside / sizeof inside[0]; i++)
        CHECK(allows(&f, inside[i]), "default list refuses %s", inside[i]);
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++)
        CHECK(!allows(&f, outside[i]), "default list admits %s", outside[i]);

    /* --allow replaces: only the given block. */
    char err[160];
    net_filter_clear(&f);
    CHECK(net_filter_add_text(&f, "10.0.0.0/8", err, sizeof err), "%s", err);
    CHECK(allows(&f, "10.9.9.9"), "10/8 refuses 10.9.9.9");
    CHECK(!allows(&f, "127.0.0.1"), "replaced list still admits loopback");
    CHECK(!allows(&f, "::1"), "replaced list still admits ::1");

    /* Host blocks, odd prefixes, /0. */
    net_filter_clear(&f);
    CHECK(net_filter_add_text(&f, "192.0.2.77", err, sizeof err), "%s", err);
    CHECK(allows(&f, "192.0.2.77") && !allows(&f, "192.0.2.76"), "bare address is a /32");
    net_filter_clear(&f);
    CHECK(net_filter_add_text(&f, "198.51.100.0/23", err, sizeof err), "%s", err);
    CHECK(allows(&f, "198.51.101.255") && !allows(&f, "198.51.102.0"), "/23 boundary");
    net_filter_clear(&f);
    CHECK(net_filter_add_text(&f, "2001:db8:abcd::/47", err, sizeof err), "%s", err);
    CHECK(allows(&f, "2001:db8:abcd:1::1") && !allows(&f, "2001:db8:abce::1"), "/47 boundary");
    net_filter_clear(&f);
    CHECK(net_filter_add_text(&f, "0.0.0.0/0", err, sizeof err), "%s", err);
    CHECK(allows(&f, "8.8.8.8") && !allows(&f, "2001:db8::1"), "IPv4 /0 is all IPv4 only");
    net_filter_clear(&f);
    CHECK(!allows(&f, "127.0.0.1"), "empty list admits something");
    /* An IPv4-mapped block means the IPv4 block (senders are matched that way). */
    CHECK(net_filter_add_text(&f, "::ffff:192.168.7.0/120", err, sizeof err), "%s", err);
    CHECK(allows(&f, "192.168.7.9") && allows(&f, "::ffff:192.168.7.9") &&
              !allows(&f, "192.168.8.1"),
          "::ffff:192.168.7.0/120 is 192.168.7.0/24");
    net_filter_clear(&f);

    /* Bad blocks are refused with a message naming the text. */
    const char *bad[] = {"",          "10.0.0.0/33", "::/129",      "10.0.0/8",
                         "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x", "example.com/8",
                         "1.2.3.4/ 8"};
    net_cidr c;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        CHECK(!net_cidr_parse(bad[i], &c, err, sizeof err), "accepted '%s'", bad[i]);
        CHECK(strstr(err, bad[i]) != NULL, "message '%s' does not name '%s'", err, bad[i]);
    }
    /* Unknown address families are never trusted. */
    struct sockaddr_storage unix_like = {.ss_family = AF_UNIX};
    net_filter_defaults(&f);
    CHECK(!net_filter_allows(&f, (struct sockaddr *)&unix_like, sizeof unix_like),
          "AF_UNIX allowed");
    return check_finish("test_net_filter");
}

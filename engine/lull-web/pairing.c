#include "pairing.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

bool pairing_random(void *out, size_t n)
{
    unsigned char *p = out;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += got;
        n -= (size_t)got;
    }
    return true;
}

bool pairing_secret_equal(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    unsigned char diff = (unsigned char)(na != nb);
    size_t n = na < nb ? na : nb;
    for (size_t i = 0; i < n; i++) diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

static bool pin_is_valid(const char *pin)
{
    size_t n = strlen(pin);
    if (n < 4 || n > 12) return false;
    for (size_t i = 0; i < n; i++)
        if (pin[i] < '0' || pin[i] > '9') return false;
    return true;
}

/* A uniform random digit: bytes >= 250 are redrawn so that 0..9 are equally likely. */
static bool random_digit(char *out)
{
    for (;;) {
        unsigned char b;
        if (!pairing_random(&b, 1)) return false;
        if (b < 250) {
            *out = (char)('0' + b % 10);
            return true;
        }
    }
}

bool pairing_load_or_create_pin(const char *path, char *pin, size_t pin_cap, char *err,
                                size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f) {
        char line[64] = "";
        bool got = fgets(line, sizeof line, f) != NULL;
        fclose(f);
        line[strcspn(line, " \t\r\n")] = '\0';
        if (!got || !pin_is_valid(line) || strlen(line) >= pin_cap) {
            snprintf(err, errlen, "%s: the PIN file must hold 4 to 12 digits on its first line",
                     path);
            return false;
        }
        snprintf(pin, pin_cap, "%s", line);
        return true;
    }
    if (errno != ENOENT) {
        snprintf(err, errlen, "%s: cannot read the PIN file: %s", path, strerror(errno));
        return false;
    }
    if (pin_cap < PAIRING_PIN_DIGITS + 1) {
        snprintf(err, errlen, "PIN buffer too small");
        return false;
    }
    for (int i = 0; i < PAIRING_PIN_DIGITS; i++)
        if (!random_digit(&pin[i])) {
            snprintf(err, errlen, "no random numbers from the kernel: %s", strerror(errno));
            return false;
        }
    pin[PAIRING_PIN_DIGITS] = '\0';
    /* O_EXCL: two starts at once cannot write two different PINs. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create the PIN file: %s", path, strerror(errno));
        return false;
    }
    char text[32];
    int n = snprintf(text, sizeof text, "%s\n", pin);
    bool ok = write(fd, text, (size_t)n) == n;
    ok = close(fd) == 0 && ok;
    if (!ok) {
        snprintf(err, errlen, "%s: cannot write the PIN file: %s", path, strerror(errno));
        unlink(path);
        return false;
    }
    return true;
}

static bool token_is_hex(const char *s)
{
    if (strlen(s) != PAIRING_TOKEN_HEX) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return false;
    return true;
}

bool pairing_tokens_load(pairing_tokens *t, const char *path, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    if (!path || !*path) return true;
    snprintf(t->path, sizeof t->path, "%s", path);
    err[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT) return true;
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return false;
    }
    char line[256];
    unsigned lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (!token_is_hex(line)) {
            snprintf(err, errlen, "%s:%u: not a token (64 hex digits), skipped", path, lineno);
            continue;
        }
        if (t->count == PAIRING_MAX_TOKENS) { /* keep the newest */
            memmove(t->tokens[0], t->tokens[1], sizeof t->tokens[0] * (PAIRING_MAX_TOKENS - 1));
            t->count--;
        }
        /* a token is exactly 64 hex digits (token_is_hex): it fits, say so */
        snprintf(t->tokens[t->count++], sizeof t->tokens[0], "%.64s", line);
    }
    fclose(f);
    return true;
}

static bool tokens_save(const pairing_tokens *t, char *err, size_t errlen)
{
    if (!t->path[0]) return true;
    char tmp[sizeof t->path + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", t->path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < t->count && ok; i++) {
        char line[PAIRING_TOKEN_HEX + 2];
        int n = snprintf(line, sizeof line, "%s\n", t->tokens[i]);
        ok = write(fd, line, (size_t)n) == n;
    }
    ok = fsync(fd) == 0 && ok;
    ok = close(fd) == 0 && ok;
    /* Write-then-rename: a crash never leaves a half-written token list. */
    if (!ok || rename(tmp, t->path) != 0) {
        snprintf(err, errlen, "%s: cannot write: %s", t->path, strerror(errno));
        unlink(tmp);
        return false;
    }
    return true;
}

bool pairing_tokens_issue(pairing_tokens *t, char *out, char *err, size_t errlen)
{
    unsigned char raw[PAIRING_TOKEN_HEX / 2];
    if (!pairing_random(raw, sizeof raw)) {
        snprintf(err, errlen, "no random numbers from the kernel: %s", strerror(errno));
        return false;
    }
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof raw; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[PAIRING_TOKEN_HEX] = '\0';
    if (t->count == PAIRING_MAX_TOKENS) {
        memmove(t->tokens[0], t->tokens[1], sizeof t->tokens[0] * (PAIRING_MAX_TOKENS - 1));
        t->count--;
    }
    snprintf(t->tokens[t->count++], sizeof t->tokens[0], "%s", out);
    return tokens_save(t, err, errlen);
}

bool pairing_tokens_valid(const pairing_tokens *t, const char *token)
{
    if (!token || !token_is_hex(token)) return false;
    bool found = false;
    for (size_t i = 0; i < t->count; i++) /* no early exit: same time for every token */
        found |= pairing_secret_equal(t->tokens[i], token);
    return found;
}

static pairing_peer *find_peer(pairing_limiter *l, const uint8_t addr[16], double now_s)
{
    pairing_peer *free_slot = NULL, *stalest = &l->peers[0];
    for (int i = 0; i < PAIRING_MAX_PEERS; i++) {
        pairing_peer *p = &l->peers[i];
        if (p->used && !memcmp(p->addr, addr, 16)) return p;
        if (!p->used && !free_slot) free_slot = p;
        if (p->last_s < stalest->last_s) stalest = p;
    }
    pairing_peer *p = free_slot;
    if (!p) {
        /* Full: reuse the stalest address, unless it is still locked out (then a
         * flood of new addresses could erase a lockout; refuse instead by
         * sharing the stalest slot, whose lockout stays in force). */
        p = stalest;
        if (p->locked_until_s > now_s) return p;
    }
    memset(p, 0, sizeof *p);
    memcpy(p->addr, addr, 16);
    p->used = true;
    p->last_s = -1e9;
    return p;
}

static int global_fails_in_window(const pairing_limiter *l, double now_s)
{
    int n = 0;
    for (int i = 0; i < PAIRING_GLOBAL_FAILS; i++)
        if (l->global_fail_s[i] > 0 && now_s - l->global_fail_s[i] < PAIRING_WINDOW_S) n++;
    return n;
}

enum pairing_verdict pairing_attempt(pairing_limiter *l, const uint8_t addr[16], double now_s,
                                     const char *pin_given, const char *pin, double *retry_after_s)
{
    *retry_after_s = 0;
    if (l->global_locked_until_s > now_s) {
        *retry_after_s = l->global_locked_until_s - now_s;
        return PAIRING_LOCKED;
    }
    pairing_peer *p = find_peer(l, addr, now_s);
    if (p->locked_until_s > now_s) {
        *retry_after_s = p->locked_until_s - now_s;
        return PAIRING_LOCKED;
    }
    if (now_s - p->last_s < PAIRING_MIN_INTERVAL_S) {
        *retry_after_s = PAIRING_MIN_INTERVAL_S - (now_s - p->last_s);
        return PAIRING_TOO_FAST;
    }
    p->last_s = now_s;
    if (pin_given && pairing_secret_equal(pin_given, pin)) {
        p->fails = 0;
        return PAIRING_OK;
    }
    /* A wrong PIN: counted for this address and for everyone. */
    if (p->fails == 0 || now_s - p->first_fail_s > PAIRING_WINDOW_S) {
        p->fails = 0;
        p->first_fail_s = now_s;
    }
    if (++p->fails >= PAIRING_PEER_FAILS) {
        p->locked_until_s = now_s + PAIRING_LOCK_S;
        p->fails = 0;
    }
    l->global_fail_s[l->global_next] = now_s;
    l->global_next = (l->global_next + 1) % PAIRING_GLOBAL_FAILS;
    if (global_fails_in_window(l, now_s) >= PAIRING_GLOBAL_FAILS)
        l->global_locked_until_s = now_s + PAIRING_LOCK_S;
    return PAIRING_WRONG;
}

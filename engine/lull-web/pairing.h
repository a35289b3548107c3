/* Pairing a tablet with lull-web: a PIN, then a token.
 *
 * The PIN (6 digits) lives in a file (--pin-file), generated on first start with
 * the kernel's random numbers and mode 0600; it is printed on the room card.
 * POST /pair with the right PIN gives the tablet a token (32 random bytes, hex) in
 * an HttpOnly, SameSite=Strict cookie; the token opens the WebSocket and every
 * API. Tokens are kept in "<pin-file>.tokens" (0600, one per line, newest last,
 * at most PAIRING_MAX_TOKENS) so that a tablet stays paired across restarts of
 * lull-web. Deleting both files unpairs every tablet and makes a new PIN.
 *
 * Guessing is rate limited (pairing_limiter): per address one attempt a second
 * and a lockout of PAIRING_LOCK_S after PAIRING_PEER_FAILS failures; for
 * everyone together a lockout after PAIRING_GLOBAL_FAILS failures in
 * PAIRING_WINDOW_S, so that many addresses cannot share the work. With these
 * values a 6-digit PIN takes on average 10^6 / 2 / (20 per 15 min) ≈ 260 days
 * to guess, while a therapist who mistypes twice is not locked out. */
#ifndef LULL_WEB_PAIRING_H
#define LULL_WEB_PAIRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAIRING_PIN_DIGITS 6
#define PAIRING_TOKEN_HEX 64  /* 32 random bytes */
#define PAIRING_MAX_TOKENS 64 /* paired tablets remembered; the oldest goes first */

#define PAIRING_MIN_INTERVAL_S 1.0 /* per address, between two attempts */
#define PAIRING_PEER_FAILS 5       /* failures from one address before its lockout */
#define PAIRING_GLOBAL_FAILS 20    /* failures from all addresses in the window */
#define PAIRING_WINDOW_S 900.0     /* failures older than this are forgotten (15 min) */
#define PAIRING_LOCK_S 900.0       /* lockout length (15 min) */
#define PAIRING_MAX_PEERS 64       /* addresses tracked; the stalest is reused */

/* [main] Reads the PIN from path, or creates the file with a new random PIN when
 * it does not exist. False with a message naming the file when it cannot be read
 * or written, or does not hold 4 to 12 digits. */
bool pairing_load_or_create_pin(const char *path, char *pin, size_t pin_cap, char *err,
                                size_t errlen);

/* [any] Fills out with n random bytes from the kernel (getrandom). False on failure. */
bool pairing_random(void *out, size_t n);

/* [any] Compares two NUL-terminated secrets in time that does not depend on where
 * they differ. */
bool pairing_secret_equal(const char *a, const char *b);

/* The tokens of paired tablets. */
typedef struct pairing_tokens {
    char path[512]; /* "" = not persisted */
    char tokens[PAIRING_MAX_TOKENS][PAIRING_TOKEN_HEX + 1];
    size_t count;
} pairing_tokens;

/* [main] Loads the token file (a missing file is an empty list; malformed lines are
 * skipped with a warning in err, still returning true). False when unreadable. */
bool pairing_tokens_load(pairing_tokens *t, const char *path, char *err, size_t errlen);
/* [main] Makes a new token, remembers it (the oldest goes when full), saves the
 * file; the token goes to out (PAIRING_TOKEN_HEX + 1 bytes). */
bool pairing_tokens_issue(pairing_tokens *t, char *out, char *err, size_t errlen);
/* [main] True when the token is one of ours. */
bool pairing_tokens_valid(const pairing_tokens *t, const char *token);

/* Rate limiting and lockout of PIN attempts. Times are seconds on any monotonic
 * clock. Addresses are 16 bytes (IPv4 mapped as ::ffff:a.b.c.d). */
typedef struct pairing_peer {
    uint8_t addr[16];
    double last_s;       /* last attempt */
    double first_fail_s; /* start of the current failure window */
    int fails;
    double locked_until_s;
    bool used;
} pairing_peer;

typedef struct pairing_limiter {
    pairing_peer peers[PAIRING_MAX_PEERS];
    double global_fail_s[PAIRING_GLOBAL_FAILS]; /* times of the latest failures */
    size_t global_next;
    double global_locked_until_s;
} pairing_limiter;

enum pairing_verdict {
    PAIRING_OK = 0,   /* right PIN: issue a token */
    PAIRING_WRONG,    /* wrong PIN (counted) */
    PAIRING_TOO_FAST, /* attempt within PAIRING_MIN_INTERVAL_S: not even checked */
    PAIRING_LOCKED,   /* this address, or everyone, is locked out */
};

/* [main] Judges one attempt from addr at now_s: checks the limits, then the PIN,
 * and records the outcome. *retry_after_s tells a refused client when to come
 * back (0 for OK/WRONG). */
enum pairing_verdict pairing_attempt(pairing_limiter *l, const uint8_t addr[16], double now_s,
                                     const char *pin_given, const char *pin, double *retry_after_s);

#endif

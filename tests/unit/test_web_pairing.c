/* lull-web's pairing: the PIN file (created once, 0600, then read back), tokens
 * (random, remembered across restarts, the oldest forgotten first), and the
 * limiter (one attempt a second per address, lockout after repeated failures per
 * address and for everyone; the right PIN is refused while locked). Prints the
 * guessing rate the limits allow. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "pairing.h"

static void addr_of(uint8_t out[16], int n)
{
    memset(out, 0, 16);
    out[10] = out[11] = 0xff;
    out[12] = 192, out[13] = 168, out[14] = (uint8_t)(n >> 8), out[15] = (uint8_t)n;
}

int main(void)
{
    char dir[] = "/tmp/lull-pairing-XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char pin_path[256], err[300], pin[16], again[16];
    snprintf(pin_path, sizeof pin_path, "%s/pin", dir);

    /* First start creates a 6-digit PIN, mode 0600; the second reads the same one. */
    CHECK(pairing_load_or_create_pin(pin_path, pin, sizeof pin, err, sizeof err), "%s", err);
    struct stat st;
    CHECK(stat(pin_path, &st) == 0 && (st.st_mode & 0777) == 0600, "PIN file mode %o",
          st.st_mode & 0777);
    CHECK(strlen(pin) == PAIRING_PIN_DIGITS && strspn(pin, "0123456789") == strlen(pin), "PIN '%s'",
          pin);
    CHECK(pairing_load_or_create_pin(pin_path, again, sizeof again, err, sizeof err) &&
              !strcmp(pin, again),
          "PIN changed on the second start");
    /* A damaged PIN file is an error naming the file. */
    FILE *f = fopen(pin_path, "w");
    fputs("12ab\n", f);
    fclose(f);
    CHECK(!pairing_load_or_create_pin(pin_path, again, sizeof again, err, sizeof err) &&
              strstr(err, pin_path) && strstr(err, "digits"),
          "bad PIN file: %s", err);
    f = fopen(pin_path, "w");
    fprintf(f, "%s\n", pin);
    fclose(f);

    /* Digits are uniform: 6000 digits, each 600 ± 5 sigma (sigma = 23). */
    int hist[10] = {0};
    for (int i = 0; i < 1000; i++) {
        char p[PAIRING_PIN_DIGITS + 1];
        char path[300];
        snprintf(path, sizeof path, "%s/pin%d", dir, i);
        if (!pairing_load_or_create_pin(path, p, sizeof p, err, sizeof err)) break;
        unlink(path);
        for (int k = 0; k < PAIRING_PIN_DIGITS; k++) hist[p[k] - '0']++;
    }
    for (int d = 0; d < 10; d++)
        CHECK(hist[d] > 600 - 5 * 23 && hist[d] < 600 + 5 * 23, "digit %d drawn %d times in 6000",
              d, hist[d]);

    /* Tokens: issued, valid, remembered in the file, distinct; garbage is not valid. */
    char tok_path[300], t1[PAIRING_TOKEN_HEX + 1], t2[PAIRING_TOKEN_HEX + 1];
    snprintf(tok_path, sizeof tok_path, "%s/pin.tokens", dir);
    pairing_tokens tokens, reloaded;
    CHECK(pairing_tokens_load(&tokens, tok_path, err, sizeof err) && tokens.count == 0, "empty");
    CHECK(pairing_tokens_issue(&tokens, t1, err, sizeof err), "%s", err);
    CHECK(pairing_tokens_issue(&tokens, t2, err, sizeof err), "%s", err);
    CHECK(strcmp(t1, t2) != 0 && strlen(t1) == PAIRING_TOKEN_HEX, "tokens %s %s", t1, t2);
    CHECK(stat(tok_path, &st) == 0 && (st.st_mode & 0777) == 0600, "token file mode");
    CHECK(pairing_tokens_load(&reloaded, tok_path, err, sizeof err) && reloaded.count == 2 &&
              pairing_tokens_valid(&reloaded, t1) && pairing_tokens_valid(&reloaded, t2),
          "tokens not remembered");
    char forged[PAIRING_TOKEN_HEX + 1];
    memcpy(forged, t1, sizeof forged);
    forged[10] = forged[10] == 'a' ? 'b' : 'a';
    CHECK(!pairing_tokens_valid(&reloaded, forged) && !pairing_tokens_valid(&reloaded, "") &&
              !pairing_tokens_valid(&reloaded, NULL) && !pairing_tokens_valid(&reloaded, "zz"),
          "a forged token is valid");
    for (int i = 0; i < PAIRING_MAX_TOKENS; i++) pairing_tokens_issue(&tokens, t2, err, sizeof err);
    CHECK(tokens.count == PAIRING_MAX_TOKENS && !pairing_tokens_valid(&tokens, t1),
          "the oldest token is not forgotten when full");

    /* The limiter. */
    static pairing_limiter l;
    uint8_t a[16], b[16];
    addr_of(a, 1);
    addr_of(b, 2);
    double retry, t = 1000.0;
    CHECK(pairing_attempt(&l, a, t, "000000", "123456", &retry) == PAIRING_WRONG, "wrong");
    CHECK(pairing_attempt(&l, a, t + 0.2, "123456", "123456", &retry) == PAIRING_TOO_FAST &&
              retry > 0.7,
          "too fast: retry %.2f", retry);
    CHECK(pairing_attempt(&l, a, t + 1.5, "123456", "123456", &retry) == PAIRING_OK, "right PIN");
    /* Five failures lock this address out, even for the right PIN; others go on. */
    for (int i = 0; i < PAIRING_PEER_FAILS; i++)
        CHECK(pairing_attempt(&l, a, t + 10 + 2 * i, "999999", "123456", &retry) == PAIRING_WRONG,
              "failure %d", i + 1);
    enum pairing_verdict v = pairing_attempt(&l, a, t + 30, "123456", "123456", &retry);
    CHECK(v == PAIRING_LOCKED && retry > PAIRING_LOCK_S - 30, "after %d failures: verdict %d",
          PAIRING_PEER_FAILS, v);
    printf("locked out for %.0f s after %d wrong PINs\n", retry, PAIRING_PEER_FAILS);
    CHECK(pairing_attempt(&l, b, t + 30, "123456", "123456", &retry) == PAIRING_OK,
          "another address locked by the first one's failures");
    CHECK(pairing_attempt(&l, a, t + 20 + PAIRING_LOCK_S, "123456", "123456", &retry) == PAIRING_OK,
          "still locked after the lockout ended");

    /* Many addresses sharing the work: everyone is locked after the global limit. */
    static pairing_limiter g;
    t = 5000.0;
    int wrong = 0;
    for (int i = 0; i < 200; i++) {
        uint8_t x[16];
        addr_of(x, 100 + i);
        if (pairing_attempt(&g, x, t + i * 0.1, "000001", "123456", &retry) == PAIRING_WRONG)
            wrong++;
    }
    CHECK(wrong == PAIRING_GLOBAL_FAILS, "%d guesses checked from 200 addresses", wrong);
    uint8_t fresh[16];
    addr_of(fresh, 999);
    CHECK(pairing_attempt(&g, fresh, t + 30, "123456", "123456", &retry) == PAIRING_LOCKED,
          "the global lockout lets the right PIN through");
    double per_hour = PAIRING_GLOBAL_FAILS * 3600.0 /
                      (PAIRING_WINDOW_S > PAIRING_LOCK_S ? PAIRING_WINDOW_S : PAIRING_LOCK_S);
    printf("guesses allowed: at most %.0f per hour from all addresses; a %d-digit PIN takes "
           "%.0f days on average\n",
           per_hour, PAIRING_PIN_DIGITS, 5e5 / per_hour / 24.0);

    CHECK(pairing_secret_equal("abc", "abc") && !pairing_secret_equal("abc", "abd") &&
              !pairing_secret_equal("abc", "abcd") && !pairing_secret_equal("", "a"),
          "secret compare");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0, "cleanup");
    return check_finish("test_web_pairing");
}

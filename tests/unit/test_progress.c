/* Progress line of long offline jobs (core/progress.c): what it says for a job
 * part-way through (percent, speed as a multiple of real time, time left at that
 * speed), and that it stays silent when it is not enabled, i.e. when stderr is not
 * a terminal, as under ctest. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "core/progress.h"

int main(void)
{
    char line[128];
    /* 30 s of a 120 s render done in 0.5 s: 25 %, 60x, 90 s left at 60x = 1.5 s -> 0:02 */
    progress_format(line, sizeof line, "lull render", 30.0, 120.0, 0.5);
    printf("30 of 120 s in 0.5 s: \"%s\"\n", line);
    CHECK(strstr(line, " 25%") != NULL, "percent done: %s", line);
    CHECK(strstr(line, "60.0x realtime") != NULL, "speed: %s", line);
    CHECK(strstr(line, "0:02 left") != NULL, "time left: %s", line);

    /* an hour of recording, 10 min done in 100 s: 6x, 3000 s left at 6x = 500 s = 8:20 */
    progress_format(line, sizeof line, "lull analyze", 600.0, 3600.0, 100.0);
    printf("600 of 3600 s in 100 s: \"%s\"\n", line);
    CHECK(strstr(line, " 17%") != NULL, "percent done: %s", line);
    CHECK(strstr(line, "6.0x realtime") != NULL, "speed: %s", line);
    CHECK(strstr(line, "8:20 left") != NULL, "time left: %s", line);

    /* nothing done yet: no speed, no estimate */
    progress_format(line, sizeof line, "lull render", 0.0, 10.0, 0.0);
    CHECK(strstr(line, "left") == NULL && strstr(line, "  0%") != NULL, "at the start: %s", line);

    /* not a terminal (ctest captures stderr): begin leaves it disabled, so nothing shows */
    lull_progress p;
    progress_begin(&p, "lull render", 10.0, false);
    progress_update(&p, 5.0);
    progress_end(&p);
    CHECK(!p.enabled && !p.shown, "quiet when stderr is not a terminal (enabled %d)", p.enabled);
    return check_finish("test_progress");
}

/* Real-time pacing for the commands that stream to lulld (simulate, replay): a
 * stop flag raised by SIGINT/SIGTERM, and sleeping to absolute monotonic times so
 * that pacing errors never accumulate. */
#ifndef LULL_CLI_STREAM_PACING_H
#define LULL_CLI_STREAM_PACING_H

#include <stdbool.h>

/* [main] Installs the SIGINT/SIGTERM handlers that raise the stop flag. */
void stream_stop_on_signals(void);
bool stream_stopped(void);
/* [main] Sleeps until monotonic time t (seconds, core/rt.h's rt_now_s clock), or until
 * a stop signal arrives. */
void stream_sleep_until(double t);

#endif

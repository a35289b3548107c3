/* The `lull` subcommands. Each takes the arguments after its own name
 * (argv[0] is the subcommand) and returns the process exit status:
 * 0 success, 1 the work failed (bad preset, failed check), 2 bad usage. */
#ifndef LULL_CLI_COMMANDS_H
#define LULL_CLI_COMMANDS_H

#include <stdbool.h>

/* [main] */
int cmd_render(int argc, char **argv);
int cmd_loudness(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_plugin_check(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_room_card(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_sessions(int argc, char **argv);

/* [main] A session id as `lull report` and `lull sessions` take it: a positive
 * decimal integer. True and *out set, or false with *out untouched. (cmd_report.c) */
bool session_parse_id(const char *s, long long *out);

/* [main] A flag's number within [lo, hi] (finite, the whole string): true and *out
 * set; otherwise "lull CMD: FLAG expects a number in LO..HI, got "S"" on stderr and
 * false (it prints, as the command's usage errors do: see docs/architecture.md).
 * (cli_number.c) */
bool cli_parse_number(const char *cmd, const char *flag, const char *s, double lo, double hi,
                      double *out);

#endif

/* lull: the command-line tool for sound designers and technicians. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
} k_commands[] = {
    {"render", cmd_render,
     "render --preset NAME|FILE [--bio FILE | --simulate PROFILE[:heart=BPM][:breath=RATE]] "
     "--seconds N"
     " -o OUT.wav [--rate HZ] [--sounds DIR]... [--spectrogram OUT.png [--spectrogram-scale "
     "log|linear]]"
     " [--plot OUT.png] [--session-db FILE]"},
    {"loudness", cmd_loudness,
     "loudness [--simulate PROFILE | --bio FILE] [--seconds N] [--rate HZ] PRESET..."},
    {"validate", cmd_validate, "validate [--sounds DIR]... FILE..."},
    {"plugin-check", cmd_plugin_check, "plugin-check FILE.so"},
    {"analyze", cmd_analyze,
     "analyze FILE (--beats|--breaths|--features|--events|--signals) [--ecg NAME] [--ppg NAME] "
     "[--resp NAME] [--rate HZ] [-o OUT.csv]"},
    {"simulate", cmd_simulate,
     "simulate [--target HOST:PORT] [--profile NAME] [--dialect NAME] [--speed X] [--seconds N] "
     "[--seed N]"},
    {"replay", cmd_replay,
     "replay FILE [--target HOST:PORT] [--speed X] [--ecg NAME] [--ppg NAME] [--resp NAME] "
     "[--dialect NAME]"},
    {"report", cmd_report, "report [--db FILE] (--last | --session ID) -o REPORT.html"},
    {"sessions", cmd_sessions,
     "sessions list|show|export|delete|client [--db FILE] ... (lull sessions --help)"},
    {"room-card", cmd_room_card,
     "room-card [--room NAME] [--port N] [--ip ADDR] [--pin-file F] -o CARD.html"},
};

static void usage(FILE *to)
{
    fprintf(to, "usage: lull COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof k_commands / sizeof k_commands[0]; i++)
        fprintf(to, "  lull %s\n", k_commands[i].usage);
    fprintf(to, "\n  lull --version\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("lull %s\n", LULL_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof k_commands / sizeof k_commands[0]; i++)
        if (strcmp(argv[1], k_commands[i].name) == 0) return k_commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "lull: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return 2;
}

/* lull: the command-line tool (render, validate, plugin-check, simulate, replay, analyze). */
#include <stdio.h>
int main(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "lull: not yet implemented\n");
    return 2;
}

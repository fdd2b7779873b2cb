/*
 * main.c - mica-idlc: compile a .mi interface into C.
 *
 *   mica-idlc [--out DIR] [--depfile FILE] [--check] FILE.mi
 *
 * Writes DIR/NAME.h, NAME_client.c, NAME_server.c and NAME_trace.c, where
 * NAME is the .mi file's base name; --depfile also writes a Make rule
 * naming the imports; --check only checks. Exit 0, or 1 after one
 * "file:line:col: message" line (2 for a wrong command line).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idlc.h"

static _Noreturn void usage(void)
{
    fprintf(stderr, "usage: mica-idlc [--out DIR] [--depfile FILE] [--check] FILE.mi\n");
    exit(2);
}

/*
 * mica-idlc runs once per interface and exits: its parse tree lives until
 * exit, by design. In a sanitizer build LeakSanitizer would call that a leak
 * and fail the build step that runs the generator; address errors are still
 * reported.
 */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "detect_leaks=0";
}

int main(int argc, char **argv)
{
    const char *out = ".", *depfile = NULL, *input = NULL;
    bool check_only = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--depfile") == 0 && i + 1 < argc)
            depfile = argv[++i];
        else if (strcmp(argv[i], "--check") == 0)
            check_only = true;
        else if (argv[i][0] == '-' || input)
            usage();
        else
            input = argv[i];
    }
    if (!input)
        usage();
    idl_iface_t *ifc = idl_parse_file(input);
    idl_check(ifc);
    if (check_only)
        return 0;
    if (idl_emit_all(ifc, out) != 0)
        return 1;
    if (depfile && idl_emit_depfile(ifc, out, depfile) != 0)
        return 1;
    return 0;
}

/*
 * dot.c - the DOT file behind --cspace-dot (mica_config_t.cspace_dot_path).
 *
 * The file is opened when the run starts, so a bad path fails before the
 * system runs rather than after, and written when the system has stopped:
 * the kernel walks its own state (kernel_write_dot) and hands the text out
 * through hw_dot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "sim.h"

static FILE *dot_file;

void hw_dot(const char *text)
{
    if (dot_file)
        fputs(text, dot_file);
}

int dot_open(const char *path)
{
    dot_file = NULL;
    if (!path)
        return 0;
    dot_file = fopen(path, "w");
    if (!dot_file) {
        int err = errno;
        fprintf(stderr, "mica: cannot write DOT file %s: %s\n", path, strerror(err));
        return -err;
    }
    return 0;
}

void dot_write(void)
{
    if (dot_file)
        kernel_write_dot();
}

void dot_close(void)
{
    if (dot_file)
        fclose(dot_file);
    dot_file = NULL;
}

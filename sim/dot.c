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

static sim_out_t dot;

void hw_dot(const char *text)
{
    if (dot.f) {
        fputs(text, dot.f);
        sim_out_check(&dot);
    }
}

/* @return 0, or -EACCES if path cannot be created (reported on stderr). */
int dot_open(const char *path)
{
    return sim_out_open(&dot, SIM_OUT_DOT, path, 0);
}

void dot_write(void)
{
    if (dot.f)
        kernel_write_dot();
}

int dot_close(void)
{
    return sim_out_close(&dot);
}

/*
 * The checker of lab 8 (drivers): the timer service's wake-up times, its
 * interrupts, and the console's output byte for byte for a scripted input.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <mica/types.h>
#include "check.h"

/* The console's input: long lines (more than a FIFO), short ones (several in one FIFO's
 * worth), more lines than the console queues, a blank line, and a last line without its
 * newline. */
static const char input[] =
    "hello, mica\n"
    "the quick brown fox jumps over the lazy dog\n"
    "\n"
    "interrupts, not polling: 0123456789 abcdefghijklmnopqrstuvwxyz\n"
    "seL4-style drivers run at user level\n"
    "a\n"
    "1\n2\n3\n4\n5\n6\n7\n8\n9\n"
    "lines are buffered until their newline arrives, then handed to the reader\n"
    "one more\n"
    "no newline at the end";

static const char banner[] = "mica console: type lines, they come back in capitals\n";
static char expected[4096];

static void make_expected(void)
{
    size_t n = 0, lines = 0, bytes = 0;
    n += (size_t)snprintf(expected + n, sizeof expected - n, "%s", banner);
    for (const char *p = input; *p;) {
        size_t len = strcspn(p, "\n");
        int nl = p[len] == '\n';
        char up[256];
        for (size_t i = 0; i < len; i++)
            up[i] = (char)toupper((unsigned char)p[i]);
        up[len] = 0;
        n += (size_t)snprintf(expected + n, sizeof expected - n, "%zu: %s\n", ++lines, up);
        bytes += len + (size_t)nl;
        p += len + (size_t)nl;
    }
    snprintf(expected + n, sizeof expected - n, "mica console: %zu lines, %zu bytes; bye\n", lines,
             bytes);
}

/* "irq N   raised R, delivered D, acked A" of --stats; 0 if absent. */
static int irq_stats(const lab_run_t *r, int irq, long *raised, long *delivered, long *acked)
{
    char pat[32];
    snprintf(pat, sizeof pat, "  irq %d ", irq);
    const char *p = strstr(r->err, pat);
    *raised = *delivered = *acked = -1;
    return p && sscanf(p + strlen(pat), " raised %ld, delivered %ld, acked %ld", raised, delivered,
                       acked) == 3;
}

static const char *task1(const lab_run_t *r)
{
    if (lab_fact(r, "timer_id", -1) != 0x4D544D52)
        return "the timer's ID register does not read \"MTMR\": map the register page of the "
               "device called \"timer\" (mica_device_find, mica_device_map) into tmr";
    if (lab_fact(r, "uart_scratch", -1) != 0x5a)
        return "the UART's scratch register does not keep what was written: map \"uart0\"'s "
               "register page into uart";
    if (lab_fact(r, "timer_irq_type", -1) != MICA_CAP_TYPE_IRQ_HANDLER ||
        lab_fact(r, "uart_irq_type", -1) != MICA_CAP_TYPE_IRQ_HANDLER)
        return "timer_irq and uart_irq must be IRQHandler caps for the devices' lines "
               "(mica_irq_handler_make with the device's irq)";
    return NULL;
}

static const char *task2(const lab_run_t *r)
{
    if (lab_fact(r, "sleeps_done", 0) != 6)
        return lab_why("%lld of 6 sleeps returned", lab_fact(r, "sleeps_done", 0));
    long long late_min = lab_fact(r, "late_min", -1), late_max = lab_fact(r, "late_max", -1);
    if (late_min < 0)
        return lab_why("a sleeper woke %lld ns early: answer a sleeper only when NOW >= its "
                       "deadline", -late_min);
    if (late_max > 50000)
        return lab_why("a sleeper woke %lld ns late (at most 50 us is fine): keep the wake-up "
                       "list sorted by deadline, so COMPARE always holds the earliest one",
                       late_max);
    long long spurious = lab_fact(r, "timer_spurious", -1);
    if (spurious != 0)
        return lab_why("%lld timer interrupts came with nothing fired: clear the device's STATUS "
                       "before you ack the IRQ - a line still high when it is acked interrupts "
                       "again", spurious);
    long raised, delivered, acked;
    if (!irq_stats(r, 2, &raised, &delivered, &acked))
        return "the timer's IRQ (2) was never raised";
    long long seen = lab_fact(r, "timer_irqs_end", -1);
    if (seen >= 0 && seen != delivered)
        return lab_why("the kernel delivered %ld timer interrupts, the timer server saw %lld",
                       delivered, seen);
    if (lab_fact(r, "timer_spurious_end", 0) > 0)
        return lab_why("%lld timer interrupts came with nothing fired: clear the device's STATUS "
                       "before you ack the IRQ", lab_fact(r, "timer_spurious_end", 0));
    if (acked != delivered)
        return lab_why("%ld timer interrupts delivered, %ld acked: ack each one "
                       "(mica_irq_handler_ack)", delivered, acked);
    return NULL;
}

/* The first n bytes of s, with newlines and other control characters escaped, in buf. */
static const char *escaped(const char *s, size_t n, char *buf, size_t size)
{
    size_t k = 0;
    for (size_t i = 0; i < n && s[i] && k + 5 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n')
            k += (size_t)snprintf(buf + k, size - k, "\\n");
        else if (c < 32 || c >= 127 || c == '"' || c == '\\')
            k += (size_t)snprintf(buf + k, size - k, "\\x%02x", c);
        else
            buf[k++] = (char)c;
    }
    buf[k] = 0;
    return buf;
}

static const char *task3(const lab_run_t *r)
{
    char got[160];
    if (strncmp(r->out, banner, strlen(banner)) != 0)
        return lab_why("the console's output does not start with the shell's banner, byte for "
                       "byte: write at most 16 bytes into THR per THR-empty interrupt - a byte "
                       "written to a full FIFO is lost (got \"%s\")",
                       escaped(r->out, strlen(banner), got, sizeof got));
    return NULL;
}

static const char *task4(const lab_run_t *r)
{
    long long lost = (long long)strlen(input) - lab_fact(r, "rx_bytes", -1);
    if (lab_fact(r, "overruns", 0) > 0 || lost > 0)
        return lab_why("%lld input bytes were lost (%lld overruns): take every byte in the "
                       "receive FIFO (while LSR_DR) on each interrupt", lost,
                       lab_fact(r, "overruns", 0));
    if (lab_fact(r, "lines_dropped", 0) > 0)
        return lab_why("%lld input lines were dropped because all %d line buffers were full: "
                       "stop reading RBR when nlines == LINES (the bytes wait in the FIFO and "
                       "RTS holds the rest back)", lab_fact(r, "lines_dropped", 0), 4);
    if (strcmp(r->out, expected) != 0) {
        size_t i = 0;
        while (r->out[i] && r->out[i] == expected[i])
            i++;
        char got[160], want[160];
        return lab_why("the console's output differs from the expected at byte %zu: got "
                       "\"%s\", expected \"%s\"", i, escaped(r->out + i, 30, got, sizeof got),
                       escaped(expected + i, 30, want, sizeof want));
    }
    long raised, delivered, acked;
    if (!irq_stats(r, 3, &raised, &delivered, &acked) || acked != delivered)
        return lab_why("%ld UART interrupts delivered, %ld acked", delivered, acked);
    return NULL;
}

static lab_spec_t spec = {
    .number = 8,
    .title = "drivers: a timer service and a console",
    .ntasks = 4,
    .task = { "map the devices, IRQHandlers", "sleep(ms): a sorted wake-up list, timer IRQs",
              "console output: THR-empty interrupts", "console input: RX interrupts, lines" },
    .check = { task1, task2, task3, task4 },
    .time_limit = 2000000,
};

int main(int argc, char **argv)
{
    make_expected();
    char path[] = "/tmp/mica-lab08-input-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, input, strlen(input)) != (ssize_t)strlen(input)) {
        perror("lab 8: the console's input file");
        return 70;
    }
    close(fd);
    static char args[128];
    snprintf(args, sizeof args, "--input %s", path);
    spec.args = args;
    int status = lab_check_main(argc, argv, &spec);
    unlink(path);
    return status;
}

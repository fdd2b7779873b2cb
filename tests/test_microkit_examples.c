#define _POSIX_C_SOURCE 200809L
/*
 * test_microkit_examples.c - the Microkit examples (examples/microkit/)
 * run through `mica microkit SYSTEM.system` as a user runs them: each
 * prints exactly its expected output and ends idle (exit 0); the runner's
 * options (--trace, --log, --check, --stats, --cpus, --clock) work on a
 * Microkit system, with trace tracks and log lines named after the PDs;
 * and bad descriptions (tests/microkit/bad/) are refused with one line
 * "file:line: message" on stderr, exit 64, before anything runs.
 *
 * Paths come from meson: MICA_BIN (the `mica` binary), MK_EXAMPLES (the
 * built images and descriptions), MK_BAD (the bad descriptions, copied
 * next to the images they name).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "containment.h"

static const char *env_path(const char *name)
{
    const char *p = getenv(name);
    ck_assert_msg(p && *p, "%s is not set (tests/meson.build sets it)", name);
    return p;
}

/* `mica microkit EXAMPLES/system.system args`: its exit status; cm_out/cm_err hold the output. */
static int run_example(const char *system, const char *args)
{
    char a[2048];
    snprintf(a, sizeof a, "microkit '%s/%s.system' %s", env_path("MK_EXAMPLES"), system, args);
    return cm_run_prog(env_path("MICA_BIN"), a, 120);
}

static const char hello_out[] = "hello, world\n";

static const char pingpong_out[] =
    "server: ready\n"
    "client: 6 + 7 = 13 (the server's call 1, 2 words)\n"
    "client: 6 * 7 = 42 (the server's call 2, 2 words)\n"
    "client: 50 - 8 = 42 (the server's call 3, 2 words)\n"
    "server: unknown operation 9\n"
    "client: 1 ? 2 refused, label 1\n"
    "client: ping\n"
    "server: ping on channel 1 after 3 calls\n"
    "client: pong on channel 0\n";

static const char prodcons_out[] =
    "producer: 100 items through a ring of 16 slots\n"
    "producer: 100 items queued in 7 batches, checksum 0x0820c5d5be01b728\n"
    "consumer: 100 items in 7 drains, 0 out of order, checksum 0x0820c5d5be01b728\n";

static const char uart_out[] =
    "uart_client: hello, world through uart0\n"
    "uart_client: end of input after 0 lines\n";

static const char uart_input_out[] =
    "uart_client: hello, world through uart0\n"
    "uart_client: line 1: first line\n"
    "uart_client: line 2: second\n"
    "uart_client: line 3: no newline at the end\n"
    "uart_client: end of input after 3 lines\n";

#define assert_output(system, args, want)                                                   \
    do {                                                                                    \
        cm_assert_status(run_example((system), (args)), 0);                                 \
        ck_assert_str_eq(cm_out, (want));                                                   \
    } while (0)

/*
 * stderr of a clean run: empty. Under ASan the runner's stderr also holds
 * ASan's warning about swapcontext, whose "==pid==" lines containment.c
 * drops but whose two continuation lines it keeps: drop those here.
 */
static void assert_stderr_empty(void)
{
    static const char *const asan_notes[] = {
        "False positive error reports may follow\n",
        "For details see https://github.com/google/sanitizers/issues/189\n",
    };
    for (size_t i = 0; i < sizeof asan_notes / sizeof asan_notes[0]; i++) {
        char *at = strstr(cm_err, asan_notes[i]);
        if (at)
            memmove(at, at + strlen(asan_notes[i]), strlen(at + strlen(asan_notes[i])) + 1);
    }
    ck_assert_str_eq(cm_err, "");
}

/* --- each example's output ------------------------------------------------------------ */

START_TEST(hello_prints_hello_world_and_ends_idle)
{
    assert_output("hello", "", hello_out);
    assert_stderr_empty();
}
END_TEST

START_TEST(pingpong_client_gets_the_servers_answers_and_a_notification_back)
{
    assert_output("pingpong", "", pingpong_out);
    assert_stderr_empty();
}
END_TEST

START_TEST(prodcons_consumer_receives_every_item_in_order_with_the_producers_checksum)
{
    assert_output("prodcons", "", prodcons_out);
    assert_stderr_empty();
}
END_TEST

START_TEST(uart_client_writes_through_the_driver_and_the_uart)
{
    assert_output("uart", "", uart_out);
    assert_stderr_empty();
}
END_TEST

START_TEST(uart_driver_receives_input_by_interrupt_and_the_client_echoes_its_lines)
{
    char in[512], args[600];
    snprintf(in, sizeof in, "%s/input.txt", cm_tmpdir());
    FILE *f = fopen(in, "w");
    ck_assert_ptr_nonnull(f);
    fputs("first line\nsecond\nno newline at the end", f);
    fclose(f);
    snprintf(args, sizeof args, "--input '%s'", in);
    assert_output("uart", args, uart_input_out);
    assert_stderr_empty();
    /* Under the virtual clock the input's arrival times are its own: the same run again. */
    assert_output("uart", args, uart_input_out);
}
END_TEST

/* --- the runner's options on a Microkit system ---------------------------------------- */

START_TEST(trace_names_its_tracks_after_the_pds)
{
    char path[512], args[600];
    static char trace[1 << 20];
    snprintf(path, sizeof path, "%s/pingpong.json", cm_tmpdir());
    snprintf(args, sizeof args, "--trace '%s'", path);
    assert_output("pingpong", args, pingpong_out);
    cm_slurp(path, trace, sizeof trace);
    ck_assert_msg(trace[0] == '[', "the trace is a JSON array: %.40s", trace);
    cm_assert_has(trace, "\"name\":\"thread_name\"");
    cm_assert_has(trace, "\"args\":{\"name\":\"server\"}");
    cm_assert_has(trace, "\"args\":{\"name\":\"client\"}");
    /* The client's calls are IPC events to the server. */
    cm_assert_has(trace, "\"to\":\"server\"");
}
END_TEST

START_TEST(log_names_the_pds_and_their_invocations)
{
    char path[512], args[600];
    static char log[1 << 20];
    snprintf(path, sizeof path, "%s/pingpong.log", cm_tmpdir());
    snprintf(args, sizeof args, "--log '%s'", path);
    assert_output("pingpong", args, pingpong_out);
    cm_slurp(path, log, sizeof log);
    cm_assert_has(log, "switch root -> server");
    /* The client's PPCs: a Call on its channel 0's endpoint cap (slot 80 + 0). */
    cm_assert_has(log, "] client: Call on ep slot 80 ");
    cm_assert_has(log, "] client: received reply from server label=0 len=2");
}
END_TEST

START_TEST(check_each_finds_every_invariant_holding_in_every_example)
{
    assert_output("hello", "--check each", hello_out);
    assert_output("pingpong", "--check each", pingpong_out);
    assert_output("prodcons", "--check each", prodcons_out);
    assert_output("uart", "--check each", uart_out);
}
END_TEST

START_TEST(stats_report_an_idle_end_on_stderr)
{
    assert_output("prodcons", "--stats", prodcons_out);
    cm_assert_has(cm_err, "mica: stopped: idle after ");
    cm_assert_has(cm_err, "kernel entries");
}
END_TEST

START_TEST(two_cpus_give_the_same_output)
{
    /* Every PD starts on the CPU of the root task that built it. */
    assert_output("pingpong", "--cpus 2", pingpong_out);
    assert_output("prodcons", "--cpus 2", prodcons_out);
    assert_output("uart", "--cpus 2", uart_out);
}
END_TEST

START_TEST(virtual_clock_runs_are_byte_identical)
{
    char p1[512], p2[512], args[1200];
    static char log1[1 << 20], log2[1 << 20], t1[1 << 20], t2[1 << 20];
    const char *systems[] = { "pingpong", "prodcons", "uart" };
    const char *outs[] = { pingpong_out, prodcons_out, uart_out };
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 2; k++) {
            snprintf(p1, sizeof p1, "%s/%s-%d.log", cm_tmpdir(), systems[i], k);
            snprintf(p2, sizeof p2, "%s/%s-%d.json", cm_tmpdir(), systems[i], k);
            snprintf(args, sizeof args, "--clock virtual --log '%s' --trace '%s'", p1, p2);
            assert_output(systems[i], args, outs[i]);
            cm_slurp(p1, k ? log2 : log1, sizeof log1);
            cm_slurp(p2, k ? t2 : t1, sizeof t1);
        }
        ck_assert_msg(log1[0] && strcmp(log1, log2) == 0, "%s: two logs differ", systems[i]);
        ck_assert_msg(t1[0] && strcmp(t1, t2) == 0, "%s: two traces differ", systems[i]);
    }
}
END_TEST

/* --- bad descriptions ------------------------------------------------------------------ */

/*
 * `mica microkit BAD/name.system` exits 64 with exactly one line on
 * stderr, "BAD/name.system:line: message", and runs nothing (no output,
 * no idle report).
 */
static void assert_refused(const char *name, int line, const char *message)
{
    const char *bad = env_path("MK_BAD");
    char a[1024], want[2048];
    snprintf(a, sizeof a, "microkit '%s/%s.system' --stats", bad, name);
    cm_assert_status(cm_run_prog(env_path("MICA_BIN"), a, 60), 64);
    snprintf(want, sizeof want, "%s/%s.system:%d: ", bad, name, line);
    size_t n = strlen(want);
    ck_assert_msg(strncmp(cm_err, want, n) == 0, "expected \"%s%s\", got:\n%s", want, message, cm_err);
    char *nl = strchr(cm_err, '\n');
    ck_assert_msg(nl && nl[1] == 0, "one line on stderr:\n%s", cm_err);
    *nl = 0;
    ck_assert_str_eq(cm_err + n, message);
    ck_assert_str_eq(cm_out, "");
}

START_TEST(malformed_xml_is_refused)
{
    assert_refused("malformed", 6, "malformed XML: not well-formed (invalid token)");
}
END_TEST

START_TEST(an_unknown_element_is_refused)
{
    assert_refused("unknown_element", 5, "unknown element <thread> in <protection_domain>");
}
END_TEST

START_TEST(an_unknown_attribute_is_refused)
{
    assert_refused("unknown_attribute", 3, "unknown attribute 'colour' on <protection_domain>");
}
END_TEST

START_TEST(a_missing_image_is_refused)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "program image '%s/not_built.elf' cannot be read: "
             "No such file or directory", env_path("MK_BAD"));
    assert_refused("missing_image", 6, msg);
}
END_TEST

START_TEST(an_image_without_init_is_refused)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "program image '%s/noinit.elf' has no init", env_path("MK_BAD"));
    assert_refused("no_init", 6, msg);
}
END_TEST

START_TEST(a_duplicate_channel_id_is_refused)
{
    assert_refused("duplicate_channel_id", 14,
                   "channel id 3 of protection domain 'a' is already used (line 10)");
}
END_TEST

static Suite *microkit_examples_suite(void)
{
    Suite *s = suite_create("microkit_examples");
    TCase *tc = tcase_create("examples");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, hello_prints_hello_world_and_ends_idle);
    tcase_add_test(tc, pingpong_client_gets_the_servers_answers_and_a_notification_back);
    tcase_add_test(tc, prodcons_consumer_receives_every_item_in_order_with_the_producers_checksum);
    tcase_add_test(tc, uart_client_writes_through_the_driver_and_the_uart);
    tcase_add_test(tc, uart_driver_receives_input_by_interrupt_and_the_client_echoes_its_lines);
    suite_add_tcase(s, tc);
    tc = tcase_create("runner_options");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, trace_names_its_tracks_after_the_pds);
    tcase_add_test(tc, log_names_the_pds_and_their_invocations);
    tcase_add_test(tc, check_each_finds_every_invariant_holding_in_every_example);
    tcase_add_test(tc, stats_report_an_idle_end_on_stderr);
    tcase_add_test(tc, two_cpus_give_the_same_output);
    tcase_add_test(tc, virtual_clock_runs_are_byte_identical);
    suite_add_tcase(s, tc);
    tc = tcase_create("bad_descriptions");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, malformed_xml_is_refused);
    tcase_add_test(tc, an_unknown_element_is_refused);
    tcase_add_test(tc, an_unknown_attribute_is_refused);
    tcase_add_test(tc, a_missing_image_is_refused);
    tcase_add_test(tc, an_image_without_init_is_refused);
    tcase_add_test(tc, a_duplicate_channel_id_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(microkit_examples_suite)
